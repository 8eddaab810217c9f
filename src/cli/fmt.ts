/**
 * `dockerfix fmt [paths...]`: format Dockerfiles (layout only; see src/format/). Like the main
 * command: the default is a dry run that prints a unified diff per file that would change,
 * `--write` rewrites files atomically, `--check` only lists the files that would change (exit 1
 * if any), `-`/`--stdin` formats standard input to standard output.
 *
 * Exit codes: 0 nothing to change (or written), 1 `--check` found unformatted files,
 * 2 usage or input error (missing path, binary/non-UTF-8 file, parse error, internal error).
 */
import fs from 'node:fs';
import path from 'node:path';
import pc from 'picocolors';
import { discover, dockerfixIgnored } from './discover.js';
import { escapeControls } from '../report/escape.js';
import { noColors, renderDiff, type Colors } from '../report/diff.js';
import { FileError, decodeFile, readDockerfile, readStdinCapped, writeFileAtomic } from '../pipeline/fsio.js';
import { format, type FormatOptions } from '../format/index.js';
import { ConfigError, formatSettingsFor, type ConfigResolver } from '../pipeline/config.js';
import { newResolver } from '../pipeline/file-options.js';
import { colorsWanted } from './color.js';

/**
 * The settings for one file: `.editorconfig`, then the dockerfix config's `format`, then the
 * flags. Null when the config excludes the file.
 */
