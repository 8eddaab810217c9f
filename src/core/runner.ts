/**
 * The transform runner: applies the selected transforms in their fixed order (meta.order, then
 * id), re-parsing after every transform that changed the text, pass after pass until a whole
 * pass changes nothing (at most MAX_PASSES). After every transform, the rewritten text must lex,
 * and every instruction its edits did not touch must still be an instruction of its own, with its
 * keyword and text (src/core/validate.ts checkUntouched: an edit that leaves a line continuation open
 * would make the next instruction words of the edited one). Then it checks its own output: the
 * rewritten instructions must agree with dockerfile-ast, and a fresh run over it must change
 * nothing. If any check fails the file is left unchanged and an internal error is reported.
 */
import { DockerfileDocument, type Instruction } from './document.js';
import { OffsetMap, applyEdits, normalizeEdits } from './edits.js';
import { InputError } from './source.js';
import { checkUntouched, crossCheck } from './validate.js';
import { hasPragmas, ignoredInstructions, readPragmas, touches } from './pragmas.js';
import { EditComposer, type FixEdit } from './edit-compose.js';
import { NoContext, type BuildContext } from './context.js';
import type { Diagnostic, Finding, Fix, Options, Transform, TransformContext, TransformResult } from './types.js';

export const MAX_PASSES = 10;

/** The findings of a transform run without diagnostics (shared; never added to). */
const NO_FINDINGS: Finding[] = Object.freeze([]) as unknown as Finding[];

export interface RunOptions {
  transforms: readonly Transform[];
  options?: Partial<Options>;
  buildContext?: BuildContext;
  path?: string;
  /** Skip the self-check (used by the self-check itself). */
  selfCheck?: boolean;
  /**
   * The document of `text` when the caller already has it (the self-check passes the output's
   * document: no second lex, and its word and state caches are reused).
   */
  document?: DockerfileDocument;
  /**
   * Ids of transforms already known to change nothing on `document` with these options and
   * build context, without having read `context.original` (the self-check passes the
   * transforms of the last pass). They are not run again on that document, so their findings
   * are missing from the result.
   */
  settled?: ReadonlySet<string>;
  /**
   * Stop at the first change (`dockerfix --check`, which only says whether a file would
   * change): the result is `partial`, its output only the first transform's rewrite (checked
   * against dockerfile-ast like any output), never to be written. The other passes and the
   * second run of the self-check are skipped.
   */
  firstChange?: boolean;
}

export interface RunResult {
  /** Input text without BOM. */
  input: string;
  /** Output text without BOM (=== input when nothing changed or on error). */
  output: string;
  bom: boolean;
  changed: boolean;
  findings: Finding[];
  /** `firstChange`: stopped at the first change; `output` is not the finished rewrite. */
  partial?: boolean;
  /** A parse problem in the input or an internal error; the output is then the input. */
  error?: { kind: 'parse' | 'internal'; message: string; line: number; column: number };
  passes: number;
  /**
   * The changes as non-overlapping edits on the input, sorted: applied to the input they give the
   * output. Each names the transforms that made it (src/core/edit-compose.ts).
   */
  edits: AppliedEdit[];
}

/** Replace input[start, end) (also as 1-based line/column, end exclusive) with text. */
export interface AppliedEdit {
  /** The first of `transforms`. */
  transform: string;
  /** Transforms whose edits make up this one (several when one edited what another inserted). */
  transforms: string[];
  start: number;
  end: number;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  text: string;
  fixKind: 'safe' | 'unsafe';
}

/**
 * The diagnostics the runner takes from a result: `withoutUnsafe` when unsafe fixes are not
 * applied and the transform gave one. The runner alone chooses by applicability.
 */
export function chosenDiagnostics(result: TransformResult, unsafe: boolean): Diagnostic[] {
  return !unsafe && result.withoutUnsafe ? result.withoutUnsafe : result.diagnostics;
}

