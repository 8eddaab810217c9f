/**
 * Shared by the e2e suite (test/e2e/builds.test.ts) and the build benchmark (bench/builds.mjs):
 * find and start the docker lab, rewrite an example with dockerfix, and drive `lab build`,
 * `lab diff-images` and `lab compare`.
 *
 * Layout of one prepared example (a temp dir):
 *   ctx/                the build context: a copy of examples/<name>/ (with its original Dockerfile,
 *                       so `COPY . .` sees exactly what a user's checkout holds)
 *   before/Dockerfile   the example's Dockerfile, unchanged
 *   after/Dockerfile    the same file after `dockerfix --write --context ctx`
 * Both Dockerfiles live outside the context, so the two builds see byte-identical contexts.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createTwoFilesPatch } from 'diff';
import { formatBytes, parseRate, startThrottleProxy } from './throttle-proxy.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const EXAMPLES_DIR = path.join(ROOT, 'examples');

/**
 * The bundled examples and how they are measured.
 * - touch / touchDep: the source file and the dependency manifest `lab compare` edits (the edit is
 *   a comment line, or a newline for .json, so both must accept one).
 * - splitCopy: the original copies the whole context before a dependency install; after dockerfix
 *   a source edit must rebuild at least MIN_SOURCE_SPEEDUP times faster (issue 4).
 * - cacheMount: the package manager whose dependency step must get a cache mount (issue 8).
 * - diffExclude: extra cache directories `lab diff-images` ignores for this example.
 * - depProof: a robust, log-based proof that the dependency-edit rebuild reused the cache mount
 *   (timings of network-bound steps are too noisy on this machine to assert a ratio).
 * - throttled: also run `lab compare` on the simulated ordinary network (throttleSettings()) and
 *   prove the dependency-edit gain there: the rewrite's dep-edit build must fetch at most
 *   1/maxByteShare of what the original's fetches (bytes counted by the proxy; the original must
 *   fetch at least minBeforeBytes, so the proxy really carried the traffic) and rebuild at least
 *   minSpeedup times faster. gainWhen: expect the gain only when the rewrite matches it (see
 *   node-app), otherwise only measure and report.
 */
