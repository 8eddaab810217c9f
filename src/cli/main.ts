/**
 * The `dockerfix` command line. `bin/dockerfix.ts` only calls `main`; everything the CLI does
 * is here, on top of the engine. Output goes to the streams passed in, so tests can run it
 * in-process as well as through the built binary.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import pc from 'picocolors';
import { discover, dockerfixIgnored } from './discover.js';
import { Listings } from '../core/listings.js';
import { renderDiff, noColors, type Colors } from '../report/diff.js';
import { processText, type FileOutcome, type ProcessOptions } from '../pipeline/engine.js';
import { prewarmWorkers, processFilesOrdered } from './batch.js';
import { Progress } from './progress.js';
import { FileError, decodeFile, readStdinCapped, writeFileAtomic } from '../pipeline/fsio.js';
import { loadTransforms, selectIds, transformIds, UnknownTransformError } from '../../transforms/index.js';
import type { Finding } from '../core/types.js';
import { closest, ConfigError } from '../pipeline/config.js';
import { FileOptions, newResolver } from '../pipeline/file-options.js';
import { planBuilds, type FileBuild } from '../builds/plan.js';
import { analyseEachContext } from '../builds/contexts.js';
import type { PackageMeta } from '../report/sarif.js';
import { REPORT_FORMATS, type ReportFile, type ReportFormat } from '../report/types.js';
import { colorsWanted } from './color.js';
import { runSubcommand, SUBCOMMANDS, SUBCOMMAND_HELP } from './subcommands.js';
import { displayPath, escapeControls, guardIo, safeLine } from '../report/escape.js';
import { workflowSafeStream } from '../report/workflow-safe.js';

import type { Io } from './io.js';
export type { Io } from './io.js';

export function packageVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
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

/** The web home of dockerfix and the base its docs links resolve against (from package.json). */
export async function packageLinks(): Promise<{ informationUri?: string; docsBase?: string }> {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = path.dirname(dir)) {
    const p = path.join(dir, 'package.json');
    if (!fs.existsSync(p)) continue;
    const json = JSON.parse(fs.readFileSync(p, 'utf8')) as PackageMeta & { name?: string };
    // The SARIF module loads only with a report format (start-up: test/lazy.test.ts).
    if (json.name === 'dockerfix') return (await import('../report/sarif.js')).linksFromPackage(json);
  }
  return {};
}

interface CliOptions {
  fmt?: boolean;
  write?: boolean;
  check?: boolean;
  only?: string[];
  skip?: string[];
  context?: string;
  noContext?: boolean;
  unsafe?: boolean;
  target?: string[];
  syntax?: string;
  quiet?: boolean;
  stdin?: boolean;
  stdinFilepath?: string;
  exitCode?: boolean;
  color?: boolean;
  listTransforms?: boolean;
  format?: ReportFormat;
  output?: string;
  config?: string | false;
  debug?: boolean;
  cache?: boolean;
  cacheLocation?: string;
}

const list = (v: string, prev: string[] = []): string[] => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];

