/**
 * `dockerfix lsp`: a language server over stdio. For every open Dockerfile (the names the CLI's
 * directory search takes) it publishes a diagnostic per change dockerfix would make (information
 * severity, the transform id as code, the reason as message, a link to the transform's docs) and
 * per skipped step whose reason the user can act on (hint); offers a code action per change, a
 * "fix all safe" source action (`source.fixAll.dockerfix`) and a "fix all including unsafe" one
 * (`source.dockerfix.unsafe`, never run by an editor's fix-on-save); and, when the client asks
 * for it (initialization option `formatting: true`), formats with the formatter.
 *
 * A client that resolves code actions (`textDocument.codeAction.resolveSupport` with `edit`, and
 * `dataSupport`: VS Code, Neovim 0.7+) gets them without their edits, decided from the analysis
 * the diagnostics come from; the edit is computed by `codeAction/resolve` when one is chosen. The
 * lightbulb's request after every keystroke then costs no fix run. Other clients get the edits
 * with the actions.
 *
 * Source name `dockerfix`, so its diagnostics sit beside the Docker extension's own.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  CodeActionKind,
  DiagnosticSeverity,
  DidChangeWatchedFilesNotification,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  createConnection,
  type CodeAction,
  type Connection,
  type Diagnostic,
  type InitializeResult,
  type TextEdit,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { AppliedEdit } from '../core/runner.js';
import type { Finding, Transform } from '../core/types.js';
import { format } from '../format/index.js';
import { docsLink, loadBuildReader, Workspace, type Analysis } from './analysis.js';

export const SOURCE = 'dockerfix';
export const FIX_ALL_SAFE = `${CodeActionKind.SourceFixAll}.dockerfix`;
export const FIX_ALL_UNSAFE = `${CodeActionKind.Source}.dockerfix.unsafe`;

/** What the client may pass as `initializationOptions`. */
export interface LspInitOptions {
  /** Register document formatting (off by default: the Docker extension formats already). */
  formatting?: boolean;
  /** A config file as `--config` takes it, or false for `--no-config`. */
  config?: string | false;
  /** Read compose files, workflows, … for the context and targets (default true). */
  buildDefinitions?: boolean;
  /**
   * Wait this long after a change before analysing (default 0: changes that arrive while an
   * analysis runs are applied together before the next one starts, so a burst costs one run).
   */
  debounceMs?: number;
  /**
   * Warm up while the editor is idle after a document was analysed (default true; see
   * WARM_UP_RUNS): the first edits then take about as long as later ones.
   */
  warmUp?: boolean;
  /** How long the editor must be idle before the warm-up (default WARM_UP_IDLE_MS). */
  warmUpIdleMs?: number;
}

/**
 * The warm-up: the first edits of a session took twice as long as later ones (V8 compiling and
 * optimising the transforms meanwhile: a median of 26.5 ms over the first 40 edits of a
 * 500-line file, 13.7 ms over 300). While the editor is idle (no message for WARM_UP_IDLE_MS)
 * after a document was analysed, the server analyses its text again, the result not kept, up to
 * WARM_UP_RUNS times per process (about a second of CPU time, once). Any message ends the run of
 * warm-ups until the next idle time; a message that arrives during one waits for it (one
 * analysis, less as V8 warms up).
 */
const WARM_UP_RUNS = 30;
const WARM_UP_IDLE_MS = 500;

let minorGc: (() => void) | null | undefined;
/**
 * A young-generation collection once an analysis is done. Its garbage is then nearly all of the
 * young generation, so the collection is short, and the next edit's analysis starts with an
 * empty one: it then mostly runs without a collection (a collection during an analysis copies
 * the documents the run is working on; on a 500-line file 3 edits in 4 had one, 5-25 ms each).
 * Node gives `gc` only with --expose-gc: the flag is set for a new context, which then has
 * `gc`, and unset. Without it (another runtime): nothing.
 */
function collectYoung(): void {
  if (minorGc === undefined) {
    minorGc = null;
    try {
      v8.setFlagsFromString('--expose-gc');
      const gc = vm.runInNewContext('gc') as (options: { type: 'minor' }) => void;
      minorGc = () => gc({ type: 'minor' });
    } catch {
      // no gc: collections stay where V8 puts them
    } finally {
      v8.setFlagsFromString('--no-expose-gc');
    }
  }
  minorGc?.();
}