export const EXAMPLES = [
  {
    name: 'python-app',
    touch: 'app/views.py',
    touchDep: 'requirements.txt',
    splitCopy: true,
    cacheMount: 'pip',
    // labslow's sdist burns ~4 s of CPU to build its wheel; pip's cache mount keeps the wheel.
    depProof: { before: /Building wheel for labslow/, after: /Building wheel for labslow/, afterAbsent: true },
    minDepSpeedup: 2,
    // The local index goes through the proxy like a remote PyPI: the original downloads
    // setuptools for the isolated sdist builds and every package on each rebuild (~5 MB).
    throttled: { minSpeedup: 2, maxByteShare: 10, minBeforeBytes: 1e6 },
  },
  {
    name: 'node-app',
    touch: 'src/routes.js',
    touchDep: 'package.json',
    splitCopy: true,
    cacheMount: 'npm',
    // The npm registry as reached from this machine answers without Cache-Control, ETag or
    // Last-Modified, so npm treats every cached tarball as stale and downloads it again
    // (`--loglevel=http`: "(cache updated)" for all 127 packages with a warm cache). Only
    // `--prefer-offline` (or `--offline`) makes npm use the mount here; measured with it on the
    // throttled network: dep-edit 10.5 s -> 4.5 s, 15.6 MB -> 5 kB. Until the rewrite adds it,
    // the throttled run measures and reports.
    throttled: { minSpeedup: 1.5, maxByteShare: 10, minBeforeBytes: 1e6, gainWhen: /npm (ci|install)\b[^\n]*--(prefer-)?offline/ },
  },
  {
    name: 'apt-app',
    touch: 'scripts/report.sh',
    touchDep: 'apt-packages.txt',
    splitCopy: false,
    cacheMount: 'apt',
    // With /var/cache/apt mounted (and docker-clean neutralised) the .debs come from the cache.
    depProof: { before: /Need to get [1-9][\d.,]* [kM]?B/, after: /Need to get 0 B\//, afterAbsent: false },
    // The original downloads the package lists (9.4 MB) and the .debs (25 MB) on each rebuild.
    throttled: { minSpeedup: 1.5, maxByteShare: 10, minBeforeBytes: 5e6 },
  },
  {
    name: 'go-app',
    touch: 'internal/greet/greet.go',
    touchDep: null,
    // Why a phase is not run (printed in the skipped test's title).
    noDepEdit: 'go.mod accepts only `//` comments and lab appends `# ...` to .mod files, so there is no dependency-edit phase',
    splitCopy: true,
    cacheMount: null,
  },
  {
    name: 'apt-script',
    touch: 'check.sh',
    touchDep: 'scripts/install-extra.sh',
    splitCopy: false,
    cacheMount: 'apt',
    // base: `apt-get update && apt-get install curl` (lists stay in the image); app (FROM base)
    // runs a script that calls `apt-get install jq` without an update, so it needs those lists.
    noThrottle: "apt's throttled behaviour is measured on apt-app; CI time is kept",
    targets: ['app'],
  },
  {
    name: 'multi-target',
    touch: 'app/inventory.py',
    touchDep: 'requirements.txt',
    splitCopy: true,
    cacheMount: 'pip',
    noThrottle: "pip's throttled behaviour is measured on python-app; CI time is kept",
    // compose.yaml builds `development`, CI builds `test`, the default build is `production`.
    targets: ['development', 'test', 'production'],
  },
  {
    name: 'nonroot-user',
    touch: 'service/__main__.py',
    touchDep: 'requirements.txt',
    splitCopy: true,
    cacheMount: 'pip',
    noThrottle: "pip's throttled behaviour is measured on python-app; CI time is kept",
  },
  {
    name: 'monorepo',
    touch: 'packages/api/src/index.js',
    touchDep: 'packages/api/package.json',
    splitCopy: true,
    cacheMount: 'npm',
    // npm runs as user `node` here: the original leaves npm's cache in the image, the rewrite keeps
    // it in the cache mount (the point of the mount). The lab only excludes root's ~/.npm.
    diffExclude: ['/home/node/.npm'],
    noThrottle: "npm's throttled behaviour is measured on node-app; CI time is kept for the other managers",
  },
];

export const MIN_SOURCE_SPEEDUP = 10;

/**
 * The simulated ordinary network for the throttled measurements (test/e2e/throttle-proxy.mjs):
 * 2 MB/s (16 Mbit/s) downstream shared by all connections, 20 ms one-way latency (40 ms round
 * trip). Override with DOCKERFIX_THROTTLE="<rate>[,<latency ms>]", e.g. "6MB,10".
 */
export function throttleSettings(spec = process.env.DOCKERFIX_THROTTLE) {
  const [rate, latency] = (spec || '2MB,20').split(',');
  return { rate: parseRate(rate), latency: latency === undefined || latency === '' ? 20 : Number(latency) };
}

export function describeThrottle({ rate, latency }) {
  return `${formatBytes(rate)}/s (${Math.round((rate * 8) / 1e6)} Mbit/s) shared, ${2 * latency} ms round trip`;
}

/**
 * Path of the lab script: $DOCKERFIX_LAB, else `shared/docker-lab/lab` in the nearest folder above
 * the repo root that has one (`../shared/docker-lab` for a checkout, `../../shared` for a worktree).
 */
export function findLab() {
  if (process.env.DOCKERFIX_LAB) return fs.existsSync(process.env.DOCKERFIX_LAB) ? process.env.DOCKERFIX_LAB : null;
  for (let dir = path.dirname(ROOT); ; dir = path.dirname(dir)) {
    const p = path.join(dir, 'shared/docker-lab/lab');
    if (fs.existsSync(p)) return p;
    if (path.dirname(dir) === dir) return null;
  }
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: opts.timeout ?? 20 * 60_000, cwd: opts.cwd });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

function jsonLines(text) {
  const out = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try {
      out.push(JSON.parse(t));
    } catch {
      /* not a JSON line */
    }
  }
  return out;
}

export class Lab {
  constructor(script) {
    this.script = script;
  }

  /** Run a lab command; returns {code, lines (parsed JSON stdout lines), stderr}. */
  cmd(args, timeout) {
    const r = run(this.script, args, { timeout });
    return { code: r.code, lines: jsonLines(r.stdout), stdout: r.stdout, stderr: r.stderr + (r.error ? String(r.error) : '') };
  }

