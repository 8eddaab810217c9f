/**
 * Unified diffs for review: `a/` and `b/` paths relative to the cwd, with the reason for every
 * change, coloured on a TTY.
 *
 * The line diff is our own and near-linear, so a change to tens of thousands of lines renders in
 * milliseconds: common prefix and suffix are cut off; what is left goes to Myers' algorithm with
 * a budget of work proportional to its size; past the budget the lines unique to both sides
 * anchor the two texts (patience diff) and each gap between anchors is diffed the same way; a gap
 * without anchors that is still too big is shown as removed and added whole (a correct, if not
 * minimal, diff).
 */
import type { Finding } from '../core/types.js';
import { escapeContentLine, escapeControls } from './escape.js';

export interface Colors {
  red(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
  yellow(s: string): string;
}

export const noColors: Colors = { red: (s) => s, green: (s) => s, cyan: (s) => s, bold: (s) => s, dim: (s) => s, yellow: (s) => s };

export interface DiffOptions {
  colors?: Colors;
  /** Print the reasons before each hunk (default true). */
  reasons?: boolean;
  context?: number;
  /**
   * Escape control characters in the file's lines (default true: the diff is printed for
   * people). A line that holds one (other than a CRLF line ending) then no longer applies as is;
   * the diff says so. JSON and the API pass false: their consumers get the text as it is.
   */
  escape?: boolean;
}

/**
 * A path as git writes it in diff headers: as is when it holds only printable ASCII other than
 * `"` and `\` (and no space or tab, which GNU patch would cut the name at); otherwise in double
 * quotes with C escapes (`\n`, `\t`, `\"`, `\\`, octal `\ooo` for the other bytes of its UTF-8
 * encoding). `git apply` and GNU `patch` both read this form, so no name can forge a header line.
 */
export function quotePath(p: string): string {
  if (/^[\x21-\x7e]*$/.test(p) && !/["\\]/.test(p)) return p;
  let out = '"';
  for (const byte of Buffer.from(p, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (c === '"' || c === '\\') out += '\\' + c;
    else if (byte === 0x07) out += '\\a';
    else if (byte === 0x08) out += '\\b';
    else if (byte === 0x09) out += '\\t';
    else if (byte === 0x0a) out += '\\n';
    else if (byte === 0x0b) out += '\\v';
    else if (byte === 0x0c) out += '\\f';
    else if (byte === 0x0d) out += '\\r';
    else if (byte >= 0x20 && byte < 0x7f) out += c;
    else out += '\\' + byte.toString(8).padStart(3, '0');
  }
  return out + '"';
}

/** One edit-script entry: keep, remove (old line index) or add (new line index). */
type Op = { k: ' '; a: number; b: number } | { k: '-'; a: number } | { k: '+'; b: number };

/** Lines with their terminator (the last one may have none), so "no newline at end" differs. */
function splitLines(s: string): string[] {
  const out: string[] = [];
  let pos = 0;
  while (pos < s.length) {
    const nl = s.indexOf('\n', pos);
    if (nl === -1) {
      out.push(s.slice(pos));
      break;
    }
    out.push(s.slice(pos, nl + 1));
    pos = nl + 1;
  }
  return out;
}

/**
 * Work budget of the bounded Myers passes, in cells (segment size times edit distance): a fixed
 * amount plus a constant per line, shared by all segments of one diff, so the whole diff stays
 * linear in the number of lines.
 */
const MYERS_BUDGET = 4_000_000;
const MYERS_PER_LINE = 64;

/**
 * Myers' O((N+M)D) diff of a[aLo,aHi) and b[bLo,bHi), given ids (equal lines share an id);
 * null when the edit distance exceeds maxD.
 */
function myers(a: Int32Array, aLo: number, aHi: number, b: Int32Array, bLo: number, bHi: number, maxD: number): { ops: Op[] | null; d: number } {
  const n = aHi - aLo;
  const m = bHi - bLo;
  const max = Math.min(n + m, maxD);
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice(off - d - 1, off + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1] < v[off + k + 1]) ? v[off + k + 1] : v[off + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[aLo + x] === b[bLo + y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) return { ops: backtrack(trace, d, n, m, aLo, bLo), d };
    }
  }
  return { ops: null, d: max };
}

function backtrack(trace: Int32Array[], dEnd: number, n: number, m: number, aLo: number, bLo: number): Op[] {
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = dEnd; d > 0; d--) {
    // trace[d] holds v before step d, for k in [-d-1, d+1] at index k + d + 1.
    const v = trace[d];
    const at = (k: number): number => v[k + d + 1];
    const k = x - y;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX + (down ? 0 : 1) && y > prevY + (down ? 1 : 0)) {
      x--;
      y--;
      ops.push({ k: ' ', a: aLo + x, b: bLo + y });
    }
    if (down) ops.push({ k: '+', b: bLo + --y });
    else ops.push({ k: '-', a: aLo + --x });
  }
  while (x > 0 && y > 0) {
    x--;
    y--;
    ops.push({ k: ' ', a: aLo + x, b: bLo + y });
  }
  return ops.reverse();
}

