/**
 * The build context a Dockerfile is built with: which files exist (after `.dockerignore`) and
 * what the dependency manifests say. Three sources: a real directory, a listing (the shared
 * corpus ships `context.txt` plus the manifests), or nothing (stdin, `--no-context`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { dockerignoreMatcher, readPatterns } from './dockerignore.js';
import { readWhole, realPath } from './files.js';

/**
 * Largest context file read (manifests, lockfiles, `.dockerignore`): dependency manifests are
 * small; a bigger file is passed over with a note rather than read into memory.
 */
export const MAX_CONTEXT_FILE_BYTES = 8 * 1024 * 1024;

export interface BuildContext {
  kind: 'directory' | 'listing' | 'none';
  /** False when nothing is known about the context. */
  available: boolean;
  /** Human-readable description for messages. */
  describe(): string;
  /** The file or directory exists in the context and is not excluded by .dockerignore. */
  exists(rel: string): boolean;
  /** Text of a file in the context (undefined if absent, excluded, unreadable or not shipped). */
  read(rel: string): string | undefined;
  /** Every file in the context (relative, `/`-separated), when it can be listed. */
  files(): string[] | undefined;
  /** Whether `.dockerignore` excludes the path. */
  ignored(rel: string): boolean;
  /**
   * Whether `.dockerignore` keeps everything at and below `rel` out of the context, whatever the
   * working tree holds there now (no `!` exception can bring a file below it back). Optional for
   * contexts given through the API; see `excludesTree()`.
   */
  excludesTree?(rel: string): boolean;
  /**
   * What the context passed over and why (a symbolic link out of the context, a FIFO, a file
   * too large, a pattern it cannot match): shown to the user as notes. Optional.
   */
  notes?(): string[];
}

/**
 * Whether the context's `.dockerignore` keeps the directory `rel` and all it could ever hold
 * out of the context. Decided from the ignore patterns alone, never from the current listing.
 */
export function excludesTree(ctx: BuildContext, rel: string): boolean {
  if (ctx.excludesTree) return ctx.excludesTree(rel);
  const p = normalizeRel(rel);
  return !!p && (ctx.ignored(p) || (ctx.ignored(`${p}/${PROBE}`) && ctx.ignored(`${p}/.${PROBE}`)));
}

/** A name no real pattern names: `dir/*` excludes it, `dir/*.js` does not. */
const PROBE = 'dockerfix-probe~';

function normalizeRel(rel: string): string {
  let p = rel.replace(/\\/g, '/');
  while (p.startsWith('./')) p = p.slice(2);
  p = path.posix.normalize(p);
  if (p === '.' || p === '/') return '';
  return p.replace(/^\/+/, '').replace(/\/+$/, '');
}

function makeIgnore(text: string | undefined, note?: (msg: string) => void): (rel: string) => boolean {
  const patterns = readPatterns(text);
  if (patterns.length === 0) return () => false;
  const m = dockerignoreMatcher(patterns);
  for (const u of m.unsupported) note?.(`.dockerignore pattern ${JSON.stringify(u)} uses syntax dockerfix cannot match like Docker; it is treated as matching nothing`);
  return (rel) => {
    const p = normalizeRel(rel);
    if (!p) return false;
    return m.ignores(p);
  };
}

/**
 * `excludesTree` for an ignore file: the directory (or every name directly in it, `dir/*`) is
 * excluded, and no `!` exception could match a path below it. An exception with a wildcard
 * counts when its literal start and the directory could meet.
 */
