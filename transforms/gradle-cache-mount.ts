/**
 * gradle-cache-mount — give RUN steps that run Gradle (`gradle`, `./gradlew`) BuildKit cache
 * mounts on `$GRADLE_USER_HOME/caches` and `$GRADLE_USER_HOME/wrapper` (`/root/.gradle` by
 * default).
 *
 * Why: every rebuild otherwise downloads the Gradle distribution (wrapper) and every dependency
 * again. The whole `~/.gradle` is not mounted: a `gradle.properties` or `init.d` copied there by
 * an earlier step would be hidden. Steps of non-root users are skipped (moving
 * `GRADLE_USER_HOME` would move those files too).
 *
 * Fix safety: safe in a build stage whose files do not reach the output; unsafe otherwise
 * (dependencies and the wrapper's Gradle leave the stage's files, so a later stage or a Gradle
 * run at run time would download them again).
 */
import { cacheMountSpec, runCacheMounts } from '../src/analysis/cache-mount.js';
import type { DockerfileDocument } from '../src/core/document.js';
import type { Transform, TransformContext, TransformResult } from '../src/core/types.js';

// What the tool is, where its cache lives and what disables or empties it: src/ecosystems/.
export const gradleCacheMount: Transform = {
  meta: {
    id: 'gradle-cache-mount',
    summary: 'Add BuildKit cache mounts on ~/.gradle/caches and ~/.gradle/wrapper (or GRADLE_USER_HOME) to gradle steps',
    description:
      'Adds cache mounts on `/root/.gradle/caches` and `/root/.gradle/wrapper` (under `GRADLE_USER_HOME` when set) to RUN ' +
      'steps that run `gradle`/`gradlew`. Unsafe where the stage reaches the output.',
    fixKind: 'safe',
    unsafeFixes: 'when the step may run as a user other than root (its home and cache directory are then not known); or the mounted directory holds the downloaded dependencies a built image may read',
    order: 48,
    docsUrl: 'docs/cache-mounts.md#gradle-cache-mount',
  },
  run(doc: DockerfileDocument, ctx: TransformContext): TransformResult {
    return runCacheMounts(doc, ctx, cacheMountSpec('gradle-cache-mount'));
  },
};

export default gradleCacheMount;
