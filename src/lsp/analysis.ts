/**
 * What the language server knows about a Dockerfile, without the protocol: the options the CLI
 * would use for it (config files, the build definitions' context and targets), its build context
 * on disk, and the outcome of running the transforms over the editor's text.
 *
 * Kept between edits (re-analysis only redoes what an edit can change):
 * - the config per directory (ConfigResolver), the loaded transform sets (FileOptions), the
 *   build definitions per Dockerfile, and the build context per (context dir, Dockerfile): its
 *   listing, existence checks and file reads. `invalidate()` drops what a changed file on disk
 *   affects (`workspace/didChangeWatchedFiles`).
 * - the last outcomes per text: typing and undoing back, or a change inside a comment the
 *   transforms ignore, costs a map lookup.
 * Diagnostics come from a run without the self-check (the self-check re-runs everything on the
 * output); code actions run with it, so an edit the server offers passed the same checks as
 * `dockerfix --write`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DirectoryContext, NoContext, type BuildContext } from '../core/context.js';
import { runTransforms, type AppliedEdit, type RunResult } from '../core/runner.js';
import { stripBom } from '../core/source.js';
import type { Finding, Options, Transform } from '../core/types.js';
import { CONFIG_FILES, formatSettingsFor, type FormatSettings } from '../pipeline/config.js';
import { clearEditorConfigCache } from '../pipeline/editorconfig.js';
import { dockerfixIgnored } from '../cli/discover.js';
import { FileError } from '../pipeline/fsio.js';
import { FileOptions, newResolver, type FoundBuild } from '../pipeline/file-options.js';
import type { FileOutcome, ProcessOptions } from '../pipeline/engine.js';
import type { FileBuild } from '../builds/plan.js';
import { loadTransforms } from '../../transforms/index.js';

/** A build context whose file reads are remembered until the context is dropped. */
class CachedContext implements BuildContext {
  readonly kind: BuildContext['kind'];
  readonly available: boolean;
  private readonly reads = new Map<string, string | undefined>();
  constructor(
    readonly inner: BuildContext,
    readonly root: string | undefined,
  ) {
    this.kind = inner.kind;
    this.available = inner.available;
  }
  describe(): string {
    return this.inner.describe();
  }
  exists(rel: string): boolean {
    return this.inner.exists(rel);
  }
  read(rel: string): string | undefined {
    if (this.reads.has(rel)) return this.reads.get(rel);
    const t = this.inner.read(rel);
    this.reads.set(rel, t);
    return t;
  }
  files(): string[] | undefined {
    return this.inner.files();
  }
  ignored(rel: string): boolean {
    return this.inner.ignored(rel);
  }
  excludesTree(rel: string): boolean {
    return this.inner.excludesTree ? this.inner.excludesTree(rel) : false;
  }
  notes(): string[] {
    return this.inner.notes?.() ?? [];
  }
}

export interface Analysis {
  /** The editor's text (BOM included if the editor kept it). */
  text: string;
  /** Length of the BOM the text starts with (0 or 1): offsets of edits are after it. */
  bomLength: number;
  result: RunResult;
  /** Findings to show: the run's plus the build definitions' and the context's notes. */
  findings: Finding[];
  /** Milliseconds the run took (0 when it came from the cache). */
  ms: number;
  /**
   * Built with several contexts that give different results: the note saying so (the result is
   * then the run without a context, as in the CLI).
   */
  contextsDiffer?: Finding;
}

export interface FixResult {
  edits: AppliedEdit[];
  bomLength: number;
  error?: string;
}

export interface FileSetup {
  options: ProcessOptions;
  context: CachedContext;
  /** Info notes from the build definitions (where the context and targets came from). */
  buildNotes: Finding[];
  /** What the build definitions say (further contexts in `otherContexts`), if anything. */
  build?: FileBuild;
}

/** A run's outcome as src/builds/contexts.ts compares them, with the run itself. */
type RunOutcome = FileOutcome & { run: RunResult; context: CachedContext };

const links = new Map<string, string | undefined>();
/**
 * Where a transform's documentation is, as a `file:` URL, when the docs ship beside the code.
 * Looked up once per transform (every diagnostic of every publish asks).
 */
export function docsLink(t: Transform | undefined, id: string): string | undefined {
  const key = `${id}\0${t?.meta.docsUrl ?? ''}`;
  if (links.has(key)) return links.get(key);
  const link = findDocsLink(t, id);
  links.set(key, link);
  return link;
}

