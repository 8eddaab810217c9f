/**
 * pipenv (`pipenv install`, `pipenv sync`). Caches: `$PIPENV_CACHE_DIR` (else
 * `$XDG_CACHE_HOME/pipenv`, `~/.cache/pipenv`) plus pip's own cache, both download caches.
 * `pipenv install <packages>` edits the Pipfile, so only the bare form is an install.
 */
import type { CacheDir, EcosystemDescriptor } from './types.js';
import { dirFromVar, joinDir, program, subcommandIndex, xdgCacheHome } from './helpers.js';
import { PIP_NO_CACHE_WHY, pipCacheDir } from './pip.js';

const VALUED = new Set(['--python', '--categories', '--extra-pip-args']);
const ROLES = { install: 'install', sync: 'install', lock: 'update', update: 'update', upgrade: 'update' } as const;
const CACHE_SUBS = new Set(Object.keys(ROLES));

export const pipenv: EcosystemDescriptor = {
  id: 'pipenv',
  programs: /^pipenv$/,
  valued: VALUED,
  roles: ROLES,
  classify(inv) {
    const sub = inv.at(0);
    if ((sub === 'install' || sub === 'sync') && inv.rest.slice(1).every((x) => x.value.startsWith('-'))) return inv.install('pipenv', inv.p + 1, VALUED);
    if (sub === 'install') return inv.source('`pipenv install <packages>` changes the Pipfile');
    return inv.source();
  },
  manifests: { names: ['Pipfile', 'Pipfile.lock'], planner: 'pipenv' },
  cache: {
    transform: 'pipenv-cache-mount',
    label: 'pipenv install',
    quick: /\bpipenv\b/,
    execForm: /(^|\s|\/)pipenv\s+(\S+\s+)*(install|sync|lock|update)\b/,
    disablingEnv: { PIP_NO_CACHE_DIR: PIP_NO_CACHE_WHY },
    detect(cmd) {
      const p = program(cmd);
      if (!p || p.name !== 'pipenv') return null;
      const i = subcommandIndex(cmd.words, p.index + 1);
      if (!CACHE_SUBS.has(cmd.words[i]?.value ?? '')) return null;
      return {
        cmd,
        tool: 'pipenv',
        dirs(env, home): CacheDir[] | { skip: string } {
          const base = xdgCacheHome(env, home);
          const d = dirFromVar(env, 'PIPENV_CACHE_DIR', base === undefined ? undefined : joinDir(base, 'pipenv'), 'pipenv');
          if (typeof d === 'object') return d;
          const pip = pipCacheDir(env, home);
          if (!Array.isArray(pip)) return pip;
          return [{ name: 'pipenv', dir: d, envVar: 'PIPENV_CACHE_DIR' }, ...pip];
        },
      };
    },
  },
};
