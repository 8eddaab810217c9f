/**
 * A conservative model of what each Dockerfile instruction reads and writes, for the
 * reordering transforms (`hoist-stable`, `sink-volatile`). "Unknown" always means "may touch
 * anything", so an unmodelled step conflicts with everything.
 *
 * What is modelled:
 * - **Paths** as subtrees (`/app` means `/app` and everything below it). COPY/ADD write their
 *   destination resolved against WORKDIR. A RUN reads and writes the paths its commands name
 *   (relative ones resolved against WORKDIR, `cd` followed), plus what known programs touch
 *   implicitly: package managers (apt, apk, dnf/yum, zypper, dpkg, rpm) and system tools
 *   (`useradd`, `locale-gen`, ...) write the system directories. A program we do not know, a
 *   command substitution, a variable we cannot resolve, a pipe into a shell: anything.
 * - **Certainty.** Package managers write `/etc`, `/usr`, `/var`, `/bin`, `/sbin`, `/lib*`,
 *   `/run` (certain) and *may* write `/opt`, `/usr/local`, `/usr/src`, `/tmp`, `/root`, `/home`
 *   (possible: packaging policy keeps them out, but a maintainer script could). The most specific
 *   zone wins, so `/usr/local/app` is only "possibly" written by `apt-get install`. An overlap
 *   that is only possible makes a move unsafe; a certain one blocks it.
 * - **Symlinks** of merged-/usr images: `/bin`, `/sbin`, `/lib*` are read as `/usr/...`, and
 *   `/var/run`, `/var/lock` as `/run/...`, so two spellings of the same file always overlap.
 * - **Variables.** `envUses` are the names an instruction references explicitly (`$X`, `${X}`,
 *   `${X:-d}`, anywhere in its text, heredoc bodies included; `\$X` too: being over-inclusive is
 *   the conservative direction). Implicit consumers: a RUN reads *every* ENV and ARG in effect,
 *   because BuildKit passes them all to the command's environment (`implicitEnv`). COPY/ADD,
 *   WORKDIR, USER, LABEL, EXPOSE, VOLUME read only what they reference. CMD, ENTRYPOINT,
 *   HEALTHCHECK and ONBUILD read nothing at build time: their variables are expanded when the
 *   container (or a child build) runs, from the final image configuration, which does not depend
 *   on the order of ENV steps inside the stage.
 * - **Build state.** USER, WORKDIR, SHELL and VOLUME change how every later step runs
 *   (`changes`); the reordering transforms never move a step across them.
 */
import { systemManagers } from '../ecosystems/index.js';
import { expandVars, joinPath, normalizePath, parseArgDecls, parseEnvPairs, type Instruction, type Stage } from '../core/document.js';
import { mountOptions } from '../core/edit-helpers.js';
import { userAt } from './images.js';
import { basename, programIndex, tokenize, type ShellCommand, type Word } from '../core/shell.js';

export type Level = 'possible' | 'certain';

export interface PathEntry {
  /** Absolute, normalised path; the entry covers it and everything below it (unless `exact`). */
  path: string;
  level: Level;
  /**
   * Only the directory entry itself: its existence, owner and mode (COPY creates the missing
   * parents of its destination; `mkdir x/y` needs `x` to exist). `/` is never recorded: it
   * always exists.
   */
  exact?: boolean;
  /** A system zone written by a package manager: files inside it, never the zone root itself. */
  zone?: boolean;
}

export interface PathSet {
  /** When set, the step may touch any path; the text says why. */
  any: string | null;
  entries: PathEntry[];
}

export type InstructionClass =
  /** Image configuration only: LABEL, EXPOSE, CMD, ENTRYPOINT, HEALTHCHECK, STOPSIGNAL, MAINTAINER, ONBUILD. */
  | 'metadata'
  /** ENV or ARG: sets variables. */
  | 'variables'
  /** COPY or ADD. */
  | 'copy'
  | 'run'
  /** USER, WORKDIR, SHELL, VOLUME: changes how later steps run. */
  | 'state'
  | 'from'
  | 'unknown';

export interface Effects {
  instr: Instruction;
  cls: InstructionClass;
  reads: PathSet;
  writes: PathSet;
  /** Variable names referenced explicitly. */
  envUses: Set<string>;
  /** Reads every ENV/ARG in effect through its environment (RUN). */
  implicitEnv: boolean;
  /** ENV/ARG names this instruction sets. */
  defines: Set<string>;
  /** LABEL keys this instruction sets. */
  labels: Set<string>;
  /** For RUN: the programs whose effects are modelled, e.g. `apt-get install`. */
  programs: string[];
  /** For RUN: programs (or constructs) that are not modelled; non-empty means `writes.any`. */
  unknown: string[];
  /** For RUN: at least one system-setup program (package manager, user or locale tool). */
  systemSetup: boolean;
  /**
   * Build arguments whose default value the path analysis relied on (`COPY . $APP_DIR` with
   * `ARG APP_DIR=/app`): `--build-arg` can change them, so a conclusion drawn from them is
   * only heuristic.
   */
  argDependent: Set<string>;
}

const METADATA = new Set(['LABEL', 'EXPOSE', 'CMD', 'ENTRYPOINT', 'HEALTHCHECK', 'STOPSIGNAL', 'MAINTAINER', 'ONBUILD']);
const STATE = new Set(['USER', 'WORKDIR', 'SHELL', 'VOLUME']);

/** Paths package managers write for certain / possibly (see the module comment). */
export const SYSTEM_CERTAIN = ['/etc', '/usr', '/var', '/run'];
export const SYSTEM_POSSIBLE = ['/opt', '/usr/local', '/usr/src', '/tmp', '/root', '/home'];
/** Pseudo file systems that are never part of an image layer. */
const IGNORED = ['/dev', '/proc', '/sys'];

