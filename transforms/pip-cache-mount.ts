/**
 * pip-cache-mount — give `pip install` (`pip`, `pip3`, `python -m pip`, `pip wheel`,
 * `pip download`, also `--user`) a BuildKit cache mount on pip's cache directory.
 *
 * Why: without it every rebuild of the install step downloads every package again and rebuilds
 * every sdist into a wheel. With `RUN --mount=type=cache,target=/root/.cache/pip` the cache
 * survives between builds on the same builder and never enters the image.
 *
 * What else changes: `--no-cache-dir` is removed from those commands, and when
 * `PIP_NO_CACHE_DIR` is in effect (ENV or ARG) the command gets `PIP_NO_CACHE_DIR=` (empty):
 * pip treats *any* valid value of that variable, even `0`/`false`, as "no cache", and ignores
 * empty values (measured with pip 23.0.1 in ../shared/docker-lab). The ENV itself stays, so the
 * image config is unchanged. The target follows `PIP_CACHE_DIR`, `XDG_CACHE_HOME` and `HOME`
 * (ENV/ARG of the stage and its parent stages, and `VAR=x` on the command). For a non-root
 * `USER` with a known uid the mount goes to `/tmp/pip-cache` (`uid=`/`gid=` set) and the command
 * gets `PIP_CACHE_DIR=/tmp/pip-cache`; with an unknown uid the step is skipped. `pip cache purge`
 * and `rm -rf` of the cache directory are removed from the mounted step only.
 *
 * Fix safety: safe. The mount is only present while the step runs and pip's cache lives outside
 * site-packages, so the image files are the same (checked with `lab diff-images`, see
 * docs/cache-mounts.md); only the cache no longer lands in the image.
 */
import { runCacheMounts, dirFromVar, joinDir, program, subcommandIndex, xdgCacheHome, type CacheDir, type Env } from '../src/analysis/cache-mount.js';
import type { ShellCommand, Word } from '../src/core/shell.js';
import type { DockerfileDocument } from '../src/core/document.js';
import type { Transform, TransformContext, TransformResult } from '../src/core/types.js';

const PIP_SUBCOMMANDS = new Set(['install', 'wheel', 'download']);
const PIP_GLOBAL_WITH_VALUE = new Set(['--cache-dir', '--log', '--proxy', '--retries', '--timeout', '--python', '--exists-action', '--trusted-host', '--cert', '--client-cert', '--index-url', '-i']);

/** The words of a pip invocation starting at its subcommand, or null when it is not pip. */
export function pipInvocation(cmd: ShellCommand): { sub: Word; args: Word[]; globals: Word[] } | null {
  const w = cmd.words;
  const prog = program(cmd);
  if (!prog) return null;
  let i = prog.index + 1;
  const start = i;
  if (/^pip(3(\.\d+)?)?$/.test(prog.name)) {
    // pip [global options] <subcommand>
  } else if (/^python(3(\.\d+)?)?$/.test(prog.name)) {
    while (i < w.length && w[i].value.startsWith('-') && w[i].value !== '-m') i++;
    if (w[i]?.value !== '-m' || w[i + 1]?.value !== 'pip') return null;
    i += 2;
  } else return null;
  const g = i;
  i = subcommandIndex(w, i, PIP_GLOBAL_WITH_VALUE);
  const sub = w[i];
  if (!sub || !PIP_SUBCOMMANDS.has(sub.value)) return null;
  void start;
  return { sub, args: w.slice(i + 1), globals: w.slice(g, i) };
}

/** pip's cache directory: PIP_CACHE_DIR, else $XDG_CACHE_HOME/pip, else ~/.cache/pip. */
export function pipCacheDir(env: Env, home: string | undefined): CacheDir[] | { skip: string } {
  const base = xdgCacheHome(env, home);
  const d = dirFromVar(env, 'PIP_CACHE_DIR', base === undefined ? undefined : joinDir(base, 'pip'), 'pip');
  if (typeof d === 'object') return d;
  return [{ name: 'pip', dir: d, envVar: 'PIP_CACHE_DIR' }];
}

export const pipCacheMount: Transform = {
  meta: {
    id: 'pip-cache-mount',
    summary: 'Add a BuildKit cache mount for pip to RUN steps that pip install, and drop --no-cache-dir',
    description:
      'Adds `--mount=type=cache,target=/root/.cache/pip` (or the directory `PIP_CACHE_DIR`/`XDG_CACHE_HOME`/`HOME` give) to RUN ' +
      'steps that run `pip install`/`pip wheel`/`pip download` (also `pip3`, `python -m pip`, `--user`), removes ' +
      '`--no-cache-dir` and neutralises `PIP_NO_CACHE_DIR` for those commands so pip uses the cache. The mount is not part ' +
      'of the image, so the image files are unchanged; rebuilds reuse downloaded and built wheels. Non-root users get a ' +
      'mount outside their home with uid/gid and PIP_CACHE_DIR on the command; Windows stages, exec form and users with an ' +
      'unknown uid are skipped with a reason.',
    fixKind: 'safe',
    unsafeFixes: 'when the step may run as a user other than root (its home and cache directory are then not known)',
    order: 30,
    docsUrl: 'docs/cache-mounts.md#pip-cache-mount',
  },
  run(doc: DockerfileDocument, ctx: TransformContext): TransformResult {
    return runCacheMounts(doc, ctx, {
      id: 'pip-cache-mount',
      label: 'pip install',
      reuses: 'downloaded and built wheels',
      quick: /\bpip/,
      execForm: /(^|\s|\/)pip3?(\.\d+)?\s+(install|wheel|download)\b|-m\s+pip\s+(install|wheel|download)\b/,
      disablingEnv: {
        PIP_NO_CACHE_DIR: 'pip turns the cache off for any value of it (even 0/false) but ignores an empty one',
      },
      detect(cmd) {
        const pip = pipInvocation(cmd);
        if (!pip) return null;
        if ([...pip.globals, ...pip.args].some((a) => a.value === '--cache-dir' || a.value.startsWith('--cache-dir='))) return null;
        return {
          cmd,
          tool: 'pip',
          disable: [...pip.globals, ...pip.args].filter((a) => a.value === '--no-cache-dir'),
          dirs: pipCacheDir,
        };
      },
      isCleanup(cmd) {
        const pip = pipInvocationAny(cmd);
        return pip !== null && pip.sub === 'cache' && (pip.rest[0] === 'purge' || pip.rest[0] === 'remove');
      },
    });
  },
};

/** pip with any subcommand (for `pip cache purge`). */
function pipInvocationAny(cmd: ShellCommand): { sub: string; rest: string[] } | null {
  const prog = program(cmd);
  if (!prog) return null;
  const w = cmd.words;
  let i = prog.index + 1;
  if (/^python(3(\.\d+)?)?$/.test(prog.name)) {
    if (w[i]?.value !== '-m' || w[i + 1]?.value !== 'pip') return null;
    i += 2;
  } else if (!/^pip(3(\.\d+)?)?$/.test(prog.name)) return null;
  i = subcommandIndex(w, i);
  if (!w[i]) return null;
  return { sub: w[i].value, rest: w.slice(i + 1).map((x) => x.value) };
}

export default pipCacheMount;
