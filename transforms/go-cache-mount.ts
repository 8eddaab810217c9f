/**
 * go-cache-mount — give RUN steps that run the Go toolchain (`go build`, `go install`,
 * `go mod download`, `go test`, `go run`, `go get`, `go generate`, `go vet`, `go mod tidy`)
 * BuildKit cache mounts on the module cache (`GOMODCACHE`, else `${GOPATH}/pkg/mod`, `/go/pkg/mod`
 * on golang images, `~/go/pkg/mod` elsewhere) and the build cache (`GOCACHE`, else
 * `$XDG_CACHE_HOME/go-build`, `/root/.cache/go-build`).
 *
 * Why: without them every rebuild downloads all modules and recompiles every package.
 * `go clean -cache/-modcache` is removed from the mounted step only. Non-root users get /tmp
 * mounts with uid/gid and `GOMODCACHE`/`GOCACHE` on the command.
 *
 * Fix safety: safe in a build stage whose files do not reach the output; unsafe otherwise. The
 * module cache is where Go keeps the downloaded module sources: with the mount they are no
 * longer in the stage's files. That is the point in a builder stage (only the binary is copied
 * out), but in the final stage, a stage other stages build FROM, or a stage whose module
 * directory is copied out, anything that reads the modules later (`go run` in CMD, a later
 * stage) would download them again; those steps get an unsafe fix (applied with --unsafe).
 */
import { cacheMountSpec, runCacheMounts } from '../src/analysis/cache-mount.js';
import type { DockerfileDocument } from '../src/core/document.js';
import type { Transform, TransformContext, TransformResult } from '../src/core/types.js';

// What the tool is, where its cache lives and what disables or empties it: src/ecosystems/.
export const goCacheMount: Transform = {
  meta: {
    id: 'go-cache-mount',
    summary: 'Add BuildKit cache mounts for the Go module cache and build cache to go build/install/mod download steps',
    description:
      'Adds cache mounts on the Go module cache (`/go/pkg/mod`, `GOMODCACHE`, `GOPATH`) and build cache ' +
      '(`/root/.cache/go-build`, `GOCACHE`) to RUN steps that run the Go toolchain. Safe in builder stages; in a stage ' +
      'whose files reach the output the fix is unsafe (the downloaded modules leave its files).',
    fixKind: 'safe',
    unsafeFixes: 'when the step may run as a user other than root (its home and cache directory are then not known); or the mounted directory holds the downloaded dependencies a built image may read',
    order: 45,
    docsUrl: 'docs/cache-mounts.md#go-cache-mount',
  },
  run(doc: DockerfileDocument, ctx: TransformContext): TransformResult {
    return runCacheMounts(doc, ctx, cacheMountSpec('go-cache-mount'));
  },
};

export default goCacheMount;
