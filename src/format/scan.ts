/**
 * Which whitespace in an instruction's logical line is "free": whitespace whose amount does not
 * matter to BuildKit or to the shell (it only separates words). The formatter may only change
 * free whitespace, and only where there was some; everything else is printed as written.
 *
 * The logical line is what BuildKit sees after joining continuation lines: the escape character
 * and line break are removed and the pieces are concatenated WITHOUT adding a space. So the
 * indentation of a continuation line is part of the joined text; it is free only where the
 * joined text has unquoted whitespace there.
 */
import type { InstructionNode } from '../core/lexer.js';

/** How the arguments of an instruction are read. */
export type ArgClass = 'shell' | 'words' | 'json' | 'exact';

/** Instructions that pass their (shell-form) arguments to a shell. */
const SHELL_CLASS = new Set(['RUN', 'CMD', 'ENTRYPOINT', 'SHELL', 'HEALTHCHECK', 'ONBUILD']);
/** Instructions whose arguments BuildKit splits into words (quotes and the escape char respected). */
const WORD_CLASS = new Set(['FROM', 'COPY', 'ADD', 'VOLUME', 'EXPOSE', 'ARG', 'ENV', 'LABEL']);
/** Instructions whose argument text is used as one string: every character counts. */
const EXACT_CLASS = new Set(['MAINTAINER', 'USER', 'WORKDIR', 'STOPSIGNAL']);

export const KNOWN_INSTRUCTIONS = new Set([...SHELL_CLASS, ...WORD_CLASS, ...EXACT_CLASS]);

export interface LogicalLine {
  /** Joined text from the keyword to the end of the logical line. */
  text: string;
  /** Logical index ranges of the physical segments, in order. */
  segs: Array<[number, number]>;
  /** Logical index of the first argument (=== text.length when none). */
  argsIdx: number;
  /** Logical ranges of the flags. */
  flags: Array<[number, number]>;
  kwLen: number;
  cls: ArgClass;
  /** 1 where the character is free (insignificant) whitespace. */
  free: Uint8Array;
}

export function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

/** The logical line of `node` with its free-whitespace map. */
export function buildLogicalLine(src: string, node: InstructionNode, escape: string): LogicalLine {
  return computeLogicalLine(src, node, escape);
}

/**
 * The free-whitespace maps are views on one large buffer, handed out in turn and zeroed before
 * reuse: one typed array with its own memory per instruction made allocation and the garbage
 * collector's array-buffer bookkeeping the formatter's largest cost. A map stays valid until
 * RING_BYTES more logical-line text was scanned; the printer and the dump use each line at once.
 * Lines longer than a sixteenth of the ring get their own array.
 */
export const FREE_MAP_RING_BYTES = 1 << 22;
const RING_BYTES = FREE_MAP_RING_BYTES;
let ring: Uint8Array | undefined;
let ringPos = 0;
function freeMap(length: number): Uint8Array {
  if (length > RING_BYTES >> 4) return new Uint8Array(length);
  ring ??= new Uint8Array(RING_BYTES);
  if (ringPos + length > RING_BYTES) ringPos = 0;
  // Zeroed through the ring and made with the constructor: both cheaper than subarray + fill.
  ring.fill(0, ringPos, ringPos + length);
  const view = new Uint8Array(ring.buffer, ringPos, length);
  ringPos += length;
  return view;
}

/** The logical line's flags when the instruction has none (shared; nobody changes a line). */
const NO_FLAGS: Array<[number, number]> = [];

/** Logical index of a source offset of `node` (segs: the segments' logical ranges). */
function toIdx(node: InstructionNode, segs: Array<[number, number]>, length: number, offset: number): number {
  for (let k = 0; k < node.segments.length; k++) {
    const [s, e] = node.segments[k];
    if (offset >= s && offset <= e) return segs[k][0] + (offset - s);
  }
  return length;
}

