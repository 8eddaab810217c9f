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
import type { Finding, TransformMeta } from './core/types.js';

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

/** Thrown by `fix` for input it cannot read (bad escape directive, unterminated heredoc) or an internal error. */
export class DockerfixError extends Error {
  constructor(
    message: string,
    readonly kind: 'parse' | 'internal',
    readonly line: number,
    readonly column: number,
  ) {
    super(`${message} (${line}:${column})`);
    this.name = 'DockerfixError';
  }
}

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

/** Metadata of every transform, in run order. */
export const transforms: readonly TransformMeta[] = Object.freeze((await loadTransforms()).map((t) => Object.freeze({ ...t.meta })));

/**
 * Format a Dockerfile without changing what it builds (src/format): `format(text, options)`
 * returns `{ output, changed, error? }` and never throws for bad input.
 */
export { format, type FormatOptions, type FormatResult } from './format/index.js';
