/**
 * cargo-cache-mount — give RUN steps that run cargo (`build`, `install`, `fetch`, `test`,
 * `run`, `check`, `doc`, `clippy`, `vendor`, `update`) BuildKit cache mounts on the registry
 * and git checkouts under `CARGO_HOME` (`/usr/local/cargo` on rust images, `~/.cargo`
 * elsewhere): `$CARGO_HOME/registry` and `$CARGO_HOME/git`. `CARGO_HOME` is read from the
 * step's environment, which holds the base image's known env (src/core/base-images.ts:
 * `CARGO_HOME=/usr/local/cargo` on rust and rustlang/rust images), so `$CARGO_HOME` in the
 * step's own commands resolves too; other images named `.../rust` fall back to the same path.
 *
 * Why: every rebuild otherwise downloads and unpacks every crate again. `target/` is never
 * mounted: a cache mount there makes the built binary vanish from the layer unless it is copied
 * out in the same step. `CARGO_HOME/bin` (where `cargo install` puts binaries) is not mounted
 * either. Steps of non-root users are skipped: moving `CARGO_HOME` would move installed binaries.
 *
 * Fix safety: safe in a build stage whose files do not reach the output; unsafe otherwise (the
 * crate sources leave the stage's files, so `cargo run` at run time or a later stage would
 * download them again).
 */
import { cacheMountSpec, runCacheMounts } from '../src/analysis/cache-mount.js';
import type { DockerfileDocument } from '../src/core/document.js';
import type { Transform, TransformContext, TransformResult } from '../src/core/types.js';

// What the tool is, where its cache lives and what disables or empties it: src/ecosystems/.
export const cargoCacheMount: Transform = {
  meta: {
    id: 'cargo-cache-mount',
    summary: 'Add BuildKit cache mounts for the cargo registry and git checkouts (never target/)',
    description:
      'Adds cache mounts on `$CARGO_HOME/registry` and `$CARGO_HOME/git` (`/usr/local/cargo` on rust images) to RUN ' +
      'steps that run cargo. `target/` and `CARGO_HOME/bin` are never mounted. Unsafe where the stage reaches the output.',
    fixKind: 'safe',
    unsafeFixes: 'when the step may run as a user other than root (its home and cache directory are then not known); or the mounted directory holds the downloaded dependencies a built image may read',
    order: 46,
    docsUrl: 'docs/cache-mounts.md#cargo-cache-mount',
  },
  run(doc: DockerfileDocument, ctx: TransformContext): TransformResult {
    return runCacheMounts(doc, ctx, cacheMountSpec('cargo-cache-mount'));
  },
};

export default cargoCacheMount;
