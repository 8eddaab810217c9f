/**
 * bundler-cache-mount — give RUN steps that run `bundle install` (or a bare `bundle`) a
 * BuildKit cache mount on RubyGems' download cache, `$GEM_HOME/cache`
 * (`/usr/local/bundle/cache` on the official ruby images, where `GEM_HOME=/usr/local/bundle`).
 *
 * Why: bundler installs a gem from the `.gem` file in that directory when it is there, instead
 * of downloading it; without a mount every rebuild downloads every gem again. Only the `cache`
 * sub-directory is mounted: the installed gems (`$GEM_HOME/gems`, `specifications`,
 * `extensions`) stay in the image. `rm -rf` of that cache is removed from the mounted step only.
 * Left alone with a reason: `BUNDLE_PATH` set (gems then go to `$BUNDLE_PATH/ruby/<version>`,
 * whose version we cannot know), `GEM_HOME` unknown (not a ruby image), and non-root users
 * (moving `GEM_HOME` would move the installed gems).
 *
 * Fix safety: safe. The mounted directory only holds the downloaded `.gem` archives, which
 * nothing needs once the gems are installed; they now stay out of the image.
 */
import { cacheMountSpec, runCacheMounts } from '../src/analysis/cache-mount.js';
import type { DockerfileDocument } from '../src/core/document.js';
import type { Transform, TransformContext, TransformResult } from '../src/core/types.js';

// What the tool is, where its cache lives and what disables or empties it: src/ecosystems/.
export const bundlerCacheMount: Transform = {
  meta: {
    id: 'bundler-cache-mount',
    summary: 'Add a BuildKit cache mount on the gem download cache ($GEM_HOME/cache) to bundle install steps',
    description:
      'Adds `--mount=type=cache,target=/usr/local/bundle/cache` (`$GEM_HOME/cache`) to RUN steps that run `bundle install`, ' +
      'so downloaded .gem files are reused across builds; installed gems stay in the image.',
    fixKind: 'safe',
    unsafeFixes: 'when the step may run as a user other than root (its home and cache directory are then not known)',
    order: 50,
    docsUrl: 'docs/cache-mounts.md#bundler-cache-mount',
  },
  run(doc: DockerfileDocument, ctx: TransformContext): TransformResult {
    return runCacheMounts(doc, ctx, cacheMountSpec('bundler-cache-mount'));
  },
};

export default bundlerCacheMount;
