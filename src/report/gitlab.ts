/**
 * `--format gitlab`: a GitLab Code Quality report (the CodeClimate-style JSON array GitLab shows
 * in merge requests: `artifacts: reports: codequality: dockerfix.json`).
 *
 * Fingerprints let GitLab tell new findings from old ones, so they must not move when an
 * unrelated edit shifts line numbers: each is a hash of the file path, the transform, the finding
 * kind, the text of the lines the finding points at (whitespace collapsed), the message with its
 * line references blanked ("line 12", "L12"), and which occurrence of that same key in the file
 * it is. Editing another instruction, or adding lines above, keeps every fingerprint.
 */
import { createHash } from 'node:crypto';
import { LineIndex, stripBom } from '../core/source.js';
import type { Finding } from '../core/types.js';
import type { ReportInput } from './types.js';

type Severity = 'info' | 'minor' | 'major' | 'critical' | 'blocker';

export interface CodeQualityIssue {
  type: 'issue';
  check_name: string;
  description: string;
  categories: string[];
  severity: Severity;
  fingerprint: string;
  location: { path: string; lines: { begin: number; end?: number } };
}

function severity(f: Finding): Severity {
  return f.kind === 'error' ? 'major' : f.kind === 'change' ? 'minor' : 'info';
}

function hash(parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 32);
}

/** The message without the line numbers it quotes. */
function stableMessage(m: string): string {
  return m.replace(/\b(lines?|L)\s?\d+(\s?[-–]\s?\d+)?\b/gi, '$1 #');
}

export function buildGitlab(input: ReportInput): CodeQualityIssue[] {
  const out: CodeQualityIssue[] = [];
  const seen = new Map<string, number>();
  const fingerprint = (parts: string[]): string => {
    const key = hash(parts);
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    return n === 0 ? key : hash([key, String(n)]);
  };
  const issue = (check: string, description: string, sev: Severity, path: string, begin: number, end: number | undefined, fp: string): CodeQualityIssue => ({
    type: 'issue',
    check_name: check,
    description,
    categories: check === 'dockerfix' ? ['Bug Risk'] : ['Performance'],
    severity: sev,
    fingerprint: fp,
    location: { path, lines: end !== undefined && end !== begin ? { begin, end } : { begin } },
  });
  for (const e of input.errors) out.push(issue('dockerfix', e.message, 'major', e.path, 1, undefined, fingerprint(['error', e.path, e.message])));
  for (const { path, outcome } of input.files) {
    if (outcome.error) {
      out.push(issue('dockerfix', outcome.error.message, 'major', path, outcome.error.line ?? 1, undefined, fingerprint(['error', path, stableMessage(outcome.error.message)])));
      continue;
    }
    const text = stripBom(outcome.before).text;
    const index = new LineIndex(text);
    const linesText = (from: number, to: number): string => {
      const s = index.starts[from - 1] ?? text.length;
      const e = index.starts[to] ?? text.length;
      return text.slice(s, e).replace(/\s+/g, ' ').trim();
    };
    for (const f of outcome.findings) {
      const end = f.endColumn === 1 && f.endLine > f.line ? f.endLine - 1 : f.endLine;
      out.push(
        issue(
          f.transform,
          `${f.kind === 'change' ? (f.fixKind === 'unsafe' ? 'unsafe fix available' : 'fixable') : f.kind}: ${f.message}`,
          severity(f),
          path,
          f.line,
          end,
          fingerprint([path, f.transform, f.kind, linesText(f.line, end), stableMessage(f.message)]),
        ),
      );
    }
  }
  return out;
}

export function renderGitlab(input: ReportInput): string {
  return JSON.stringify(buildGitlab(input), null, 2) + '\n';
}
