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
}

/** ruff-style applicability: `safe` fixes run by default, `unsafe` ones only with `--unsafe`. */
export type Applicability = 'safe' | 'unsafe';
/** The name the reports use for a fix's applicability (`fixKind` in JSON/SARIF). */
export type FixKind = Applicability;

export type FindingKind = 'change' | 'skipped' | 'info' | 'error';
export type Severity = 'error' | 'warning' | 'info';

/**
 * The edits that resolve a diagnostic. Only the runner decides whether they are applied, from
 * `applicability` and the run's options. Several diagnostics may share one Fix object (one
 * reorder of a stage resolves every move it reports): it is applied once.
 */
export interface Fix {
  applicability: Applicability;
  edits: Edit[];
}

/**
 * What a transform reports (ESLint's and ruff's shape): positions are offsets into the document
 * it was given. A `change` carries the fix that makes it; a `change` whose fix is not applied
 * for its applicability is reported as an `info` note saying so.
 */
export interface Diagnostic {
  kind: FindingKind;
  /** Stable id within the transform (`moved`, `not-split`, ...): reported as `<transform>/<code>`. */
  code: string;
  message: string;
  range: { start: number; end: number };
  fix?: Fix;
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
  /** The diagnostic's stable code (without the transform id). */
  code: string;
  /**
   * For an applied `change`: indexes into the run's `edits` of the applied edits its fix made
   * (an edit that several fixes made is listed by each).
   */
  edits?: number[];
}

export interface TransformResult {
  diagnostics: Diagnostic[];
  /**
   * When unsafe fixes are not applied, the runner reports and applies these instead of
   * `diagnostics`: for a rewrite whose safe part is a different plan, not a subset (hoist-stable
   * moves a step less far when the farther move is unsafe). Absent: the safe fixes of
   * `diagnostics` are the safe rewrite.
   */
  withoutUnsafe?: Diagnostic[];
}

/** A transform's own option: validated from config (`transformOptions.<id>.<name>`) and the CLI. */
export interface OptionSpec {
  type: 'string' | 'boolean' | 'string[]';
  default: string | boolean | string[];
  description: string;
  /** The command-line flag that sets it (`--syntax`), if any. */
  flag?: string;
}

export interface TransformMeta {
  /** kebab-case id; the file name in `transforms/` equals it. */
  id: string;
  /** One line, shown by `--list-transforms`. */
  summary: string;
  /** What it does, why, and why the fix is safe or unsafe (Markdown). */
  description: string;
  /** The best applicability its fixes have (for `--list-transforms` and SARIF rules); each fix carries its own. */
  fixKind: FixKind;
  /**
   * When some of its fixes are marked unsafe (applied only with --unsafe) although `fixKind` is
   * safe: one line, shown by `--list-transforms`. Absent: every fix it makes is `fixKind`.
   */
  unsafeFixes?: string;
  /** Lower runs first. Content edits near 0, structural rewrites 100+, the syntax directive last. */
  order: number;
  docsUrl?: string;
  /** The transform's own options (read with `optionOf`), validated from config. */
  options?: Record<string, OptionSpec>;
}

/** Options every transform may read; transform-specific ones live under `transformOptions[id]`. */
export interface Options {
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
  /** Each transform's own options by transform id (declared in its `meta.options`; read with `optionOf`). */
  transformOptions: Record<string, Record<string, unknown>>;
}

/** What a transform sees of the options: never `unsafe` (the runner alone chooses fixes by applicability). */
export type TransformOptions = Readonly<Omit<Options, 'unsafe'>>;

export interface TransformContext {
  buildContext: BuildContext;
  options: TransformOptions;
  /** The document as it was before any transform of this run touched it. */
  original: DockerfileDocument;
  /** Path of the Dockerfile as given by the user (for messages only), if any. */
  path?: string;
}

export interface Transform {
  meta: TransformMeta;
  run(document: DockerfileDocument, context: TransformContext): TransformResult;
}
