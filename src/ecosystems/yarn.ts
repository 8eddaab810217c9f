/**
 * yarn, classic and berry. `yarn` alone, or with options only (`yarn --frozen-lockfile
 * --network-timeout 600000`), is `yarn install`.
 * Caches: classic `$YARN_CACHE_FOLDER`, else `$XDG_CACHE_HOME/yarn`, else
 * `/usr/local/share/.cache/yarn` for root (yarn 1 uses /usr/local/share as root's home) or
 * `~/.cache/yarn`; `sharing=locked`, because yarn 1 can corrupt a cache two builds write at once.
 * Berry (the context has `.yarnrc.yml` or `.yarn/releases`): `${YARN_GLOBAL_FOLDER:-~/.yarn/berry}/cache`,
 * never moved (the global folder holds more than the cache). `yarn install --offline` reads it
 * as a store.
 */
import type { CacheDir, EcosystemDescriptor, Env, Role } from './types.js';
import { dirFromVar, joinDir, program, subsWithRole, xdgCacheHome, truthy } from './helpers.js';
import { classifyJs, jsCacheCleanup, jsSubcommand, JS_VALUED } from './npm.js';

const ROLES: Record<string, Role> = { install: 'install', add: 'install', upgrade: 'update', up: 'update', cache: 'cleanup', config: 'config' };
const CACHE_SUBS = subsWithRole(ROLES, 'install', 'update');

function yarnClassicDirs(env: Env, home: string | undefined): CacheDir[] | { skip: string } {
  // yarn 1 treats root's home as /usr/local/share; XDG_CACHE_HOME wins over it.
  const root = home === '/root';
  const xdg = env.get('XDG_CACHE_HOME');
  const fallback = xdg ? joinDir(xdg, 'yarn') : root ? '/usr/local/share/.cache/yarn' : home === undefined ? undefined : joinDir(xdgCacheHome(env, home)!, 'yarn');
  const d = dirFromVar(env, 'YARN_CACHE_FOLDER', fallback, 'yarn');
  if (typeof d === 'object') return d;
  return [{ name: 'yarn', dir: d, envVar: 'YARN_CACHE_FOLDER', locked: true, offlineStore: 'yarn' }];
}

function yarnBerryDirs(env: Env, home: string | undefined): CacheDir[] | { skip: string } {
  const g = dirFromVar(env, 'YARN_GLOBAL_FOLDER', home === undefined ? undefined : joinDir(home, '.yarn/berry'), 'yarn');
  if (typeof g === 'object') return g;
  return [{ name: 'yarn-berry', dir: g === undefined ? undefined : joinDir(g, 'cache'), noRelocate: "yarn berry's global folder holds more than its cache, so it is not moved out of the home", offlineStore: 'yarn' }];
}

export const yarn: EcosystemDescriptor = {
  id: 'yarn',
  programs: /^yarn$/,
  valued: JS_VALUED,
  roles: ROLES,
  classify: (inv) => classifyJs(inv, 'yarn', ROLES),
  manifests: {
    names: ['package.json', 'yarn.lock', '.yarnrc.yml', '.yarnrc'],
    patterns: [/^\.yarn\/(releases|plugins|patches)\//],
    dirOptions: ['--prefix', '--cwd', '-C', '--dir'],
    planner: 'node',
    // `.yarnrc*` also matches `.yarnrc.yml`.
    withoutContext: ['yarn.lock', '.yarnrc'],
  },
  offline: (o) => (o.has('--offline') || truthy(o.env.get('YARN_ENABLE_OFFLINE_MODE')) ? { store: 'yarn', what: o.show() } : null),
  cache: {
    transform: 'node-cache-mount',
    label: 'yarn install',
    quick: /\byarn\b/,
    execForm: /(^|\s|\/)yarn(\s+install)?(\s|$)/,
    detect(cmd, _instr, ctx) {
      const p = program(cmd);
      if (!p || p.name !== 'yarn') return null;
      const s = jsSubcommand(cmd, p.index);
      if (s.value !== undefined && !CACHE_SUBS.has(s.value)) return null;
      // `yarn --version`, `yarn -v`, `yarn --help`: no install.
      if (s.value === undefined && cmd.words.slice(p.index + 1).some((w) => /^(-v|--version|-h|--help)$/.test(w.value))) return null;
      if (cmd.words.some((w) => w.value === '--cache-folder' || w.value.startsWith('--cache-folder='))) return null;
      const berry = ctx.buildContext.available && (ctx.buildContext.exists('.yarnrc.yml') || ctx.buildContext.exists('.yarn/releases'));
      return { cmd, tool: 'yarn', dirs: berry ? yarnBerryDirs : yarnClassicDirs };
    },
    isCleanup: (cmd) => jsCacheCleanup(cmd, 'yarn'),
  },
};