export function buildProgram(): Command {
  return new Command()
    .name('dockerfix')
    .description(
      'Rewrite Dockerfiles to use the build cache well: copy dependency manifests before installs and the ' +
        'source after them, add cache mounts for package managers, move stable steps up and per-build labels ' +
        'down, and add the syntax directive when needed. By default prints a unified diff with a reason for ' +
        'every change (dry run); --write applies it, --check only says which files would change.',
    )
    .version(packageVersion(), '-V, --version')
    .argument('[paths...]', 'Dockerfiles or directories to search (default: .); "-" reads standard input')
    .option('-w, --write', 'apply the changes in place (atomically)')
    .option('-c, --check', 'print only the files that would change; exit 1 if any would')
    .option('--only <ids>', 'run only these transforms (comma-separated, repeatable)', list)
    .option('--skip <ids>', 'do not run these transforms (comma-separated, repeatable)', list)
    .option('--unsafe', 'also apply fixes marked unsafe')
    .option('--target <stages>', 'stages the project builds with --target (comma-separated, repeatable): their files count as output, like the last stage and every leaf stage', list)
    .option('--syntax <ref>', 'the # syntax= reference to add when needed, or "none"', 'docker/dockerfile:1')
    .option('--context <dir>', 'build context directory (default: the one the repository\'s compose, bake, CI or task-runner files name, else each Dockerfile\'s directory)')
    .option('--no-context', 'do not look at any build context (conservative rewrites)')
    .option('--stdin', 'read a Dockerfile from standard input and write the result to standard output')
    .option('--stdin-filepath <path>', 'the path of the file given on standard input (for messages, its config and its context); reads standard input')
    .option('--exit-code', 'in a dry run, exit 1 when changes are found')
    .option('--fmt', 'also format the files dockerfix rewrites (dockerfix fmt style; off by default: minimal diffs)')
    .option('-q, --quiet', 'print only diffs and errors (no notes or summary)')
    .option('--no-color', 'no colours (also NO_COLOR=1)')
    .option('--list-transforms', 'list the transforms with their fix kind and summary, then exit')
    .addOption(new Option('-f, --format <format>', 'report format').choices(REPORT_FORMATS).default('diff'))
    .option('-o, --output <file>', 'write the report to this file instead of standard output')
    .option('--config <file>', 'use this config file (default: dockerfix.config.json, .dockerfixrc.json or package.json "dockerfix", searched upward)')
    .option('--no-config', 'ignore config files')
    .option('--cache', "keep each file's result and reuse it while the file, its options and what it read from its build context are unchanged (also config key \"cache\": true)")
    .option('--no-cache', 'do not use the result cache (wins over the config key)')
    .option('--cache-location <dir>', "where the result cache's stores go (default: the user's cache directory, dockerfix/results)")
    .option('--debug', 'print the JavaScript stack of internal errors (otherwise one line)')
    .addOption(new Option('--color', 'force colours').hideHelp())
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
}

/** An internal error's message: its first line, or everything (the stack) with --debug. */
function internalMessage(message: string, debug: boolean | undefined): string {
  if (debug) return message;
  const nl = message.indexOf('\n');
  return nl === -1 ? message : `${message.slice(0, nl)} (run with --debug for details)`;
}

function relative(cwd: string, file: string): string {
  const r = path.relative(cwd, path.resolve(cwd, file));
  return (r || file).split(path.sep).join('/');
}

function formatNote(rel: string, f: Finding): string {
  return `${displayPath(rel)}:${f.line}:${f.column}: ${f.kind} [${f.transform}] ${escapeControls(f.message)}`;
}

/**
 * A failed write to standard output or standard error (`> /dev/full`: ENOSPC; a closed
 * descriptor; an I/O error): a one-line message for stderr, or null when `e` is something else.
 */
export function outputWriteError(e: unknown): string | null {
  const err = e as NodeJS.ErrnoException | undefined;
  if (!err || typeof err !== 'object' || err.syscall !== 'write' || !err.code) return null;
  const why: Record<string, string> = {
    ENOSPC: 'no space left on device',
    EDQUOT: 'disk quota exceeded',
    EPIPE: 'the reader closed the pipe',
    EIO: 'input/output error',
    EBADF: 'the output is closed',
    EFBIG: 'file too large',
  };
  return `dockerfix: cannot write the output: ${why[err.code] ?? err.code}`;
}

export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  // `--format github`: the runner reads standard error for workflow commands too.
  if (githubFormat(argv)) io = { ...io, stderr: workflowSafeStream(io.stderr) };
  try {
    return await run(argv, io);
  } catch (e) {
    const writeError = outputWriteError(e);
    if (writeError) {
      try {
        io.stderr.write(writeError + '\n');
      } catch {
        // stderr is gone too: the exit code says it
      }
      return 2;
    }
    // A bug in dockerfix: one line (no stack with install paths) unless --debug.
    const debug = argv.includes('--debug');
    const text = debug ? String((e as Error)?.stack ?? e) : String((e as Error)?.message ?? e).split('\n')[0];
    io.stderr.write(`dockerfix: internal error: ${debug ? text : escapeControls(text)}${debug ? '' : ' (run with --debug for details)'}\n`);
    return 2;
  }
}

/**
 * The main command in four steps: parse the command line, plan the run (options, config, the
 * files, how the repository builds them), run the transforms over the files (writing, or
 * collecting what to show), and emit the report or summary with the exit code. A step returns an
 * exit code instead of its result when the run ends there.
 */
