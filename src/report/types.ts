/**
 * What every report format receives: the outcome of each processed file (paths relative to the
 * cwd, `/`-separated) plus the errors met before processing (missing paths).
 */
import type { FileOutcome } from '../pipeline/engine.js';

export type ReportFormat = 'diff' | 'json' | 'sarif' | 'github' | 'rdjsonl' | 'gitlab';
export const REPORT_FORMATS: readonly ReportFormat[] = ['diff', 'json', 'sarif', 'github', 'rdjsonl', 'gitlab'];

export interface ReportFile {
  /** Path relative to the cwd, `/`-separated. */
  path: string;
  outcome: FileOutcome;
  /** The new text was written to disk (--write). */
  written: boolean;
}

export interface ReportInput {
  tool: { name: string; version: string };
  /**
   * Where the tool lives on the web (SARIF `informationUri`), and the absolute base its
   * repository-relative docs links (`RuleInfo.docsUrl`) resolve against for SARIF `helpUri`.
   * Both optional: without them SARIF carries no link at all (never a relative one).
   */
  links?: { informationUri?: string; docsBase?: string };
  mode: 'dry-run' | 'write' | 'check';
  files: ReportFile[];
  /** Problems with a path given on the command line (not found, unreadable directory). */
  errors: Array<{ path: string; message: string }>;
}

/** Transform metadata the SARIF rules are built from. */
export interface RuleInfo {
  id: string;
  summary: string;
  description: string;
  fixKind: 'safe' | 'unsafe';
  docsUrl?: string;
}
