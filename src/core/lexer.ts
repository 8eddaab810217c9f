/**
 * A lossless, linear-time lexer for Dockerfiles that follows BuildKit's line rules.
 *
 * Why not only dockerfile-ast: it loses JSON-form whitespace in `getValue`, does not see
 * `<< 'EOF'` (quoted delimiter) heredocs, keeps comments of continuation lines in the argument
 * content and parses large files superlinearly. This lexer is the source of truth for offsets;
 * dockerfile-ast cross-checks our view of rewritten files (`src/core/validate.ts`).
 *
 * Rules (moby/buildkit `frontend/dockerfile/parser`):
 * - Parser directives (`# syntax=`, `# escape=`, `# check=`) only at the very top, one a line,
 *   before any blank line, other comment or instruction.
 * - A line continues on the next one when it ends in the escape character (trailing spaces and
 *   tabs allowed) that is not itself preceded by the escape character (BuildKit's
 *   `([^\\])\\[ \t]*$|^\\[ \t]*$`): `ENV C trailing\\` ends the instruction. Comment lines and
 *   blank lines inside a continuation are skipped.
 * - The keyword is the first word of the joined line; BuildKit's parser takes any word, its
 *   dispatcher rejects unknown ones ("unknown instruction: X"): so does this lexer, and it
 *   raises BuildKit's other parser errors (duplicate directive, bad escape, ENV/LABEL without a
 *   value, non-string JSON arrays, unterminated heredoc) as `InputError`s.
 * - RUN, COPY and ADD may open heredocs (`<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'`) whose bodies
 *   follow the instruction's logical line, each closed by a line holding only the delimiter.
 */
import { InputError, LineIndex } from './source.js';

export interface Directive {
  name: string;
  value: string;
  start: number;
  end: number;
  /** Offsets of the value inside the line. */
  valueStart: number;
  valueEnd: number;
}

export interface Heredoc {
  name: string;
  /** `<<-`: leading tabs are stripped from the body and the terminator. */
  stripTabs: boolean;
  quoted: boolean;
  /** The `<<EOF` marker in the logical line. */
  markerStart: number;
  markerEnd: number;
  /** First body line start .. end of the last body line (excluding its EOL). Empty body: bodyStart === bodyEnd. */
  bodyStart: number;
  bodyEnd: number;
  /** The terminator line (its content range), or -1/-1 when unterminated. */
  terminatorStart: number;
  terminatorEnd: number;
}

export interface Flag {
  /** Without the leading `--`. */
  name: string;
  value: string | null;
  start: number;
  end: number;
}

export interface BaseNode {
  /** Offset of the first character of the node's first line. */
  start: number;
  /** End of the node's last line, excluding the line ending. */
  end: number;
  /** Offset after the line ending of the last line (=== end at EOF without newline). */
  next: number;
}

export interface BlankNode extends BaseNode {
  type: 'blank';
}
export interface CommentNode extends BaseNode {
  type: 'comment';
}
export interface DirectiveNode extends BaseNode {
  type: 'directive';
  directive: Directive;
}

export interface InstructionNode extends BaseNode {
  type: 'instruction';
  /** Keyword as written and upper-cased. */
  keyword: string;
  upper: string;
  keywordStart: number;
  keywordEnd: number;
  /** End of the logical line (before any heredoc body), excluding its EOL. */
  logicalEnd: number;
  /** Flags (`--name[=value]`) after the keyword, for instructions that take them. */
  flags: Flag[];
  /** Offset of the first argument after the keyword and flags (=== logicalEnd if none). */
  argsStart: number;
  heredocs: Heredoc[];
  /** Exec form: a JSON array of strings. */
  json: string[] | null;
  /** Offset just after the flags list, i.e. where a new flag is inserted. */
  flagsInsert: number;
  /** Comment lines inside the continuation, as [start, end) ranges. */
  innerComments: Array<[number, number]>;
  /** Source ranges that make up the logical line (keyword to logicalEnd). */
  segments: Array<[number, number]>;
}

export type Node = BlankNode | CommentNode | DirectiveNode | InstructionNode;

export interface LexResult {
  nodes: Node[];
  directives: Directive[];
  escape: string;
}

/** Whether `s` has no lower-case letter to change (most keywords are written in upper case). */
function isUpperAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 97 && c <= 122) || c > 127) return false;
  }
  return true;
}

/** A logical line: continuation markers and skipped lines removed, mapped back to offsets. */
export interface Logical {
  text: string;
  /** `map[i]` is the source offset of `text[i]`; `map[text.length]` is the end offset. */
  map: Int32Array;
}