const MERGED: Array<[string, string]> = [
  ['/bin', '/usr/bin'],
  ['/sbin', '/usr/sbin'],
  ['/lib', '/usr/lib'],
  ['/lib32', '/usr/lib32'],
  ['/lib64', '/usr/lib64'],
  ['/libx32', '/usr/libx32'],
  ['/var/run', '/run'],
  ['/var/lock', '/run/lock'],
];

/** Normalise an absolute path and fold merged-/usr and /var/run symlinks. */
export function canonicalPath(p: string): string {
  let n = normalizePath(p);
  for (const [from, to] of MERGED) {
    if (n === from || n.startsWith(from + '/')) {
      n = to + n.slice(from.length);
      break;
    }
  }
  return n;
}

/** `a` is `b` or below it. */
export function within(a: string, b: string): boolean {
  return a === b || b === '/' || a.startsWith(b + '/');
}

export function emptySet(): PathSet {
  return { any: null, entries: [] };
}

function anySet(why: string): PathSet {
  return { any: why, entries: [] };
}

function addEntry(set: PathSet, entry: PathEntry): void {
  if (entry.exact && entry.path === '/') return;
  if (IGNORED.some((i) => within(entry.path, i))) return;
  const same = (e: PathEntry): boolean => e.path === entry.path && e.level === entry.level && !!e.exact === !!entry.exact && !!e.zone === !!entry.zone;
  if (!set.entries.some(same)) set.entries.push(entry);
}

/** Record the subtree `p`; with `parents`, also the existence of every directory above it. */
function addPath(set: PathSet, p: string, level: Level = 'certain', parents = false): void {
  const c = canonicalPath(p);
  addEntry(set, { path: c, level });
  if (parents) for (const a of ancestors(c)) addEntry(set, { path: a, level, exact: true });
}

/** The directories above an absolute path, without `/`. */
export function ancestors(p: string): string[] {
  const out: string[] = [];
  let k = p.lastIndexOf('/');
  while (k > 0) {
    p = p.slice(0, k);
    out.push(p);
    k = p.lastIndexOf('/');
  }
  return out;
}

/**
 * Package managers' zones. For reads, `/usr/local` is certain: install triggers scan it
 * (ldconfig reads /usr/local/lib, update-ca-certificates /usr/local/share/ca-certificates,
 * maintainer scripts run programs found first in /usr/local/bin).
 */
function systemZones(set: PathSet, reads = false): void {
  for (const p of SYSTEM_CERTAIN) addEntry(set, { path: p, level: 'certain', zone: true });
  for (const p of SYSTEM_POSSIBLE) addEntry(set, { path: p, level: reads && p === '/usr/local' ? 'certain' : 'possible', zone: true });
}

/** Directories searched for a program when PATH is not set. */
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Shell builtins: running them reads no program file. */
const BUILTINS = new Set(['cd', 'set', 'export', 'unset', 'exit', ':', 'true', 'false', 'echo', 'printf', 'test', '[', 'umask', 'ulimit', 'hash', 'type', 'read', 'shift', 'source', '.', 'eval', 'exec', 'trap', 'wait', 'return', 'local', 'alias']);

function rank(l: Level): number {
  return l === 'certain' ? 2 : 1;
}

function strictlyWithin(a: string, b: string): boolean {
  return a !== b && within(a, b);
}

/**
 * The entry of `entries` that most specifically holds `p` (the deepest one), or null:
 * - a subtree holds what lies inside it; a package-manager zone holds the files inside it, not
 *   its own root directory (`/usr/local` exists in every image, nothing creates or removes it);
 * - a directory entry (`exact`) holds only the same directory entry.
 * The deepest holder decides, so `/usr/local/x` is only *possibly* written by a package manager
 * although `/usr` is written for certain.
 */
function deepestHolder(p: PathEntry, entries: PathEntry[]): PathEntry | null {
  const zoneRoot = p.exact && entries.some((e) => e.zone && e.path === p.path);
  let best: PathEntry | null = null;
  for (const e of entries) {
    let holds: boolean;
    if (e.exact) holds = !!p.exact && e.path === p.path;
    else if (e.zone) holds = p.exact ? !zoneRoot && strictlyWithin(p.path, e.path) : within(p.path, e.path);
    else holds = within(p.path, e.path);
    if (!holds) continue;
    if (!best || e.path.length > best.path.length || (e.path.length === best.path.length && rank(e.level) > rank(best.level))) best = e;
  }
  return best;
}

export interface Overlap {
  level: Level;
  /** The two paths (or reasons) that overlap, for messages. */
  a: string;
  b: string;
}

/** Do two path sets overlap? `null` when they are proven disjoint. Symmetric. */
export function overlap(a: PathSet, b: PathSet): Overlap | null {
  if (a.any !== null) return { level: 'certain', a: a.any, b: b.any ?? (b.entries[0]?.path ?? 'its paths') };
  if (b.any !== null) return { level: 'certain', a: a.entries[0]?.path ?? 'its paths', b: b.any };
  let best: Overlap | null = null;
  let bestExact = false;
  const consider = (x: PathEntry, holder: PathEntry | null, xIsA: boolean): void => {
    if (!holder) return;
    const level: Level = rank(x.level) < rank(holder.level) ? x.level : holder.level;
    // At equal strength, prefer naming files over directory entries in messages.
    const exact = !!x.exact;
    if (!best || rank(level) > rank(best.level) || (rank(level) === rank(best.level) && bestExact && !exact)) {
      best = xIsA ? { level, a: x.path, b: holder.path } : { level, a: holder.path, b: x.path };
      bestExact = exact;
    }
  };
  for (const x of a.entries) consider(x, deepestHolder(x, b.entries), true);
  for (const y of b.entries) consider(y, deepestHolder(y, a.entries), false);
  return best;
}

