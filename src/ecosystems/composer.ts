/**
 * Composer (`composer install`, `php composer.phar install`). Cache: `$COMPOSER_CACHE_DIR`, else
 * `$COMPOSER_HOME/cache` (`/tmp/cache` on composer images): downloads only; `vendor/` is written
 * outside it. `COMPOSER_DISABLE_NETWORK` makes installs read it offline. Off switch: `--no-cache`.
 */
import type { CacheDir, EcosystemDescriptor, Env, Instruction } from './types.js';
import { baseImageIs, dirFromVar, joinDir, program, subcommandIndex, truthy } from './helpers.js';

const VALUED = new Set(['-d', '--working-dir', '--ignore-platform-req']);
const ROLES = {
  install: 'install', i: 'install', update: 'update', u: 'update', upgrade: 'update', require: 'update', r: 'update', 'create-project': 'build', reinstall: 'install',
  'clear-cache': 'cleanup', clearcache: 'cleanup', cc: 'cleanup', config: 'config',
} as const;
const CACHE_SUBS = new Set(Object.keys(ROLES).filter((k) => !['cleanup', 'config'].includes(ROLES[k as keyof typeof ROLES])));

function composerDirs(instr: Instruction) {
  return (env: Env): CacheDir[] | { skip: string } => {
    const home = env.get('COMPOSER_HOME') ?? (baseImageIs(instr, /(^|\/)composer(:|@|$)/) ? '/tmp' : undefined);
    const d = dirFromVar(env, 'COMPOSER_CACHE_DIR', home === undefined ? undefined : joinDir(home, 'cache'), 'composer');
    if (typeof d === 'object') return d;
    return [{ name: 'composer', dir: d, envVar: 'COMPOSER_CACHE_DIR', offlineStore: 'composer' }];
  };
}

export const composer: EcosystemDescriptor = {
  id: 'composer',
  programs: /^(composer|composer\.phar|php)$/,
  valued: VALUED,
  roles: ROLES,
  classify(inv) {
    let composerAt = -1;
    if (inv.prog === 'composer' || inv.prog === 'composer.phar') composerAt = inv.p + 1;
    else if (/(^|\/)composer(\.phar)?$/.test(inv.at(0) ?? '')) composerAt = inv.p + 2;
    else return inv.source();
    const w = inv.w;
    let i = composerAt;
    while (i < w.length && w[i]!.value.startsWith('-')) i++;
    const sub = w[i]?.value;
    if (sub === 'install' || sub === 'i') return inv.install('composer', i, VALUED);
    if ((sub === 'config' && inv.rest.some((x) => x.value === '-g' || x.value === '--global')) || sub === 'self-update' || sub === 'selfupdate' || sub === '--version' || sub === 'diagnose' || sub === 'clear-cache' || sub === 'clearcache') return inv.neutral();
    if (sub === 'global') return inv.neutral();
    return inv.source();
  },
  manifests: { names: ['composer.json', 'composer.lock'], dirOptions: ['-d', '--working-dir'], planner: 'composer' },
  offline: (o) => (o.prog === 'composer' && truthy(o.env.get('COMPOSER_DISABLE_NETWORK')) ? { store: 'composer', what: `${o.show()} with COMPOSER_DISABLE_NETWORK` } : null),
  cache: {
    transform: 'composer-cache-mount',
    label: 'composer install',
    quick: /\bcomposer\b/,
    execForm: /(^|\s|\/)composer(\.phar)?\s+(\S+\s+)*(install|update|require)\b/,
    detect(cmd, instr) {
      const p = program(cmd);
      if (!p) return null;
      let idx = p.index;
      if (p.name === 'php' && /(^|\/)composer(\.phar)?$/.test(cmd.words[p.index + 1]?.value ?? '')) idx++;
      else if (p.name !== 'composer' && p.name !== 'composer.phar') return null;
      const i = subcommandIndex(cmd.words, idx + 1, new Set(['-d', '--working-dir']));
      if (!CACHE_SUBS.has(cmd.words[i]?.value ?? '')) return null;
      return { cmd, tool: 'composer', disable: cmd.words.filter((w) => w.value === '--no-cache'), dirs: composerDirs(instr) };
    },
    isCleanup(cmd) {
      const p = program(cmd);
      if (!p || !/^composer(\.phar)?$/.test(p.name)) return false;
      return ['clear-cache', 'clearcache', 'cc'].includes(cmd.words[p.index + 1]?.value ?? '');
    },
  },
};
