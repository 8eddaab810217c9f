/**
 * bundler (`bundle install`, bare `bundle`). Cache: RubyGems' download cache `$GEM_HOME/cache`
 * (`/usr/local/bundle/cache` on ruby images): bundler installs from the `.gem` there instead of
 * downloading; `bundle install --local` reads it offline. Installed gems (`gems`,
 * `specifications`) stay in the image. `BUNDLE_PATH` set, `GEM_HOME` unknown and non-root users
 * (moving GEM_HOME would move the installed gems) are left alone.
 */
import type { CacheDir, EcosystemDescriptor, Env, Instruction } from './types.js';
import { baseImageIs, joinDir, program, subcommandIndex } from './helpers.js';

const VALUED = new Set(['--jobs', '-j', '--retry', '--without', '--with', '--path', '--gemfile', '--binstubs', '--standalone', '--shebang', '--trust-policy']);

function bundlerDirs(instr: Instruction) {
  return (env: Env): CacheDir[] | { skip: string } => {
    if (env.has('BUNDLE_PATH')) return { skip: 'BUNDLE_PATH is set: gems go to a directory that depends on the Ruby version; left unchanged' };
    const gemHome = env.get('GEM_HOME') ?? (baseImageIs(instr, /(^|\/)ruby(:|@|$)/) ? '/usr/local/bundle' : undefined);
    if (gemHome === undefined) return { skip: 'GEM_HOME is unknown here (not an official ruby image and not set); left unchanged' };
    if (!gemHome.startsWith('/') || gemHome.includes('$')) return { skip: `GEM_HOME=${gemHome} is not a known absolute path; left unchanged` };
    return [{ name: 'gem', dir: joinDir(gemHome, 'cache'), noRelocate: 'the gem cache lives inside GEM_HOME, which also holds the installed gems', offlineStore: 'bundler' }];
  };
}

export const bundler: EcosystemDescriptor = {
  id: 'bundler',
  programs: /^(bundle|bundler)$/,
  valued: VALUED,
  roles: { install: 'install', config: 'config', update: 'update' },
  classify(inv) {
    const sub = inv.at(0);
    if (sub === undefined || sub === 'install' || (sub.startsWith('-') && sub !== '--version' && sub !== '-v')) {
      return inv.install('bundler', sub === undefined || sub.startsWith('-') ? inv.p : inv.p + 1, VALUED);
    }
    if (sub === 'config') return inv.neutral(inv.rest.some((x) => x.value === '--local') ? ['.bundle'] : []);
    if (sub === '--version' || sub === 'version') return inv.neutral();
    return inv.source();
  },
  manifests: { names: ['Gemfile', 'Gemfile.lock'], planner: 'bundler' },
  offline: (o) => (o.sub === 'install' && o.has('--local') ? { store: 'bundler', what: '`bundle install --local`' } : null),
  cache: {
    transform: 'bundler-cache-mount',
    label: 'bundle install',
    quick: /\bbundler?\b/,
    execForm: /(^|\s|\/)bundle(\s+install)?(\s|$)/,
    detect(cmd, instr) {
      const p = program(cmd);
      if (!p || (p.name !== 'bundle' && p.name !== 'bundler')) return null;
      const i = subcommandIndex(cmd.words, p.index + 1, new Set(['--gemfile']));
      const s = cmd.words[i]?.value;
      if (s !== undefined && s !== 'install') return null;
      return { cmd, tool: 'bundler', dirs: bundlerDirs(instr) };
    },
  },
};
