/**
 * What the GitHub Actions runner takes as workflow commands in a step's output, following
 * actions/runner (src/Runner.Common/ActionCommand.cs, src/Runner.Worker/ActionCommandManager.cs):
 * lines are split on CR, LF or CRLF; a line is a command when, after trimming leading white
 * space, it is `::name props::data` (TryParseV2), or else when it holds `##[name props]data`
 * anywhere (the legacy TryParse), for a registered command name (case-insensitive).
 */
const REGISTERED = new Set([
  'warning', 'error', 'notice', 'debug', 'group', 'endgroup', 'echo', 'add-mask', 'add-matcher', 'remove-matcher',
  'save-state', 'set-output', 'set-env', 'add-path', 'stop-commands', 'internal-set-repo-path',
]);

export interface WorkflowCommand {
  form: 'v2' | 'legacy';
  name: string;
  props: Record<string, string>;
  data: string;
  line: string;
}

const unescape = (s: string, property: boolean): string =>
  (property ? s.replace(/%3A/g, ':').replace(/%2C/g, ',') : s).replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');

export function workflowCommands(output: string): WorkflowCommand[] {
  const found: WorkflowCommand[] = [];
  for (const line of output.split(/\r\n|\r|\n/)) {
    const t = line.replace(/^[\s\u0085]+/, '');
    if (t.startsWith('::')) {
      const end = t.indexOf('::', 2);
      if (end >= 0) {
        const info = t.slice(2, end);
        const sp = info.indexOf(' ');
        const name = (sp < 0 ? info : info.slice(0, sp)).toLowerCase();
        if (REGISTERED.has(name)) {
          const props: Record<string, string> = {};
          if (sp > 0) {
            for (const p of info.slice(sp + 1).trim().split(',').filter(Boolean)) {
              const eq = p.indexOf('=');
              if (eq > 0) props[p.slice(0, eq)] = unescape(p.slice(eq + 1), true);
            }
          }
          found.push({ form: 'v2', name, props, data: unescape(t.slice(end + 2), false), line });
          continue;
        }
      }
    }
    const at = line.indexOf('##[');
    if (at >= 0) {
      const rb = line.indexOf(']', at);
      if (rb >= 0) {
        const info = line.slice(at + 3, rb);
        const sp = info.indexOf(' ');
        const name = (sp < 0 ? info : info.slice(0, sp)).toLowerCase();
        if (REGISTERED.has(name)) found.push({ form: 'legacy', name, props: {}, data: line.slice(rb + 1), line });
      }
    }
  }
  return found;
}
