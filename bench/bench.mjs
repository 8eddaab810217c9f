#!/usr/bin/env node
/**
 * `npm run bench` (after `npm run build`): how fast dockerfix is, next to the Dockerfile tools
 * that install from npm, in one run on this machine.
 *
 * 1. The shared corpus (../shared/corpus/cases/<id>/Dockerfile):
 *    - `dockerfix --check <corpus dir>` through the real CLI (discovery, workers, all transforms),
 *      wall time of the whole process, min/median over several runs; the same with 2 worker
 *      threads forced; a dry run (every file rewritten in full and diffed); and `--check` over
 *      the corpus copied 8 times (a big repository), with and without 2 forced workers;
 *    - `--check --cache` (the result cache) over both, cold (an empty cache each run) and warm;
 *    - `dockerfix fmt --check <corpus dir>` when the formatter is built in;
 *    - the in-process API: `processFiles` (worker pool) per call, and a plain single-thread loop
 *      over `processFile`, first (cold) pass and best warm pass;
 *    - peers, each in a fresh process: dprint's Dockerfile wasm plugin (@dprint/formatter +
 *      @dprint/dockerfile), prettier + prettier-plugin-sh, dockerfile-utils `format`; load time,
 *      first pass, best warm pass, whole-process wall time.
 * 2. Cold start: `node -e 0`, `dockerfix --version` and a one-file `dockerfix --check` (with the
 *    code cache, and without), interleaved rounds, min/median and the ratio to `node -e 0`.
 * The CLI rows run the package's bin (bundle/dockerfix.mjs) when it is built, else (or with
 * `--dist`) the tsc build, dist/bin/dockerfix.js.
 * 3. Generated files of 100 KB, 1 MB and 5 MB: in-process time and the CLI on the 5 MB file.
 * 4. A generated file of 20,000 instructions in one stage (a quarter each pip RUN, ENV, COPY,
 *    plain RUN: 5,000 changed lines, 5,000 variables): the CLI dry run (diff) and --format json,
 *    whole process. Cost must grow with the number of instructions, not its square.
 *
 * Usage: node bench/bench.mjs [--runs N] [--json file] [--corpus dir] [--dist]
 * Internally it re-runs itself with `--child <tool>` for the per-process measurements.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const dist = path.join(root, 'dist');
const distBin = path.join(dist, 'bin', 'dockerfix.js');
// The CLI rows run the package's bin, the bundle (`npm run bundle`), when it is there (`--dist`:
// the tsc build instead), with its V8 code cache in a temp dir that one run fills first.
const bundleBin = path.join(root, 'bundle', 'dockerfix.mjs');
const bin = !process.argv.includes('--dist') && fs.existsSync(path.join(root, 'bundle', 'dockerfix-cli.cjs')) ? bundleBin : distBin;
let codeCacheDir;
const cliEnv = (extra = {}) => {
  if (!codeCacheDir) {
    codeCacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-bench-code-cache-'));
    process.on('exit', () => fs.rmSync(codeCacheDir, { recursive: true, force: true }));
  }
  return { ...process.env, DOCKERFIX_CODE_CACHE: codeCacheDir, ...extra };
};
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i === -1 ? dflt : args[i + 1];
};

function corpusDir() {
  const given = opt('--corpus');
  const candidates = given ? [path.resolve(given)] : [path.resolve(root, '../shared/corpus'), path.resolve(root, '../../shared/corpus')];
  return candidates.find((p) => fs.existsSync(path.join(p, 'cases')));
}

function corpusFiles(dir) {
  const cases = path.join(dir, 'cases');
  return fs
    .readdirSync(cases)
    .sort()
    .map((id) => path.join(cases, id, 'Dockerfile'))
    .filter((f) => fs.existsSync(f));
}

const ms = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const rate = (n, t) => Math.round((n / t) * 1000);

// ---------------------------------------------------------------------------------------------
// Child mode: one tool, fresh process; prints one JSON line.
// ---------------------------------------------------------------------------------------------
async function child(tool) {
  const t0 = performance.now();
  const limit = Number(opt('--limit', '0'));
  const all = corpusFiles(corpusDir());
  const files = limit > 0 ? all.slice(0, limit) : all;
  const passes = Number(opt('--passes', '5'));
  let run; // (file) => true on success (throws on failure)
  const after = async () => {};
  switch (tool) {
    case 'dockerfix-api':
    case 'dockerfix-api-check': {
      const { processFile } = await import(pathToFileURL(path.join(dist, 'src/pipeline/engine.js')).href);
      const { loadTransforms } = await import(pathToFileURL(path.join(dist, 'transforms/index.js')).href);
      const transforms = await loadTransforms();
      // -check: what `dockerfix --check` does per file (stop at the first change).
      const firstChange = tool === 'dockerfix-api-check';
      run = (f) => !processFile(f, { transforms, firstChange }).error;
      break;
    }
    case 'dockerfix-batch': {
      const { processFiles } = await import(pathToFileURL(path.join(dist, 'src/cli/batch.js')).href);
      const { loadTransforms } = await import(pathToFileURL(path.join(dist, 'transforms/index.js')).href);
      const transforms = await loadTransforms();
      const t1 = performance.now();
      const times = [];
      let errors = 0;
      let workers = 0;
      for (let p = 0; p < passes; p++) {
        const s = performance.now();
        const out = await processFiles(files, { transforms });
        times.push(performance.now() - s);
        errors = out.filter((o) => o.error).length;
      }
      const { autoWorkers } = await import(pathToFileURL(path.join(dist, 'src/cli/batch.js')).href);
      workers = autoWorkers(files.length);
      console.log(JSON.stringify({ tool, files: files.length, loadMs: t1 - t0, firstMs: times[0], bestMs: Math.min(...times), medianMs: median(times), errors, workers }));
      return;
    }
    case 'dockerfix-format': {
      // The formatter alone (src/format), in-process, like the dprint row below.
      const { format } = await import(pathToFileURL(path.join(dist, 'src/format/index.js')).href);
      run = (f) => !format(fs.readFileSync(f, 'utf8')).error;
      break;
    }
    case 'dprint': {
      const { createFromBuffer } = await import('@dprint/formatter');
      const wasm = fs.readFileSync(require.resolve('@dprint/dockerfile/plugin.wasm'));
      const formatter = createFromBuffer(wasm);
      run = (f) => {
        formatter.formatText({ filePath: f, fileText: fs.readFileSync(f, 'utf8') });
        return true;
      };
      break;
    }
    case 'prettier': {
      const prettier = await import('prettier');
      const sh = await import('prettier-plugin-sh');
      const plugin = sh.default ?? sh;
      // prettier is async; a pass awaits each file in turn.
      run = async (f) => {
        await prettier.format(fs.readFileSync(f, 'utf8'), { parser: 'dockerfile', plugins: [plugin], filepath: f });
        return true;
      };
      break;
    }
    case 'dockerfile-utils': {
      const { format } = require('dockerfile-utils');
      run = (f) => {
        format(fs.readFileSync(f, 'utf8'), { insertSpaces: true, tabSize: 4 });
        return true;
      };
      break;
    }
    default:
      throw new Error(`unknown tool ${tool}`);
  }
  const loadMs = performance.now() - t0;
  const times = [];
  let errors = 0;
  let firstError;
  // A peer may kill its own runtime on some input (prettier-plugin-sh's Go wasm exits on a
  // panic and throws from a callback). Then this process reports where, and the parent starts a
  // fresh one from the next file; the time of the pass is summed over the pieces.
  const from = Number(opt('--from', '0'));
  let current = from;
  let passStart = performance.now();
  let e0 = 0;
  const crashed = (err) => {
    const elapsed = performance.now() - passStart;
    console.log(JSON.stringify({ tool, crashedAt: current, partialMs: elapsed, loadMs, errors: e0 + 1, firstError: firstError ?? `${path.basename(path.dirname(files[current]))}: ${String(err?.message ?? err).split('\n')[0].slice(0, 120)}` }));
    process.exit(0);
  };
  process.on('uncaughtException', crashed);
  process.on('unhandledRejection', crashed);
  for (let p = 0; p < (from > 0 ? 1 : passes); p++) {
    let e = 0;
    const s = performance.now();
    passStart = s;
    for (current = p === 0 ? from : 0; current < files.length; current++) {
      const f = files[current];
      try {
        const ok = await Promise.race([run(f), new Promise((_, rej) => setTimeout(() => rej(new Error('no answer within 10 s')), 10_000).unref())]);
        if (!ok) e++;
      } catch (err) {
        e++;
        firstError ??= `${path.basename(path.dirname(f))}: ${String(err.message ?? err).split('\n')[0].slice(0, 120)}`;
      }
      if (p === 0) e0 = e;
    }
    times.push(performance.now() - s);
    if (p === 0) errors = e;
  }
  await after();
  console.log(JSON.stringify({ tool, files: files.length, loadMs, firstMs: times[0], bestMs: Math.min(...times), medianMs: median(times), errors, firstError }));
}

// ---------------------------------------------------------------------------------------------
// Parent mode.
// ---------------------------------------------------------------------------------------------
/** A walk of a tree reading every file named Dockerfile (the floor of a `--check` run over it); prints the count. */
const FLOOR_SCRIPT = `const fs=require('fs'),path=require('path');let n=0;(function walk(d){for(const e of fs.readdirSync(d,{withFileTypes:true})){const p=path.join(d,e.name);if(e.isDirectory())walk(p);else if(e.name==='Dockerfile'){fs.readFileSync(p);n++}}})(process.argv[1]);console.log(n)`;