function findDocsLink(t: Transform | undefined, id: string): string | undefined {
  const root = packageRoot();
  if (!root) return undefined;
  const rel = t?.meta.docsUrl && !/^[a-z]+:/.test(t.meta.docsUrl) ? t.meta.docsUrl : `docs/transforms.md#${id}`;
  if (/^[a-z]+:/.test(t?.meta.docsUrl ?? '')) return t!.meta.docsUrl;
  const [file, anchor] = rel.split('#');
  const abs = path.join(root, file);
  if (!fs.existsSync(abs)) return undefined;
  return `file://${abs.split(path.sep).join('/')}${anchor ? `#${anchor}` : ''}`;
}

let rootCache: string | null | undefined;
function packageRoot(): string | undefined {
  if (rootCache !== undefined) return rootCache ?? undefined;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'docs'))) return (rootCache = dir);
    dir = path.dirname(dir);
  }
  rootCache = null;
  return undefined;
}

export interface WorkspaceOptions {
  /** `--config` / `--no-config` as the CLI takes them. */
  config?: string | false;
  /** Read the repository's build definitions (compose, workflows, …) for context and targets. */
  buildDefinitions?: boolean;
  cwd?: string;
}

const RESULT_CACHE = 8;

export class Workspace {
  private fileOptions: FileOptions;
  private readonly excludedMemo = new Map<string, Promise<boolean>>();
  private readonly contexts = new Map<string, CachedContext>();
  private readonly builds = new Map<string, { found?: FoundBuild; notes: Finding[]; plan?: FileBuild }>();
  private readonly results = new Map<string, Map<string, Analysis>>();
  /** Per file, the fixes computed for its latest text (by transforms and unsafe). */
  private readonly fixes = new Map<string, { text: string; byKey: Map<string, FixResult> }>();
  private allTransforms?: Promise<Transform[]>;
  /** Transform runs made so far (diagnostics and fixes; each context's run counts). */
  runs = 0;

  constructor(private readonly opts: WorkspaceOptions = {}) {
    this.fileOptions = this.newFileOptions();
  }

  private newFileOptions(): FileOptions {
    return new FileOptions(newResolver(this.opts.cwd ?? process.cwd(), this.opts.config), {});
  }

  /**
   * The config's `exclude` or a `.dockerfixignore` excludes `file`: the CLI never checks, writes
   * nor formats it, so the server shows nothing for it and offers no fix or formatting. An
   * invalid config is not an exclusion (the analysis reports it).
   */
  excluded(file: string): Promise<boolean> {
    let e = this.excludedMemo.get(file);
    if (!e) {
      e = (async () => {
        try {
          return this.fileOptions.settings(file).excluded === true || (await dockerfixIgnored(file));
        } catch {
          return false;
        }
      })();
      this.excludedMemo.set(file, e);
    }
    return e;
  }

  /** The layout `dockerfix fmt` uses for `file`: `.editorconfig`, then the config's `format` (defaults where neither says). */
  formatSettings(file: string): FormatSettings {
    try {
      return formatSettingsFor(file, this.fileOptions.settings(file));
    } catch {
      return {};
    }
  }

  transforms(): Promise<Transform[]> {
    return (this.allTransforms ??= loadTransforms());
  }

  /** @throws ConfigError for an invalid config file. */
  async setup(file: string): Promise<FileSetup> {
    const build = await this.buildFor(file);
    const options = await this.fileOptions.for(file, build.found);
    return { options, context: this.contextOf(file, options), buildNotes: build.notes, ...(build.plan ? { build: build.plan } : {}) };
  }

  /** The (cached) build context the CLI's engine would use for `file` with these options. */
  private contextOf(file: string, options: Pick<ProcessOptions, 'contextDir' | 'noContext'>): CachedContext {
    const dir = options.noContext ? undefined : (options.contextDir ?? path.dirname(file));
    const key = `${dir ?? ''}\0${file}`;
    let context = this.contexts.get(key);
    if (!context) {
      let inner: BuildContext = new NoContext();
      if (dir) {
        try {
          if (fs.statSync(dir).isDirectory()) inner = new DirectoryContext(dir, file);
        } catch {
          // no such directory: no context
        }
      }
      context = new CachedContext(inner, inner.kind === 'directory' ? dir : undefined);
      this.contexts.set(key, context);
    }
    return context;
  }

