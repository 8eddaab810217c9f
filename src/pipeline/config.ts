/**
 * Configuration files. For each Dockerfile, dockerfix looks in its directory and then upward (up
 * to the repository root, the directory holding `.git`; never above it) for
 * the first of `dockerfix.config.json`, `.dockerfixrc.json`, or a `package.json` with a
 * `"dockerfix"` key (a directory's own files are tried in that order; a package.json without the
 * key is passed over). The file is validated strictly: an unknown key or a wrong type is an error
 * naming the file and the key path, so a typo never silently does nothing.
 *
 *   {
 *     "transforms": { "pip-cache-mount": false },     on/off per transform id
 *     "syntax": "docker/dockerfile:1.7" | "none",
 *     "unsafe": false,
 *     "transformOptions": { "pip-cache-mount": { "hadolintIgnore": false } },   per-transform options (known keys only)
 *     "format": { "indent": 2, "useTabs": false, "endOfLine": "lf" },   dockerfix fmt, --fmt, prettier plugin
 *     "exclude": ["vendor/**", "Dockerfile.generated"],                   never checked nor written
 *     "overrides": [{ "files": ["services/**\/Dockerfile"], "excludeFiles": [], "transforms": {...}, "syntax": ..., "unsafe": ..., "format": ... }],
 *     "contexts": { "docker/Dockerfile": { "context": ".", "targets": ["prod"], "args": { "A": "1" } } },
 *     "cache": true                                                        the result cache (--cache), top level only
 *   }
 *
 * `contexts` (top level only): how a Dockerfile is built, paths relative to the config file; each
 * field given wins over the build definitions found in the repository (src/builds).
 *
 * Override and exclude globs are relative to the config file's directory; a glob without `/`
 * matches the file name anywhere below it. Later overrides win. Command-line flags win over all
 * of it. `format` settings sit on top of `.editorconfig` (src/pipeline/editorconfig.ts).
 * schema/config.schema.json describes the same format for editors (test/config-schema.test.ts
 * checks that the two agree).
 */
import fs from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import { editorConfigFormat, type FormatSettings } from './editorconfig.js';
import { direct, type FsQueries } from '../core/listings.js';
import { linkStaysInside } from './fsio.js';

export const CONFIG_FILES = ['dockerfix.config.json', '.dockerfixrc.json', 'package.json'] as const;

export interface Settings {
  transforms?: Record<string, boolean>;
  syntax?: string;
  unsafe?: boolean;
  transformOptions?: Record<string, Record<string, unknown>>;
  format?: FormatSettings;
}

export type { FormatSettings } from './editorconfig.js';

export interface Override extends Settings {
  files: string[];
  excludeFiles?: string[];
}

/** A `contexts` entry: how one Dockerfile is built (paths as written, relative to the config file). */
export interface ContextEntry {
  context?: string;
  targets?: string[];
  args?: Record<string, string>;
}

export interface DockerfixConfig extends Settings {
  /** Globs of files never checked nor written (relative to the config file's directory). */
  exclude?: string[];
  overrides?: Override[];
  contexts?: Record<string, ContextEntry>;
  /** Use the result cache (src/cli/result-cache.ts) unless --no-cache. Top level only. */
  cache?: boolean;
}

export interface LoadedConfig {
  file: string;
  dir: string;
  config: DockerfixConfig;
}

/** The settings that apply to one Dockerfile, after overrides. */
export interface ResolvedSettings {
  transforms: Record<string, boolean>;
  syntax?: string;
  unsafe?: boolean;
  transformOptions: Record<string, Record<string, unknown>>;
  format: FormatSettings;
  /** The file matches the config's `exclude`. */
  excluded?: boolean;
  /** The config file they came from, if any. */
  source?: string;
  /** The config's `contexts` entry for this file (paths absolute), if any. */
  build?: { context?: string; targets?: string[]; args?: Record<string, string>; file: string; line: number };
  /** The config's `cache` key. */
  cache?: boolean;
}

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly key: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
  /** `file: key.path: message`; the file relative to `cwd` when given. */
  format(cwd?: string): string {
    const f = cwd && path.isAbsolute(this.file) ? path.relative(cwd, this.file) || this.file : this.file;
    return `${f}: ${this.key ? this.key + ': ' : ''}${this.message}`;
  }
}

const SETTING_KEYS = ['transforms', 'syntax', 'unsafe', 'transformOptions', 'format'];

/**
 * The options each transform reads from `transformOptions`, with their types (others are errors).
 * The transforms declare them in `meta.options`; this table keeps config validation from loading
 * every transform, and test/transform-options.test.ts checks that the two are the same.
 */
