/**
 * The bundle's entry, `bundle/dockerfix.mjs` (scripts/bundle.mjs builds it; not part of the tsc
 * build's behaviour). Start-up is most of a one-file run, so this file stays small:
 *
 * - `dockerfix --version` / `-V` alone prints the version from package.json and loads nothing else;
 * - everything else runs `bundle/dockerfix-cli.cjs` (the whole CLI, one CommonJS script) through
 *   `vm.Script` with a V8 code cache: the bytecode of what the first run compiled, kept in the
 *   per-user cache directory, so later runs neither parse the 1.8 MB script nor compile the
 *   functions they call again. Node 20 has no compile cache for ES modules (module.enableCompileCache
 *   is Node 22+), hence the CommonJS script.
 *
 * The cache never changes what a run does and never breaks one: its file name holds the bundle's
 * hash, the Node version and the architecture; V8 checks its own version, flags and the source
 * (rejected data is ignored and replaced); an unreadable or unwritable directory only means no
 * cache. `DOCKERFIX_CODE_CACHE=<dir>` puts it elsewhere, `DOCKERFIX_CODE_CACHE=0` turns it off.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { userCacheDir } from '../src/cli/cache-dir.js';

/**
 * Set by scripts/bundle.mjs: the script to run (the CLI's, or the worker pool's for
 * bundle/batch-worker.js), every script's hash, and which part exports what.
 */
declare const __DOCKERFIX_ENTRY__: string;
declare const __DOCKERFIX_WORKER__: boolean;
declare const __DOCKERFIX_SCRIPTS__: Record<string, string>;
declare const __DOCKERFIX_SHARED__: Record<string, string>;

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);

/** As `packageVersion` in src/cli/main.ts: the nearest package.json named dockerfix, up to 5 levels. */
function version(): string {
  let dir = here;
  for (let i = 0; i < 5; i++) {
    const p = path.join(dir, 'package.json');
    if (fs.existsSync(p)) {
      const pkg = JSON.parse(fs.readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'dockerfix') return pkg.version ?? '0.0.0';
    }
    dir = path.dirname(dir);
  }
  return '0.0.0';
}

const loaded = new Map<string, { exports: Record<string, unknown> }>();
const toSave: Array<{ file: string; script: vm.Script; long: boolean }> = [];
let nodeRequire: NodeJS.Require | undefined;
const CORE_PREFIX = 'dockerfix:core/';

/**
 * `require` in the scripts: a shared part's export, else Node's (built-in modules, prettier). The
 * core part (the modules the CLI, the language server and the workers share) exports every
 * `dockerfix:core/…` specifier.
 */
function requireIn(id: string): unknown {
  const key = id.startsWith(CORE_PREFIX) ? CORE_PREFIX : id;
  const part = Object.hasOwn(__DOCKERFIX_SHARED__, key) ? __DOCKERFIX_SHARED__[key] : undefined;
  if (part) return load(part)[id];
  nodeRequire ??= createRequire(path.join(here, __DOCKERFIX_ENTRY__));
  return nodeRequire(id);
}

/**
 * A cache file: a 4-byte tag, then V8's data. The tag says whether a long run wrote it (one whose
 * main thread processed many files itself, not in workers: src/cli/batch.ts says so through
 * `__dockerfixManyFiles`): one written by a short run holds only what a short run compiles, so
 * the first long run writes it again (once) with everything a run over many files compiles.
 */
const SHORT = 'dfx0';
const LONG = 'dfx1';
let longRun = false;
(globalThis as { __dockerfixManyFiles?: () => void }).__dockerfixManyFiles = () => {
  longRun = true;
};

