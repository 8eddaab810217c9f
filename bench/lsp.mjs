#!/usr/bin/env node
/**
 * `npm run bench:lsp` (after `npm run build`): how long `dockerfix lsp` takes from an edit to
 * the diagnostics, on a generated 500-line Dockerfile (bench/generate.mjs) in a context that
 * holds the manifests it names.
 *
 * The real server process is spawned and driven over stdio with vscode-jsonrpc. After the
 * didOpen, each round sends one incremental `didChange` (a character typed into a RUN line, a
 * new text every time, so no cached result is reused) and measures the time until the
 * `publishDiagnostics` for that version arrives: the latency the user sees, debounce included
 * (the server's default: none; changes that arrive during an analysis are applied together).
 * Rounds: --rounds N (default 40, after 5 unmeasured; V8 is still optimising the transforms
 * during most of them: --rounds 200 shows the warm latency). Also the server's CPU time per
 * edit (all its threads: V8's compiler and GC included; Linux).
 *
 * Also: in-process `Workspace.analyse` alone (no protocol; --server-only skips it).
 * --cpu-prof DIR profiles the server, --node-arg ARG passes a node flag to it, --dist DIR runs
 * another build (a copy of dist/ from before a change) for A/B runs in one session, --bundle
 * runs bundle/dockerfix.mjs (what an installed `dockerfix lsp` runs; its code cache in a temp
 * dir, written by an unmeasured first session).
 * --idle-after-open MS: wait that long after the first diagnostics before typing (a user who
 * reads the file first: the server warms up meanwhile, see WARM_UP_RUNS in src/lsp/server.ts);
 * --no-warm-up: initializationOptions.warmUp false. --interval MS: wait that long between an
 * edit's diagnostics and the next edit (someone typing; default 0: edits back to back).
 *
 * --code-actions: after each didChange, a codeAction request as VS Code's lightbulb sends it
 * (range: the cursor after the typed character; context.diagnostics: those last published that
 * overlap it; triggerKind 2, Automatic; no `only`), its response time measured too. The client
 * declares codeAction resolveSupport (`edit`, dataSupport), as VS Code does, unless --no-resolve
 * (the edits then come with the actions: every request runs the fixes). --ab N: N pairs of
 * sessions, --no-resolve and resolve alternately, code actions on; the medians per variant.
 * At the end of a pip line only "fix all safe" is offered; --at-line-start puts the cursor of
 * the request at the start of the line, on its pip diagnostic (a quick fix too).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const args = process.argv.slice(2);
// --dist DIR: another build (a copy of dist/ from before a change, for A/B runs).
const dist = args.includes('--dist') ? path.resolve(args[args.indexOf('--dist') + 1]) : path.join(root, 'dist');
const useBundle = args.includes('--bundle');
const bin = useBundle ? path.join(root, 'bundle/dockerfix.mjs') : path.join(dist, 'bin/dockerfix.js');
const idleAfterOpen = args.includes('--idle-after-open') ? Number(args[args.indexOf('--idle-after-open') + 1]) : 0;
const warmUp = !args.includes('--no-warm-up');
const interval = args.includes('--interval') ? Number(args[args.indexOf('--interval') + 1]) : 0;
const codeCache = useBundle ? fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-bench-lsp-cache-')) : undefined;
if (codeCache) process.on('exit', () => fs.rmSync(codeCache, { recursive: true, force: true }));
const rounds = Number(args[args.indexOf('--rounds') + 1] || 0) || 40;
// --cpu-prof DIR: profile the server process (node --cpu-prof; open the .cpuprofile in DevTools).
const profDir = args.includes('--cpu-prof') ? path.resolve(args[args.indexOf('--cpu-prof') + 1]) : undefined;
// --node-arg ARG (repeatable): more node flags for the server process (--trace-gc, …).
const nodeArgs = args.flatMap((a, i) => (a === '--node-arg' ? [args[i + 1]] : []));
const abPairs = args.includes('--ab') ? Number(args[args.indexOf('--ab') + 1]) : 0;
const codeActions = args.includes('--code-actions') || abPairs > 0;
const resolve = !args.includes('--no-resolve');
/** What VS Code declares for code actions (resolved: the edit is computed when one is chosen). */
const RESOLVE_CAPS = { textDocument: { codeAction: { dataSupport: true, resolveSupport: { properties: ['edit'] }, codeActionLiteralSupport: { codeActionKind: { valueSet: ['', 'quickfix', 'refactor', 'source', 'source.fixAll'] } } } } };
const atLineStart = args.includes('--at-line-start');
const before = (a, b) => a.line < b.line || (a.line === b.line && a.character < b.character);
const LINES = 500;