export const TRANSFORM_OPTIONS: Record<string, Record<string, 'boolean' | 'string'>> = {
  'pip-cache-mount': { hadolintIgnore: 'boolean' },
  // syntax-directive's meta.options.syntax (the `syntax` key is short for it).
  'syntax-directive': { syntax: 'string' },
};
const FORMAT_KEYS = ['indent', 'useTabs', 'endOfLine'];

/**
 * The `syntax` a config file may set: "none" or Docker's own Dockerfile frontend
 * (`docker/dockerfile` or `docker/dockerfile-upstream`, optionally `docker.io/`-prefixed, with a
 * tag and/or a sha256 digest). A config file comes with the repository, so a pull request could
 * change it: any other image would be a frontend that runs code at build time.
 */
const SYNTAX_REF = /^(?:docker\.io\/)?docker\/dockerfile(?:-upstream)?(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

export function isAllowedSyntax(ref: string): boolean {
  return ref === 'none' || SYNTAX_REF.test(ref);
}

/** Largest config file read (they are a few hundred bytes; package.json files can be larger). */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/**
 * Read a config file: a regular file only (a FIFO is never waited on: non-blocking open, checked
 * on the descriptor), at most MAX_CONFIG_BYTES. Throws an errno-style error or a message.
 */
function readConfigText(file: string): string {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new Error('not a regular file');
    if (st.size > MAX_CONFIG_BYTES) throw new Error(`larger than ${MAX_CONFIG_BYTES} bytes`);
    const buf = Buffer.alloc(st.size + 1);
    let total = 0;
    for (;;) {
      if (total === buf.length) throw new Error(`grew while being read`);
      const n = fs.readSync(fd, buf, total, buf.length - total, null);
      if (n === 0) break;
      total += n;
    }
    return buf.subarray(0, total).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `; did you mean "x"?` when a known word is close, else nothing. */
function hint(word: string, known: readonly string[]): string {
  const c = closest(word, known);
  return c ? `; did you mean "${c}"?` : '';
}

/** Validate a parsed config; `knownIds` are the transform ids (unknown ones are errors). */
export function validateConfig(raw: unknown, file: string, knownIds: readonly string[], prefix = ''): DockerfixConfig {
  const fail = (key: string, msg: string): never => {
    throw new ConfigError(file, prefix + key, msg);
  };
  if (!isObject(raw)) fail('', `expected an object, got ${typeName(raw)}`);
  const obj = raw as Record<string, unknown>;
  const settings = (o: Record<string, unknown>, at: string, allowed: string[]): Settings => {
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) fail(at + k, `unknown key${hint(k, allowed)} (allowed: ${allowed.join(', ')})`);
    }
    const out: Settings = {};
    if ('transforms' in o) {
      const t = o.transforms;
      if (!isObject(t)) fail(at + 'transforms', `expected an object of transform id -> true/false, got ${typeName(t)}`);
      out.transforms = {};
      for (const [id, on] of Object.entries(t as Record<string, unknown>)) {
        if (!knownIds.includes(id)) fail(`${at}transforms.${id}`, `unknown transform id${hint(id, knownIds)} (known: ${knownIds.join(', ')})`);
        if (typeof on !== 'boolean') fail(`${at}transforms.${id}`, `expected true or false, got ${typeName(on)}`);
        out.transforms[id] = on as boolean;
      }
    }
    if ('syntax' in o) {
      if (typeof o.syntax !== 'string' || o.syntax.trim() === '') fail(at + 'syntax', `expected a non-empty string (an image reference or "none"), got ${typeName(o.syntax)}`);
      if (/\s/.test(o.syntax as string)) fail(at + 'syntax', 'must not contain whitespace');
      if (!isAllowedSyntax(o.syntax as string)) {
        fail(
          at + 'syntax',
          `${JSON.stringify(o.syntax)} is not a Dockerfile frontend dockerfix accepts from a config file: use docker/dockerfile:<tag> (e.g. docker/dockerfile:1 or docker/dockerfile:1.7-labs), docker.io/docker/dockerfile@sha256:<digest>, or "none" (another frontend image only with --syntax on the command line)`,
        );
      }
      out.syntax = o.syntax as string;
    }
    if ('unsafe' in o) {
      if (typeof o.unsafe !== 'boolean') fail(at + 'unsafe', `expected true or false, got ${typeName(o.unsafe)}`);
      out.unsafe = o.unsafe as boolean;
    }
    if ('transformOptions' in o) {
      const t = o.transformOptions;
      if (!isObject(t)) fail(at + 'transformOptions', `expected an object of transform id -> options object, got ${typeName(t)}`);
      out.transformOptions = {};
      for (const [id, v] of Object.entries(t as Record<string, unknown>)) {
        if (!knownIds.includes(id)) fail(`${at}transformOptions.${id}`, `unknown transform id${hint(id, knownIds)} (known: ${knownIds.join(', ')})`);
        if (!isObject(v)) fail(`${at}transformOptions.${id}`, `expected an object, got ${typeName(v)}`);
        // The frontend a config file may name is limited the same way under either key.
        const ref = id === 'syntax-directive' ? (v as Record<string, unknown>).syntax : undefined;
        if (typeof ref === 'string' && !isAllowedSyntax(ref)) fail(`${at}transformOptions.${id}.syntax`, `${JSON.stringify(ref)} is not a Dockerfile frontend dockerfix accepts from a config file: use docker/dockerfile:<tag> or "none"`);
        const known = TRANSFORM_OPTIONS[id] ?? {};
        const keys = Object.keys(known);
        for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
          if (!(k in known)) fail(`${at}transformOptions.${id}.${k}`, keys.length ? `unknown option${hint(k, keys)} (known: ${keys.join(', ')})` : `${id} takes no options`);
          if (typeof val !== known[k]) fail(`${at}transformOptions.${id}.${k}`, `expected ${known[k] === 'boolean' ? 'true or false' : known[k]}, got ${typeName(val)}`);
        }
        out.transformOptions[id] = v as Record<string, unknown>;
      }
    }
    if ('format' in o) {
      const f = o.format;
      if (!isObject(f)) fail(at + 'format', `expected an object (indent, useTabs, endOfLine), got ${typeName(f)}`);
      const rec = f as Record<string, unknown>;
      for (const k of Object.keys(rec)) if (!FORMAT_KEYS.includes(k)) fail(`${at}format.${k}`, `unknown key${hint(k, FORMAT_KEYS)} (allowed: ${FORMAT_KEYS.join(', ')})`);
      out.format = {};
      if ('indent' in rec) {
        if (typeof rec.indent !== 'number' || !Number.isInteger(rec.indent) || rec.indent < 0 || rec.indent > 16) fail(`${at}format.indent`, `expected a whole number from 0 to 16, got ${JSON.stringify(rec.indent) ?? typeName(rec.indent)}`);
        out.format.indent = rec.indent as number;
      }
      if ('useTabs' in rec) {
        if (typeof rec.useTabs !== 'boolean') fail(`${at}format.useTabs`, `expected true or false, got ${typeName(rec.useTabs)}`);
        out.format.useTabs = rec.useTabs as boolean;
      }
      if ('endOfLine' in rec) {
        if (rec.endOfLine !== 'auto' && rec.endOfLine !== 'lf' && rec.endOfLine !== 'crlf') fail(`${at}format.endOfLine`, `expected "auto", "lf" or "crlf", got ${JSON.stringify(rec.endOfLine) ?? typeName(rec.endOfLine)}`);
        out.format.endOfLine = rec.endOfLine as FormatSettings['endOfLine'];
      }
    }
    return out;
  };
  const top: DockerfixConfig = settings(obj, '', ['$schema', ...SETTING_KEYS, 'exclude', 'overrides', 'contexts', 'cache']);
  if ('cache' in obj) {
    if (typeof obj.cache !== 'boolean') fail('cache', `expected true or false, got ${typeName(obj.cache)}`);
    top.cache = obj.cache as boolean;
  }
  if ('contexts' in obj) top.contexts = validateContexts(obj.contexts, fail);
  if ('$schema' in obj && typeof obj.$schema !== 'string') fail('$schema', `expected a string, got ${typeName(obj.$schema)}`);
  if ('exclude' in obj) {
    const v = obj.exclude;
    if (!Array.isArray(v) || !v.every((g) => typeof g === 'string' && g !== '')) fail('exclude', `expected an array of glob strings, got ${typeName(v)}`);
    top.exclude = v as string[];
  }
  if ('overrides' in obj) {
    if (!Array.isArray(obj.overrides)) fail('overrides', `expected an array, got ${typeName(obj.overrides)}`);
    top.overrides = (obj.overrides as unknown[]).map((o, i) => {
      const at = `overrides[${i}].`;
      if (!isObject(o)) fail(`overrides[${i}]`, `expected an object, got ${typeName(o)}`);
      const rec = o as Record<string, unknown>;
      const globs = (key: string, required: boolean): string[] | undefined => {
        if (!(key in rec)) {
          if (required) fail(at + key, 'missing (an array of glob patterns)');
          return undefined;
        }
        const v = rec[key];
        const list = typeof v === 'string' ? [v] : v;
        if (!Array.isArray(list) || list.length === 0 || !list.every((g) => typeof g === 'string' && g !== '')) {
          fail(at + key, `expected a non-empty array of glob strings, got ${typeName(v)}`);
        }
        return list as string[];
      };
      const files = globs('files', true)!;
      const excludeFiles = globs('excludeFiles', false);
      const s = settings(rec, at, ['files', 'excludeFiles', ...SETTING_KEYS]);
      return { ...s, files, ...(excludeFiles ? { excludeFiles } : {}) };
    });
  }
  return top;
}