/** The names the CLI's directory search takes (src/cli/discover.ts). */
export function isDockerfileName(name: string): boolean {
  const named =
    name === 'Dockerfile' ||
    name === 'Containerfile' ||
    name.startsWith('Dockerfile.') ||
    name.startsWith('Containerfile.') ||
    (name.length > 11 && (name.endsWith('.Dockerfile') || name.endsWith('.dockerfile')));
  return named && !/\.(dockerignore|md|orig|rej|template|tmpl|j2|in)$/.test(name) && !/\.dockerfix-[^/]*\.tmp$/.test(name);
}

function filePath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

/**
 * Skipped steps shown as hints: those whose reason the user can change. A step the user marked
 * `# dockerfix-ignore` is their own decision, not something to act on.
 */
export function actionableSkip(f: Finding): boolean {
  return f.kind === 'skipped' && !/dockerfix-ignore/.test(f.message);
}

/** An unsafe change the run reported as a note (the CLI's "run with --unsafe"). */
function unsafeNote(f: Finding): boolean {
  return f.kind === 'info' && f.fixKind === 'unsafe';
}

interface DiagnosticData {
  transform: string;
  fixKind: 'safe' | 'unsafe';
}

/**
 * Which fix a code action stands for: one transform's (the quick fix of a diagnostic, with the
 * diagnostic's message: the change it proposes) or all of them.
 */
type FixChoice = { transform: string; fixKind: 'safe' | 'unsafe'; message: string } | 'all-safe' | 'all-unsafe';

/**
 * The `data` of a code action offered without its edit (`codeAction/resolve`): the document and
 * the text the action was offered for (its version and a digest of the text: versions start
 * again when a document is reopened), and which fix.
 */
export interface CodeActionData {
  uri: string;
  version: number;
  digest: string;
  fix: FixChoice;
}

function digest(text: string): string {
  return createHash('sha1').update(text).digest('base64');
}

function isCodeActionData(d: unknown): d is CodeActionData {
  if (!d || typeof d !== 'object') return false;
  const o = d as Record<string, unknown>;
  const fix = o.fix as Record<string, unknown> | string | undefined;
  const fixOk = fix === 'all-safe' || fix === 'all-unsafe' || (!!fix && typeof fix === 'object' && typeof fix.transform === 'string' && (fix.fixKind === 'safe' || fix.fixKind === 'unsafe') && typeof fix.message === 'string');
  return typeof o.uri === 'string' && typeof o.version === 'number' && typeof o.digest === 'string' && fixOk;
}

/** The transforms and unsafe flag of `Workspace.fix` for a choice. */
function fixArgs(fix: FixChoice): { only: string[] | undefined; unsafe: boolean } {
  if (fix === 'all-safe') return { only: undefined, unsafe: false };
  if (fix === 'all-unsafe') return { only: undefined, unsafe: true };
  return { only: [fix.transform], unsafe: fix.fixKind === 'unsafe' };
}

const messageText = (d: Diagnostic): string => (typeof d.message === 'string' ? d.message : d.message.value);

/**
 * Whether the analysis of a text (its diagnostics) still proposes the fix: the same transform
 * with the same message and fix kind for a quick fix; a change of that kind for a fix-all.
 */
function proposes(diagnostics: readonly Diagnostic[], fix: FixChoice): boolean {
  return diagnostics.some((d) => {
    const data = d.data as DiagnosticData | undefined;
    if (!data) return false;
    if (fix === 'all-safe') return data.fixKind === 'safe';
    if (fix === 'all-unsafe') return data.fixKind === 'unsafe';
    return data.transform === fix.transform && data.fixKind === fix.fixKind && messageText(d) === fix.message;
  });
}

