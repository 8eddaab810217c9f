/**
 * uv-cache-mount — give RUN steps that run uv (`uv pip install`, `uv pip sync`, `uv sync`,
 * `uv add`, `uv lock`, `uv tool install`) a BuildKit cache mount on uv's cache directory
 * (`/root/.cache/uv`, or `UV_CACHE_DIR`, or `$XDG_CACHE_HOME/uv`).
 *
 * Why: uv is fast, but without a cache it still downloads every wheel on every rebuild.
 * `--no-cache`/`-n` is removed from those commands and `UV_NO_CACHE` is set to empty on the
 * command when it is in effect (uv's option parser ignores empty variables). Non-root users get
 * a mount in /tmp with uid/gid and `UV_CACHE_DIR` on the command. uv hard-links from its cache
 * and falls back to copying across file systems (a cache mount is one), printing a warning;
 * `UV_LINK_MODE=copy` silences it and is left to the user.
 *
 * Fix safety: safe. Virtual environments live in the project (`.venv`) or where the user put
 * them, never in the cache directory, so the image files are unchanged.
 */
import { cacheMountSpec, runCacheMounts } from '../src/analysis/cache-mount.js';
import type { DockerfileDocument } from '../src/core/document.js';
import type { Transform, TransformContext, TransformResult } from '../src/core/types.js';

// What the tool is, where its cache lives and what disables or empties it: src/ecosystems/.
export const uvCacheMount: Transform = {
  meta: {
    id: 'uv-cache-mount',
    summary: 'Add a BuildKit cache mount for uv (/root/.cache/uv or UV_CACHE_DIR) and drop --no-cache',
    description:
      'Adds `--mount=type=cache,target=/root/.cache/uv` (or `UV_CACHE_DIR`/`XDG_CACHE_HOME`) to RUN steps that run ' +
      '`uv pip install`/`uv pip sync`/`uv sync`/`uv add`/`uv lock`/`uv tool install`, removes `--no-cache` and neutralises ' +
      '`UV_NO_CACHE` for those commands. Non-root users get a /tmp mount with uid/gid and UV_CACHE_DIR on the command.',
    fixKind: 'safe',
    unsafeFixes: 'when the step may run as a user other than root (its home and cache directory are then not known)',
    order: 31,
    docsUrl: 'docs/cache-mounts.md#uv-cache-mount',
  },
  run(doc: DockerfileDocument, ctx: TransformContext): TransformResult {
    return runCacheMounts(doc, ctx, cacheMountSpec('uv-cache-mount'));
  },
};

export default uvCacheMount;

export { uvCacheDir } from '../src/ecosystems/uv.js';
