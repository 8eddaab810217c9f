/**
 * The semantic dump: what a Dockerfile means to BuildKit, with layout removed. Two files with
 * equal dumps build the same. The formatter compares the dump of its input and its output and
 * refuses to change a file when they differ.
 *
 * Per instruction: the upper-case keyword, each flag as written, the argument words as BuildKit
 * (or the shell) sees them after joining continuation lines (whitespace between words dropped,
 * every other character kept), the raw strings of an exec-form array, and each heredoc's
 * delimiter, kind and exact body. Also the parser directives and the text of every comment (not
 * semantic, but the formatter promises to keep them).
 */
import { lex, type InstructionNode, type Node } from '../core/lexer.js';
import { tokenize } from '../core/shell.js';
import { buildLogicalLine, freeWords, jsonStrings, trimmedEnd, type LogicalLine } from './scan.js';

export interface DumpItem {
  kind: 'directive' | 'comment' | 'instruction';
  keyword?: string;
  flags?: string[];
  args?: string[];
  json?: string[];
  heredocs?: Array<{ name: string; stripTabs: boolean; quoted: boolean; body: string }>;
  text?: string;
}

/**
 * `strict` (the formatter's guard): argument words as written, comments included; any change
 * but layout shows. `build`: only what the build sees, for comparing other formatters fairly:
 * no comments, quotes removed from words, shell text compared as shell commands (so `a&&b` equals
 * `a && b`), exec-form strings as parsed JSON, `ENV k v` equal to `ENV k=v`, FROM's `AS` in any case.
 */
export type DumpLevel = 'strict' | 'build';

/** @throws InputError when the text does not lex. */
export function semanticDump(text: string, level: DumpLevel = 'strict'): DumpItem[] {
  const r = lex(text);
  return dumpNodes(text, r.nodes, r.escape, level);
}

export interface DumpReuse {
  /** Logical lines already built for these nodes (by node index; see PrintInput.lines). */
  lines?: ReadonlyArray<LogicalLine | undefined>;
  /** Store the items of each instruction under its source text. */
  record?: Map<string, DumpItem[]>;
  /**
   * Items recorded for another text lexed with the same escape character: an instruction whose
   * source text is the same has the same items (lexing an instruction reads only its own text,
   * from its first line to its end, heredoc bodies included), so they are taken as they are.
   */
  reuse?: ReadonlyMap<string, DumpItem[]>;
}

export function dumpNodes(text: string, nodes: Node[], escape: string, level: DumpLevel = 'strict', given: DumpReuse = {}): DumpItem[] {
  if (level === 'build') return buildDump(text, nodes, escape);
  const { lines, record, reuse } = given;
  const out: DumpItem[] = [];
  for (let ni = 0; ni < nodes.length; ni++) {
    const node = nodes[ni];
    if (node.type === 'blank') continue;
    if (node.type === 'directive') {
      out.push({ kind: 'directive', text: `${node.directive.name}=${node.directive.value}` });
      continue;
    }
    if (node.type === 'comment') {
      out.push({ kind: 'comment', text: text.slice(node.start, node.end).trim() });
      continue;
    }
    const source = record || reuse ? text.slice(node.start, node.end) : '';
    const known = reuse?.get(source);
    if (known) {
      for (const item of known) out.push(item);
      continue;
    }
    const first = out.length;
    const l = lines?.[ni] ?? buildLogicalLine(text, node, escape);
    for (const [s, e] of node.innerComments) out.push({ kind: 'comment', text: text.slice(s, e).trim() });
    out.push(instructionItem(text, node, l));
    if (record && !record.has(source)) record.set(source, out.slice(first));
  }
  return out;
}

function instructionItem(text: string, node: InstructionNode, l: LogicalLine): DumpItem {
  const end = trimmedEnd(l.text, l.argsIdx);
  return {
    kind: 'instruction',
    keyword: node.upper,
    flags: l.flags.length === 0 ? [] : l.flags.map(([s, e]) => l.text.slice(s, e)),
    ...(node.json !== null ? { json: jsonStrings(l.text, l.argsIdx) } : { args: freeWords(l, l.argsIdx, end) }),
    heredocs: node.heredocs.length === 0 ? [] : node.heredocs.map((h) => ({ name: h.name, stripTabs: h.stripTabs, quoted: h.quoted, body: text.slice(h.bodyStart, h.bodyEnd) })),
  };
}