const { generateDockerfile } = await import(pathToFileURL(path.join(here, 'generate.mjs')).href);
const text = generateDockerfile(40_000).split('\n').slice(0, LINES).join('\n') + '\n';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-bench-lsp-'));
const file = path.join(tmp, 'Dockerfile');
fs.writeFileSync(file, text);
for (const m of text.matchAll(/requirements-\d+\.txt/g)) fs.writeFileSync(path.join(tmp, m[0]), 'flask==3.0.0\n');
const uri = pathToFileURL(file).href;
const lines = text.split('\n');
const runLines = lines.map((l, i) => (/^RUN pip install/.test(l) ? i : -1)).filter((i) => i >= 0);

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { min: s[0], median: q(0.5), p90: q(0.9), max: s[s.length - 1] };
};
const fmt = (o) =>
  Object.entries(o)
    .map(([k, v]) => `${k} ${v.toFixed(1)} ms`)
    .join(', ');

async function serverRun(initializationOptions, edits = rounds, { actions = codeActions, resolveActions = resolve } = {}) {
  // Each session types into its own copy of the text.
  const lines = text.split('\n');
  const proc = spawn(process.execPath, [...(profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []), ...nodeArgs, bin, 'lsp', '--stdio'], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...(codeCache ? { DOCKERFIX_CODE_CACHE: codeCache } : {}) },
  });
  const conn = createMessageConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
  const waiting = new Map();
  let count = 0;
  let published = [];
  conn.onNotification('textDocument/publishDiagnostics', (p) => {
    count = p.diagnostics.length;
    published = p.diagnostics;
    waiting.get(p.version)?.(performance.now());
  });
  conn.onRequest('client/registerCapability', () => null);
  conn.listen();
  const diagnostics = (version) => new Promise((resolve) => waiting.set(version, resolve));
  const init = await conn.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(tmp).href, capabilities: actions && resolveActions ? RESOLVE_CAPS : {}, initializationOptions });
  if (actions && resolveActions !== (init.capabilities.codeActionProvider?.resolveProvider === true)) throw new Error(`resolveProvider ${init.capabilities.codeActionProvider?.resolveProvider} for a client ${resolveActions ? 'with' : 'without'} resolveSupport`);
  await conn.sendNotification('initialized', {});
  let t0 = performance.now();
  let done = diagnostics(1);
  await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'dockerfile', version: 1, text } });
  const open = (await done) - t0;
  if (idleAfterOpen) await new Promise((r) => setTimeout(r, idleAfterOpen));
  const times = [];
  const actionTimes = [];
  let actionCount = 0;
  let withEdit = 0;
  let cpu0 = 0;
  for (let i = 0; i < edits + 5; i++) {
    const line = runLines[i % runLines.length];
    const version = i + 2;
    // Type a character at the end of the line (a new package name each time).
    const col = lines[line].length;
    lines[line] += String.fromCharCode(97 + (i % 26));
    done = diagnostics(version);
    t0 = performance.now();
    await conn.sendNotification('textDocument/didChange', {
      textDocument: { uri, version },
      contentChanges: [{ range: { start: { line, character: col }, end: { line, character: col } }, text: lines[line].slice(col) }],
    });
    let lightbulb;
    if (actions) {
      // VS Code's lightbulb: the cursor after the typed character (--at-line-start: at the start
      // of its line, on the RUN keyword the line's diagnostics mark), the diagnostics there.
      const cursor = { line, character: atLineStart ? 0 : col + 1 };
      const here = published.filter((d) => !before(cursor, d.range.start) && !before(d.range.end, cursor));
      lightbulb = conn.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: { start: cursor, end: cursor }, context: { diagnostics: here, triggerKind: 2 } }).then((r) => ({ r, t: performance.now() - t0 }));
    }
    const t = (await done) - t0;
    const a = lightbulb && (await lightbulb);
    if (interval) await new Promise((r) => setTimeout(r, interval));
    if (i >= 5) {
      times.push(t); // the first rounds warm up the JIT
      if (a) {
        actionTimes.push(a.t);
        actionCount += a.r.length;
        withEdit += a.r.filter((x) => x.edit).length;
      }
    }
    if (i === 4) cpu0 = procCpu(proc.pid);
  }
  const serverCpu = (procCpu(proc.pid) - cpu0) / edits;
  await conn.sendRequest('shutdown');
  await conn.sendNotification('exit');
  conn.dispose();
  return { open, times, count, serverCpu, actionTimes, actionCount, withEdit };
}

