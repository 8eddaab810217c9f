/**
 * The persistent result cache (`--cache`): a file's outcome from an earlier run, served again when
 * nothing the analysis reads has changed, so a repeated run over a repository costs about what
 * reading and hashing its Dockerfiles costs. A cached run never gives a result an uncached run
 * would not give:
 *
 * - An entry is found by the file's absolute path and its effective options (transform ids, the
 *   resolved config and command-line options, the build plan's context/targets/args for it,
 *   `--fmt` settings, check mode), and used only when the file's text hashes the same and the
 *   build context gives every answer the analysis got from it the last time
 *   (src/cli/context-recorder.ts: exists, read, listing, .dockerignore, notes). The analysis
 *   reads nothing else (no environment variable, clock or other file: the engine's inputs are
 *   the text, the options and the context).
 * - One store per project (the absolute working directory) and build of dockerfix: the store's
 *   name holds a hash of the dockerfix version, the running code's files (size, times, inode:
 *   a rebuilt bundle or `dist/` is another build), Node's version, the platform and architecture
 *   and the locale variables (localeCompare).
 * - The store lives in the user's cache directory (as the V8 code cache of bin/launch.ts:
 *   `$XDG_CACHE_HOME/dockerfix`, `~/.cache/dockerfix`, `~/Library/Caches/dockerfix`,
 *   `%LOCALAPPDATA%\dockerfix`), in `results/`, or in `--cache-location <dir>`. A directory or
 *   file not owned by the user, or writable by others, is not used. Every store is signed with
 *   a key kept in the user's cache directory (HMAC-SHA256): a store committed to a repository
 *   (a pull request run by a bot) or written by another user is ignored, never trusted, so it
 *   cannot make a file look clean. A damaged store or entry is ignored the same way.
 * - Written once at the end of a run, atomically (temporary file, rename), and only when it
 *   gained or refreshed entries; bounded (least recently used entries go first). Any failure to
 *   read or write it only means no cache (a note with DOCKERFIX_CACHE_DEBUG=1), never a failed run.
 * - `--write` is served from the cache only for files the cached outcome leaves unchanged, and
 *   stores only such outcomes (a written file's new text would need a new analysis).
 */
import crypto, { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import { userCacheDir } from './cache-dir.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { contextFor, type FileOutcome, type ProcessOptions } from '../pipeline/engine.js';
import { FileError, readDockerfile } from '../pipeline/fsio.js';
import { transformIds } from '../../transforms/index.js';
import { fromWire, toWire, type WireOutcome } from './batch-wire.js';
import { RecordingContext, replayContextLog, type ContextLog } from './context-recorder.js';
import type { FileBuild } from '../builds/plan.js';

/** Bounds of one store: entries, and bytes of the store file. */
export const MAX_ENTRIES = 20_000;
export const MAX_STORE_BYTES = 64 * 1024 * 1024;
const FORMAT = 'dockerfix-result-cache-1';
const DAY = 24 * 3600 * 1000;

interface Entry {
  /** Hash of the file's text. */
  h: string;
  /** Day (since the epoch) the entry was last used. */
  t: number;
  log: ContextLog;
  /** The outcome as sent between threads, `before` left empty (it is the file's text). */
  v: WireOutcome;
  /** `after` when it differs from `before`: [length of the common start, of the common end, the text between]. */
  a?: [number, number, string];
}

interface StoreData {
  format: string;
  build: string;
  entries: Record<string, Entry>;
}

/** The per-user cache directory (shared with the launcher's V8 code cache), or null. */
export { userCacheDir };

// One-shot hashing where Node has it (20.12+): no Hash object per file.
const sha = (s: string | Buffer): string => {
  const oneShot = (crypto as { hash?: (algorithm: string, data: string | Buffer, encoding: 'hex') => string }).hash;
  return oneShot ? oneShot('sha256', s, 'hex') : createHash('sha256').update(s).digest('hex');
};

/** Owned by this user and not writable by group or others (POSIX; on Windows: a plain check of the type). */
function safeStat(st: fs.Stats, dir: boolean): boolean {
  if (dir ? !st.isDirectory() : !st.isFile()) return false;
  if (process.platform === 'win32') return true;
  return (!process.getuid || st.uid === process.getuid()) && (st.mode & 0o022) === 0;
}

/** Make `dir` (mode 0700) if needed; true when it is a directory safe to use. */
function safeDir(dir: string): boolean {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    return safeStat(fs.lstatSync(dir), true);
  } catch {
    return false;
  }
}