export function toDiagnostics(a: Analysis, doc: TextDocument, byId: Map<string, Transform>): Diagnostic[] {
  const out: Diagnostic[] = [];
  const e = a.result.error;
  if (e) {
    const pos = { line: Math.max(0, e.line - 1), character: Math.max(0, e.column - 1) };
    out.push({ severity: DiagnosticSeverity.Error, source: SOURCE, message: e.message, range: { start: pos, end: pos } });
    return out;
  }
  if (a.contextsDiffer) {
    // Why changes that depend on the context are not offered: said where the file starts.
    const end = { line: 0, character: doc.getText({ start: { line: 0, character: 0 }, end: { line: 1, character: 0 } }).replace(/\r?\n$/, '').length };
    out.push({ severity: DiagnosticSeverity.Hint, source: SOURCE, code: 'contexts', message: a.contextsDiffer.message, range: { start: { line: 0, character: 0 }, end } });
  }
  for (const f of a.findings) {
    const change = f.kind === 'change' || unsafeNote(f);
    if (!change && !actionableSkip(f)) continue;
    const start = { line: f.line - 1, character: f.column - 1 };
    let end = { line: f.endLine - 1, character: f.endColumn - 1 };
    if (end.line < start.line || (end.line === start.line && end.character <= start.character)) end = { line: start.line, character: doc.getText({ start: { line: start.line, character: 0 }, end: { line: start.line + 1, character: 0 } }).replace(/\r?\n$/, '').length };
    const link = docsLink(byId.get(f.transform), f.transform);
    const unsafe = f.fixKind === 'unsafe';
    out.push({
      severity: change ? DiagnosticSeverity.Information : DiagnosticSeverity.Hint,
      source: SOURCE,
      code: f.transform,
      ...(link ? { codeDescription: { href: link } } : {}),
      message: f.message,
      range: { start, end },
      ...(change ? { data: { transform: f.transform, fixKind: unsafe ? 'unsafe' : 'safe' } satisfies DiagnosticData } : {}),
    });
  }
  return out;
}

export function toTextEdits(doc: TextDocument, edits: readonly AppliedEdit[], bomLength: number): TextEdit[] {
  return edits.map((e) => ({ range: { start: doc.positionAt(e.start + bomLength), end: doc.positionAt(e.end + bomLength) }, newText: e.text }));
}

type Range = { start: { line: number; character: number }; end: { line: number; character: number } };
const before = (a: Range['start'], b: Range['start']): boolean => a.line < b.line || (a.line === b.line && a.character < b.character);
/** Ranges meet (touching counts: a cursor at the end of a line asks about that line). */
function overlaps(a: Range, b: Range): boolean {
  return !before(a.end, b.start) && !before(b.end, a.start);
}

/** A short title from a finding's message: its first clause. */
function title(message: string): string {
  let s = message.replace(/\s*\(unsafe fix: run with --unsafe to apply\)$/, '');
  const cut = s.search(/[:;]\s|\.\s/);
  if (cut > 20) s = s.slice(0, cut);
  return s.length > 90 ? `${s.slice(0, 87)}…` : s;
}