/** Longest increasing subsequence of pairs by their b index (pairs sorted by a). */
function lis(pairs: Array<[number, number]>): Array<[number, number]> {
  const tails: number[] = [];
  const prev = new Int32Array(pairs.length).fill(-1);
  for (let i = 0; i < pairs.length; i++) {
    const bv = pairs[i][1];
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pairs[tails[mid]][1] < bv) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[i] = tails[lo - 1];
    tails[lo] = i;
  }
  const out: Array<[number, number]> = [];
  for (let i = tails.length ? tails[tails.length - 1] : -1; i !== -1; i = prev[i]) out.push(pairs[i]);
  return out.reverse();
}

/** The edit script turning lines `a` into lines `b`. */
function diffLineIds(a: Int32Array, b: Int32Array, ids: number): Op[] {
  const ops: Op[] = [];
  // Explicit stack of tasks (no recursion depth limit): a segment to diff, or ops to emit.
  type Task = { seg: [number, number, number, number] } | { emit: Op[] };
  const stack: Task[] = [{ seg: [0, a.length, 0, b.length] }];
  const countA = new Int32Array(ids);
  const countB = new Int32Array(ids);
  const where = new Int32Array(ids);
  let budget = MYERS_BUDGET + MYERS_PER_LINE * (a.length + b.length);
  while (stack.length) {
    const t = stack.pop()!;
    if ('emit' in t) {
      for (const op of t.emit) ops.push(op);
      continue;
    }
    let [aLo, aHi, bLo, bHi] = t.seg;
    const head: Op[] = [];
    while (aLo < aHi && bLo < bHi && a[aLo] === b[bLo]) head.push({ k: ' ', a: aLo++, b: bLo++ });
    const tail: Op[] = [];
    while (aLo < aHi && bLo < bHi && a[aHi - 1] === b[bHi - 1]) tail.push({ k: ' ', a: --aHi, b: --bHi });
    tail.reverse();
    for (const op of head) ops.push(op);
    stack.push({ emit: tail });
    if (aLo === aHi || bLo === bHi) {
      for (let i = aLo; i < aHi; i++) ops.push({ k: '-', a: i });
      for (let j = bLo; j < bHi; j++) ops.push({ k: '+', b: j });
      continue;
    }
    const size = aHi - aLo + (bHi - bLo);
    const maxD = Math.floor(budget / size);
    if (maxD >= 1) {
      const small = myers(a, aLo, aHi, b, bLo, bHi, maxD);
      budget -= size * (small.d + 1);
      if (small.ops) {
        for (const op of small.ops) ops.push(op);
        continue;
      }
    }
    // Patience: lines that occur once on each side, in an order both sides agree on.
    for (let i = aLo; i < aHi; i++) countA[a[i]] = 0;
    for (let j = bLo; j < bHi; j++) countB[b[j]] = 0;
    for (let i = aLo; i < aHi; i++) countA[a[i]]++;
    for (let j = bLo; j < bHi; j++) {
      countB[b[j]]++;
      where[b[j]] = j;
    }
    const pairs: Array<[number, number]> = [];
    for (let i = aLo; i < aHi; i++) if (countA[a[i]] === 1 && countB[a[i]] === 1) pairs.push([i, where[a[i]]]);
    const anchors = lis(pairs);
    if (anchors.length === 0) {
      for (let i = aLo; i < aHi; i++) ops.push({ k: '-', a: i });
      for (let j = bLo; j < bHi; j++) ops.push({ k: '+', b: j });
      continue;
    }
    // Push the gaps and anchors in reverse order so they come off the stack in order.
    const tasks: Task[] = [];
    let pa = aLo;
    let pb = bLo;
    for (const [ia, jb] of anchors) {
      tasks.push({ seg: [pa, ia, pb, jb] }, { emit: [{ k: ' ', a: ia, b: jb }] });
      pa = ia + 1;
      pb = jb + 1;
    }
    tasks.push({ seg: [pa, aHi, pb, bHi] });
    for (let i = tasks.length - 1; i >= 0; i--) stack.push(tasks[i]);
  }
  return ops;
}

/** Line-level edit script of two texts. */
function lineDiff(before: string, after: string): { a: string[]; b: string[]; ops: Op[] } {
  const a = splitLines(before);
  const b = splitLines(after);
  const idOf = new Map<string, number>();
  const id = (s: string): number => {
    let v = idOf.get(s);
    if (v === undefined) idOf.set(s, (v = idOf.size));
    return v;
  };
  const ai = Int32Array.from(a, id);
  const bi = Int32Array.from(b, id);
  return { a, b, ops: diffLineIds(ai, bi, idOf.size) };
}

export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** ' x', '-x', '+x' (without line terminator), and '\ No newline at end of file' markers. */
  lines: string[];
}

