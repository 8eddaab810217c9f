/**
 * Core types shared by the engine and every transform.
 *
 * Offsets are UTF-16 code-unit offsets into the document text *after* the BOM has been
 * removed (see `src/core/source.ts`); lines and columns in findings are 1-based.
 */
import type { DockerfileDocument } from './document.js';
import type { BuildContext } from './context.js';

/** Replace `text.slice(start, end)` with `text`. An insertion has `start === end`. */
export interface Edit {
  start: number;
  end: number;
  text: string;
  /** Defaults to the transform's `meta.fixKind`. */
  fixKind?: FixKind;
}

/** ruff-style applicability: `safe` fixes run by default, `unsafe` ones only with `--unsafe`. */
export type FixKind = 'safe' | 'unsafe';

export type FindingKind = 'change' | 'skipped' | 'info' | 'error';
export type Severity = 'error' | 'warning' | 'info';

/** What a transform reports; positions are offsets into the document it was given. */
export interface TransformFinding {
  kind: FindingKind;
  message: string;
  start: number;
  end: number;
  /** For `change` findings: defaults to the transform's `meta.fixKind`. */
  fixKind?: FixKind;
}

/** A finding as the engine reports it: positions mapped to the original input, 1-based. */
export interface Finding {
  transform: string;
  kind: FindingKind;
  severity: Severity;
  message: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  fixKind?: FixKind;
}

export interface TransformResult {
  edits: Edit[];
  findings: TransformFinding[];
}

export interface TransformMeta {
  /** kebab-case id; the file name in `transforms/` equals it. */
  id: string;
  /** One line, shown by `--list-transforms`. */
  summary: string;
  /** What it does, why, and why the fix is safe or unsafe (Markdown). */
  description: string;
  fixKind: FixKind;
  /**
   * When some of its fixes are marked unsafe (applied only with --unsafe) although `fixKind` is
   * safe: one line, shown by `--list-transforms`. Absent: every fix it makes is `fixKind`.
   */
  unsafeFixes?: string;
  /** Lower runs first. Content edits near 0, structural rewrites 100+, the syntax directive last. */
  order: number;
  docsUrl?: string;
}

/** Options every transform may read; transform-specific ones live under `transformOptions[id]`. */
export interface Options {
  /** `# syntax=` reference to insert when needed, or `'none'` to never insert one. */
  syntax: string;
  /** Apply fixes whose kind is `unsafe`. */
  unsafe: boolean;
  /**
   * Stages the project builds with `--target` (compose `target:`, CI files, `--target`): outputs
   * for the safety rules, like the last stage and every leaf stage.
   */
  targets?: readonly string[];
  /**
   * Build args the project passes (compose `args:`, `--build-arg`, bake, src/builds): known
   * values for the ARGs they name; null: passed with values that disagree (unknown).
   */
  buildArgs?: Readonly<Record<string, string | null>>;
  /**
   * The repository runs hadolint (src/builds/hadolint.ts): `source` names the file that shows it,
   * `ignored` the rules its config ignores everywhere.
   */
  hadolint?: { source: string; ignored: readonly string[] };
  transformOptions: Record<string, Record<string, unknown>>;
}

export interface TransformContext {
  buildContext: BuildContext;
  options: Options;
  /** The document as it was before any transform of this run touched it. */
  original: DockerfileDocument;
  /** Path of the Dockerfile as given by the user (for messages only), if any. */
  path?: string;
}

export interface Transform {
  meta: TransformMeta;
  run(document: DockerfileDocument, context: TransformContext): TransformResult;
}
