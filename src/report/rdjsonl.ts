/**
 * `--format rdjsonl`: reviewdog's Diagnostic format (reviewdog/proto/rdf, one JSON object per
 * line), for `dockerfix --format rdjsonl . | reviewdog -f=rdjsonl -reporter=github-pr-review`.
 *
 * A change is one diagnostic per group of changed lines: its location and its single suggestion
 * cover the same whole lines (no columns: reviewdog's line-based suggestion, which its GitHub
 * reporter posts as a ```suggestion block only when the comment's lines and the suggestion's
 * lines are the same). The message holds the reasons of the findings carried out there. Skipped
 * and info findings are diagnostics without suggestions. Columns are 1-based UTF-8 byte counts,
 * as rdf defines them; ranges are end-exclusive.
 */
import { LineIndex, stripBom } from '../core/source.js';
import type { Finding } from '../core/types.js';
import { lineSuggestions } from './suggestions.js';
import type { ReportInput, RuleInfo } from './types.js';

type Severity = 'ERROR' | 'WARNING' | 'INFO';
interface Position {
  line: number;
  column?: number;
}

const encoder = new TextEncoder();

/** The UTF-8 byte column of a UTF-16 column in a line. */
export function utf8Column(lineText: string, column: number): number {
  return encoder.encode(lineText.slice(0, Math.max(0, column - 1))).length + 1;
}

function severity(f: Finding): Severity {
  return f.kind === 'error' ? 'ERROR' : f.kind === 'change' ? 'WARNING' : 'INFO';
}

export function buildRdjsonl(input: ReportInput, rules: readonly RuleInfo[] = []): object[] {
  const docs = new Map(rules.map((r) => [r.id, r.docsUrl]));
  const source = { name: input.tool.name };
  const code = (id: string): object => (docs.get(id) ? { value: id, url: docs.get(id) } : { value: id });
  const out: object[] = [];
  for (const e of input.errors) out.push({ message: e.message, location: { path: e.path }, severity: 'ERROR', source });
  for (const { path, outcome } of input.files) {
    if (outcome.error) {
      const line = outcome.error.line;
      out.push({
        message: outcome.error.message,
        location: { path, ...(line ? { range: { start: { line, ...(outcome.error.column ? { column: outcome.error.column } : {}) } } } : {}) },
        severity: 'ERROR',
        source,
      });
      continue;
    }
    const text = stripBom(outcome.before).text;
    const index = new LineIndex(text);
    const lineText = (n: number): string => {
      const s = index.starts[n - 1];
      if (s === undefined) return '';
      const e = index.starts[n] ?? text.length;
      return text.slice(s, e).replace(/\r?\n$/, '');
    };
    const pos = (line: number, column: number): Position => ({ line, column: utf8Column(lineText(line), column) });
    const suggestions = outcome.changed && !outcome.partial ? lineSuggestions(outcome.before, outcome.after, outcome.findings, outcome.edits) : [];
    const carried = new Set(suggestions.flatMap((s) => s.findings));
    for (const s of suggestions) {
      const ids = [...new Set([...s.findings.map((f) => f.transform), ...s.transforms])];
      const message = s.findings.length
        ? s.findings.map((f) => (s.findings.length > 1 || ids.length > 1 ? `[${f.transform}] ${f.message}` : f.message)).join('\n')
        : `dockerfix rewrites these lines (${ids.join(', ') || 'formatting'})`;
      const range = { start: { line: s.startLine }, end: { line: s.endLine } };
      out.push({
        message,
        location: { path, range },
        severity: 'WARNING',
        source,
        ...(ids.length ? { code: code(ids[0]) } : {}),
        suggestions: [{ range, text: s.text }],
        original_output: s.findings.map((f) => `${path}:${f.line}:${f.column}: [${f.transform}] ${f.message}`).join('\n') || undefined,
      });
    }
    for (const f of outcome.findings) {
      if (carried.has(f)) continue;
      const endColumn = Math.max(f.endColumn, f.line === f.endLine ? f.column : 1);
      out.push({
        message: f.message,
        location: { path, range: { start: pos(f.line, f.column), end: pos(f.endLine, endColumn) } },
        severity: severity(f),
        source,
        code: code(f.transform),
      });
    }
  }
  return out;
}

export function renderRdjsonl(input: ReportInput, rules: readonly RuleInfo[] = []): string {
  return buildRdjsonl(input, rules)
    .map((d) => JSON.stringify(d) + '\n')
    .join('');
}