/** Read a file only when it is safe (checked on the open descriptor, no link followed). */
function readSafe(file: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0));
    const st = fs.fstatSync(fd);
    if (!safeStat(st, false) || st.size > MAX_STORE_BYTES + 4096) return undefined;
    const buf = Buffer.allocUnsafe(st.size);
    let n = 0;
    while (n < st.size) {
      const r = fs.readSync(fd, buf, n, st.size - n, n);
      if (r === 0) break;
      n += r;
    }
    return n === st.size ? buf : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Write atomically: a new file (0600) beside the target, renamed over it. */
function writeAtomic(file: string, data: string | Buffer): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW ?? 0), 0o600);
    try {
      fs.writeFileSync(fd, data);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      // not created
    }
    throw e;
  }
}

/**
 * The signing key: 32 random bytes in the user's cache directory, made on first use. Never taken
 * from a project directory (a repository could ship one).
 */
function signingKey(userDir: string): Buffer | undefined {
  if (!safeDir(userDir)) return undefined;
  const file = path.join(userDir, 'result-cache.key');
  const have = readSafe(file);
  if (have?.length === 32) return have;
  if (have !== undefined) return undefined;
  try {
    if (fs.lstatSync(file, { throwIfNoEntry: false })) return undefined; // there, but not ours or not usable
    const key = randomBytes(32);
    const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW ?? 0), 0o600);
    try {
      fs.writeFileSync(fd, key);
    } finally {
      fs.closeSync(fd);
    }
    return key;
  } catch {
    // Another run made it at the same time: use theirs.
    const again = readSafe(file);
    return again?.length === 32 ? again : undefined;
  }
}

let buildIdMemo: string | undefined;

/**
 * The build of the running code: the dockerfix version, every code file's size, modification
 * and change times and inode (`dist/`, the sources under test, or the bundle's directory), the
 * installed dependencies (node_modules/.package-lock.json), Node's version, platform and
 * architecture. Any rebuild changes it.
 */
export function buildId(version: string): string {
  if (buildIdMemo) return buildIdMemo;
  const here = path.dirname(fileURLToPath(import.meta.url));
  const h = createHash('sha256');
  // The locale settings too (ICU's default locale comes from them): the analysis sorts some names
  // with localeCompare. (Asking Intl for the locale costs ~10 ms of ICU start-up.)
  const env = process.env;
  h.update(`${version}\0${process.version}\0${process.platform}\0${process.arch}\0${[env.LC_ALL, env.LC_COLLATE, env.LC_MESSAGES, env.LANG, env.LANGUAGE].join('\0')}\0`);
  let roots: string[];
  let top: string;
  if (path.basename(here) === 'cli' && path.basename(path.dirname(here)) === 'src') {
    top = path.dirname(path.dirname(here));
    roots = ['src', 'transforms', 'bin'].map((d) => path.join(top, d));
  } else {
    top = here;
    roots = [here];
  }
  const walk = (dir: string, depth: number): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (depth < 8 && e.name !== 'node_modules') walk(p, depth + 1);
      } else if (/\.(?:[cm]?js|ts|json)$/.test(e.name)) stamp(p);
    }
  };
  const stamp = (p: string): void => {
    try {
      const st = fs.statSync(p, { bigint: true });
      h.update(`${path.relative(top, p)}\0${st.size}\0${st.mtimeNs}\0${st.ctimeNs}\0${st.ino}\n`);
    } catch {
      h.update(`${p}\0-\n`);
    }
  };
  for (const r of roots) walk(r, 0);
  for (const up of [top, path.dirname(top)]) stamp(path.join(up, 'node_modules', '.package-lock.json'));
  return (buildIdMemo = h.digest('hex'));
}