  private async buildFor(file: string): Promise<{ found?: FoundBuild; notes: Finding[]; plan?: FileBuild }> {
    if (this.opts.buildDefinitions === false) return { notes: [] };
    let b = this.builds.get(file);
    if (b) return b;
    b = { notes: [] };
    try {
      // Loaded lazily: the build definitions pull in the YAML parser.
      // As `dockerfix .` run in the workspace folder plans it: the config's `contexts` entry for
      // the file wins over what is found, and notes name paths relative to the folder.
      const dir = path.dirname(file);
      const root = this.opts.cwd;
      const r = root ? path.relative(root, file) : '..';
      const inRoot = !!root && !r.startsWith('..') && !path.isAbsolute(r);
      const plan = await planBuildsLoaded?.([file], inRoot ? [dir, root] : [dir], inRoot ? root : dir, false, (f) => this.fileOptions.settings(f).build);
      const fb = plan?.files.get(file);
      if (fb) b = { found: { contextDir: fb.contextDir, noContext: fb.noContext, targets: fb.targets, ...(fb.args ? { args: fb.args } : {}), ...(fb.hadolint ? { hadolint: fb.hadolint } : {}) }, notes: fb.findings, plan: fb };
    } catch {
      // A definition that cannot be read changes nothing here; the CLI reports it.
    }
    this.builds.set(file, b);
    return b;
  }

  /**
   * Run the transforms over `text` (the editor's buffer of `file`). Cached per text. A file
   * built with several contexts is analysed with each, as the CLI does (src/builds/contexts.ts):
   * the same result in all of them is used, else only what does not depend on the context.
   */
  async analyse(file: string, text: string, setup?: FileSetup): Promise<Analysis> {
    const s = setup ?? (await this.setup(file));
    let perFile = this.results.get(file);
    const hit = perFile?.get(text);
    if (hit && hit.result) return { ...hit, ms: 0 };
    const t0 = performance.now();
    const { text: body, bom } = stripBom(text);
    const o = this.eachContext(file, body, bom, s, s.options.transforms, s.options.options, false);
    const findings = [...o.run.findings, ...s.buildNotes];
    for (const message of o.context.notes()) findings.push(contextNote(message));
    findings.push(...o.contextsNotes);
    const a: Analysis = { text, bomLength: bom ? 1 : 0, result: o.run, findings, ms: performance.now() - t0, ...(o.differ ? { contextsDiffer: o.contextsNotes[0] } : {}) };
    if (!perFile) this.results.set(file, (perFile = new Map()));
    perFile.delete(text);
    perFile.set(text, a);
    if (perFile.size > RESULT_CACHE) perFile.delete(perFile.keys().next().value!);
    return a;
  }

  /**
   * The analysis of `text` again, its result not kept: V8 compiles and optimises the code an edit
   * runs while the editor is idle, not during the first edits (see the server's warm-up). Run
   * `round` > 0 analyses the text as if typed into: one more space after the keyword of one `RUN`
   * (another each round), so the changed step is tokenized and the later ones are moved, as after
   * an edit. Returns the milliseconds it took.
   */
  async warmUp(file: string, text: string, round = 0): Promise<number> {
    const s = await this.setup(file);
    const t0 = performance.now();
    const runs = round > 0 ? [...text.matchAll(/^[ \t]*RUN /gim)] : [];
    const at = runs.length ? runs[round % runs.length] : undefined;
    const typed = at ? `${text.slice(0, at.index + at[0].length)} ${text.slice(at.index + at[0].length)}` : text;
    const { text: body, bom } = stripBom(typed);
    this.eachContext(file, body, bom, s, s.options.transforms, s.options.options, false);
    return performance.now() - t0;
  }

  /**
   * One run of `transforms` over `body` with the file's context, or, for a file built with
   * several, the outcome src/builds/contexts.ts chooses (the CLI's rule) and its note.
   */
  private eachContext(file: string, body: string, bom: boolean, s: FileSetup, transforms: readonly Transform[], options: Partial<Options> | undefined, selfCheck: boolean): { run: RunResult; context: CachedContext; contextsNotes: Finding[]; differ?: boolean } {
    const runWith = (context: CachedContext): RunOutcome => {
      this.runs++;
      const run = runTransforms(body, { transforms, options, buildContext: context, path: file, ...(selfCheck ? {} : { selfCheck: false }) }, bom);
      const raw = (bom ? '\ufeff' : '') + body;
      const error = run.error ? new FileError(file, run.error.message, run.error.line, run.error.column) : undefined;
      return { path: file, before: raw, after: error ? raw : (bom ? '\ufeff' : '') + run.output, changed: !error && run.changed, findings: run.findings, edits: run.edits, ...(error ? { error } : {}), run, context };
    };
    const first = runWith(s.context);
    if (!s.build?.otherContexts?.length || !analyseEachContextLoaded) return { run: first.run, context: first.context, contextsNotes: [] };
    const chosen = analyseEachContextLoaded(file, s.options, s.build, first, (f, o) => runWith(this.contextOf(f, o))) as RunOutcome;
    // The note the CLI puts first (same result in every context, or only the context-free changes).
    const notes = chosen.findings.slice(0, chosen.findings.length - chosen.run.findings.length);
    return { run: chosen.run, context: chosen.context, contextsNotes: notes, differ: chosen.run !== first.run && notes.length > 0 };
  }

