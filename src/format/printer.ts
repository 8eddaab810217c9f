/**
 * The default printer: prints lexer nodes in dockerfix style. It changes only layout that
 * BuildKit ignores (see `scan.ts` for what is "free" whitespace):
 * - keywords of known instructions in upper case, the line's leading whitespace removed;
 * - one space between keyword, flags and arguments;
 * - continuation lines indented by `indent`, ending in ` \` (the file's escape character) where
 *   the joint sits in free whitespace; joints inside quotes or inside a word stay as written;
 * - exec-form arrays on one line printed `["a", "b"]` with every string as written;
 * - ENV/LABEL with several key=value pairs: one pair per line;
 * - runs of blank lines collapsed to one, trailing blank lines and trailing whitespace removed.
 * Kept as written: comments (trailing whitespace removed), directives, heredoc bodies, unknown
 * instructions, and instructions after `# dockerfix-ignore` / `# prettier-ignore`, and whole
 * `# dockerfix-ignore-start` ... `# dockerfix-ignore-end` regions.
 */
import type { InstructionNode, Node } from '../core/lexer.js';
import { KNOWN_INSTRUCTIONS, buildLogicalLine, freeWords, isBlank, jsonStrings, trimmedEnd, type LogicalLine } from './scan.js';

export interface PrintOptions {
  /** Indentation of continuation lines (spaces or a tab). */
  indent: string;
  eol: string;
}

export interface PrintInput {
  text: string;
  nodes: Node[];
  escape: string;
  /**
   * When given, the printer stores each instruction's logical line here (by node index), for
   * the semantic dump of the same input (src/format/index.ts) to reuse.
   */
  lines?: Array<LogicalLine | undefined>;
}

export type Printer = (input: PrintInput, options: PrintOptions) => string;

const IGNORE_NEXT = /^#\s*(dockerfix|prettier)-ignore\s*$/;
const IGNORE_START = /^#\s*dockerfix-ignore-start\s*$/;
const IGNORE_END = /^#\s*dockerfix-ignore-end\s*$/;

export const printDockerfile: Printer = ({ text, nodes, escape, lines: logicalLines }, options) => {
  // The output's pieces, each line followed by its line break, joined once at the end: one flat
  // string (which the guard lexes again) without joining each instruction's lines first.
  const parts: string[] = [];
  const eol = options.eol;
  let pendingBlank = false;
  let ignoreNext = false;
  let inRegion = false;
  const verbatim = (n: Node): void => {
    parts.push(text.slice(n.start, n.end), eol);
  };
  for (let ni = 0; ni < nodes.length; ni++) {
    const node = nodes[ni];
    if (inRegion) {
      verbatim(node);
      if (node.type === 'comment' && IGNORE_END.test(text.slice(node.start, node.end).trim())) inRegion = false;
      continue;
    }
    if (node.type === 'blank') {
      pendingBlank = true;
      continue;
    }
    if (pendingBlank) parts.push(eol);
    pendingBlank = false;
    if (node.type === 'comment' || node.type === 'directive') {
      let e = node.end;
      while (e > node.start && isBlank(text.charCodeAt(e - 1))) e--;
      const line = text.slice(node.start, e);
      parts.push(line, eol);
      // Both pragmas hold `-ignore`: most comments are passed over without a regular expression.
      if (node.type === 'comment' && line.includes('-ignore')) {
        const t = line.trim();
        if (IGNORE_NEXT.test(t)) ignoreNext = true;
        if (IGNORE_START.test(t)) inRegion = true;
      }
      continue;
    }
    if (ignoreNext) {
      ignoreNext = false;
      verbatim(node);
      continue;
    }
    printInstruction(text, node, escape, options, logicalLines, ni, parts);
  }
  // Concatenated, not join()ed: V8 joins an array of many sliced strings slower than it
  // concatenates them and flattens the result once (on the guard's first read).
  let out = '';
  for (let i = 0; i < parts.length; i++) out += parts[i];
  return out;
};

function lineEndAt(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  if (nl === -1) return text.length;
  return nl > 0 && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
}

const FLAG_TAKERS = new Set(['FROM', 'RUN', 'COPY', 'ADD', 'HEALTHCHECK']);