  status() {
    const r = this.cmd(['status'], 60_000);
    return r.lines.find((l) => l.cmd === 'status') ?? null;
  }

  build(ctx, dockerfile) {
    const r = this.cmd(['build', ctx, '-f', dockerfile]);
    const res = r.lines.find((l) => l.cmd === 'build');
    return { ...(res ?? { ok: false }), stderrTail: tail(r.stderr, 25) };
  }

  diffImages(ctx, a, b, exclude = []) {
    const r = this.cmd(['diff-images', ctx, a, b, ...(exclude.length ? ['--exclude', exclude.join(',')] : [])]);
    const res = r.lines.find((l) => l.cmd === 'diff-images');
    return res ? { ...res, code: r.code } : { equivalent: false, error: `diff-images failed (exit ${r.code}): ${tail(r.stdout + r.stderr, 25)}` };
  }

  /** `lab compare`; returns {summary, rows, code, stderrTail}. rows: the six bench phase lines. */
  compare(ctx, before, after, touch, touchDep) {
    const args = ['compare', ctx, before, after, '--touch', touch];
    if (touchDep) args.push('--touch-dep', touchDep);
    const r = this.cmd(args);
    return {
      code: r.code,
      summary: r.lines.find((l) => l.cmd === 'compare') ?? null,
      rows: r.lines.filter((l) => l.cmd === 'bench'),
      stderrTail: tail(r.stderr, 25),
    };
  }
}

/**
 * `lab compare` on a simulated ordinary network: starts a throttling proxy in this process, points
 * the docker CLI at it (a temporary DOCKER_CONFIG whose `proxies` the 20.10 CLI turns into the
 * HTTP_PROXY/HTTPS_PROXY/NO_PROXY build args of every build; BuildKit keeps them out of the cache
 * key), runs `lab compare` asynchronously (the proxy needs this event loop) and attributes the
 * bytes the proxy served to each build from lab's `== <label>: <phase>` progress lines.
 * NO_PROXY is only `localhost`: the lab's local PyPI (127.0.0.1:8765) goes through the proxy too,
 * as a remote index would.
 * Returns what compare() returns plus `net` {rate, latency, bytes: {'before/dep-edit': n, ...},
 * stats}, and each row gets `net_bytes`. The proxy is closed and the config removed before it returns.
 */
