/**
 * The document model: the original text is the source of truth; instructions, stages and the
 * build state in effect at each instruction are views over it. Transforms read this and return
 * edits; they never mutate it.
 */
import { lex, logicalLine, logicalView, type Directive, type Flag, type Heredoc, type InstructionNode, type Logical, type LogicalView, type Node } from './lexer.js';
import { LineIndex, dominantEol, eolAt } from './source.js';
import { tokenize, type ShellCommand, type Tokenized, type Word } from './shell.js';

export class DockerfileDocument {
  readonly nodes: Node[];
  readonly escape: string;
  readonly instructions: Instruction[];
  readonly stages: Stage[];
  /** ARG instructions before the first FROM. */
  readonly globalArgs: Instruction[];
  private lines?: LineIndex;
  private readonly parsedDirectives: Directive[];
  /**
   * How often `directives` / `directive()` were read. The runner uses it to know which
   * transforms looked at the parser directives (src/runner.ts: a change to the directives alone
   * cannot change the result of a transform that never read them).
   */
  directiveReads = 0;

  /** @throws InputError when the text cannot be lexed (bad escape directive, unterminated heredoc). */
  constructor(
    readonly text: string,
    readonly bom = false,
  ) {
    const r = lex(text);
    this.nodes = r.nodes;
    this.parsedDirectives = r.directives;
    this.escape = r.escape;
    this.instructions = [];
    this.stages = [];
    this.globalArgs = [];
    let stage: Stage | null = null;
    for (const node of r.nodes) {
      if (node.type !== 'instruction') continue;
      if (node.upper === 'FROM') {
        stage = new Stage(this, this.stages.length);
        this.stages.push(stage);
      }
      const instr = new Instruction(this, node, this.instructions.length, stage);
      this.instructions.push(instr);
      if (stage) stage.instructions.push(instr);
      else if (node.upper === 'ARG') this.globalArgs.push(instr);
    }
  }

  /** The parser directives at the top (`# syntax=`, `# escape=`, `# check=`). */
  get directives(): Directive[] {
    this.directiveReads++;
    return this.parsedDirectives;
  }

  /**
   * Where the parser directives end: the offset after the last directive line, 0 when none.
   * Everything from here on is instructions, comments and blank lines.
   */
  get directivesEnd(): number {
    let end = 0;
    for (const n of this.nodes) {
      if (n.type !== 'directive') break;
      end = n.next;
    }
    return end;
  }

  get eol(): string {
    return dominantEol(this.text);
  }

  eolAt(offset: number): string {
    return eolAt(this.text, offset);
  }

  lineIndex(): LineIndex {
    return (this.lines ??= new LineIndex(this.text));
  }

  position(offset: number): { line: number; column: number } {
    return this.lineIndex().position(offset);
  }

  /**
   * For a document a transform run derived from the file it was given: maps an offset here to
   * the line of the given file it comes from. Set by the runner (src/runner.ts).
   */
  sourceLine?: (offset: number) => number;

  /**
   * The line a message should name for `offset`: the line in the file as the user gave it
   * (where findings are reported), also when a transform runs on a version another transform
   * already rewrote.
   */
  lineOf(offset: number): number {
    return this.sourceLine ? this.sourceLine(offset) : this.position(offset).line;
  }

  directive(name: string): Directive | undefined {
    return this.directives.find((d) => d.name === name);
  }

  slice(start: number, end: number): string {
    return this.text.slice(start, end);
  }

  /** Offset of the start of the line containing `offset`. */
  lineStart(offset: number): number {
    return this.text.lastIndexOf('\n', offset - 1) + 1;
  }

  /** Leading whitespace of the line containing `offset`. */
  indentAt(offset: number): string {
    const s = this.lineStart(offset);
    let e = s;
    while (e < this.text.length && (this.text[e] === ' ' || this.text[e] === '\t')) e++;
    return this.text.slice(s, e);
  }

  /** The stage whose name (AS x, case-insensitive) or index is `ref`, before stage `before`. */
  stageByRef(ref: string, before = this.stages.length): Stage | undefined {
    const lower = ref.toLowerCase();
    for (let i = Math.min(before, this.stages.length) - 1; i >= 0; i--) {
      const s = this.stages[i];
      if (s.name?.toLowerCase() === lower) return s;
    }
    if (/^\d+$/.test(ref)) return this.stages[Number(ref)];
    return undefined;
  }
}