/** Pushes the printed instruction's pieces to `parts`, its last line followed by `o.eol`. */
function printInstruction(
  text: string,
  node: InstructionNode,
  escape: string,
  o: PrintOptions,
  logicalLines: Array<LogicalLine | undefined> | undefined,
  index: number,
  parts: string[],
): void {
  const asWritten = (): void => {
    parts.push(text.slice(node.start, node.end), o.eol);
  };
  if (!KNOWN_INSTRUCTIONS.has(node.upper)) return asWritten();
  // A one-line instruction already in style prints as written: keyword in upper case at the
  // start of the line, single spaces only (a gap of one space is printed as one space, and
  // only whitespace can change), no trailing blank; an exec-form array already printed
  // `["a", "b"]` (it is reprinted so), no heredoc; ENV/LABEL only with one word (no blank in
  // the arguments: pairs go one a line).
  if (
    node.segments.length === 1 &&
    node.heredocs.length === 0 &&
    (node.json === null || canonicalArray(text, node.argsStart, node.end)) &&
    node.start === node.keywordStart &&
    node.keyword === node.upper &&
    ((node.upper !== 'ENV' && node.upper !== 'LABEL') || !hasBlank(text, node.argsStart, node.end)) &&
    singleSpaced(text, node.start, node.end)
  ) {
    return asWritten();
  }
  // Flags on an instruction that takes none (`CMD --x [...]`): BuildKit reads them, then refuses
  // the instruction ("unknown flag"); printed as written.
  if (node.flags.length > 0 && !FLAG_TAKERS.has(node.upper)) return asWritten();
  const logicalLineEnd = lineEndAt(text, node.logicalEnd);
  // A continuation that runs into the end of the file: print as written.
  if (node.heredocs.length === 0 && node.end !== logicalLineEnd) return asWritten();
  if (node.logicalEnd !== logicalLineEnd && text.slice(node.logicalEnd, logicalLineEnd).trim() !== '') return asWritten();

  const l = buildLogicalLine(text, node, escape);
  if (logicalLines) logicalLines[index] = l;
  const body = node.heredocs.length > 0 ? text.slice(logicalLineEnd, node.end) : '';
  const keyword = node.upper;

  // ENV / LABEL with several pairs: one pair per line.
  if ((keyword === 'ENV' || keyword === 'LABEL') && l.cls === 'words' && node.innerComments.length === 0) {
    const words = freeWords(l, l.argsIdx, trimmedEnd(l.text, l.argsIdx));
    if (words.length >= 2) {
      parts.push(`${keyword} ` + words.join(` ${escape}${o.eol}${o.indent}`), o.eol);
      return;
    }
  }

  const segs = l.segs;
  const n = segs.length - 1;
  const free = l.free;
  // Joint k sits between segment k and k+1.
  const jointFree = new Array<boolean>(n);
  for (let k = 0; k < n; k++) {
    const j = segs[k][1];
    jointFree[k] = (j > 0 && free[j - 1] === 1) || (j < l.text.length && free[j] === 1);
  }
  // Header gaps (keyword | flags | args) to print as one space.
  const gaps: Array<[number, number]> = [];
  let prev = l.kwLen;
  for (let f = 0; f <= l.flags.length; f++) {
    const s = f < l.flags.length ? l.flags[f][0] : l.argsIdx;
    if (s > prev && allFree(l, prev, s)) gaps.push([prev, s]);
    prev = f < l.flags.length ? l.flags[f][1] : l.argsIdx;
  }
  // Word-split instructions (FROM, COPY, ENV a=b, ...): one space between arguments too.
  if (l.cls === 'words') {
    for (let i = l.argsIdx; i < l.text.length; i++) {
      if (!free[i]) continue;
      const a = i;
      while (i < l.text.length && free[i]) i++;
      if (i - a > 1 || l.text[a] !== ' ') gaps.push([a, i]);
    }
  }
  // Exec form on the last physical line: reprint the array.
  let jsonFrom = -1;
  if (node.json !== null && segs[n][0] <= l.argsIdx) jsonFrom = l.argsIdx;

  const segText = new Array<string>(n + 1);
  for (let k = 0; k <= n; k++) {
    let lo = segs[k][0];
    let hi = segs[k][1];
    if (k > 0 && jointFree[k - 1]) while (lo < hi && free[lo]) lo++;
    if (k < n && jointFree[k]) while (hi > lo && free[hi - 1]) hi--;
    if (k === n) while (hi > lo && isBlank(l.text.charCodeAt(hi - 1))) hi--;
    let s = '';
    let i = lo;
    if (k === 0) {
      s = keyword;
      i = l.kwLen;
    }
    for (const [a, b] of gaps) {
      if (a < i || b > hi) continue;
      s += l.text.slice(i, a) + ' ';
      i = b;
    }
    if (jsonFrom >= 0 && k === n && jsonFrom >= i) {
      s += l.text.slice(i, jsonFrom) + '[' + jsonStrings(l.text, jsonFrom).join(', ') + ']';
    } else s += l.text.slice(i, hi);
    segText[k] = s;
  }

  // One physical line: the printed segment is the line.
  if (n === 0) {
    if (body) parts.push(segText[0], body, o.eol);
    else parts.push(segText[0], o.eol);
    return;
  }

  // Continuation lines keep their indentation relative to the least indented one, so nested
  // lists stay nested: the least indented continuation line gets `indent`.
  let base = Infinity;
  for (let k = 1; k <= n; k++) if (jointFree[k - 1] && segText[k].length > 0) base = Math.min(base, leadWidth(text, node.segments[k][0]));
  if (base === Infinity) base = 0;
  // A continuation line's indentation, with the line break before it when `brk`.
  const indentFor = (w: number, brk: boolean): string => indentString(o, Math.max(0, w - base), brk);
  const spaceEscape = ' ' + escape;

  // Walk the physical lines of the logical part: segments, inner comments, blank lines. Each
  // line but the last is followed by the line break; the last by the heredoc bodies, if any.
  let k = 0;
  let pos = node.start;
  let lines = 0;
  while (pos <= logicalLineEnd && k <= n) {
    const brk = lines++ > 0;
    const le = lineEndAt(text, pos);
    const segStart = node.segments[k][0];
    if (segStart >= pos && segStart <= le) {
      if (k > 0 && jointFree[k - 1]) parts.push(indentFor(leadWidth(text, pos), brk));
      else if (brk) parts.push(o.eol);
      parts.push(segText[k]);
      if (k < n) parts.push(jointFree[k] && segText[k].length > 0 ? spaceEscape : escape);
      k++;
    } else {
      const content = text.slice(pos, le).trim();
      // A comment between continuation lines is indented like the line it precedes.
      // (kept as written when that line is).
      if (content === '') {
        if (brk) parts.push(o.eol);
      } else if (jointFree[k - 1] && segText[k].length > 0) parts.push(indentFor(leadWidth(text, node.segments[k][0]), brk), content);
      else {
        if (brk) parts.push(o.eol);
        parts.push(text.slice(pos, le).trimEnd());
      }
    }
    const nl = text.indexOf('\n', le);
    if (nl === -1) break;
    pos = nl + 1;
  }
  if (body) parts.push(body);
  parts.push(o.eol);
}

