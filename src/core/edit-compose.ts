/**
 * Composing the edit sets of a run (one per transform application, each on the text the previous
 * one produced) into one set of non-overlapping edits on the ORIGINAL text that produces the final
 * output, each attributed to the transforms that made it. When a later transform edits text an
 * earlier one inserted, the two merge into one edit attributed to both.
 *
 * The text is kept as a list of pieces: ranges of the original text, and inserted strings.
 * Moves (delete here, insert there) stay two edits, because original text never changes order.
 */
import type { Edit, FixKind } from './types.js';

interface Piece {
  /** Original range, or null for inserted text. */
  orig: [number, number] | null;
  text: string;
  by: string[];
  unsafe: boolean;
}

export interface ComposedEdit {
  start: number;
  end: number;
  text: string;
  /** Transforms whose edits make up this one, in the order they ran. */
  by: string[];
  fixKind: FixKind;
}

const len = (p: Piece): number => (p.orig ? p.orig[1] - p.orig[0] : p.text.length);

function cut(p: Piece, k: number): [Piece, Piece] {
  if (p.orig) {
    const [a, b] = p.orig;
    return [
      { ...p, orig: [a, a + k] },
      { ...p, orig: [a + k, b] },
    ];
  }
  return [
    { ...p, text: p.text.slice(0, k) },
    { ...p, text: p.text.slice(k) },
  ];
}

const union = (a: string[], b: string[]): string[] => [...a, ...b.filter((x) => !a.includes(x))];

export class EditComposer {
  private pieces: Piece[];
  private readonly deletions: Array<{ start: number; end: number; by: string; unsafe: boolean }> = [];

  constructor(private readonly length: number) {
    this.pieces = length ? [{ orig: [0, length], text: '', by: [], unsafe: false }] : [];
  }

  /** Apply `edits` (sorted, non-overlapping, on the current text) made by `transform`. */
  apply(edits: readonly Edit[], transform: string, defaultKind: FixKind): void {
    // Cut pieces at every edit boundary.
    const cuts = [...new Set(edits.flatMap((e) => [e.start, e.end]))].sort((x, y) => x - y);
    const split: Array<{ at: number; p: Piece }> = [];
    let pos = 0;
    let ci = 0;
    for (const piece of this.pieces) {
      let p = piece;
      let start = pos;
      const end = pos + len(piece);
      while (ci < cuts.length && cuts[ci] <= start) ci++;
      while (ci < cuts.length && cuts[ci] < end) {
        const [l, r] = cut(p, cuts[ci] - start);
        split.push({ at: start, p: l });
        start = cuts[ci];
        p = r;
        ci++;
      }
      split.push({ at: start, p });
      pos = end;
    }
    const out: Piece[] = [];
    let i = 0;
    for (const e of edits) {
      const unsafe = (e.fixKind ?? defaultKind) === 'unsafe';
      while (i < split.length && split[i].at < e.start) out.push(split[i++].p);
      let by = [transform];
      let anyUnsafe = unsafe;
      while (i < split.length && split[i].at >= e.start && split[i].at < e.end) {
        const { p } = split[i++];
        if (p.orig) this.deletions.push({ start: p.orig[0], end: p.orig[1], by: transform, unsafe });
        else {
          by = union(p.by, by);
          anyUnsafe ||= p.unsafe;
        }
      }
      if (e.text) out.push({ orig: null, text: e.text, by, unsafe: anyUnsafe });
    }
    while (i < split.length) out.push(split[i++].p);
    this.pieces = out.filter((p) => len(p) > 0);
  }

  /** The composed edits on the original text, sorted by position. */
  result(): ComposedEdit[] {
    const out: ComposedEdit[] = [];
    let last = 0;
    let text = '';
    let by: string[] = [];
    let unsafe = false;
    // Deleted original ranges are disjoint; sweep them in order alongside the gaps.
    const dels = [...this.deletions].sort((x, y) => x.start - y.start);
    let di = 0;
    const flush = (upto: number): void => {
      while (di < dels.length && dels[di].end <= last) di++;
      if (upto === last && text === '') return;
      let b = by;
      let u = unsafe;
      for (let k = di; k < dels.length && dels[k].start < upto; k++) {
        b = union(b, [dels[k].by]);
        u ||= dels[k].unsafe;
      }
      out.push({ start: last, end: upto, text, by: b, fixKind: u ? 'unsafe' : 'safe' });
    };
    for (const p of this.pieces) {
      if (p.orig) {
        flush(p.orig[0]);
        last = p.orig[1];
        text = '';
        by = [];
        unsafe = false;
      } else {
        text += p.text;
        by = union(by, p.by);
        unsafe ||= p.unsafe;
      }
    }
    flush(this.length);
    return out;
  }
}
