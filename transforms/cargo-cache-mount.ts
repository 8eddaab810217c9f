/**
 * cargo-cache-mount — give RUN steps that run cargo (`build`, `install`, `fetch`, `test`,
 * `run`, `check`, `doc`, `clippy`, `vendor`, `update`) BuildKit cache mounts on the registry
 * and git checkouts under `CARGO_HOME` (`/usr/local/cargo` on rust images, `~/.cargo`
 * elsewhere): `$CARGO_HOME/registry` and `$CARGO_HOME/git`. `CARGO_HOME` is read from the
 * step's environment, which holds the base image's known env (src/core/base-images.ts:
 * `CARGO_HOME=/usr/local/cargo` on rust and rustlang/rust images), so `$CARGO_HOME` in the
 * step's own commands resolves too; other images named `.../rust` fall back to the same path.
 *
 * Why: every rebuild otherwise downloads and unpacks every crate again. `target/` is never
 * mounted: a cache mount there makes the built binary vanish from the layer unless it is copied
 * out in the same step. `CARGO_HOME/bin` (where `cargo install` puts binaries) is not mounted
 * either. Steps of non-root users are skipped: moving `CARGO_HOME` would move installed binaries.
 *
 * Fix safety: safe in a build stage whose files do not reach the output; unsafe otherwise (the
 * crate sources leave the stage's files, so `cargo run` at run time or a later stage would
 * download them again).
 */
import { runCacheMounts, baseImageIs, dirFromVar, joinDir, program, subcommandIndex, type CacheDir, type Env } from '../src/analysis/cache-mount.js';
import type { DockerfileDocument, Instruction } from '../src/core/document.js';
import type { Transform, TransformContext, TransformResult } from '../src/core/types.js';

const SUBS = new Set(['build', 'b', 'install', 'fetch', 'test', 't', 'run', 'r', 'check', 'c', 'doc', 'clippy', 'vendor', 'update', 'generate-lockfile', 'chef']);
const WITH_VALUE = new Set(['--manifest-path', '-Z', '--config', '--color', '-C']);

function cargoDirs(instr: Instruction) {
  return (env: Env, home: string | undefined): CacheDir[] | { skip: string } => {
    const fallback = baseImageIs(instr, /(^|\/)rust(:|@|$)/) ? '/usr/local/cargo' : home === undefined ? undefined : joinDir(home, '.cargo');
    const h = dirFromVar(env, 'CARGO_HOME', fallback, 'cargo');
    if (typeof h === 'object') return h;
    const why = 'CARGO_HOME also holds the binaries cargo install puts in its bin directory, so it is not moved';
    const unknown = 'CARGO_HOME is unknown here (not a rust image and no home); left unchanged';
    return [
      { name: 'cargo-registry', dir: h === undefined ? undefined : joinDir(h, 'registry'), holdsDeps: true, noRelocate: why, unknown },
      { name: 'cargo-git', dir: h === undefined ? undefined : joinDir(h, 'git'), holdsDeps: true, noRelocate: why, unknown },
    ];
  };
}

export const cargoCacheMount: Transform = {
  meta: {
    id: 'cargo-cache-mount',
    summary: 'Add BuildKit cache mounts for the cargo registry and git checkouts (never target/)',
    description:
      'Adds cache mounts on `$CARGO_HOME/registry` and `$CARGO_HOME/git` (`/usr/local/cargo` on rust images) to RUN ' +
      'steps that run cargo. `target/` and `CARGO_HOME/bin` are never mounted. Unsafe where the stage reaches the output.',
    fixKind: 'safe',
    unsafeFixes: 'when the step may run as a user other than root (its home and cache directory are then not known); or the mounted directory holds the downloaded dependencies a built image may read',
    order: 46,
    docsUrl: 'docs/cache-mounts.md#cargo-cache-mount',
  },
  run(doc: DockerfileDocument, ctx: TransformContext): TransformResult {
    return runCacheMounts(doc, ctx, {
      id: 'cargo-cache-mount',
      label: 'cargo build',
      quick: /\bcargo\b/,
      execForm: /(^|\s|\/)cargo\s+(\S+\s+)*(build|install|fetch|test|run)\b/,
      depsFixKind: 'unsafe',
      detect(cmd, instr) {
        const p = program(cmd);
        if (!p || p.name !== 'cargo') return null;
        const i = subcommandIndex(cmd.words, p.index + 1, WITH_VALUE);
        if (!SUBS.has(cmd.words[i]?.value ?? '')) return null;
        return { cmd, tool: 'cargo', dirs: cargoDirs(instr) };
      },
    });
  },
};

export default cargoCacheMount;
