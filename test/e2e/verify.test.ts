/**
 * `dockerfix verify` against the docker lab's daemon (a real BuildKit through the 20.10 client,
 * no buildx: the unique-cache-id isolation). The lab cannot pull the `# syntax=` frontend, so the
 * rewrite is made with `--syntax none`; it has no bridge network, so builds get `--network host`.
 * After every test: no image, container or temporary file of the run remains, and no cache-mount
 * record of the crafted Dockerfiles (their commands carry a marker).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JS helper shared with the build benchmark
import { ensureLab, ROOT } from './harness.mjs';
import { result } from '../helpers/result.js';

const DOCKER = '/usr/bin/docker';
const CLI = path.join(ROOT, 'dist/bin/dockerfix.js');
const MARK = `dfxv${process.pid}`;

const lab = fs.existsSync(DOCKER) && fs.existsSync(CLI) ? ensureLab({ log: (m: string) => console.log(m) }) : { ok: false, reason: `${fs.existsSync(DOCKER) ? CLI : DOCKER} is missing (npm run build; the lab's docker.io client)` };
if (!lab.ok) console.warn(`SKIPPED test/e2e/verify.test.ts: ${lab.reason}`);

const docker = (args: string[], env: NodeJS.ProcessEnv) => spawnSync(DOCKER, args, { env, encoding: 'utf8', maxBuffer: 64 << 20 });

function leftovers(env: NodeJS.ProcessEnv, tmp: string): string[] {
  const out: string[] = [];
  const imgs = docker(['images', '--format', '{{.Repository}}:{{.Tag}}'], env).stdout.split('\n').filter((l) => l.startsWith('dockerfix-verify-'));
  out.push(...imgs.map((i) => `image ${i}`));
  const ctrs = docker(['ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.Command}}'], env).stdout.split('\n').filter((l) => l.includes('dockerfix-verify-never-run'));
  out.push(...ctrs.map((c) => `container ${c}`));
  if (fs.existsSync(tmp)) out.push(...fs.readdirSync(tmp).map((f) => `temp ${f}`));
  const cache = JSON.parse(docker(['system', 'df', '-v', '--format', '{{json .BuildCache}}'], env).stdout || '[]') as { CacheType: string; Description: string }[];
  out.push(...cache.filter((c) => c.CacheType === 'exec.cachemount' && c.Description.includes(MARK)).map((c) => `cache mount ${c.Description}`));
  return out;
}

describe.skipIf(!lab.ok)('dockerfix verify in the docker lab', () => {
  let env: NodeJS.ProcessEnv;
  let tmp: string;
  let work: string;
  // The API from the built package (what the Action and other tools call).
  let api: typeof import('../../src/index.js');

  beforeAll(async () => {
    api = await import(pathToFileURL(path.join(ROOT, 'dist/src/index.js')).href);
  });

  const setup = () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'dfx-verify-e2e-'));
    tmp = path.join(work, 'tmp');
    fs.mkdirSync(tmp);
    env = { ...process.env, DOCKER_HOST: lab.status.docker_host, TMPDIR: tmp, CI: '' };
  };
  afterEach(() => {
    const left = leftovers(env, tmp);
    fs.rmSync(work, { recursive: true, force: true });
    expect(left, 'left behind by the run').toEqual([]);
  });

  const project = (files: Record<string, string>): string => {
    const dir = path.join(work, 'project');
    for (const [f, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), text);
    }
    return dir;
  };

  /** A test-only transform: replace the whole text (what a buggy transform could produce). */
  const replaceAll = (id: string, fn: (text: string) => string) => ({
    meta: { id, summary: 'test only', description: 'test only', fixKind: 'safe' as const, order: 1000 },
    run(doc: { text: string }) {
      const next = fn(doc.text);
      // In the transform contract: one change whose fix replaces the text (test/helpers/result.ts).
      return next === doc.text ? result([]) : result([{ start: 0, end: doc.text.length, text: next }], [{ kind: 'change', message: `${id} (test only)`, start: 0, end: 0 }]);
    },
  });

  const base = { cwd: () => work, docker: DOCKER, syntax: 'none', network: 'host' };

  it('a bundled example (node-app) is equivalent, and a source edit rebuilds much faster (CLI, text and JSON)', () => {
    setup();
    const ex = path.join(ROOT, 'examples/node-app');
    const before = fs.readFileSync(path.join(ex, 'Dockerfile'), 'utf8');
    const r = spawnSync(process.execPath, [CLI, 'verify', path.join(ex, 'Dockerfile'), '--docker', DOCKER, '--syntax', 'none', '--network', 'host', '--scenarios', 'source', '--format', 'json'], { env, encoding: 'utf8', cwd: ROOT });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stderr, 'not a terminal: no progress line').toBe('');
    const res = JSON.parse(r.stdout);
    console.log(JSON.stringify({ targets: res.targets.map((t: { label: string; original: unknown; rewrite: unknown }) => [t.label, t.original, t.rewrite]), scenarios: res.scenarios }, null, 1));
    expect(res.verdict).toBe('equivalent');
    expect(res.docker.isolation).toBe('cache-ids');
    expect(res.targets).toHaveLength(1);
    expect(res.targets[0].comparison.equivalent).toBe(true);
    expect(res.targets[0].comparison.files.original).toBeGreaterThan(1000);
    expect(res.excluded.map((e: { pattern: string }) => e.pattern)).toContain('/root/.npm');
    const src = res.scenarios.find((s: { name: string }) => s.name === 'source-edit');
    expect(src.file).toMatch(/^src\/.*\.js$/);
    // bench:builds: node-app source edit 30x-43x; the rewrite re-runs only the final COPY.
    expect(src.rewrite.steps.cached).toBeGreaterThan(src.original.steps.cached);
    expect(src.speedup).toBeGreaterThanOrEqual(5);
    expect(res.cleanup.images).toBeGreaterThanOrEqual(2);
    expect(res.cleanup.tempDir).toBe(true);
    expect(fs.readFileSync(path.join(ex, 'Dockerfile'), 'utf8')).toBe(before);
  });

  it('every target of a bundled multi-stage example (multi-target: development, test, production) is equivalent', () => {
    setup();
    const ex = path.join(ROOT, 'examples/multi-target');
    const r = spawnSync(process.execPath, [CLI, 'verify', path.join(ex, 'Dockerfile'), '--docker', DOCKER, '--syntax', 'none', '--network', 'host', '--scenarios', 'none', '--format', 'json'], { env, encoding: 'utf8', cwd: ROOT });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.targets.map((t: { label: string; comparison: { equivalent: boolean } }) => [t.label, t.comparison.equivalent])).toEqual([
      ['development', true],
      ['test', true],
      ['production', true],
    ]);
  });

  it.skipIf(!fs.existsSync('/usr/local/bin/docker') || spawnSync('/usr/local/bin/docker', ['buildx', 'version']).status === 0 || !/^(2[3-9]|[3-9]\d)\./.test(spawnSync('/usr/local/bin/docker', ['version', '--format', '{{.Client.Version}}'], { encoding: 'utf8' }).stdout))(
    'a Docker 23+ client without the buildx plugin (its `docker build` is the legacy builder): exit 2, says to install buildx, builds nothing',
    () => {
      setup();
      const r = spawnSync(process.execPath, [CLI, 'verify', path.join(ROOT, 'examples/node-app/Dockerfile'), '--docker', '/usr/local/bin/docker', '--syntax', 'none'], { env, encoding: 'utf8', cwd: ROOT });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^dockerfix verify: the Docker CLI \d+\.\S+ has no buildx plugin.*install docker-buildx/);
    },
  );

  it('a deliberately broken rewrite (a test-only transform drops a file) is DIFFERENT and names the path; markdown names it too', async () => {
    setup();
    const dir = project({
      Dockerfile: `FROM debian:bookworm\nWORKDIR /app\nCOPY . .\nRUN echo ${MARK} > /app/built.txt\nCMD ["cat", "/app/built.txt"]\n`,
      'data.txt': 'data\n',
      'run.sh': 'echo run\n',
    });
    const drop = replaceAll('drop-file', (t) => (t.includes('rm /app/data.txt') ? t : `${t}RUN rm /app/data.txt\n`));
    const r = await api.verify({ ...base, cwd: work, env, dockerfile: path.join(dir, 'Dockerfile'), scenarios: [], extraTransforms: [drop] });
    expect(r.verdict).toBe('different');
    expect(r.exitCode).toBe(1);
    expect(r.summary).toMatch(/^DIFFERENT \(1 path\).*\/app\/data\.txt/);
    expect(r.targets[0].comparison!.differences).toEqual([expect.objectContaining({ path: '/app/data.txt', kind: 'only-original' })]);
    expect(api.renderVerify(r, 'markdown')).toContain('`/app/data.txt`');
  });

  it('a rewrite that does not build is reported with the failing step and the log tail', async () => {
    setup();
    const dir = project({ Dockerfile: `FROM debian:bookworm\nCOPY . /app\nRUN echo ${MARK} > /built\n`, 'a.txt': 'a\n' });
    const fail = replaceAll('fail-step', (t) => t.includes('exit 7') ? t : t.replace(`RUN echo ${MARK} > /built`, `RUN echo ${MARK} > /built && echo "broken on purpose" && exit 7`));
    const r = await api.verify({ ...base, cwd: work, env, dockerfile: path.join(dir, 'Dockerfile'), scenarios: [], extraTransforms: [fail] });
    expect(r.verdict).toBe('rewrite-fails');
    expect(r.exitCode).toBe(1);
    expect(r.targets[0].original.ok).toBe(true);
    // `[n/3]` or `[stage-0 n/3]` depending on the frontend; hoist-stable may move the RUN above the COPY.
    expect(r.targets[0].rewrite!.failedStep).toMatch(/^\[(\S+ )?[23]\/3\] RUN echo dfxv\d+ > \/built && echo "broken on purpose" && exit 7$/);
    expect(r.targets[0].rewrite!.logTail!.join('\n')).toContain('broken on purpose');
    expect(r.summary).toMatch(/^rewrite does not build \(target default, step \[(\S+ )?[23]\/3\] RUN echo/);
  });

  it('the CI scenario (layers warm, cache mounts emptied) catches a step that needs an earlier step\'s mount content', async () => {
    setup();
    const dir = project({
      Dockerfile: `FROM debian:bookworm\nRUN mkdir -p /seed && echo ${MARK} > /seed/value\nCOPY app.sh /app/app.sh\nRUN cp /seed/value /app/value\n`,
      'app.sh': 'echo app\n',
    });
    // Moves /seed into a cache mount: fine while the mount is warm, broken on an empty one.
    const mount = replaceAll('seed-mount', (t) =>
      t.replace(`RUN mkdir -p /seed && echo ${MARK}`, `RUN --mount=type=cache,target=/seed echo ${MARK}`).replace('RUN cp /seed/value', 'RUN --mount=type=cache,target=/seed cp /seed/value'),
    );
    const r = await api.verify({ ...base, cwd: work, env, dockerfile: path.join(dir, 'Dockerfile'), scenarios: ['source', 'ci'], extraTransforms: [mount] });
    console.log(api.renderVerify(r, 'text'));
    expect(r.targets[0].comparison!.equivalent).toBe(true); // /seed is the added mount: not compared
    const warm = r.scenarios.find((s) => s.name === 'source-edit')!;
    expect(warm.rewrite.ok).toBe(true);
    const ci = r.scenarios.find((s) => s.name === 'ci-source-edit')!;
    expect(ci.original.ok).toBe(true);
    expect(ci.rewrite.ok).toBe(false);
    expect(ci.rewrite.failedStep).toMatch(/RUN --mount=type=cache,target=\/seed,id=dockerfix-verify-.* cp \/seed\/value/);
    expect(r.verdict).toBe('rewrite-fails');
    expect(r.exitCode).toBe(1);
    expect(r.summary).toMatch(/ci-source-edit scenario \(cache mounts empty, layers warm\)/);
    expect(r.skippedScenarios.map((s) => s.name)).toEqual(['ci-dependency-edit']);
  });

  it('--timeout stops a build that takes too long and reports it; nothing is left', () => {
    setup();
    const dir = project({ Dockerfile: `FROM debian:bookworm\nCOPY . /app\nRUN echo ${MARK} && sleep 300\n`, 'a.txt': 'a\n' });
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [CLI, 'verify', path.join(dir, 'Dockerfile'), '--docker', DOCKER, '--syntax', 'none', '--network', 'host', '--timeout', '8s', '--format', 'json'], { env, encoding: 'utf8', cwd: work });
    expect(Date.now() - t0).toBeLessThan(120_000);
    const res = JSON.parse(r.stdout);
    expect(res.verdict).toBe('original-fails');
    expect(res.targets[0].original).toMatchObject({ ok: false, timedOut: true, error: 'timed out (--timeout); the build was stopped' });
    expect(r.status).toBe(2);
  });

  it('Ctrl-C during a build: exit 130, and the image already built, the temp files and the cache mounts are removed', async () => {
    setup();
    const dir = project({
      // The rewrite adds a cache mount to the last step, where the rewrite (only) then sleeps.
      Dockerfile: `FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt && if mountpoint -q /root/.cache/pip; then echo ${MARK}; sleep 300; fi\nCMD ["python", "app.py"]\n`,
      'requirements.txt': 'labutils\n',
      'app.py': 'print(1)\n',
    });
    const child = spawn(process.execPath, [CLI, 'verify', path.join(dir, 'Dockerfile'), '--docker', DOCKER, '--syntax', 'none', '--network', 'host', '--scenarios', 'none'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Wait until the original is built and tagged (the rewrite's build is then sleeping).
    const t0 = Date.now();
    let tagged = false;
    while (Date.now() - t0 < 240_000 && !tagged) {
      await new Promise((r) => setTimeout(r, 1000));
      tagged = docker(['images', '--format', '{{.Repository}}'], env).stdout.split('\n').some((l) => /^dockerfix-verify-.*-original$/.test(l));
    }
    expect(tagged, 'the original was built and tagged').toBe(true);
    await new Promise((r) => setTimeout(r, 4000));
    child.kill('SIGINT');
    const code = await exited;
    expect(stderr).toContain('interrupted, removing what the run created');
    expect(code).toBe(130);
  });
});
