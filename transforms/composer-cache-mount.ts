/**
 * composer-cache-mount — give RUN steps that run `composer install`/`update`/`require`/
 * `create-project` a BuildKit cache mount on Composer's cache: `COMPOSER_CACHE_DIR`, else
 * `$COMPOSER_HOME/cache`, else `/tmp/cache` on the official composer image (its
 * `COMPOSER_HOME` is `/tmp`).
 *
 * Why: every rebuild otherwise downloads every package archive again. Elsewhere Composer's
 * default depends on XDG detection at run time (`~/.cache/composer` or `~/.composer/cache`), so
 * the command gets `COMPOSER_CACHE_DIR=<mount>` to make the location certain. Non-root users get
 * a /tmp mount with uid/gid. `--no-cache` is removed; `composer clear-cache` is removed from the
 * mounted step only.
 *
 * Fix safety: safe. The cache holds downloaded archives only; vendor/ is written elsewhere.
 */
import { runCacheMounts, baseImageIs, dirFromVar, joinDir, program, subcommandIndex, type CacheDir, type Env } from '../src/analysis/cache-mount.js';
import type { DockerfileDocument, Instruction } from '../src/core/document.js';
import type { Transform, TransformContext, TransformResult } from '../src/core/types.js';

const SUBS = new Set(['install', 'i', 'update', 'u', 'upgrade', 'require', 'r', 'create-project', 'reinstall']);

function composerDirs(instr: Instruction) {
  return (env: Env): CacheDir[] | { skip: string } => {
    const home = env.get('COMPOSER_HOME') ?? (baseImageIs(instr, /(^|\/)composer(:|@|$)/) ? '/tmp' : undefined);
    const d = dirFromVar(env, 'COMPOSER_CACHE_DIR', home === undefined ? undefined : joinDir(home, 'cache'), 'composer');
    if (typeof d === 'object') return d;
    return [{ name: 'composer', dir: d, envVar: 'COMPOSER_CACHE_DIR' }];
  };
}

export const composerCacheMount: Transform = {
  meta: {
    id: 'composer-cache-mount',
    summary: "Add a BuildKit cache mount on Composer's cache (COMPOSER_CACHE_DIR) to composer install steps",
    description:
      'Adds a cache mount on the Composer cache (`COMPOSER_CACHE_DIR`, `$COMPOSER_HOME/cache`, `/tmp/cache` on composer ' +
      'images; otherwise `/root/.cache/composer` with COMPOSER_CACHE_DIR set on the command) to RUN steps that run ' +
      '`composer install`/`update`/`require`, and removes `--no-cache`.',
    fixKind: 'safe',
    unsafeFixes: 'when the step may run as a user other than root (its home and cache directory are then not known)',
    order: 51,
    docsUrl: 'docs/cache-mounts.md#composer-cache-mount',
  },
  run(doc: DockerfileDocument, ctx: TransformContext): TransformResult {
    return runCacheMounts(doc, ctx, {
      id: 'composer-cache-mount',
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
        if (!SUBS.has(cmd.words[i]?.value ?? '')) return null;
        return { cmd, tool: 'composer', disable: cmd.words.filter((w) => w.value === '--no-cache'), dirs: composerDirs(instr) };
      },
      isCleanup(cmd) {
        const p = program(cmd);
        if (!p || !/^composer(\.phar)?$/.test(p.name)) return false;
        return ['clear-cache', 'clearcache', 'cc'].includes(cmd.words[p.index + 1]?.value ?? '');
      },
    });
  },
};

export default composerCacheMount;
