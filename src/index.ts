/**
 * The programmatic API: `import { fix, format, transforms } from "dockerfix"`.
 *
 *   const r = await fix(text, { context: "./app" });
 *   if (r.changed) console.log(r.diff);
 *
 * Nothing here prints, exits or writes files. Inline `# dockerfix-ignore` comments apply as in
 * the CLI; config files do not (pass the options you want).
 */
import { DirectoryContext, MemoryContext, NoContext, type BuildContext } from './core/context.js';
import { renderDiff } from './report/diff.js';
import type { AppliedEdit } from './core/runner.js';
import { processText } from './pipeline/engine.js';
import { withOption } from './core/transform-options.js';
import { loadTransforms, selectIds } from '../transforms/index.js';
import { ALL_TRANSFORMS } from '../transforms/all.js';
import { DockerfixError } from './core/errors.js';
import type { Finding, TransformMeta } from './core/types.js';
import type { Change } from './explain/analyze.js';
import { explainText, explainView, type ExplainView } from './explain/model.js';

export type { Change, ChainReport, ExplainResult, StageInfo, StepInfo } from './explain/analyze.js';
export type { ExplainView, StagePair, StepPair } from './explain/model.js';
export { renderMermaid } from './explain/render-mermaid.js';
export { renderMarkdown } from './explain/render-markdown.js';
export { renderHtml, renderSvg } from './explain/render-html.js';
export { postReview, type PostReviewOptions, type PostReviewResult, type ReviewFile } from './review/github.js';

export type { Finding, FindingKind, FixKind, Severity, TransformMeta } from './core/types.js';
export type { AppliedEdit } from './core/runner.js';
export type { BuildContext } from './core/context.js';
export { DirectoryContext, MemoryContext, NoContext } from './core/context.js';

export interface FixOptions {
  /**
   * The build context: a directory path, an in-memory map of relative path -> file text
   * (`.dockerignore` included), or a BuildContext. Without it dockerfix assumes nothing about
   * the context and only makes the rewrites that do not need it.
   */
  context?: string | Record<string, string> | BuildContext;
  /** The Dockerfile's path: named in the diff, and `<path>.dockerignore` is honoured. Default "Dockerfile". */
  path?: string;
  /** Run only these transforms. */
  only?: string[];
  /** Do not run these transforms. */
  skip?: string[];
  /** Also apply fixes marked unsafe. */
  unsafe?: boolean;
  /** Stages the project builds with `--target`: outputs for the safety rules, like the last stage and every leaf stage. */
  targets?: string[];
  /** The `# syntax=` reference added when needed, or "none". Default "docker/dockerfile:1". */
  syntax?: string;
  /** Options per transform id. */
  transformOptions?: Record<string, Record<string, unknown>>;
}

export interface FixResult {
  /** The rewritten text (a BOM of the input is kept). Equal to the input when nothing changed. */
  output: string;
  changed: boolean;
  /** What changed and why, what was skipped and why; lines/columns are 1-based, in the input. */
  findings: Finding[];
  /** A unified diff (`a/<path>` `b/<path>`, applicable with git apply); "" when unchanged. */
  diff: string;
  /** The applied edits, ranges in the input (without BOM). */
  edits: AppliedEdit[];
}

export { DockerfixError, type DockerfixErrorKind } from './core/errors.js';
/** An unknown transform id in `only`/`skip`: a `DockerfixError` of kind `unknown-transform`. */
export { UnknownTransformError } from '../transforms/index.js';

function toContext(c: FixOptions['context'], file: string | undefined): BuildContext {
  if (c === undefined) return new NoContext();
  if (typeof c === 'string') return new DirectoryContext(c, file);
  if (typeof (c as BuildContext).exists === 'function' && typeof (c as BuildContext).files === 'function') return c as BuildContext;
  return new MemoryContext(c as Record<string, string>);
}

/** Rewrite a Dockerfile's text. Unknown transform ids throw; so does unreadable input. */
export async function fix(text: string, options: FixOptions = {}): Promise<FixResult> {
  const ids = selectIds(options.only, options.skip);
  const loaded = await loadTransforms(ids);
  const file = options.path ?? 'Dockerfile';
  const r = processText(text, file, {
    transforms: loaded,
    buildContext: toContext(options.context, options.path),
    options: {
      unsafe: options.unsafe ?? false,
      ...(options.targets ? { targets: options.targets } : {}),
      // `syntax` is syntax-directive's option.
      transformOptions: options.syntax !== undefined ? withOption(options.transformOptions ?? {}, 'syntax-directive', 'syntax', options.syntax) : (options.transformOptions ?? {}),
    },
  });
  if (r.runError) throw new DockerfixError(r.runError.message, r.runError.kind, r.runError.line, r.runError.column);
  if (r.error) throw new DockerfixError(r.error.message, 'internal', r.error.line ?? 1, r.error.column ?? 1);
  const output = r.after;
  const rel = file.replace(/\\/g, '/').replace(/^\/+/, '');
  return {
    output,
    changed: r.changed,
    findings: r.findings,
    diff: r.changed ? renderDiff(rel, text, output, r.findings, { reasons: false }) : '',
    edits: r.edits ?? [],
  };
}

export interface ExplainOptions extends Pick<FixOptions, 'context' | 'path' | 'only' | 'skip' | 'unsafe' | 'targets' | 'syntax' | 'transformOptions'> {
  /** The change analysed: any source file (default), one context path, or a new build-arg value. */
  change?: Change;
}

/**
 * `dockerfix explain` on a text: which steps a change re-runs before and after the rewrite, the
 * headline and the step pairing. Draw it with `renderMarkdown`, `renderMermaid` or `renderHtml`.
 */
export async function explain(text: string, options: ExplainOptions = {}): Promise<ExplainView> {
  const loaded = await loadTransforms(selectIds(options.only, options.skip));
  const r = explainText(text, {
    transforms: loaded,
    buildContext: toContext(options.context, options.path),
    change: options.change,
    path: options.path,
    options: {
      ...(options.syntax !== undefined ? { syntax: options.syntax } : {}),
      unsafe: options.unsafe ?? false,
      ...(options.targets ? { targets: options.targets } : {}),
      transformOptions: options.transformOptions ?? {},
    },
  });
  return explainView(r);
}

/** Metadata of every transform, in run order. (No top-level await: `require("dockerfix")` works.) */
export const transforms: readonly TransformMeta[] = Object.freeze(ALL_TRANSFORMS.map((t) => Object.freeze({ ...t.meta })));

/**
 * Format a Dockerfile without changing what it builds (src/format): `format(text, options)`
 * returns `{ output, changed, error? }` and never throws for bad input.
 */
export { format, type FormatOptions, type FormatResult } from './format/index.js';

/**
 * `dockerfix verify` as a function (src/verify): build the original and the rewrite with the
 * user's Docker, compare the images, measure rebuilds; `renderVerify(result, 'markdown')` gives
 * the PR-comment / job-summary table. Throws VerifyUsageError / DockerEnvError for exit-2 cases.
 */
export { verify, VerifyUsageError, type VerifyOptions, type VerifyResult } from './verify/run.js';
export { DockerEnvError } from './verify/docker.js';
export { renderVerify, type VerifyFormat } from './verify/report.js';
