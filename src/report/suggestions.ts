/**
 * A file's change as whole-line suggestions: "replace lines a..b of the input with this text".
 * That is what review UIs apply with one click (GitHub ```suggestion blocks, reviewdog's
 * line-based Suggestion). Built from a zero-context line diff of the input and output, so
 * applying every suggestion to the input gives exactly the output. A pure insertion has no line
 * to replace: it is anchored to the line before it (or, at the top of the file, the first line),
 * which the suggestion repeats. Findings are attached to the suggestion they explain.
 */
import { diffHunks } from './diff.js';
import { stripBom } from '../core/source.js';
import type { AppliedEdit } from '../core/runner.js';
import type { Finding } from '../core/types.js';

export interface LineSuggestion {
  /** 1-based, inclusive, in the input (BOM excluded). */
  startLine: number;
  endLine: number;
  /** The lines being replaced, without their terminators, joined by "\n". */
  oldText: string;
  /** The replacement lines, joined by "\n" (no trailing newline; "" deletes the lines). */
  text: string;
  /** The change findings this suggestion carries out, in finding order. */
  findings: Finding[];
  /** Transforms whose edits fall in these lines. */
  transforms: string[];
}

/** Changes at most this many unchanged lines apart make one suggestion. */
export const MERGE_GAP = 2;

function stripEol(l: string): string {
  return l.endsWith('\r') ? l.slice(0, -1) : l;
}

/** Line terminator-free lines of a text (a final newline does not make an empty last line). */
export function textLines(text: string): string[] {
  const lines = text.split('\n').map(stripEol);
  if (lines.length > 1 && lines[lines.length - 1] === '' && text.endsWith('\n')) lines.pop();
  return lines;
}

export function lineSuggestions(before: string, after: string, findings: readonly Finding[] = [], edits: readonly AppliedEdit[] = []): LineSuggestion[] {
  const a = stripBom(before).text;
  const b = stripBom(after).text;
  if (a === b) return [];
  const oldLines = textLines(a);
  const out: LineSuggestion[] = [];
  for (const h of diffHunks(a, b, 0)) {
    const added = h.lines.filter((l) => l.startsWith('+')).map((l) => stripEol(l.slice(1)));
    let startLine: number;
    let endLine: number;
    let text: string[];
    if (h.oldLines > 0) {
      startLine = h.oldStart;
      endLine = h.oldStart + h.oldLines - 1;
      text = added;
    } else if (h.oldStart >= 1) {
      // Insertion after line oldStart: repeat that line, then the new ones.
      startLine = endLine = h.oldStart;
      text = [oldLines[h.oldStart - 1], ...added];
    } else {
      // Insertion at the very top: the new lines, then the first line.
      startLine = endLine = 1;
      text = [...added, oldLines[0] ?? ''];
    }
    out.push({ startLine, endLine, oldText: oldLines.slice(startLine - 1, endLine).join('\n'), text: text.join('\n'), findings: [], transforms: [] });
  }
  // Suggestions that overlap (two insertions anchored to one line) or lie close together (at
  // most MERGE_GAP unchanged lines apart, like a line moved down past its neighbour) become one:
  // a reviewer applies and reads them as one change. (Kept as line lists while merging: a file
  // with thousands of nearby changes must not join and split its text again per merge.)
  const lists = new Map<LineSuggestion, string[]>();
  const asLines = (t: string): string[] => (t === '' ? [] : t.split('\n'));
  const merged: LineSuggestion[] = [];
  for (const s of out) {
    const prev = merged[merged.length - 1];
    if (prev && s.startLine - prev.endLine - 1 <= MERGE_GAP) {
      let prevLines = lists.get(prev);
      if (!prevLines) lists.set(prev, (prevLines = asLines(prev.text)));
      else if (prevLines.length === 1 && prevLines[0] === '') prevLines.length = 0;
      const sText = asLines(s.text);
      // Overlap: both repeat line prev.endLine (an insertion anchored to it), at the end of prev
      // and the start of s. Gap: the unchanged lines in between stay.
      const overlap = prev.endLine - s.startLine + 1;
      if (overlap <= 0) for (let l = prev.endLine; l < s.startLine - 1; l++) prevLines.push(oldLines[l]);
      for (let k = Math.max(0, overlap); k < sText.length; k++) prevLines.push(sText[k]);
      prev.endLine = Math.max(prev.endLine, s.endLine);
    } else merged.push(s);
  }
  for (const [s, lines] of lists) {
    s.text = lines.join('\n');
    s.oldText = oldLines.slice(s.startLine - 1, s.endLine).join('\n');
  }
  // Transforms whose edits touch each suggestion's lines (an insertion at the end of a line
  // counts for that line). Suggestions are sorted and apart: each edit looks up the first one
  // it can reach.
  const sets = merged.map(() => new Set<string>());
  const firstReaching = (line: number): number => {
    let lo = 0;
    let hi = merged.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (merged[mid].endLine + 1 < line) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  for (const e of edits) {
    const endLine = e.endColumn === 1 && e.endLine > e.line ? e.endLine - 1 : e.endLine;
    for (let k = firstReaching(e.line); k < merged.length && merged[k].startLine - 1 <= endLine; k++) for (const t of e.transforms) sets[k].add(t);
  }
  // In suggestion order, each set's transforms in edit order: as looping over the edits per suggestion gave.
  merged.forEach((s, k) => {
    s.transforms = [...sets[k]];
  });
  // Each change finding goes with the suggestion holding its line; else with the first one its
  // transform edited; else with the nearest one.
  const firstOf = new Map<string, LineSuggestion>();
  for (const s of merged) for (const t of s.transforms) if (!firstOf.has(t)) firstOf.set(t, s);
  /** The last suggestion starting at or before `line` (-1: none). */
  const startingBefore = (line: number): number => {
    let lo = 0;
    let hi = merged.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (merged[mid].startLine <= line) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  };
  for (const f of findings) {
    if (f.kind !== 'change' || merged.length === 0) continue;
    const k = startingBefore(f.line);
    const holding = k >= 0 && f.line <= merged[k].endLine ? merged[k] : undefined;
    // Nearest start, the earlier one on a tie.
    const nearest = (): LineSuggestion => {
      if (k < 0) return merged[0];
      if (k + 1 >= merged.length) return merged[k];
      return merged[k + 1].startLine - f.line < f.line - merged[k].startLine ? merged[k + 1] : merged[k];
    };
    const s = holding ?? firstOf.get(f.transform) ?? nearest();
    s.findings.push(f);
  }
  return merged;
}

/** Apply line suggestions to a text (BOM excluded); for tests and previews. */
export function applyLineSuggestions(text: string, suggestions: ReadonlyArray<Pick<LineSuggestion, 'startLine' | 'endLine' | 'text'>>): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = textLines(text);
  const trailing = text.endsWith('\n');
  for (const s of [...suggestions].sort((x, y) => y.startLine - x.startLine)) {
    lines.splice(s.startLine - 1, s.endLine - s.startLine + 1, ...(s.text === '' ? [] : s.text.split('\n')));
  }
  return lines.join(eol) + (trailing && lines.length ? eol : '');
}
