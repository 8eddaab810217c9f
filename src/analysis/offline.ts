/**
 * Which commands read a package manager's store *without the network*, and which commands are
 * opaque (a script, `make`, a sourced file: they may run anything).
 *
 * Why it matters: BuildKit's contract for `RUN --mount=type=cache` is that a step must work with
 * any contents of the mount. A CI runner that imports the layer cache (`--cache-from
 * type=gha|registry`: cache mounts are never exported), BuildKit's garbage collector and
 * `docker builder prune --filter type=exec.cachemount` all leave the layers warm and the mounts
 * empty. A download step that is a cache hit then fills nothing, and a later step that reads the
 * downloads offline (`dotnet publish --no-restore`, `cargo build --offline`, `mvn -o`) fails.
 * Online readers (`go build`, `mvn package`, `npm ci`) fetch what is missing and still work.
 *
 * The table itself is each package manager's `offline` in src/ecosystems/. Stores, by the name
 * a cache directory carries in `CacheDir.offlineStore`: nuget, cargo, maven, gradle, go-mod, npm, yarn, pnpm, uv, bundler, composer, apk, pip (`--no-index`
 * installs only from local directories).
 */
import { overlayEnv, type DockerfileDocument, type Instruction, type Stage } from '../core/document.js';
import type { BuildModel } from './build-model.js';
import { basename, commandAssignments, programIndex, type ShellCommand } from '../core/shell.js';
import { ecosystemOfProgram } from '../ecosystems/index.js';
import type { OfflineRead } from '../ecosystems/types.js';

export type Env = ReadonlyMap<string, string | undefined>;

export type { OfflineRead } from '../ecosystems/types.js';

function words(cmd: ShellCommand, from: number): string[] {
  return cmd.words.slice(from).map((w) => w.value);
}

/** The store a command reads offline, or null. `env` is the environment of the step. */
export function offlineRead(cmd: ShellCommand, stepEnv: Env): OfflineRead | null {
  const p = programIndex(cmd.words);
  if (p === -1) return null;
  const env = overlayEnv(stepEnv, commandAssignments(cmd.words));
  const prog = basename(cmd.words[p]!.value);
  const args = words(cmd, p + 1);
  const has = (...flags: string[]): boolean => args.some((a) => flags.includes(a) || flags.some((f) => f.startsWith('--') && a.startsWith(f + '=')));
  const sub = args.find((a) => !a.startsWith('-')) ?? '';
  const show = (n = 3): string => '`' + [prog, ...args.slice(0, n)].join(' ') + (args.length > n ? ' …' : '') + '`';
  // The table of offline readers is the descriptors' `offline` (src/ecosystems/).
  return ecosystemOfProgram(prog)?.offline?.({ prog, args, sub, env, has, show }) ?? null;
}

/**
 * Why a command is opaque (it may run any program, offline ones included), or null: a script
 * file, a shell running a file, `make`-like runners, sourced files.
 */
