/**
 * maven-cache-mount — give RUN steps that run Maven (`mvn`, `./mvnw`) a BuildKit cache mount on
 * the local repository, `/root/.m2/repository` (`$HOME/.m2/repository`).
 *
 * Why: every rebuild otherwise downloads every plugin and dependency again. The mount is
 * `sharing=locked`: Maven's local repository is not safe for concurrent writers. Only `repository` is
 * mounted, not all of `~/.m2`: a `settings.xml` copied into `~/.m2` by an earlier step would be
 * hidden by a mount on the whole directory, and `~/.m2/wrapper` holds the Maven that `mvnw`
 * downloaded. Steps with `-Dmaven.repo.local` are left alone; steps of non-root users are
 * skipped (Maven has no variable that moves only the repository).
 *
 * Fix safety: safe in a build stage whose files do not reach the output; unsafe otherwise: the
 * repository holds the dependencies, so a later `mvn -o` outside a mounted step, a later stage
 * or a `mvn` at run time would not find them.
 */
import { cacheMountSpec, runCacheMounts } from '../src/analysis/cache-mount.js';
import type { DockerfileDocument } from '../src/core/document.js';
import type { Transform, TransformContext, TransformResult } from '../src/core/types.js';

// What the tool is, where its cache lives and what disables or empties it: src/ecosystems/.
export const mavenCacheMount: Transform = {
  meta: {
    id: 'maven-cache-mount',
    summary: 'Add a BuildKit cache mount on the Maven local repository (~/.m2/repository) to mvn steps',
    description:
      'Adds `--mount=type=cache,target=/root/.m2/repository` to RUN steps that run `mvn`/`mvnw`. Only the repository is ' +
      'mounted, so settings.xml and the wrapper distribution stay. Unsafe where the stage reaches the output.',
    fixKind: 'safe',
    unsafeFixes: 'when the step may run as a user other than root (its home and cache directory are then not known); or the mounted directory holds the downloaded dependencies a built image may read',
    order: 47,
    docsUrl: 'docs/cache-mounts.md#maven-cache-mount',
  },
  run(doc: DockerfileDocument, ctx: TransformContext): TransformResult {
    return runCacheMounts(doc, ctx, cacheMountSpec('maven-cache-mount'));
  },
};

export default mavenCacheMount;