function computeLogicalLine(src: string, node: InstructionNode, escape: string): LogicalLine {
  let segs: Array<[number, number]>;
  let text: string;
  const n = node.segments.length;
  if (n === 1) {
    const [s, e] = node.segments[0];
    text = src.slice(s, e);
    segs = [[0, text.length]];
  } else {
    // Joined with join(), not `+=`: a flat string, which the character scans below read
    // faster than a chain of concatenations. Arrays made at their size.
    const parts = new Array<string>(n);
    segs = new Array<[number, number]>(n);
    let at = 0;
    for (let k = 0; k < n; k++) {
      const [s, e] = node.segments[k];
      parts[k] = src.slice(s, e);
      segs[k] = [at, at + (e - s)];
      at += e - s;
    }
    text = parts.join('');
  }
  const argsIdx = node.argsStart >= node.logicalEnd ? text.length : toIdx(node, segs, text.length, node.argsStart);
  const flags = node.flags.length === 0 ? NO_FLAGS : node.flags.map((f): [number, number] => [toIdx(node, segs, text.length, f.start), toIdx(node, segs, text.length, f.end)]);
  const kwLen = node.keywordEnd - node.keywordStart;
  const free = freeMap(text.length);
  markWords(text, kwLen, argsIdx, escape, free);
  const cls = argClass(node, text, argsIdx, escape, free);
  if (cls === 'shell') {
    if (escape === '\\') markShell(text, argsIdx, text.length, free);
    else markWords(text, argsIdx, text.length, escape, free);
  } else if (cls === 'words') {
    if (node.upper !== 'ENV' && node.upper !== 'LABEL') markWords(text, argsIdx, text.length, escape, free);
  } else if (cls === 'json') markJson(text, argsIdx, text.length, free);
  return { text, segs, argsIdx, flags, kwLen, cls, free };
}

/** For ENV and LABEL, `free` gets the word marks of the arguments when the class is `words`. */
function argClass(node: InstructionNode, text: string, argsIdx: number, escape: string, free: Uint8Array): ArgClass {
  const u = node.upper;
  if (node.json !== null) return 'json';
  if (SHELL_CLASS.has(u)) return 'shell';
  if (u === 'ENV' || u === 'LABEL') {
    // `ENV key value...` (legacy): the value is the rest of the line, whitespace included.
    markWords(text, argsIdx, text.length, escape, free);
    let e = argsIdx;
    while (e < text.length && !free[e]) e++;
    const eq = text.indexOf('=', argsIdx);
    if (eq !== -1 && eq < e) return 'words';
    free.fill(0, argsIdx);
    return 'exact';
  }
  if (WORD_CLASS.has(u)) return 'words';
  return 'exact';
}

/** BuildKit's word rules: `'...'`, `"..."` (escape char works inside), escape char outside quotes. */
function markWords(t: string, from: number, to: number, escape: string, free: Uint8Array): void {
  const esc = escape.charCodeAt(0);
  let q = 0;
  for (let i = from; i < to; i++) {
    const c = t.charCodeAt(i);
    if (q === 39) {
      if (c === 39) q = 0;
    } else if (q === 34) {
      if (c === esc) i++;
      else if (c === 34) q = 0;
    } else if (c === esc) i++;
    else if (c === 39 || c === 34) q = c;
    else if (isBlank(c)) free[i] = 1;
  }
}

/** JSON array: whitespace outside strings is free. */
function markJson(t: string, from: number, to: number, free: Uint8Array): void {
  let q = false;
  for (let i = from; i < to; i++) {
    const c = t.charCodeAt(i);
    if (q) {
      if (c === 92) i++;
      else if (c === 34) q = false;
    } else if (c === 34) q = true;
    else if (isBlank(c)) free[i] = 1;
  }
}

const enum Ctx {
  Top,
  Single,
  Double,
  Paren,
  Backtick,
  Dollar, // $'...'
  Brace, // ${...}
  Comment,
}

/**
 * POSIX shell quoting, with nesting (`"$(echo "a b")"`, backticks, `${x:-a b}`, `$'..'`).
 * Whitespace is free where it separates words: at top level, inside `$( )`/`( )`, backticks and
 * in a comment. Anything that may be quoted is not free.
 */