/**
 * `o.indent` and then `rel` columns more (tabs where the indent is a tab), after `o.eol` when
 * `brk`; the common ones cached (for the last indent and line break seen).
 */
let cacheIndent = '';
let cacheEol = '';
let indentCache: string[] = [];
let breakIndentCache: string[] = [];
function indentString(o: PrintOptions, rel: number, brk: boolean): string {
  if (o.indent !== cacheIndent || o.eol !== cacheEol) {
    cacheIndent = o.indent;
    cacheEol = o.eol;
    indentCache = [];
    breakIndentCache = [];
  }
  const cache = brk ? breakIndentCache : indentCache;
  if (rel < 64) {
    const known = cache[rel];
    if (known !== undefined) return known;
  }
  const indent = o.indent + (o.indent === '\t' ? '\t'.repeat(Math.floor(rel / TAB)) + ' '.repeat(rel % TAB) : ' '.repeat(rel));
  const s = brk ? o.eol + indent : indent;
  if (rel < 64) cache[rel] = s;
  return s;
}

const TAB = 4;

/** Width in columns of the leading blanks of the line starting at `start` (tab stops every 4). */
function leadWidth(text: string, start: number): number {
  let w = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32) w++;
    else if (c === 9) w = (Math.floor(w / TAB) + 1) * TAB;
    else break;
  }
  return w;
}

/**
 * Whether text[start, end) is a JSON array of strings exactly as the printer writes one: `[`,
 * the strings separated by `, `, `]` (each string as `jsonStrings` reads it).
 */
function canonicalArray(text: string, start: number, end: number): boolean {
  if (text.charCodeAt(start) !== 91 /* [ */) return false;
  let i = start + 1;
  if (text.charCodeAt(i) === 93 /* ] */) return i + 1 === end;
  for (;;) {
    if (i >= end || text.charCodeAt(i) !== 34 /* " */) return false;
    i++;
    while (i < end && text.charCodeAt(i) !== 34) i += text.charCodeAt(i) === 92 ? 2 : 1;
    if (i >= end) return false;
    i++;
    const c = text.charCodeAt(i);
    if (c === 93) return i + 1 === end;
    if (c !== 44 /* , */ || text.charCodeAt(i + 1) !== 32) return false;
    i += 2;
  }
}

function hasBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (isBlank(text.charCodeAt(i))) return true;
  return false;
}

/** No tab, no two spaces in a row and no trailing space in text[start, end). */
function singleSpaced(text: string, start: number, end: number): boolean {
  let prev = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 9 || (c === 32 && prev === 32)) return false;
    prev = c;
  }
  return prev !== 32;
}

function allFree(l: LogicalLine, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!l.free[i]) return false;
  return true;
}