async function run(argv: string[], io: Io): Promise<number> {
  // The language server owns standard input/output (JSON-RPC): no guard, loaded only here.
  if (argv[2] === 'lsp') return (await import('../lsp/server.js')).lspMain(argv.slice(3), io.stderr);
  // Subcommands print through a guard: no terminal control sequence or `::` line from user data.
  if (SUBCOMMANDS.includes(argv[2] ?? '')) return runSubcommand(argv[2], argv.slice(3), guardIo(io, argv[2] === 'fmt' && isStdinRun(argv.slice(3))), io.stderr);
  const o = new Output(io);
  const parsed = await parseCommandLine(argv, io, o);
  if (typeof parsed === 'number') return parsed;
  const plan = planRun(parsed, io, o);
  if (typeof plan === 'number') return plan;
  if (plan.stdinMode) return stdinRun(plan, io, o);
  const ran = await runFiles(plan, io, o);
  if (typeof ran === 'number') return ran;
  return emit(plan, ran, io, o);
}

/** Standard output (buffered for --output) and standard error, each clearing the progress line first. */
class Output {
  buffered: string[] | null = null;
  progress: Progress | undefined;
  constructor(private readonly io: Io) {}
  out = (s: string): void => {
    this.progress?.clear();
    void (this.buffered ? this.buffered.push(s) : this.io.stdout.write(s));
  };
  err = (s: string): void => {
    this.progress?.clear();
    this.io.stderr.write(s);
  };
}

interface Parsed {
  program: Command;
  opts: CliOptions;
  colors: Colors;
}

/** Parse and check the arguments; --help, --version, --list-transforms and usage errors end here. */
async function parseCommandLine(argv: string[], io: Io, o: Output): Promise<Parsed | number> {
  const { out, err } = o;
  const program = buildProgram();
  try {
    program.parse(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help') {
        out(program.helpInformation() + helpAfter());
        return 0;
      }
      if (e.code === 'commander.version') {
        out(packageVersion() + '\n');
        return 0;
      }
      err(`dockerfix: ${escapeControls(e.message.replace(/^error: /, ''))}\n`);
      return 2;
    }
    throw e;
  }
  const opts = program.opts<CliOptions>();
  // --no-color, NO_COLOR and FORCE_COLOR=0 turn colour off; --color and FORCE_COLOR=1 force it.
  const colorsOn = colorsWanted(program.getOptionValueSource('color') === 'cli' ? opts.color : undefined, io);
  const colors: Colors = colorsOn ? pc.createColors(true) : noColors;

  if (opts.write && opts.check) {
    err('dockerfix: --write and --check cannot be used together\n');
    return 2;
  }
  try {
    selectIds(opts.only, opts.skip);
  } catch (e) {
    if (e instanceof UnknownTransformError) {
      const hints = e.ids.map((id) => [id, closest(id, transformIds())]).filter(([, c]) => c);
      const hint = hints.length ? `; did you mean ${hints.map(([id, c]) => `"${c}" for "${id}"`).join(', ')}?` : '';
      err(`dockerfix: ${escapeControls(e.message + hint)}\n`);
      return 2;
    }
    throw e;
  }
  if (program.getOptionValueSource('syntax') === 'cli' && !isSyntaxReference(opts.syntax ?? '')) {
    err(`dockerfix: --syntax ${JSON.stringify(escapeControls(opts.syntax ?? ''))}: expected an image reference (e.g. docker/dockerfile:1) or "none"\n`);
    return 2;
  }
  if (opts.listTransforms) {
    await listTransforms(out);
    return 0;
  }
  return { program, opts, colors };
}

/** `--list-transforms`: id, which fixes it makes (safe | unsafe | safe* with the unsafe cases), summary. */
async function listTransforms(out: (s: string) => void): Promise<void> {
  const all = await loadTransforms();
  const width = Math.max(...all.map((t) => t.meta.id.length));
  const kind = (t: (typeof all)[number]): string => (t.meta.fixKind === 'safe' && t.meta.unsafeFixes ? 'safe*' : t.meta.fixKind);
  out(`${'id'.padEnd(width)}  ${'fixes'.padEnd(6)}  summary\n`);
  for (const t of all) {
    out(`${t.meta.id.padEnd(width)}  ${kind(t).padEnd(6)}  ${t.meta.summary}\n`);
    if (kind(t) === 'safe*') out(`${''.padEnd(width)}  ${''.padEnd(6)}  unsafe (only with --unsafe) ${t.meta.unsafeFixes}\n`);
  }
  out('\nsafe*: the fixes are safe except in the cases named, which are marked unsafe and applied only with --unsafe\n');
}