function timeProcess(argv, runs, { cwd = root, env = cliEnv() } = {}) {
  const times = [];
  let last;
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    last = spawnSync(process.execPath, argv, { cwd, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    times.push(performance.now() - s);
  }
  return { min: Math.min(...times), median: median(times), status: last.status, stdout: last.stdout, stderr: last.stderr };
}

/**
 * `--check --cache` over `target`: cold (each run with an empty result cache of its own) and warm
 * (the cache one run filled), min and median of whole processes. The signing key and stores live
 * in a temp dir (XDG_CACHE_HOME), never in the user's cache.
 */
function timeCached(target, runs) {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-bench-result-cache-'));
  try {
    const env = cliEnv({ XDG_CACHE_HOME: base, DOCKERFIX_CACHE_DEBUG: '1' });
    const cold = [];
    let status;
    for (let i = 0; i < runs; i++) {
      const r = timeProcess([bin, '--check', '--cache', '--cache-location', path.join(base, `cold${i}`), target], 1, { env });
      cold.push(r.min);
      status = r.status;
    }
    const loc = path.join(base, 'warm');
    timeProcess([bin, '--check', '--cache', '--cache-location', loc, target], 1, { env });
    const warm = timeProcess([bin, '--check', '--cache', '--cache-location', loc, target], runs, { env });
    const stats = /cache: (\d+) hits, (\d+) misses/.exec(warm.stderr);
    return { cold: { min: Math.min(...cold), median: median(cold) }, warm: { min: warm.min, median: warm.median }, status, warmStatus: warm.status, hits: stats ? Number(stats[1]) : 0, misses: stats ? Number(stats[2]) : 0 };
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
}

function runChild(tool, passes, limit = 0) {
  const s = performance.now();
  let from = 0;
  let crashes = 0;
  let partial = 0;
  let partialErrors = 0;
  let firstError;
  for (;;) {
    const r = spawnSync(
      process.execPath,
      [fileURLToPath(import.meta.url), '--child', tool, '--passes', String(passes), '--from', String(from), '--limit', String(limit), ...(opt('--corpus') ? ['--corpus', opt('--corpus')] : [])],
      { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    const line = r.stdout.trim().split('\n').pop();
    let res;
    try {
      res = JSON.parse(line);
    } catch {
      return { tool, unavailable: (r.stderr || r.stdout || `exit ${r.status}`).trim().split('\n').slice(-3).join(' ').slice(0, 200) };
    }
    if (res.crashedAt === undefined) {
      const wallMs = performance.now() - s;
      if (crashes === 0) return { ...res, wallMs };
      // Pieces of one pass: report that pass only.
      const firstMs = partial + res.firstMs;
      return { ...res, firstMs, bestMs: firstMs, medianMs: firstMs, errors: partialErrors + res.errors, firstError: firstError ?? res.firstError, crashes, wallMs };
    }
    crashes++;
    partial += res.partialMs;
    partialErrors += res.errors;
    firstError ??= res.firstError;
    from = res.crashedAt + 1;
    passes = 1;
  }
}

async function parent() {
  if (!fs.existsSync(distBin)) {
    console.error('bench: dist/ not found; run `npm run build` first');
    process.exit(2);
  }
  const runs = Number(opt('--runs', '5'));
  const corpus = corpusDir();
  const results = { date: new Date().toISOString(), machine: machine(), runs };
  const line = (s = '') => console.log(s);
  line(`dockerfix benchmark  ${results.date}`);
  line(`machine: ${results.machine.cpu}, ${results.machine.cores} cores, ${results.machine.memGiB} GiB, node ${process.version}, ${os.platform()} ${os.release()}`);
  line(`load average at start: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  line(`CLI: ${path.relative(root, bin)}${bin === bundleBin ? ' (the bundle; its code cache filled by one run first)' : ''}`);
  line();

  if (!corpus) {
    line('corpus: not found (../shared/corpus); corpus measurements skipped');
  } else {
    const files = corpusFiles(corpus);
    results.corpusFiles = files.length;
    line(`corpus: ${files.length} files in ${corpus}`);
    line();
    line('| tool | mode | wall / pass | files/s | notes |');
    line('| --- | --- | ---: | ---: | --- |');
    const row = (tool, mode, t, notes = '', n = files.length) => line(`| ${tool} | ${mode} | ${ms(t)} ms | ${rate(n, t)} | ${notes} |`);

    // Fill the code cache (a long run writes what a run over many files compiles).
    timeProcess([bin, '--check', path.join(corpus, 'cases')], 1);
    const cli = timeProcess([bin, '--check', path.join(corpus, 'cases')], runs);
    results.cliCheck = { min: cli.min, median: cli.median, exit: cli.status, changed: cli.stdout.split('\n').filter(Boolean).length };
    row('dockerfix --check', 'CLI, whole process, min', cli.min, `median ${ms(cli.median)} ms; exit ${cli.status}; ${results.cliCheck.changed} files would change (each file stops at its first change)`);
    // The floor of any whole-process run over this tree: a bare node script that walks it (as
    // discovery does, one readdir per directory) and reads every Dockerfile, nothing else.
    const floor = timeProcess(['-e', FLOOR_SCRIPT, path.join(corpus, 'cases')], runs);
    results.floor = { min: floor.min, median: floor.median, files: Number(floor.stdout.trim()) };
    row('floor: node walking the tree, reading the Dockerfiles', 'bare node script, min', floor.min, `median ${ms(floor.median)} ms; ${results.floor.files} files read; no dockerfix code`);
    // The whole rewrite of every file (all passes, self-check) and its diff: a dry run.
    const dry = timeProcess([bin, '--quiet', path.join(corpus, 'cases')], runs);
    results.cliDryRun = { min: dry.min, median: dry.median, exit: dry.status };
    row('dockerfix (dry run, diffs)', 'CLI, whole process, min', dry.min, `median ${ms(dry.median)} ms; every file rewritten in full, self-checked, diffed`);
    // The same --check with a pool of 2 worker threads forced (auto uses cores - 1 workers, none below 2).
    const pooled = timeProcess([bin, '--check', path.join(corpus, 'cases')], runs, { env: cliEnv({ DOCKERFIX_WORKERS: '2' }) });
    results.cliCheckPool2 = { min: pooled.min, median: pooled.median };
    row('dockerfix --check, 2 workers forced', 'CLI, whole process, min', pooled.min, `median ${ms(pooled.median)} ms`);
    // The result cache (--cache): an empty cache (every file analysed, its outcome and context log stored) and a full one.
    const cachedRun = timeCached(path.join(corpus, 'cases'), runs);
    results.cliCheckCache = cachedRun;
    row('dockerfix --check --cache, cold cache', 'CLI, whole process, min', cachedRun.cold.min, `median ${ms(cachedRun.cold.median)} ms; exit ${cachedRun.status}; empty cache, filled by the run`);
    row('dockerfix --check --cache, warm cache', 'CLI, whole process, min', cachedRun.warm.min, `median ${ms(cachedRun.warm.median)} ms; exit ${cachedRun.warmStatus}; ${cachedRun.hits} hits, ${cachedRun.misses} misses`);
    // A big repository: the corpus 8 times over (its files and contexts copied to a temp dir).
    const bigDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-bench-repo-'));
    try {
      for (let k = 1; k <= 8; k++) fs.cpSync(path.join(corpus, 'cases'), path.join(bigDir, `copy${k}`), { recursive: true });
      const n = files.length * 8;
      const big = timeProcess([bin, '--check', bigDir], Math.min(runs, 3));
      const bigPool = timeProcess([bin, '--check', bigDir], Math.min(runs, 3), { env: cliEnv({ DOCKERFIX_WORKERS: '2' }) });
      const bigCache = timeCached(bigDir, Math.min(runs, 3));
      results.cliCheckBig = { files: n, min: big.min, median: big.median, pool2: { min: bigPool.min, median: bigPool.median }, cache: bigCache };
      row(`dockerfix --check, ${n} files`, 'CLI, whole process, min', big.min, `the corpus 8 times over; median ${ms(big.median)} ms`, n);
      row(`dockerfix --check, ${n} files, 2 workers forced`, 'CLI, whole process, min', bigPool.min, `median ${ms(bigPool.median)} ms`, n);
      row(`dockerfix --check --cache, ${n} files, cold cache`, 'CLI, whole process, min', bigCache.cold.min, `median ${ms(bigCache.cold.median)} ms`, n);
      row(`dockerfix --check --cache, ${n} files, warm cache`, 'CLI, whole process, min', bigCache.warm.min, `median ${ms(bigCache.warm.median)} ms; ${bigCache.hits} hits, ${bigCache.misses} misses`, n);
    } finally {
      fs.rmSync(bigDir, { recursive: true, force: true });
    }

    const fmtAvailable = fs.existsSync(path.join(dist, 'src/format/index.js'));
    if (fmtAvailable) {
      const fmt = timeProcess([bin, 'fmt', '--check', path.join(corpus, 'cases')], runs);
      results.fmtCheck = { min: fmt.min, median: fmt.median, exit: fmt.status };
      row('dockerfix fmt --check', 'CLI, whole process, min', fmt.min, `median ${ms(fmt.median)} ms; exit ${fmt.status}`);
    } else {
      results.fmtCheck = 'not available';
      line('| dockerfix fmt --check | not available (the formatter, src/format/, is not built in) | | | |');
    }

    const batch = runChild('dockerfix-batch', runs);
    results.apiBatch = batch;
    if (batch.unavailable) line(`| dockerfix processFiles | unavailable: ${batch.unavailable} | | | |`);
    else {
      row('dockerfix processFiles()', `API, ${batch.workers} workers, first call`, batch.firstMs, `${batch.workers ? 'incl. worker start-up; ' : ''}errors ${batch.errors}`);
      row('dockerfix processFiles()', `API, ${batch.workers} workers, best call`, batch.bestMs, `median ${ms(batch.medianMs)} ms`);
    }
    const api = runChild('dockerfix-api', runs);
    results.api = api;
    if (!api.unavailable) {
      row('dockerfix processFile()', 'API, 1 thread, first pass', api.firstMs, `load ${ms(api.loadMs)} ms; errors ${api.errors}`);
      row('dockerfix processFile()', 'API, 1 thread, best pass', api.bestMs, 'every file rewritten in full and self-checked');
    }
    const apiCheck = runChild('dockerfix-api-check', runs);
    results.apiCheck = apiCheck;
    if (!apiCheck.unavailable) {
      row('dockerfix processFile({ firstChange })', 'API, 1 thread, first pass', apiCheck.firstMs, `what --check does per file`);
      row('dockerfix processFile({ firstChange })', 'API, 1 thread, best pass', apiCheck.bestMs, '');
    }
    results.peers = {};
    for (const tool of ['dockerfix-format', 'dprint', 'prettier', 'dockerfile-utils']) {
      // prettier-plugin-sh takes ~0.1 s a file: one pass over the first 100 files (--full: all).
      const sample = tool === 'prettier' && !args.includes('--full') ? 100 : 0;
      // The two fast formatters get more passes: a JavaScript formatter needs more than 5 to reach
      // its optimised code (dprint's wasm is compiled on load), and a pass takes ~50 ms.
      const passes = sample ? 1 : tool === 'dockerfix-format' || tool === 'dprint' ? Math.max(20, runs * 4) : runs;
      const r = runChild(tool, passes, sample);
      results.peers[tool] = r;
      if (r.unavailable) {
        line(`| ${tool} | unavailable: ${r.unavailable} | | | |`);
        continue;
      }
      const err =
        (r.errors ? `; ${r.errors} errors (e.g. ${r.firstError})` : '') +
        (r.crashes ? `; its runtime died ${r.crashes} times (restarted, one pass only)` : '');
      if (r.files !== files.length) {
        row(tool, `in-process, first ${r.files} files only`, r.firstMs, `load ${ms(r.loadMs)} ms${err}`, r.files);
        continue;
      }
      row(tool, 'in-process, first pass', r.firstMs, `load ${ms(r.loadMs)} ms${err}`);
      row(tool, 'in-process, best pass', r.bestMs, '');
      // Like a CLI run: a fresh process, load, one pass (min over runs).
      const once = [];
      for (let k = 0; k < runs; k++) once.push(runChild(tool, 1).wallMs);
      r.onePassWallMs = Math.min(...once);
      row(tool, 'whole process, one pass, min', r.onePassWallMs, `median ${ms(median(once))} ms (node start-up + load + one pass; compare with the CLI row)`);
    }
    const own = results.peers['dockerfix-format'];
    const dp = results.peers.dprint;
    if (own && dp && !own.unavailable && !dp.unavailable) {
      line();
      line(`formatter in-process, best pass: dockerfix ${rate(own.files, own.bestMs)} files/s, dprint ${rate(dp.files, dp.bestMs)} files/s (${(dp.bestMs / own.bestMs).toFixed(2)}x dprint's speed)`);
      // The fairer comparison: both formatters in one process, rounds interleaved (so load hits
      // both alike), texts read up front; bench/format-speed.mjs.
      const side = spawnSync(process.execPath, [path.join(here, 'format-speed.mjs'), '--json', '--rounds', String(Math.max(30, runs * 6)), '--corpus', corpusDir()], { cwd: root, encoding: 'utf8' });
      try {
        const sbs = JSON.parse(side.stdout.trim().split('\n').pop());
        results.formatSideBySide = sbs;
        const [a, b] = [sbs.tools.find((t) => t.tool === 'dockerfix'), sbs.tools.find((t) => t.tool === 'dprint')];
        line(
          `formatter side by side (one process, ${sbs.rounds} interleaved rounds, min): dockerfix ${ms(a.wallMinMs)} ms (${rate(sbs.files, a.wallMinMs)} files/s, CPU ${ms(a.cpuMinMs)} ms), ` +
            `dprint ${ms(b.wallMinMs)} ms (${rate(sbs.files, b.wallMinMs)} files/s, CPU ${ms(b.cpuMinMs)} ms): ${(b.wallMinMs / a.wallMinMs).toFixed(2)}x dprint's speed; load ${sbs.loadBefore}`,
        );
      } catch {
        line(`formatter side by side: bench/format-speed.mjs failed (${(side.stderr || '').trim().split('\n').pop()})`);
      }
    }
    const fastestPeer = Object.values(results.peers)
      .filter((r) => !r.unavailable && r.tool !== 'dockerfix-format')
      .sort((a, b) => a.bestMs / a.files - b.bestMs / b.files)[0];
    if (fastestPeer) {
      line();
      line(`fastest peer (best pass): ${fastestPeer.tool} ${rate(fastestPeer.files, fastestPeer.bestMs)} files/s in-process, ` +
        `${fastestPeer.onePassWallMs ? rate(files.length, fastestPeer.onePassWallMs) + ' files/s as a fresh process' : ''}; ` +
        `dockerfix CLI (whole process) ${rate(files.length, cli.min)} files/s` +
        (batch.bestMs ? `, processFiles() best ${rate(files.length, batch.bestMs)} files/s` : ''));
    }
    line();

    // Cold start.
    // Interleaved rounds (a loaded machine slows them alike): Node alone, then dockerfix.
    const one = files[0];
    const n = Math.max(runs, 10);
    const cold = { node: [], version: [], oneFile: [], noCache: [] };
    const argvOf = { node: ['-e', '0'], version: [bin, '--version'], oneFile: [bin, '--check', one], noCache: [bin, '--check', one] };
    for (let i = 0; i < n; i++)
      for (const k of Object.keys(cold)) cold[k].push(timeProcess(argvOf[k], 1, k === 'noCache' ? { env: cliEnv({ DOCKERFIX_CODE_CACHE: '0' }) } : {}).min);
    const st = (xs) => ({ min: Math.min(...xs), median: median(xs) });
    results.coldStart = { node: st(cold.node), version: st(cold.version), oneFile: { ...st(cold.oneFile), file: one }, oneFileNoCodeCache: st(cold.noCache), bin: path.relative(root, bin) };
    const x = (t) => `${(t / results.coldStart.node.min).toFixed(2)}x`;
    line('| cold start | min | median | min / node -e 0 |');
    line('| --- | ---: | ---: | ---: |');
    line(`| node -e 0 (Node alone) | ${ms(results.coldStart.node.min)} ms | ${ms(results.coldStart.node.median)} ms | 1.00x |`);
    line(`| dockerfix --version | ${ms(results.coldStart.version.min)} ms | ${ms(results.coldStart.version.median)} ms | ${x(results.coldStart.version.min)} |`);
    line(`| dockerfix --check <one file> | ${ms(results.coldStart.oneFile.min)} ms | ${ms(results.coldStart.oneFile.median)} ms | ${x(results.coldStart.oneFile.min)} |`);
    if (bin === bundleBin) line(`| dockerfix --check <one file>, no code cache | ${ms(results.coldStart.oneFileNoCodeCache.min)} ms | ${ms(results.coldStart.oneFileNoCodeCache.median)} ms | ${x(results.coldStart.oneFileNoCodeCache.min)} |`);
    line();
  }

  // Large generated files.
  const { generateDockerfile } = await import(pathToFileURL(path.join(here, 'generate.mjs')).href);
  const big = runBig(generateDockerfile, runs);
  results.large = big;
  line('| generated file | in-process (min) | per MB | CLI --check (min) |');
  line('| --- | ---: | ---: | ---: |');
  for (const b of big.sizes) line(`| ${b.label} | ${ms(b.min)} ms | ${ms(b.min / (b.bytes / 1048576))} ms | ${b.cli !== undefined ? ms(b.cli) + ' ms' : ''} |`);
  const oneMb = big.sizes.find((b) => b.label === '1 MB');
  const fiveMb = big.sizes.find((b) => b.label === '5 MB');
  if (oneMb && fiveMb) {
    const ratio = fiveMb.min / oneMb.min;
    results.large.ratio5to1 = ratio;
    line();
    line(`5 MB / 1 MB time ratio: ${ratio.toFixed(2)} (linear = 5; issue #19: within 5.5)`);
  }
  line();

  // Pathological .dockerignore patterns (issue #13): each must stay within its budget.
  const ignoreBench = await dockerignoreBench();
  results.dockerignore = ignoreBench;
  line('| .dockerignore pattern | path | time (max of runs) | budget |');
  line('| --- | --- | ---: | ---: |');
  for (const r of ignoreBench.cases) line(`| \`${r.pattern.replace(/\|/g, "\\|")}\` | ${r.path} | ${ms(r.ms)} ms${r.ms > r.budget ? ' **OVER BUDGET**' : ''} | ${r.budget} ms |`);
  line(`| whole CLI run, context with these patterns and 2,000 long names | | ${ms(ignoreBench.cli.ms)} ms${ignoreBench.cli.ms > ignoreBench.cli.budget ? ' **OVER BUDGET**' : ''} | ${ignoreBench.cli.budget} ms |`);
  if (ignoreBench.over) {
    line('dockerignore: a pathological pattern went over its time budget');
    process.exitCode = 1;
  }

  const many = runManyInstructions(20000, Math.min(runs, 2));
  results.manyInstructions = many;
  line('| generated file | CLI dry run, diff (min) | CLI --format json (min) | exit codes |');
  line('| --- | ---: | ---: | --- |');
  line(`| ${many.instructions} instructions, one stage (${(many.bytes / 1024).toFixed(0)} KB) | ${ms(many.diff.min)} ms | ${ms(many.json.min)} ms | ${many.diff.status}, ${many.json.status} |`);
  line();
  line(`load average at end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const jsonOut = opt('--json');
  if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify(results, null, 2) + '\n');
}

/**
 * Patterns that made the earlier matchers backtrack for seconds to minutes (17 s, 19 s at 32
 * characters doubling per character, over 120 s): timed in-process and in a whole CLI run.
 */
async function dockerignoreBench() {
  const { dockerignoreMatcher, readPatterns } = await import(pathToFileURL(path.join(dist, 'src', 'core', 'dockerignore.js')).href);
  const cases = [
    { pattern: '*a*a*a*a*a*a*a*a*a*a*c', path: 'a'.repeat(40) },
    { pattern: '(a|a)+c', path: 'a'.repeat(32) },
    { pattern: '(a|a)+c', path: 'a'.repeat(4096) },
    { pattern: '**/'.repeat(12) + 'x', path: 'a/'.repeat(60) + 'y' },
    { pattern: '*'.repeat(200) + 'b', path: 'a'.repeat(4000) },
  ];
  const out = { cases: [], cli: {}, over: false };
  for (const c of cases) {
    const m = dockerignoreMatcher(readPatterns(c.pattern));
    let worst = 0;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      m.ignores(c.path);
      worst = Math.max(worst, performance.now() - t0);
    }
    const budget = 50;
    out.cases.push({ pattern: c.pattern.length > 40 ? c.pattern.slice(0, 37) + '...' : c.pattern, path: `${c.path.length} chars`, ms: worst, budget });
    if (worst > budget) out.over = true;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-bench-ignore-'));
  try {
    fs.writeFileSync(path.join(dir, '.dockerignore'), cases.map((c) => c.pattern).join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"x","dependencies":{}}\n');
    fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm install\nCMD ["node","index.js"]\n');
    for (let i = 0; i < 2000; i++) fs.writeFileSync(path.join(dir, 'a'.repeat(40) + i), '');
    const t = timeProcess([bin, '--quiet', path.join(dir, 'Dockerfile')], 1);
    out.cli = { ms: t.min, budget: 10_000, exit: t.status };
    if (t.min > 10_000) out.over = true;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

function runBig(generateDockerfile, runs) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-bench-'));
  try {
    const sizes = [
      ['100 KB', 100 * 1024],
      ['1 MB', 1024 * 1024],
      ['5 MB', 5 * 1024 * 1024],
    ];
    const out = [];
    for (const [label, bytes] of sizes) {
      const file = path.join(tmp, `big-${bytes}.Dockerfile`);
      fs.writeFileSync(file, generateDockerfile(bytes));
      // In-process, each size in a fresh process (no JIT or heap carried over between sizes), the
      // best of 3 runs for every size: with 2 for the 5 MB file its best still carried the first
      // run's warm-up and heap growth, which the 1 MB file's best of 3 did not (ratio 5.0-6.5 vs
      // 4.3-4.5 with 3 each, same machine, 2026-12-04).
      const code = `
        const { processFile } = await import(${JSON.stringify(pathToFileURL(path.join(dist, 'src/pipeline/engine.js')).href)});
        const { loadTransforms } = await import(${JSON.stringify(pathToFileURL(path.join(dist, 'transforms/index.js')).href)});
        const transforms = await loadTransforms();
        const times = [];
        let o;
        for (let i = 0; i < 3; i++) { const s = performance.now(); o = processFile(${JSON.stringify(file)}, { transforms, noContext: true }); times.push(performance.now() - s); }
        console.log(JSON.stringify({ min: Math.min(...times), changed: o.changed, error: o.error?.message }));`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      let res;
      try {
        res = JSON.parse(r.stdout.trim().split('\n').pop());
      } catch {
        res = { min: NaN, error: r.stderr.slice(0, 300) };
      }
      const entry = { label, bytes: fs.statSync(file).size, ...res };
      if (bytes >= 5 * 1024 * 1024) entry.cli = timeProcess([bin, '--check', '--no-context', file], Math.min(runs, 3)).min;
      out.push(entry);
    }
    return { sizes: out };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** `n` instructions in one stage: pip RUN (changed), ENV (a new variable each), COPY, plain RUN. */
function manyInstructions(n) {
  let s = 'FROM python:3.12 AS base\nWORKDIR /app\n';
  for (let i = 0; i < n; i++) {
    s += i % 4 === 0 ? `RUN pip install pkg${i}\n` : i % 4 === 1 ? `ENV V${i}=${i}\n` : i % 4 === 2 ? `COPY f${i} /app/f${i}\n` : `RUN echo ${i}\n`;
  }
  return s;
}

function runManyInstructions(n, runs) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-bench-'));
  try {
    const file = path.join(tmp, 'Dockerfile');
    fs.writeFileSync(file, manyInstructions(n));
    const diff = timeProcess([bin, '--no-context', file], runs);
    const json = timeProcess([bin, '--no-context', '--format', 'json', file], runs);
    return { instructions: n, bytes: fs.statSync(file).size, diff: { min: diff.min, status: diff.status }, json: { min: json.min, status: json.status } };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
}

if (args.includes('--child')) await child(opt('--child'));
else await parent();