/** Variable names referenced in `text`: `$X`, `${X}`, `${X:-...}`. */
export function varRefs(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))/g)) out.add((m[1] ?? m[2])!);
  return out;
}

/** The instruction's text without its inner comment lines (those are not part of it). */
function instructionText(instr: Instruction): string {
  const doc = instr.doc;
  let out = '';
  let pos = instr.start;
  for (const [s, e] of instr.node.innerComments) {
    out += doc.text.slice(pos, s);
    pos = e;
  }
  return out + doc.text.slice(pos, instr.end);
}

const usesCache = new WeakMap<Instruction, Set<string>>();

/**
 * Variable names an instruction references explicitly, as a consumer at build time (cheap: no
 * path analysis). CMD, ENTRYPOINT, HEALTHCHECK and ONBUILD reference none at build time.
 */
export function envUsesOf(instr: Instruction): Set<string> {
  let u = usesCache.get(instr);
  if (!u) {
    u = /^(CMD|ENTRYPOINT|HEALTHCHECK|ONBUILD|MAINTAINER|FROM)$/.test(instr.upper)
      ? new Set<string>()
      : varRefs(instructionText(instr).slice(instr.keywordEnd - instr.start));
    usesCache.set(instr, u);
  }
  return u;
}

/** ENV/ARG names an instruction sets. */
export function definesOf(instr: Instruction): Set<string> {
  if (instr.upper === 'ENV') return new Set(parseEnvPairs(instr).map(([k]) => k));
  if (instr.upper === 'ARG') return new Set(parseArgDecls(instr).map(([k]) => k));
  return new Set();
}

/** Cheap classification, without path analysis. */
export function classOf(instr: Instruction): InstructionClass {
  const u = instr.upper;
  if (u === 'FROM') return 'from';
  if (METADATA.has(u)) return 'metadata';
  if (u === 'ENV' || u === 'ARG') return 'variables';
  if (STATE.has(u)) return 'state';
  if (u === 'COPY' || u === 'ADD') return 'copy';
  if (u === 'RUN') return 'run';
  return 'unknown';
}

function base(instr: Instruction, cls: InstructionClass): Effects {
  return {
    instr,
    cls,
    reads: emptySet(),
    writes: emptySet(),
    envUses: new Set(envUsesOf(instr)),
    implicitEnv: false,
    defines: new Set(),
    labels: new Set(),
    programs: [],
    unknown: [],
    systemSetup: false,
    argDependent: new Set(),
  };
}

/**
 * Names whose value at `instr` comes (directly or through an ENV that references them) from an
 * ARG, so `--build-arg` can change it; `workdir` tells whether the WORKDIR in effect does.
 */
export function overridable(instr: Instruction): { names: Set<string>; workdir: boolean } {
  if (!instr.stage) return { names: new Set(), workdir: false };
  const states = stageOverridable(instr.stage);
  return states[instr.index - instr.stage.from.index] ?? states[0]!;
}

interface Over {
  names: Set<string>;
  workdir: boolean;
}
const overCache = new WeakMap<Stage, Over[]>();

/** `overridable` before each instruction of a stage, and (last) at its end. Snapshots are shared until they change. */
function stageOverridable(stage: Stage, seen = new Set<Stage>()): Over[] {
  const cached = overCache.get(stage);
  if (cached) return cached;
  seen.add(stage);
  let cur: Over = { names: new Set(), workdir: false };
  if (stage.parent && !seen.has(stage.parent)) {
    const p = stageOverridable(stage.parent, seen);
    const end = p[p.length - 1]!;
    // Build args are not inherited by a child stage, but ENV values derived from them are.
    const names = new Set(end.names);
    for (const x of stage.parent.instructions) if (x.upper === 'ARG') for (const [k] of parseArgDecls(x)) names.delete(k);
    cur = { names, workdir: end.workdir };
  }
  const out: Over[] = [];
  for (const x of stage.instructions) {
    out.push(cur);
    if (x.upper === 'ARG') {
      cur = { names: new Set(cur.names), workdir: cur.workdir };
      for (const [k] of parseArgDecls(x)) cur.names.add(k);
    } else if (x.upper === 'ENV') {
      cur = { names: new Set(cur.names), workdir: cur.workdir };
      for (const [k, v] of parseEnvPairs(x)) {
        if ([...varRefs(v)].some((n) => cur.names.has(n))) cur.names.add(k);
        else cur.names.delete(k);
      }
    } else if (x.upper === 'WORKDIR') {
      const arg = x.argsText().trim();
      const fromArg = [...varRefs(arg)].some((n) => cur.names.has(n));
      cur = { names: cur.names, workdir: fromArg || (cur.workdir && !arg.startsWith('/')) };
    }
  }
  out.push(cur);
  overCache.set(stage, out);
  return out;
}

function noteOverridable(e: Effects, text: string, names: Set<string>, cwdFromArg: boolean): void {
  for (const n of varRefs(text)) if (names.has(n)) e.argDependent.add(n);
  if (cwdFromArg) e.argDependent.add('WORKDIR');
}

const cache = new WeakMap<Instruction, Effects>();

/** What `instr` reads and writes. Cached per instruction object. */
export function effectsOf(instr: Instruction): Effects {
  let e = cache.get(instr);
  if (!e) {
    e = compute(instr);
    cache.set(instr, e);
  }
  return e;
}