/** Whether a fix is applied with these options. */
export function applies(fix: Fix, unsafe: boolean): boolean {
  return unsafe || fix.applicability === 'safe';
}

export const defaultOptions: Options = { unsafe: false, transformOptions: {} };

export function sortTransforms(transforms: readonly Transform[]): Transform[] {
  return [...transforms].sort((a, b) => a.meta.order - b.meta.order || a.meta.id.localeCompare(b.meta.id));
}

/** Run transforms over `text` (BOM already removed; pass `bom` to keep it in mind). */
export function runTransforms(text: string, run: RunOptions, bom = false): RunResult {
  const options: Options = { ...defaultOptions, ...run.options, transformOptions: { ...run.options?.transformOptions } };
  const buildContext = run.buildContext ?? new NoContext();
  const base: RunResult = { input: text, output: text, bom, changed: false, findings: [], passes: 0, edits: [] };
  let original: DockerfileDocument;
  // A first-change run tokenizes one version only: a token cache would cost without ever being
  // read. Documents over SHARED_MAX_DOC use none (the default): on a 5 MB file most rewritten
  // steps differ from version to version, and a cache of the run kept every version's tokens
  // alive (12% slower, measured).
  const tokenCache = run.firstChange ? null : undefined;
  try {
    original = run.document && run.document.text === text && run.document.bom === bom && run.document.buildArgs === options.buildArgs ? run.document : new DockerfileDocument(text, bom, options.buildArgs, tokenCache);
  } catch (e) {
    if (e instanceof InputError) return { ...base, error: { kind: 'parse', message: e.message, line: e.line, column: e.column } };
    throw e;
  }
  // Inline suppression (`# dockerfix-ignore[-file] [ids]`, src/core/pragmas.ts) is applied here.
  const pragmas = readPragmas(original);
  if (pragmas.ignoreFile) return base;
  const transforms = sortTransforms(run.transforms.filter((t) => !pragmas.fileIds.has(t.meta.id)));
  const usePragmas = hasPragmas(pragmas);
  const composer = new EditComposer(text.length);
  // Transforms are pure functions of (document, context): one that changed nothing on a
  // document needs no second run on it. Whether it read `original` matters only to the
  // self-check, which runs with another original.
  let readOriginal = false;
  const ctx: TransformContext = {
    buildContext,
    options,
    get original() {
      readOriginal = true;
      return original;
    },
    path: run.path,
  };
  /**
   * Per transform: the version of the document (0: the input, then one per rewrite) it last
   * changed nothing on, and its findings there. A number, not the document: earlier versions
   * of a big file are not kept alive for the comparison.
   */
  const quiet = new Map<string, { version: number; notes: Finding[]; readOriginal: boolean; readDirectives: boolean }>();
  let doc = original;
  let docVersion = 0;
  // maps[i] maps offsets of text version i+1 back to version i.
  const maps: OffsetMap[] = [];
  const changeFindings: Finding[] = [];
  let lastFindings = new Map<string, Finding[]>();
  /** Maps an offset of text version `version` (default: the newest) back to the input. */
  const toOriginal = (offset: number, version = maps.length): number => {
    let o = offset;
    for (let i = version - 1; i >= 0; i--) o = maps[i].toOld(o);
    return o;
  };
  const internal = (message: string, offset = 0): RunResult => {
    const p = original.position(Math.min(offset, text.length));
    return { ...base, error: { kind: 'internal', message, line: p.line, column: p.column } };
  };
  const report = (t: Transform, d: Diagnostic, kind = d.kind, message = d.message): Finding => {
    const s = original.position(toOriginal(d.range.start));
    const e = original.position(toOriginal(Math.max(d.range.start, d.range.end)));
    return {
      transform: t.meta.id,
      kind,
      severity: kind === 'change' ? 'warning' : kind === 'error' ? 'error' : 'info',
      message,
      line: s.line,
      column: s.column,
      endLine: e.line,
      endColumn: e.column,
      ...(kind === 'change' ? { fixKind: d.fix?.applicability ?? t.meta.fixKind } : {}),
      code: d.code,
    };
  };
  /** Ids of the fixes (numbered in the order they are applied) by change finding. */
  const fixOf = new Map<Finding, number>();
  let fixIds = 0;

  let passes = 0;
  for (;;) {
    if (passes >= MAX_PASSES) return internal(`transforms did not settle after ${MAX_PASSES} passes`);
    passes++;
    let changedInPass = false;
    const pending = new Map<string, Finding[]>();
    for (const t of transforms) {
      const known = quiet.get(t.meta.id);
      if (known?.version === docVersion) {
        pending.set(t.meta.id, known.notes);
        continue;
      }
      if (doc === original && run.settled?.has(t.meta.id)) continue;
      let result;
      readOriginal = false;
      const directiveReads = doc.directiveReads;
      try {
        result = t.run(doc, ctx);
      } catch (e) {
        return internal(`transform ${t.meta.id} failed: ${(e as Error).stack ?? e}`);
      }
      const diagnostics = chosenDiagnostics(result, options.unsafe);
      if (diagnostics.length === 0) {
        // Nothing to report or apply (most transforms on most files): what the steps below come
        // to for no diagnostics, without their allocations.
        pending.set(t.meta.id, NO_FINDINGS);
        quiet.set(t.meta.id, { version: docVersion, notes: NO_FINDINGS, readOriginal, readDirectives: doc.directiveReads !== directiveReads });
        continue;
      }
      // The edits of every fix applied with these options; a fix shared by several diagnostics once.
      const ids = new Map<Fix, number>();
      let allowed: FixEdit[] = [];
      for (const d of diagnostics) {
        if (!d.fix || ids.has(d.fix) || !applies(d.fix, options.unsafe)) continue;
        const id = fixIds++;
        ids.set(d.fix, id);
        for (const e of d.fix.edits) allowed.push({ start: e.start, end: e.end, text: e.text, fixKind: d.fix.applicability, fix: id });
      }
      const ignored = usePragmas ? ignoredInstructions(doc, readPragmas(doc), t.meta.id) : [];
      const proposed = allowed.length;
      if (ignored.length) allowed = allowed.filter((e) => !ignored.some((i) => touches(i, e.start, e.end)));
      const dropped = allowed.length < proposed;
      const notes: Finding[] = [];
      const changes: Finding[] = [];
      for (const d of diagnostics) {
        if (ignored.length && ignored.some((i) => touches(i, d.range.start, Math.max(d.range.start + 1, d.range.end)))) continue;
        const unsafe = (d.fix?.applicability ?? t.meta.fixKind) === 'unsafe';
        if (d.kind === 'change' && unsafe && !options.unsafe) {
          notes.push({ ...report(t, d, 'info', `${d.message} (unsafe fix: run with --unsafe to apply)`), fixKind: 'unsafe' });
        } else if (d.kind === 'change') {
          const f = report(t, d);
          const id = d.fix && ids.get(d.fix);
          if (id !== undefined) fixOf.set(f, id);
          changes.push(f);
        } else notes.push(report(t, d));
      }
      pending.set(t.meta.id, notes);
      const unchanged = { version: docVersion, notes, readOriginal, readDirectives: doc.directiveReads !== directiveReads };
      if (allowed.length === 0) {
        quiet.set(t.meta.id, unchanged);
        continue;
      }
      let sorted: FixEdit[];
      let next: string;
      try {
        sorted = normalizeEdits(allowed, doc.text.length);
        next = applyEdits(doc.text, sorted);
      } catch (e) {
        return internal(`transform ${t.meta.id} returned bad edits: ${(e as Error).message}`);
      }
      if (next === doc.text) {
        quiet.set(t.meta.id, unchanged);
        continue;
      }
      let nextDoc: DockerfileDocument;
      try {
        nextDoc = new DockerfileDocument(next, bom, options.buildArgs, tokenCache);
      } catch (e) {
        return internal(`transform ${t.meta.id} produced text that does not parse: ${(e as Error).message}`);
      }
      // The instructions no edit touched are all still there, each on its own: an edit that
      // leaves a continuation or heredoc open would make the next one words of the edited one.
      const lost = checkUntouched(doc, sorted, nextDoc);
      // Without its edits on ignored instructions, the rest of a change may be no change the
      // transform meant: when it breaks the file (split-copy's moved `COPY .` after an install
      // step whose open escape it could not remove), or when the transform would still edit the
      // result (that moved `COPY .` without the manifest copy that replaces the original), none
      // of it is applied, and its change findings say so.
      if (dropped && (lost || (ignored.length && !keepsInstructions(doc, nextDoc, ignored, t.meta.id)) || wouldEditAgain(t, nextDoc, ctx, options))) {
        for (const f of changes) notes.push({ ...f, kind: 'skipped', severity: 'info', message: `not applied, because part of it would edit an instruction marked \`# dockerfix-ignore\`: ${f.message}` });
        quiet.set(t.meta.id, unchanged);
        continue;
      }
      if (lost) return internal(`self-check failed: ${t.meta.id}: ${lost.message}`, toOriginal(lost.offset));
      // A transform that moves text could still have duplicated or dropped an ignored
      // instruction through its other edits: then none of its edits of this pass are applied.
      if (ignored.length && !keepsInstructions(doc, nextDoc, ignored, t.meta.id)) {
        quiet.set(t.meta.id, unchanged);
        continue;
      }
      for (const f of changes) changeFindings.push(f);
      composer.apply(sorted, t.meta.id);
      maps.push(OffsetMap.fromEdits(sorted));
      const version = maps.length;
      nextDoc.sourceLine = (offset) => original.lineOf(toOriginal(offset, version));
      // A change to the parser directives alone (the syntax directive) leaves every other line
      // as it was: a transform that changed nothing on `doc` without reading the directives
      // changes nothing on `nextDoc` either, with the same findings (they are already mapped to
      // the input), so it need not run again on it.
      if (onlyDirectivesDiffer(doc, nextDoc)) {
        for (const q of quiet.values()) if (q.version === docVersion && !q.readDirectives) q.version = docVersion + 1;
      }
      doc = nextDoc;
      docVersion++;
      changedInPass = true;
      if (run.firstChange) {
        const problem = crossCheck(doc, original);
        if (problem) return internal(`self-check failed: ${problem.message}`);
        return { input: text, output: doc.text, bom, changed: true, partial: true, findings: [...changeFindings].sort(byPosition), passes, edits: [] };
      }
    }
    lastFindings = pending;
    if (!changedInPass) break;
  }

  const output = doc.text;
  const changed = output !== text;
  if (changed && run.selfCheck !== false) {
    const problem = crossCheck(doc, original);
    if (problem) return internal(`self-check failed: ${problem.message}`);
    // The last pass ran every transform on `doc` and nothing changed; only those that read
    // `original` (which is now `doc`) can behave differently in a fresh run on the output.
    const settled = new Set([...quiet].filter(([, q]) => q.version === docVersion && !q.readOriginal).map(([id]) => id));
    const again = runTransforms(output, { ...run, options, buildContext, selfCheck: false, document: doc, settled }, bom);
    if (again.error) return internal(`self-check failed: the output does not re-run cleanly: ${again.error.message}`);
    if (again.changed) {
      const firstDiff = firstDifference(output, again.output);
      return internal(`self-check failed: a second run would change the output again (near offset ${firstDiff})`);
    }
  }
  const findings = [...changeFindings, ...[...lastFindings.values()].flat()];
  const generated = changed ? original.generatedHeader() : null;
  if (generated) findings.push(generatedNote(original, generated));
  findings.sort(byPosition);
  const composed = changed ? composer.result() : [];
  const edits: AppliedEdit[] = composed.map((e) => {
    const ps = original.position(e.start);
    const pe = original.position(e.end);
    return { transform: e.by[0], transforms: e.by, start: e.start, end: e.end, line: ps.line, column: ps.column, endLine: pe.line, endColumn: pe.column, text: e.text, fixKind: e.fixKind };
  });
  // Each applied change names the edits its fix made: reports read the link, not guess it.
  const editsOfFix = new Map<number, number[]>();
  composed.forEach((e, k) => {
    for (const id of e.fixes) {
      const list = editsOfFix.get(id);
      if (list) list.push(k);
      else editsOfFix.set(id, [k]);
    }
  });
  for (const f of findings) {
    const id = f.kind === 'change' ? fixOf.get(f) : undefined;
    const mine = id === undefined ? undefined : editsOfFix.get(id);
    if (mine) f.edits = mine;
  }
  return { input: text, output, bom, changed, findings, passes, edits };
}