function validateContexts(v: unknown, fail: (key: string, msg: string) => never): Record<string, ContextEntry> {
  if (!isObject(v)) fail('contexts', `expected an object of Dockerfile path -> { context, targets, args }, got ${typeName(v)}`);
  const out: Record<string, ContextEntry> = {};
  for (const [file, e] of Object.entries(v as Record<string, unknown>)) {
    const at = `contexts.${file}`;
    if (file === '' || path.isAbsolute(file)) fail(at, 'expected a Dockerfile path relative to the config file');
    if (!isObject(e)) fail(at, `expected an object with context, targets, args, got ${typeName(e)}`);
    const rec = e as Record<string, unknown>;
    for (const k of Object.keys(rec)) if (!['context', 'targets', 'args'].includes(k)) fail(`${at}.${k}`, 'unknown key (allowed: context, targets, args)');
    const entry: ContextEntry = {};
    if ('context' in rec) {
      if (typeof rec.context !== 'string' || rec.context === '' || path.isAbsolute(rec.context)) fail(`${at}.context`, `expected a folder relative to the config file, got ${typeName(rec.context)}`);
      entry.context = rec.context as string;
    }
    if ('targets' in rec) {
      const t = rec.targets;
      if (!Array.isArray(t) || !t.every((x) => typeof x === 'string' && x !== '')) fail(`${at}.targets`, `expected an array of stage names, got ${typeName(t)}`);
      entry.targets = t as string[];
    }
    if ('args' in rec) {
      const a = rec.args;
      if (!isObject(a)) fail(`${at}.args`, `expected an object of build arg -> string value, got ${typeName(a)}`);
      for (const [k, x] of Object.entries(a as Record<string, unknown>)) if (typeof x !== 'string') fail(`${at}.args.${k}`, `expected a string, got ${typeName(x)}`);
      entry.args = a as Record<string, string>;
    }
    out[file] = entry;
  }
  return out;
}

