/**
 * The build context a Dockerfile is built with: which files exist (after `.dockerignore`) and
 * what the dependency manifests say. Three sources: a real directory, a listing (the shared
 * corpus ships `context.txt` plus the manifests), or nothing (stdin, `--no-context`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// @balena/dockerignore is a CommonJS port of Docker's own matcher (Go filepath.Match semantics,
// `**`, re-inclusion with `!`), which differ from .gitignore's.
type DockerignoreFactory = (opts?: { ignorecase?: boolean }) => {
  add(patterns: string | string[]): unknown;
  ignores(p: string): boolean;
};
// Loaded when a .dockerignore is first used.
let dockerignoreFactory: DockerignoreFactory | undefined;
const dockerignore: DockerignoreFactory = (opts) =>
  (dockerignoreFactory ??= require('@balena/dockerignore') as DockerignoreFactory)(opts);

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

function ignorePatterns(text: string | undefined): string[] {
  return (text ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

function makeIgnore(text: string | undefined): (rel: string) => boolean {
  const patterns = ignorePatterns(text);
  if (patterns.length === 0) return () => false;
  const ig = dockerignore();
  ig.add(patterns);
  return (rel) => {
    const p = normalizeRel(rel);
    if (!p) return false;
    try {
      return ig.ignores(p);
    } catch {
      return false;
    }
  };
}

/**
 * `excludesTree` for an ignore file: the directory (or every name directly in it, `dir/*`) is
 * excluded, and no `!` exception could match a path below it. An exception with a wildcard
 * counts when its literal start and the directory could meet.
 */
function makeTreeTest(text: string | undefined, ignored: (rel: string) => boolean): (rel: string) => boolean {
  const exceptions = ignorePatterns(text)
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
function ignoreText(readRoot: (rel: string) => string | undefined, dockerfilePath?: string): string | undefined {
  if (dockerfilePath) {
    try {
      const specific = `${dockerfilePath}.dockerignore`;
      if (fs.existsSync(specific)) return fs.readFileSync(specific, 'utf8');
    } catch {
      // fall through
    }
  }
  return readRoot('.dockerignore');
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

  constructor(
    readonly root: string,
    private readonly dockerfilePath?: string,
  ) {}

  /** `.dockerignore` is read on first use: most runs never ask about the context. */
  private isIgnored(rel: string): boolean {
    this.ignoreMatcher ??= makeIgnore(ignoreText((r) => this.readRaw(r), this.dockerfilePath));
    return this.ignoreMatcher(rel);
  }

  describe(): string {
    return `build context ${this.root}`;
  }

  private readRaw(rel: string): string | undefined {
    const p = path.join(this.root, rel);
    // A missing file is the common case (no .dockerignore): check without throwing.
    if (!fs.existsSync(p)) return undefined;
    try {
      return fs.readFileSync(p, 'utf8');
    } catch {
      return undefined;
    }
  }

  ignored(rel: string): boolean {
    return this.isIgnored(rel);
  }

  excludesTree(rel: string): boolean {
    this.treeMatcher ??= makeTreeTest(ignoreText((r) => this.readRaw(r), this.dockerfilePath), (r) => this.isIgnored(r));
    return this.treeMatcher(rel);
  }

  exists(rel: string): boolean {
    // Transforms ask about the same paths again on every pass and in the self-check.
    let known = this.existsCache.get(rel);
    if (known === undefined) {
      const p = normalizeRel(rel);
      known = !p.startsWith('../') && !(p && this.isIgnored(p)) && fs.existsSync(path.join(this.root, p));
      this.existsCache.set(rel, known);
    }
    return known;
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
    try {
      return fs.readFileSync(path.join(this.contentRoot, rel), 'utf8');
    } catch {
      return undefined;
    }
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
