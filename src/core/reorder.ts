/**
 * Moving whole instructions inside a stage as minimal text edits (for `hoist-stable` and
 * `sink-volatile`).
 *
 * - A moved instruction takes its **block** with it: the comment lines directly above it (no
 *   blank line in between) and every line of the instruction (continuations, inner comments,
 *   heredoc bodies), each with its own line ending, so CRLF and mixed endings survive.
 * - Instructions that are next to each other in the text and stay next to each other travel as
 *   one chunk.
 * - Blank lines: a chunk that stands as its own paragraph (a blank line before it and a blank
 *   line or the end of the file after it) takes the blank line before it along, and is put back
 *   as a paragraph at its new place (blank line after it when it goes before an instruction,
 *   before it when it goes after one). Otherwise no blank line is added or removed.
 * - A file without a final newline keeps ending without one.
 * - A move is a deletion of the old range plus an insertion at the new offset; all insertions
 *   at one offset are merged into one edit so that edits never overlap.
 */
import type { DockerfileDocument, Instruction } from './document.js';
import type { Node } from './lexer.js';
import { parsePragma, readPragmas } from './pragmas.js';
import type { Edit, FixKind } from './types.js';

/** An edit of a reorder, with the applicability of the moves it makes. */
export type KindedEdit = Edit & { fixKind: FixKind };

export interface Block {
  instr: Instruction;
  /** Start of the first attached comment line (or of the instruction). */
  start: number;
  /** After the line ending of the instruction's last line. */
  next: number;
}

const nodeIndexCache = new WeakMap<DockerfileDocument, Map<number, number>>();

function nodeIndex(doc: DockerfileDocument, start: number): number {
  let m = nodeIndexCache.get(doc);
  if (!m) {
    m = new Map();
    doc.nodes.forEach((n, i) => {
      m!.set(n.start, i);
    });
    nodeIndexCache.set(doc, m);
  }
  const i = m.get(start);
  if (i === undefined) throw new Error(`no node starts at offset ${start}`);
  return i;
}

/**
 * The instruction with the comment lines directly above it. When the instruction opens a run of
 * adjacent instructions with the same keyword (`# labels` over three LABEL lines) and the next
 * one stays (`staysAfter`), the comment heads the group and stays with it.
 */
export function blockOf(instr: Instruction, staysAfter: (next: Instruction) => boolean = () => false): Block {
  const doc = instr.doc;
  const own = nodeIndex(doc, instr.start);
  let k = own;
  while (k > 0 && doc.nodes[k - 1].type === 'comment') k--;
  if (k < own) {
    const after = doc.nodes[nodeIndex(doc, instr.start) + 1];
    const cand = doc.instructions[instr.index + 1];
    const nextInstr = after?.type === 'instruction' && cand?.start === after.start ? cand : undefined;
    // Not for RUN: a comment over a RUN describes that command. Never a pragma: it belongs to
    // this instruction and would apply to the next one if it stayed.
    if (nextInstr && instr.upper !== 'RUN' && nextInstr.upper === instr.upper && nextInstr.stage === instr.stage && staysAfter(nextInstr)) {
      let pragma = false;
      for (let c = k; c < own && !pragma; c++) pragma = parsePragma(doc.text.slice(doc.nodes[c].start, doc.nodes[c].end)) !== null;
      if (!pragma) k = own;
    }
  }
  return { instr, start: doc.nodes[k].start, next: instr.next };
}

/**
 * The escape character that ends the last line of `instr` with nothing after it to continue
 * (BuildKit accepts such a last instruction of a file): [start, end) of that escape character with
 * the blanks around it on its line. Null when the instruction ends normally. Moving such an
 * instruction above another one, or putting one after it, would make the next instruction words
 * of it; the escape goes (the instruction's words stay the same).
 */
export function danglingEscape(instr: Instruction): { start: number; end: number } | null {
  const n = instr.node;
  const text = instr.doc.text;
  if (n.heredocs.length > 0 || n.logicalEnd >= n.end || text[n.logicalEnd] !== instr.doc.escape) return null;
  let start = n.logicalEnd;
  while (start > n.keywordEnd && (text[start - 1] === ' ' || text[start - 1] === '\t')) start--;
  let end = n.logicalEnd + 1;
  while (text[end] === ' ' || text[end] === '\t') end++;
  return { start, end };
}

