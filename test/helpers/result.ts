/**
 * Test transforms written as "these edits, these findings": one TransformResult in the
 * diagnostics contract. The edits become the fix of the first `change` (or of a `change` named
 * `edit` at the first edit when there is none); every finding gets the code `test`.
 */
import type { Applicability, Diagnostic, Edit, FindingKind, TransformResult } from '../../src/core/types.js';

export interface TestFinding {
  kind: FindingKind;
  message: string;
  start: number;
  end: number;
}

export function result(edits: Edit[], findings: TestFinding[] = [], applicability: Applicability = 'safe'): TransformResult {
  const diagnostics: Diagnostic[] = findings.map((f) => ({ kind: f.kind, code: 'test', message: f.message, range: { start: f.start, end: f.end } }));
  if (edits.length === 0) return { diagnostics };
  const fix = { applicability, edits };
  const change = diagnostics.find((d) => d.kind === 'change');
  if (change) change.fix = fix;
  else diagnostics.push({ kind: 'change', code: 'edit', message: 'edit', range: { start: edits[0]!.start, end: edits[0]!.start }, fix });
  return { diagnostics };
}
