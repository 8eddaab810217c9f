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

/** An edit as the runner applies it: with the applicability and the id of the fix it belongs to. */
export interface FixEdit extends Edit {
  fixKind: FixKind;
  /** Id of the fix (unique within a run) that made it. */
  fix: number;
}

interface Piece {
  /** Original range, or null for inserted text. */
  orig: [number, number] | null;
  text: string;
  by: string[];
  fixes: number[];
  unsafe: boolean;
}

export interface ComposedEdit {
  start: number;
  end: number;
  text: string;
  /** Transforms whose edits make up this one, in the order they ran. */
  by: string[];
  /** Ids of the fixes whose edits make up this one. */
  fixes: number[];
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

const union = <T>(a: T[], b: T[]): T[] => [...a, ...b.filter((x) => !a.includes(x))];

export class EditComposer {
  private pieces: Piece[];
  private readonly deletions: Array<{ start: number; end: number; by: string; fix: number; unsafe: boolean }> = [];

  constructor(private readonly length: number) {
    this.pieces = length ? [{ orig: [0, length], text: '', by: [], fixes: [], unsafe: false }] : [];
  }

  /** Apply `edits` (sorted, non-overlapping, on the current text) made by `transform`. */
  apply(edits: readonly FixEdit[], transform: string): void {
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
      const unsafe = e.fixKind === 'unsafe';
      while (i < split.length && split[i].at < e.start) out.push(split[i++].p);
      let by = [transform];
      let fixes = [e.fix];
      let anyUnsafe = unsafe;
      while (i < split.length && split[i].at >= e.start && split[i].at < e.end) {
        const { p } = split[i++];
        if (p.orig) this.deletions.push({ start: p.orig[0], end: p.orig[1], by: transform, fix: e.fix, unsafe });
        else {
          by = union(p.by, by);
          fixes = union(p.fixes, fixes);
          anyUnsafe ||= p.unsafe;
        }
      }
      if (e.text) out.push({ orig: null, text: e.text, by, fixes, unsafe: anyUnsafe });
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
    let fixes: number[] = [];
    let unsafe = false;
    // Deleted original ranges are disjoint; sweep them in order alongside the gaps.
    const dels = [...this.deletions].sort((x, y) => x.start - y.start);
    let di = 0;
    const flush = (upto: number): void => {
      while (di < dels.length && dels[di].end <= last) di++;
      if (upto === last && text === '') return;
      let b = by;
      let f = fixes;
      let u = unsafe;
      for (let k = di; k < dels.length && dels[k].start < upto; k++) {
        b = union(b, [dels[k].by]);
        f = union(f, [dels[k].fix]);
        u ||= dels[k].unsafe;
      }
      out.push({ start: last, end: upto, text, by: b, fixes: f, fixKind: u ? 'unsafe' : 'safe' });
    };
    for (const p of this.pieces) {
      if (p.orig) {
        flush(p.orig[0]);
        last = p.orig[1];
        text = '';
        by = [];
        fixes = [];
        unsafe = false;
      } else {
        text += p.text;
        by = union(by, p.by);
        fixes = union(fixes, p.fixes);
        unsafe ||= p.unsafe;
      }
    }
    flush(this.length);
    return out;
  }
}