/** Read and validate one config file (`package.json`: its `"dockerfix"` key; null when absent). */
export function loadConfigFile(file: string, knownIds: readonly string[]): LoadedConfig | null {
  let text: string;
  try {
    text = readConfigText(file);
  } catch (e) {
    // A package.json that cannot be read is not a dockerfix config (it may not even be a file).
    if (path.basename(file) === 'package.json' && (e as NodeJS.ErrnoException).code !== 'EACCES') return null;
    throw new ConfigError(file, '', `cannot read: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\ufeff/, ''));
  } catch (e) {
    if (path.basename(file) === 'package.json') return null;
    // Without the excerpt of the file newer Node versions quote (the file may not be ours to show).
    throw new ConfigError(file, '', `invalid JSON: ${(e as Error).message.replace(/"[\s\S]*"(?:\.\.\.)? is not valid JSON/, 'is not valid JSON')}`);
  }
  if (path.basename(file) === 'package.json') {
    if (!isObject(raw) || !('dockerfix' in raw)) return null;
    return { file, dir: path.dirname(file), config: validateConfig(raw.dockerfix, file, knownIds, 'dockerfix.') };
  }
  return { file, dir: path.dirname(file), config: validateConfig(raw, file, knownIds) };
}

/** Finds and caches the config that applies to files in a directory. */
export class ConfigResolver {
  private readonly byDir = new Map<string, LoadedConfig | null>();
  private readonly explicit: LoadedConfig | null | undefined;
  private fsq: FsQueries = direct;

  /** `explicitFile`: use this file for everything (--config); `null`: no config at all (--no-config). */
  constructor(
    private readonly knownIds: readonly string[],
    explicitFile?: string | null,
  ) {
    if (explicitFile === null) this.explicit = null;
    else if (explicitFile !== undefined) {
      const loaded = loadConfigFile(explicitFile, knownIds);
      if (!loaded) throw new ConfigError(explicitFile, '', 'package.json has no "dockerfix" key');
      this.explicit = loaded;
    }
  }

  /** Answer "is there a config file here" from a run's directory listings (src/core/listings.ts). */
  useListings(listings: FsQueries): void {
    this.fsq = listings;
  }

  /** The config for a Dockerfile at `file` (absolute or cwd-relative). */
  forFile(file: string): LoadedConfig | null {
    if (this.explicit !== undefined) return this.explicit;
    return this.forDir(path.dirname(path.resolve(file)));
  }

  private forDir(dir: string): LoadedConfig | null {
    if (this.byDir.has(dir)) return this.byDir.get(dir)!;
    let found: LoadedConfig | null = null;
    for (const name of CONFIG_FILES) {
      const f = path.join(dir, name);
      if (!this.fsq.exists(f)) continue;
      // A config found in the repository that links out of it is not read (its values would be
      // used and shown: a pull request could point it at a file of the machine): an error for
      // dockerfix's own files, and a package.json (npm's file first) is taken as holding none.
      if (!linkStaysInside(f)) {
        if (name === 'package.json') continue;
        throw new ConfigError(f, '', 'is a symbolic link to a file outside the repository; not read');
      }
      found = loadConfigFile(f, this.knownIds);
      if (found) break;
    }
    // The search stops at the repository root (the directory holding .git): a config file
    // above it belongs to someone else, not to the repository being checked.
    if (!found && !this.fsq.exists(path.join(dir, '.git'))) {
      const parent = path.dirname(dir);
      found = parent === dir ? null : this.forDir(parent);
    }
    this.byDir.set(dir, found);
    return found;
  }

  settingsFor(file: string): ResolvedSettings {
    return resolveSettings(this.forFile(file), file);
  }
}

/** The line of `"key"` in a config file (1 when not found). */
function lineOf(file: string, key: string): number {
  try {
    const text = readConfigText(file);
    const at = text.indexOf(JSON.stringify(key));
    return at === -1 ? 1 : text.slice(0, at).split('\n').length;
  } catch {
    return 1;
  }
}

function matcher(globs: string[]): (rel: string) => boolean {
  const ms = globs.map((g) => picomatch(g, { dot: true, basename: !g.includes('/') }));
  return (rel) => ms.some((m) => m(rel));
}

/** Merge the top-level settings with every override that matches `file`. */
export function resolveSettings(loaded: LoadedConfig | null, file: string): ResolvedSettings {
  const out: ResolvedSettings = { transforms: {}, transformOptions: {}, format: {} };
  if (!loaded) return out;
  out.source = loaded.file;
  const apply = (s: Settings): void => {
    Object.assign(out.transforms, s.transforms ?? {});
    Object.assign(out.format, s.format ?? {});
    for (const [id, o] of Object.entries(s.transformOptions ?? {})) out.transformOptions[id] = { ...out.transformOptions[id], ...o };
    if (s.syntax !== undefined) out.syntax = s.syntax;
    if (s.unsafe !== undefined) out.unsafe = s.unsafe;
  };
  apply(loaded.config);
  if (loaded.config.cache !== undefined) out.cache = loaded.config.cache;
  const rel = path.relative(loaded.dir, path.resolve(file)).split(path.sep).join('/');
  for (const [key, e] of Object.entries(loaded.config.contexts ?? {})) {
    if (path.resolve(loaded.dir, key) !== path.resolve(file)) continue;
    out.build = {
      ...(e.context !== undefined ? { context: path.resolve(loaded.dir, e.context) } : {}),
      ...(e.targets ? { targets: e.targets } : {}),
      ...(e.args ? { args: e.args } : {}),
      file: loaded.file,
      line: lineOf(loaded.file, key),
    };
  }
  if (loaded.config.exclude?.length && !rel.startsWith('../') && matcher(loaded.config.exclude)(rel)) out.excluded = true;
  for (const o of loaded.config.overrides ?? []) {
    if (rel.startsWith('../')) break;
    if (!matcher(o.files)(rel)) continue;
    if (o.excludeFiles && matcher(o.excludeFiles)(rel)) continue;
    apply(o);
  }
  return out;
}

/**
 * The formatter settings for `file`: `.editorconfig` first, the dockerfix config's `format` (after
 * overrides) on top. Command-line flags go on top of this (the callers add them).
 */
export function formatSettingsFor(file: string, settings: ResolvedSettings): FormatSettings {
  return { ...editorConfigFormat(file), ...settings.format };
}

/** The known word closest to `word` (edit distance at most 1 per 3 letters, at least 2), for a did-you-mean. */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const k of known) {
    const d = distance(word.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}

/** Edit distance with adjacent transpositions (optimal string alignment). */
function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return 99;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