function compute(instr: Instruction): Effects {
  const u = instr.upper;
  if (u === 'FROM') return base(instr, 'from');
  if (METADATA.has(u)) {
    const e = base(instr, 'metadata');
    if (u === 'LABEL') for (const [k] of parseEnvPairs(instr)) e.labels.add(k);
    return e;
  }
  if (u === 'ENV' || u === 'ARG') {
    const e = base(instr, 'variables');
    e.defines = definesOf(instr);
    return e;
  }
  if (STATE.has(u)) {
    const e = base(instr, 'state');
    if (u === 'WORKDIR') {
      const w = instr.state().workdir;
      const target = joinPath(w, expandVars(instr.argsText().trim(), instr.state().env));
      if (target.includes('$')) e.writes = anySet(`WORKDIR ${target} is not a known path`);
      else addPath(e.writes, target);
    }
    return e;
  }
  if (u === 'COPY' || u === 'ADD') return copyEffects(instr);
  if (u === 'RUN') return runEffects(instr);
  const e = base(instr, 'unknown');
  e.reads = anySet(`unknown instruction ${instr.keyword}`);
  e.writes = anySet(`unknown instruction ${instr.keyword}`);
  return e;
}

function copyEffects(instr: Instruction): Effects {
  const e = base(instr, 'copy');
  const st = instr.state();
  let dest: string | undefined;
  if (instr.json) dest = instr.json[instr.json.length - 1];
  else {
    const words = instr.args();
    dest = words.length >= 2 ? words[words.length - 1]!.value : undefined;
  }
  if (dest === undefined) {
    e.writes = anySet(`the destination of ${instr.keyword} is unclear`);
    return e;
  }
  const expanded = expandVars(dest, st.env);
  if (expanded.includes('$') || st.workdir.includes('$')) {
    e.writes = anySet(`${instr.keyword} destination ${dest} is not a known path`);
    return e;
  }
  if (/^[A-Za-z]:[\\/]/.test(expanded) || expanded.includes('\\')) {
    e.writes = anySet(`${instr.keyword} destination ${dest} is a Windows path`);
    return e;
  }
  // COPY creates the missing directories above its destination.
  addPath(e.writes, joinPath(st.workdir, expanded), 'certain', true);
  const over = overridable(instr);
  noteOverridable(e, dest, over.names, !dest.startsWith('/') && over.workdir);
  // --chown=name looks the user and group up in the image.
  const chown = instr.flag('chown')?.value;
  if (chown && !/^\d+(:\d+)?$/.test(chown)) {
    addPath(e.reads, '/etc/passwd');
    addPath(e.reads, '/etc/group');
  }
  return e;
}

// --- RUN ---------------------------------------------------------------------------------------

/** System package managers and the subcommands modelled, from their descriptors (src/ecosystems/). */
const PKG: Record<string, ReadonlySet<string>> = Object.fromEntries([...systemManagers()].filter((e): e is [string, ReadonlySet<string>] => e[1] !== null));
/** Tools that only change system configuration directories (certain + possible system zones). */
const SYSTEM_TOOLS = new Set([
  'dpkg', 'rpm', 'debconf-set-selections', 'dpkg-reconfigure', 'locale-gen', 'update-locale', 'localedef',
  'update-alternatives', 'update-ca-certificates', 'update-ca-trust', 'apt-key', 'add-apt-repository', 'a2enmod', 'a2dismod',
  'a2ensite', 'a2dissite', 'apt-mark', 'dpkg-divert', 'docker-php-ext-install', 'docker-php-ext-enable', 'docker-php-ext-configure', 'pecl',
]);
/** Paths outside the system zones that a system tool reads and writes for certain. */
const TOOL_PATHS: Record<string, string[]> = {
  'docker-php-ext-install': ['/usr/local', '/usr/src'],
  'docker-php-ext-enable': ['/usr/local', '/usr/src'],
  'docker-php-ext-configure': ['/usr/local', '/usr/src'],
  pecl: ['/usr/local', '/usr/src', '/tmp'],
};
const USER_TOOLS = new Set(['useradd', 'adduser', 'groupadd', 'addgroup', 'usermod', 'groupmod', 'userdel', 'deluser', 'delgroup', 'chpasswd', 'passwd', 'chsh']);
/** Builtins and tools with no file effects beyond their redirections. */
const PURE = new Set(['echo', 'printf', 'true', 'false', ':', 'set', 'export', 'unset', 'exit', 'sleep', 'umask', 'ulimit', 'which', 'id', 'whoami', 'uname', 'date', 'hash', 'type', 'nproc', 'getent', 'arch', 'lsb_release', 'dpkg-architecture', 'basename', 'dirname']);
/** File tools: every operand is a path, read and written. */
const FILE_TOOLS = new Set(['mkdir', 'rmdir', 'touch', 'rm', 'cp', 'mv', 'ln', 'install', 'cat', 'ls', 'tee', 'chmod', 'chown', 'chgrp', 'sed', 'tar', 'unzip', 'gunzip', 'gzip', 'stat', 'readlink', 'realpath', 'head', 'tail', 'grep', 'sort', 'uniq', 'wc', 'sha256sum', 'md5sum', 'sha1sum', 'sha512sum']);
const DOWNLOADERS = new Set(['curl', 'wget']);

interface RunCtx {
  /** The text the command words' offsets point into. */
  source: string;
  over: { names: Set<string>; workdir: boolean };
  cwd: string | null;
  /** The working directory comes from a build argument. */
  cwdFromArg: boolean;
  /** Program files the commands run (looked up in PATH). */
  programFiles: string[];
  env: Map<string, string | undefined>;
  home: string | undefined;
  e: Effects;
}

