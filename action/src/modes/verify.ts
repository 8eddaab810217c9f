/**
 * The `verify` mode (`verify: true`): for each Dockerfile dockerfix would change (found by the
 * `check` mode), `dockerfix verify` builds the original and the rewrite with the runner's Docker,
 * compares the images and measures the rebuilds; its markdown table goes to the job summary.
 * Outputs: `verify-verdicts` (one `path: verdict` line per file, from verify's exit code) and `verify-exit-code` (the
 * highest: 0 equivalent, 1 different or the rewrite fails, 2 Docker unusable or the original does
 * not build). A file whose rewrite differs or fails fails the step with an annotation on it.
 */
import type { ActionContext } from '../context.js';
import { runDockerfix, stderrDetail } from '../cli.js';
import { escapeMarkdown } from '../runner.js';

export function verify(ctx: ActionContext): number {
  const { runner, inputs } = ctx;
  const files = ctx.changed ?? [];
  const verdicts: string[] = [];
  let worst = 0;
  if (!files.length) runner.log('dockerfix verify: no Dockerfile would change; nothing to verify');
  for (const file of files) {
    const run = runDockerfix(['verify', '--quiet', '--format', 'markdown', '--', file], runner.workspace);
    if (run.status !== null && run.stdout.trim()) runner.summary(`### dockerfix verify: ${escapeMarkdown(file)}\n\n${run.stdout.trimEnd()}\n\n`);
    const verdict = run.status === 0 ? 'equivalent' : run.status === 1 ? 'different, or the rewrite does not build' : run.status === 2 ? 'not verified' : (run.failure ?? `exit ${run.status}`);
    verdicts.push(`${file}: ${verdict}`);
    const status = run.status ?? 2;
    worst = Math.max(worst, status);
    if (run.stderr) runner.log(run.stderr);
    if (status !== 0) {
      const detail = stderrDetail(run.stderr, /^dockerfix/);
      runner.annotate({ level: 'error', file, title: 'dockerfix verify', message: `${verdict}${detail ? `: ${detail}` : ''}` });
    }
  }
  runner.flushAnnotations('see the step log');
  runner.setOutput('verify-verdicts', verdicts.join('\n'));
  runner.setOutput('verify-exit-code', String(worst));
  return worst;
}
