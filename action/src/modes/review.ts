/**
 * The `review` mode (`review: true`): `dockerfix review` over `paths` posts one pull-request
 * review whose comments hold GitHub suggested changes on the exact lines (hunks outside the pull
 * request's diff go in the review body, with each file's explain picture), and updates that review
 * on the next push instead of adding another. It reads the pull request from the runner's
 * environment (GITHUB_EVENT_PATH, GITHUB_REPOSITORY, GITHUB_API_URL) and posts with `github-token`
 * (the job needs `pull-requests: write`). A run outside a pull request, or a failed post, fails the
 * step with the reason as an annotation.
 */
import type { ActionContext } from '../context.js';
import { runDockerfix, stderrDetail } from '../cli.js';

export function review(ctx: ActionContext): number {
  const { runner, inputs } = ctx;
  const run = runDockerfix(['review', '--token-env', 'DOCKERFIX_REVIEW_TOKEN', ...inputs.args, '--', ...inputs.paths], runner.workspace, { DOCKERFIX_REVIEW_TOKEN: inputs.token });
  if (run.stdout) runner.log(run.stdout);
  if (run.stderr) runner.log(run.stderr);
  runner.setOutput('review-exit-code', run.status === null ? 'none' : String(run.status));
  if (run.status === 0) return 0;
  const detail = stderrDetail(run.stderr, /^dockerfix/);
  runner.error(`dockerfix review did not post the review (${run.failure ?? `exit ${run.status}`})${detail ? `: ${detail}` : ''}`);
  return 2;
}
