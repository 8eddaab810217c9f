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
  // a reviewer applies and reads them as one change.
  const merged: LineSuggestion[] = [];
  for (const s of out) {
    const prev = merged[merged.length - 1];
    if (prev && s.startLine - prev.endLine - 1 <= MERGE_GAP) {
      const prevText = prev.text === '' ? [] : prev.text.split('\n');
      const sText = s.text === '' ? [] : s.text.split('\n');
      // Overlap: both repeat line prev.endLine (an insertion anchored to it), at the end of prev
      // and the start of s. Gap: the unchanged lines in between stay.
      const overlap = prev.endLine - s.startLine + 1;
      const gap = overlap > 0 ? [] : oldLines.slice(prev.endLine, s.startLine - 1);
      prev.text = [...prevText, ...gap, ...sText.slice(Math.max(0, overlap))].join('\n');
      prev.endLine = Math.max(prev.endLine, s.endLine);
      prev.oldText = oldLines.slice(prev.startLine - 1, prev.endLine).join('\n');
    } else merged.push(s);
  }
  // Transforms whose edits touch each suggestion's lines (an insertion at the end of a line
  // counts for that line).
  for (const s of merged) {
    const ts = new Set<string>();
    for (const e of edits) {
      const endLine = e.endColumn === 1 && e.endLine > e.line ? e.endLine - 1 : e.endLine;
      if (e.line <= s.endLine + 1 && endLine >= s.startLine - 1) for (const t of e.transforms) ts.add(t);
    }
    s.transforms = [...ts];
  }
  // Each change finding goes with the suggestion holding its line; else with the first one its
  // transform edited; else with the nearest one.
  for (const f of findings) {
    if (f.kind !== 'change' || merged.length === 0) continue;
    const s =
      merged.find((x) => f.line >= x.startLine && f.line <= x.endLine) ??
      merged.find((x) => x.transforms.includes(f.transform)) ??
      merged.reduce((best, x) => (Math.abs(x.startLine - f.line) < Math.abs(best.startLine - f.line) ? x : best));
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