interface Plan extends Parsed {
  /** --cache, --no-cache or the config's `cache` key. */
  cache: boolean;
  processOpts: Omit<ProcessOptions, 'transforms' | 'fmt'> & { fmt?: boolean };
  fileOptions: FileOptions;
  paths: string[];
  /** Read one text from standard input instead of searching the paths. */
  stdinMode: boolean;
}

/** The options every file starts from, the config resolver and the paths; config errors end here. */
function planRun(parsed: Parsed, io: Io, o: Output): Plan | number {
  const { err } = o;
  const { program, opts } = parsed;
  const processOpts: Plan['processOpts'] = {
    contextDir: opts.context ? path.resolve(io.cwd, opts.context) : undefined,
    noContext: opts.noContext === true ? true : undefined,
    ...(opts.fmt ? { fmt: true } : {}),
    // A plain --check prints only the names of the files that would change: each file's
    // transforms stop at its first change (reports and --fmt need the whole rewrite).
    ...(opts.check && !opts.fmt && !wantsReport(opts) ? { firstChange: true } : {}),
  };
  // commander turns --no-context into context=false.
  if ((opts as { context?: unknown }).context === false) {
    processOpts.noContext = true;
    processOpts.contextDir = undefined;
  }
  if (processOpts.contextDir && !isDir(processOpts.contextDir)) {
    err(`dockerfix: ${escapeControls(opts.context ?? '')}: build context directory not found\n`);
    return 2;
  }
  let fileOptions: FileOptions;
  try {
    fileOptions = new FileOptions(newResolver(io.cwd, opts.config), {
      only: opts.only,
      skip: opts.skip,
      syntax: program.getOptionValueSource('syntax') === 'cli' ? opts.syntax : undefined,
      unsafe: opts.unsafe ? true : undefined,
      ...(opts.target ? { targets: opts.target } : {}),
      ...processOpts,
    });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    err(`dockerfix: ${escapeControls(e.format(io.cwd))}\n`);
    return 2;
  }
  // The result cache: --cache / --no-cache, else the config (of a Dockerfile in the working directory).
  let cache = opts.cache === true;
  if (opts.cache === undefined) {
    try {
      cache = fileOptions.settings(path.join(io.cwd, 'Dockerfile')).cache === true;
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      // reported with the files
    }
  }
  const paths = program.args.length ? program.args : ['.'];
  // `--stdin-filepath` without paths reads standard input (as prettier, eslint and ruff do).
  const stdinMode = Boolean(opts.stdin || paths.includes('-') || (opts.stdinFilepath !== undefined && program.args.length === 0));
  return { ...parsed, cache, processOpts, fileOptions, paths, stdinMode };
}

/** Standard input: the options of the file `--stdin-filepath` names, with its build definitions. */
async function stdinRun(plan: Plan, io: Io, o: Output): Promise<number> {
  const { opts, processOpts, fileOptions, paths } = plan;
  const stdinFile = path.resolve(io.cwd, opts.stdinFilepath ?? 'Dockerfile');
  try {
    // --stdin-filepath names the file: how the repository builds it counts too (src/builds).
    const fb = opts.stdinFilepath && !isDir(stdinFile) ? (await planBuilds([stdinFile], [stdinFile], io.cwd, processOpts.contextDir !== undefined || processOpts.noContext === true, (f) => fileOptions.settings(f).build)).files.get(stdinFile) : undefined;
    const po = await fileOptions.for(stdinFile, fb);
    // The file --stdin-filepath names is excluded (the config's `exclude`, a .dockerfixignore), as a
    // named file would be: the input passes through unchanged (what prettier does for an ignored file).
    if (opts.stdinFilepath && (fileOptions.settings(stdinFile).excluded || (await dockerfixIgnored(stdinFile)))) return await passThrough(io, opts);
    return await runStdin(io, opts, { ...po, ...processOpts, contextDir: po.contextDir, noContext: po.noContext, ...(po.fmt ? { fmt: po.fmt } : {}) }, paths, fb);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    o.err(`dockerfix: ${escapeControls(e.format(io.cwd))}\n`);
    return 2;
  }
}

