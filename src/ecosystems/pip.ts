/**
 * pip (`pip`, `pip3`, `pip3.12`, `python -m pip`; `uv pip` is uv's front end to the same parse).
 * Cache: `$PIP_CACHE_DIR`, else `$XDG_CACHE_HOME/pip`, else `~/.cache/pip`: downloads and built
 * wheels only, never read by a later step, so an empty mount just means downloading again.
 * Off switches: `--no-cache-dir`, and `PIP_NO_CACHE_DIR` with any non-empty value (even 0/false).
 */
import type { CacheDir, Classified, EcosystemDescriptor, Env, Invocation } from './types.js';
import { dirFromVar, has, joinDir, looksLikePath, parseOptions, program, subcommandIndex, values, xdgCacheHome } from './helpers.js';
import type { ShellCommand, Word } from '../core/shell.js';

export const PIP_VALUED: ReadonlySet<string> = new Set([
  '-r', '--requirement', '-c', '--constraint', '-e', '--editable', '-i', '--index-url', '--extra-index-url', '-f', '--find-links',
  '-t', '--target', '--prefix', '--root', '--src', '--trusted-host', '--platform', '--python-version', '--implementation', '--abi',
  '--only-binary', '--no-binary', '--progress-bar', '--cache-dir', '--log', '--report', '--upgrade-strategy', '-C', '--config-settings',
  '--global-option', '--python', '--retries', '--timeout', '--proxy', '--cert', '--client-cert', '--exists-action', '--root-user-action',
  '--use-feature', '--use-deprecated', '--keyring-provider', '-p', '--group', '--extra', '--index-strategy', '--link-mode',
]);
/** Options before the subcommand that take a value (`pip --cache-dir x install`). */
const GLOBAL_VALUED = new Set(['--cache-dir', '--log', '--proxy', '--retries', '--timeout', '--python', '--exists-action', '--trusted-host', '--cert', '--client-cert', '--index-url', '-i']);
const PYTHON = /^python(3(\.\d+)?)?$/;
const PIP = /^pip(3(\.\d+)?)?$/;

/** pip's subcommands; `install` and `sync` (uv pip) are installs only when they name project files. */
const ROLES = {
  install: 'install', sync: 'install', wheel: 'build', download: 'fetch-only',
  config: 'config', cache: 'cleanup',
} as const;

