/**
 * poetry (`poetry install`, `sync`, `add`, `update`, `lock`). Cache: `$POETRY_CACHE_DIR` (else
 * `$XDG_CACHE_HOME/pypoetry`, `~/.cache/pypoetry`); only its `cache` and `artifacts`
 * sub-directories are download caches: `virtualenvs` next to them is what the image runs, so it
 * is never mounted, and the cache is not moved for a non-root user. Off switch: `--no-cache`.
 */
import type { CacheDir, EcosystemDescriptor } from './types.js';
import { dirFromVar, joinDir, program, subcommandIndex, xdgCacheHome } from './helpers.js';

const VALUED = new Set(['--without', '--with', '--only', '-E', '--extras', '-C', '--directory', '-P', '--project']);
const GLOBAL_VALUED = new Set(['--directory', '-C', '--project', '-P']);
const ROLES = { install: 'install', sync: 'install', add: 'update', update: 'update', lock: 'update', config: 'config' } as const;
const CACHE_SUBS = new Set(['install', 'sync', 'add', 'update', 'lock']);

export const poetry: EcosystemDescriptor = {
  id: 'poetry',
  programs: /^poetry$/,
  valued: VALUED,
  roles: ROLES,
  classify(inv) {
    const sub = inv.at(0);
    if (sub === 'install' || sub === 'sync') return inv.install('poetry', inv.p + 1, VALUED);
    if (sub === 'config' || sub === 'self' || sub === '--version' || (sub === 'env' && inv.at(1) === 'use')) return inv.neutral();
    return inv.source();
  },
  manifests: { names: ['pyproject.toml', 'poetry.lock'], dirOptions: ['-C', '--directory', '-P', '--project'], planner: 'poetry' },
  cache: {
    transform: 'poetry-cache-mount',
    label: 'poetry install',
    quick: /\bpoetry\b/,
    execForm: /(^|\s|\/)poetry\s+(\S+\s+)*(install|sync|add|update|lock)\b/,
    detect(cmd) {
      const p = program(cmd);
      if (!p || p.name !== 'poetry') return null;
      const i = subcommandIndex(cmd.words, p.index + 1, GLOBAL_VALUED);
      if (!CACHE_SUBS.has(cmd.words[i]?.value ?? '')) return null;
      return {
        cmd,
        tool: 'poetry',
        disable: cmd.words.filter((w) => w.value === '--no-cache'),
        dirs(env, home): CacheDir[] | { skip: string } {
          const base = xdgCacheHome(env, home);
          const d = dirFromVar(env, 'POETRY_CACHE_DIR', base === undefined ? undefined : joinDir(base, 'pypoetry'), 'poetry');
          if (typeof d === 'object') return d;
          const why = 'poetry keeps its virtualenvs in its cache directory by default, so the cache cannot be moved out of the home';
          return [
            { name: 'poetry', dir: d === undefined ? undefined : joinDir(d, 'cache'), noRelocate: why, unknown: 'the poetry cache directory is unknown here; left unchanged' },
            { name: 'poetry-artifacts', dir: d === undefined ? undefined : joinDir(d, 'artifacts'), noRelocate: why, unknown: 'the poetry cache directory is unknown here; left unchanged' },
          ];
        },
      };
    },
  },
};
