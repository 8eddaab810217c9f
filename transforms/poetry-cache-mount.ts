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
import { cacheMountSpec, runCacheMounts } from '../src/analysis/cache-mount.js';
import type { DockerfileDocument } from '../src/core/document.js';
import type { Transform, TransformContext, TransformResult } from '../src/core/types.js';

// What the tool is, where its cache lives and what disables or empties it: src/ecosystems/.
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
    return runCacheMounts(doc, ctx, cacheMountSpec('poetry-cache-mount'));
  },
};

export default poetryCacheMount;