/** Classify the pip subcommand found from word `pipAt` on (global options skipped). */
export function classifyPip(inv: Invocation, pipAt: number): Classified {
  const w = inv.w;
  let i = pipAt;
  while (i < w.length && w[i]!.value.startsWith('-')) i++;
  const sub = w[i]?.value;
  if (sub === 'install' || sub === 'sync') {
    const parsed = parseOptions(w.slice(i + 1), PIP_VALUED);
    const reqs = values(parsed.opts, '-r', '--requirement');
    const editable = values(parsed.opts, '-e', '--editable');
    const local = parsed.positional.filter((x) => looksLikePath(x.value) || x.dynamic);
    if (sub === 'sync' || reqs.length || editable.length || local.length) return inv.install('pip', i, PIP_VALUED);
    // `pip install flask gunicorn`: named packages only, nothing from the project.
    const dirs = values(parsed.opts, '-t', '--target', '--prefix', '--root', '-f', '--find-links', '-c', '--constraint').filter((v) => !/^[a-z]+:\/\//.test(v));
    return inv.neutral(dirs);
  }
  if (sub === 'config' || sub === 'cache' || sub === 'list' || sub === 'freeze' || sub === 'show' || sub === 'uninstall' || sub === 'check' || sub === '--version' || sub === undefined) return inv.neutral();
  return inv.source();
}

/** The words of a pip invocation starting at its subcommand, or null when it is not pip. */
export function pipInvocation(cmd: ShellCommand, subs: ReadonlySet<string> = CACHE_SUBS): { sub: Word; args: Word[]; globals: Word[] } | null {
  const w = cmd.words;
  const prog = program(cmd);
  if (!prog) return null;
  let i = prog.index + 1;
  if (PIP.test(prog.name)) {
    // pip [global options] <subcommand>
  } else if (PYTHON.test(prog.name)) {
    while (i < w.length && w[i]!.value.startsWith('-') && w[i]!.value !== '-m') i++;
    if (w[i]?.value !== '-m' || w[i + 1]?.value !== 'pip') return null;
    i += 2;
  } else return null;
  const g = i;
  i = subcommandIndex(w, i, GLOBAL_VALUED);
  const sub = w[i];
  if (!sub || !subs.has(sub.value)) return null;
  return { sub, args: w.slice(i + 1), globals: w.slice(g, i) };
}

/** pip's cache directory: PIP_CACHE_DIR, else $XDG_CACHE_HOME/pip, else ~/.cache/pip. */
export function pipCacheDir(env: Env, home: string | undefined): CacheDir[] | { skip: string } {
  const base = xdgCacheHome(env, home);
  const d = dirFromVar(env, 'PIP_CACHE_DIR', base === undefined ? undefined : joinDir(base, 'pip'), 'pip');
  if (typeof d === 'object') return d;
  return [{ name: 'pip', dir: d, envVar: 'PIP_CACHE_DIR' }];
}

/** The subcommands that use pip's cache. */
const CACHE_SUBS = new Set(['install', 'wheel', 'download']);

/** pip with any subcommand (for `pip cache purge`). */
function pipAny(cmd: ShellCommand): { sub: string; rest: string[] } | null {
  const prog = program(cmd);
  if (!prog) return null;
  const w = cmd.words;
  let i = prog.index + 1;
  if (PYTHON.test(prog.name)) {
    if (w[i]?.value !== '-m' || w[i + 1]?.value !== 'pip') return null;
    i += 2;
  } else if (!PIP.test(prog.name)) return null;
  i = subcommandIndex(w, i);
  const sub = w[i];
  if (!sub) return null;
  return { sub: sub.value, rest: w.slice(i + 1).map((x) => x.value) };
}

export const PIP_NO_CACHE_WHY = 'pip turns the cache off for any value of it (even 0/false) but ignores an empty one';

export const pip: EcosystemDescriptor = {
  id: 'pip',
  programs: /^(pip(3(\.\d+)?)?|python(3(\.\d+)?)?)$/,
  valued: PIP_VALUED,
  roles: ROLES,
  classify(inv) {
    if (PIP.test(inv.prog)) return classifyPip(inv, inv.p + 1);
    // python [options] -m pip|venv ...
    const w = inv.w;
    let i = inv.p + 1;
    while (i < w.length && w[i]!.value.startsWith('-') && w[i]!.value !== '-m') i++;
    if (w[i]?.value === '-m' && /^pip3?$/.test(w[i + 1]?.value ?? '')) return classifyPip(inv, i + 2);
    if (w[i]?.value === '-m' && w[i + 1]?.value === 'venv') {
      const target = w.slice(i + 2).filter((x) => !x.value.startsWith('-'));
      return inv.neutral(target.map((x) => x.value));
    }
    return inv.source();
  },
  manifests: {
    names: ['setup.cfg'],
    patterns: [/(^|\/)(requirements|constraints)([-_.][^/]*)?\.(txt|in)$/],
    planner: 'pip',
  },
  // pip with --no-index installs only from local directories (`--find-links`).
  offline(o) {
    const pipProg = /^pip(3(\.\d+)?)?$/.test(o.prog) || (/^python(3(\.\d+)?)?$/.test(o.prog) && o.args[0] === '-m' && /^pip3?$/.test(o.args[1] ?? ''));
    return pipProg && o.has('--no-index') ? { store: 'pip', what: o.show() } : null;
  },
  cache: {
    transform: 'pip-cache-mount',
    label: 'pip install',
    reuses: 'downloaded and built wheels',
    quick: /\bpip/,
    execForm: /(^|\s|\/)pip3?(\.\d+)?\s+(install|wheel|download)\b|-m\s+pip\s+(install|wheel|download)\b/,
    disablingEnv: { PIP_NO_CACHE_DIR: PIP_NO_CACHE_WHY },
    detect(cmd) {
      const inv = pipInvocation(cmd);
      if (!inv) return null;
      if ([...inv.globals, ...inv.args].some((a) => a.value === '--cache-dir' || a.value.startsWith('--cache-dir='))) return null;
      return {
        cmd,
        tool: 'pip',
        disable: [...inv.globals, ...inv.args].filter((a) => a.value === '--no-cache-dir'),
        dirs: pipCacheDir,
      };
    },
    isCleanup(cmd) {
      const inv = pipAny(cmd);
      return inv !== null && inv.sub === 'cache' && (inv.rest[0] === 'purge' || inv.rest[0] === 'remove');
    },
  },
};