export async function compareThrottled(lab, ctx, before, after, touch, touchDep, { rate, latency, timeout = 30 * 60_000, log = () => {} } = {}) {
  const proxy = await startThrottleProxy({ rate, latency, log });
  const cfgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-throttle-docker-config-'));
  try {
    // Keep the user's docker config (if any), add the proxies.
    let cfg = {};
    const own = path.join(process.env.DOCKER_CONFIG || path.join(os.homedir(), '.docker'), 'config.json');
    try {
      cfg = JSON.parse(fs.readFileSync(own, 'utf8'));
    } catch {
      /* none */
    }
    cfg.proxies = { default: { httpProxy: proxy.url, httpsProxy: proxy.url, noProxy: 'localhost' } };
    fs.writeFileSync(path.join(cfgDir, 'config.json'), JSON.stringify(cfg, null, 1));

    const args = ['compare', ctx, before, after, '--touch', touch];
    if (touchDep) args.push('--touch-dep', touchDep);
    const bytes = {};
    let current = null;
    let mark = 0;
    const close = () => {
      const now = proxy.stats().bytesDown;
      if (current) bytes[current] = (bytes[current] ?? 0) + now - mark;
      mark = now;
    };
    const r = await new Promise((resolve) => {
      const child = spawn(lab.script, args, { env: { ...process.env, DOCKER_CONFIG: cfgDir }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let partial = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => {
        stderr += d;
        const lines = (partial + d).split('\n');
        partial = lines.pop();
        for (const line of lines) {
          const m = /^\[lab\] == (\S+): (\S+)\s*$/.exec(line);
          if (!m) continue;
          close();
          current = `${m[1]}/${m[2]}`;
        }
      });
      const timer = setTimeout(() => child.kill('SIGTERM'), timeout);
      child.on('close', (code) => {
        clearTimeout(timer);
        close();
        resolve({ code: code ?? -1, stdout, stderr });
      });
    });
    const lines = jsonLines(r.stdout);
    const rows = lines.filter((l) => l.cmd === 'bench').map((l) => ({ ...l, net_bytes: bytes[`${l.label}/${l.phase}`] ?? 0 }));
    return {
      code: r.code,
      summary: lines.find((l) => l.cmd === 'compare') ?? null,
      rows,
      stderrTail: tail(r.stderr, 25),
      net: { rate, latency, bytes, stats: proxy.stats() },
    };
  } finally {
    await proxy.close();
    fs.rmSync(cfgDir, { recursive: true, force: true });
  }
}

function tail(text, n) {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

/**
 * Make sure the lab daemon, its package index and its base images are up; run `lab up` when not
 * (installs docker.io/debootstrap on first use, ~75 s). Returns {ok, lab?, reason?, up?}.
 */
export function ensureLab({ log = () => {} } = {}) {
  const script = findLab();
  if (!script) return { ok: false, reason: 'docker lab not found (set DOCKERFIX_LAB or check out ../shared/docker-lab)' };
  const lab = new Lab(script);
  const ready = (s) => s && s.daemon && s.pypi && Number(s.base_images) >= 3;
  let s = lab.status();
  if (ready(s)) return { ok: true, lab, status: s };
  log(`docker lab not ready (${JSON.stringify(s)}); running \`lab up\` (first run takes ~75 s)`);
  const up = lab.cmd(['up'], 15 * 60_000);
  s = lab.status();
  if (up.code === 0 && ready(s)) return { ok: true, lab, status: s, up: up.lines.find((l) => l.cmd === 'up') };
  return { ok: false, reason: `\`lab up\` failed (exit ${up.code}): ${tail(up.stderr, 15)}` };
}

/**
 * Run dockerfix on `file` in place with the build context `ctx`. Uses the built CLI
 * (dist/bin/dockerfix.js --write --context) when it exists, else the runner API from dist/.
 * Returns {via, output, changed, findings?, log}.
 */
export async function runDockerfix(file, ctx, extraArgs = []) {
  const cli = path.join(ROOT, 'dist/bin/dockerfix.js');
  const before = fs.readFileSync(file, 'utf8');
  if (fs.existsSync(cli)) {
    const r = run(process.execPath, [cli, '--write', '--no-color', '--context', ctx, ...extraArgs, file], { cwd: path.dirname(file) });
    if (r.code !== 0) throw new Error(`dockerfix --write exited ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    const output = fs.readFileSync(file, 'utf8');
    return { via: 'cli', output, changed: output !== before, log: (r.stdout + r.stderr).trim() };
  }
  const imp = (p) => import(pathToFileURL(path.join(ROOT, 'dist', p)).href);
  const [{ runTransforms }, { loadTransforms }, { DirectoryContext }, { decode }] = await Promise.all([
    imp('src/core/runner.js'),
    imp('transforms/index.js'),
    imp('src/core/context.js'),
    imp('src/core/source.js'),
  ]);
  const { text, bom } = decode(fs.readFileSync(file));
  const unsafe = extraArgs.includes('--unsafe');
  const res = runTransforms(text, { transforms: await loadTransforms(), options: { unsafe }, buildContext: new DirectoryContext(ctx, file), path: file }, bom);
  if (res.error) throw new Error(`dockerfix ${res.error.kind} error at ${res.error.line}:${res.error.column}: ${res.error.message}`);
  const output = (res.bom ? '\uFEFF' : '') + res.output;
  if (res.changed) fs.writeFileSync(file, output);
  const log = res.findings.map((f) => `${f.line ?? f.start?.line ?? '?'} ${f.kind} ${f.transform}: ${f.message}`).join('\n');
  return { via: 'api', output: res.changed ? output : before, changed: res.changed, findings: res.findings, log };
}

/** Copy examples/<name> into a temp dir laid out as described at the top; run dockerfix on after/Dockerfile. */
export async function prepareExample(name, extraArgs = []) {
  const src = path.join(EXAMPLES_DIR, name);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dockerfix-e2e-${name}-`));
  const ctx = path.join(dir, 'ctx');
  fs.cpSync(src, ctx, { recursive: true });
  for (const side of ['before', 'after']) {
    fs.mkdirSync(path.join(dir, side));
    fs.copyFileSync(path.join(src, 'Dockerfile'), path.join(dir, side, 'Dockerfile'));
  }
  const before = path.join(dir, 'before/Dockerfile');
  const after = path.join(dir, 'after/Dockerfile');
  const fix = await runDockerfix(after, ctx, extraArgs);
  return { name, dir, ctx, before, after, original: fs.readFileSync(before, 'utf8'), rewritten: fs.readFileSync(after, 'utf8'), fix };
}

/** Unified diff of two Dockerfile texts, for messages. */
export function lineDiff(a, b) {
  return createTwoFilesPatch('Dockerfile', 'Dockerfile (dockerfix)', a, b, '', '', { context: 2 }).split('\n').slice(3).join('\n');
}

/** Read a build log (bench rows carry log_file); '' when gone. */
export function readLog(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export function row(compare, label, phase) {
  return compare.rows.find((r) => r.label === label && r.phase === phase) ?? null;
}

// ---------------------------------------------------------------------------------------------
// Build targets, empty cache mounts, per-target image comparison (issue 12)
// ---------------------------------------------------------------------------------------------

/**
 * A small Dockerfile reader for the e2e checks (not dockerfix's parser, on purpose: the proof
 * should not depend on the code it checks). Handles the escape directive, line continuations,
 * comment lines inside continuations, FROM … AS, COPY/ADD --from, RUN --mount …from=. No heredocs
 * (the lab's frontend cannot build them anyway).
 * Returns [{index, name (lowercased alias or null), base, instructions: [{keyword, flags, args}]}].
 */
export function readStages(text) {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let escape = '\\';
  for (const line of lines) {
    const m = /^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$/.exec(line);
    if (!m) break;
    if (m[1].toLowerCase() === 'escape') escape = m[2];
  }
  const logical = [];
  let cur = null;
  for (const line of lines) {
    if (/^\s*#/.test(line) || (cur === null && !line.trim())) continue;
    const t = line.replace(/\s+$/, '');
    const cont = t.endsWith(escape);
    const part = cont ? t.slice(0, -escape.length) : t;
    cur = cur === null ? part : `${cur} ${part}`;
    if (!cont) {
      logical.push(cur.trim());
      cur = null;
    }
  }
  if (cur !== null && cur.trim()) logical.push(cur.trim());
  const stages = [];
  for (const l of logical) {
    const m = /^(\S+)\s*([\s\S]*)$/.exec(l);
    const keyword = m[1].toUpperCase();
    let rest = m[2];
    const flags = {};
    const mounts = [];
    for (let f; (f = /^--([a-zA-Z-]+)(?:=(\S*))?\s*/.exec(rest)); rest = rest.slice(f[0].length)) {
      if (f[1] === 'mount') mounts.push(Object.fromEntries(f[2].split(',').map((kv) => [kv.split('=')[0], kv.split('=').slice(1).join('=')])));
      else flags[f[1]] = f[2] ?? true;
    }
    if (keyword === 'FROM') {
      const w = rest.split(/\s+/);
      const as = w.length >= 3 && w[1].toLowerCase() === 'as' ? w[2].toLowerCase() : null;
      stages.push({ index: stages.length, name: as, base: w[0].toLowerCase(), instructions: [] });
    } else if (stages.length) {
      stages[stages.length - 1].instructions.push({ keyword, flags, mounts, args: rest });
    }
  }
  for (const s of stages) {
    const i = stages.findIndex((p) => p.index < s.index && p.name === s.base);
    s.parent = i >= 0 ? i : null;
  }
  return stages;
}

/** The stage a `--from=`/`from=` value names (a name or an index), or null for an image. */
function stageRef(stages, ref, before) {
  if (ref === undefined || ref === true) return null;
  const r = String(ref).toLowerCase();
  const i = /^\d+$/.test(r) ? Number(r) : stages.findIndex((s) => s.name === r);
  return i >= 0 && i < before ? i : null;
}

/** Indexes of the stages `stage` builds on: its FROM parent, COPY --from and RUN --mount from=. */
function stageDeps(stages, s) {
  const deps = new Set();
  if (s.parent !== null) deps.add(s.parent);
  for (const ins of s.instructions) {
    const from = ins.keyword === 'COPY' || ins.keyword === 'ADD' ? stageRef(stages, ins.flags.from, s.index) : null;
    if (from !== null) deps.add(from);
    for (const m of ins.mounts) {
      const mf = stageRef(stages, m.from, s.index);
      if (mf !== null) deps.add(mf);
    }
  }
  return deps;
}

/**
 * The stages a project may build: the last stage (the default build), every named stage no other
 * stage builds on (a leaf: `--target` is its only use), and every named stage with its own CMD or
 * ENTRYPOINT (an image someone runs: compose's `target: development`, a CI `--target test`).
 * Returns [{index, name, label, target}] in file order; `target` is the --target value (null for an
 * unnamed last stage, built without --target), `label` names it for titles and tags.
 */
export function buildTargets(text) {
  const stages = readStages(text);
  const used = new Set();
  for (const s of stages) for (const d of stageDeps(stages, s)) used.add(d);
  return stages
    .filter(
      (s) =>
        s.index === stages.length - 1 ||
        (s.name && (!used.has(s.index) || s.instructions.some((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT'))),
    )
    .map((s) => ({ index: s.index, name: s.name, label: s.name ?? `stage-${s.index}`, target: s.name, last: s.index === stages.length - 1 }));
}

const VERTEX = new Set(['RUN', 'COPY', 'ADD', 'WORKDIR']); // instructions BuildKit logs as [stage n/m]

/** Does a COPY/ADD source or bind-mount source (relative to the context) cover `file`? */
function covers(src, file) {
  const s = src.replace(/^\.?\/+/, '').replace(/\/+$/, '').replace(/^\.$/, '');
  if (s === '') return true;
  if (!/[*?[]/.test(s)) return file === s || file.startsWith(`${s}/`);
  const re = new RegExp(
    `^${s
      .split('/')
      .map((seg) => seg.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]'))
      .join('/')}(/.*)?$`,
  );
  return re.test(file);
}

function copySources(args) {
  const a = args.trim();
  if (a.startsWith('[')) {
    try {
      return JSON.parse(a).slice(0, -1);
    } catch {
      /* not JSON after all */
    }
  }
  return a.split(/\s+/).slice(0, -1);
}

/**
 * Which build steps an edit of `file` (path relative to the context) must leave CACHED, per stage:
 * everything before the first step that reads the file (a COPY/ADD of it, a COPY --from or a
 * bind mount of a stage that changed, or any step of a stage built FROM a changed stage).
 * Returns Map(stage label as BuildKit logs it -> {firstChanged: n of "[label n/m]", total: m, keywords}),
 * firstChanged = Infinity when nothing in the stage changes. FROM is n = 1 (when from an image).
 */
export function cachedUntil(text, file) {
  const stages = readStages(text);
  const changedAt = [];
  const out = new Map();
  for (const s of stages) {
    const steps = s.instructions.filter((i) => VERTEX.has(i.keyword));
    let first = s.parent !== null && changedAt[s.parent] !== Infinity ? 0 : Infinity;
    let direct = false;
    steps.forEach((ins, k) => {
      if (first !== Infinity) return;
      let hit = false;
      if (ins.keyword === 'COPY' || ins.keyword === 'ADD') {
        const from = ins.flags.from;
        if (from === undefined) hit = direct = copySources(ins.args).some((src) => covers(src, file));
        else {
          const i = stageRef(stages, from, s.index);
          hit = i !== null && changedAt[i] !== Infinity;
        }
      }
      for (const m of ins.mounts) {
        if ((m.type ?? 'bind') !== 'bind') continue;
        if (m.from === undefined && covers(m.source ?? '.', file)) hit = direct = true;
        else {
          const i = stageRef(stages, m.from, s.index);
          hit ||= i !== null && changedAt[i] !== Infinity;
        }
      }
      if (hit) first = k;
    });
    changedAt[s.index] = first;
    // BuildKit numbers a stage's steps from its FROM; a stage built FROM another stage has no FROM step.
    const keywords = [...(s.parent === null ? ['FROM'] : []), ...steps.map((i) => i.keyword)];
    const offset = s.parent === null ? 2 : 1;
    const e = { firstChanged: first === Infinity ? Infinity : first + offset, direct, total: keywords.length, keywords };
    out.set(s.name ?? `stage-${s.index}`, e);
    if (stages.length === 1) out.set('', e); // logged as "[n/m]" or "[stage-0 n/m]" depending on the frontend
  }
  return out;
}

/**
 * Check a `lab build` result against cachedUntil(): every step before the first changed one is
 * CACHED, and the first changed step of the built stage ran (so the edit reached the build).
 * Returns a list of problems (empty = as expected).
 */
export function checkCachedSteps(build, expect, targetLabel = '') {
  const problems = [];
  for (const st of build.steps ?? []) {
    const m = /^\[(?:(\S+) )?(\d+)\/(\d+)\] (\S+)/.exec(st.step);
    if (!m) continue;
    const [label, n, total, kw] = [m[1] ?? '', Number(m[2]), Number(m[3]), m[4].toUpperCase()];
    const e = expect.get(label);
    if (!e || e.total !== total || e.keywords[n - 1] !== kw) {
      problems.push(`harness: log step "${st.step}" does not match the Dockerfile's stages (${JSON.stringify([...expect].map(([l, v]) => [l, v.keywords]))})`);
      continue;
    }
    if (kw === 'FROM') continue; // never reported CACHED for local images
    if (n < e.firstChanged && !st.cached) problems.push(`expected CACHED, ran: ${st.step}`);
  }
  // A step that copies or mounts the edited file from the context must re-run (else the edit did
  // not reach the build and "cached" proves nothing), and at least one such step must be logged.
  // Steps reached only through another stage may stay CACHED: BuildKit checks what COPY --from
  // copies by content (go-app: a comment edit gives the same binary).
  let reached = 0;
  for (const st of build.steps ?? []) {
    const m = /^\[(?:(\S+) )?(\d+)\/(\d+)\] /.exec(st.step);
    const e = m && expect.get(m[1] ?? '');
    if (!e || !e.direct || Number(m[2]) !== e.firstChanged) continue;
    reached++;
    if (st.cached) problems.push(`the edit did not reach the build: still CACHED: ${st.step}`);
  }
  if (!reached) problems.push(`no step that reads the edited file is in the log of target ${targetLabel || '(default)'}`);
  return problems;
}

/** The edit `lab bench` makes (append_line in the lab script): a comment line by extension, a newline for .json. */
export function appendEdit(file, tag = `e2e ${process.pid}-${Date.now()}`) {
  const ext = path.extname(file).toLowerCase();
  let line;
  if (ext === '.json') line = '\n';
  else if (['.js', '.mjs', '.cjs', '.ts', '.tsx', '.jsx', '.go', '.java', '.c', '.h', '.cc', '.cpp', '.rs', '.cs'].includes(ext)) line = `\n// lab edit ${tag}\n`;
  else if (['.html', '.xml', '.md'].includes(ext)) line = `\n<!-- lab edit ${tag} -->\n`;
  else line = `\n# lab edit ${tag}\n`;
  fs.appendFileSync(file, line);
}

Lab.prototype.buildTarget = function buildTarget(ctx, dockerfile, target, tag) {
  const args = ['build', ctx, '-f', dockerfile];
  if (target) args.push('--target', target);
  if (tag) args.push('--tag', tag);
  const r = this.cmd(args);
  const res = r.lines.find((l) => l.cmd === 'build');
  return { ...(res ?? { ok: false }), stderrTail: tail(r.stderr, 25) };
};

/** Empty every cache mount and keep the layer cache: a CI runner that imported the layers. */
Lab.prototype.pruneCacheMounts = function pruneCacheMounts() {
  const r = this.cmd(['docker', 'builder', 'prune', '-f', '--filter', 'type=exec.cachemount'], 5 * 60_000);
  if (r.code !== 0) throw new Error(`lab docker builder prune --filter type=exec.cachemount failed (exit ${r.code}): ${tail(r.stdout + r.stderr, 10)}`);
  return r.stdout;
};

/**
 * The listing script, default excludes and config keys of `lab diff-images`, read from the lab
 * script itself so the per-target comparison below is the lab's own (diff-images has no --target).
 */
function labDiffRules(script) {
  const text = fs.readFileSync(script, 'utf8');
  const listTar = /^LIST_TAR='\n([\s\S]*?)\n'$/m.exec(text)?.[1];
  const excludes = /^DIFF_EXCLUDES="([^"]*)"$/m.exec(text)?.[1];
  const globs = /^DIFF_GLOBS="([^"]*)"$/m.exec(text)?.[1];
  const keys = /^keys = (\[[^\]]*\])$/m.exec(text)?.[1];
  if (!listTar || excludes === undefined || globs === undefined || !keys)
    throw new Error(`cannot read diff-images' rules (LIST_TAR, DIFF_EXCLUDES, DIFF_GLOBS, keys) from ${script}`);
  return { listTar, excludes, globs, keys: JSON.parse(keys) };
}

/** Export an image's file listing with the lab's LIST_TAR (type, mode, owner, size, sha256, link). */
function listImage(lab, tag, rules, exclude) {
  const c = lab.cmd(['docker', 'create', tag, 'true'], 5 * 60_000);
  const cid = c.stdout.trim();
  if (c.code !== 0 || !cid) throw new Error(`docker create ${tag} failed: ${c.stderr}`);
  try {
    const r = run('bash', ['-c', 'set -o pipefail; "$1" docker export "$2" | python3 -c "$3" "$4" "$5"', 'list', lab.script, cid, rules.listTar, [rules.excludes, ...exclude].join(','), rules.globs]);
    if (r.code !== 0) throw new Error(`listing ${tag} failed (exit ${r.code}): ${tail(r.stderr, 10)}`);
    const files = JSON.parse(r.stdout);
    const i = lab.cmd(['docker', 'image', 'inspect', '--format', '{{json .Config}}', tag], 60_000);
    if (i.code !== 0) throw new Error(`docker image inspect ${tag} failed: ${i.stderr}`);
    return { files, config: JSON.parse(i.stdout) };
  } finally {
    lab.cmd(['docker', 'rm', cid], 60_000);
  }
}

/**
 * `lab diff-images` for one build target: build a and b with `lab build --target T --tag …`
 * (syntax line stripped as diff-images does), list both images with the lab's own listing and
 * compare files and config as diff-images does. Tags are per example (not lab-diff/a|b).
 * Returns {equivalent, only_in_a, only_in_b, differ, config_differ, build_a, build_b, error?}.
 */
export function diffTarget(lab, ctx, a, b, target, { exclude = [], tagPrefix = 'dockerfix-e2e' } = {}) {
  const rules = labDiffRules(lab.script);
  const side = {};
  for (const [x, df] of [
    ['a', a],
    ['b', b],
  ]) {
    const tag = `${tagPrefix}-${x}:${(target ?? 'default').toLowerCase()}`;
    const build = lab.buildTarget(ctx, df, target, tag);
    if (!build.ok) return { equivalent: false, error: `build ${x} (${df}, target ${target ?? 'default'}) failed:\n${build.stderrTail}`, [`build_${x}`]: build };
    side[x] = { ...listImage(lab, tag, rules, exclude), build };
    lab.cmd(['docker', 'rmi', tag], 60_000);
  }
  const fa = side.a.files;
  const fb = side.b.files;
  const only_in_a = Object.keys(fa).filter((p) => !(p in fb)).sort();
  const only_in_b = Object.keys(fb).filter((p) => !(p in fa)).sort();
  const differ = Object.keys(fa)
    .filter((p) => p in fb && fa[p] !== fb[p])
    .sort()
    .map((p) => ({ path: p, a: fa[p], b: fb[p] }));
  const config_differ = {};
  for (const k of rules.keys) {
    const va = side.a.config[k] ?? null;
    const vb = side.b.config[k] ?? null;
    if (JSON.stringify(va) !== JSON.stringify(vb)) config_differ[k] = { a: va, b: vb };
  }
  return {
    equivalent: !only_in_a.length && !only_in_b.length && !differ.length && !Object.keys(config_differ).length,
    files_a: Object.keys(fa).length,
    files_b: Object.keys(fb).length,
    only_in_a: only_in_a.slice(0, 200),
    only_in_b: only_in_b.slice(0, 200),
    differ: differ.slice(0, 200),
    config_differ,
    build_a: side.a.build,
    build_b: side.b.build,
  };
}