/** Run one script of the bundle once (CommonJS semantics, a cycle sees the exports so far). */
function load(name: string): Record<string, unknown> {
  const done = loaded.get(name);
  if (done) return done.exports;
  const file = path.join(here, name);
  // esbuild's output is ASCII (non-ASCII characters are escaped): latin1 reads it as is, fastest.
  const source = fs.readFileSync(file, 'latin1');
  const cacheFile = codeCacheFile(name, source.length);
  const cached = cacheFile ? readCodeCache(cacheFile) : undefined;
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname, __dockerfixUrl, __dockerfixImport) {${source}\n})`, {
    filename: file,
    cachedData: cached?.data,
  });
  const usable = cached !== undefined && !script.cachedDataRejected;
  if (cacheFile && (!usable || !cached.long)) {
    // Written at exit: the cache then holds what this run compiled too, not only the top level.
    if (toSave.length === 0) process.once('exit', saveCodeCaches);
    toSave.push({ file: cacheFile, script, long: usable });
  }
  const module = { exports: {} as Record<string, unknown> };
  loaded.set(name, module);
  const fn = script.runInThisContext() as (...a: unknown[]) => void;
  fn(module.exports, requireIn, module, file, here, pathToFileURL(file).href, (specifier: string) => import(specifier));
  return module.exports;
}

/** The cache file for this bundle, Node and architecture, or null when there is none to use. */
function codeCacheFile(name: string, size: number): string | null {
  const setting = process.env.DOCKERFIX_CODE_CACHE;
  if (setting === '0' || setting === 'false') return null;
  let dir: string;
  if (setting) dir = path.resolve(setting);
  else {
    const base = userCacheDir(process.env);
    if (!base) return null;
    dir = base;
  }
  return path.join(dir, `${name.replace(/\.cjs$/, '')}-${__DOCKERFIX_SCRIPTS__[name]}-${size}-${process.version}-${process.arch}.v8cache`);
}

/**
 * The cache's data, or undefined (none, unreadable, not ours). The data is compiled code, so it is
 * used only from a file this user owns that nobody else can write.
 */
function readCodeCache(file: string): { data: Buffer; long: boolean } | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const st = fs.fstatSync(fd);
    if (!st.isFile() || (process.getuid && st.uid !== process.getuid()) || (process.platform !== 'win32' && st.mode & 0o022)) return undefined;
    const buf = Buffer.allocUnsafe(st.size);
    let n = 0;
    while (n < st.size) {
      const r = fs.readSync(fd, buf, n, st.size - n, n);
      if (r === 0) break;
      n += r;
    }
    const tag = buf.toString('latin1', 0, 4);
    if (n !== st.size || (tag !== SHORT && tag !== LONG)) return undefined;
    return { data: buf.subarray(4), long: tag === LONG };
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** At exit: write the caches that are missing, stale, or from a short run after a long one. */
function saveCodeCaches(): void {
  for (const { file, script, long: onlyIfLong } of toSave) if (longRun || !onlyIfLong) saveCodeCache(file, script, longRun);
}

/** Write the code cache atomically (a temporary file renamed); any failure only means no cache. */
function saveCodeCache(cacheFile: string, script: vm.Script, long: boolean): void {
  const dir = path.dirname(cacheFile);
  // Worker threads of one process save the same script's cache: one temporary file each.
  const tmp = `${cacheFile}.${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`;
  try {
    const data = script.createCachedData();
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeSync(fd, long ? LONG : SHORT);
      fs.writeSync(fd, data);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, cacheFile);
  } catch {
    // read-only home, full disk, no permission: run without a cache
    try {
      fs.unlinkSync(tmp);
    } catch {
      // not created
    }
    return;
  }
  // Caches of other builds of this script (an older dockerfix) that nobody wrote for 30 days.
  try {
    const stem = `${path.basename(cacheFile).split('-').slice(0, 2).join('-')}-`;
    const old = Date.now() - 30 * 24 * 3600 * 1000;
    for (const f of fs.readdirSync(dir)) {
      if (!f.startsWith(stem) || !f.endsWith('.v8cache') || f === path.basename(cacheFile)) continue;
      const p = path.join(dir, f);
      if (fs.statSync(p).mtimeMs < old) fs.unlinkSync(p);
    }
  } catch {
    // left for next time
  }
}

// Last: every constant above is initialised.
if (__DOCKERFIX_WORKER__) {
  // A worker thread of the pool: terminated when done, so it saves the cache when told to.
  let saved = false;
  (globalThis as { __dockerfixSaveCodeCache?: () => void }).__dockerfixSaveCodeCache = () => {
    if (saved) return;
    saved = true;
    for (const { file, script } of toSave) saveCodeCache(file, script, true);
  };
  load(__DOCKERFIX_ENTRY__);
} else if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${version()}\n`);
} else {
  void (load(__DOCKERFIX_ENTRY__) as { start(argv: string[]): Promise<void> }).start(process.argv);
}
