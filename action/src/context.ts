/** What every mode gets: the runner (inputs, outputs, log, annotations, summary) and the parsed common inputs. */
import type { Runner } from './runner.js';

export type Format = 'github' | 'summary' | 'both';

export interface Inputs {
  /** Paths after glob expansion (relative to the workspace). */
  paths: string[];
  /** Extra dockerfix arguments (split like a shell, without expansion). */
  args: string[];
  format: Format;
  failOnChange: boolean;
  /** `review: true`: post the changes as one pull-request review with suggested changes. */
  review: boolean;
  /** `verify: true`: build the original and the rewrite of each changed Dockerfile with the runner's Docker. */
  verify: boolean;
  /** The token `review` posts with (`github-token`, default the job's token). */
  token: string;
}

export interface ActionContext {
  runner: Runner;
  inputs: Inputs;
  /** Filled by `check`: the Dockerfiles dockerfix would change (workspace-relative), for the later modes. */
  changed?: string[];
}