/**
 * Instructions the reordering transforms leave where they are and move nothing across
 * (`# dockerfix-ignore`, src/core/pragmas.ts): those ignored for `transformId`, and those a pragma
 * for any transform applies to from further up (a blank line or another comment in between).
 * Moving such an instruction, or putting a moved one right above it, would leave the pragma
 * over another instruction. A pragma directly above its instruction travels with it.
 */
export function pinnedInstructions(doc: DockerfileDocument, transformId: string): Map<Instruction, 'ignored' | 'detached'> {
  const out = new Map<Instruction, 'ignored' | 'detached'>();
  const p = readPragmas(doc);
  for (const [index, ids] of p.instructions) {
    const instr = doc.instructions[index];
    if (!instr) continue;
    if (ids === 'all' || ids.has(transformId)) {
      out.set(instr, 'ignored');
      continue;
    }
    // The comment lines directly above it; a pragma further up is detached.
    let k = nodeIndex(doc, instr.start);
    while (k > 0 && doc.nodes[k - 1].type === 'comment') k--;
    for (k--; k >= 0 && doc.nodes[k].type !== 'instruction'; k--) {
      const n = doc.nodes[k];
      if (n.type === 'comment' && parsePragma(doc.text.slice(n.start, n.end))) {
        out.set(instr, 'detached');
        break;
      }
    }
  }
  return out;
}

/** The reason a pinned instruction stops a move, for `skipped` findings. */
export function pinnedReason(instr: Instruction, how: 'ignored' | 'detached', describe: string): string {
  return how === 'ignored'
    ? `${describe} is marked \`# dockerfix-ignore\`, and dockerfix moves nothing across or next to an ignored instruction`
    : `a \`# dockerfix-ignore\` comment applies to ${describe} from further up (not directly above it), and moving it or putting a step right above it would leave that comment over another instruction`;
}

function eolBefore(text: string, offset: number): number {
  // Length of the line ending that ends right before `offset` (0 at the start of the text).
  if (offset > 0 && text[offset - 1] === '\n') return offset > 1 && text[offset - 2] === '\r' ? 2 : 1;
  return 0;
}

interface Chunk {
  blocks: Block[];
  fixKind: FixKind;
}

/**
 * Edits that turn the stage's instruction order `items` into `final` (same instructions; only
 * those in `moved` change place, the others keep their relative order).
 */
