/** The Action's entry (bundled to action/dist/index.mjs): run, set the exit code; a bug fails the step with an annotation. */
import { runAction } from './index.js';
import { Runner } from './runner.js';

try {
  process.exitCode = await runAction();
} catch (e) {
  new Runner().error(`internal error in the dockerfix action: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 2;
}