function makeTreeTest(text: string | undefined, ignored: (rel: string) => boolean): (rel: string) => boolean {
  const exceptions = readPatterns(text)
    .filter((l) => l.startsWith('!'))
    .map((l) => normalizeRel(l.slice(1).trim()));
  return (rel) => {
    const p = normalizeRel(rel);
    if (!p) return false;
    if (!ignored(p) && !(ignored(`${p}/${PROBE}`) && ignored(`${p}/.${PROBE}`))) return false;
    const dir = p + '/';
    return !exceptions.some((x) => {
      const g = x.search(/[*?[\\]/);
      const lit = g === -1 ? x : x.slice(0, g);
      if (g === -1) return x === p || x.startsWith(dir);
      return lit.startsWith(dir) || dir.startsWith(lit);
    });
  };
}

/** The ignore file BuildKit uses: `<dockerfile-name>.dockerignore` beside the Dockerfile wins. */
function ignoreText(readRoot: (rel: string) => string | undefined, dockerfilePath?: string, note?: (msg: string) => void, root?: { dir: string; real: () => string }): string | undefined {
  if (dockerfilePath) {
    const specific = `${dockerfilePath}.dockerignore`;
    const dir = path.dirname(path.resolve(specific));
    // The Dockerfile usually sits at the context root, whose real path is already known.
    const r = root && path.resolve(root.dir) === dir ? readContained(dir, path.basename(specific), root.real()) : readContained(dir, path.basename(specific));
    if (r.note) note?.(r.note);
    if (r.kind === 'file') return r.text;
  }
  return readRoot('.dockerignore');
}

function realOrSelf(p: string): string {
  try {
    return realPath(p);
  } catch {
    return path.resolve(p);
  }
}

function isInside(root: string, p: string): boolean {
  const r = path.relative(root, p);
  return r === '' || (r !== '..' && !r.startsWith('..' + path.sep) && !path.isAbsolute(r));
}

type Resolved = { kind: 'file' | 'dir'; real: string; stat: fs.Stats; note?: undefined } | { kind: 'absent' | 'refused'; note?: string };

/**
 * Where `rel` is below `root`, resolved the way Docker sees the context: a symbolic link (at any
 * component) that leads out of the root is absent, and only regular files and directories exist
 * (a FIFO, socket or device is never opened). `root` must be a real path.
 */
function resolveContained(realRoot: string, rel: string): Resolved {
  const abs = path.join(realRoot, rel);
  // Most names asked about are absent (the Dockerfile's own ignore file, .dockerignore): one
  // lstat answers that without a failing realpath and its exception. Absent to lstat means
  // absent to realpath too, and not a link (a dangling link is there to lstat).
  try {
    if (fs.lstatSync(abs, { throwIfNoEntry: false }) === undefined) return { kind: 'absent' };
  } catch {
    // ENOTDIR and the like: realpath below says what it is.
  }
  let real: string;
  try {
    real = realPath(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const link = fs.lstatSync(abs, { throwIfNoEntry: false });
      return link?.isSymbolicLink() ? { kind: 'absent', note: `${rel} is a symbolic link to a missing file; treated as absent` } : { kind: 'absent' };
    }
    return { kind: 'refused', note: `${rel} cannot be resolved (${code ?? (e as Error).message}); treated as absent` };
  }
  if (!isInside(realRoot, real)) {
    return { kind: 'refused', note: `${rel} is a symbolic link that leads out of the build context; treated as absent (Docker does not follow links out of the context)` };
  }
  let stat: fs.Stats;
  try {
    stat = fs.statSync(real);
  } catch {
    return { kind: 'absent' };
  }
  if (stat.isFile()) return { kind: 'file', real, stat };
  if (stat.isDirectory()) return { kind: 'dir', real, stat };
  return { kind: 'refused', note: `${rel} is not a regular file (${stat.isFIFO() ? 'a FIFO' : stat.isSocket() ? 'a socket' : 'a device'}); not read, treated as absent` };
}

/**
 * Read `rel` below `root` without following links out of it, never blocking (non-blocking open,
 * regular files only, checked again on the open descriptor) and at most MAX_CONTEXT_FILE_BYTES.
 */
function readContained(root: string, rel: string, realRoot = realOrSelf(root)): { kind: Resolved['kind']; text?: string; note?: string } {
  const r = resolveContained(realRoot, rel);
  if (r.kind !== 'file') return { kind: r.kind === 'dir' ? 'dir' : r.kind, note: r.note };
  if (r.stat.size > MAX_CONTEXT_FILE_BYTES) return { kind: 'refused', note: `${rel} is ${r.stat.size} bytes, more than the ${MAX_CONTEXT_FILE_BYTES} dockerfix reads from a context file; not read` };
  let fd: number;
  try {
    fd = fs.openSync(r.real, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | (fs.constants.O_NOFOLLOW ?? 0));
  } catch {
    return { kind: 'absent' };
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.ino !== r.stat.ino || st.dev !== r.stat.dev) return { kind: 'refused', note: `${rel} changed while being read; not read` };
    const buf = readWhole(fd, MAX_CONTEXT_FILE_BYTES, st.size);
    if (buf === undefined) return { kind: 'refused', note: `${rel} is more than the ${MAX_CONTEXT_FILE_BYTES} bytes dockerfix reads from a context file; not read` };
    return { kind: 'file', text: buf.toString('utf8') };
  } catch {
    return { kind: 'absent' };
  } finally {
    fs.closeSync(fd);
  }
}

