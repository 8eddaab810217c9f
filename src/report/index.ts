/**
 * Report formats for the main command (`--format`). `diff` is the human output the CLI prints as
 * it goes; the others are built from all outcomes at the end and printed (or written with
 * `--output`) as one document.
 */
import { renderGithub } from './github.js';
import { renderGitlab } from './gitlab.js';
import { renderJson } from './json.js';
import { renderRdjsonl } from './rdjsonl.js';
import { renderSarif } from './sarif.js';
import type { ReportFormat, ReportInput, RuleInfo } from './types.js';

export { REPORT_FORMATS, type ReportFormat, type ReportFile, type ReportInput, type RuleInfo } from './types.js';

export function renderReport(format: Exclude<ReportFormat, 'diff'>, input: ReportInput, rules: readonly RuleInfo[]): string {
  switch (format) {
    case 'json':
      return renderJson(input);
    case 'sarif':
      return renderSarif(input, rules);
    case 'github':
      return renderGithub(input);
    case 'rdjsonl':
      return renderRdjsonl(input, rules);
    case 'gitlab':
      return renderGitlab(input);
  }
}