function markShell(t: string, from: number, to: number, free: Uint8Array): void {
  // The context stack as bytes (depth is bounded by the text's length).
  let stack = shellStack;
  if (stack.length < to - from + 2) stack = shellStack = new Uint8Array(Math.max(64, 2 * (to - from + 2)));
  let sp = 0;
  stack[0] = Ctx.Top;
  let ctx: number = Ctx.Top;
  for (let i = from; i < to; i++) {
    const c = t.charCodeAt(i);
    switch (ctx) {
      case Ctx.Comment:
        if (c === 32 || c === 9) free[i] = 1;
        break;
      case Ctx.Single:
        if (c === 39) ctx = stack[--sp];
        break;
      case Ctx.Dollar:
        if (c === 92) i++;
        else if (c === 39) ctx = stack[--sp];
        break;
      case Ctx.Double:
      case Ctx.Brace:
        if (c === 92) i++;
        else if (ctx === Ctx.Double && c === 34) ctx = stack[--sp];
        else if (ctx === Ctx.Brace && c === 125) ctx = stack[--sp];
        else if (c === 96) ctx = stack[++sp] = Ctx.Backtick;
        else if (c === 36 && t.charCodeAt(i + 1) === 40) {
          ctx = stack[++sp] = Ctx.Paren;
          i++;
        } else if (c === 36 && t.charCodeAt(i + 1) === 123) {
          ctx = stack[++sp] = Ctx.Brace;
          i++;
        } else if (ctx === Ctx.Brace && (c === 39 || c === 34)) ctx = stack[++sp] = c === 39 ? Ctx.Single : Ctx.Double;
        break;
      default: // Top, Paren, Backtick
        if (c === 92) i++;
        else if (c === 32 || c === 9) free[i] = 1;
        else if (c === 39) ctx = stack[++sp] = Ctx.Single;
        else if (c === 34) ctx = stack[++sp] = Ctx.Double;
        else if (c === 96) {
          if (ctx === Ctx.Backtick) ctx = stack[--sp];
          else ctx = stack[++sp] = Ctx.Backtick;
        } else if (c === 36) {
          const d = t.charCodeAt(i + 1);
          if (d === 39) {
            ctx = stack[++sp] = Ctx.Dollar;
            i++;
          } else if (d === 40) {
            ctx = stack[++sp] = Ctx.Paren;
            i++;
          } else if (d === 123) {
            ctx = stack[++sp] = Ctx.Brace;
            i++;
          }
        } else if (c === 40) ctx = stack[++sp] = Ctx.Paren;
        else if (c === 41) {
          if (ctx === Ctx.Paren) ctx = stack[--sp];
        } else if (c === 35) {
          // A comment starts a word: at the start, after free whitespace or an operator.
          let word = i === from;
          if (!word) {
            const p = t.charCodeAt(i - 1);
            word = ((p === 32 || p === 9) && free[i - 1] === 1) || p === 59 || p === 38 || p === 124 || p === 40 || p === 41;
          }
          if (word) ctx = stack[++sp] = Ctx.Comment;
        }
    }
  }
}
let shellStack = new Uint8Array(256);

/** Raw words of `text[from, to)` split at free whitespace. */
export function freeWords(l: LogicalLine, from: number, to: number): string[] {
  const out: string[] = [];
  let i = from;
  while (i < to) {
    while (i < to && l.free[i]) i++;
    if (i >= to) break;
    const s = i;
    while (i < to && !l.free[i]) i++;
    out.push(l.text.slice(s, i));
  }
  return out;
}

/** The raw string tokens (quotes and escapes as written) of a JSON array starting at `from`. */
export function jsonStrings(t: string, from: number): string[] {
  const out: string[] = [];
  let i = t.indexOf('[', from) + 1;
  while (i < t.length) {
    const c = t.charCodeAt(i);
    if (c === 34) {
      let j = i + 1;
      while (j < t.length && t.charCodeAt(j) !== 34) j += t.charCodeAt(j) === 92 ? 2 : 1;
      out.push(t.slice(i, j + 1));
      i = j + 1;
    } else if (c === 93) break;
    else i++;
  }
  return out;
}

/** End of the text without trailing blanks. */
export function trimmedEnd(t: string, from = 0): number {
  let e = t.length;
  while (e > from && isBlank(t.charCodeAt(e - 1))) e--;
  return e;
}