/** One side of `sameDump`: a lexed text and, optionally, logical lines already built for its nodes. */
export interface DumpSide {
  text: string;
  nodes: Node[];
  lines?: ReadonlyArray<LogicalLine | undefined>;
}

/**
 * Whether the strict dumps of two texts lexed with the same escape character are equal:
 * true only when `dumpDifference(dumpNodes(a), dumpNodes(b))` is null. It walks both item
 * sequences in step and builds items only where needed: two instructions whose source text is
 * the same have the same items (lexing an instruction reads only its own text), so a pair of
 * them met at the same place in both sequences is passed over whole. False may also mean "not
 * shown equal" (items are compared with `sameItem`, never more lenient than dumpDifference):
 * the caller then computes the full dumps for the message.
 */
export function sameDump(a: DumpSide, b: DumpSide, escape: string): boolean {
  const x = new ItemCursor(a, escape);
  const y = new ItemCursor(b, escape);
  for (;;) {
    x.skipBlanks();
    y.skipBlanks();
    const xEnd = x.ni >= a.nodes.length;
    const yEnd = y.ni >= b.nodes.length;
    if (xEnd || yEnd) return xEnd && yEnd;
    if (x.sub === 0 && y.sub === 0) {
      const p = a.nodes[x.ni];
      const q = b.nodes[y.ni];
      if (p.type === 'instruction' && q.type === 'instruction' && sameRange(a.text, p.start, p.end, b.text, q.start, q.end)) {
        x.ni++;
        y.ni++;
        continue;
      }
      // Two comments: equal items when their trimmed texts are (no item objects needed).
      if (p.type === 'comment' && q.type === 'comment') {
        if (a.text.slice(p.start, p.end).trim() !== b.text.slice(q.start, q.end).trim()) return false;
        x.ni++;
        y.ni++;
        continue;
      }
    }
    const p = x.next();
    const q = y.next();
    if (p === null || q === null) {
      // An instruction item on one side at least: equal only to an equal instruction item.
      if (p !== q || !sameInstruction(a.text, x.node, x.line, b.text, y.node, y.line)) return false;
    } else if (!sameItem(p, q)) return false;
  }
}

/** sameItem(instructionItem(a...), instructionItem(b...)) without building the items. */
function sameInstruction(ta: string, na: InstructionNode, la: LogicalLine, tb: string, nb: InstructionNode, lb: LogicalLine): boolean {
  if (na.upper !== nb.upper) return false;
  if (la.flags.length !== lb.flags.length) return false;
  for (let i = 0; i < la.flags.length; i++) {
    const [s, e] = la.flags[i];
    const [u, v] = lb.flags[i];
    if (!sameRange(la.text, s, e, lb.text, u, v)) return false;
  }
  if ((na.json === null) !== (nb.json === null)) return false;
  if (na.json !== null) {
    if (!sameList(jsonStrings(la.text, la.argsIdx), jsonStrings(lb.text, lb.argsIdx))) return false;
  } else if (!sameWords(la, la.argsIdx, trimmedEnd(la.text, la.argsIdx), lb, lb.argsIdx, trimmedEnd(lb.text, lb.argsIdx))) return false;
  if (na.heredocs.length !== nb.heredocs.length) return false;
  for (let i = 0; i < na.heredocs.length; i++) {
    const x = na.heredocs[i];
    const y = nb.heredocs[i];
    if (x.name !== y.name || x.stripTabs !== y.stripTabs || x.quoted !== y.quoted || !sameRange(ta, x.bodyStart, x.bodyEnd, tb, y.bodyStart, y.bodyEnd)) return false;
  }
  return true;
}

