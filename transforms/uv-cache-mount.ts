/**
 * uv-cache-mount — give RUN steps that run uv (`uv pip install`, `uv pip sync`, `uv sync`,
 * `uv add`, `uv lock`, `uv tool install`) a BuildKit cache mount on uv's cache directory
 * (`/root/.cache/uv`, or `UV_CACHE_DIR`, or `$XDG_CACHE_HOME/uv`).
 *
 * Why: uv is fast, but without a cache it still downloads every wheel on every rebuild.
 * `--no-cache`/`-n` is removed from those commands and `UV_NO_CACHE` is set to empty on the
 * command when it is in effect (uv's option parser ignores empty variables). Non-root users get
 * a mount in /tmp with uid/gid and `UV_CACHE_DIR` on the command. uv hard-links from its cache
 * and falls back to copying across file systems (a cache mount is one), printing a warning;
 * `UV_LINK_MODE=copy` silences it and is left to the user.
 *
 * Fix safety: safe. Virtual environments live in the project (`.venv`) or where the user put
 * them, never in the cache directory, so the image files are unchanged.
 */
import { runCacheMounts, dirFromVar, joinDir, program, subcommandIndex, xdgCacheHome, type CacheDir, type Env } from '../src/analysis/cache-mount.js';
import type { DockerfileDocument } from '../src/core/document.js';
import type { Transform, TransformContext, TransformResult } from '../src/core/types.js';

const WITH_VALUE = new Set(['--directory', '--project', '--config-file', '--python', '-p', '--color']);

export function uvCacheDir(env: Env, home: string | undefined): CacheDir[] | { skip: string } {
  const base = xdgCacheHome(env, home);
  const d = dirFromVar(env, 'UV_CACHE_DIR', base === undefined ? undefined : joinDir(base, 'uv'), 'uv');
  if (typeof d === 'object') return d;
  return [{ name: 'uv', dir: d, envVar: 'UV_CACHE_DIR' }];
}

export const uvCacheMount: Transform = {
  meta: {
    id: 'uv-cache-mount',
    summary: 'Add a BuildKit cache mount for uv (/root/.cache/uv or UV_CACHE_DIR) and drop --no-cache',
    description:
      'Adds `--mount=type=cache,target=/root/.cache/uv` (or `UV_CACHE_DIR`/`XDG_CACHE_HOME`) to RUN steps that run ' +
      '`uv pip install`/`uv pip sync`/`uv sync`/`uv add`/`uv lock`/`uv tool install`, removes `--no-cache` and neutralises ' +
      '`UV_NO_CACHE` for those commands. Non-root users get a /tmp mount with uid/gid and UV_CACHE_DIR on the command.',
    fixKind: 'safe',
    unsafeFixes: 'when the step may run as a user other than root (its home and cache directory are then not known)',
    order: 31,
    docsUrl: 'docs/cache-mounts.md#uv-cache-mount',
  },
  run(doc: DockerfileDocument, ctx: TransformContext): TransformResult {
    return runCacheMounts(doc, ctx, {
      id: 'uv-cache-mount',
      label: 'uv',
      quick: /\buv\b/,
      execForm: /(^|\s|\/)uv\s+(pip\s+)?(install|sync|add|lock)\b/,
      disablingEnv: { UV_NO_CACHE: 'uv then runs without a cache; it ignores an empty value' },
      detect(cmd) {
        const p = program(cmd);
        if (!p || p.name !== 'uv') return null;
        const w = cmd.words;
        let i = subcommandIndex(w, p.index + 1, WITH_VALUE);
        let sub = w[i]?.value;
        if (sub === 'pip' || sub === 'tool') {
          i = subcommandIndex(w, i + 1, WITH_VALUE);
          sub = `${sub} ${w[i]?.value}`;
        }
        if (!['pip install', 'pip sync', 'pip compile', 'sync', 'add', 'lock', 'tool install'].includes(sub ?? '')) return null;
        if (w.some((x) => x.value === '--cache-dir' || x.value.startsWith('--cache-dir='))) return null;
        return { cmd, tool: 'uv', disable: w.filter((x) => x.value === '--no-cache' || x.value === '-n'), dirs: uvCacheDir };
      },
      isCleanup(cmd) {
        const p = program(cmd);
        return p?.name === 'uv' && cmd.words[p.index + 1]?.value === 'cache' && ['clean', 'prune'].includes(cmd.words[p.index + 2]?.value ?? '');
      },
    });
  },
};

export default uvCacheMount;