export function opaqueCommand(cmd: ShellCommand): string | null {
  const p = programIndex(cmd.words);
  if (p === -1) return null;
  const w = cmd.words[p]!;
  const v = w.value;
  const prog = basename(v);
  const next = cmd.words[p + 1]?.value;
  if (v === 'source' || v === '.') return next ? `\`${v} ${next}\`` : null;
  if (/^(make|gmake|cmake|just|task|ninja|mage|earthly|invoke|rake|nox|tox)$/.test(prog)) return `\`${[prog, ...cmd.words.slice(p + 1, p + 3).map((x) => x.value)].join(' ')}\``;
  if (/^(sh|bash|dash|zsh|ash|ksh)$/.test(prog)) {
    // `sh script.sh` runs a file; `sh -c '...'` runs text (tokenized elsewhere).
    if (next && !next.startsWith('-')) return `\`${prog} ${next}\``;
    return null;
  }
  if (v.includes('/') || /\.(sh|bash|py|pl|rb)$/.test(v)) {
    // A program named by path that is no system tool: a script of the project.
    if (/^\/(usr\/)?s?bin\//.test(v) || /^\/usr\/local\/s?bin\/[^/]+$/.test(v) && !/\.(sh|py|pl|rb)$/.test(v)) return null;
    return `\`${v}\``;
  }
  return null;
}

/**
 * Offline reads of `store` in one RUN step, or in the command a container runs (CMD,
 * ENTRYPOINT), with the environment in effect there.
 */
export function stepOfflineReads(instr: Instruction, store: string): OfflineRead[] {
  const container = instr.upper === 'CMD' || instr.upper === 'ENTRYPOINT';
  if (instr.upper !== 'RUN' && !container) return [];
  const env = instr.state().env;
  if (instr.json) {
    const words = instr.json.map((value) => ({ value, start: instr.start, end: instr.start, quoted: false, dynamic: false }));
    const r = offlineRead({ words, redirects: [], terminator: '', depth: 0 }, env);
    return r && r.store === store ? [r] : [];
  }
  const out: OfflineRead[] = [];
  for (const c of instr.commands()) {
    const r = offlineRead(c, env);
    if (r && r.store === store) out.push(r);
  }
  return out;
}

/** Opaque commands of a RUN step (exec form: its program when it is a script). */
export function stepOpaque(instr: Instruction): string[] {
  if (instr.upper !== 'RUN') return [];
  if (instr.json) {
    const v = instr.json[0] ?? '';
    return v.includes('/') && !/^\/(usr\/)?s?bin\//.test(v) ? [`\`${v}\``] : [];
  }
  const out: string[] = [];
  for (const c of instr.commands()) {
    const o = opaqueCommand(c);
    if (o) out.push(o);
  }
  return out;
}

interface StageStoreFacts {
  offline: Array<{ instr: Instruction; read: OfflineRead }>;
  opaque: Array<{ instr: Instruction; what: string }>;
}

const factsCache = new WeakMap<DockerfileDocument, Map<string, Map<Stage, StageStoreFacts>>>();

/** Per stage: the steps that read `store` offline and the opaque steps (computed once per document). */
function storeFacts(doc: DockerfileDocument, store: string): Map<Stage, StageStoreFacts> {
  let byStore = factsCache.get(doc);
  if (!byStore) factsCache.set(doc, (byStore = new Map()));
  let m = byStore.get(store);
  if (m) return m;
  m = new Map();
  for (const s of doc.stages) {
    const f: StageStoreFacts = { offline: [], opaque: [] };
    for (const i of s.instructions) {
      if (i.upper !== 'RUN' && i.upper !== 'CMD' && i.upper !== 'ENTRYPOINT') continue;
      for (const read of stepOfflineReads(i, store)) f.offline.push({ instr: i, read });
      if (i.upper === 'RUN') for (const what of stepOpaque(i)) f.opaque.push({ instr: i, what });
    }
    m.set(s, f);
  }
  byStore.set(store, m);
  return m;
}

export interface LaterStoreUse {
  /** The first later step that reads the store offline. */
  offline?: { instr: Instruction; read: OfflineRead };
  /** The first later opaque step (a script, make, ...) that may read it. */
  opaque?: { instr: Instruction; what: string };
}

/**
 * Later steps that see `instr`'s files (the rest of its stage, then every stage built FROM it)
 * and read `store` offline, or are opaque.
 */
export function laterStoreUse(model: BuildModel, instr: Instruction, store: string): LaterStoreUse {
  const stage = instr.stage;
  if (!stage) return {};
  const facts = storeFacts(instr.doc, store);
  const out: LaterStoreUse = {};
  for (const s of [stage, ...model.descendants(stage)]) {
    const f = facts.get(s)!;
    out.offline ??= f.offline.find((x) => x.instr.index > instr.index);
    out.opaque ??= f.opaque.find((x) => x.instr.index > instr.index);
    if (out.offline && out.opaque) break;
  }
  return out;
}