const MAX_LISTED_FILES = 50_000;
const SKIP_DIRS = new Set(['.git', 'node_modules', '.hg', '.svn']);

export class DirectoryContext implements BuildContext {
  readonly kind = 'directory';
  readonly available = true;
  private ignoreMatcher?: (rel: string) => boolean;
  private treeMatcher?: (rel: string) => boolean;
  private listing?: string[];
  private readonly existsCache = new Map<string, boolean>();
  private readonly noted = new Set<string>();
  private realRootCache?: string;

  constructor(
    readonly root: string,
    private readonly dockerfilePath?: string,
  ) {}

  private get realRoot(): string {
    return (this.realRootCache ??= realOrSelf(this.root));
  }

  /** The root and its real path, for the Dockerfile-specific ignore file beside it. */
  private rootRef(): { dir: string; real: () => string } {
    return { dir: this.root, real: () => this.realRoot };
  }

  private note = (msg: string): void => {
    this.noted.add(msg);
  };

  notes(): string[] {
    return [...this.noted];
  }

  /** `.dockerignore` is read on first use: most runs never ask about the context. */
  private isIgnored(rel: string): boolean {
    this.ignoreMatcher ??= makeIgnore(ignoreText((r) => this.readRaw(r), this.dockerfilePath, this.note, this.rootRef()), this.note);
    return this.ignoreMatcher(rel);
  }

  describe(): string {
    return `build context ${this.root}`;
  }

  private readRaw(rel: string): string | undefined {
    const r = readContained(this.root, rel, this.realRoot);
    if (r.note) this.note(r.note);
    return r.kind === 'file' ? r.text : undefined;
  }

  ignored(rel: string): boolean {
    return this.isIgnored(rel);
  }

  excludesTree(rel: string): boolean {
    this.treeMatcher ??= makeTreeTest(ignoreText((r) => this.readRaw(r), this.dockerfilePath, this.note, this.rootRef()), (r) => this.isIgnored(r));
    return this.treeMatcher(rel);
  }

  exists(rel: string): boolean {
    // Transforms ask about the same paths again on every pass and in the self-check.
    let known = this.existsCache.get(rel);
    if (known === undefined) {
      const p = normalizeRel(rel);
      known = p !== '..' && !p.startsWith('../') && !(p && this.isIgnored(p)) && this.present(p);
      this.existsCache.set(rel, known);
    }
    return known;
  }

  /** A regular file or directory inside the context (links out of it and special files are not). */
  private present(p: string): boolean {
    if (!p) return true;
    const r = resolveContained(this.realRoot, p);
    if (r.note) this.note(r.note);
    return r.kind === 'file' || r.kind === 'dir';
  }

  read(rel: string): string | undefined {
    if (!this.exists(rel)) return undefined;
    return this.readRaw(normalizeRel(rel));
  }

  files(): string[] {
    if (this.listing) return this.listing;
    const out: string[] = [];
    const walk = (dir: string, rel: string, depth: number): void => {
      if (out.length >= MAX_LISTED_FILES || depth > 8) return;
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const r = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) {
          if (SKIP_DIRS.has(e.name)) continue;
          walk(path.join(dir, e.name), r, depth + 1);
        } else if (!this.isIgnored(r)) out.push(r);
      }
    };
    walk(this.root, '', 0);
    out.sort();
    return (this.listing = out);
  }
}