/** What running the files leaves for the summary and the exit code. */
interface Ran {
  found: Awaited<ReturnType<typeof discover>>;
  /** The report's files (--format json|sarif|…), or null for the diff output. */
  report: ReportFile[] | null;
  errors: number;
  changed: number;
  skipped: number;
  /** Unsafe fixes found but not applied (no --unsafe). */
  unsafeLeft: number;
  written: number;
}

/** Find the Dockerfiles, read how they are built, run the transforms (worker threads), write or show each. */
async function runFiles(plan: Plan, io: Io, o: Output): Promise<Ran | number> {
  const { out, err } = o;
  const { opts, colors, processOpts, fileOptions, paths } = plan;
  if (opts.output) o.buffered = [];
  // Searching directories: start the worker pool now, so it boots while the search runs.
  const firstDir = paths.map((p) => path.resolve(io.cwd, p)).find((p) => isDir(p));
  // With the result cache, workers are started only for the files it does not have.
  if (firstDir && !plan.cache) {
    // With the options a Dockerfile there would get (per-path config may differ: then the batch
    // sends the other option sets to the workers as it needs them).
    try {
      prewarmWorkers(await fileOptions.for(path.join(firstDir, 'Dockerfile')));
    } catch {
      // a configuration error is reported below, file by file
    }
  }
  // Every directory listing the search reads, kept for this run: the config lookup and the
  // build-definition search ask about names in the same directories (src/core/listings.ts).
  const listings = new Listings();
  const found = await discover(paths, io.cwd, listings);
  fileOptions.resolver.useListings(listings);
  try {
    // The config's `exclude` globs: never checked nor written.
    found.files = found.files.filter((file) => !fileOptions.settings(path.resolve(io.cwd, file)).excluded);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    err(`dockerfix: ${escapeControls(e.format(io.cwd))}\n`);
    return 2;
  }
  const ran: Ran = { found, report: wantsReport(opts) ? [] : null, errors: 0, changed: 0, skipped: 0, unsafeLeft: 0, written: 0 };
  const { report } = ran;
  for (const e of found.errors) {
    err(`${safeLine(e.format())}\n`);
    ran.errors++;
  }
  // Many files go to worker threads; results come back in input order. Writes stay here.
  const absFiles = found.files.map((f) => path.resolve(io.cwd, f));
  // How the repository builds each Dockerfile (compose, workflows, Makefiles, …): src/builds.
  const builds = await planBuilds(absFiles, paths.map((p) => path.resolve(io.cwd, p)), io.cwd, processOpts.contextDir !== undefined || processOpts.noContext === true, (f) => fileOptions.settings(f).build, listings);
  if (!report && !opts.check && !opts.quiet) for (const n of builds.notes) out(colors.dim(`${relative(io.cwd, n.file)}:${n.line}: note [builds] ${n.message}`) + '\n');
  const perFile = await Promise.all(absFiles.map((f) => fileOptions.for(f, builds.files.get(f))));
  // The result cache (src/cli/result-cache.ts): its hits are handed out in place, the rest processed.
  const cache = plan.cache ? await openResultCache(opts, io) : null;
  const lookups = cache ? absFiles.map((f, i) => cache.lookup(f, perFile[i], builds.files.get(f), listings.linkFree(f))) : null;
  o.progress = Progress.create(io.stderr, found.files.length, { quiet: opts.quiet, env: io.env });
  const batch = processFilesOrdered(absFiles, perFile, {
    onProgress: (done) => o.progress?.update(done),
    ...(lookups ? { known: lookups.map((l) => l?.outcome), record: true } : {}),
  });
  const interrupt = onInterrupt(() => batch.stop());
  /** Write one file; a failed write is an error of that file. */
  const write = (abs: string, rel: string, outcome: FileOutcome): boolean => {
    try {
      writeFileAtomic(abs, outcome.after, { expected: outcome.before });
      ran.written++;
      return true;
    } catch (e) {
      if (!(e instanceof FileError)) throw e;
      err(`${safeLine(new FileError(rel, e.message).format())}\n`);
      ran.errors++;
      return false;
    }
  };
  for await (const { index, file: abs, outcome: done, log } of batch) {
    const file = found.files[index];
    const looked = lookups?.[index];
    if (looked && !looked.outcome) cache!.store(looked.key, done, log);
    // Built with several contexts: analysed with each (src/builds/contexts.ts); where its
    // context and targets came from (src/builds) become notes.
    const each = analyseEachContext(absFiles[index], perFile[index], builds.files.get(absFiles[index]), done);
    const foundNotes = each.error ? undefined : builds.files.get(absFiles[index])?.findings;
    const outcome = foundNotes?.length ? { ...each, findings: [...foundNotes, ...each.findings] } : each;
    const rel = relative(io.cwd, file);
    if (outcome.error) {
      const message = outcome.internal ? internalMessage(outcome.error.message, opts.debug) : outcome.error.message;
      const line = new FileError(rel, message, outcome.error.line, outcome.error.column).format();
      // --debug keeps the stack's lines as they are (asked for by whoever runs it).
      err(`${outcome.internal && opts.debug ? line : safeLine(line)}\n`);
      ran.errors++;
      const shown = message === outcome.error.message ? outcome : { ...outcome, error: new FileError(outcome.error.file ?? rel, message, outcome.error.line, outcome.error.column) };
      report?.push({ path: rel, outcome: shown, written: false });
      continue;
    }
    ran.skipped += outcome.findings.filter((f) => f.kind === 'skipped').length;
    ran.unsafeLeft += outcome.findings.filter((f) => f.kind === 'info' && f.fixKind === 'unsafe').length;
    if (outcome.changed) ran.changed++;
    if (report) {
      const wrote = outcome.changed && opts.write ? write(abs, rel, outcome) : false;
      report.push({ path: rel, outcome, written: wrote });
      continue;
    }
    if (opts.check) {
      if (outcome.changed) out(`${displayPath(rel)}\n`);
      continue;
    }
    if (outcome.changed && opts.write) {
      if (write(abs, rel, outcome) && !opts.quiet) {
        const n = outcome.findings.filter((f) => f.kind === 'change').length;
        out(`wrote ${escapeControls(rel)} (${n} change${n === 1 ? '' : 's'})\n`);
        for (const f of outcome.findings.filter((f) => f.kind === 'change')) out(colors.dim(`  ${f.transform}: ${escapeControls(f.message)}\n`));
      }
    } else if (outcome.changed) {
      out(renderDiff(rel, outcome.before, outcome.after, outcome.findings, { colors }));
    }
    if (!opts.quiet) printNotes(rel, outcome, out, colors);
  }
  interrupt.dispose();
  o.progress?.clear();
  o.progress = undefined;
  if (cache) {
    cache.flush();
    const s = cache.stats;
    cacheDebug(io)?.(`${s.hits} hits, ${s.misses} misses, ${s.uncacheable} not cacheable, ${s.stored} stored`);
  }
  if (batch.interrupted) {
    err(`dockerfix: interrupted after ${found.files.length === 0 ? 0 : batch.handed} of ${found.files.length} files${opts.write ? ` (${ran.written} written; no file is left half-written)` : ''}\n`);
    return 130;
  }
  return ran;
}

