/**
 * `--format github`: GitHub Actions workflow commands, one annotation per finding
 * (`::warning file=...,line=...,col=...,endLine=...,endColumn=...,title=...::message`), shown
 * inline on the pull request. Changes are warnings, skipped/info findings notices, errors errors.
 * Escaping follows the runner's rules: in the message `%`, CR and LF; in properties also `:` and `,`.
 * Before that, control characters from user data are shown escaped (`\x1b`, `\n`): an annotation
 * stays one line of the log and never carries a terminal escape sequence.
 */
import { escapeControls, guardStream, WORKFLOW_COMMAND_START } from './escape.js';
import type { ReportInput } from './types.js';

/**
 * The runner also runs the legacy form `##[name]data` found ANYWHERE in a line
 * (actions/runner ActionCommand.TryParse), for every registered command: `warning`, `error`,
 * `add-mask`, `add-matcher` (a problem matcher from a file of the repository), `stop-commands`…
 * A line that is not one of our own commands must therefore hold no `##[` either.
 */
const LEGACY_COMMAND = /##\[/g;

/**
 * One line of log text (not a workflow command of ours) made inert for the runner: controls
 * escaped, a leading `::` (after blanks) written `\x3a:`, every `##[` written `##\x5b`.
 */
export function safeLogLine(line: string): string {
  const s = escapeControls(line).replace(LEGACY_COMMAND, '##\\x5b');
  return WORKFLOW_COMMAND_START.test(s) ? s.replace(':', '\\x3a') : s;
}

interface Stream {
  write(s: string | Uint8Array, ...rest: unknown[]): boolean;
}

/**
 * A stream for `--format github` runs, where the runner reads both standard output and standard
 * error for workflow commands: text written to it can start no `::` command (escape.ts
 * guardStream) and holds no legacy `##[` command.
 */
export function workflowSafeStream<T extends Stream>(stream: T): T {
  const write = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    const s = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return stream.write(s.replace(LEGACY_COMMAND, '##\\x5b'), ...rest);
  };
  const inner = new Proxy(stream, {
    get(target, prop, receiver) {
      if (prop === 'write') return write;
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return guardStream(inner);
}

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
