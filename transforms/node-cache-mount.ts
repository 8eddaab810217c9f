/**
 * node-cache-mount — give RUN steps that install Node packages a BuildKit cache mount on the
 * package manager's cache:
 * - npm (`npm ci`, `npm install`/`i`/`add`/`update`): `/root/.npm`, or `npm_config_cache`;
 * - yarn classic (`yarn`, `yarn install`/`add`): `/usr/local/share/.cache/yarn` for root (yarn
 *   1 uses /usr/local/share as root's home), or `YARN_CACHE_FOLDER`/`XDG_CACHE_HOME`;
 *   `sharing=locked`, because yarn 1 can corrupt a cache that two builds write at once;
 * - yarn berry (the build context has `.yarnrc.yml`): its global cache
 *   `${YARN_GLOBAL_FOLDER:-~/.yarn/berry}/cache`;
 * - pnpm (`pnpm install`/`i`/`add`/`fetch`/`update`): the store, `$PNPM_HOME/store` when
 *   `PNPM_HOME` is set, else `$XDG_DATA_HOME/pnpm/store` or `~/.local/share/pnpm/store`, or
 *   `npm_config_store_dir`;
 * - bun (`bun install`/`i`/`ci`/`add`/`update`): `$BUN_INSTALL_CACHE_DIR`, else
 *   `$BUN_INSTALL/install/cache`, else `~/.bun/install/cache`.
 * The tools, their subcommands and directories are the npm, yarn, pnpm and bun descriptors in
 * src/ecosystems/; this file is the transform's catalogue entry.
 *
 * Why: every rebuild of an install step otherwise downloads every package tarball again.
 * `npm cache clean`, `yarn cache clean` and `rm -rf` of the cache are removed from the mounted
 * step only (they would empty the mount; the mount is not in the image, so it stays as small).
 * Non-root users (e.g. `USER node`, uid 1000) get a mount in /tmp with uid/gid and the cache
 * variable on the command; yarn berry's global folder is not moved (it holds more than the
 * cache), so such steps are skipped.
 *
 * Fix safety: safe. The caches hold downloaded tarballs and metadata only; node_modules is
 * written outside them (pnpm copies from a store on another file system instead of hard-linking),
 * so the image files are the same (`lab diff-images` on ../shared/docker-lab/examples/node-app:
 * equivalent).
 */
import { cacheMountSpec, runCacheMounts } from '../src/analysis/cache-mount.js';
import type { DockerfileDocument } from '../src/core/document.js';
import type { Transform, TransformContext, TransformResult } from '../src/core/types.js';

// What the tool is, where its cache lives and what disables or empties it: src/ecosystems/.
export const nodeCacheMount: Transform = {
  meta: {
    id: 'node-cache-mount',
    summary: 'Add BuildKit cache mounts for npm, yarn (classic and berry), pnpm and bun to install steps',
    description:
      'Adds a cache mount on the npm cache (`/root/.npm`, `npm_config_cache`), the yarn classic cache ' +
      '(`/usr/local/share/.cache/yarn`, `YARN_CACHE_FOLDER`), the yarn berry global cache or the pnpm store ' +
      '(`$PNPM_HOME/store`, `~/.local/share/pnpm/store`) or the bun cache (`~/.bun/install/cache`) to RUN steps that install packages, and removes ' +
      '`npm cache clean`/`yarn cache clean` from those steps. Non-root users get /tmp mounts with uid/gid.',
    fixKind: 'safe',
    unsafeFixes: 'when the step may run as a user other than root (its home and cache directory are then not known)',
    order: 40,
    docsUrl: 'docs/cache-mounts.md#node-cache-mount',
  },
  run(doc: DockerfileDocument, ctx: TransformContext): TransformResult {
    return runCacheMounts(doc, ctx, cacheMountSpec('node-cache-mount', 'npm/yarn/pnpm install'));
  },
};

export default nodeCacheMount;