/** Whether freeWords(a, i, ae) and freeWords(b, j, be) are the same words, without making them. */
function sameWords(a: LogicalLine, i: number, ae: number, b: LogicalLine, j: number, be: number): boolean {
  const fa = a.free;
  const fb = b.free;
  const ta = a.text;
  const tb = b.text;
  for (;;) {
    while (i < ae && fa[i]) i++;
    while (j < be && fb[j]) j++;
    if (i >= ae || j >= be) return i >= ae && j >= be;
    while (i < ae && !fa[i]) {
      if (j >= be || fb[j] || ta.charCodeAt(i) !== tb.charCodeAt(j)) return false;
      i++;
      j++;
    }
    if (j < be && !fb[j]) return false;
  }
}

/** The strict dump's items of one side, one at a time (dumpNodes's order). */
class ItemCursor {
  /** Current node, and the item within it (an instruction's inner comments come first). */
  ni = 0;
  sub = 0;
  constructor(
    private readonly side: DumpSide,
    private readonly escape: string,
  ) {}

  skipBlanks(): void {
    const { nodes } = this.side;
    while (this.sub === 0 && this.ni < nodes.length && nodes[this.ni].type === 'blank') this.ni++;
  }

  /** The instruction and its logical line when `next` returned null. */
  node!: InstructionNode;
  line!: LogicalLine;

  /**
   * The next item; the cursor stands on a node that has one (not blank, not at the end). An
   * instruction's own item is not built: null, with the instruction in `node` and `line`.
   */
  next(): DumpItem | null {
    const { text, nodes, lines } = this.side;
    const node = nodes[this.ni];
    if (node.type === 'directive') {
      this.ni++;
      return { kind: 'directive', text: `${node.directive.name}=${node.directive.value}` };
    }
    if (node.type === 'comment') {
      this.ni++;
      return { kind: 'comment', text: text.slice(node.start, node.end).trim() };
    }
    const inst = node as InstructionNode;
    if (this.sub < inst.innerComments.length) {
      const [s, e] = inst.innerComments[this.sub++];
      return { kind: 'comment', text: text.slice(s, e).trim() };
    }
    this.sub = 0;
    const ni = this.ni++;
    this.node = inst;
    this.line = lines?.[ni] ?? buildLogicalLine(text, inst, this.escape);
    return null;
  }
}

function sameRange(a: string, as: number, ae: number, b: string, bs: number, be: number): boolean {
  if (ae - as !== be - bs) return false;
  // Short ranges char by char; long ones with the engine's string comparison (a slice of a flat
  // string is a view, not a copy).
  if (ae - as < 16) {
    for (let i = as, j = bs; i < ae; i++, j++) if (a.charCodeAt(i) !== b.charCodeAt(j)) return false;
    return true;
  }
  return a.slice(as, ae) === b.slice(bs, be);
}

/** A readable description of the first difference between two dumps, or null when equal. */
export function dumpDifference(a: DumpItem[], b: DumpItem[]): string | null {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] && b[i] && sameItem(a[i], b[i])) continue;
    const x = JSON.stringify(a[i] ?? null);
    const y = JSON.stringify(b[i] ?? null);
    if (x !== y) return `item ${i + 1}: ${x} became ${y}`;
  }
  return null;
}

function buildDump(text: string, nodes: Node[], escape: string): DumpItem[] {
  const out: DumpItem[] = [];
  for (const node of nodes) {
    if (node.type === 'directive') out.push({ kind: 'directive', text: `${node.directive.name}=${node.directive.value}` });
    if (node.type !== 'instruction') continue;
    const l = buildLogicalLine(text, node, escape);
    const end = trimmedEnd(l.text, l.argsIdx);
    const item: DumpItem = {
      kind: 'instruction',
      keyword: node.upper,
      flags: node.flags.map((f) => `${f.name}=${f.value ?? ''}`),
      heredocs: node.heredocs.map((h) => ({ name: h.name, stripTabs: h.stripTabs, quoted: h.quoted, body: text.slice(h.bodyStart, h.bodyEnd).replace(/\r\n/g, '\n') })),
    };
    // COPY ["a", "b"] and COPY a b copy the same files.
    if (node.json !== null && (node.upper === 'COPY' || node.upper === 'ADD' || node.upper === 'VOLUME')) item.args = node.json;
    else if (node.json !== null) item.json = node.json;
    else item.args = buildArgs(l, end, node.upper, escape);
    out.push(item);
  }
  return out;
}