export class Instruction {
  private cachedLogical?: Logical;
  private cachedView?: LogicalView;
  private cachedTokens?: Tokenized;
  private cachedCommands?: ShellCommand[];

  constructor(
    readonly doc: DockerfileDocument,
    readonly node: InstructionNode,
    readonly index: number,
    readonly stage: Stage | null,
  ) {}

  get keyword(): string {
    return this.node.keyword;
  }
  /** Upper-case keyword (`RUN`, `COPY`, ...). */
  get upper(): string {
    return this.node.upper;
  }
  get start(): number {
    return this.node.start;
  }
  get end(): number {
    return this.node.end;
  }
  get next(): number {
    return this.node.next;
  }
  get flags(): Flag[] {
    return this.node.flags;
  }
  get heredocs(): Heredoc[] {
    return this.node.heredocs;
  }
  /** Exec form arguments, or null for shell form. */
  get json(): string[] | null {
    return this.node.json;
  }
  get text(): string {
    return this.doc.text.slice(this.node.start, this.node.end);
  }
  /**
   * Can a shell word of this instruction (heredoc bodies included) hold `needle` once the shell
   * has removed quotes, escapes and line continuations? A cheap necessary condition, for
   * skipping the tokenization of steps that cannot run a given program.
   */
  mayHold(needle: string): boolean {
    const text = this.text;
    if (text.includes(needle)) return true;
    // Without quotes or escape characters every word is a plain substring of the text.
    return /['"\\`]/.test(text) && text.replace(/['"\\`\s]/g, '').includes(needle);
  }

  /** Its line in the file as the user gave it (see DockerfileDocument.lineOf), for messages. */
  get line(): number {
    return this.doc.lineOf(this.node.keywordStart);
  }

  flag(name: string): Flag | undefined {
    return this.node.flags.find((f) => f.name === name);
  }
  flagsNamed(name: string): Flag[] {
    return this.node.flags.filter((f) => f.name === name);
  }

  /** The logical line: keyword to end of the last continued line, continuations removed. */
  logical(): Logical {
    return (this.cachedLogical ??= logicalLine(this.doc.text, this.node));
  }

  /** The logical line without its per-character map (what args/commands need). */
  private view(): LogicalView {
    return (this.cachedView ??= logicalView(this.doc.text, this.node));
  }

  /** Argument text after the flags, with continuations and inner comments removed. */
  argsText(): string {
    const l = this.view();
    return l.text.slice(l.index(this.node.argsStart));
  }

  /** The arguments after the flags, tokenized once for both `args()` and `commands()`. */
  private tokens(): Tokenized {
    if (this.cachedTokens) return this.cachedTokens;
    const l = this.view();
    const i = l.index(this.node.argsStart);
    return (this.cachedTokens = tokenize(l.text.slice(i), (k) => l.at(i + k)));
  }

  /** Shell words of the arguments after the flags (not for exec form). */
  args(): Word[] {
    return this.tokens().words;
  }

  /**
   * The shell commands a RUN step runs: those of its logical line and, when the line just feeds
   * a heredoc to the shell (`RUN <<EOF`, `RUN bash <<EOF`), those of the heredoc body.
   * Empty for exec form.
   */
  commands(): ShellCommand[] {
    if (this.cachedCommands) return this.cachedCommands;
    const out: ShellCommand[] = [];
    if (this.node.json === null) {
      const tk = this.tokens();
      const markers = this.node.heredocs;
      const scriptHeredoc = markers.length > 0 && isShellFedHeredoc(tk.commands, this.node);
      for (const c of tk.commands) {
        if (scriptHeredoc && c.words.some((w) => markers.some((h) => w.start === h.markerStart))) continue;
        out.push(c);
      }
      if (scriptHeredoc && markers[0]) {
        const h = markers[0];
        const body = this.doc.text.slice(h.bodyStart, h.bodyEnd);
        for (const c of tokenize(body, (k) => h.bodyStart + k).commands) out.push(c);
      }
    }
    return (this.cachedCommands = out);
  }

  /** Where a new flag goes: after the keyword and existing flags (`RUN --a --b| cmd`). */
  get flagsInsert(): number {
    return this.node.flagsInsert;
  }
  get argsStart(): number {
    return this.node.argsStart;
  }
  get keywordEnd(): number {
    return this.node.keywordEnd;
  }
  get keywordStart(): number {
    return this.node.keywordStart;
  }

  /** The build state in effect when this instruction runs. */
  state(): BuildState {
    return this.stage ? this.stage.stateBefore(this) : globalState(this.doc, this.index);
  }
}

function isShellFedHeredoc(commands: ShellCommand[], node: InstructionNode): boolean {
  if (node.upper !== 'RUN' || commands.length !== 1) return false;
  const words = commands[0].words;
  const first = node.heredocs[0];
  const markerIdx = words.findIndex((w) => w.start === first.markerStart);
  if (markerIdx === 0) return true;
  const prog = words[0]?.value.replace(/^.*\//, '');
  return markerIdx > 0 && /^(ba|da|z|k)?sh$/.test(prog ?? '') && words.slice(1, markerIdx).every((w) => w.value.startsWith('-'));
}

export interface BuildState {
  /** ENV and ARG values known at this point (ARG without a default: undefined value). */
  env: Map<string, string | undefined>;
  /** Names declared by ARG in this stage (they may be overridden per build). */
  args: Set<string>;
  /** USER in effect ('' when none was set: root). */
  user: string;
  workdir: string;
  /** SHELL in effect, or null for the default /bin/sh -c. */
  shell: string[] | null;
}

function globalState(doc: DockerfileDocument, uptoIndex: number): BuildState {
  const env = new Map<string, string | undefined>();
  const args = new Set<string>();
  for (const a of doc.globalArgs) {
    if (a.index >= uptoIndex) break;
    for (const [k, v] of parseArgDecls(a)) {
      env.set(k, v);
      args.add(k);
    }
  }
  return { env, args, user: '', workdir: '/', shell: null };
}

export class Stage {
  readonly instructions: Instruction[] = [];
  private linked?: Stage | null;
  /**
   * States before instruction i (index in this stage; length = after the last): views over one
   * timeline of the stage's ENV/ARG/USER/WORKDIR/SHELL changes, built in order as far as somebody
   * asks. No state copies the environment, so a stage with tens of thousands of ENV lines costs
   * time linear in its length (each lookup is a binary search in the key's history).
   */
  private states: Array<BuildState | undefined> = [];
  private timeline?: Timeline;
  private globals?: BuildState;

  constructor(
    readonly doc: DockerfileDocument,
    readonly index: number,
  ) {}

  get from(): Instruction {
    return this.instructions[0];
  }

  /** Words after FROM's flags: image, AS, name. */
  private fromWords(): Word[] {
    return this.from.args();
  }

  /** The base image as written (variables unexpanded). */
  get baseImage(): string {
    return this.fromWords()[0]?.value ?? '';
  }

  /** The base image with global ARG defaults expanded. */
  get resolvedBaseImage(): string {
    return expandVars(this.baseImage, this.globalState().env);
  }

  /** Global ARGs (before the first FROM) declared before this stage's FROM. */
  private globalState(): BuildState {
    return (this.globals ??= globalState(this.doc, this.from.index));
  }

  get name(): string | undefined {
    const w = this.fromWords();
    if (w.length >= 3 && w[1].value.toLowerCase() === 'as') return w[2].value;
    return undefined;
  }

  get platform(): string | undefined {
    return this.from.flag('platform')?.value ?? undefined;
  }

  /** The stage this one builds on (FROM <stage name>), if any; worked out when first asked. */
  get parent(): Stage | null {
    if (this.linked === undefined) this.linked = this.doc.stageByRef(this.resolvedBaseImage, this.index) ?? null;
    return this.linked;
  }

  /** The first stage of this stage's FROM chain (itself when its base is an image). */
  root(): Stage {
    let s: Stage = this;
    const seen = new Set<Stage>();
    while (s.parent && !seen.has(s)) {
      seen.add(s);
      s = s.parent;
    }
    return s;
  }

  stateBefore(instr: Instruction): BuildState {
    // Stage instructions are contiguous in the document: the index is a subtraction.
    let i = this.instructions.length ? instr.index - this.instructions[0].index : -1;
    if (this.instructions[i] !== instr) i = this.instructions.indexOf(instr);
    return this.stateAt(i < 0 ? 0 : i);
  }

  /** State at the end of the stage (what a child stage inherits). */
  finalState(): BuildState {
    return this.stateAt(this.instructions.length);
  }

  /** The stage's timeline, with the state inherited from the parent stage as version 0. */
  private line(): Timeline {
    if (this.timeline) return this.timeline;
    const inherited = this.parent && this.parent !== this ? this.parent.finalState() : null;
    const t = new Timeline(inherited ? inherited.user : '', inherited ? inherited.workdir : '/', inherited ? inherited.shell : null);
    if (inherited) {
      // Build args of an inherited stage are not inherited by the child.
      for (const [k, v] of inherited.env) if (!inherited.args.has(k)) t.cur.env.set(k, v);
    }
    return (this.timeline = t);
  }

  /** The state before the stage's instruction `i` (`i` = length: after the last one). */
  private stateAt(i: number): BuildState {
    const known = this.states[i];
    if (known) return known;
    const t = this.line();
    for (let k = t.upto; k < i; k++) {
      const instr = this.instructions[k];
      t.version = k + 1;
      if (STATE_KEYWORDS.has(instr.upper)) applyInstruction(t.cur, instr, this.globalState());
      t.close(k + 1);
    }
    if (t.upto < i) t.upto = i;
    const st = t.at(i);
    this.states[i] = st;
    return st;
  }
}

/** Per-key history of a map: the versions it changed at (ascending) and its value from then on. */
interface History<V> {
  at: number[];
  value: Array<V | undefined>;
  present: boolean[];
}

function record<V>(hist: Map<string, History<V>>, version: number, key: string, value: V | undefined, present: boolean): void {
  let h = hist.get(key);
  if (!h) hist.set(key, (h = { at: [], value: [], present: [] }));
  const n = h.at.length;
  if (n && h.at[n - 1] === version) {
    h.value[n - 1] = value;
    h.present[n - 1] = present;
    return;
  }
  h.at.push(version);
  h.value.push(value);
  h.present.push(present);
}

/** Index of the last change at or before `version`, or -1. */
function lastAt<V>(h: History<V> | undefined, version: number): number {
  if (!h) return -1;
  let lo = 0;
  let hi = h.at.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (h.at[mid] <= version) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** The live map of a timeline: every change is also recorded at the timeline's version. */
class RecordingMap extends Map<string, string | undefined> {
  constructor(private readonly t: Timeline) {
    super();
  }
  override set(k: string, v: string | undefined): this {
    super.set(k, v);
    if (this.t) record(this.t.env, this.t.version, k, v, true);
    return this;
  }
  override delete(k: string): boolean {
    const had = super.delete(k);
    if (had) record(this.t.env, this.t.version, k, undefined, false);
    return had;
  }
}

class RecordingSet extends Set<string> {
  constructor(private readonly t: Timeline) {
    super();
  }
  override add(k: string): this {
    if (!super.has(k)) {
      super.add(k);
      if (this.t) record(this.t.args, this.t.version, k, true, true);
    }
    return this;
  }
  override delete(k: string): boolean {
    const had = super.delete(k);
    if (had) record(this.t.args, this.t.version, k, undefined, false);
    return had;
  }
}

/** A read-only view of a timeline's map at one version (a Map to its readers). */
class EnvAt extends Map<string, string | undefined> {
  constructor(
    private readonly t: Timeline,
    private readonly version: number,
  ) {
    super();
  }
  override get(k: string): string | undefined {
    const h = this.t.env.get(k);
    const i = lastAt(h, this.version);
    return i >= 0 && h!.present[i] ? h!.value[i] : undefined;
  }
  override has(k: string): boolean {
    const h = this.t.env.get(k);
    const i = lastAt(h, this.version);
    return i >= 0 && h!.present[i];
  }
  override *entries(): MapIterator<[string, string | undefined]> {
    for (const [k, h] of this.t.env) {
      const i = lastAt(h, this.version);
      if (i >= 0 && h.present[i]) yield [k, h.value[i]];
    }
  }
  override *keys(): MapIterator<string> {
    for (const [k] of this.entries()) yield k;
  }
  override *values(): MapIterator<string | undefined> {
    for (const [, v] of this.entries()) yield v;
  }
  override [Symbol.iterator](): MapIterator<[string, string | undefined]> {
    return this.entries();
  }
  override forEach(fn: (value: string | undefined, key: string, map: Map<string, string | undefined>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this);
  }
  override get size(): number {
    let n = 0;
    for (const _ of this.entries()) n++;
    return n;
  }
  override set(): this {
    throw new TypeError('a build state is read-only');
  }
  override delete(): boolean {
    throw new TypeError('a build state is read-only');
  }
  override clear(): void {
    throw new TypeError('a build state is read-only');
  }
}

class ArgsAt extends Set<string> {
  constructor(
    private readonly t: Timeline,
    private readonly version: number,
  ) {
    super();
  }
  override has(k: string): boolean {
    const h = this.t.args.get(k);
    const i = lastAt(h, this.version);
    return i >= 0 && h!.present[i];
  }
  override *values(): SetIterator<string> {
    for (const [k, h] of this.t.args) {
      const i = lastAt(h, this.version);
      if (i >= 0 && h.present[i]) yield k;
    }
  }
  override keys(): SetIterator<string> {
    return this.values();
  }
  override *entries(): SetIterator<[string, string]> {
    for (const k of this.values()) yield [k, k];
  }
  override [Symbol.iterator](): SetIterator<string> {
    return this.values();
  }
  override forEach(fn: (value: string, key: string, set: Set<string>) => void, thisArg?: unknown): void {
    for (const k of this.values()) fn.call(thisArg, k, k, this);
  }
  override get size(): number {
    let n = 0;
    for (const _ of this.values()) n++;
    return n;
  }
  override add(): this {
    throw new TypeError('a build state is read-only');
  }
  override delete(): boolean {
    throw new TypeError('a build state is read-only');
  }
  override clear(): void {
    throw new TypeError('a build state is read-only');
  }
}

/**
 * `base` with some variables set on top, without copying `base` (what `new Map(base)` plus
 * `set` gives, in time independent of the size of the environment): for a command's own
 * assignments (`FOO=1 pip install …`) over the step's environment. Changes go to the overlay.
 */
export function overlayEnv(base: ReadonlyMap<string, string | undefined>, own: Iterable<readonly [string, string | undefined]> = []): Map<string, string | undefined> {
  const o = new EnvOverlay(base);
  for (const [k, v] of own) o.set(k, v);
  return o;
}

class EnvOverlay extends Map<string, string | undefined> {
  private readonly removed = new Set<string>();
  constructor(private readonly base: ReadonlyMap<string, string | undefined>) {
    super();
  }
  override get(k: string): string | undefined {
    return super.has(k) ? super.get(k) : this.removed.has(k) ? undefined : this.base.get(k);
  }
  override has(k: string): boolean {
    return super.has(k) || (!this.removed.has(k) && this.base.has(k));
  }
  override set(k: string, v: string | undefined): this {
    this.removed?.delete(k);
    return super.set(k, v);
  }
  override delete(k: string): boolean {
    const had = this.has(k);
    super.delete(k);
    this.removed.add(k);
    return had;
  }
  override clear(): void {
    for (const k of this.keys()) this.removed.add(k);
    super.clear();
  }
  override *entries(): MapIterator<[string, string | undefined]> {
    yield* super.entries();
    for (const [k, v] of this.base) if (!super.has(k) && !this.removed.has(k)) yield [k, v];
  }
  override *keys(): MapIterator<string> {
    for (const [k] of this.entries()) yield k;
  }
  override *values(): MapIterator<string | undefined> {
    for (const [, v] of this.entries()) yield v;
  }
  override [Symbol.iterator](): MapIterator<[string, string | undefined]> {
    return this.entries();
  }
  override forEach(fn: (value: string | undefined, key: string, map: Map<string, string | undefined>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this);
  }
  override get size(): number {
    let n = 0;
    for (const _ of this.entries()) n++;
    return n;
  }
}

/**
 * The changes to the build state across one stage, in instruction order: `cur` is the state
 * after the instructions applied so far (version `upto`); `at(v)` is the state before
 * instruction `v`, as read-only views.
 */
class Timeline {
  readonly env = new Map<string, History<string | undefined>>();
  readonly args = new Map<string, History<true>>();
  /** Version changes are recorded at (the instruction being applied, plus one). */
  version = 0;
  upto = 0;
  readonly cur: BuildState;
  private readonly user: string[] = [];
  private readonly workdir: string[] = [];
  private readonly shell: Array<string[] | null> = [];

  constructor(user: string, workdir: string, shell: string[] | null) {
    this.cur = { env: new RecordingMap(this), args: new RecordingSet(this), user, workdir, shell };
    this.close(0);
  }

  /** Record the scalar parts of `cur` as those of `version`. */
  close(version: number): void {
    this.user[version] = this.cur.user;
    this.workdir[version] = this.cur.workdir;
    this.shell[version] = this.cur.shell;
  }

  at(version: number): BuildState {
    return { env: new EnvAt(this, version), args: new ArgsAt(this, version), user: this.user[version], workdir: this.workdir[version], shell: this.shell[version] };
  }
}

const STATE_KEYWORDS = new Set(['ENV', 'ARG', 'USER', 'WORKDIR', 'SHELL']);

/** Fold one instruction into `st` (which the caller owns), in place. */
function applyInstruction(st: BuildState, instr: Instruction, globals: BuildState): void {
  switch (instr.upper) {
    case 'ENV': {
      // Every value expands against the environment before this instruction.
      const pairs = parseEnvPairs(instr).map(([k, v]) => [k, expandVars(v, st.env)] as const);
      for (const [k, v] of pairs) st.env.set(k, v);
      return;
    }
    case 'ARG': {
      const decls = parseArgDecls(instr);
      const values = decls.map(([k, v]) => (v !== undefined ? expandVars(v, st.env) : globals.env.get(k)));
      const wasArg = decls.map(([k]) => st.args.has(k));
      decls.forEach(([k], n) => {
        st.args.add(k);
        if (st.env.has(k) && !wasArg[n]) return; // ENV wins over ARG
        st.env.set(k, values[n]);
      });
      return;
    }
    case 'USER':
      st.user = expandVars(instr.args()[0]?.value ?? '', st.env);
      return;
    case 'WORKDIR':
      st.workdir = joinPath(st.workdir, expandVars(instr.argsText().trim(), st.env));
      return;
    case 'SHELL':
      st.shell = instr.json ?? st.shell;
      return;
  }
}

/** `ENV a=b c="d e"` or legacy `ENV a b c`. */
export function parseEnvPairs(instr: Instruction): Array<[string, string]> {
  const words = instr.args();
  if (words.length === 0) return [];
  const raw = instr.doc.text.slice(words[0].start, words[0].end);
  if (!raw.includes('=')) {
    // Legacy form: the rest of the line is the value, as written (quotes removed per word).
    return [[words[0].value, words.slice(1).map((w) => w.value).join(' ')]];
  }
  const out: Array<[string, string]> = [];
  for (const w of words) {
    const eq = w.value.indexOf('=');
    if (eq > 0) out.push([w.value.slice(0, eq), w.value.slice(eq + 1)]);
  }
  return out;
}

/** `ARG a`, `ARG a=b`, `ARG a=b c=d`. */
export function parseArgDecls(instr: Instruction): Array<[string, string | undefined]> {
  const out: Array<[string, string | undefined]> = [];
  for (const w of instr.args()) {
    const eq = w.value.indexOf('=');
    if (eq === -1) out.push([w.value, undefined]);
    else out.push([w.value.slice(0, eq), w.value.slice(eq + 1)]);
  }
  return out;
}

/** Expand `$VAR`, `${VAR}`, `${VAR:-x}`, `${VAR-x}`, `${VAR:+x}` with known values; unknown ones stay. */
export function expandVars(s: string, env: Map<string, string | undefined>): string {
  if (!s.includes('$')) return s;
  return s.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g, (m, braced, op, alt, bare) => {
    const name = (braced ?? bare) as string;
    const has = env.has(name) && env.get(name) !== undefined;
    const v = env.get(name);
    if (op === ':-') return has && v !== '' ? (v as string) : (alt as string);
    if (op === '-') return has ? (v as string) : (alt as string);
    if (op === ':+') return has && v !== '' ? (alt as string) : '';
    if (op === '+') return has ? (alt as string) : '';
    return has ? (v as string) : m;
  });
}

export function joinPath(base: string, p: string): string {
  if (p.startsWith('/')) return normalizePath(p);
  return normalizePath((base.endsWith('/') ? base : base + '/') + p);
}

/** A path normalizePath would change: `.`/`..` segments, `//`, or a trailing slash. */
const NEEDS_NORMALIZING = /(?:^|\/)\.{1,2}(?:\/|$)|\/\/|.\/$/;

export function normalizePath(p: string): string {
  // Hot (the data-flow analysis normalizes every path it sees): most are already normal.
  if (p !== '' && !NEEDS_NORMALIZING.test(p)) return p;
  const abs = p.startsWith('/');
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return (abs ? '/' : '') + parts.join('/') || (abs ? '/' : '.');
}