  /**
   * The edits of a fix, checked like `dockerfix --write` (self-check included). `only`: the
   * transform ids to run (the syntax directive is added when it is selected, since a fix may
   * need it); `unsafe`: also apply unsafe fixes.
   */
  async fix(file: string, text: string, only: readonly string[] | undefined, unsafe: boolean): Promise<FixResult> {
    // Editors ask for code actions on every cursor move: the same text, the same fixes.
    let cached = this.fixes.get(file);
    if (cached?.text !== text) this.fixes.set(file, (cached = { text, byKey: new Map() }));
    const key = JSON.stringify([only ?? null, unsafe]);
    let r = cached.byKey.get(key);
    if (!r) cached.byKey.set(key, (r = await this.computeFix(file, text, only, unsafe)));
    return r;
  }

  /**
   * The fix `fix()` would return when it was already computed for this text, else undefined
   * (nothing is run): the server uses it to leave out actions known to change nothing.
   */
  knownFix(file: string, text: string, only: readonly string[] | undefined, unsafe: boolean): FixResult | undefined {
    const cached = this.fixes.get(file);
    return cached?.text === text ? cached.byKey.get(JSON.stringify([only ?? null, unsafe])) : undefined;
  }

  private async computeFix(file: string, text: string, only: readonly string[] | undefined, unsafe: boolean): Promise<FixResult> {
    const s = await this.setup(file);
    let transforms = s.options.transforms;
    if (only) {
      const ids = new Set(only);
      if (transforms.some((t) => t.meta.id === 'syntax-directive')) ids.add('syntax-directive');
      transforms = transforms.filter((t) => ids.has(t.meta.id));
    }
    const options: Partial<Options> = { ...s.options.options, unsafe };
    const { text: body, bom } = stripBom(text);
    // Several contexts: the fix the CLI would make with these transforms (same in all, or context-free).
    const r = this.eachContext(file, body, bom, s, transforms, options, true).run;
    return { edits: r.error ? [] : r.edits, bomLength: bom ? 1 : 0, ...(r.error ? { error: r.error.message } : {}) };
  }

  /**
   * Files changed on disk. Returns whether anything cached was dropped (open documents then
   * need a new analysis).
   */
  invalidate(changed: readonly string[]): boolean {
    let dropped = false;
    for (const file of changed) {
      const base = path.basename(file);
      if ((CONFIG_FILES as readonly string[]).includes(base)) {
        this.fileOptions = this.newFileOptions();
        dropped = true;
      }
      if ((CONFIG_FILES as readonly string[]).includes(base) || base === '.dockerfixignore') {
        this.excludedMemo.clear();
        dropped = true;
      }
      if (base === '.editorconfig') clearEditorConfigCache();
      for (const [key, ctx] of this.contexts) {
        const root = ctx.root ?? key.slice(0, key.indexOf('\0'));
        if (!root) continue;
        const r = path.relative(root, file);
        if (r === '' || (!r.startsWith('..') && !path.isAbsolute(r))) {
          this.contexts.delete(key);
          dropped = true;
        }
      }
      // Compose files, workflows, Makefiles, bake files…: cheap to read again.
      if (this.builds.size && !/(^|\/)(Dockerfile|Containerfile)[^/]*$|\.dockerfile$/i.test(file)) {
        this.builds.clear();
        dropped = true;
      }
    }
    if (dropped) {
      this.results.clear();
      this.fixes.clear();
    }
    return dropped;
  }

  forget(file: string): void {
    this.results.delete(file);
    this.fixes.delete(file);
  }
}

function contextNote(message: string): Finding {
  return { transform: 'context', kind: 'info', severity: 'info', message, line: 1, column: 1, endLine: 1, endColumn: 1, code: 'context-note' };
}

type PlanBuilds = typeof import('../builds/plan.js').planBuilds;
type AnalyseEachContext = typeof import('../builds/contexts.js').analyseEachContext;
let planBuildsLoaded: PlanBuilds | undefined;
let analyseEachContextLoaded: AnalyseEachContext | undefined;
/** Loads the build-definitions reader (once, before the first analysis). */
export async function loadBuildReader(): Promise<void> {
  planBuildsLoaded ??= (await import('../builds/plan.js')).planBuilds;
  analyseEachContextLoaded ??= (await import('../builds/contexts.js')).analyseEachContext;
}