/** The transform whose change only follows others' (see `Workspace.fix`). */
const SYNTAX_DIRECTIVE = 'syntax-directive';
const FIX_ALL_SAFE_TITLE = 'dockerfix: fix all safe';
const FIX_ALL_UNSAFE_TITLE = 'dockerfix: fix all including unsafe (changes that may alter the build: review)';
function quickFixTitle(d: Diagnostic, unsafe: boolean): string {
  return `dockerfix: ${title(messageText(d))}${unsafe ? ' (unsafe: review before applying)' : ''}`;
}

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  let workspace = new Workspace();
  let formatting = false;
  let debounceMs: number | undefined;
  let watchRegistration = false;
  /** The client resolves code actions (`codeAction/resolve` with `edit`): edits are computed then. */
  let resolveEdits = false;
  let byId = new Map<string, Transform>();
  type Timer = { timeout?: NodeJS.Timeout; immediate?: NodeJS.Immediate };
  const timers = new Map<string, Timer>();
  const generation = new Map<string, number>();
  let warmUp = true;
  let warmUpIdleMs = WARM_UP_IDLE_MS;
  let warmRuns = 0;
  let warmTimer: NodeJS.Timeout | undefined;
  /** When the last message that can need an analysis came (performance.now()). */
  let lastMessage = 0;
  /** Analyses of publish() under way. */
  let analysing = 0;
  const activity = (): void => {
    lastMessage = performance.now();
  };

  const wanted = (uri: string): string | undefined => {
    const file = filePath(uri);
    return file && isDockerfileName(path.basename(file)) ? file : undefined;
  };

  async function publish(doc: TextDocument): Promise<void> {
    const file = wanted(doc.uri);
    if (!file) return;
    const gen = (generation.get(doc.uri) ?? 0) + 1;
    generation.set(doc.uri, gen);
    let diagnostics: Diagnostic[];
    let excluded = false;
    analysing++;
    try {
      // Excluded (config `exclude`, .dockerfixignore): nothing shown; an exclusion added later clears what was.
      excluded = await workspace.excluded(file);
      diagnostics = excluded ? [] : toDiagnostics(await workspace.analyse(file, doc.getText()), doc, byId);
    } catch (e) {
      diagnostics = [{ severity: DiagnosticSeverity.Error, source: SOURCE, message: (e as Error).message, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }];
    } finally {
      analysing--;
    }
    // A newer change started its own analysis meanwhile: its diagnostics win.
    if (generation.get(doc.uri) !== gen || !documents.get(doc.uri)) return;
    await connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics });
    setImmediate(collectYoung);
    if (!excluded) armWarmUp(doc.uri);
  }

  /** The warm-up (WARM_UP_RUNS): the next run once the editor has been idle long enough. */
  function armWarmUp(uri: string): void {
    if (!warmUp || warmRuns >= WARM_UP_RUNS) return;
    if (warmTimer) clearTimeout(warmTimer);
    warmTimer = setTimeout(() => warmStep(uri), Math.max(0, lastMessage + warmUpIdleMs - performance.now()));
    warmTimer.unref();
  }

  function warmStep(uri: string): void {
    warmTimer = undefined;
    const doc = documents.get(uri);
    const file = doc && wanted(uri);
    if (!doc || !file || warmRuns >= WARM_UP_RUNS) return;
    // An analysis waits or runs, or a message came meanwhile: wait for the next idle time.
    if (timers.size || analysing || performance.now() - lastMessage < warmUpIdleMs) {
      if (!timers.size && !analysing) armWarmUp(uri);
      return;
    }
    workspace.warmUp(file, doc.getText(), warmRuns).then(
      // The next one after the messages that came during this one (setImmediate: after I/O).
      () => {
        warmRuns++;
        collectYoung();
        setImmediate(() => warmStep(uri));
      },
      () => {
        warmRuns = WARM_UP_RUNS;
      },
    );
  }

  function schedule(doc: TextDocument, now = false): void {
    activity();
    cancel(doc.uri);
    const run = (): void => {
      timers.delete(doc.uri);
      const current = documents.get(doc.uri);
      if (current) void publish(current);
    };
    const delay = now ? 0 : (debounceMs ?? 0);
    if (delay > 0) {
      timers.set(doc.uri, { timeout: setTimeout(run, delay) });
      return;
    }
    // No debounce: run once the messages already received are handled. The connection handles
    // one queued message per setImmediate turn; an immediate queued from an immediate runs in
    // the next turn, after the connection's next message, whose change re-schedules this one.
    // (setTimeout(0) would wait a whole millisecond.)
    const t: Timer = { immediate: setImmediate(() => (t.immediate = setImmediate(run))) };
    timers.set(doc.uri, t);
  }

  function cancel(uri: string): void {
    const t = timers.get(uri);
    if (t?.timeout) clearTimeout(t.timeout);
    if (t?.immediate) clearImmediate(t.immediate);
    timers.delete(uri);
  }

  connection.onInitialize(async (params): Promise<InitializeResult> => {
    const init = (params.initializationOptions ?? {}) as LspInitOptions;
    formatting = init.formatting === true;
    debounceMs = typeof init.debounceMs === 'number' ? Math.max(0, init.debounceMs) : undefined;
    warmUp = init.warmUp !== false;
    if (typeof init.warmUpIdleMs === 'number') warmUpIdleMs = Math.max(0, init.warmUpIdleMs);
    const root = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? undefined;
    const cwd = (root && filePath(root)) || process.cwd();
    workspace = new Workspace({ config: init.config, buildDefinitions: init.buildDefinitions !== false, cwd });
    watchRegistration = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    const ca = params.capabilities.textDocument?.codeAction;
    resolveEdits = ca?.dataSupport === true && (ca.resolveSupport?.properties ?? []).includes('edit');
    const all = await workspace.transforms();
    byId = new Map(all.map((t) => [t.meta.id, t]));
    if (init.buildDefinitions !== false) await loadBuildReader();
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_SAFE, FIX_ALL_UNSAFE], ...(resolveEdits ? { resolveProvider: true } : {}) },
        ...(formatting ? { documentFormattingProvider: true } : {}),
      },
      serverInfo: { name: 'dockerfix' },
    };
  });

  connection.onInitialized(() => {
    // Manifests, lockfiles, .dockerignore, config and build definitions change what is offered.
    if (watchRegistration) void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*' }] });
  });

  documents.onDidOpen((e) => schedule(e.document, true));
  documents.onDidChangeContent((e) => schedule(e.document));
  documents.onDidClose((e) => {
    activity();
    cancel(e.document.uri);
    const file = wanted(e.document.uri);
    if (file) workspace.forget(file);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  connection.onDidChangeWatchedFiles((p) => {
    const files = p.changes.map((c) => filePath(c.uri)).filter((f): f is string => !!f);
    if (!workspace.invalidate(files)) return;
    for (const doc of documents.all()) schedule(doc, true);
  });

  connection.onCodeAction(async (p) => {
    activity();
    const doc = documents.get(p.textDocument.uri);
    const file = doc && wanted(doc.uri);
    if (!doc || !file || (await workspace.excluded(file))) return [];
    const only = p.context.only;
    const allows = (kind: string): boolean => !only || only.some((o) => kind === o || kind.startsWith(`${o}.`));
    const text = doc.getText();
    if (resolveEdits) return offerLazily(doc, file, text, p.range, allows);
    const actions: CodeAction[] = [];
    const edit = (edits: AppliedEdit[], bomLength: number) => ({ changes: { [doc.uri]: toTextEdits(doc, edits, bomLength) } });
    if (allows(CodeActionKind.QuickFix)) {
      const seen = new Set<string>();
      // From the current analysis (cached), not from what the client sends back: not every
      // client returns a diagnostic's `data`.
      const a = await workspace.analyse(file, text);
      const mine = toDiagnostics(a, doc, byId).filter((d) => d.data && overlaps(d.range, p.range));
      for (const d of mine) {
        const data = d.data as DiagnosticData;
        const key = `${data.transform}\0${data.fixKind}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const fix = await workspace.fix(file, text, [data.transform], data.fixKind === 'unsafe');
        if (fix.edits.length === 0) continue;
        const unsafe = data.fixKind === 'unsafe';
        actions.push({
          title: quickFixTitle(d, unsafe),
          kind: CodeActionKind.QuickFix,
          diagnostics: [d],
          isPreferred: !unsafe,
          edit: edit(fix.edits, fix.bomLength),
        });
      }
    }
    if (allows(FIX_ALL_SAFE)) {
      const fix = await workspace.fix(file, text, undefined, false);
      if (fix.edits.length) actions.push({ title: FIX_ALL_SAFE_TITLE, kind: FIX_ALL_SAFE, edit: edit(fix.edits, fix.bomLength) });
    }
    if (allows(FIX_ALL_UNSAFE)) {
      const safe = allows(FIX_ALL_SAFE) ? actions.find((a) => a.kind === FIX_ALL_SAFE) : undefined;
      const fix = await workspace.fix(file, text, undefined, true);
      const differs = fix.edits.length && JSON.stringify(edit(fix.edits, fix.bomLength)) !== JSON.stringify(safe?.edit);
      if (differs) actions.push({ title: FIX_ALL_UNSAFE_TITLE, kind: FIX_ALL_UNSAFE, edit: edit(fix.edits, fix.bomLength) });
    }
    return actions;
  });

  /**
   * The code actions without their edits, for a client that resolves them: what is offered is
   * decided from the analysis of the text (the one the diagnostics come from, cached), so a
   * request for the lightbulb after a keystroke costs no fix run. The fixes already computed
   * for this text are looked at (nothing is run): an action known to change nothing, or a "fix
   * all including unsafe" known to change what "fix all safe" does, is left out, as the eager
   * path does.
   */
  async function offerLazily(doc: TextDocument, file: string, text: string, range: Range, allows: (kind: string) => boolean): Promise<CodeAction[]> {
    const a = await workspace.analyse(file, text);
    const diagnostics = toDiagnostics(a, doc, byId).filter((d) => d.data);
    const base = { uri: doc.uri, version: doc.version, digest: digest(text) };
    const known = (fix: FixChoice) => {
      const { only, unsafe } = fixArgs(fix);
      return workspace.knownFix(file, text, only, unsafe);
    };
    const actions: CodeAction[] = [];
    if (allows(CodeActionKind.QuickFix)) {
      const seen = new Set<string>();
      for (const d of diagnostics) {
        if (!overlaps(d.range, range)) continue;
        const data = d.data as DiagnosticData;
        const key = `${data.transform}\0${data.fixKind}`;
        if (seen.has(key)) continue;
        seen.add(key);
        // The directive is added when the run introduced BuildKit syntax: run alone, it never
        // changes anything (the eager path leaves its quick fix out for that reason).
        if (data.transform === SYNTAX_DIRECTIVE) continue;
        const fix: FixChoice = { transform: data.transform, fixKind: data.fixKind, message: messageText(d) };
        if (known(fix)?.edits.length === 0) continue;
        const unsafe = data.fixKind === 'unsafe';
        actions.push({ title: quickFixTitle(d, unsafe), kind: CodeActionKind.QuickFix, diagnostics: [d], isPreferred: !unsafe, data: { ...base, fix } satisfies CodeActionData });
      }
    }
    const safe = known('all-safe');
    const safeOffered = allows(FIX_ALL_SAFE) && proposes(diagnostics, 'all-safe') && safe?.edits.length !== 0;
    if (safeOffered) actions.push({ title: FIX_ALL_SAFE_TITLE, kind: FIX_ALL_SAFE, data: { ...base, fix: 'all-safe' } satisfies CodeActionData });
    if (allows(FIX_ALL_UNSAFE) && proposes(diagnostics, 'all-unsafe')) {
      const unsafe = known('all-unsafe');
      const same = unsafe && (unsafe.edits.length === 0 || (safeOffered && safe && JSON.stringify(toTextEdits(doc, unsafe.edits, unsafe.bomLength)) === JSON.stringify(toTextEdits(doc, safe.edits, safe.bomLength))));
      if (!same) actions.push({ title: FIX_ALL_UNSAFE_TITLE, kind: FIX_ALL_UNSAFE, data: { ...base, fix: 'all-unsafe' } satisfies CodeActionData });
    }
    return actions;
  }

  /**
   * The edit of an action offered without it. Computed on the document's current text: when
   * that is the text the action was offered for (same digest), the fix is run as the eager path
   * runs it; when the document changed since, only if the current analysis still proposes the
   * same fix (a quick fix: the same transform, fix kind and message; a fix-all: a change of
   * its kind), else the action comes back without an edit. An edit is never computed on a text
   * other than the document's current one.
   */
  connection.onCodeActionResolve(async (action) => {
    activity();
    const { edit: _stale, ...bare } = action;
    const data = action.data;
    if (!isCodeActionData(data)) return bare;
    const doc = documents.get(data.uri);
    const file = doc && wanted(doc.uri);
    if (!doc || !file || (await workspace.excluded(file))) return bare;
    const text = doc.getText();
    if (digest(text) !== data.digest) {
      const a = await workspace.analyse(file, text);
      if (!proposes(toDiagnostics(a, doc, byId), data.fix)) return bare;
    }
    const { only, unsafe } = fixArgs(data.fix);
    const fix = await workspace.fix(file, text, only, unsafe);
    if (!fix.edits.length) return bare;
    return { ...bare, edit: { changes: { [doc.uri]: toTextEdits(doc, fix.edits, fix.bomLength) } } };
  });

  connection.onDocumentFormatting(async (p) => {
    activity();
    if (!formatting) return null;
    const doc = documents.get(p.textDocument.uri);
    if (!doc) return null;
    // As `dockerfix fmt` formats the file on disk: its .editorconfig and config `format` layout; an
    // excluded file is left as it is.
    const file = filePath(doc.uri);
    if (file && (await workspace.excluded(file))) return [];
    const text = doc.getText();
    const r = format(text, file ? workspace.formatSettings(file) : {});
    if (r.error || !r.changed) return [];
    return [{ range: { start: { line: 0, character: 0 }, end: doc.positionAt(text.length) }, newText: r.output }];
  });

  documents.listen(connection);
  connection.listen();
}

/** `dockerfix lsp [--stdio]`: serve on standard input/output until the client says exit. */
export async function lspMain(args: string[], stderr: NodeJS.WritableStream): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    stderr.write('Usage: dockerfix lsp [--stdio]\n\nA language server on standard input/output (see README: Editors).\n');
    return 0;
  }
  const unknown = args.filter((a) => a !== '--stdio');
  if (unknown.length) {
    stderr.write(`dockerfix lsp: unknown argument ${JSON.stringify(unknown[0])}\n`);
    return 2;
  }
  const connection = createConnection(ProposedFeatures.all, process.stdin, process.stdout);
  startServer(connection);
  // The connection ends the process on `exit` (code 0 after `shutdown`, 1 without).
  return new Promise<number>(() => undefined);
}