export function reorderEdits(
  doc: DockerfileDocument,
  items: readonly Instruction[],
  final: readonly Instruction[],
  moved: ReadonlySet<Instruction>,
  fixKindOf: (i: Instruction) => FixKind = () => 'safe',
  /** `next`: insert before the next instruction that stays (hoisting); `previous`: right after the previous one (sinking). */
  anchor: 'next' | 'previous' = 'next',
): KindedEdit[] {
  const text = doc.text;
  const origIndex = new Map(items.map((x, i) => [x, i]));
  const blocks = new Map(items.map((x) => [x, blockOf(x, (n) => !moved.has(n))]));
  // Chunks: runs of moved instructions, consecutive in the final order and adjacent in the text.
  const chunks: Array<{ chunk: Chunk; finalPos: number }> = [];
  let cur: Chunk | null = null;
  let prev: Instruction | null = null;
  final.forEach((x, pos) => {
    if (!moved.has(x)) {
      cur = null;
      prev = null;
      return;
    }
    const b = blocks.get(x)!;
    if (cur && prev && origIndex.get(prev)! + 1 === origIndex.get(x)! && blocks.get(prev)!.next === b.start) {
      cur.blocks.push(b);
      if (fixKindOf(x) === 'unsafe') cur.fixKind = 'unsafe';
    } else {
      cur = { blocks: [b], fixKind: fixKindOf(x) };
      chunks.push({ chunk: cur, finalPos: pos });
    }
    prev = x;
  });

  const edits: KindedEdit[] = [];
  const deletions: KindedEdit[] = [];
  const inserts = new Map<number, { text: string; fixKind: FixKind }>();
  /** Per insertion offset: the open escape of the instruction it goes after, to remove. */
  const stripped = new Map<number, { start: number; end: number }>();
  for (const { chunk, finalPos } of chunks) {
    const first = chunk.blocks[0];
    const last = chunk.blocks[chunk.blocks.length - 1];
    const fi = nodeIndex(doc, first.start);
    const li = nodeIndex(doc, last.instr.start);
    const before: Node | undefined = doc.nodes[fi - 1];
    const after: Node | undefined = doc.nodes[li + 1];
    const paragraph = before?.type === 'blank' && (after === undefined || after.type === 'blank');
    const delStart = paragraph ? before!.start : first.start;
    const delEnd = last.next;
    let body = text.slice(first.start, last.next);
    const eol = doc.eolAt(first.start) || doc.eol;
    const atEofNoNewline = delEnd === text.length && !body.endsWith('\n');
    const dangling = danglingEscape(last.instr);
    if (dangling) {
      // The escape goes; the comment lines after it stay with the instruction, blank ones go.
      const tail = text.slice(dangling.end, last.next).replace(/(\r?\n)([ \t]*\r?\n)+/g, '$1');
      body = text.slice(first.start, dangling.start) + tail;
    }
    if (atEofNoNewline && !body.endsWith('\n')) body += eol;
    deletions.push({ start: delStart, end: delEnd, text: '', fixKind: chunk.fixKind });

    // Where it goes: before the next instruction that stays, or after the previous one.
    let anchorAfter: Instruction | undefined;
    for (let k = finalPos; anchor === 'next' && k < final.length; k++) {
      if (!moved.has(final[k])) {
        anchorAfter = final[k];
        break;
      }
    }
    let at: number;
    let insert: string;
    if (anchorAfter) {
      // Above the anchor's own comment lines, a group header included.
      at = blockOf(anchorAfter).start;
      insert = body + (paragraph ? eol : '');
    } else {
      let anchorBefore: Instruction | undefined;
      for (let k = finalPos - 1; k >= 0; k--) {
        if (!moved.has(final[k])) {
          anchorBefore = final[k];
          break;
        }
      }
      if (!anchorBefore) throw new Error('reorderEdits: a moved instruction has no instruction that stays to anchor it');
      at = anchorBefore.next;
      const open = danglingEscape(anchorBefore);
      if (open) stripped.set(at, open);
      const anchorEol = doc.eolAt(anchorBefore.start) || eol;
      if (at === text.length && !text.endsWith('\n')) {
        insert = anchorEol + (paragraph ? anchorEol : '') + body.replace(/\r?\n$/, '');
      } else insert = (paragraph ? eol : '') + body;
    }
    const prevInsert = inserts.get(at);
    if (prevInsert) {
      prevInsert.text += insert;
      if (chunk.fixKind === 'unsafe') prevInsert.fixKind = 'unsafe';
    } else inserts.set(at, { text: insert, fixKind: chunk.fixKind });
  }
  // Deletions of chunks that are next to each other in the text (a blank line between them
  // is part of the later one) become one. A file without a final newline keeps ending
  // without one: the deletion that reaches its end takes the line ending before it along.
  deletions.sort((a, b) => a.start - b.start);
  const merged: KindedEdit[] = [];
  for (const d of deletions) {
    const prev = merged[merged.length - 1];
    if (prev && d.start <= prev.end) {
      prev.end = Math.max(prev.end, d.end);
      if (d.fixKind === 'unsafe') prev.fixKind = 'unsafe';
    } else merged.push({ ...d });
  }
  const last = merged[merged.length - 1];
  if (last && last.end === text.length && !text.endsWith('\n')) last.start -= eolBefore(text, last.start);
  edits.push(...merged);
  for (const [at, ins] of inserts) {
    const open = stripped.get(at);
    if (open) edits.push({ start: open.start, end: open.end, text: '', fixKind: ins.fixKind });
    edits.push({ start: at, end: at, text: ins.text, fixKind: ins.fixKind });
  }
  return edits;
}
