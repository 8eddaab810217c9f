/**
 * `--format json`: one JSON document for the whole run, described by
 * `schema/dockerfix-report.schema.json` (versioned by `schemaVersion`; additive changes keep the
 * version, anything else bumps it). Offsets are UTF-16 code units into the file text without its
 * BOM; lines and columns are 1-based, end positions exclusive.
 */
import { renderDiff } from './diff.js';
import { LineIndex, stripBom } from '../core/source.js';
import { editsOwners } from './fix-links.js';
import type { ReportInput } from './types.js';

export const JSON_SCHEMA_VERSION = 1;
/** The schema's `$id` (the file ships as `dockerfix/schema/dockerfix-report.schema.json`). */
export const JSON_SCHEMA_ID = 'urn:dockerfix:report-schema:1';

export interface JsonPosition {
  offset: number;
  line: number;
  column: number;
}

export function buildJsonReport(input: ReportInput): object {
  let changed = 0;
  let written = 0;
  let findings = 0;
  let skipped = 0;
  let errors = input.errors.length;
  const files = input.files.map(({ path, outcome, written: w }) => {
    if (outcome.error) errors++;
    if (outcome.changed) changed++;
    if (w) written++;
    findings += outcome.findings.length;
    skipped += outcome.findings.filter((f) => f.kind === 'skipped').length;
    const text = stripBom(outcome.before).text;
    const index = new LineIndex(text);
    const pos = (offset: number): JsonPosition => ({ offset, ...index.position(offset) });
    const owners = editsOwners(outcome.findings);
    return {
      path,
      status: outcome.error ? 'error' : w ? 'written' : outcome.changed ? 'changed' : 'unchanged',
      changed: outcome.changed,
      written: w,
      diff: outcome.changed ? renderDiff(path, outcome.before, outcome.after, [], { reasons: false, escape: false }) : null,
      edits: (outcome.edits ?? []).map((e) => ({
        transform: e.transform,
        transforms: e.transforms,
        fixKind: e.fixKind,
        range: { start: pos(e.start), end: pos(e.end) },
        replaced: text.slice(e.start, e.end),
        text: e.text,
      })),
      findings: outcome.findings.map((f, i) => ({
        transform: f.transform,
        code: f.code,
        kind: f.kind,
        severity: f.severity,
        fixKind: f.fixKind ?? null,
        message: f.message,
        range: { start: { line: f.line, column: f.column }, end: { line: f.endLine, column: f.endColumn } },
        // A fix shared by many findings lists its edits once (src/report/fix-links.ts).
        ...(owners[i] >= 0 ? { edits: [], editsOf: owners[i] } : { edits: f.edits ?? [] }),
      })),
      error: outcome.error
        ? { message: outcome.error.message, line: outcome.error.line ?? null, column: outcome.error.column ?? null, internal: Boolean(outcome.internal) }
        : null,
    };
  });
  return {
    schemaVersion: JSON_SCHEMA_VERSION,
    tool: input.tool,
    mode: input.mode,
    summary: { files: input.files.length, changed, written, findings, skipped, errors },
    files,
    errors: input.errors,
  };
}

export function renderJson(input: ReportInput): string {
  return JSON.stringify(buildJsonReport(input), null, 2) + '\n';
}
