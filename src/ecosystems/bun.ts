/**
 * bun (`bun install`, `bun i`, `bun ci`) — added in one file: the install parser, split-copy's
 * manifests (`package.json`, `bun.lock`/`bun.lockb`, `bunfig.toml`, `.npmrc`), `explain` and
 * node-cache-mount read it from here.
 *
 * Cache: `$BUN_INSTALL_CACHE_DIR`, else `$BUN_INSTALL/install/cache`, else
 * `$XDG_CACHE_HOME/.bun/install/cache`, else `~/.bun/install/cache` (bun.sh/docs/install/cache).
 * It holds downloaded and extracted packages; on Linux bun hard-links them into node_modules and
 * falls back to copying when a hard link fails, which is what happens across the mount's file
 * system boundary, so node_modules holds real files and an empty mount only means downloading
 * again. A `bunfig.toml` in the context may move the cache (`[install.cache] dir`): such steps
 * are skipped. Off switch: `--no-cache`. Cleanup: `bun pm cache rm`.
 */
import type { CacheDir, EcosystemDescriptor, Env, Role } from './types.js';
import { dirFromVar, joinDir, program, subsWithRole } from './helpers.js';
import { classifyJs, jsCacheCleanup, jsSubcommand, JS_VALUED } from './npm.js';

const ROLES: Record<string, Role> = { install: 'install', i: 'install', ci: 'install', add: 'install', a: 'install', update: 'update', pm: 'cleanup' };
const CACHE_SUBS = subsWithRole(ROLES, 'install', 'update');

function bunDirs(env: Env, home: string | undefined): CacheDir[] | { skip: string } {
  const install = env.get('BUN_INSTALL');
  const xdg = env.get('XDG_CACHE_HOME');
  const fallback = install ? joinDir(install, 'install/cache') : xdg ? joinDir(xdg, '.bun/install/cache') : home === undefined ? undefined : joinDir(home, '.bun/install/cache');
  const d = dirFromVar(env, 'BUN_INSTALL_CACHE_DIR', fallback, 'bun');
  if (typeof d === 'object') return d;
  return [{ name: 'bun', dir: d, envVar: 'BUN_INSTALL_CACHE_DIR' }];
}

export const bun: EcosystemDescriptor = {
  id: 'bun',
  programs: /^bun$/,
  valued: JS_VALUED,
  roles: ROLES,
  classify: (inv) => classifyJs(inv, 'bun', ROLES),
  manifests: { names: ['package.json', 'bun.lockb', 'bun.lock', 'bunfig.toml', '.npmrc'], dirOptions: ['--cwd'], planner: 'node', withoutContext: ['bun.lock', 'bun.lockb', 'bunfig.toml', '.npmrc'] },
  cache: {
    transform: 'node-cache-mount',
    label: 'bun install',
    quick: /\bbun\b/,
    execForm: /(^|\s|\/)bun\s+(install|i|ci)(\s|$)/,
    detect(cmd, _instr, ctx) {
      const p = program(cmd);
      if (!p || p.name !== 'bun') return null;
      const s = jsSubcommand(cmd, p.index);
      if (!CACHE_SUBS.has(s.value ?? '') || cmd.words.some((w) => w.value === '--cache-dir' || w.value.startsWith('--cache-dir='))) return null;
      if (cmd.words.some((w) => w.value === '-g' || w.value === '--global')) return null;
      const bunfig = ctx.buildContext.available && ctx.buildContext.exists('bunfig.toml');
      return {
        cmd,
        tool: 'bun',
        disable: cmd.words.filter((w) => w.value === '--no-cache'),
        dirs: bunfig ? () => ({ skip: 'bunfig.toml in the build context may set the bun cache directory ([install.cache] dir); left unchanged' }) : bunDirs,
      };
    },
    isCleanup: (cmd) => jsCacheCleanup(cmd, 'bun'),
  },
};
