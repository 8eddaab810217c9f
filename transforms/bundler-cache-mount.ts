/**
 * bundler-cache-mount — give RUN steps that run `bundle install` (or a bare `bundle`) a
 * BuildKit cache mount on RubyGems' download cache, `$GEM_HOME/cache`
 * (`/usr/local/bundle/cache` on the official ruby images, where `GEM_HOME=/usr/local/bundle`).
 *
 * Why: bundler installs a gem from the `.gem` file in that directory when it is there, instead
 * of downloading it; without a mount every rebuild downloads every gem again. Only the `cache`
 * sub-directory is mounted: the installed gems (`$GEM_HOME/gems`, `specifications`,
 * `extensions`) stay in the image. `rm -rf` of that cache is removed from the mounted step only.
 * Left alone with a reason: `BUNDLE_PATH` set (gems then go to `$BUNDLE_PATH/ruby/<version>`,
 * whose version we cannot know), `GEM_HOME` unknown (not a ruby image), and non-root users
 * (moving `GEM_HOME` would move the installed gems).
 *
 * Fix safety: safe. The mounted directory only holds the downloaded `.gem` archives, which
 * nothing needs once the gems are installed; they now stay out of the image.
 */
import { runCacheMounts, baseImageIs, joinDir, program, subcommandIndex, type CacheDir, type Env } from '../src/analysis/cache-mount.js';
import type { DockerfileDocument, Instruction } from '../src/core/document.js';
import type { Transform, TransformContext, TransformResult } from '../src/core/types.js';

function bundlerDirs(instr: Instruction) {
  return (env: Env): CacheDir[] | { skip: string } => {
    if (env.has('BUNDLE_PATH')) return { skip: 'BUNDLE_PATH is set: gems go to a directory that depends on the Ruby version; left unchanged' };
    const gemHome = env.get('GEM_HOME') ?? (baseImageIs(instr, /(^|\/)ruby(:|@|$)/) ? '/usr/local/bundle' : undefined);
    if (gemHome === undefined) return { skip: 'GEM_HOME is unknown here (not an official ruby image and not set); left unchanged' };
    if (!gemHome.startsWith('/') || gemHome.includes('$')) return { skip: `GEM_HOME=${gemHome} is not a known absolute path; left unchanged` };
    return [{ name: 'gem', dir: joinDir(gemHome, 'cache'), noRelocate: 'the gem cache lives inside GEM_HOME, which also holds the installed gems' }];
  };
}

export const bundlerCacheMount: Transform = {
  meta: {
    id: 'bundler-cache-mount',
    summary: 'Add a BuildKit cache mount on the gem download cache ($GEM_HOME/cache) to bundle install steps',
    description:
      'Adds `--mount=type=cache,target=/usr/local/bundle/cache` (`$GEM_HOME/cache`) to RUN steps that run `bundle install`, ' +
      'so downloaded .gem files are reused across builds; installed gems stay in the image.',
    fixKind: 'safe',
    unsafeFixes: 'when the step may run as a user other than root (its home and cache directory are then not known)',
    order: 50,
    docsUrl: 'docs/cache-mounts.md#bundler-cache-mount',
  },
  run(doc: DockerfileDocument, ctx: TransformContext): TransformResult {
    return runCacheMounts(doc, ctx, {
      id: 'bundler-cache-mount',
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
    });
  },
};

export default bundlerCacheMount;
