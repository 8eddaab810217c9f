/**
 * The per-user cache directory dockerfix keeps its caches in (the launcher's V8 code cache,
 * bin/launch.ts; the result cache, src/cli/result-cache.ts): `%LOCALAPPDATA%\dockerfix` on
 * Windows, `~/Library/Caches/dockerfix` on macOS, `$XDG_CACHE_HOME/dockerfix` (when absolute) or
 * `~/.cache/dockerfix` elsewhere; null without a home. No imports beyond Node's: the launcher
 * bundles it.
 */
import os from 'node:os';
import path from 'node:path';

export function userCacheDir(env: NodeJS.ProcessEnv): string | null {
  const home = env.HOME || os.homedir();
  const xdg = env.XDG_CACHE_HOME;
  const base =
    process.platform === 'win32'
      ? env.LOCALAPPDATA || (home && path.join(home, 'AppData', 'Local'))
      : process.platform === 'darwin'
        ? home && path.join(home, 'Library', 'Caches')
        : xdg && path.isAbsolute(xdg)
          ? xdg
          : home && path.join(home, '.cache');
  return base ? path.join(base, 'dockerfix') : null;
}
