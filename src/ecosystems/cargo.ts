/**
 * cargo. Store: `$CARGO_HOME/registry` and `$CARGO_HOME/git` (`/usr/local/cargo` on rust
 * images, else `~/.cargo`): later steps and `cargo build --offline` read them, so the fix is
 * unsafe where the stage reaches the output. `target/` and `$CARGO_HOME/bin` are never mounted.
 * No dependency-only step: cargo needs the crate sources to read Cargo.toml.
 */
import type { CacheDir, EcosystemDescriptor, Env, Instruction } from './types.js';
import { baseImageIs, dirFromVar, joinDir, program, subcommandIndex, truthy } from './helpers.js';

const FETCH_VALUED = new Set(['--target', '--manifest-path']);
const BUILD_VALUED = new Set(['--target', '--manifest-path', '-p', '--package', '--bin', '--features', '-F', '--profile', '--path', '--root', '-j', '--jobs']);
const GLOBAL_VALUED = new Set(['--manifest-path', '-Z', '--config', '--color', '-C']);
const ROLES = {
  fetch: 'fetch-only', vendor: 'fetch-only', update: 'update', 'generate-lockfile': 'update',
  build: 'build', b: 'build', install: 'build', test: 'build', t: 'build', run: 'build', r: 'build', check: 'build', c: 'build', doc: 'build', clippy: 'build', chef: 'build',
} as const;
const CACHE_SUBS = new Set(Object.keys(ROLES));

function cargoDirs(instr: Instruction) {
  return (env: Env, home: string | undefined): CacheDir[] | { skip: string } => {
    const fallback = baseImageIs(instr, /(^|\/)rust(:|@|$)/) ? '/usr/local/cargo' : home === undefined ? undefined : joinDir(home, '.cargo');
    const h = dirFromVar(env, 'CARGO_HOME', fallback, 'cargo');
    if (typeof h === 'object') return h;
    const why = 'CARGO_HOME also holds the binaries cargo install puts in its bin directory, so it is not moved';
    const unknown = 'CARGO_HOME is unknown here (not a rust image and no home); left unchanged';
    return [
      { name: 'cargo-registry', dir: h === undefined ? undefined : joinDir(h, 'registry'), holdsDeps: true, noRelocate: why, unknown, offlineStore: 'cargo' },
      { name: 'cargo-git', dir: h === undefined ? undefined : joinDir(h, 'git'), holdsDeps: true, noRelocate: why, unknown, offlineStore: 'cargo' },
    ];
  };
}

export const cargo: EcosystemDescriptor = {
  id: 'cargo',
  programs: /^cargo$/,
  valued: BUILD_VALUED,
  roles: ROLES,
  classify(inv) {
    const sub = inv.at(0);
    if (sub === 'fetch') return inv.install('cargo', inv.p + 1, FETCH_VALUED);
    if (sub === 'install' && !inv.rest.some((x) => x.value === '--path' || x.value.startsWith('--path='))) return inv.neutral();
    if (sub === 'build' || sub === 'install' || sub === 'test' || sub === 'run' || sub === 'check') return inv.build('cargo', inv.p + 1, BUILD_VALUED);
    return inv.source();
  },
  manifests: { names: ['Cargo.toml', 'Cargo.lock'], planner: 'cargo' },
  noDependencyOnly: 'cargo cannot fetch or build dependencies without the crate sources (it needs src/main.rs or src/lib.rs to read Cargo.toml); a stub-source recipe such as cargo-chef is not equivalent',
  offline: (o) => (o.has('--offline', '--frozen') || truthy(o.env.get('CARGO_NET_OFFLINE')) ? { store: 'cargo', what: o.show() } : null),
  cache: {
    transform: 'cargo-cache-mount',
    label: 'cargo build',
    quick: /\bcargo\b/,
    execForm: /(^|\s|\/)cargo\s+(\S+\s+)*(build|install|fetch|test|run)\b/,
    depsFixKind: 'unsafe',
    detect(cmd, instr) {
      const p = program(cmd);
      if (!p || p.name !== 'cargo') return null;
      const i = subcommandIndex(cmd.words, p.index + 1, GLOBAL_VALUED);
      if (!CACHE_SUBS.has(cmd.words[i]?.value ?? '')) return null;
      return { cmd, tool: 'cargo', dirs: cargoDirs(instr) };
    },
  },
};
