/**
 * pipenv-cache-mount — give RUN steps that run `pipenv install`/`sync`/`lock`/`update`
 * BuildKit cache mounts on pipenv's cache (`PIPENV_CACHE_DIR`, else `$XDG_CACHE_HOME/pipenv`,
 * else `/root/.cache/pipenv`) and on pip's cache, which the pip that pipenv runs uses.
 *
 * Why: without them each rebuild resolves and downloads every package again. Non-root users
 * get mounts in /tmp with uid/gid and `PIPENV_CACHE_DIR`/`PIP_CACHE_DIR` on the command.
 * `PIP_NO_CACHE_DIR` is neutralised on the command like pip-cache-mount does.
 *
 * Fix safety: safe. Virtualenvs live in `WORKON_HOME` or the project, not in these caches.
 */
import { runCacheMounts, dirFromVar, joinDir, program, subcommandIndex, xdgCacheHome, type CacheDir } from '../src/analysis/cache-mount.js';
import { pipCacheDir } from './pip-cache-mount.js';
import type { DockerfileDocument } from '../src/core/document.js';
import type { Transform, TransformContext, TransformResult } from '../src/core/types.js';

const SUBS = new Set(['install', 'sync', 'lock', 'update', 'upgrade']);

export const pipenvCacheMount: Transform = {
  meta: {
    id: 'pipenv-cache-mount',
    summary: "Add BuildKit cache mounts for pipenv's and pip's caches to pipenv install steps",
    description:
      'Adds cache mounts on `/root/.cache/pipenv` (or `PIPENV_CACHE_DIR`) and `/root/.cache/pip` (or `PIP_CACHE_DIR`) ' +
      'to RUN steps that run `pipenv install`/`sync`/`lock`/`update`; non-root users get /tmp mounts with uid/gid.',
    fixKind: 'safe',
    unsafeFixes: 'when the step may run as a user other than root (its home and cache directory are then not known)',
    order: 33,
    docsUrl: 'docs/cache-mounts.md#pipenv-cache-mount',
  },
  run(doc: DockerfileDocument, ctx: TransformContext): TransformResult {
    return runCacheMounts(doc, ctx, {
      id: 'pipenv-cache-mount',
      label: 'pipenv install',
      quick: /\bpipenv\b/,
      execForm: /(^|\s|\/)pipenv\s+(\S+\s+)*(install|sync|lock|update)\b/,
      disablingEnv: { PIP_NO_CACHE_DIR: 'pip turns the cache off for any value of it (even 0/false) but ignores an empty one' },
      detect(cmd) {
        const p = program(cmd);
        if (!p || p.name !== 'pipenv') return null;
        const i = subcommandIndex(cmd.words, p.index + 1);
        if (!SUBS.has(cmd.words[i]?.value ?? '')) return null;
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
    });
  },
};

export default pipenvCacheMount;
