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
}

export interface ActionContext {
  runner: Runner;
  inputs: Inputs;
}
