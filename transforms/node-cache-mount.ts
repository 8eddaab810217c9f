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
 *   `npm_config_store_dir`.
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
import { runCacheMounts, dirFromVar, joinDir, program, subcommandIndex, xdgCacheHome, type CacheDir, type Env } from '../src/analysis/cache-mount.js';
import type { ShellCommand } from '../src/core/shell.js';
import type { DockerfileDocument } from '../src/core/document.js';
import type { Transform, TransformContext, TransformResult } from '../src/core/types.js';

const NPM_SUBS = new Set(['ci', 'install', 'i', 'in', 'add', 'update', 'up', 'upgrade', 'install-clean', 'ic', 'install-ci-test', 'cit', 'install-test', 'it']);
const PNPM_SUBS = new Set(['install', 'i', 'add', 'fetch', 'update', 'up', 'upgrade', 'install-test', 'it']);
const YARN_SUBS = new Set(['install', 'add', 'upgrade', 'up']);
const WITH_VALUE = new Set(['--prefix', '-C', '--dir', '--cwd', '--filter', '-F', '--workspace', '-w']);

function sub(cmd: ShellCommand, index: number): { value: string | undefined; i: number } {
  const i = subcommandIndex(cmd.words, index + 1, WITH_VALUE);
  return { value: cmd.words[i]?.value, i };
}

function hasFlag(cmd: ShellCommand, ...names: string[]): boolean {
  return cmd.words.some((w) => names.some((n) => w.value === n || w.value.startsWith(n + '=')));
}

function npmDirs(env: Env, home: string | undefined): CacheDir[] | { skip: string } {
  const v = env.get('npm_config_cache') ?? env.get('NPM_CONFIG_CACHE');
  const e = new Map(env);
  if (v !== undefined) e.set('npm_config_cache', v);
  const d = dirFromVar(e, 'npm_config_cache', home === undefined ? undefined : joinDir(home, '.npm'), 'npm');
  if (typeof d === 'object') return d;
  return [{ name: 'npm', dir: d, envVar: 'npm_config_cache' }];
}

function yarnClassicDirs(env: Env, home: string | undefined): CacheDir[] | { skip: string } {
  // yarn 1 treats root's home as /usr/local/share; XDG_CACHE_HOME wins over it.
  const root = home === '/root';
  const xdg = env.get('XDG_CACHE_HOME');
  const fallback = xdg ? joinDir(xdg, 'yarn') : root ? '/usr/local/share/.cache/yarn' : home === undefined ? undefined : joinDir(xdgCacheHome(env, home)!, 'yarn');
  const d = dirFromVar(env, 'YARN_CACHE_FOLDER', fallback, 'yarn');
  if (typeof d === 'object') return d;
  return [{ name: 'yarn', dir: d, envVar: 'YARN_CACHE_FOLDER', locked: true }];
}

function yarnBerryDirs(env: Env, home: string | undefined): CacheDir[] | { skip: string } {
  const g = dirFromVar(env, 'YARN_GLOBAL_FOLDER', home === undefined ? undefined : joinDir(home, '.yarn/berry'), 'yarn');
  if (typeof g === 'object') return g;
  return [{ name: 'yarn-berry', dir: g === undefined ? undefined : joinDir(g, 'cache'), noRelocate: "yarn berry's global folder holds more than its cache, so it is not moved out of the home" }];
}

function pnpmDirs(env: Env, home: string | undefined): CacheDir[] | { skip: string } {
  const pnpmHome = env.get('PNPM_HOME');
  const xdgData = env.get('XDG_DATA_HOME');
  const fallback = pnpmHome ? joinDir(pnpmHome, 'store') : xdgData ? joinDir(xdgData, 'pnpm/store') : home === undefined ? undefined : joinDir(home, '.local/share/pnpm/store');
  const d = dirFromVar(env, 'npm_config_store_dir', fallback, 'pnpm');
  if (typeof d === 'object') return d;
  return [{ name: 'pnpm-store', dir: d, envVar: 'npm_config_store_dir' }];
}

export const nodeCacheMount: Transform = {
  meta: {
    id: 'node-cache-mount',
    summary: 'Add BuildKit cache mounts for npm, yarn (classic and berry) and pnpm to install steps',
    description:
      'Adds a cache mount on the npm cache (`/root/.npm`, `npm_config_cache`), the yarn classic cache ' +
      '(`/usr/local/share/.cache/yarn`, `YARN_CACHE_FOLDER`), the yarn berry global cache or the pnpm store ' +
      '(`$PNPM_HOME/store`, `~/.local/share/pnpm/store`) to RUN steps that install packages, and removes ' +
      '`npm cache clean`/`yarn cache clean` from those steps. Non-root users get /tmp mounts with uid/gid.',
    fixKind: 'safe',
    unsafeFixes: 'when the step may run as a user other than root (its home and cache directory are then not known)',
    order: 40,
    docsUrl: 'docs/cache-mounts.md#node-cache-mount',
  },
  run(doc: DockerfileDocument, ctx: TransformContext): TransformResult {
    const berry = ctx.buildContext.available && (ctx.buildContext.exists('.yarnrc.yml') || ctx.buildContext.exists('.yarn/releases'));
    return runCacheMounts(doc, ctx, {
      id: 'node-cache-mount',
      label: 'npm/yarn/pnpm install',
      quick: /\b(npm|yarn|pnpm)\b/,
      execForm: /(^|\s|\/)(npm\s+(ci|install|i)|yarn(\s+install)?|pnpm\s+(install|i))(\s|$)/,
      detect(cmd) {
        const p = program(cmd);
        if (!p) return null;
        if (p.name === 'npm') {
          const s = sub(cmd, p.index);
          if (!NPM_SUBS.has(s.value ?? '') || hasFlag(cmd, '--cache')) return null;
          return { cmd, tool: 'npm', dirs: npmDirs };
        }
        if (p.name === 'yarn') {
          const s = sub(cmd, p.index);
          if (s.value !== undefined && !YARN_SUBS.has(s.value)) return null;
          // `yarn --version`, `yarn -v`, `yarn --help`: no install.
          if (s.value === undefined && cmd.words.slice(p.index + 1).some((w) => /^(-v|--version|-h|--help)$/.test(w.value))) return null;
          if (hasFlag(cmd, '--cache-folder')) return null;
          return { cmd, tool: 'yarn', dirs: berry ? yarnBerryDirs : yarnClassicDirs };
        }
        if (p.name === 'pnpm') {
          const s = sub(cmd, p.index);
          if (!PNPM_SUBS.has(s.value ?? '') || hasFlag(cmd, '--store-dir')) return null;
          return { cmd, tool: 'pnpm', dirs: pnpmDirs };
        }
        return null;
      },
      isCleanup(cmd) {
        const p = program(cmd);
        if (!p || !['npm', 'yarn', 'pnpm'].includes(p.name)) return false;
        const w = cmd.words.slice(p.index + 1).map((x) => x.value).filter((x) => !x.startsWith('-'));
        return w[0] === 'cache' && ['clean', 'rm', 'clear'].includes(w[1] ?? '');
      },
    });
  },
};

export default nodeCacheMount;
