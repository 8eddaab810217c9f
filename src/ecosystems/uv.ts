/**
 * uv (`uv sync`, `uv pip install`, `uv add`, `uv lock`, `uv tool install`). Cache:
 * `$UV_CACHE_DIR`, else `$XDG_CACHE_HOME/uv`, else `~/.cache/uv`: a download and build cache
 * (the environment is built by copying out of it across file systems), safe when empty. Off
 * switches: `--no-cache`/`-n`, `UV_NO_CACHE`. `uv sync --offline` reads the cache as a store.
 */
import type { CacheDir, EcosystemDescriptor, Env } from './types.js';
import { dirFromVar, joinDir, program, subcommandIndex, xdgCacheHome, truthy } from './helpers.js';
import { classifyPip } from './pip.js';

export const UV_VALUED: ReadonlySet<string> = new Set(['--extra', '--group', '--no-group', '--only-group', '--package', '-p', '--python', '--directory', '--project', '--index-url', '--extra-index-url', '--index', '--default-index', '--link-mode', '--compile-bytecode', '--cache-dir', '--no-install-package', '--no-binary-package', '--no-build-package', '--python-platform']);
/** Global options before the subcommand that take a value. */
const GLOBAL_VALUED = new Set(['--directory', '--project', '--config-file', '--python', '-p', '--color']);

const ROLES = {
  sync: 'install', 'pip install': 'install', 'pip sync': 'install', 'pip compile': 'update', add: 'update', lock: 'update',
  'tool install': 'install', venv: 'config', cache: 'cleanup',
} as const;
const CACHE_SUBS = new Set(Object.keys(ROLES).filter((k) => ['install', 'update'].includes(ROLES[k as keyof typeof ROLES])));

export function uvCacheDir(env: Env, home: string | undefined): CacheDir[] | { skip: string } {
  const base = xdgCacheHome(env, home);
  const d = dirFromVar(env, 'UV_CACHE_DIR', base === undefined ? undefined : joinDir(base, 'uv'), 'uv');
  if (typeof d === 'object') return d;
  return [{ name: 'uv', dir: d, envVar: 'UV_CACHE_DIR', offlineStore: 'uv' }];
}

export const uv: EcosystemDescriptor = {
  id: 'uv',
  programs: /^uv$/,
  valued: UV_VALUED,
  roles: ROLES,
  classify(inv) {
    const sub = inv.at(0);
    if (sub === 'pip') return classifyPip(inv, inv.p + 2);
    if (sub === 'sync') return inv.install('uv', inv.p + 1, UV_VALUED);
    if (sub === 'venv') {
      const named = inv.rest.slice(1).filter((x) => !x.value.startsWith('-')).map((x) => x.value);
      return inv.neutral(named.length ? named : ['.venv']);
    }
    if (sub === 'python' || sub === 'tool' || sub === 'cache' || sub === 'self' || sub === '--version') return inv.neutral();
    return inv.source();
  },
  manifests: { names: ['pyproject.toml', 'uv.lock'], dirOptions: ['--directory', '--project'], planner: 'uv' },
  offline(o) {
    if (o.has('--offline') || truthy(o.env.get('UV_OFFLINE'))) return { store: 'uv', what: o.show() };
    return o.sub === 'pip' && o.has('--no-index') ? { store: 'pip', what: o.show() } : null;
  },
  cache: {
    transform: 'uv-cache-mount',
    label: 'uv',
    quick: /\buv\b/,
    execForm: /(^|\s|\/)uv\s+(pip\s+)?(install|sync|add|lock)\b/,
    disablingEnv: { UV_NO_CACHE: 'uv then runs without a cache; it ignores an empty value' },
    detect(cmd) {
      const p = program(cmd);
      if (!p || p.name !== 'uv') return null;
      const w = cmd.words;
      let i = subcommandIndex(w, p.index + 1, GLOBAL_VALUED);
      let sub = w[i]?.value;
      if (sub === 'pip' || sub === 'tool') {
        i = subcommandIndex(w, i + 1, GLOBAL_VALUED);
        sub = `${sub} ${w[i]?.value}`;
      }
      if (!CACHE_SUBS.has(sub ?? '')) return null;
      if (w.some((x) => x.value === '--cache-dir' || x.value.startsWith('--cache-dir='))) return null;
      return { cmd, tool: 'uv', disable: w.filter((x) => x.value === '--no-cache' || x.value === '-n'), dirs: uvCacheDir };
    },
    isCleanup(cmd) {
      const p = program(cmd);
      return p?.name === 'uv' && cmd.words[p.index + 1]?.value === 'cache' && ['clean', 'prune'].includes(cmd.words[p.index + 2]?.value ?? '');
    },
  },
};
