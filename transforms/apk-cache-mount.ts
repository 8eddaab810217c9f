/**
 * apk-cache-mount — give RUN steps that `apk add` a BuildKit cache mount on `/var/cache/apk`
 * (`sharing=locked`: apk locks its cache), and make apk use it.
 *
 * Why: `apk add --no-cache` downloads the indexes and every package on every rebuild of the step.
 *
 * How: `--no-cache` is replaced by `--update` (without `--no-cache` apk reads the indexes from
 * the cache, which is empty on a fresh builder; `--update` fetches them first, as `--no-cache`
 * did). apk only keeps downloaded packages when `/etc/apk/cache` points at a cache directory
 * (apk-cache(5)); creating that link for good would add a file to the image, so the step creates
 * it at its start and removes it at its end, in the same RUN (`[ -e /etc/apk/cache ] || ln -s
 * /var/cache/apk /etc/apk/cache; <step> && { remove the link if it is ours; }`): the restore runs
 * exactly when the step succeeds and keeps its exit status. When an earlier step of the stage
 * already deals with `/etc/apk/cache`, only the mount is added. `rm -rf /var/cache/apk/*` and
 * `apk cache clean` are removed from the mounted step only. Stages known not to be Alpine-like,
 * non-root steps, Windows stages and exec form are left alone with a reason.
 *
 * Fix safety: safe. The mount and the link exist only while the step runs, so the image has
 * the same files; the indexes and packages that `apk add` without `--no-cache` would have left
 * in `/var/cache/apk` go to the mount instead. (The lab has no Alpine images: this recipe is
 * from apk's documentation, not measured here; see docs/cache-mounts.md.)
 */
import { cacheMountSpec, runCacheMounts } from '../src/analysis/cache-mount.js';
import type { DockerfileDocument } from '../src/core/document.js';
import type { Transform, TransformContext, TransformResult } from '../src/core/types.js';

// What the tool is, where its cache lives and what disables or empties it: src/ecosystems/.
export const apkCacheMount: Transform = {
  meta: {
    id: 'apk-cache-mount',
    summary: 'Add a sharing=locked cache mount on /var/cache/apk to apk add steps and make apk use it',
    description:
      'Adds `--mount=type=cache,target=/var/cache/apk,sharing=locked` to RUN steps that run `apk add`, replaces ' +
      '`--no-cache` by `--update`, and links `/etc/apk/cache` to the mount for the duration of the step (removed again ' +
      'at its end, so the image keeps the same files). `rm -rf /var/cache/apk/*` is removed from that step only.',
    fixKind: 'safe',
    unsafeFixes: 'when the step may run as a user other than root (its home and cache directory are then not known)',
    order: 23,
    docsUrl: 'docs/cache-mounts.md#apk-cache-mount',
  },
  run(doc: DockerfileDocument, ctx: TransformContext): TransformResult {
    return runCacheMounts(doc, ctx, cacheMountSpec('apk-cache-mount'));
  },
};

export default apkCacheMount;