/** CPU time (user + system, ms) a process has used so far (Linux /proc; NaN elsewhere). */
function procCpu(pid) {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // clock ticks (USER_HZ 100)
  } catch {
    return NaN;
  }
}

console.log(
  `dockerfix lsp${useBundle ? ' (bundle)' : ''}: ${LINES}-line Dockerfile (${text.length} chars, ${runLines.length} pip RUN lines), ${rounds} edits${interval ? ` ${interval} ms apart` : ''}${idleAfterOpen ? ` after ${idleAfterOpen} ms idle` : ''}${warmUp ? '' : ', no warm-up'}${abPairs ? `, ${abPairs} pairs of sessions with code actions (no resolve / resolve)` : codeActions ? `, a codeAction request after each edit (${resolve ? 'resolveSupport' : 'no resolveSupport'})` : ''}, node ${process.version}, ${os.cpus().length} cores`,
);
const init = warmUp ? {} : { warmUp: false };
const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' ');
// The bundle's code cache: written by a first session (as an editor's earlier one did).
if (codeCache) await serverRun(init, 5);
if (abPairs) {
  // Interleaved sessions, so both variants see the same load.
  const variants = { 'no resolve': { resolveActions: false, runs: [] }, resolve: { resolveActions: true, runs: [] } };
  for (let i = 0; i < abPairs; i++) {
    for (const [name, v] of Object.entries(variants)) {
      const r = await serverRun(init, rounds, { actions: true, resolveActions: v.resolveActions });
      v.runs.push(r);
      console.log(`  ${name.padEnd(10)} #${i + 1}: edit -> diagnostics median ${stats(r.times).median.toFixed(1)} ms, p90 ${stats(r.times).p90.toFixed(1)} ms; codeAction median ${stats(r.actionTimes).median.toFixed(1)} ms; server CPU ${r.serverCpu.toFixed(1)} ms/edit; ${(r.actionCount / rounds).toFixed(1)} actions/request, ${(r.withEdit / rounds).toFixed(1)} with edits; load ${load()}`);
    }
  }
  const med = (xs) => stats(xs).median;
  for (const [name, v] of Object.entries(variants)) {
    const all = v.runs.flatMap((r) => r.times);
    const acts = v.runs.flatMap((r) => r.actionTimes);
    console.log(
      `${name.padEnd(10)}: edit -> diagnostics ${fmt(stats(all))} (all ${all.length} edits); median of session medians ${med(v.runs.map((r) => med(r.times))).toFixed(1)} ms; codeAction ${fmt(stats(acts))}; server CPU per edit, median of sessions ${med(v.runs.map((r) => r.serverCpu)).toFixed(1)} ms`,
    );
  }
  console.log(`load average ${load()}`);
  process.exit(0);
}
const def = await serverRun(init);
console.log(`edit -> diagnostics (real server):  ${fmt(stats(def.times))}; didOpen -> diagnostics ${def.open.toFixed(1)} ms; ${def.count} diagnostics`);
if (codeActions) console.log(`  codeAction response:          ${fmt(stats(def.actionTimes))} (sent with each didChange; ${(def.actionCount / rounds).toFixed(1)} actions per request, ${(def.withEdit / rounds).toFixed(1)} with edits)`);
console.log(`  server CPU time per edit:     ${def.serverCpu.toFixed(1)} ms (mean over the ${rounds} measured edits; load average ${load()})`);

// In-process: the analysis alone (no protocol), the same edits (--server-only: skip).
if (args.includes('--server-only')) process.exit(0);
const { Workspace, loadBuildReader } = await import(pathToFileURL(path.join(dist, 'src/lsp/analysis.js')).href);
await loadBuildReader();
const ws = new Workspace({ cwd: tmp });
const base = fs.readFileSync(file, 'utf8');
await ws.analyse(file, base);
const inproc = [];
const cpu = [];
for (let i = 0; i < rounds + 5; i++) {
  const t = base.replace(/pip install --no-cache-dir/, `pip install --no-cache-dir x${i}`);
  const c0 = process.cpuUsage();
  const a = await ws.analyse(file, t);
  const c = process.cpuUsage(c0);
  if (i >= 5) {
    inproc.push(a.ms);
    cpu.push((c.user + c.system) / 1000);
  }
}
console.log(`in-process Workspace.analyse:   ${fmt(stats(inproc))}`);
// CPU time of the same runs: what the analysis costs when it has a core to itself (the wall
// times above include waiting for one on a busy machine).
console.log(`  CPU time of those runs:       ${fmt(stats(cpu))}; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
fs.rmSync(tmp, { recursive: true, force: true });
