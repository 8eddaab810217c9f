/**
 * dotnet-cache-mount — give RUN steps that run `dotnet restore`/`build`/`publish`/`test`/
 * `pack`/`run` a BuildKit cache mount on the NuGet global packages folder: `NUGET_PACKAGES`,
 * else `~/.nuget/packages` (`/root/.nuget/packages`).
 *
 * Why: every rebuild of the restore step otherwise downloads every package again. Non-root
 * users get a /tmp mount with uid/gid and `NUGET_PACKAGES` on the command.
 * `dotnet nuget locals ... --clear` is removed from the mounted step only. Windows stages are
 * left alone.
 *
 * Fix safety: safe in a build stage whose files do not reach the output; unsafe otherwise: the
 * global packages folder is what builds reference, so `dotnet build --no-restore` outside a
 * mounted step, a later stage or `dotnet run` at run time would miss the packages.
 */
import { runCacheMounts, dirFromVar, joinDir, program, type CacheDir, type Env } from '../src/analysis/cache-mount.js';
import type { DockerfileDocument } from '../src/core/document.js';
import type { Transform, TransformContext, TransformResult } from '../src/core/types.js';

const SUBS = new Set(['restore', 'build', 'publish', 'test', 'pack', 'run']);

function nugetDirs(env: Env, home: string | undefined): CacheDir[] | { skip: string } {
  const d = dirFromVar(env, 'NUGET_PACKAGES', home === undefined ? undefined : joinDir(home, '.nuget/packages'), 'NuGet');
  if (typeof d === 'object') return d;
  return [{ name: 'nuget', dir: d, envVar: 'NUGET_PACKAGES', holdsDeps: true }];
}

export const dotnetCacheMount: Transform = {
  meta: {
    id: 'dotnet-cache-mount',
    summary: 'Add a BuildKit cache mount on the NuGet packages folder (NUGET_PACKAGES) to dotnet restore/build/publish steps',
    description:
      'Adds `--mount=type=cache,target=/root/.nuget/packages` (or `NUGET_PACKAGES`) to RUN steps that run ' +
      '`dotnet restore`/`build`/`publish`/`test`. Unsafe where the stage reaches the output.',
    fixKind: 'safe',
    unsafeFixes: 'when the step may run as a user other than root (its home and cache directory are then not known); or the mounted directory holds the downloaded dependencies a built image may read',
    order: 52,
    docsUrl: 'docs/cache-mounts.md#dotnet-cache-mount',
  },
  run(doc: DockerfileDocument, ctx: TransformContext): TransformResult {
    return runCacheMounts(doc, ctx, {
      id: 'dotnet-cache-mount',
      label: 'dotnet restore',
      quick: /\bdotnet\b/,
      execForm: /(^|\s|\/)dotnet\s+(restore|build|publish|test|pack)\b/,
      depsFixKind: 'unsafe',
      detect(cmd) {
        const p = program(cmd);
        if (!p || p.name !== 'dotnet' || !SUBS.has(cmd.words[p.index + 1]?.value ?? '')) return null;
        if (cmd.words.some((w) => w.value === '--packages')) return null;
        return { cmd, tool: 'dotnet', dirs: nugetDirs };
      },
      isCleanup(cmd) {
        const p = program(cmd);
        if (!p || p.name !== 'dotnet') return false;
        const w = cmd.words.slice(p.index + 1).map((x) => x.value);
        return w[0] === 'nuget' && w[1] === 'locals' && w.some((x) => x === '--clear' || x === '-c');
      },
    });
  },
};

export default dotnetCacheMount;
