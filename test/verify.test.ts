/**
 * `dockerfix verify` without a daemon: the tar listing (real tar archives made by the system's
 * tar), the comparison rules, the build-log reader, the targets and cache-mount isolation, the
 * edits, the report formats against the JSON schema, and the environment errors of a missing
 * CLI or daemon (the real docker client when installed).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import Ajv2020 from 'ajv/dist/2020.js';
import { TarLister, pycHash } from '../src/verify/image-fs.js';
import { ALWAYS_EXCLUDED, diffConfigs, diffTrees, dropMountParents, keepFilter } from '../src/verify/compare.js';
import { classifyDockerError, parsePlainLog, stepCounts } from '../src/verify/docker.js';
import { addedMountRules, cacheMountSignatures, chooseTouches, editLine, findTargets, isolateCacheMounts, matchesMountRecord, secretMounts } from '../src/verify/prepare.js';
import { renderVerify } from '../src/verify/report.js';
import { parseDuration } from '../src/verify/cli.js';
import type { VerifyResult } from '../src/verify/run.js';
import { main } from '../src/cli/main.js';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'dfx-verify-unit-'));
afterAll(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

async function listTar(tarFile: string, keep?: (p: string) => boolean) {
  const l = new TarLister(keep);
  await pipeline(fs.createReadStream(tarFile, { highWaterMark: 777 }), l);
  return l.tree;
}

const hasTar = spawnSync('tar', ['--version']).status === 0;

describe.skipIf(!hasTar)('TarLister (archives written by GNU tar)', () => {
  it('lists type, mode, owner, size, sha256 and link targets; long names; pax and gnu formats', async () => {
    const dir = path.join(tmpRoot, 'tree');
    fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'a.txt'), 'hello\n');
    fs.chmodSync(path.join(dir, 'a.txt'), 0o640);
    const long = `${'x'.repeat(120)}/${'y'.repeat(90)}.txt`;
    fs.mkdirSync(path.join(dir, 'x'.repeat(120)));
    fs.writeFileSync(path.join(dir, long), Buffer.alloc(70000, 7));
    fs.symlinkSync('a.txt', path.join(dir, 'link'));
    fs.linkSync(path.join(dir, 'a.txt'), path.join(dir, 'sub/hard'));
    for (const format of ['gnu', 'pax', 'ustar']) {
      const tar = path.join(tmpRoot, `t-${format}.tar`);
      const args = ['-C', dir, `--format=${format}`, '--owner=1001', '--group=1002', '--numeric-owner', '-cf', tar, '.'];
      const r = spawnSync('tar', format === 'ustar' ? args.filter((a) => a !== '.').concat(['a.txt', 'link', 'sub']) : args);
      expect(r.status, String(r.stderr)).toBe(0);
      const t = await listTar(tar);
      const a = { type: 'file', mode: '0640', uid: 1001, gid: 1002, size: 6, sha256: createHash('sha256').update('hello\n').digest('hex') };
      // Hard links: listed as the file they name, whichever of the two names tar wrote first.
      expect(t.get('/a.txt')).toEqual(a);
      expect(t.get('/sub/hard')).toEqual(a);
      expect(t.get('/link')).toMatchObject({ type: 'symlink', link: 'a.txt' });
      expect(t.get('/sub')).toMatchObject({ type: 'dir' });
      if (format !== 'ustar') expect(t.get(`/${long}`)).toMatchObject({ type: 'file', size: 70000, sha256: createHash('sha256').update(Buffer.alloc(70000, 7)).digest('hex') });
    }
  });

  it('skips excluded subtrees (and does not hash them)', async () => {
    const tar = path.join(tmpRoot, 't-gnu.tar');
    const t = await listTar(tar, keepFilter([{ pattern: '/sub', reason: 'test' }]));
    expect(t.has('/a.txt')).toBe(true);
    expect([...t.keys()].filter((p) => p.startsWith('/sub'))).toEqual([]);
  });
});

describe('comparison', () => {
  it('.pyc: only the source-mtime field of a timestamp-based header is ignored', () => {
    const pyc = (mtime: number, flags = 0, body = 'code') => {
      const b = Buffer.alloc(16 + body.length);
      b.write('\xa7\x0d\x0d\x0a', 0, 'latin1');
      b.writeUInt32LE(flags, 4);
      b.writeUInt32LE(mtime, 8);
      b.writeUInt32LE(99, 12);
      b.write(body, 16);
      return b;
    };
    expect(pycHash(pyc(1))).toBe(pycHash(pyc(2)));
    expect(pycHash(pyc(1, 0, 'code'))).not.toBe(pycHash(pyc(1, 0, 'kode')));
    expect(pycHash(pyc(1, 1))).not.toBe(pycHash(pyc(2, 1))); // hash-based: compared as is
  });

  it('reports paths only in one image and attributes that differ', () => {
    const f = (o: object) => ({ type: 'file' as const, mode: '0644', uid: 0, gid: 0, size: 1, sha256: 'aa', ...o });
    const a = new Map([['/app/x', f({})], ['/app/gone', f({})], ['/app/y', f({})]]);
    const b = new Map([['/app/x', f({})], ['/app/new', f({})], ['/app/y', f({ mode: '0755', uid: 1000, sha256: 'bb' })]]);
    const d = diffTrees(a, b);
    expect(d.map((x) => [x.path, x.kind, x.fields ?? []])).toEqual([
      ['/app/gone', 'only-original', []],
      ['/app/new', 'only-rewrite', []],
      ['/app/y', 'differs', ['mode', 'owner', 'content']],
    ]);
  });

  it('compares the config keys; empty and absent are the same; Env order does not matter, values do', () => {
    expect(diffConfigs({ Env: ['A=1', 'B=2'], Labels: null, Cmd: ['x'] }, { Env: ['B=2', 'A=1'], Labels: {}, Cmd: ['x'] })).toEqual([]);
    expect(diffConfigs({ Env: ['A=1'], User: 'app', ExposedPorts: { '80/tcp': {} } }, { Env: ['A=2'], User: '', ExposedPorts: { '80/tcp': {} } }).map((c) => c.key)).toEqual(['Env', 'User']);
  });

  it('exclusion rules: plain paths cover their subtree, globs one segment; every rule has a reason', () => {
    const keep = keepFilter(ALWAYS_EXCLUDED);
    expect(keep('/var/log/apt/history.log')).toBe(false);
    expect(keep('/var/logs')).toBe(true);
    expect(keep('/var/lib/dpkg/status-old')).toBe(false);
    expect(keep('/var/lib/dpkg/status')).toBe(true);
    expect(keep('/etc/hosts')).toBe(false);
    expect(keep('/etc/hosts.allow')).toBe(true);
    expect(ALWAYS_EXCLUDED.every((r) => r.reason.length > 10)).toBe(true);
  });

  it("an empty parent directory BuildKit creates for an added mount point is not a difference; one holding anything else is", () => {
    const dir = { type: 'dir' as const, mode: '0755', uid: 0, gid: 0, size: 0 };
    const a = new Map([['/root', dir]]);
    const b = new Map([['/root', dir], ['/root/.cache', dir], ['/srv', dir], ['/srv/x', dir], ['/srv/x/other', dir]]);
    const r = dropMountParents(diffTrees(a, b), b, ['/root/.cache/pip', '/srv/x/cache']);
    expect(r.dropped).toEqual(['/root/.cache']);
    expect(r.diffs.map((d) => d.path)).toEqual(['/srv', '/srv/x', '/srv/x/other']);
  });

  it('the cache mounts the rewrite adds are excluded, those the original had are not', () => {
    const before = 'FROM x\nRUN --mount=type=cache,target=/root/.cache/go-build go build\nRUN pip install -r r.txt\n';
    const after = 'FROM x\nRUN --mount=type=cache,target=/root/.cache/go-build go build\nRUN --mount=type=cache,target=/root/.cache/pip/ pip install -r r.txt\n';
    expect(addedMountRules(before, after).map((r) => r.pattern)).toEqual(['/root/.cache/pip']);
  });
});

describe('build logs (--progress=plain)', () => {
  const log = [
    '#1 [internal] load build definition from Dockerfile',
    '#1 DONE 0.0s',
    '#4 [stage-0 1/4] FROM docker.io/library/debian:bookworm',
    '#4 DONE 0.0s',
    '#5 [stage-0 2/4] RUN echo a',
    '#5 CACHED',
    '#6 [stage-0 3/4] COPY . /app',
    '#6 DONE 0.1s',
    '#7 [stage-0 4/4] RUN make',
    '#7 0.210 cc -o app main.c',
    '#7 0.512 main.c:1: error: nope',
    '#7 ERROR: executor failed running [/bin/sh -c make]: exit code: 2',
    '------',
    ' > [stage-0 4/4] RUN make:',
    '------',
    'error: failed to solve: executor failed running [/bin/sh -c make]: exit code: 2',
  ].join('\n');

  it('finds steps, cached ones and the failing step with its output', () => {
    const p = parsePlainLog(log);
    expect(stepCounts(p)).toEqual({ total: 3, cached: 1, run: 2 });
    expect(p.failed?.name).toBe('[stage-0 4/4] RUN make');
    expect(p.failed?.output).toEqual(['cc -o app main.c', 'main.c:1: error: nope']);
    expect(p.trailer.at(-1)).toMatch(/^error: failed to solve/);
  });
});

describe('targets, cache-mount isolation, secrets', () => {
  const df = [
    'FROM debian AS base',
    'RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=bind,source=x,target=/x apt-get update',
    'FROM base AS development',
    'CMD ["dev"]',
    'FROM base AS test',
    'RUN --mount=type=cache,id=pip,target=/root/.cache/pip --mount=type=secret,id=npmrc true',
    'FROM base AS build',
    'RUN make',
    'FROM base',
    'COPY --from=build /out /out',
    '',
  ].join('\n');

  it('the default build, leaf stages and stages with their own CMD; --target and build definitions', () => {
    expect(findTargets(df).map((t) => [t.target, t.label])).toEqual([
      ['development', 'development'],
      ['test', 'test'],
      [null, 'default'],
    ]);
    expect(findTargets(df, ['test']).map((t) => t.target)).toEqual(['test']);
    expect(findTargets(df, [], ['build']).map((t) => t.target)).toEqual(['development', 'test', 'build', null]);
    expect(() => findTargets(df, ['nope'])).toThrow(/no stage named "nope"/);
  });

  it('every cache mount gets a run-unique id, existing ids are prefixed, other mounts are untouched', () => {
    const r = isolateCacheMounts(df, 'dockerfix-verify-r1-b-');
    expect(r.count).toBe(2);
    expect(r.text).toContain('RUN --mount=type=cache,target=/var/cache/apt,sharing=locked,id=dockerfix-verify-r1-b-/var/cache/apt --mount=type=bind,source=x,target=/x apt-get update');
    expect(r.text).toContain('RUN --mount=type=cache,id=dockerfix-verify-r1-b-pip,target=/root/.cache/pip --mount=type=secret,id=npmrc true');
    expect(r.text.split('\n').length).toBe(df.split('\n').length);
  });

  it("recognises the build-cache records of the run's own cache mounts by target and command (descriptions as the 20.10 daemon writes them)", () => {
    const sigs = cacheMountSignatures("FROM x\nRUN --mount=type=cache,target=/c,id=dockerfix-verify-r-a-/c sh -c 'echo hi > /c/x; \\\n    date > /stamp'\nRUN --mount=type=cache,target=/root/.npm [\"npm\", \"ci\"]\n");
    expect(matchesMountRecord("cached mount /c from exec /bin/sh -c sh -c 'echo hi > /c/x;     date > /stamp'", sigs)).toBe(true);
    expect(matchesMountRecord('cached mount /root/.npm from exec npm ci', sigs)).toBe(true);
    // Another build's mount: other target, or same target and another command.
    expect(matchesMountRecord('cached mount /tmp/npm-cache from exec /bin/sh -c npm_config_cache=/tmp/npm-cache npm ci', sigs)).toBe(false);
    expect(matchesMountRecord('cached mount /c from exec /bin/sh -c make', sigs)).toBe(false);
  });

  it('names the secret and ssh mounts a build needs', () => {
    expect(secretMounts(df)).toEqual({ secrets: ['npmrc'], ssh: [] });
    expect(secretMounts('FROM x\nRUN --mount=type=ssh git clone x\n')).toEqual({ secrets: [], ssh: ['default'] });
  });
});

describe('rebuild edits', () => {
  it('comment lines by file type; none for formats that take none', () => {
    expect(editLine('app/views.py', 't')).toBe('\n# dockerfix verify edit t\n');
    expect(editLine('src/a.js', 't')).toBe('\n// dockerfix verify edit t\n');
    expect(editLine('package.json', 't')).toBe('\n');
    expect(editLine('go.mod', 't')).toBe('\n// dockerfix verify edit t\n');
    expect(editLine('logo.png', 't')).toBeNull();
  });

  it('chooses a copied source file and an editable manifest, never a lock file, and says why when there is none', () => {
    const ctx = path.join(tmpRoot, 'ctx');
    for (const [f, t] of Object.entries({ 'package.json': '{}', 'package-lock.json': '{}', 'src/index.js': '', 'README.md': '', 'docs/x.png': '' })) {
      fs.mkdirSync(path.dirname(path.join(ctx, f)), { recursive: true });
      fs.writeFileSync(path.join(ctx, f), t);
    }
    expect(chooseTouches(ctx, 'FROM node\nCOPY package*.json ./\nRUN npm ci\nCOPY src ./src\n')).toEqual({ source: 'src/index.js', dependency: 'package.json' });
    const none = chooseTouches(ctx, 'FROM node\nCOPY docs/x.png /x.png\n');
    expect(none.source).toBeUndefined();
    expect(none.sourceWhy).toMatch(/--touch/);
    expect(none.dependencyWhy).toMatch(/--touch-dependency/);
  });

  it('--timeout durations', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('20')).toBe(20 * 60_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('soon')).toBeNaN();
  });
});

describe('reports', () => {
  const result: VerifyResult = {
    schemaVersion: 1,
    tool: { name: 'dockerfix', version: '0.1.0' },
    dockerfile: 'Dockerfile',
    context: '.',
    verdict: 'different',
    summary: 'DIFFERENT (1 path): target default: /app/data.txt',
    exitCode: 1,
    docker: { client: '20.10.24', server: '20.10.24', isolation: 'cache-ids' },
    rewrite: { changes: [{ transform: 'split-copy', line: 3, message: 'copy | x' }], diff: '--- a\n+++ b\n' },
    targets: [
      {
        label: 'default',
        target: null,
        why: 'the default build (last stage)',
        original: { ok: true, seconds: 1.5, steps: { total: 3, cached: 0, run: 3 } },
        rewrite: { ok: true, seconds: 1.2, steps: { total: 4, cached: 1, run: 3 } },
        comparison: { equivalent: false, files: { original: 10, rewrite: 9 }, differenceCount: 1, differences: [{ path: '/app/data.txt', kind: 'only-original', original: 'file 0644 0:0 5 B sha256:abc' }], config: [] },
      },
    ],
    excluded: [...ALWAYS_EXCLUDED],
    scenarios: [{ name: 'source-edit', target: 'default', file: 'app.py', original: { ok: true, seconds: 10, steps: { total: 3, cached: 1, run: 2 } }, rewrite: { ok: true, seconds: 0.5, steps: { total: 4, cached: 3, run: 1 } }, speedup: 20 }],
    skippedScenarios: [{ name: 'dependency-edit', reason: 'no manifest' }],
    notes: [],
    cleanup: { images: 4, containers: 2, builder: false, cacheMounts: 1, tempDir: true, problems: [] },
  };

  it('JSON validates against schema/dockerfix-verify.schema.json', () => {
    const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '../schema/dockerfix-verify.schema.json'), 'utf8'));
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const validate = ajv.compile(schema);
    const doc = JSON.parse(renderVerify(result, 'json'));
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...doc, verdict: 'maybe' })).toBe(false);
  });

  it('markdown: the verdict, a table per target, the differing paths and the rebuilds; table cells escaped', () => {
    const m = renderVerify(result, 'markdown');
    expect(m).toContain('### ❌ dockerfix verify: `Dockerfile`');
    expect(m).toContain('| default | 1.50 s (0/3 cached) | 1.20 s (1/4 cached) | 1 paths, 0 config keys differ |');
    expect(m).toContain('| default | `/app/data.txt` | file 0644 0:0 5 B sha256:abc | absent |');
    expect(m).toContain('| source edit | `app.py` | 10.00 s (1/3 cached) | 0.50 s (3/4 cached) | 20x |');
  });

  it('text: the path, the rebuild and the verdict', () => {
    const t = renderVerify(result, 'text');
    expect(t).toContain('only in the original: /app/data.txt');
    expect(t).toContain('source edit (app.py, target default): 10.00 s (1/3 cached) -> 0.50 s (3/4 cached), 20x');
    expect(t.trimEnd().split('\n').at(-1)).toBe('verdict: DIFFERENT (1 path): target default: /app/data.txt');
  });
});

describe('environment errors (exit 2, clear messages)', () => {
  const run = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    let out = '';
    let err = '';
    const io = {
      stdout: { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream,
      stderr: { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WritableStream,
      stdin: Readable.from([]),
      env: { PATH: process.env.PATH, ...env },
      cwd: path.join(__dirname, '..'),
    };
    const code = await main(['node', 'dockerfix', 'verify', ...args], io);
    return { code, out, err };
  };

  it('no docker CLI', async () => {
    const r = await run(['examples/node-app/Dockerfile', '--docker', '/nonexistent/docker']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^dockerfix verify: the Docker CLI was not found \(\/nonexistent\/docker\)/);
  });

  it.skipIf(!fs.existsSync('/usr/bin/docker'))('no daemon (the real docker client, a socket nobody listens on)', async () => {
    const r = await run(['examples/node-app/Dockerfile', '--docker', '/usr/bin/docker'], { DOCKER_HOST: `unix://${path.join(tmpRoot, 'none.sock')}` });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/the Docker daemon is not reachable: start Docker/);
  });

  it('permission denied (the message the docker client prints for a socket the user may not open)', () => {
    const e = classifyDockerError('docker', {
      stderr: 'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.24/version": dial unix /var/run/docker.sock: connect: permission denied',
    });
    expect(e?.kind).toBe('permission');
    expect(e?.message).toMatch(/add your user to the "docker" group/);
  });

  it('usage errors: unknown file, bad --timeout, unknown scenario; nothing to rewrite is exit 0 without Docker', async () => {
    expect((await run(['nope/Dockerfile'])).err).toMatch(/nope\/Dockerfile: no such file/);
    expect((await run(['examples/node-app/Dockerfile', '--timeout', 'soon'])).code).toBe(2);
    expect((await run(['examples/node-app/Dockerfile', '--scenarios', 'fast'])).err).toMatch(/unknown fast/);
    const plain = path.join(tmpRoot, 'plain');
    fs.mkdirSync(plain);
    fs.writeFileSync(path.join(plain, 'Dockerfile'), 'FROM scratch\nCOPY a /a\n');
    fs.writeFileSync(path.join(plain, 'a'), 'a');
    const r = await run([path.join(plain, 'Dockerfile'), '--docker', '/nonexistent/docker', '--syntax', 'none']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/verdict: unchanged: dockerfix does not rewrite this Dockerfile/);
  });
});