function optionsFor(file: string, resolver: ConfigResolver, flags: FormatOptions): FormatOptions | null {
  const settings = resolver.settingsFor(file);
  if (settings.excluded) return null;
  const fromFiles = formatSettingsFor(file, settings);
  const out: FormatOptions = { ...fromFiles };
  for (const [k, v] of Object.entries(flags)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

export interface FmtOptions {
  /** `--write`: rewrite changed files in place (atomically). */
  write?: boolean;
  /** `--check`: print the files that would change; exit 1 if any. */
  check?: boolean;
  /** `--stdin` (or the path `-`): format standard input to standard output. */
  stdin?: boolean;
  /** `--stdin-filepath <path>`: the name of standard input in messages. */
  stdinFilepath?: string;
  /** `--indent <n>`: spaces for continuation lines (default 4). */
  indent?: number;
  /** `--use-tabs`: indent continuation lines with a tab. */
  useTabs?: boolean;
  /** `--end-of-line <auto|lf|crlf>` (default auto: the file's own). */
  endOfLine?: 'auto' | 'lf' | 'crlf';
  /** `-q, --quiet`: only diffs, file lists and errors; no summary. */
  quiet?: boolean;
  /** `--no-color` gives false; undefined: colours on a TTY unless NO_COLOR. */
  color?: boolean;
  /** `--config <file>` / `--no-config` (false), as for the main command. */
  config?: string | false;
}

export interface FmtIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

const defaultFmtIo = (): FmtIo => ({ stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() });

/** Validates `FmtOptions` as they come from the command line; returns an error message or null. */
export function checkFmtOptions(opts: FmtOptions): string | null {
  if (opts.write && opts.check) return '--write and --check cannot be used together';
  if (opts.indent !== undefined && (!Number.isInteger(opts.indent) || opts.indent < 0 || opts.indent > 16)) {
    return `--indent must be a whole number from 0 to 16, not ${String(opts.indent)}`;
  }
  if (opts.endOfLine !== undefined && !['auto', 'lf', 'crlf'].includes(opts.endOfLine)) {
    return `--end-of-line must be auto, lf or crlf, not ${String(opts.endOfLine)}`;
  }
  return null;
}

export async function fmtCommand(paths: readonly string[], opts: FmtOptions = {}, io: FmtIo = defaultFmtIo()): Promise<number> {
  const out = (s: string): void => void io.stdout.write(s);
  const err = (s: string): void => void io.stderr.write(s);
  const bad = checkFmtOptions(opts);
  if (bad) {
    err(`dockerfix fmt: ${bad}\n`);
    return 2;
  }
  const fo: FormatOptions = { indent: opts.indent, useTabs: opts.useTabs, endOfLine: opts.endOfLine };
  let resolver: ConfigResolver;
  try {
    resolver = newResolver(io.cwd, opts.config);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    err(`dockerfix fmt: ${e.format(io.cwd)}\n`);
    return 2;
  }
  const list = paths.length ? [...paths] : ['.'];
  // `--stdin-filepath` without paths reads standard input (as prettier does).
  if (opts.stdin || list.includes('-') || (opts.stdinFilepath !== undefined && paths.length === 0)) return fmtStdin(io, opts, fo, list, resolver);

  const colorsOn = colorsWanted(opts.color === false ? false : undefined, io);
  const colors: Colors = colorsOn ? pc.createColors(true) : noColors;
  const found = await discover(list, io.cwd);
  let errors = 0;
  for (const e of found.errors) {
    err(`${e.format()}\n`);
    errors++;
  }
  let changed = 0;
  for (const file of found.files) {
    const abs = path.resolve(io.cwd, file);
    const rel = relative(io.cwd, file);
    let fileFo: FormatOptions | null;
    try {
      fileFo = optionsFor(abs, resolver, fo);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      err(`dockerfix fmt: ${e.format(io.cwd)}\n`);
      return 2;
    }
    if (!fileFo) continue;
    let input: string;
    try {
      const d = readDockerfile(abs);
      input = (d.bom ? '\ufeff' : '') + d.text;
    } catch (e) {
      if (!(e instanceof FileError)) throw e;
      err(`${new FileError(rel, e.message, e.line, e.column).format()}\n`);
      errors++;
      continue;
    }
    const r = format(input, fileFo);
    if (r.error) {
      err(`${new FileError(rel, r.error.kind === 'internal' ? `internal error: ${r.error.message}` : r.error.message, r.error.line, r.error.column).format()}\n`);
      errors++;
      continue;
    }
    if (!r.changed) continue;
    changed++;
    if (opts.check) out(`${rel}\n`);
    else if (opts.write) {
      try {
        writeFileAtomic(abs, r.output, { expected: input });
        if (!opts.quiet) out(`formatted ${rel}\n`);
      } catch (e) {
        if (!(e instanceof FileError)) throw e;
        err(`${new FileError(rel, e.message).format()}\n`);
        errors++;
      }
    } else out(renderDiff(rel, input, r.output, [], { colors, reasons: false }));
  }
  if (!opts.quiet && !opts.check) {
    const n = found.files.length;
    out(`dockerfix fmt: ${n} file${n === 1 ? '' : 's'}, ${changed} ${opts.write ? 'formatted' : 'would be formatted'}, ${errors} error${errors === 1 ? '' : 's'}\n`);
  }
  if (found.files.length === 0 && found.errors.length === 0 && !opts.quiet) err(`dockerfix fmt: no Dockerfiles found under ${list.join(', ')}\n`);
  if (errors) return 2;
  return opts.check && changed ? 1 : 0;
}

async function fmtStdin(io: FmtIo, opts: FmtOptions, flags: FormatOptions, paths: string[], resolver: ConfigResolver): Promise<number> {
  const err = (s: string): void => void io.stderr.write(s);
  if (paths.some((p) => p !== '-' && p !== '.')) {
    err('dockerfix fmt: paths cannot be combined with standard input; use --stdin-filepath to name the input\n');
    return 2;
  }
  if (opts.write) {
    err('dockerfix fmt: --write cannot be used with standard input (the result goes to standard output)\n');
    return 2;
  }
  if (opts.stdinFilepath && isDir(path.resolve(io.cwd, opts.stdinFilepath))) {
    err(`dockerfix fmt: ${opts.stdinFilepath}: --stdin-filepath names a directory; give the Dockerfile's path\n`);
    return 2;
  }
  const label = opts.stdinFilepath ?? '<stdin>';
  let fo: FormatOptions | null;
  const named = path.resolve(io.cwd, opts.stdinFilepath ?? 'Dockerfile');
  try {
    fo = optionsFor(named, resolver, flags);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    err(`dockerfix fmt: ${e.format(io.cwd)}\n`);
    return 2;
  }
  // The file --stdin-filepath names is excluded (config `exclude`, .dockerfixignore), as a named
  // file would be: the input passes through unchanged.
  const excluded = opts.stdinFilepath !== undefined && (fo === null || (await dockerfixIgnored(named)));
  let input: string;
  try {
    const bytes = await readStdinCapped(io.stdin);
    if (excluded) {
      if (!opts.check) io.stdout.write(bytes);
      if (!opts.quiet) err(`dockerfix fmt: ${escapeControls(label)}: excluded (config exclude or .dockerfixignore); not formatted, passed through unchanged\n`);
      return 0;
    }
    const d = decodeFile(label, bytes);
    input = (d.bom ? '\ufeff' : '') + d.text;
  } catch (e) {
    if (!(e instanceof FileError)) throw e;
    err(`${e.format()}\n`);
    return 2;
  }
  const r = format(input, fo ?? flags);
  if (r.error) {
    err(`${new FileError(label, r.error.kind === 'internal' ? `internal error: ${r.error.message}` : r.error.message, r.error.line, r.error.column).format()}\n`);
    if (!opts.check) io.stdout.write(input);
    return 2;
  }
  if (opts.check) {
    if (r.changed) io.stdout.write(`${label}\n`);
    return r.changed ? 1 : 0;
  }
  io.stdout.write(r.output);
  return 0;
}

function relative(cwd: string, file: string): string {
  const r = path.relative(cwd, path.resolve(cwd, file));
  return (r || file).split(path.sep).join('/');
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