function runEffects(instr: Instruction): Effects {
  const e = base(instr, 'run');
  e.implicitEnv = true;
  // Heredoc bodies count as text of the instruction (base() already scanned the whole text).
  const st = instr.state();
  const unknown = (why: string): Effects => {
    e.unknown.push(why);
    e.reads = anySet(why);
    e.writes = anySet(why);
    return e;
  };
  if (instr.json) return unknown('exec-form RUN');
  if (st.shell && !/(^|\/)(ba|da|a|z)?sh$/.test(st.shell[0] ?? '')) return unknown(`SHELL ${st.shell[0]}`);
  for (const f of instr.flagsNamed('mount')) {
    const o = mountOptions(f);
    const t = o.get('target');
    if (t) addPath(e.reads, joinPath(st.workdir, t));
  }
  const over = overridable(instr);
  const ctx: RunCtx = { source: instr.doc.text, over, cwdFromArg: over.workdir, programFiles: [], cwd: st.workdir.includes('$') ? null : st.workdir, env: st.env, home: userAt(instr).home, e };
  const commands = instr.commands();
  if (commands.length === 0) return unknown('no command');

  // A heredoc that is not run by the shell (`RUN python3 <<EOF`) is program input we cannot see through.
  for (const c of commands) {
    const why = commandEffects(c, ctx);
    if (why) e.unknown.push(why);
  }
  // Program files last, so messages name the paths the commands themselves touch first.
  for (const f of ctx.programFiles) addPath(e.reads, f);
  addPath(e.reads, st.shell?.[0]?.startsWith('/') ? st.shell[0] : '/bin/sh');
  if (e.unknown.length) {
    const why = e.unknown.slice(0, 3).join(', ') + (e.unknown.length > 3 ? ', …' : '');
    e.reads = anySet(why);
    e.writes = anySet(why);
  }
  return e;
}