/** DOCKERFIX_CACHE_DEBUG=1: the result cache's notes on standard error. */
function cacheDebug(io: Io): ((m: string) => void) | undefined {
  const v = io.env.DOCKERFIX_CACHE_DEBUG;
  return v && v !== '0' ? (m) => void io.stderr.write(`dockerfix: cache: ${m}\n`) : undefined;
}

async function openResultCache(opts: CliOptions, io: Io): Promise<import('./result-cache.js').ResultCache> {
  const { ResultCache } = await import('./result-cache.js');
  return ResultCache.open({ location: opts.cacheLocation, projectRoot: io.cwd, env: io.env, version: packageVersion(), write: opts.write === true, debug: cacheDebug(io) });
}

/** The report (--format) or the one-line summary, the --output file, and the exit code. */
async function emit(plan: Plan, ran: Ran, io: Io, o: Output): Promise<number> {
  const { out, err } = o;
  const { opts, paths } = plan;
  const { found, report, errors, changed, skipped, unsafeLeft, written } = ran;
  if (report) {
    const all = await loadTransforms();
    const { renderReport } = await import('../report/index.js');
    out(
      renderReport(
        opts.format as Exclude<ReportFormat, 'diff'>,
        {
          tool: { name: 'dockerfix', version: packageVersion() },
          links: await packageLinks(),
          mode: opts.write ? 'write' : opts.check ? 'check' : 'dry-run',
          files: report,
          errors: found.errors.map((e) => ({ path: e.file, message: e.message })),
        },
        all.map((t) => t.meta),
      ),
    );
  } else if (!opts.quiet && !opts.check) {
    const verb = opts.write ? 'written' : 'would change';
    out(
      `dockerfix: ${found.files.length} file${found.files.length === 1 ? '' : 's'} scanned, ${opts.write ? written : changed} ${verb}, ` +
        `${skipped} skipped finding${skipped === 1 ? '' : 's'}, ` +
        (unsafeLeft ? `${unsafeLeft} unsafe fix${unsafeLeft === 1 ? '' : 'es'} not applied (--unsafe applies ${unsafeLeft === 1 ? 'it' : 'them'}), ` : '') +
        `${errors} error${errors === 1 ? '' : 's'}\n`,
    );
  }
  if (found.files.length === 0 && found.errors.length === 0 && !opts.quiet) {
    err(`dockerfix: no Dockerfiles found under ${escapeControls(paths.join(', '))}\n`);
  }
  if (opts.output && o.buffered) {
    try {
      fs.mkdirSync(path.dirname(path.resolve(io.cwd, opts.output)), { recursive: true });
      fs.writeFileSync(path.resolve(io.cwd, opts.output), o.buffered.join(''));
    } catch (e) {
      err(`dockerfix: ${escapeControls(opts.output)}: cannot write the report: ${escapeControls((e as Error).message)}\n`);
      return 2;
    }
  }
  if (errors) return 2;
  if (changed && (opts.check || (opts.exitCode && !opts.write))) return 1;
  return 0;
}

