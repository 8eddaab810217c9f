/**
 * composer-cache-mount — give RUN steps that run `composer install`/`update`/`require`/
 * `create-project` a BuildKit cache mount on Composer's cache: `COMPOSER_CACHE_DIR`, else
 * `$COMPOSER_HOME/cache`, else `/tmp/cache` on the official composer image (its
 * `COMPOSER_HOME` is `/tmp`).
 *
 * Why: every rebuild otherwise downloads every package archive again. Elsewhere Composer's
 * default depends on XDG detection at run time (`~/.cache/composer` or `~/.composer/cache`), so
 * the command gets `COMPOSER_CACHE_DIR=<mount>` to make the location certain. Non-root users get
 * a /tmp mount with uid/gid. `--no-cache` is removed; `composer clear-cache` is removed from the
 * mounted step only.
 *
 * Fix safety: safe. The cache holds downloaded archives only; vendor/ is written elsewhere.
 */
import { cacheMountSpec, runCacheMounts } from '../src/analysis/cache-mount.js';
import type { DockerfileDocument } from '../src/core/document.js';
import type { Transform, TransformContext, TransformResult } from '../src/core/types.js';

// What the tool is, where its cache lives and what disables or empties it: src/ecosystems/.
export const composerCacheMount: Transform = {
  meta: {
    id: 'composer-cache-mount',
    summary: "Add a BuildKit cache mount on Composer's cache (COMPOSER_CACHE_DIR) to composer install steps",
    description:
      'Adds a cache mount on the Composer cache (`COMPOSER_CACHE_DIR`, `$COMPOSER_HOME/cache`, `/tmp/cache` on composer ' +
      'images; otherwise `/root/.cache/composer` with COMPOSER_CACHE_DIR set on the command) to RUN steps that run ' +
      '`composer install`/`update`/`require`, and removes `--no-cache`.',
    fixKind: 'safe',
    unsafeFixes: 'when the step may run as a user other than root (its home and cache directory are then not known)',
    order: 51,
    docsUrl: 'docs/cache-mounts.md#composer-cache-mount',
  },
  run(doc: DockerfileDocument, ctx: TransformContext): TransformResult {
    return runCacheMounts(doc, ctx, cacheMountSpec('composer-cache-mount'));
  },
};

export default composerCacheMount;
