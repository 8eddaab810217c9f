/**
 * The directory listings of one run, shared: discovery reads every directory it searches, and
 * the build-definition search, the repository-root walk and the config lookup then ask about
 * names in the same directories (is there a compose file, a `.git`, a `package.json` here?).
 * With a `Listings` they are answered from the listing instead of one `stat`/`readdir` each:
 * a `--check` over 804 Dockerfiles made ~5,000 such calls.
 *
 * For one run only (a CLI invocation): a long-lived process (the language server, the API's
 * workers) must not keep answers about a tree that changes, and does not use one.
 *
 * Answers equal the file system's at the time the directory was read: a name readdir reported
 * as a symbolic link (or of a kind it could not tell) is asked of the file system again, and on
 * case-insensitive platforms (macOS, Windows) a name the listing lacks is too.
 */
import fs from 'node:fs';
import path from 'node:path';

const FILE = 1;
const DIR = 2;
/** A symbolic link, or a kind readdir could not tell: asked of the file system. */
const ASK = 3;
const OTHER = 4;

type Entries = Map<string, number>;

/**
 * Directories a search keeps the listing of, at most: what a run holds stays bounded in a huge
 * tree (a listing kept is about 100 bytes per entry).
 */
export const MAX_SEEDED_DIRS = 20_000;

const exactNames = process.platform !== 'darwin' && process.platform !== 'win32';

function kindOf(e: fs.Dirent): number {
  if (e.isFile()) return FILE;
  if (e.isDirectory()) return DIR;
  if (e.isSymbolicLink()) return ASK;
  return OTHER;
}

/** What the searches ask of the file system; a `Listings` answers it from the listings of the run. */
export interface FsQueries {
  /** The names in `dir` (readdir's order), or none when it cannot be read. */
  names(dir: string): string[];
  /** `fs.existsSync(p)` (links followed). */
  exists(p: string): boolean;
  /** A regular file, not a link (`lstat`). */
  isFile(p: string): boolean;
  /** A directory, links followed (`stat`). */
  isDirectory(p: string): boolean;
}

/** The file system asked directly, every time. */
export const direct: FsQueries = {
  names(dir) {
    try {
      return fs.readdirSync(dir);
    } catch {
      return [];
    }
  },
  exists: (p) => fs.existsSync(p),
  isFile(p) {
    try {
      return fs.lstatSync(p).isFile();
    } catch {
      return false;
    }
  },
  isDirectory(p) {
    try {
      return fs.statSync(p).isDirectory();
    } catch {
      return false;
    }
  },
};

export class Listings implements FsQueries {
  private readonly dirs = new Map<string, Entries | null>();
  private seeded = 0;
  /** Directories a search reached from a root with no link on its path, through no link. */
  private readonly linkFreeDirs = new Set<string>();

  /**
   * Keep what `readdirSync(dir, { withFileTypes: true })` gave (`dir` absolute and normalised).
   * `linkFree`: `dir` is its own real path (a search that follows no link, from a root that is).
   */
  seed(dir: string, entries: readonly fs.Dirent[], linkFree = false): void {
    // A tree of more folders than that: the rest are read again when asked about (few are).
    if (this.seeded >= MAX_SEEDED_DIRS) return;
    this.seeded++;
    const m: Entries = new Map();
    for (const e of entries) m.set(e.name, kindOf(e));
    this.dirs.set(dir, m);
    if (linkFree) this.linkFreeDirs.add(dir);
  }

  /**
   * `file` (absolute) is a regular file of a link-free directory the search listed: its real path
   * is itself, with no `realpath` call (as long as the tree does not change during the run; a
   * reader that opens it still checks what it opened).
   */
  linkFree(file: string): boolean {
    const dir = path.dirname(file);
    return this.linkFreeDirs.has(dir) && this.dirs.get(dir)?.get(path.basename(file)) === FILE;
  }

  /** The entries of `dir`, read once; null when it cannot be read. */
  private entries(dir: string): Entries | null {
    let m = this.dirs.get(dir);
    if (m !== undefined) return m;
    try {
      const list = fs.readdirSync(dir, { withFileTypes: true });
      m = new Map();
      for (const e of list) m.set(e.name, kindOf(e));
    } catch {
      m = null;
    }
    this.dirs.set(dir, m);
    return m;
  }

  /** The names in `dir` (readdir's order), or none when it cannot be read. */
  names(dir: string): string[] {
    const m = this.entries(path.resolve(dir));
    return m ? [...m.keys()] : [];
  }

  /**
   * The kind of `p` as its directory's listing gives it: FILE, DIR, OTHER, 0 when the listing
   * has no such name, undefined when only the file system can say.
   */
  private kind(p: string): number | undefined {
    const abs = path.resolve(p);
    const dir = path.dirname(abs);
    if (dir === abs) return undefined;
    const m = this.entries(dir);
    if (!m) return undefined;
    const k = m.get(path.basename(abs));
    if (k === undefined) return exactNames ? 0 : undefined;
    return k === ASK ? undefined : k;
  }

  /** `fs.existsSync(p)` (links followed). */
  exists(p: string): boolean {
    const k = this.kind(p);
    return k === undefined ? direct.exists(p) : k !== 0;
  }

  /** A regular file, not a link (`lstat`). */
  isFile(p: string): boolean {
    const k = this.kind(p);
    return k === undefined ? direct.isFile(p) : k === FILE;
  }

  /** A directory, links followed (`stat`). */
  isDirectory(p: string): boolean {
    const k = this.kind(p);
    return k === undefined ? direct.isDirectory(p) : k === DIR;
  }
}
