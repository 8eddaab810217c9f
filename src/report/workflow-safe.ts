/**
 * Lines that must not become GitHub Actions workflow commands (`--format github` runs read both
 * streams; the Action's log). Small and separate from the github renderer so the CLI can guard
 * its standard error without loading a report renderer.
 */
import { escapeControls, guardStream, WORKFLOW_COMMAND_START } from './escape.js';

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