/** Unified-diff hunks with `context` lines around each change. */
export function diffHunks(before: string, after: string, context = 3): Hunk[] {
  const { a, b, ops } = lineDiff(before, after);
  const hunks: Hunk[] = [];
  let i = 0;
  while (i < ops.length) {
    while (i < ops.length && ops[i].k === ' ') i++;
    if (i >= ops.length) break;
    // Start `context` lines before the change; extend while the next change is near.
    let start = i;
    for (let c = 0; c < context && start > 0 && ops[start - 1].k === ' '; c++) start--;
    let end = i;
    for (;;) {
      while (end < ops.length && ops[end].k !== ' ') end++;
      let run = 0;
      while (end + run < ops.length && ops[end + run].k === ' ') run++;
      if (end + run < ops.length && run <= 2 * context) {
        end += run;
        continue;
      }
      end += Math.min(run, context);
      break;
    }
    const lines: string[] = [];
    let oldLines = 0;
    let newLines = 0;
    const first = ops[start];
    // Line numbers before the hunk: count from the op's own index.
    let oldStart = 0;
    let newStart = 0;
    for (let k = start; k < end; k++) {
      const op = ops[k];
      const text = op.k === '+' ? b[op.b] : a[op.a];
      if (op.k !== '+') {
        if (oldLines === 0) oldStart = op.a + 1;
        oldLines++;
      }
      if (op.k !== '-') {
        if (newLines === 0) newStart = (op.k === '+' ? op.b : op.b) + 1;
        newLines++;
      }
      const nl = text.endsWith('\n');
      lines.push(op.k + (nl ? text.slice(0, -1) : text));
      if (!nl) lines.push('\\ No newline at end of file');
    }
    if (oldLines === 0) oldStart = (first.k === '+' ? oldBefore(ops, start) : 0);
    if (newLines === 0) newStart = newBefore(ops, start);
    hunks.push({ oldStart, oldLines, newStart, newLines, lines });
    i = end;
  }
  return hunks;
}

/** Old lines before ops[k] (for a hunk that removes nothing: the line after which it adds). */
function oldBefore(ops: Op[], k: number): number {
  for (let j = k - 1; j >= 0; j--) {
    const op = ops[j];
    if (op.k !== '+') return op.a + 1;
  }
  return 0;
}

function newBefore(ops: Op[], k: number): number {
  for (let j = k - 1; j >= 0; j--) {
    const op = ops[j];
    if (op.k !== '-') return op.b + 1;
  }
  return 0;
}

/**
 * The unified diff of one file; '' when nothing changed. The reasons come first, one line per
 * change in line order (`# line N [transform] message`), then the diff; every hunk header names
 * the transforms whose changes it holds. `git apply` and `patch` skip the text before `---` and
 * after `@@ ... @@`, so the output stays applicable (tested). Unusual path names are quoted the
 * way git quotes them; reasons and (unless `escape: false`) the file's lines have their control
 * characters escaped.
 */
export function renderDiff(relPath: string, before: string, after: string, findings: readonly Finding[], opts: DiffOptions = {}): string {
  if (before === after) return '';
  const c = opts.colors ?? noColors;
  const escape = opts.escape !== false;
  const hunks = diffHunks(before, after, opts.context ?? 3);
  const changes = findings.filter((f) => f.kind === 'change').sort((x, y) => x.line - y.line);
  const lines: string[] = [];
  if (opts.reasons !== false) {
    for (const f of changes) lines.push(c.yellow(`# line ${f.line} [${f.transform}] ${escapeControls(f.message)}`));
  }
  let escaped = false;
  const body: string[] = [];
  // The findings each hunk holds: those from the line before it up to the last line it shows,
  // or up to the next hunk (a finding between two hunks goes with the earlier one).
  let lo = 0;
  hunks.forEach((h, idx) => {
    const next = hunks[idx + 1];
    const ids = new Set<string>();
    while (lo < changes.length && changes[lo].line < h.oldStart - 1) lo++;
    const last = Math.max(h.oldStart + Math.max(h.oldLines, 1), next ? next.oldStart - 1 : Infinity);
    for (let k = lo; k < changes.length && changes[k].line <= last; k++) ids.add(changes[k].transform);
    const tag = opts.reasons !== false && ids.size ? ' ' + [...ids].join(', ') : '';
    body.push(c.cyan(`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`) + tag);
    for (const raw of h.lines) {
      let l = raw;
      if (escape) {
        l = escapeContentLine(raw);
        if (l !== raw) escaped = true;
      }
      if (l.startsWith('+')) body.push(c.green(l));
      else if (l.startsWith('-')) body.push(c.red(l));
      else body.push(l);
    }
  });
  if (escaped) lines.push(c.yellow('# lines with control characters or a leading "::" are shown escaped (\\x1b, \\r, \\x3a): apply this change with --write, not from this diff'));
  lines.push(c.bold(`--- ${quotePath(`a/${relPath}`)}`), c.bold(`+++ ${quotePath(`b/${relPath}`)}`));
  for (const l of body) lines.push(l);
  return lines.join('\n') + '\n';
}

/** `start,count` as unified diffs write it (`start` alone when count is 1, like GNU diff). */
function range(start: number, count: number): string {
  return `${start},${count}`;
}
