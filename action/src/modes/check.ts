/**
 * The `check` mode (the Action's default): run dockerfix over `paths` once with `--format json
 * --exit-code`, then annotate the pull request (`format: github|both`), write the diff and every
 * finding to the job summary (`format: summary|both`), set the outputs and decide the step's
 * result. Exit code 1 counts as "changes found" only when dockerfix's report says files would
 * change; anything else that is not a clean 0 (a usage error, exit 2, a crash, no readable
 * report) fails the step with the error as an annotation and `changed=false`.
 */
import type { ActionContext } from '../context.js';
import { escapeMarkdown, fenced, type Level } from '../runner.js';
import { runDockerfix, stderrDetail } from '../cli.js';
import { escapeControls } from '../../../src/report/escape.js';

interface ReportFinding {
  transform: string;
  kind: 'change' | 'skipped' | 'info' | 'error';
  message: string;
  range: { start: { line: number; column: number }; end: { line: number; column: number } };
}
interface ReportFile {
  path: string;
  changed: boolean;
  diff: string | null;
  findings: ReportFinding[];
  error: { message: string; line: number | null; column: number | null } | null;
}
interface Report {
  summary: { files: number; changed: number; errors: number };
  files: ReportFile[];
  errors: Array<{ path: string; message: string }>;
}

function readReport(stdout: string): Report | null {
  try {
    const r = JSON.parse(stdout) as Report;
    return r && typeof r === 'object' && Array.isArray(r.files) && r.summary ? r : null;
  } catch {
    return null;
  }
}

const LEVEL: Record<ReportFinding['kind'], Level> = { change: 'warning', skipped: 'notice', info: 'notice', error: 'error' };

/** The text of a diff or message for the summary: no control characters. */
const clean = (s: string): string =>
  s
    .split('\n')
    .map((l) => escapeControls(l.replace(/\r$/, '')))
    .join('\n');

export function check(ctx: ActionContext): number {
  const { runner, inputs } = ctx;
  const run = runDockerfix(['--format', 'json', '--exit-code', ...inputs.args, '--', ...inputs.paths], runner.workspace);
  // dockerfix's own messages (standard error) go to the log, inert.
  if (run.stderr) runner.log(run.stderr);
  const report = run.status === 0 || run.status === 1 || run.status === 2 ? readReport(run.stdout) : null;
  const changedFiles = report ? report.files.filter((f) => f.changed) : [];
  // "Changes found" only as dockerfix says it: exit 1 with files that would change.
  const saysChanged = report !== null && run.status === 1 && changedFiles.length > 0;
  runner.setOutput('changed', String(report !== null && changedFiles.length > 0 && (run.status === 1 || run.status === 2)));
  runner.setOutput('exit-code', run.status === null ? 'none' : String(run.status));

  if (!report || (run.status === 1 && !saysChanged)) {
    const why =
      run.failure ??
      (report ? 'dockerfix exited with 1 but reported no file that would change' : `dockerfix exited with ${run.status} without a readable report`);
    const detail = stderrDetail(run.stderr, /^(dockerfix: |Error|\w*Error\b)/);
    runner.error(`${why}${detail ? `: ${detail}` : ''}`);
    if (inputs.format !== 'github') runner.summary(`## dockerfix\n\ndockerfix failed: ${escapeMarkdown(why)}. See the step log.\n`);
    return 2;
  }

  const where = inputs.format === 'github' ? 'see the step log or run dockerfix locally' : 'the job summary lists them all';
  if (inputs.format !== 'summary') {
    for (const e of report.errors) runner.annotate({ level: 'error', file: e.path, title: 'dockerfix', message: e.message });
    for (const f of report.files) {
      if (f.error) runner.annotate({ level: 'error', file: f.path, line: f.error.line ?? undefined, col: f.error.column ?? undefined, title: 'dockerfix', message: f.error.message });
      for (const x of f.findings) {
        const verb = x.kind === 'change' ? 'fixable' : x.kind;
        runner.annotate({
          level: LEVEL[x.kind],
          file: f.path,
          line: x.range.start.line,
          col: x.range.start.column,
          endLine: x.range.end.line,
          endColumn: x.range.end.column,
          title: `dockerfix ${x.transform} (${verb})`,
          message: x.message,
        });
      }
    }
    runner.flushAnnotations(where);
  }
  const errors = report.errors.length + report.files.filter((f) => f.error).length;
  ctx.changed = changedFiles.map((f) => f.path);
  if (inputs.format !== 'github') {
    runner.summary(summaryMarkdown(report, changedFiles, errors, inputs.paths));
    for (const f of changedFiles) runner.summary(explainMarkdown(f.path, runner.workspace, runner));
  }

  if (run.status === 2) {
    runner.error(`dockerfix could not check ${errors === 1 ? 'one path' : `${errors} paths`} (exit code 2); the errors are annotated above`);
    return 2;
  }
  if (saysChanged && inputs.failOnChange) {
    const what = changedFiles.length === 1 ? `${changedFiles[0].path}` : `${changedFiles.length} Dockerfiles`;
    runner.error(`dockerfix would change ${what}; run dockerfix --write and commit the result (or set fail-on-change: false)`);
    return 1;
  }
  return 0;
}

/**
 * The cache chain of a changed Dockerfile, before and after the rewrite: the headline and the
 * Mermaid picture `dockerfix explain --format markdown` draws (GitHub renders it in the summary).
 * Nothing when explain cannot run (its error goes to the log).
 */
function explainMarkdown(file: string, cwd: string, runner: ActionContext['runner']): string {
  const r = runDockerfix(['explain', '--format', 'markdown', '--', file], cwd);
  if (r.status !== 0 || !r.stdout.trim()) {
    runner.log(`dockerfix explain ${file}: no picture (${r.failure ?? `exit ${r.status}`}): ${r.stderr.trim().split('\n').at(-1) ?? ''}`);
    return '';
  }
  return `### Which steps re-run: ${escapeMarkdown(file)}\n\n${r.stdout.trimEnd()}\n\n`;
}

function summaryMarkdown(report: Report, changed: ReportFile[], errors: number, paths: readonly string[]): string {
  let md = '## dockerfix\n\n';
  const n = report.summary.files;
  md += `${n} Dockerfile${n === 1 ? '' : 's'} checked (${escapeMarkdown(paths.join(', '))}): `;
  md += changed.length ? `${changed.length} would change` : 'nothing to change';
  md += errors ? `, ${errors} error${errors === 1 ? '' : 's'}.\n\n` : '.\n\n';
  if (changed.length) {
    md += 'Apply the changes with `dockerfix --write` on these files and commit the result.\n\n';
    md += fenced(changed.map((f) => clean(f.diff ?? '')).join(''), 'diff') + '\n';
  }
  const lines: string[] = [];
  for (const e of report.errors) lines.push(`${e.path}: error: ${e.message}`);
  for (const f of report.files) {
    if (f.error) lines.push(`${f.path}:${f.error.line ?? 1}:${f.error.column ?? 1}: error: ${f.error.message}`);
    for (const x of f.findings) lines.push(`${f.path}:${x.range.start.line}:${x.range.start.column}: ${x.kind} [${x.transform}] ${x.message}`);
  }
  if (lines.length) md += `### Findings (${lines.length})\n\n` + fenced(clean(lines.join('\n'))) + '\n';
  return md;
}