/**
 * BuildKit's directive rule (parser/directives.go), applied to a line after `#` and leading
 * whitespace: `^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` with Go's ASCII `\s`. The value needs
 * at least one character: `# escape=` is a comment.
 */
const DIRECTIVE_RE = /^([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*$/d;
const KNOWN_DIRECTIVES = new Set(['syntax', 'escape', 'check']);
/** The instructions BuildKit's dispatcher knows (frontend/dockerfile/command), lower-case. */
export const INSTRUCTIONS: ReadonlySet<string> = new Set([
  'add', 'arg', 'cmd', 'copy', 'entrypoint', 'env', 'expose', 'from', 'healthcheck', 'label',
  'maintainer', 'onbuild', 'run', 'shell', 'stopsignal', 'user', 'volume', 'workdir',
]);
/**
 * The empty flags, heredocs and inner comments of an instruction: one frozen array each, shared
 * by every node that has none (most have none of them; three arrays fewer per instruction kept
 * alive with the lex result). Frozen, so a caller that pushed into one would fail loudly.
 */
const NO_FLAGS = Object.freeze([]) as unknown as Flag[];
const NO_HEREDOCS = Object.freeze([]) as unknown as Heredoc[];
const NO_RANGES = Object.freeze([]) as unknown as Array<[number, number]>;

/** Each instruction keyword in upper case, mapped to itself (a string literal, interned). */
const CANONICAL_KEYWORDS = new Map<string, string>(
  ['ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL', 'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR'].map((k) => [k, k]),
);
/** Instructions whose arguments are shell text (their `{{ }}` may be a program's own template). */
const SHELL_INSTRUCTIONS = new Set(['RUN', 'CMD', 'ENTRYPOINT', 'SHELL', 'HEALTHCHECK', 'ONBUILD']);
const HEREDOC_INSTRUCTIONS = new Set(['RUN', 'COPY', 'ADD']);
const JSON_INSTRUCTIONS = new Set(['RUN', 'CMD', 'ENTRYPOINT', 'SHELL', 'COPY', 'ADD', 'VOLUME']);

/**
 * The physical lines of the text being lexed, as three parallel arrays (no object per line):
 * line i runs from lineStart[i] to lineEnd[i] (excluding `\r\n` / `\n`); the next line starts
 * at lineNext[i]. Module-level buffers reused by every call (lex does not call itself); a
 * buffer grown for a very long file is dropped after it.
 */
const SMALL_LINE_BUFFER = 1 << 12;
let lineStart: Int32Array = new Int32Array(SMALL_LINE_BUFFER);
let lineEnd: Int32Array = new Int32Array(SMALL_LINE_BUFFER);
let lineNext: Int32Array = new Int32Array(SMALL_LINE_BUFFER);

/** Fill the line buffers for `text`; returns the number of lines. */
function splitLines(text: string): number {
  let count = 0;
  let start = 0;
  const n = text.length;
  while (start < n) {
    if (count === lineStart.length) growLineBuffers(count * 2);
    const nl = text.indexOf('\n', start);
    lineStart[count] = start;
    if (nl === -1) {
      lineEnd[count] = n;
      lineNext[count++] = n;
      break;
    }
    lineEnd[count] = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    lineNext[count++] = nl + 1;
    start = nl + 1;
  }
  return count;
}

function growLineBuffers(size: number): void {
  const grow = (a: Int32Array): Int32Array => {
    const b = new Int32Array(size);
    b.set(a);
    return b;
  };
  lineStart = grow(lineStart);
  lineEnd = grow(lineEnd);
  lineNext = grow(lineNext);
}

function isWs(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 12 || c === 11;
}

function firstNonWs(text: string, start: number, end: number): number {
  let i = start;
  while (i < end && isWs(text.charCodeAt(i))) i++;
  return i;
}

/**
 * Where the line continuation character of text[from, end) sits, or -1 when the line does not
 * continue. BuildKit: the last character before trailing spaces/tabs is the escape character,
 * and either it is the line's first character (after the leading whitespace BuildKit strips
 * from an instruction's first line) or the character before it is not the escape character.
 */
function continuationAt(text: string, from: number, end: number, esc: number): number {
  let e = end;
  while (e > from) {
    const c = text.charCodeAt(e - 1);
    if (c !== 32 && c !== 9 && c !== 13) break;
    e--;
  }
  if (e === from || text.charCodeAt(e - 1) !== esc) return -1;
  const k = e - 1;
  return k === from || text.charCodeAt(k - 1) !== esc ? k : -1;
}

/**
 * Lex a Dockerfile. `initialEscape` is the escape character in effect before any directive (an
 * ONBUILD trigger is lexed with its file's).
 * @throws InputError for what BuildKit's parser rejects.
 */
export function lex(text: string, initialEscape = '\\'): LexResult {
  const result = lexLines(text, initialEscape, splitLines(text));
  // (After a throw, grown buffers stay until a call returns.)
  if (lineStart.length > SMALL_LINE_BUFFER * 16) {
    lineStart = new Int32Array(SMALL_LINE_BUFFER);
    lineEnd = new Int32Array(SMALL_LINE_BUFFER);
    lineNext = new Int32Array(SMALL_LINE_BUFFER);
  }
  return result;
}

function lexLines(text: string, initialEscape: string, lineCount: number): LexResult {
  const LS = lineStart;
  const LE = lineEnd;
  const LN = lineNext;
  const nodes: Node[] = [];
  const directives: Directive[] = [];
  let escape = initialEscape;
  let li = 0;
  let index: LineIndex | undefined;
  const fail = (message: string, offset: number): never => {
    const pos = (index ??= new LineIndex(text)).position(offset);
    throw new InputError(message, pos.line, pos.column);
  };

  // Parser directives (BuildKit's DirectiveParser): `#`, optional whitespace, `name=value`, one
  // a line from the first line on; the first line that is not one ends them.
  let seen: Set<string> | undefined;
  while (li < lineCount) {
    const le = LE[li];
    const first = firstNonWs(text, LS[li], le);
    if (text.charCodeAt(first) !== 35 /* # */) break;
    const bodyStart = firstNonWs(text, first + 1, le);
    const m = DIRECTIVE_RE.exec(text.slice(bodyStart, le));
    if (!m) break;
    const name = m[1].toLowerCase();
    if (!KNOWN_DIRECTIVES.has(name)) break;
    seen ??= new Set<string>();
    if (seen.has(name)) fail(`only one ${name} parser directive can be used`, first);
    seen.add(name);
    const value = m[2];
    const valueStart = bodyStart + m.indices![2]![0];
    const directive: Directive = { name, value, start: LS[li], end: le, valueStart, valueEnd: valueStart + value.length };
    if (name === 'escape') {
      if (value !== '\\' && value !== '`') fail(`invalid escape directive value ${JSON.stringify(value)}: must be \\ or \``, valueStart);
      escape = value;
    }
    directives.push(directive);
    nodes.push({ type: 'directive', start: LS[li], end: le, next: LN[li], directive });
    li++;
  }

  const esc = escape.charCodeAt(0);
  while (li < lineCount) {
    const line = li;
    const first = firstNonWs(text, LS[line], LE[line]);
    if (first === LE[line]) {
      nodes.push({ type: 'blank', start: LS[line], end: LE[line], next: LN[line] });
      li++;
      continue;
    }
    if (text.charCodeAt(first) === 35 /* # */) {
      nodes.push({ type: 'comment', start: LS[line], end: LE[line], next: LN[line] });
      li++;
      continue;
    }
    // Instruction.
    let innerComments = NO_RANGES;
    // Made on the first segment, as a literal: most instructions have one, and a push into an
    // empty array would reserve room for seventeen.
    let segments: Array<[number, number]> | undefined;
    let cur = line;
    let segStart = first;
    let lastLine = line;
    li++;
    for (;;) {
      // The first line is read from its first non-blank character, continuation lines whole.
      const k = continuationAt(text, cur === line ? first : LS[cur], LE[cur], esc);
      if (k === -1) {
        if (segments === undefined) segments = [[segStart, LE[cur]]];
        else segments.push([segStart, LE[cur]]);
        break;
      }
      if (segments === undefined) segments = [[segStart, k]];
      else segments.push([segStart, k]);
      // Skip comment and blank lines inside the continuation.
      let found = false;
      while (li < lineCount) {
        const f = firstNonWs(text, LS[li], LE[li]);
        if (f === LE[li]) {
          li++;
          continue;
        }
        if (text.charCodeAt(f) === 35) {
          if (innerComments === NO_RANGES) innerComments = [];
          innerComments.push([LS[li], LE[li]]);
          li++;
          continue;
        }
        found = true;
        break;
      }
      if (!found) {
        // File ends inside a continuation: the instruction ends at the last line we consumed.
        lastLine = li > 0 ? li - 1 : cur;
        break;
      }
      cur = li;
      segStart = LS[cur];
      lastLine = cur;
      li++;
    }
    if (LE[lastLine] < LE[cur]) lastLine = cur;
    const logicalEnd = segments[segments.length - 1][1];
    // One-line instructions read through one reused view: none of the readers below keeps it.
    const logical = segments.length === 1 ? lexSliceView.reset(text, segments[0][0], segments[0][1]) : new SegmentView(text, segments);
    // The keyword is the first word of the joined line (BuildKit splits the whole logical line
    // at its first run of whitespace): a line holding only the escape character before it is
    // part of the instruction, and `RUN\` + `echo` reads as the keyword `RUNecho`.
    const t = logical.text;
    let a = 0;
    while (a < t.length && isWs(t.charCodeAt(a))) a++;
    let b = a;
    while (b < t.length && !isWs(t.charCodeAt(b))) b++;
    const written = t.slice(a, b);
    const up = isUpperAscii(written) ? written : written.toUpperCase();
    // Known keywords as the one interned string each: the Set lookups and comparisons of
    // `upper` everywhere downstream then match at once instead of hashing a new slice.
    const upper = CANONICAL_KEYWORDS.get(up) ?? up;
    const keyword = written === upper ? upper : written;
    const keywordStart = b > a ? logical.at(a) : first;
    const kwEnd = b > a ? logical.at(b - 1) + 1 : first;
    const node: InstructionNode = {
      type: 'instruction',
      keyword,
      upper,
      keywordStart,
      keywordEnd: kwEnd,
      start: LS[line],
      end: LE[lastLine],
      next: LN[lastLine],
      logicalEnd,
      flags: NO_FLAGS,
      argsStart: logicalEnd,
      flagsInsert: kwEnd,
      heredocs: NO_HEREDOCS,
      json: null,
      innerComments,
      segments,
    };
    analyseArguments(node, logical, esc, fail);
    checkArguments(node, logical, esc, fail);

    if ((HEREDOC_INSTRUCTIONS.has(upper) || upper === 'ONBUILD') && logical.text.includes('<<') && canHoldHeredoc(node, logical)) {
      const markers = findHeredocMarkers(logical, node.argsStart);
      for (const mk of markers) {
        const bodyStart = li < lineCount ? LS[li] : text.length;
        let terminated = false;
        let bodyEnd = bodyStart;
        let termStart = -1;
        let termEnd = -1;
        while (li < lineCount) {
          const l = li;
          let s = LS[l];
          if (mk.stripTabs) while (s < LE[l] && text.charCodeAt(s) === 9) s++;
          li++;
          if (LE[l] - s === mk.name.length && text.startsWith(mk.name, s)) {
            terminated = true;
            termStart = LS[l];
            termEnd = LE[l];
            node.end = LE[l];
            node.next = LN[l];
            break;
          }
          bodyEnd = LE[l];
          node.end = LE[l];
          node.next = LN[l];
        }
        if (!terminated) {
          fail(`unterminated heredoc <<${mk.name}: no line "${mk.name}" closes it`, mk.markerStart);
        }
        if (node.heredocs === NO_HEREDOCS) node.heredocs = [];
        node.heredocs.push({
          name: mk.name,
          stripTabs: mk.stripTabs,
          quoted: mk.quoted,
          markerStart: mk.markerStart,
          markerEnd: mk.markerEnd,
          bodyStart,
          bodyEnd: Math.max(bodyStart, bodyEnd),
          terminatorStart: termStart,
          terminatorEnd: termEnd,
        });
      }
    }
    nodes.push(node);
  }
  return { nodes, directives, escape };
}


/**
 * Offset maps are carved out of shared buffers: a fresh small Int32Array per instruction costs
 * an off-heap allocation each (slow, and it pressures the GC); views on a pooled buffer do not.
 */
const POOL_BYTES = 1 << 18;
let pool = new ArrayBuffer(POOL_BYTES);
let poolUsed = 0;

function allocMap(length: number): Int32Array {
  const bytes = length * 4;
  if (bytes > POOL_BYTES / 4) return new Int32Array(length);
  if (poolUsed + bytes > POOL_BYTES) {
    pool = new ArrayBuffer(POOL_BYTES);
    poolUsed = 0;
  }
  const view = new Int32Array(pool, poolUsed, length);
  poolUsed += bytes;
  return view;
}

function buildLogical(text: string, segments: Array<[number, number]>): Logical {
  let len = 0;
  for (const [s, e] of segments) len += e - s;
  const map = allocMap(len + 1);
  let k = 0;
  for (const [s, e] of segments) {
    for (let i = s; i < e; i++) map[k++] = i;
  }
  map[len] = segments[segments.length - 1][1];
  const out = segments.length === 1 ? text.slice(segments[0][0], segments[0][1]) : segments.map(([s, e]) => text.slice(s, e)).join('');
  return { text: out, map };
}

/**
 * A logical line without a per-character offset map: its text, the source offset of a
 * character (`at`) and the first character at or after a source offset (`index`), answered
 * from the segments. What the lexer and the document's word/command views need; cheaper to
 * build than `logicalLine` (which materialises the map for API users).
 */
export interface LogicalView {
  text: string;
  at(i: number): number;
  index(offset: number): number;
}

class SegmentView implements LogicalView {
  readonly text: string;
  /** starts[k]: index in `text` of segment k's first character; starts[n] = text.length. */
  private readonly starts: number[];
  /** Segment of the last lookup: lookups mostly move forward, so they are O(1) amortised. */
  private seg = 0;

  constructor(
    source: string,
    private readonly segments: ReadonlyArray<readonly [number, number]>,
  ) {
    const n = segments.length;
    const parts = new Array<string>(n);
    const starts = new Array<number>(n + 1);
    let k = 0;
    for (let g = 0; g < n; g++) {
      const [s, e] = segments[g];
      starts[g] = k;
      parts[g] = source.slice(s, e);
      k += e - s;
    }
    starts[n] = k;
    this.starts = starts;
    this.text = parts.join('');
  }

  at(i: number): number {
    const { starts, segments } = this;
    const n = segments.length;
    if (i >= starts[n]) return segments[n - 1][1];
    let g = this.seg;
    while (g > 0 && i < starts[g]) g--;
    // Skip empty segments and those that end before i.
    while (g < n - 1 && i >= starts[g + 1]) g++;
    this.seg = g;
    return segments[g][0] + (i - starts[g]);
  }

  index(offset: number): number {
    const { starts, segments } = this;
    for (let g = 0; g < segments.length; g++) {
      const [s, e] = segments[g];
      if (offset < e) return offset <= s ? starts[g] : starts[g] + (offset - s);
    }
    return starts[segments.length];
  }
}

/** The logical line of a one-segment instruction: a slice of the source. */
class SliceView implements LogicalView {
  text: string;
  private s: number;
  private e: number;
  constructor(source: string, s: number, e: number) {
    this.text = source.slice(s, e);
    this.s = s;
    this.e = e;
  }

  /** Point this view at another slice (the lexer's own view, reused from one instruction to the next). */
  reset(source: string, s: number, e: number): this {
    this.text = source.slice(s, e);
    this.s = s;
    this.e = e;
    return this;
  }

  at(i: number): number {
    return i >= this.e - this.s ? this.e : this.s + i;
  }

  index(offset: number): number {
    return offset <= this.s ? 0 : Math.min(offset, this.e) - this.s;
  }
}

const lexSliceView = new SliceView('', 0, 0);

function scanView(text: string, segments: Array<[number, number]>): LogicalView {
  if (segments.length === 1) return new SliceView(text, segments[0][0], segments[0][1]);
  return new SegmentView(text, segments);
}

/** The logical line of an instruction as a `LogicalView` (no per-character map). */
export function logicalView(text: string, node: InstructionNode): LogicalView {
  return scanView(text, node.segments);
}

/** The logical line of an instruction (keyword included), continuation markers removed. */
export function logicalLine(text: string, node: InstructionNode): Logical {
  return buildLogical(text, node.segments);
}

type Fail = (message: string, offset: number) => never;

/**
 * BuildKit's canContainHeredoc: RUN, COPY and ADD in shell form, also as an ONBUILD trigger
 * (`ONBUILD RUN <<EOF` reads its body like `RUN <<EOF`).
 */
function canHoldHeredoc(node: InstructionNode, logical: LogicalView): boolean {
  if (HEREDOC_INSTRUCTIONS.has(node.upper)) return node.json === null;
  if (node.upper !== 'ONBUILD') return false;
  const t = logical.text;
  let i = logical.index(node.argsStart);
  const k = i;
  while (i < t.length && !isWs(t.charCodeAt(i))) i++;
  if (!HEREDOC_INSTRUCTIONS.has(t.slice(k, i).toUpperCase())) return false;
  while (i < t.length && isWs(t.charCodeAt(i))) i++;
  // Exec form (a JSON array of strings) takes no heredoc; flags may come first.
  while (t.startsWith('--', i)) {
    while (i < t.length && !isWs(t.charCodeAt(i))) i++;
    while (i < t.length && isWs(t.charCodeAt(i))) i++;
  }
  if (t.charCodeAt(i) === 91) {
    try {
      const v: unknown = JSON.parse(t.slice(i).trimEnd());
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return false;
    } catch {
      // shell form
    }
  }
  return true;
}

function analyseArguments(node: InstructionNode, logical: LogicalView, esc: number, fail: Fail): void {
  const t = logical.text;
  const n = t.length;
  // The first character at or after the keyword's end (the first segment may be empty when a
  // line holds only the escape character).
  let i = logical.index(node.keywordEnd);
  while (i < n && isWs(t.charCodeAt(i))) i++;
  // Flags: BuildKit reads `--name[=value]` words after the keyword of every instruction
  // (extractBuilderFlags); its dispatcher then rejects the flags an instruction does not take.
  // A word `--` ends the flags and is not an argument.
  node.flagsInsert = node.keywordEnd;
  while (i + 1 < n && t.charCodeAt(i) === 45 && t.charCodeAt(i + 1) === 45) {
    const ws = i;
    const we = flagWordEnd(t, i, esc);
    const word = t.slice(ws, we);
    i = we;
    if (word === '--') {
      while (i < n && isWs(t.charCodeAt(i))) i++;
      break;
    }
    const eq = word.indexOf('=');
    if (node.flags === NO_FLAGS) node.flags = [];
    node.flags.push({
      name: eq === -1 ? word.slice(2) : word.slice(2, eq),
      value: eq === -1 ? null : unquote(word.slice(eq + 1)),
      start: logical.at(ws),
      end: logical.at(we - 1) + 1,
    });
    node.flagsInsert = logical.at(we - 1) + 1;
    while (i < n && isWs(t.charCodeAt(i))) i++;
  }
  node.argsStart = i < n ? logical.at(i) : node.logicalEnd;
  let j = i;
  if (node.upper === 'HEALTHCHECK') {
    // HEALTHCHECK <type> <command>: the command may be exec form.
    while (j < n && !isWs(t.charCodeAt(j))) j++;
    while (j < n && isWs(t.charCodeAt(j))) j++;
  }
  if ((JSON_INSTRUCTIONS.has(node.upper) || node.upper === 'HEALTHCHECK') && t.charCodeAt(j) === 91 /* [ */) {
    const simple = simpleStringArray(t, j);
    if (simple !== undefined) {
      if (node.upper !== 'HEALTHCHECK') node.json = simple;
      return;
    }
    const rest = t.slice(j).trimEnd();
    if (rest.endsWith(']')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(rest);
      } catch {
        // Not JSON: shell form that starts with '['.
      }
      if (Array.isArray(parsed)) {
        if (!parsed.every((x) => typeof x === 'string')) fail('when using JSON array syntax, arrays must be comprised of strings only', logical.at(j));
        if (node.upper !== 'HEALTHCHECK') node.json = parsed as string[];
      }
    }
  }
}

/**
 * `JSON.parse(t.slice(j).trimEnd())` for the common exec form, read without the parser: an
 * array of strings with no escape sequence or control character in them, JSON whitespace around
 * the tokens, nothing after `]` but whitespace. Anything else (escapes, other values, a syntax
 * error, other trailing text): undefined, and the caller asks JSON.parse.
 */
function simpleStringArray(t: string, j: number): string[] | undefined {
  const n = t.length;
  const out: string[] = [];
  let i = skipJsonWs(t, j + 1);
  if (t.charCodeAt(i) === 93 /* ] */) {
    i++;
  } else {
    for (;;) {
      if (t.charCodeAt(i) !== 34 /* " */) return undefined;
      const s = ++i;
      for (;;) {
        if (i >= n) return undefined;
        const c = t.charCodeAt(i);
        if (c === 34) break;
        if (c === 92 || c < 32) return undefined;
        i++;
      }
      out.push(t.slice(s, i));
      i = skipJsonWs(t, i + 1);
      const c = t.charCodeAt(i);
      if (c === 93) {
        i++;
        break;
      }
      if (c !== 44 /* , */) return undefined;
      i = skipJsonWs(t, i + 1);
    }
  }
  // Only whitespace may follow (trimEnd's whitespace, which JSON's includes only in part).
  return skipJsonWs(t, i) === n ? out : undefined;
}

function skipJsonWs(t: string, i: number): number {
  for (let c = t.charCodeAt(i); c === 32 || c === 9 || c === 10 || c === 13; c = t.charCodeAt(i)) i++;
  return i;
}

/**
 * End of a flag word as BuildKit's extractBuilderFlags reads it: whitespace outside quotes ends
 * it; the escape character takes the next character literally, also inside quotes.
 */
function flagWordEnd(t: string, i: number, esc: number): number {
  const n = t.length;
  let q = 0;
  while (i < n) {
    const c = t.charCodeAt(i);
    if (c === esc) i++;
    else if (q) {
      if (c === q) q = 0;
    } else if (c === 34 || c === 39) q = c;
    else if (isWs(c)) break;
    i++;
  }
  return Math.min(i, n);
}

/**
 * BuildKit's parseWords (parser/line_parsers.go): the words of ENV/LABEL/ARG arguments, split
 * at whitespace outside quotes, quotes and escape characters kept as written. The escape
 * character takes the next character into the word (not inside single quotes).
 */
export function buildkitWords(rest: string, escape = '\\'): string[] {
  const words: string[] = [];
  forEachBuildkitWord(rest, escape.charCodeAt(0), (s, e) => {
    words.push(rest.slice(s, e));
  });
  return words;
}

/**
 * The [start, end) of each of BuildKit's parseWords words in `rest`. parseWords copies every
 * character of a word but an escape character that ends the input, so a word is a slice.
 */
function forEachBuildkitWord(rest: string, esc: number, word: (start: number, end: number) => void): void {
  const n = rest.length;
  let start = -1;
  let blankOK = false;
  let quote = 0;
  const flush = (end: number): void => {
    if (blankOK || end > start) word(start, end);
    start = -1;
    blankOK = false;
  };
  for (let i = 0; i < n; i++) {
    const c = rest.charCodeAt(i);
    if (start === -1) {
      if (isSpace(c)) continue;
      start = i;
    }
    if (quote) {
      if (c === quote) quote = 0;
      else if (c === esc && quote !== 39) {
        if (i + 1 === n) {
          flush(i);
          return;
        }
        i++;
      }
      continue;
    }
    if (isSpace(c)) {
      flush(i);
      continue;
    }
    if (c === 39 || c === 34) {
      quote = c;
      blankOK = true;
    } else if (c === esc) {
      if (i + 1 === n) {
        flush(i);
        return;
      }
      i++;
    }
  }
  if (start !== -1) flush(n);
}

/** Go's unicode.IsSpace for the characters that occur in Dockerfiles. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** Template placeholders of the tools that generate Dockerfiles: Go/Jinja `{{ }}`, Jinja `{% %}`, `%%NAME%%`. */
const TEMPLATE_RE = /\{\{.*?\}\}|\{%.*?%\}|%%[A-Za-z_][A-Za-z0-9_]*%%/;
const TEMPLATE_OPENER = /\{\{|\{%|%%/;
/** In shell text only Jinja statements count: `{{.Field}}` there may be a program's own template. */
const SHELL_TEMPLATE_RE = /\{%-?[ \t].*?%\}/;

/** ENV/LABEL arguments BuildKit's parser rejects (parseNameVal). */
function checkArguments(node: InstructionNode, logical: LogicalView, esc: number, fail: Fail): void {
  if (node.upper !== 'ENV' && node.upper !== 'LABEL') return;
  const rest = logical.text.slice(logical.index(node.argsStart)).trim();
  let count = 0;
  let legacy = false;
  let bad: string | null = null;
  forEachBuildkitWord(rest, esc, (s, e) => {
    const eq = rest.indexOf('=', s);
    const hasEq = eq !== -1 && eq < e;
    if (count++ === 0) legacy = !hasEq;
    else if (!legacy && !hasEq && bad === null) bad = rest.slice(s, e);
  });
  if (count === 0) return;
  // Legacy `ENV name value`: the value is the rest of the line.
  if (legacy && !/[\t\v\f\r ]/.test(rest)) fail(`${node.upper} must have two arguments`, node.keywordStart);
  if (bad !== null) fail(`Syntax error - can't find = in ${JSON.stringify(bad)}. Must be of the form: name=value`, node.keywordStart);
}

/**
 * What makes a parsed file no Dockerfile: an instruction keyword BuildKit's dispatcher does not
 * know (it fails the build with "unknown instruction: X", whichever stage the line is in), or
 * template placeholders on an instruction line (`{{ }}`, `{% %}`, `%%NAME%%`; in shell text
 * only `{% %}`, since `{{.Field}}` there is often a program's own Go template). A template is
 * not a Dockerfile: rewriting it would put text on its control lines. Throws `InputError` at
 * the first such instruction. The lexer itself accepts any keyword, as BuildKit's parser does.
 */
export function assertDockerfile(text: string, result: LexResult): void {
  // One scan of the whole text: most files hold no template opener at all.
  const mayHoldTemplate = TEMPLATE_OPENER.test(text);
  for (const node of result.nodes) {
    if (node.type !== 'instruction') continue;
    if (!mayHoldTemplate && INSTRUCTIONS.has(node.keyword.toLowerCase())) continue;
    const problem = nonDockerfileProblem(text, node);
    if (problem) {
      const pos = new LineIndex(text).position(problem.offset);
      throw new InputError(problem.message, pos.line, pos.column);
    }
  }
}

function nonDockerfileProblem(text: string, node: InstructionNode): { message: string; offset: number } | null {
  const known = INSTRUCTIONS.has(node.keyword.toLowerCase());
  const maybeTemplate = TEMPLATE_OPENER.test(text.slice(node.keywordStart, node.logicalEnd));
  if (known && !maybeTemplate) return null;
  const logical = scanView(text, node.segments);
  const template = maybeTemplate ? (SHELL_INSTRUCTIONS.has(node.upper) ? SHELL_TEMPLATE_RE : TEMPLATE_RE).exec(logical.text) : null;
  if (!known) {
    const looksTemplate = template !== null || /^(\{\{|\{%|\{#|%%)/.test(node.keyword);
    return { message: `unknown instruction: ${node.keyword}${looksTemplate ? ' (template syntax: this file is a template, not a Dockerfile)' : ''}`, offset: node.keywordStart };
  }
  if (template) return { message: `template syntax ${JSON.stringify(template[0])} in ${node.upper}: this file is a template, not a Dockerfile`, offset: logical.at(template.index) };
  return null;
}

function unquote(s: string): string {
  if (s.length >= 2 && (s[0] === '"' || s[0] === "'") && s[s.length - 1] === s[0]) return s.slice(1, -1);
  return s;
}

interface Marker {
  name: string;
  stripTabs: boolean;
  quoted: boolean;
  markerStart: number;
  markerEnd: number;
}

function findHeredocMarkers(logical: LogicalView, argsStart: number): Marker[] {
  const t = logical.text;
  const out: Marker[] = [];
  let i = logical.index(argsStart);
  let q = 0;
  for (; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (q) {
      if (c === q) q = 0;
      else if (c === 92 && q === 34) i++;
      continue;
    }
    if (c === 92) {
      i++;
      continue;
    }
    if (c === 34 || c === 39) {
      q = c;
      continue;
    }
    if (c !== 60 || t.charCodeAt(i + 1) !== 60) continue;
    if (t.charCodeAt(i + 2) === 60) {
      // `<<<` is a here-string.
      while (t.charCodeAt(i + 1) === 60) i++;
      continue;
    }
    // BuildKit takes a word for a heredoc when it matches ^\d*<<-?[^<]*$: only digits (a file
    // descriptor) may come before the marker in its word; `cmd<<EOF` is not one.
    let w = i;
    while (w > 0 && t.charCodeAt(w - 1) >= 48 && t.charCodeAt(w - 1) <= 57) w--;
    if (w > 0 && !isWs(t.charCodeAt(w - 1))) continue;
    let j = i + 2;
    let stripTabs = false;
    if (t.charCodeAt(j) === 45) {
      stripTabs = true;
      j++;
    }
    let quoted = false;
    let name = '';
    const qc = t.charCodeAt(j);
    if (qc === 34 || qc === 39) {
      const close = t.indexOf(t[j], j + 1);
      if (close === -1) continue;
      name = t.slice(j + 1, close);
      quoted = true;
      j = close + 1;
    } else {
      const s = j;
      while (j < t.length && /[A-Za-z0-9_.-]/.test(t[j])) j++;
      name = t.slice(s, j);
    }
    if (!name || !/^[A-Za-z0-9_.-]+$/.test(name)) continue;
    out.push({ name, stripTabs, quoted, markerStart: logical.at(i), markerEnd: logical.at(j - 1) + 1 });
    i = j - 1;
  }
  return out;
}