/** `--format github` / `-f github` / `--format=github` among the arguments (before `--`). */
function githubFormat(argv: string[]): boolean {
  for (let i = 2; i < argv.length && argv[i] !== '--'; i++) {
    const a = argv[i];
    if (a === '--format=github' || a === '-fgithub' || ((a === '--format' || a === '-f') && argv[i + 1] === 'github')) return true;
  }
  return false;
}

/**
 * An image reference as `docker build` takes it after `# syntax=` (registry host with an optional
 * port, lower-case path components, optional tag and digest), or `none`. `.` or a path is not one.
 */
export function isSyntaxReference(ref: string): boolean {
  if (ref === 'none') return true;
  const component = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
  // A registry host has a dot or a port, or is localhost (else the first part is a path component).
  const label = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?';
  const host = `(?:(?:${label}(?:\\.${label})+(?::[0-9]+)?|${label}:[0-9]+|localhost)/)?`;
  const re = new RegExp(`^${host}${component}(?:/${component})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`);
  return ref.length <= 255 && re.test(ref);
}

/** A report format (json, sarif, github) rather than the diff was asked for. */
function wantsReport(opts: CliOptions): boolean {
  return opts.format !== undefined && opts.format !== 'diff';
}

function printNotes(rel: string, outcome: FileOutcome, out: (s: string) => void, colors: Colors): void {
  for (const f of outcome.findings) {
    if (f.kind === 'change') continue;
    out(colors.dim(formatNote(rel, f)) + '\n');
  }
}

/** Standard input of an excluded file: copied to standard output byte for byte (nothing with --check or a report format); exit 0. */
async function passThrough(io: Io, opts: CliOptions): Promise<number> {
  let bytes: Buffer;
  try {
    bytes = await readStdinCapped(io.stdin);
  } catch (e) {
    if (!(e instanceof FileError)) throw e;
    io.stderr.write(`dockerfix: ${e.format()}\n`);
    return 2;
  }
  const label = escapeControls(opts.stdinFilepath ?? '');
  if (wantsReport(opts)) {
    const all = await loadTransforms();
    const { renderReport } = await import('../report/index.js');
    io.stdout.write(renderReport(opts.format as Exclude<ReportFormat, 'diff'>, { tool: { name: 'dockerfix', version: packageVersion() }, links: await packageLinks(), mode: opts.check ? 'check' : 'dry-run', files: [], errors: [] }, all.map((t) => t.meta)));
  } else if (!opts.check) io.stdout.write(bytes);
  if (!opts.quiet) io.stderr.write(`dockerfix: ${label}: excluded (config exclude or .dockerfixignore); not checked, passed through unchanged\n`);
  return 0;
}

