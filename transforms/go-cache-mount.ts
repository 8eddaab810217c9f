/**
 * go-cache-mount — give RUN steps that run the Go toolchain (`go build`, `go install`,
 * `go mod download`, `go test`, `go run`, `go get`, `go generate`, `go vet`, `go mod tidy`)
 * BuildKit cache mounts on the module cache (`GOMODCACHE`, else `${GOPATH}/pkg/mod`, `/go/pkg/mod`
 * on golang images, `~/go/pkg/mod` elsewhere) and the build cache (`GOCACHE`, else
 * `$XDG_CACHE_HOME/go-build`, `/root/.cache/go-build`).
 *
 * Why: without them every rebuild downloads all modules and recompiles every package.
 * `go clean -cache/-modcache` is removed from the mounted step only. Non-root users get /tmp
 * mounts with uid/gid and `GOMODCACHE`/`GOCACHE` on the command.
 *
 * Fix safety: safe in a build stage whose files do not reach the output; unsafe otherwise. The
 * module cache is where Go keeps the downloaded module sources: with the mount they are no
 * longer in the stage's files. That is the point in a builder stage (only the binary is copied
 * out), but in the final stage, a stage other stages build FROM, or a stage whose module
 * directory is copied out, anything that reads the modules later (`go run` in CMD, a later
 * stage) would download them again; those steps get an unsafe fix (applied with --unsafe).
 */
import { runCacheMounts, baseImageIs, dirFromVar, joinDir, program, subcommandIndex, xdgCacheHome, type CacheDir, type Env } from '../src/analysis/cache-mount.js';
import type { DockerfileDocument, Instruction } from '../src/core/document.js';
import type { Transform, TransformContext, TransformResult } from '../src/core/types.js';

/** Subcommands that compile packages (and so use the build cache). */
const COMPILES = new Set(['build', 'install', 'test', 'run', 'generate', 'vet', 'list']);
const SUBS = new Set(['build', 'install', 'test', 'run', 'get', 'generate', 'vet', 'mod download', 'mod tidy', 'mod vendor', 'mod verify', 'work sync', 'list']);

function goDirs(instr: Instruction, compiles: boolean) {
  return (env: Env, home: string | undefined): CacheDir[] | { skip: string } => {
    const gopathRaw = env.get('GOPATH');
    const gopath = gopathRaw ? gopathRaw.split(':')[0] : baseImageIs(instr, /(^|\/)golang(:|@|$)/) ? '/go' : home === undefined ? undefined : joinDir(home, 'go');
    const mod = dirFromVar(env, 'GOMODCACHE', gopath === undefined ? undefined : joinDir(gopath, 'pkg/mod'), 'go');
    if (typeof mod === 'object') return mod;
    const xdg = xdgCacheHome(env, home);
    const build = dirFromVar(env, 'GOCACHE', xdg === undefined ? undefined : joinDir(xdg, 'go-build'), 'go');
    if (typeof build === 'object') return build;
    if (env.get('GOCACHE') === 'off') return { skip: 'GOCACHE=off: the build cache is turned off on purpose; left unchanged' };
    const dirs: CacheDir[] = [{ name: 'go-mod', dir: mod, envVar: 'GOMODCACHE', holdsDeps: true, reuses: 'the downloaded modules' }];
    // The build cache only helps commands that compile (`go mod download` compiles nothing).
    if (compiles) dirs.push({ name: 'go-build', dir: build, envVar: 'GOCACHE', reuses: 'compiled packages' });
    return dirs;
  };
}

export const goCacheMount: Transform = {
  meta: {
    id: 'go-cache-mount',
    summary: 'Add BuildKit cache mounts for the Go module cache and build cache to go build/install/mod download steps',
    description:
      'Adds cache mounts on the Go module cache (`/go/pkg/mod`, `GOMODCACHE`, `GOPATH`) and build cache ' +
      '(`/root/.cache/go-build`, `GOCACHE`) to RUN steps that run the Go toolchain. Safe in builder stages; in a stage ' +
      'whose files reach the output the fix is unsafe (the downloaded modules leave its files).',
    fixKind: 'safe',
    unsafeFixes: 'when the step may run as a user other than root (its home and cache directory are then not known); or the mounted directory holds the downloaded dependencies a built image may read',
    order: 45,
    docsUrl: 'docs/cache-mounts.md#go-cache-mount',
  },
  run(doc: DockerfileDocument, ctx: TransformContext): TransformResult {
    return runCacheMounts(doc, ctx, {
      id: 'go-cache-mount',
      label: 'go build',
      quick: /\bgo\b/,
      execForm: /(^|\s|\/)go\s+(build|install|test|run|get|mod\s+download)\b/,
      depsFixKind: 'unsafe',
      detect(cmd, instr) {
        const p = program(cmd);
        if (!p || p.name !== 'go') return null;
        const i = subcommandIndex(cmd.words, p.index + 1);
        let s = cmd.words[i]?.value ?? '';
        if (s === 'mod' || s === 'work') s += ' ' + (cmd.words[i + 1]?.value ?? '');
        if (!SUBS.has(s)) return null;
        return { cmd, tool: 'go', dirs: goDirs(instr, COMPILES.has(s)) };
      },
      isCleanup(cmd) {
        const p = program(cmd);
        if (!p || p.name !== 'go' || cmd.words[p.index + 1]?.value !== 'clean') return false;
        const rest = cmd.words.slice(p.index + 2).map((w) => w.value);
        return rest.length > 0 && rest.every((r) => ['-cache', '-modcache', '-testcache', '-fuzzcache'].includes(r));
      },
    });
  },
};

export default goCacheMount;
