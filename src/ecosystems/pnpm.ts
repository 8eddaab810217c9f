/**
 * pnpm (`pnpm install`, `pnpm fetch`). Store: `$npm_config_store_dir`, else `$PNPM_HOME/store`,
 * `$XDG_DATA_HOME/pnpm/store`, `~/.local/share/pnpm/store`. With a mount the store is on another
 * file system, so pnpm copies into node_modules instead of hard-linking: the image files are the
 * same. `pnpm install --offline` reads the store without fetching: then a mount is unsafe.
 */
import type { CacheDir, EcosystemDescriptor, Env, Role } from './types.js';
import { dirFromVar, joinDir, program, subsWithRole, truthy } from './helpers.js';
import { classifyJs, jsCacheCleanup, jsSubcommand, JS_VALUED } from './npm.js';

const ROLES: Record<string, Role> = {
  install: 'install', i: 'install', add: 'install', fetch: 'fetch-only',
  update: 'update', up: 'update', upgrade: 'update', 'install-test': 'build', it: 'build',
  store: 'cleanup', config: 'config',
};
const CACHE_SUBS = subsWithRole(ROLES, 'install', 'fetch-only', 'update', 'build');

function pnpmDirs(env: Env, home: string | undefined): CacheDir[] | { skip: string } {
  const pnpmHome = env.get('PNPM_HOME');
  const xdgData = env.get('XDG_DATA_HOME');
  const fallback = pnpmHome ? joinDir(pnpmHome, 'store') : xdgData ? joinDir(xdgData, 'pnpm/store') : home === undefined ? undefined : joinDir(home, '.local/share/pnpm/store');
  const d = dirFromVar(env, 'npm_config_store_dir', fallback, 'pnpm');
  if (typeof d === 'object') return d;
  return [{ name: 'pnpm-store', dir: d, envVar: 'npm_config_store_dir', offlineStore: 'pnpm' }];
}

export const pnpm: EcosystemDescriptor = {
  id: 'pnpm',
  programs: /^pnpm$/,
  valued: JS_VALUED,
  roles: ROLES,
  classify: (inv) => classifyJs(inv, 'pnpm', ROLES),
  manifests: { names: ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', '.npmrc', '.pnpmfile.cjs'], dirOptions: ['--prefix', '--cwd', '-C', '--dir'], planner: 'node', withoutContext: ['pnpm-lock.yaml', 'pnpm-workspace.yaml', '.npmrc', '.pnpmfile.cjs'] },
  offline: (o) => (o.has('--offline') || truthy(o.env.get('npm_config_offline')) ? { store: 'pnpm', what: o.show() } : null),
  cache: {
    transform: 'node-cache-mount',
    label: 'pnpm install',
    quick: /\bpnpm\b/,
    execForm: /(^|\s|\/)pnpm\s+(install|i)(\s|$)/,
    detect(cmd) {
      const p = program(cmd);
      if (!p || p.name !== 'pnpm') return null;
      const s = jsSubcommand(cmd, p.index);
      if (!CACHE_SUBS.has(s.value ?? '') || cmd.words.some((w) => w.value === '--store-dir' || w.value.startsWith('--store-dir='))) return null;
      return { cmd, tool: 'pnpm', dirs: pnpmDirs };
    },
    isCleanup: (cmd) => jsCacheCleanup(cmd, 'pnpm'),
  },
};