/** Resolve a word to an absolute path, or null when it cannot be known. */
function resolveWord(w: Word, ctx: RunCtx): string | null {
  let v = w.value;
  noteOverridable(ctx.e, v, ctx.over.names, !v.startsWith('/') && !v.startsWith('$') && ctx.cwdFromArg);
  if (w.dynamic && (v.includes('$(') || v.includes('`'))) return null;
  if (v.includes('$')) v = expandVars(v, ctx.env);
  if (v.includes('$')) return null;
  if (v.startsWith('~')) {
    if (!ctx.home || !(v === '~' || v.startsWith('~/'))) return null;
    v = ctx.home + v.slice(1);
  }
  // Globs: the directory before the first wildcard segment.
  const g = v.search(/[*?[]/);
  if (g !== -1) v = v.slice(0, g).replace(/[^/]*$/, '') || '.';
  if (v.startsWith('/')) return v;
  if (ctx.cwd === null) return null;
  return joinPath(ctx.cwd, v);
}

/** Record a path operand: the path itself, and the directories above it, which must exist. */
function touch(w: Word, ctx: RunCtx, read: boolean, write: boolean, createsParents = false): string | null {
  const p = resolveWord(w, ctx);
  if (p === null) return `the path ${w.value} is not known`;
  // Conservative: a write-only operand (`> file`) still counts as read.
  void read;
  addPath(ctx.e.reads, p, 'certain', true);
  if (write) addPath(ctx.e.writes, p, 'certain', createsParents);
  return null;
}

function looksLikePath(v: string): boolean {
  return v.startsWith('/') || v.startsWith('./') || v.startsWith('../') || v.startsWith('~') || v === '.' || v === '..';
}

function isUrl(v: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(v);
}

/** Record what one simple command touches; returns a reason when it is not modelled. */
function commandEffects(c: ShellCommand, ctx: RunCtx): string | null {
  const words = c.words;
  for (const r of redirectTargets(c)) {
    if (r.target === null) continue;
    const why = touch(r.target, ctx, r.read, !r.read);
    if (why) return why;
  }
  // Assignments (`X=1`, `arch="$(dpkg --print-architecture)"`): the tokenizer marks a partly
  // quoted one as quoted, so look at the source text; their substitutions run commands.
  let first = 0;
  while (first < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(ctx.source.slice(words[first]!.start, words[first]!.end))) {
    // A PATH set inside the RUN changes where programs come from.
    if (/^PATH=/.test(words[first]!.value)) return 'PATH set inside the RUN';
    const why = substitutionEffects(words[first]!.value, ctx);
    if (why) return why;
    first++;
  }
  const rest = words.slice(first);
  if (rest.length === 0) return null; // only assignments / redirections
  if (rest.length === 1 && /^(fi|done|esac|\}|\{)$/.test(rest[0]!.value) && !rest[0]!.quoted) return null;
  const p0 = programIndex(rest);
  if (p0 === -1) return null;
  const p = p0 + first;
  if (words.slice(0, p).some((w) => w.value === 'xargs')) return 'xargs';
  const progWord = words[p]!;
  if (progWord.dynamic && !/^\[\[?$/.test(progWord.value)) return `the program ${progWord.value}`;
  const prog = basename(progWord.value);
  // The program file itself: a COPY into a PATH directory could replace or shadow it.
  if (!BUILTINS.has(progWord.value)) {
    if (progWord.value.includes('/')) {
      const why = touch(progWord, ctx, true, false);
      if (why) return why;
    } else {
      // The base image's own PATH is not known: the default stands in for it.
      const path = (ctx.env.get('PATH') ?? DEFAULT_PATH).replace(/\$\{PATH\}|\$PATH\b/g, DEFAULT_PATH);
      if (path.includes('$')) return `PATH ${path} is not known`;
      for (const dir of path.split(':')) {
        if (!dir.startsWith('/')) return `PATH has the relative directory ${dir || '.'}`;
        ctx.programFiles.push(joinPath(dir, progWord.value));
      }
    }
  }
  const args = words.slice(p + 1).filter((w) => !w.value.startsWith('<<'));
  // Command substitutions run their own commands; their output is an unknown value.
  for (const a of args) {
    const why = substitutionEffects(a.value, ctx, prog);
    if (why) return why;
  }
  const e = ctx.e;

  if (PKG[prog]) {
    // The subcommand: the first operand that is not the value of an option (`-o X=Y`, `-t release`).
    const sub = args.find((a, k) => !a.value.startsWith('-') && !(k > 0 && /^(-o|-t|-c|-X|-p|--option|--target-release|--config-file|--repository|--repositories-file|--root|--installroot|--setopt)$/.test(args[k - 1]!.value)));
    const subs = PKG[prog];
    if (sub && !subs.has(sub.value)) return `${prog} ${sub.value}`;
    e.programs.push(sub ? `${prog} ${sub.value}` : prog);
    e.systemSetup = true;
    systemZones(e.reads, true);
    systemZones(e.writes);
    for (const a of args) {
      let value = a.value;
      if (value.includes('$')) {
        value = expandVars(value, ctx.env);
        if (value.includes('$')) {
          // `linux-headers-$(uname -r)`: a package name whatever the value; `$(cat list)`, `./$X.deb`: unknown.
          const prefix = value.slice(0, value.indexOf('$'));
          if (/^[A-Za-z0-9][A-Za-z0-9+_.:=-]*$/.test(prefix) && !/\.(deb|rpm|apk)$/.test(value) && !value.includes('/')) continue;
          return `the argument ${a.value} of ${prog} is not known`;
        }
      }
      // An unquoted expansion splits into several words.
      for (const piece of a.quoted ? [value] : value.split(/\s+/).filter(Boolean)) {
        // `--installroot=/x`, `-o Dir::Cache=/x`: the value after the last `=`.
        const v = piece.includes('=') ? piece.slice(piece.lastIndexOf('=') + 1) : piece;
        if (isUrl(v)) continue;
        if (looksLikePath(v) || /\.(deb|rpm|apk)$/.test(v)) {
          // Read, and (conservatively) written: an option path may be where the tool writes.
          const why = touch({ ...a, value: v, dynamic: false }, ctx, true, true);
          if (why) return why;
        }
      }
    }
    return null;
  }
  if (SYSTEM_TOOLS.has(prog) || USER_TOOLS.has(prog)) {
    e.programs.push(prog);
    e.systemSetup = true;
    systemZones(e.reads, true);
    systemZones(e.writes);
    for (const extra of TOOL_PATHS[prog] ?? []) {
      addPath(e.reads, extra);
      addPath(e.writes, extra);
    }
    for (const a of args) {
      if (a.value.includes('$') && resolveWord(a, ctx) === null) return `the argument ${a.value} of ${prog} is not known`;
      if (looksLikePath(a.value)) {
        const why = touch(a, ctx, true, true);
        if (why) return why;
      }
    }
    if (USER_TOOLS.has(prog)) {
      // Home directories: `-d DIR` / `--home DIR`, otherwise below /home (covered as "possible").
      for (let i = 0; i < args.length; i++) {
        if (/^(-d|--home|--home-dir)$/.test(args[i]!.value) && args[i + 1]) {
          const why = touch(args[i + 1]!, ctx, true, true);
          if (why) return why;
        }
      }
      addPath(e.writes, '/home', 'certain');
    }
    return null;
  }
  if (prog === '[' || prog === '[[' || prog === 'test') {
    e.programs.push(prog);
    return testOperands(args, ctx);
  }
  if (PURE.has(prog)) {
    if ((prog === 'export' || prog === 'set') && args.some((a) => /^PATH=/.test(a.value))) return 'PATH set inside the RUN';
    e.programs.push(prog);
    return null;
  }
  if (prog === 'cd') {
    const target = args.find((a) => !a.value.startsWith('-'));
    if (!target) ctx.cwd = ctx.home ?? null;
    else if (target.value === '-') ctx.cwd = null;
    else {
      ctx.cwd = resolveWord(target, ctx);
      if (target.value.startsWith('/')) ctx.cwdFromArg = false;
    }
    e.programs.push('cd');
    return null;
  }
  if (FILE_TOOLS.has(prog)) {
    e.programs.push(prog);
    return fileTool(prog, args, ctx);
  }
  if (DOWNLOADERS.has(prog)) {
    e.programs.push(prog);
    return downloader(prog, args, ctx);
  }
  return prog;
}

/** Record the effects of the commands substituted in a word (`$(...)`, backquotes). */
function substitutionEffects(value: string, ctx: RunCtx, prog = 'an assignment'): string | null {
  const subs = substitutions(value);
  if (subs === null) return `a command substitution in ${prog}`;
  for (const inner of subs) {
    for (const c of tokenize(inner, (k) => k).commands) {
      // A subshell: its `cd` does not change the caller's directory.
      const why = commandEffects(c, { ...ctx, source: inner });
      if (why) return why;
    }
  }
  return null;
}

/** The scripts of the `$(...)` and backquote substitutions in a word, or null when unbalanced. */
function substitutions(v: string): string[] | null {
  const out: string[] = [];
  for (let i = 0; i < v.length; i++) {
    if (v[i] === '$' && v[i + 1] === '(' && v[i + 2] !== '(') {
      let depth = 0;
      let j = i + 1;
      for (; j < v.length; j++) {
        if (v[j] === '(') depth++;
        else if (v[j] === ')' && --depth === 0) break;
      }
      if (j >= v.length) return null;
      out.push(v.slice(i + 2, j));
      i = j;
    } else if (v[i] === '`') {
      const j = v.indexOf('`', i + 1);
      if (j === -1) return null;
      out.push(v.slice(i + 1, j));
      i = j;
    } else if (v[i] === '$' && v[i + 1] === '(') return null; // $(( arithmetic )): not modelled
  }
  return out;
}

/** `test`/`[`: only the operands of file operators are paths; the rest are strings. */
function testOperands(args: Word[], ctx: RunCtx): string | null {
  for (let i = 0; i < args.length; i++) {
    const v = args[i]!.value;
    const next = args[i + 1];
    if (/^-[efdrwxsLhpSbcgukOGN]$/.test(v) && next && !args[i]!.quoted) {
      const why = touch(next, ctx, true, false);
      if (why) return why;
      i++;
    } else if (/^-(nt|ot|ef)$/.test(v) && next && i > 0) {
      for (const w of [args[i - 1]!, next]) {
        const why = touch(w, ctx, true, false);
        if (why) return why;
      }
      i++;
    }
  }
  return null;
}

/** Options that take a value that is not a path, per file tool. */
const VALUE_OPTIONS: Record<string, RegExp> = {
  mkdir: /^(-m|--mode)$/,
  install: /^(-m|-o|-g|--mode|--owner|--group)$/,
  touch: /^(-d|-t|--date)$/,
  head: /^(-n|-c)$/,
  tail: /^(-n|-c)$/,
  grep: /^(-e|-m|-A|-B|-C|--regexp)$/,
  sort: /^(-k|-t|--key|--field-separator)$/,
  sed: /^(-e|--expression)$/,
  tar: /^(--exclude|--strip-components|--owner|--group|--mode|--mtime)$/,
  stat: /^(-c|--format|--printf)$/,
};

function fileTool(prog: string, args: Word[], ctx: RunCtx): string | null {
  const valueOption = VALUE_OPTIONS[prog];
  let operands = args.filter((a, k) => (!a.value.startsWith('-') || a.value === '-') && !(k > 0 && valueOption?.test(args[k - 1]!.value)));
  // `chmod -x file`: a mode may start with `-`; chmod's own options are few.
  if (prog === 'chmod') operands = args.filter((a) => !/^(-[Rvcf]+|--[a-z-]+(=.*)?)$/.test(a.value));
  if (prog === 'chown' || prog === 'chgrp' || prog === 'chmod') {
    if (!args.some((a) => a.value.startsWith('--reference'))) operands = operands.slice(1);
    if (prog !== 'chmod') addPath(ctx.e.reads, '/etc');
  }
  if (prog === 'sed' || prog === 'grep') {
    // The first operand is the script/pattern unless -e/-f gave it.
    if (!args.some((a) => /^-(e|f)$|^--(expression|file|regexp)/.test(a.value))) operands = operands.slice(1);
  }
  const parents = (prog === 'mkdir' || prog === 'install') && args.some((a) => /^-[a-zA-Z]*[pD]/.test(a.value) || a.value === '--parents');
  // Long options with an attached path (`--target-directory=/x`, `--directory=/x`).
  for (const a of args) {
    const m = /^--[a-z-]+=(.*)$/.exec(a.value);
    if (m && looksLikePath(m[1]!)) {
      const why = touch({ ...a, value: m[1]!, dynamic: false }, ctx, true, true);
      if (why) return why;
    }
  }
  for (const a of operands) {
    if (a.value === '-' || isUrl(a.value)) continue;
    const why = touch(a, ctx, true, true, parents);
    if (why) return why;
  }
  if (prog === 'ln' && operands.length >= 2) {
    // A relative link target is relative to the link's directory, not to the working directory.
    const link = resolveWord(operands[operands.length - 1]!, ctx);
    if (link === null) return `the path ${operands[operands.length - 1]!.value} is not known`;
    for (const t of operands.slice(0, -1)) {
      if (t.value.startsWith('/')) continue;
      const why = touch({ ...t, value: joinPath(link.replace(/\/[^/]*$/, '') || '/', t.value), dynamic: false }, ctx, true, true);
      if (why) return why;
    }
  }
  // Option values that name paths (`tar -C /opt`, `cp -t dir`, `unzip -d dir`).
  for (let i = 0; i < args.length - 1; i++) {
    if (/^(-C|-t|-d|-f|--directory|--target-directory)$/.test(args[i]!.value) || /^-[a-zA-Z]*[fC]$/.test(args[i]!.value)) {
      const why = touch(args[i + 1]!, ctx, true, true);
      if (why) return why;
    }
  }
  // Archive tools extract into the working directory unless told otherwise.
  if ((prog === 'tar' || prog === 'unzip' || prog === 'gunzip') && ctx.cwd === null) return `${prog} in an unknown directory`;
  if (prog === 'tar' || prog === 'unzip') addPath(ctx.e.writes, ctx.cwd!);
  return null;
}

function downloader(prog: string, args: Word[], ctx: RunCtx): string | null {
  let wroteCwd = prog === 'wget';
  for (let i = 0; i < args.length; i++) {
    const v = args[i]!.value;
    // Exact options, or a cluster of short flags ending in one (`-fsSLo FILE`, `-qO FILE`).
    const takesPath =
      prog === 'curl'
        ? /^(-o|--output|--output-dir|-K|--config|-T|--upload-file|--cacert|--cert|--key|-c|--cookie-jar|-b|--cookie|-[a-zA-Z]*[oKTcb])$/
        : /^(-O|--output-document|-P|--directory-prefix|-o|--output-file|-i|--input-file|--ca-certificate|-[a-zA-Z]*[OPoi])$/;
    if (takesPath.test(v) && args[i + 1]) {
      const next = args[i + 1]!;
      i++;
      if (next.value === '-') continue;
      if (prog === 'wget' && /^(-[a-zA-Z]*[OP]|--output-document|--directory-prefix)$/.test(v)) wroteCwd = false;
      const why = touch(next, ctx, true, true);
      if (why) return why;
      continue;
    }
    const eq = /^--(output|output-document|directory-prefix|config)=(.*)$/.exec(v);
    if (eq) {
      if (prog === 'wget') wroteCwd = false;
      const why = touch({ ...args[i]!, value: eq[2]! }, ctx, true, true);
      if (why) return why;
      continue;
    }
    if (prog === 'curl' && (v === '-O' || v === '--remote-name' || v === '-J' || /^-[a-zA-Z]*O[a-zA-Z]*$/.test(v))) wroteCwd = true;
    if (v.startsWith('-')) continue;
    if (v.startsWith('@')) {
      const why = touch({ ...args[i]!, value: v.slice(1) }, ctx, true, false);
      if (why) return why;
      continue;
    }
    if (v.includes('$') && resolveWord(args[i]!, ctx) === null) return `the argument ${v} of ${prog} is not known`;
    // Anything else that looks like a path (not a URL) counts as touched.
    if (!isUrl(v) && looksLikePath(v)) {
      const why = touch(args[i]!, ctx, true, true);
      if (why) return why;
    }
  }
  if (wroteCwd) {
    if (ctx.cwd === null) return `${prog} into an unknown directory`;
    addPath(ctx.e.writes, ctx.cwd);
  }
  return null;
}

function redirectTargets(c: ShellCommand): Array<{ target: Word | null; read: boolean }> {
  const out: Array<{ target: Word | null; read: boolean }> = [];
  for (let i = 0; i < c.redirects.length; i++) {
    const op = c.redirects[i]!;
    if (!/^\d*(>>|>&|>\||>|<&|<<<|<>|<|&>)$/.test(op.value)) continue;
    const target = c.redirects[i + 1] && !/^\d*(>>|>&|>\||>|<&|<<<|<>|<|&>)$/.test(c.redirects[i + 1]!.value) ? c.redirects[i + 1]! : null;
    if (target) i++;
    if (op.value.endsWith('<<<')) continue;
    if (target && (op.value.endsWith('&') || op.value.endsWith('>&')) && /^(\d+|-)$/.test(target.value)) continue;
    out.push({ target, read: op.value.endsWith('<') || op.value.endsWith('<&') });
  }
  return out;
}

// --- environment knowledge ---------------------------------------------------------------------

/**
 * Variables that common tools read from their environment without being told: moving a step
 * across an ENV/ARG that sets one of these is never allowed, not even as an unsafe fix.
 */
export function isInfluentialEnv(name: string): boolean {
  return /^(PATH|HOME|USER|SHELL|TMPDIR|TZ|TERM|LANG|LANGUAGE|LC_[A-Z]+|LD_[A-Z_]+|DEBIAN_FRONTEND|DEBCONF_[A-Z_]+|APT_[A-Z_]+|APK_[A-Z_]+|(HTTPS?|FTP|NO|ALL)_PROXY|SSL_CERT_(FILE|DIR)|CURL_CA_BUNDLE|REQUESTS_CA_BUNDLE|PIP_[A-Z_]+|PYTHON[A-Z_]*|NPM_CONFIG_[A-Z_]+|NODE_[A-Z_]+|YARN_[A-Z_]+|GO[A-Z0-9_]*|CARGO_[A-Z_]+|RUSTUP_[A-Z_]+|JAVA_[A-Z_]+|MAVEN_[A-Z_]+|GRADLE_[A-Z_]+|CC|CXX|CFLAGS|CXXFLAGS|CPPFLAGS|LDFLAGS|MAKEFLAGS)$/i.test(
    name,
  );
}

/** Short text of an instruction for messages: the first line of its logical text, shortened. */
export function describeInstruction(instr: Instruction, max = 48): string {
  const t = `${instr.keyword} ${instr.argsText().trim()}`.replace(/\s+/g, ' ').trim();
  const withFlags = instr.flags.length ? `${instr.keyword} ${instr.flags.map((f) => (f.value === null ? `--${f.name}` : `--${f.name}=${f.value}`)).join(' ')} ${instr.argsText().trim()}`.replace(/\s+/g, ' ') : t;
  const s = instr.upper === 'RUN' ? t : withFlags;
  return s.length > max ? s.slice(0, max - 1).trimEnd() + '…' : s;
}

/** A short label for a RUN: its first modelled program, e.g. `apt-get install`. */
export function describeRun(instr: Instruction): string {
  const e = effectsOf(instr);
  const main =
    e.programs.find((p) => / (install|add|build-dep|groupinstall|in)$/.test(p)) ??
    e.programs.find((p) => p.includes(' ')) ??
    e.programs.find((p) => !PURE.has(p) && p !== 'cd') ??
    null;
  return main ?? describeInstruction(instr, 32);
}

/** Describe a path set for messages. */
export function describePaths(set: PathSet, max = 3): string {
  if (set.any !== null) return `anything (${set.any})`;
  const all = set.entries.filter((e) => e.level === 'certain' && !e.exact).map((e) => e.path);
  // Only the outermost paths: `/etc` covers `/etc/apt/sources.list`.
  const certain = all.filter((p, k) => all.findIndex((q) => q === p) === k && !all.some((q) => q !== p && within(p, q)));
  if (certain.length === 0) return 'no files';
  const shown = certain.slice(0, max).join(', ');
  return certain.length > max ? `${shown}, …` : shown;
}

/**
 * Modelled tools that compile sources with `make` (which takes every environment variable as a
 * make variable, so a Makefile's `VERSION ?= ...` reads a build argument of that name).
 */
const BUILDS_WITH_MAKE = new Set(['docker-php-ext-install', 'pecl']);

/**
 * Commands of a RUN are all modelled and read no build variable they are not told about: their
 * environment use is known. Not so for unknown programs (a script, `make`, `npm run`, a wrapper:
 * anything may read any variable in effect) nor for the tools that build with `make`.
 */
export function isEnvAgnostic(instr: Instruction): boolean {
  const e = effectsOf(instr);
  return e.cls === 'run' && e.unknown.length === 0 && !e.programs.some((p) => BUILDS_WITH_MAKE.has(p));
}

/** The first program of a RUN that could read any variable in its environment (for messages), or null. */
export function envReader(instr: Instruction): string | null {
  const e = effectsOf(instr);
  if (e.cls !== 'run') return null;
  return e.unknown[0] ?? e.programs.find((p) => BUILDS_WITH_MAKE.has(p)) ?? null;
}