async function runStdin(io: Io, opts: CliOptions, processOpts: ProcessOptions, paths: string[], fb?: FileBuild): Promise<number> {
  const err = (s: string): void => void io.stderr.write(s);
  const others = paths.filter((p) => p !== '-' && p !== '.');
  if (others.length) {
    err('dockerfix: paths cannot be combined with standard input; use --stdin-filepath to name the input\n');
    return 2;
  }
  if (opts.write) {
    err('dockerfix: --write cannot be used with standard input (the result goes to standard output)\n');
    return 2;
  }
  const label = opts.stdinFilepath ?? '<stdin>';
  let contextFile: string | undefined;
  if (opts.stdinFilepath) {
    const abs = path.resolve(io.cwd, opts.stdinFilepath);
    if (isDir(abs)) {
      err(`dockerfix: ${escapeControls(opts.stdinFilepath)}: --stdin-filepath names a directory; give the Dockerfile's path\n`);
      return 2;
    }
    contextFile = abs;
  }
  let bytes: Buffer;
  try {
    bytes = await readStdinCapped(io.stdin);
  } catch (e) {
    if (!(e instanceof FileError)) throw e;
    err(`dockerfix: ${e.format()}\n`);
    return 2;
  }
  let raw: string;
  try {
    const d = decodeFile(label, bytes);
    raw = (d.bom ? '\ufeff' : '') + d.text;
  } catch (e) {
    if (e instanceof FileError) {
      err(`${safeLine(e.format())}\n`);
      return 2;
    }
    throw e;
  }
  const first = processText(raw, label, processOpts, contextFile);
  // Built with several contexts (src/builds): analysed with each; where they came from, as notes.
  const each = contextFile ? analyseEachContext(contextFile, processOpts, fb, first, (_f, o) => processText(raw, label, o, contextFile)) : first;
  const processed = fb?.findings.length && !each.error ? { ...each, findings: [...fb.findings, ...each.findings] } : each;
  const outcome =
    processed.internal && processed.error
      ? { ...processed, error: new FileError(processed.error.file, internalMessage(processed.error.message, opts.debug), processed.error.line, processed.error.column) }
      : processed;
  if (outcome.error) {
    err(`${safeLine(outcome.error.format())}\n`);
    io.stdout.write(raw);
    return 2;
  }
  if (wantsReport(opts)) {
    const all = await loadTransforms();
    const { renderReport } = await import('../report/index.js');
    io.stdout.write(
      renderReport(
        opts.format as Exclude<ReportFormat, 'diff'>,
        { tool: { name: 'dockerfix', version: packageVersion() }, links: await packageLinks(), mode: opts.check ? 'check' : 'dry-run', files: [{ path: label, outcome, written: false }], errors: [] },
        all.map((t) => t.meta),
      ),
    );
    return outcome.changed && (opts.check || opts.exitCode) ? 1 : 0;
  }
  if (opts.check) {
    if (outcome.changed) io.stdout.write(`${displayPath(label)}\n`);
    return outcome.changed ? 1 : 0;
  }
  io.stdout.write(outcome.after);
  if (!opts.quiet) for (const f of outcome.findings) err(formatNote(label, f) + '\n');
  return outcome.changed && opts.exitCode ? 1 : 0;
}

/**
 * SIGINT/SIGTERM during a run: the first one stops the batch after the file being handled (a
 * write in progress always completes: writes are synchronous and signals are handled between
 * files), the second exits at once.
 */
function onInterrupt(stop: () => void): { dispose(): void } {
  let count = 0;
  const handler = (signal: NodeJS.Signals): void => {
    count++;
    if (count === 1) stop();
    else process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    dispose(): void {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

/** `fmt --stdin` / `fmt -` writes the formatted file to stdout: data, passed through as is. */
function isStdinRun(args: string[]): boolean {
  return args.includes('--stdin') || args.includes('-');
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Printed after the options by `--help`: the subcommands and the exit codes. */
function helpAfter(): string {
  return SUBCOMMAND_HELP + '\nExit codes:\n  0  nothing to change, or changes written\n  1  changes found (with --check, or --exit-code)\n  2  usage or input error (bad path, binary or non-UTF-8 file, parse error, invalid config, unknown transform)\n';
}

export function defaultIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() };
}
