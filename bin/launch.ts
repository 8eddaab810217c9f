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
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';

/** Set by scripts/bundle.mjs: the CLI's script, every script's hash, and which part exports what. */
declare const __DOCKERFIX_CLI__: string;
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
const toSave: Array<[string, vm.Script]> = [];
let nodeRequire: NodeJS.Require | undefined;

if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${version()}\n`);
} else {
  void (load(__DOCKERFIX_CLI__) as { start(argv: string[]): Promise<void> }).start(process.argv);
}

/** `require` in the scripts: a shared part's export, else Node's (built-in modules, prettier). */
function requireIn(id: string): unknown {
  const part = Object.hasOwn(__DOCKERFIX_SHARED__, id) ? __DOCKERFIX_SHARED__[id] : undefined;
  if (part) return load(part)[id];
  nodeRequire ??= createRequire(path.join(here, __DOCKERFIX_CLI__));
  return nodeRequire(id);
}

/** Run one script of the bundle once (CommonJS semantics, a cycle sees the exports so far). */
function load(name: string): Record<string, unknown> {
  const done = loaded.get(name);
  if (done) return done.exports;
  const file = path.join(here, name);
  // esbuild's output is ASCII (non-ASCII characters are escaped): latin1 reads it as is, fastest.
  const source = fs.readFileSync(file, 'latin1');
  const cacheFile = codeCacheFile(name, source.length);
  let cachedData: Buffer | undefined;
  if (cacheFile) {
    try {
      cachedData = fs.readFileSync(cacheFile);
    } catch {
      // no cache yet (or unreadable): compile from source
    }
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname, __dockerfixUrl, __dockerfixImport) {${source}\n})`, {
    filename: file,
    cachedData,
  });
  if (cacheFile && (cachedData === undefined || script.cachedDataRejected)) {
    // Written at exit: the cache then holds what this run compiled too, not only the top level.
    if (toSave.length === 0) process.once('exit', () => toSave.forEach(([f, s]) => saveCodeCache(f, s)));
    toSave.push([cacheFile, script]);
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
    const home = os.homedir();
    const base =
      process.platform === 'win32'
        ? (process.env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'))
        : process.platform === 'darwin'
          ? path.join(home, 'Library', 'Caches')
          : process.env.XDG_CACHE_HOME && path.isAbsolute(process.env.XDG_CACHE_HOME)
            ? process.env.XDG_CACHE_HOME
            : path.join(home, '.cache');
    if (!home && !process.env.XDG_CACHE_HOME && !process.env.LOCALAPPDATA) return null;
    dir = path.join(base, 'dockerfix');
  }
  return path.join(dir, `${name.replace(/\.cjs$/, '')}-${__DOCKERFIX_SCRIPTS__[name]}-${size}-${process.version}-${process.arch}.v8cache`);
}

/** Write the code cache atomically (a temporary file renamed); any failure only means no cache. */
function saveCodeCache(cacheFile: string, script: vm.Script): void {
  try {
    const data = script.createCachedData();
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true, mode: 0o700 });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, data, { mode: 0o600 });
    fs.renameSync(tmp, cacheFile);
  } catch {
    // read-only home, full disk, no permission: run without a cache
  }
}