/**
 * A rewrite of a file that says it is generated is still made (the user asked for it, and the
 * diff shows what the generator should produce), with a note naming the header line: the next
 * generation overwrites it.
 */
function generatedNote(doc: DockerfileDocument, h: { start: number; end: number; text: string }): Finding {
  const s = doc.position(h.start);
  const e = doc.position(h.end);
  const message = `the file says it is generated ("${h.text}"): regenerating it undoes these changes; make them in its generator or template too`;
  return { transform: 'generated-file', kind: 'info', severity: 'info', message, line: s.line, column: s.column, endLine: e.line, endColumn: e.column, code: 'generated' };
}

/** Findings in file order (then by transform), as a run reports them. */
function byPosition(a: Finding, b: Finding): number {
  return a.line - b.line || a.column - b.column || a.transform.localeCompare(b.transform);
}

/** The two texts differ only in their parser directives (same escape character). */
function onlyDirectivesDiffer(a: DockerfileDocument, b: DockerfileDocument): boolean {
  if (a.escape !== b.escape) return false;
  const ea = a.directivesEnd;
  const eb = b.directivesEnd;
  return a.text.length - ea === b.text.length - eb && a.text.endsWith(b.text.slice(eb));
}

/** Whether `t` would still change `doc` (its edits on ignored instructions left out). */
function wouldEditAgain(t: Transform, doc: DockerfileDocument, ctx: TransformContext, options: Options): boolean {
  let result;
  try {
    result = t.run(doc, ctx);
  } catch {
    return true;
  }
  const ignored = ignoredInstructions(doc, readPragmas(doc), t.meta.id);
  const fixes = new Set(chosenDiagnostics(result, options.unsafe).flatMap((d) => (d.fix && applies(d.fix, options.unsafe) ? [d.fix] : [])));
  const edits = [...fixes].flatMap((f) => f.edits).filter((e) => !ignored.some((i) => touches(i, e.start, e.end)));
  if (edits.length === 0) return false;
  try {
    return applyEdits(doc.text, normalizeEdits(edits, doc.text.length)) !== doc.text;
  } catch {
    return true;
  }
}

/**
 * Every ignored instruction is still there, as often as before, with the same text, and still
 * ignored: lines inserted between a `# dockerfix-ignore` comment and its instruction (an edit at
 * the instruction's very start does not touch it) would hand the comment to the new line.
 */
function keepsInstructions(before: DockerfileDocument, after: DockerfileDocument, ignored: readonly Instruction[], id: string): boolean {
  const count = (doc: DockerfileDocument, text: string): number => doc.instructions.filter((i) => i.text === text).length;
  if (!ignored.every((i) => count(after, i.text) === count(before, i.text))) return false;
  const still = ignoredInstructions(after, readPragmas(after), id).map((i) => i.text);
  return ignored.every((i) => still.filter((t) => t === i.text).length === ignored.filter((x) => x.text === i.text).length);
}

function firstDifference(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}