/** JSON as ASCII only (characters past 0x7e escaped as JSON does it): read back as latin1, quickly. */
function ascii(json: string): string {
  return json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Canonical JSON of plain data (sorted keys); throws for anything else (functions, class instances). */
function plainJson(v: unknown): string {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error('not plain data');
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : plainJson(x))).join(',')}]`;
  if (typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
    const keys = Object.keys(v as object)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${plainJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  throw new Error('not plain data');
}

const PROCESS_KEYS = new Set(['transforms', 'options', 'contextDir', 'noContext', 'fmt', 'firstChange']);

export interface CacheStats {
  hits: number;
  misses: number;
  /** Files whose options cannot be keyed (e.g. several build contexts); always processed. */
  uncacheable: number;
  stored: number;
}

/** A file looked up: the key to store its outcome under, or its cached outcome. */
export interface Lookup {
  key: string;
  outcome?: FileOutcome;
}

export interface ResultCacheOptions {
  /** --cache-location, else the user's cache directory. */
  location?: string;
  /** The project root the store belongs to (the working directory). */
  projectRoot: string;
  env: NodeJS.ProcessEnv;
  version: string;
  /** A --write run: serve and store only outcomes that change nothing. */
  write?: boolean;
  /** Debug notes (DOCKERFIX_CACHE_DEBUG=1). */
  debug?: (message: string) => void;
  /** Bounds of the store (default MAX_ENTRIES, MAX_STORE_BYTES; tests). */
  maxEntries?: number;
  maxBytes?: number;
}

export class ResultCache {
  readonly stats: CacheStats = { hits: 0, misses: 0, uncacheable: 0, stored: 0 };
  private readonly file: string | null;
  private readonly key: Buffer | undefined;
  private readonly build: string;
  private data: StoreData;
  private dirty = false;
  private readonly today = Math.floor(Date.now() / DAY);
  private readonly ids = new Set(transformIds());
  private readonly optKeys = new WeakMap<object, string | null>();

  private constructor(
    private readonly o: ResultCacheOptions,
    file: string | null,
    key: Buffer | undefined,
  ) {
    this.file = file;
    this.key = key;
    this.build = buildId(o.version);
    this.data = { format: FORMAT, build: this.build, entries: Object.create(null) as Record<string, Entry> };
  }

  /** Open (or start) the project's store; a cache that cannot be used still works, empty and never written. */
  static open(o: ResultCacheOptions): ResultCache {
    const debug = o.debug ?? (() => undefined);
    const userDir = userCacheDir(o.env);
    const key = userDir ? signingKey(userDir) : undefined;
    if (!key) debug(`no usable signing key in ${userDir ?? '(no user cache directory)'}: the cache is off`);
    const dir = o.location ? path.resolve(o.projectRoot, o.location) : userDir ? path.join(userDir, 'results') : null;
    let file: string | null = null;
    if (key && dir) {
      if (safeDir(dir)) file = path.join(dir, `${sha(path.resolve(o.projectRoot)).slice(0, 24)}-${buildId(o.version).slice(0, 16)}.json`);
      else debug(`${dir} is not a directory owned by this user and closed to others: the cache is off`);
    }
    const cache = new ResultCache(o, file, key);
    cache.load();
    return cache;
  }

  private debug(m: string): void {
    this.o.debug?.(m);
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key!).update(body).digest('hex');
  }

  private load(): void {
    if (!this.file) return;
    const buf = readSafe(this.file);
    if (!buf) {
      if (fs.existsSync(this.file)) this.debug(`${this.file}: not owned by this user, writable by others or unreadable; ignored`);
      return;
    }
    // Written as ASCII (see flush): latin1 decodes it as is, the fastest way.
    const text = buf.toString('latin1');
    const nl = text.indexOf('\n');
    const mac = nl === -1 ? '' : text.slice(0, nl);
    const body = nl === -1 ? '' : text.slice(nl + 1);
    const want = Buffer.from(this.sign(body), 'hex');
    const got = Buffer.from(/^[0-9a-f]{64}$/.test(mac) ? mac : '', 'hex');
    if (got.length !== want.length || !timingSafeEqual(got, want)) {
      this.debug(`${this.file}: not signed by this user's key (damaged, or written elsewhere); ignored`);
      return;
    }
    try {
      const d = JSON.parse(body) as StoreData;
      if (d.format !== FORMAT || d.build !== this.build || typeof d.entries !== 'object' || d.entries === null) return;
      this.data = { format: FORMAT, build: this.build, entries: Object.assign(Object.create(null) as Record<string, Entry>, d.entries) };
    } catch {
      this.debug(`${this.file}: damaged; ignored`);
    }
  }

  /** The key of a file's options, or null when they cannot be keyed. */
  private optionsKey(opts: ProcessOptions): string | null {
    const memo = this.optKeys.get(opts);
    if (memo !== undefined) return memo;
    let k: string | null = null;
    try {
      if (Object.keys(opts).every((x) => PROCESS_KEYS.has(x)) && opts.transforms.every((t) => this.ids.has(t.meta.id))) {
        k = plainJson({ ...opts, transforms: opts.transforms.map((t) => t.meta.id) });
      }
    } catch {
      k = null;
    }
    this.optKeys.set(opts, k);
    return k;
  }

  /**
   * Look `file` (absolute) up. Returns null when it cannot be cached (its outcome is then not
   * stored either), else the key to store under and, on a hit, the outcome.
   */
  lookup(file: string, opts: ProcessOptions, fb: FileBuild | undefined, linkFree = false): Lookup | null {
    // Analysed with several contexts (src/builds/contexts.ts): not cached.
    const ok = this.key && !fb?.otherContexts?.length ? this.optionsKey(opts) : null;
    if (ok === null) {
      this.stats.uncacheable++;
      return null;
    }
    let fbKey: string;
    try {
      fbKey = fb ? plainJson({ ...fb, findings: undefined }) : 'null';
    } catch {
      this.stats.uncacheable++;
      return null;
    }
    const key = sha(`${file}\0${ok}\0${fbKey}`);
    const entry = this.data.entries[key];
    const hit = entry ? this.check(file, opts, entry, linkFree) : undefined;
    if (!hit) {
      this.stats.misses++;
      return { key };
    }
    this.stats.hits++;
    if (entry.t !== this.today) {
      entry.t = this.today;
      this.dirty = true;
    }
    return { key, outcome: hit };
  }

  private check(file: string, opts: ProcessOptions, entry: Entry, linkFree: boolean): FileOutcome | undefined {
    try {
      if (typeof entry !== 'object' || entry === null || typeof entry.h !== 'string' || typeof entry.v !== 'object' || entry.v === null) return undefined;
      if (this.o.write && entry.v.changed) return undefined;
      let raw: string;
      try {
        const d = readDockerfile(file, linkFree);
        raw = (d.bom ? '\ufeff' : '') + d.text;
      } catch (e) {
        if (e instanceof FileError) return undefined;
        throw e;
      }
      if (sha(raw) !== entry.h) return undefined;
      if (!replayContextLog(contextFor(file, opts, true), entry.log)) return undefined;
      const w = { ...entry.v, before: raw };
      if (entry.a) {
        const [p, q, mid] = entry.a;
        if (!Number.isInteger(p) || !Number.isInteger(q) || p < 0 || q < 0 || p + q > raw.length || typeof mid !== 'string') return undefined;
        w.after = raw.slice(0, p) + mid + raw.slice(raw.length - q);
      }
      return fromWire(w);
    } catch (e) {
      this.debug(`entry for ${file} unusable: ${(e as Error).message}`);
      return undefined;
    }
  }

  /** Keep `outcome` (made with a RecordingContext whose log is `log`) under `key`. */
  store(key: string, outcome: FileOutcome, log: ContextLog | undefined): void {
    if (!this.file || !log) return;
    // Read errors (the text is not known) and internal errors (a bug, a resource limit) are not kept.
    if (outcome.internal || (outcome.error && !outcome.runError)) return;
    if (this.o.write && outcome.changed) return;
    const v = toWire(outcome);
    v.before = '';
    let a: Entry['a'];
    if (typeof v.after === 'string') {
      // Most of `after` is `before`: only what lies between their common start and end is kept.
      const b = outcome.before;
      const t = v.after;
      let p = 0;
      while (p < b.length && p < t.length && b.charCodeAt(p) === t.charCodeAt(p)) p++;
      let q = 0;
      while (q < b.length - p && q < t.length - p && b.charCodeAt(b.length - 1 - q) === t.charCodeAt(t.length - 1 - q)) q++;
      a = [p, q, t.slice(p, t.length - q)];
      v.after = '';
    }
    this.data.entries[key] = { h: sha(outcome.before), t: this.today, log, v, ...(a ? { a } : {}) };
    this.stats.stored++;
    this.dirty = true;
  }

  /** Write the store if it changed (never throws). */
  flush(): void {
    if (!this.file || !this.dirty) return;
    try {
      const maxEntries = this.o.maxEntries ?? MAX_ENTRIES;
      const maxBytes = this.o.maxBytes ?? MAX_STORE_BYTES;
      let entries = Object.entries(this.data.entries);
      let body = ascii(JSON.stringify(this.data));
      if (entries.length > maxEntries || body.length > maxBytes) {
        // Least recently used first out (the newest kept first), down to 3/4 of the bounds.
        entries.sort((a, b) => b[1].t - a[1].t);
        const keep: Array<[string, Entry]> = [];
        let bytes = 0;
        for (const e of entries) {
          bytes += ascii(JSON.stringify(e)).length + 4;
          if (keep.length >= Math.floor((maxEntries * 3) / 4) || bytes > (maxBytes * 3) / 4) break;
          keep.push(e);
        }
        entries = keep;
        this.data.entries = Object.assign(Object.create(null) as Record<string, Entry>, Object.fromEntries(entries));
        body = ascii(JSON.stringify(this.data));
      }
      writeAtomic(this.file, `${this.sign(body)}\n${body}`);
      this.dirty = false;
      this.prune();
    } catch (e) {
      this.debug(`cannot write ${this.file}: ${(e as Error).message}`);
    }
  }

  /** Entries in the store (tests). */
  get size(): number {
    return Object.keys(this.data.entries).length;
  }

  /** Stores of other builds or projects unused for 30 days, and left-over temporary files. */
  private prune(): void {
    const dir = path.dirname(this.file!);
    const now = Date.now();
    try {
      for (const f of fs.readdirSync(dir)) {
        if (!/^[0-9a-f]{24}-[0-9a-f]{16}\.json(?:\.\d+\.[0-9a-f]{8}\.tmp)?$/.test(f) || path.join(dir, f) === this.file) continue;
        const p = path.join(dir, f);
        const age = now - fs.lstatSync(p).mtimeMs;
        if (age > (f.endsWith('.tmp') ? DAY : 30 * DAY)) fs.unlinkSync(p);
      }
    } catch {
      // next time
    }
  }

  /** For workers and this thread: a context that records what the analysis asks (see context-recorder). */
  static recorder(file: string, opts: ProcessOptions): RecordingContext {
    return new RecordingContext(contextFor(file, opts, true));
  }
}
