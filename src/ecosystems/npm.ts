/**
 * npm (`npm ci`, `npm install`). Cache: `$npm_config_cache` (also `NPM_CONFIG_CACHE`), else
 * `~/.npm`: tarballs and metadata only (node_modules is written outside it), safe when empty.
 * `npm ci --offline` reads it as a store. Cleanup: `npm cache clean`.
 *
 * The JavaScript tools share one invocation parse (`classifyJs`): global installs read nothing of
 * the project, `add`/named packages change package.json, the rest reads the project.
 */
import type { CacheDir, Classified, EcosystemDescriptor, EcosystemId, Env, Invocation, Role, ShellCommand } from './types.js';
import { dirFromVar, joinDir, looksLikePath, program, subcommandIndex, subsWithRole, truthy } from './helpers.js';

/** Options of npm, yarn, pnpm (and bun) that take a value. */
export const JS_VALUED: ReadonlySet<string> = new Set(['--prefix', '-C', '--dir', '--cwd', '--network-timeout', '--modules-folder', '--filter', '-F', '--omit', '--include', '--registry', '--cache', '--loglevel', '-w', '--workspace', '--mutex', '--network-concurrency', '--child-concurrency', '--cache-folder', '--store-dir', '--reporter']);

/** The subcommand of a JavaScript package manager (options with values skipped), or undefined. */
export function jsSubcommand(cmd: ShellCommand, programIndex: number): { value: string | undefined; i: number } {
  const i = subcommandIndex(cmd.words, programIndex + 1, JS_VALUED);
  return { value: cmd.words[i]?.value, i };
}

/** `npm|yarn|pnpm|bun cache clean|rm|clear` (bun: `bun pm cache rm`). */
export function jsCacheCleanup(cmd: ShellCommand, prog: string): boolean {
  const p = program(cmd);
  if (!p || p.name !== prog) return false;
  let w = cmd.words.slice(p.index + 1).map((x) => x.value).filter((x) => !x.startsWith('-'));
  if (prog === 'bun' && w[0] === 'pm') w = w.slice(1);
  return w[0] === 'cache' && ['clean', 'rm', 'clear'].includes(w[1] ?? '');
}

/**
 * One JavaScript package-manager command: `install` when its role says so and it names no
 * packages; `yarn` alone (or with options only) is `yarn install`.
 */
export function classifyJs(inv: Invocation, eco: EcosystemId, roles: Readonly<Record<string, Role>>): Classified {
  const { rest, prog, p } = inv;
  const sub = inv.at(0);
  const args = rest.slice(sub === undefined ? 0 : 1);
  const global = rest.some((x) => x.value === '-g' || x.value === '--global' || x.value === '--location=global') || sub === 'global';
  if (global) return inv.neutral(args.filter((x) => !x.value.startsWith('-') && looksLikePath(x.value) && !/^@?[\w.-]+(\/[\w.-]+)?(@[\w.^~<>=*-]+)?$/.test(x.value)).map((x) => x.value));
  if (sub === 'cache' || sub === 'version' || sub === '--version' || sub === '-v' || sub === 'help' || sub === 'whoami' || sub === 'ping') return inv.neutral();
  if (sub === 'config' || sub === 'set') {
    if (rest.some((x) => /^(--location=project|-L|--location)$/.test(x.value) && !rest.some((y) => y.value === 'global' || y.value === 'user'))) return inv.source(`\`${prog} config\` writes the project's configuration`);
    if (prog === 'yarn' && !rest.some((x) => x.value === '-H' || x.value === '--home')) return inv.neutral(['.yarnrc.yml', '.yarnrc']);
    return inv.neutral();
  }
  const flagsOnly = sub !== undefined && sub.startsWith('-') && rest.every((x, k) => x.value.startsWith('-') || JS_VALUED.has(rest[k - 1]?.value ?? ''));
  const bare = prog === 'yarn' && (sub === undefined || flagsOnly);
  const isInstall = bare || (sub !== undefined && (roles[sub] === 'install' || roles[sub] === 'fetch-only')) || (prog === 'yarn' && sub === 'workspaces' && inv.at(1) === 'focus');
  if (isInstall) {
    const start = sub === undefined || sub.startsWith('-') ? p : p + 1;
    const r = inv.install(eco, start, JS_VALUED);
    const named = r.install.positional.filter((x) => !(sub === 'workspaces' && x.value === 'focus'));
    if (named.length || sub === 'add' || sub === 'a') return inv.source(`\`${inv.label}\` adds packages to package.json`);
    return r;
  }
  return inv.source();
}

const ROLES: Record<string, Role> = {
  ci: 'install', 'clean-install': 'install', 'install-clean': 'install', ic: 'install',
  install: 'install', i: 'install', in: 'install', isntall: 'install', add: 'install',
  update: 'update', up: 'update', upgrade: 'update',
  'install-test': 'build', it: 'build', 'install-ci-test': 'build', cit: 'build',
  cache: 'cleanup', config: 'config',
};
const CACHE_SUBS = subsWithRole(ROLES, 'install', 'update', 'build');

function npmDirs(env: Env, home: string | undefined): CacheDir[] | { skip: string } {
  const v = env.get('npm_config_cache') ?? env.get('NPM_CONFIG_CACHE');
  const e = new Map(env);
  if (v !== undefined) e.set('npm_config_cache', v);
  const d = dirFromVar(e, 'npm_config_cache', home === undefined ? undefined : joinDir(home, '.npm'), 'npm');
  if (typeof d === 'object') return d;
  return [{ name: 'npm', dir: d, envVar: 'npm_config_cache', offlineStore: 'npm' }];
}

export const npm: EcosystemDescriptor = {
  id: 'npm',
  programs: /^npm$/,
  valued: JS_VALUED,
  roles: ROLES,
  classify: (inv) => classifyJs(inv, 'npm', ROLES),
  manifests: { names: ['package.json', 'package-lock.json', 'npm-shrinkwrap.json', '.npmrc'], dirOptions: ['--prefix', '--cwd', '-C', '--dir'], planner: 'node', withoutContext: ['package-lock.json', 'npm-shrinkwrap.json', '.npmrc'] },
  offline: (o) => (o.has('--offline') || truthy(o.env.get('npm_config_offline')) || truthy(o.env.get('NPM_CONFIG_OFFLINE')) ? { store: 'npm', what: o.show() } : null),
  cache: {
    transform: 'node-cache-mount',
    label: 'npm install',
    quick: /\bnpm\b/,
    execForm: /(^|\s|\/)npm\s+(ci|install|i)(\s|$)/,
    detect(cmd) {
      const p = program(cmd);
      if (!p || p.name !== 'npm') return null;
      const s = jsSubcommand(cmd, p.index);
      if (!CACHE_SUBS.has(s.value ?? '') || cmd.words.some((w) => w.value === '--cache' || w.value.startsWith('--cache='))) return null;
      return { cmd, tool: 'npm', dirs: npmDirs };
    },
    isCleanup: (cmd) => jsCacheCleanup(cmd, 'npm'),
  },
};
