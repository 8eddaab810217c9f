/**
 * `--format github`: GitHub Actions workflow commands, one annotation per finding
 * (`::warning file=...,line=...,col=...,endLine=...,endColumn=...,title=...::message`), shown
 * inline on the pull request. Changes are warnings, skipped/info findings notices, errors errors.
 * Escaping follows the runner's rules: in the message `%`, CR and LF; in properties also `:` and `,`.
 * Before that, control characters from user data are shown escaped (`\x1b`, `\n`): an annotation
 * stays one line of the log and never carries a terminal escape sequence.
 */
import { escapeControls } from './escape.js';

export { safeLogLine, workflowSafeStream } from './workflow-safe.js';
import type { ReportInput } from './types.js';

export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function command(level: 'error' | 'warning' | 'notice', props: Record<string, string | number | undefined>, message: string): string {
  const p = Object.entries(props)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${escapeProperty(escapeControls(String(v)))}`)
    .join(',');
  return `::${level}${p ? ' ' + p : ''}::${escapeData(escapeControls(message))}\n`;
}

export function renderGithub(input: ReportInput): string {
  let out = '';
  for (const e of input.errors) out += command('error', { file: e.path, title: 'dockerfix' }, e.message);
  let changed = 0;
  for (const { path, outcome, written } of input.files) {
    if (outcome.error) {
      out += command('error', { file: path, line: outcome.error.line, col: outcome.error.column, title: 'dockerfix' }, outcome.error.message);
      continue;
    }
    if (outcome.changed) changed++;
    for (const f of outcome.findings) {
      const level = f.kind === 'error' ? 'error' : f.kind === 'change' ? 'warning' : 'notice';
      const verb = f.kind === 'change' ? (written ? 'fixed' : input.mode === 'write' ? 'suggested' : 'fixable') : f.kind;
      out += command(
        level,
        { file: path, line: f.line, col: f.column, endLine: f.endLine, endColumn: f.endColumn, title: `dockerfix ${f.transform} (${verb})` },
        f.message,
      );
    }
  }
  const n = input.files.length;
  out += `dockerfix: ${n} file${n === 1 ? '' : 's'} scanned, ${changed} ${input.mode === 'write' ? 'written' : 'would change'}\n`;
  return out;
}
