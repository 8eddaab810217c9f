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
    imp('src/runner.js'),
    imp('transforms/index.js'),
    imp('src/context.js'),
    imp('src/source.js'),
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
