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
import { cacheMountSpec, runCacheMounts } from '../src/analysis/cache-mount.js';
import type { DockerfileDocument } from '../src/core/document.js';
import type { Transform, TransformContext, TransformResult } from '../src/core/types.js';

// What the tool is, where its cache lives and what disables or empties it: src/ecosystems/.
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
    order: 30,
    docsUrl: 'docs/cache-mounts.md#pip-cache-mount',
  },
  run(doc: DockerfileDocument, ctx: TransformContext): TransformResult {
    return runCacheMounts(doc, ctx, cacheMountSpec('pip-cache-mount'));
  },
};

export default pipCacheMount;

export { pipInvocation, pipCacheDir } from '../src/ecosystems/pip.js';
