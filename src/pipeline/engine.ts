/**
 * The one pipeline (`processText` / `processFile`) that every caller runs the transforms
 * through: the API (`fix`), the CLI and its batch workers, `explain`, and the fixture harness.
 * It owns BOM handling, the choice of build context, the context's notes, the internal-error
 * guard and `--fmt`. Nothing here prints or exits.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DirectoryContext, NoContext, type BuildContext } from '../core/context.js';
import { FileError, readDockerfile } from './fsio.js';
import { runTransforms, type AppliedEdit, type RunResult } from '../core/runner.js';
import { format, type FormatOptions } from '../format/index.js';
import { LineIndex, stripBom } from '../core/source.js';
import type { Finding, Options, Transform } from '../core/types.js';

export interface ProcessOptions {
  transforms: readonly Transform[];
  options?: Partial<Options>;
  /** Build context directory; default: the Dockerfile's directory. */
  contextDir?: string;
  /** Do not look at any build context. */
  noContext?: boolean;
  /** The build context itself (API, tests): wins over `contextDir` and `noContext`. */
  buildContext?: BuildContext;
  /** `--fmt`: also format (src/format) the files the transforms rewrite (with these settings). */
  fmt?: boolean | FormatOptions;
  /**
   * Only find out whether the file would change (`--check`): the transforms stop at the first
   * change, and the outcome is `partial` (see RunOptions.firstChange).
   */
  firstChange?: boolean;
}

export interface FileOutcome {
  path: string;
  /** Text before/after, BOM included (what is on disk). */
  before: string;
  after: string;
  changed: boolean;
  findings: Finding[];
  /** The applied edits with ranges in `before` (BOM excluded); empty when unchanged. */
  edits?: AppliedEdit[];
  error?: FileError;
  /** The error is an internal one (a bug in a transform); the file was left unchanged. */
  internal?: boolean;
  /** `firstChange`: `after` and `findings` stop at the first change; never write `after`. */
  partial?: boolean;
  /** The runner's own error (kind, message without prefix, position), when it reported one. */
  runError?: NonNullable<RunResult['error']>;
  /** Number of passes the runner made. */
  passes?: number;
}

export function contextFor(file: string | undefined, opts: ProcessOptions, fileWasRead = false): BuildContext {
  if (opts.buildContext) return opts.buildContext;
  if (opts.noContext) return new NoContext();
  const dir = opts.contextDir ?? (file ? path.dirname(file) : undefined);
  if (!dir) return new NoContext();
  // The directory of a file just read through it is a directory: no stat for that.
  if (!(fileWasRead && opts.contextDir === undefined)) {
    try {
      if (!fs.statSync(dir).isDirectory()) return new NoContext();
    } catch {
      return new NoContext();
    }
  }
  return new DirectoryContext(dir, file);
}

/** Run on text (from a file or stdin). `file` names it in messages and picks the context. */
export function processText(raw: string, file: string, opts: ProcessOptions, contextFile?: string): FileOutcome {
  return processRaw(raw, file, opts, contextFile, false);
}

function processRaw(raw: string, file: string, opts: ProcessOptions, contextFile: string | undefined, fileWasRead: boolean): FileOutcome {
  const { text, bom } = stripBom(raw);
  if (text.trim() === '') return { path: file, before: raw, after: raw, changed: false, findings: [] };
  const buildContext = contextFor(contextFile, opts, fileWasRead);
  let r: RunResult;
  try {
    r = runTransforms(text, { transforms: opts.transforms, options: opts.options, buildContext, path: file, firstChange: opts.firstChange }, bom);
  } catch (e) {
    // A bug outside the transforms' own guarded calls (or a resource limit such as the call
    // stack): the file is left unchanged and reported as an error (exit 2), never as a change.
    const message = `internal error (file left unchanged): ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
    return { path: file, before: raw, after: raw, changed: false, findings: [], error: new FileError(file, message), internal: true };
  }
  // What the context passed over (links out of it, FIFOs, oversized files): said, not silent.
  for (const message of buildContext.notes?.() ?? []) {
    r.findings.push({ transform: 'context', kind: 'info', severity: 'info', message, line: 1, column: 1, endLine: 1, endColumn: 1, code: 'context-note' });
  }
  const after = (bom ? '\ufeff' : '') + r.output;
  if (r.error) {
    const prefix = r.error.kind === 'internal' ? 'internal error (file left unchanged): ' : '';
    return {
      path: file,
      before: raw,
      after: raw,
      changed: false,
      findings: r.findings,
      error: new FileError(file, prefix + r.error.message, r.error.line, r.error.column),
      internal: r.error.kind === 'internal',
      runError: r.error,
      passes: r.passes,
    };
  }
  if (r.partial) return { path: file, before: raw, after, changed: true, findings: r.findings, edits: [], partial: true, passes: r.passes };
  if (opts.fmt && r.changed) return formatRewritten({ path: file, before: raw, after, changed: true, findings: r.findings, edits: r.edits, passes: r.passes }, typeof opts.fmt === 'object' ? opts.fmt : {});
  return { path: file, before: raw, after, changed: r.changed, findings: r.findings, edits: r.edits, passes: r.passes };
}

/**
 * `--fmt`: lay out a rewritten file with the formatter. Its semantic guard keeps the
 * transforms' output when formatting would change meaning. The edits then become one
 * whole-file replacement, so JSON/SARIF consumers that apply them get exactly `after`.
 */
function formatRewritten(outcome: FileOutcome, fo: FormatOptions): FileOutcome {
  const f = format(outcome.after, fo);
  if (f.error || !f.changed) return outcome;
  const { text: before } = stripBom(outcome.before);
  const { text: after } = stripBom(f.output);
  const end = new LineIndex(before).position(before.length);
  const edit: AppliedEdit = {
    transform: 'fmt',
    transforms: [...new Set([...(outcome.edits ?? []).flatMap((e) => e.transforms), 'fmt'])],
    start: 0,
    end: before.length,
    line: 1,
    column: 1,
    endLine: end.line,
    endColumn: end.column,
    text: after,
    fixKind: (outcome.edits ?? []).some((e) => e.fixKind === 'unsafe') ? 'unsafe' : 'safe',
  };
  return { ...outcome, after: f.output, edits: [edit] };
}


export function processFile(file: string, opts: ProcessOptions): FileOutcome {
  let raw: string;
  try {
    const d = readDockerfile(file);
    raw = (d.bom ? '\ufeff' : '') + d.text;
  } catch (e) {
    if (e instanceof FileError) return { path: file, before: '', after: '', changed: false, findings: [], error: e };
    throw e;
  }
  return processRaw(raw, file, opts, file, true);
}