/**
 * A context known from a listing of its files plus copies of some of them (the corpus format:
 * `context.txt` and `context/`).
 */
export class ListingContext implements BuildContext {
  readonly kind = 'listing';
  readonly available = true;
  private readonly fileSet: Set<string>;
  private readonly dirSet: Set<string>;
  private readonly isIgnored: (rel: string) => boolean;
  private readonly isExcludedTree: (rel: string) => boolean;
  private readonly listed: string[];
  private visible?: string[];
  private readonly existsCache = new Map<string, boolean>();

  constructor(
    listing: string[],
    private readonly contentRoot: string | undefined,
    private readonly label = 'listed build context',
  ) {
    const ignoreFile = this.readRaw('.dockerignore');
    this.isIgnored = makeIgnore(ignoreFile);
    this.isExcludedTree = makeTreeTest(ignoreFile, this.isIgnored);
    this.listed = listing.map(normalizeRel).filter((p) => p && !p.startsWith('...'));
    this.fileSet = new Set(this.listed);
    this.dirSet = new Set();
    for (const f of this.listed) {
      let d = path.posix.dirname(f);
      while (d !== '.' && !this.dirSet.has(d)) {
        this.dirSet.add(d);
        d = path.posix.dirname(d);
      }
    }
  }

  static fromCorpusCase(dir: string): ListingContext {
    const listing = fs.readFileSync(path.join(dir, 'context.txt'), 'utf8').split(/\r?\n/);
    return new ListingContext(listing, path.join(dir, 'context'), `corpus context ${dir}`);
  }

  describe(): string {
    return this.label;
  }

  private readRaw(rel: string): string | undefined {
    if (!this.contentRoot) return undefined;
    const r = readContained(this.contentRoot, rel);
    return r.kind === 'file' ? r.text : undefined;
  }

  ignored(rel: string): boolean {
    return this.isIgnored(rel);
  }

  excludesTree(rel: string): boolean {
    return this.isExcludedTree(rel);
  }

  exists(rel: string): boolean {
    // The listing never changes: transforms ask about the same paths on every pass.
    let known = this.existsCache.get(rel);
    if (known === undefined) {
      const p = normalizeRel(rel);
      known = p === '' || (!this.isIgnored(p) && (this.fileSet.has(p) || this.dirSet.has(p)));
      this.existsCache.set(rel, known);
    }
    return known;
  }

  read(rel: string): string | undefined {
    if (!this.exists(rel)) return undefined;
    return this.readRaw(normalizeRel(rel));
  }

  files(): string[] {
    return (this.visible ??= this.listed.filter((f) => !this.isIgnored(f)));
  }
}

/** Nothing is known: transforms fall back to conservative forms and say so. */
export class NoContext implements BuildContext {
  readonly kind = 'none';
  readonly available = false;
  describe(): string {
    return 'no build context';
  }
  exists(): boolean {
    return false;
  }
  read(): undefined {
    return undefined;
  }
  files(): undefined {
    return undefined;
  }
  ignored(): boolean {
    return false;
  }
}

/** An in-memory context (tests, the API): a map from relative path to file text. */
export class MemoryContext implements BuildContext {
  readonly kind = 'listing';
  readonly available = true;
  private readonly inner: ListingContext;
  constructor(private readonly filesByPath: Record<string, string>) {
    this.inner = new ListingContext(Object.keys(filesByPath), undefined, 'in-memory build context');
    const ig = makeIgnore(filesByPath['.dockerignore']);
    this.ignored = ig;
    this.excludesTree = makeTreeTest(filesByPath['.dockerignore'], ig);
  }
  ignored: (rel: string) => boolean;
  excludesTree: (rel: string) => boolean;
  describe(): string {
    return 'in-memory build context';
  }
  exists(rel: string): boolean {
    const p = normalizeRel(rel);
    return p === '' || (!this.ignored(p) && this.inner.exists(p));
  }
  read(rel: string): string | undefined {
    const p = normalizeRel(rel);
    return this.exists(p) ? this.filesByPath[p] : undefined;
  }
  private visible?: string[];
  files(): string[] {
    return (this.visible ??= this.inner.files().filter((f) => !this.ignored(f)));
  }
}
