/**
 * The dockerfix GitHub Action (`runs: using: node20`, bundled to action/dist/index.mjs by
 * scripts/bundle.mjs). It reads the common inputs, then runs the mode: each mode is one module in
 * ./modes (`check`, then `review` and `verify` when asked); a new mode is a module plus its line in MODES. Inputs are validated
 * here and never echoed into a workflow command unescaped.
 */
import { Runner } from './runner.js';
import { InputError, expandPaths, parseArgs, parseBoolean, parseChoice, parsePathLines } from './inputs.js';
import type { ActionContext, Inputs } from './context.js';
import { check } from './modes/check.js';
import { review } from './modes/review.js';
import { verify } from './modes/verify.js';

/** The modes, in the order they run; `enabled` says whether the inputs ask for it. */
export const MODES: ReadonlyArray<{ name: string; enabled: (inputs: Inputs) => boolean; run: (ctx: ActionContext) => number | Promise<number> }> = [
  { name: 'check', enabled: () => true, run: check },
  { name: 'review', enabled: (i) => i.review, run: review },
  { name: 'verify', enabled: (i) => i.verify, run: verify },
];

export function readInputs(runner: Runner): Inputs {
  const format = parseChoice('format', runner.input('format', 'both'), ['github', 'summary', 'both'] as const);
  const failOnChange = parseBoolean('fail-on-change', runner.input('fail-on-change', 'true'));
  const args = parseArgs(runner.input('args'));
  const paths = expandPaths(parsePathLines(runner.input('paths', '.')), runner.workspace);
  const review = parseBoolean('review', runner.input('review', 'false'));
  const verify = parseBoolean('verify', runner.input('verify', 'false'));
  const token = runner.input('github-token');
  if (review && !token) throw new InputError('review: true needs a token (github-token, by default the job\'s own)');
  return { format, failOnChange, args, paths, review, verify, token };
}

export async function runAction(runner = new Runner()): Promise<number> {
  let inputs: Inputs;
  try {
    inputs = readInputs(runner);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    runner.error(`invalid input: ${e.message}`);
    return 2;
  }
  let status = 0;
  const ctx: ActionContext = { runner, inputs };
  for (const mode of MODES) {
    if (!mode.enabled(inputs)) continue;
    status = Math.max(status, await mode.run(ctx));
  }
  return status;
}