function buildArgs(l: LogicalLine, end: number, keyword: string, escape: string): string[] {
  const raw = l.text.slice(l.argsIdx, end);
  const hc = keyword === 'HEALTHCHECK' ? /^CMD[ \t]+(\[[\s\S]*\])$/i.exec(raw) : null;
  if (hc) {
    try {
      const parsed: unknown = JSON.parse(hc[1]);
      if (Array.isArray(parsed)) return ['CMD', ...parsed.map(String)];
    } catch {
      // shell form
    }
  }
  if (l.cls === 'shell' && escape === '\\') {
    // Free whitespace (also inside `$( )`) as one space, then compare shell commands.
    let norm = '';
    for (let i = l.argsIdx; i < end; i++) {
      if (!l.free[i]) norm += l.text[i];
      else if (!l.free[i - 1]) norm += ' ';
    }
    const args: string[] = [];
    for (const c of tokenize(norm, (i) => i).commands) {
      args.push(c.words.map((w) => w.value).join(' '), c.redirects.map((w) => w.value).join(' '), c.terminator === '\n' || c.terminator === '' ? ';' : c.terminator);
    }
    if (args[args.length - 1] === ';') args.pop();
    return args;
  }
  if (l.cls === 'exact') {
    if (keyword === 'ENV' || keyword === 'LABEL') {
      // Legacy `ENV key value`: the same as `ENV key=value`.
      const m = /^(\S+)[ \t]+([\s\S]*)$/.exec(raw);
      // BuildKit expands the value as one word: quotes and escapes are processed, spaces kept.
      return m ? [m[1], unquote(m[2], escape)] : [raw, ''];
    }
    return [raw];
  }
  const words = freeWords(l, l.argsIdx, end).map((w) => unquote(w, escape));
  if (keyword === 'ENV' || keyword === 'LABEL') {
    return words.flatMap((w) => {
      const eq = w.indexOf('=');
      return eq === -1 ? [w] : [w.slice(0, eq), w.slice(eq + 1)];
    });
  }
  if (keyword === 'FROM' && words.length === 3 && /^as$/i.test(words[1])) words[1] = 'AS';
  return words;
}

/** BuildKit word value: quotes removed, the escape character applied. */
function unquote(w: string, escape: string): string {
  let out = '';
  let q = '';
  for (let i = 0; i < w.length; i++) {
    const c = w[i];
    if (q === "'") {
      if (c === "'") q = '';
      else out += c;
    } else if (c === escape && i + 1 < w.length && (q === '' || w[i + 1] === '"' || w[i + 1] === escape)) {
      out += w[++i];
    } else if (q === '"') {
      if (c === '"') q = '';
      else out += c;
    } else if (c === '"' || c === "'") q = c;
    else out += c;
  }
  return out;
}

const sameList = (x: readonly string[] | undefined, y: readonly string[] | undefined): boolean => {
  if (x === y) return true;
  if (!x || !y || x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
};

function sameItem(a: DumpItem, b: DumpItem): boolean {
  if (a.kind !== b.kind || a.keyword !== b.keyword || a.text !== b.text) return false;
  if (!sameList(a.flags, b.flags) || !sameList(a.args, b.args) || !sameList(a.json, b.json)) return false;
  const ha = a.heredocs ?? [];
  const hb = b.heredocs ?? [];
  if (ha.length !== hb.length) return false;
  for (let i = 0; i < ha.length; i++) {
    const x = ha[i];
    const y = hb[i];
    if (x.name !== y.name || x.stripTabs !== y.stripTabs || x.quoted !== y.quoted || x.body !== y.body) return false;
  }
  return true;
}
