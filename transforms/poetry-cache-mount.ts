/**
 * poetry-cache-mount — give RUN steps that run `poetry install`/`sync`/`add`/`update`/`lock`
 * BuildKit cache mounts on poetry's download caches: `<cache-dir>/cache` and
 * `<cache-dir>/artifacts`, where the cache dir is `POETRY_CACHE_DIR`, else
 * `$XDG_CACHE_HOME/pypoetry`, else `/root/.cache/pypoetry`.
 *
 * Why: poetry downloads and builds every distribution again on each rebuild without them.
 * Only those two sub-directories are mounted, never the whole cache dir: poetry keeps the
 * virtualenvs it creates in `<cache-dir>/virtualenvs` by default, and mounting that would take
 * the installed environment out of the image. For the same reason a step run by a non-root user
 * is skipped (moving `POETRY_CACHE_DIR` would move the virtualenvs). `--no-cache` is removed.
 *
 * Fix safety: safe. The mounted directories hold only downloads and built artifacts.
 */
import { runCacheMounts, dirFromVar, joinDir, program, subcommandIndex, xdgCacheHome, type CacheDir } from '../src/analysis/cache-mount.js';
import type { DockerfileDocument } from '../src/core/document.js';
import type { Transform, TransformContext, TransformResult } from '../src/core/types.js';

const WITH_VALUE = new Set(['--directory', '-C', '--project', '-P']);
const SUBS = new Set(['install', 'sync', 'add', 'update', 'lock']);

export const poetryCacheMount: Transform = {
  meta: {
    id: 'poetry-cache-mount',
    summary: "Add BuildKit cache mounts for poetry's download caches (not its virtualenvs)",
    description:
      'Adds cache mounts on `/root/.cache/pypoetry/cache` and `/root/.cache/pypoetry/artifacts` (or under ' +
      '`POETRY_CACHE_DIR`/`XDG_CACHE_HOME`) to RUN steps that run `poetry install`/`sync`/`add`/`update`/`lock`, and ' +
      'removes `--no-cache`. The virtualenvs directory is never mounted; non-root steps are skipped.',
    fixKind: 'safe',
    unsafeFixes: 'when the step may run as a user other than root (its home and cache directory are then not known)',
    order: 32,
    docsUrl: 'docs/cache-mounts.md#poetry-cache-mount',
  },
  run(doc: DockerfileDocument, ctx: TransformContext): TransformResult {
    return runCacheMounts(doc, ctx, {
      id: 'poetry-cache-mount',
      label: 'poetry install',
      quick: /\bpoetry\b/,
      execForm: /(^|\s|\/)poetry\s+(\S+\s+)*(install|sync|add|update|lock)\b/,
      detect(cmd) {
        const p = program(cmd);
        if (!p || p.name !== 'poetry') return null;
        const i = subcommandIndex(cmd.words, p.index + 1, WITH_VALUE);
        if (!SUBS.has(cmd.words[i]?.value ?? '')) return null;
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
    });
  },
};

export default poetryCacheMount;
