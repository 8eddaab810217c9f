/**
 * Applying range edits to text. Edits are sorted by (start, end); two edits whose ranges overlap
 * are a bug in the transform that made them and throw (identical edits are merged). Offsets of
 * findings are mapped back to the original text through every applied edit set.
 */
import type { Edit } from './types.js';

export class OverlappingEditsError extends Error {
  constructor(
    readonly a: Edit,
    readonly b: Edit,
  ) {
    super(`overlapping edits [${a.start},${a.end}) and [${b.start},${b.end})`);
    this.name = 'OverlappingEditsError';
  }
}

/** Sort, validate and de-duplicate edits. */
export function normalizeEdits<E extends Edit>(edits: readonly E[], textLength: number): E[] {
  const sorted = [...edits].sort((x, y) => x.start - y.start || x.end - y.end);
  const out: E[] = [];
  for (const e of sorted) {
    if (e.start < 0 || e.end < e.start || e.end > textLength) {
      throw new RangeError(`edit [${e.start},${e.end}) outside the text (length ${textLength})`);
    }
    const prev = out[out.length - 1];
    if (prev) {
      if (prev.start === e.start && prev.end === e.end && prev.text === e.text) continue;
      // Two insertions at the same point keep their order; anything else touching is an overlap.
      const insertionPair = prev.start === prev.end && e.start === e.end && prev.start === e.start;
      // An insertion followed by a replacement starting at the same point is fine: the insertion goes first.
      if (!insertionPair && e.start < prev.end) throw new OverlappingEditsError(prev, e);
    }
    out.push(e);
  }
  return out;
}

export function applyEdits(text: string, edits: readonly Edit[]): string {
  const sorted = normalizeEdits(edits, text.length);
  let out = '';
  let pos = 0;
  for (const e of sorted) {
    out += text.slice(pos, e.start) + e.text;
    pos = e.end;
  }
  return out + text.slice(pos);
}

/** Maps offsets of a text after edits back to the text before them. */
export class OffsetMap {
  private constructor(private readonly steps: Array<{ newStart: number; newEnd: number; oldStart: number; oldEnd: number }>) {}

  static identity(): OffsetMap {
    return new OffsetMap([]);
  }

  static fromEdits(sortedEdits: readonly Edit[]): OffsetMap {
    const steps = [];
    let delta = 0;
    for (const e of sortedEdits) {
      const newStart = e.start + delta;
      steps.push({ newStart, newEnd: newStart + e.text.length, oldStart: e.start, oldEnd: e.end });
      delta += e.text.length - (e.end - e.start);
    }
    return new OffsetMap(steps);
  }

  /** Offset in the old text for an offset in the new text (inside an edit: the edit's start). */
  toOld(offset: number): number {
    // Last step whose newStart <= offset (binary search: steps are sorted).
    const steps = this.steps;
    let lo = 0;
    let hi = steps.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (steps[mid].newStart <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found === -1) return offset;
    const s = steps[found];
    if (offset < s.newEnd) return s.oldStart;
    return offset + (s.oldEnd - s.newEnd);
  }
}
