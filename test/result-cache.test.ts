/**
 * The result cache (`--cache`, src/cli/result-cache.ts): the built CLI in real processes over real
 * files in temporary directories, each with its own HOME (the store lives in the user's cache
 * directory). Hits and misses are read from DOCKERFIX_CACHE_DEBUG=1's summary line; every cached
 * run is compared with an uncached one (standard output, standard error, exit code).
 */
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir, type Ran } from './helpers/cli.js';
import { CORPUS_CASES, corpusFor } from './helpers/corpus.js';
import { ResultCache } from '../src/cli/result-cache.js';
import { processRecorded } from '../src/cli/context-recorder.js';
import { loadTransforms } from '../transforms/index.js';
import type { ProcessOptions } from '../src/pipeline/engine.js';

const NODE_DOCKERFILE = 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD ["node", "index.js"]\n';
const PACKAGE_JSON = '{ "name": "app", "version": "1.0.0", "dependencies": { "express": "^4.0.0" } }\n';

function project(extra: Record<string, string> = {}): string {
  return tempDir({ Dockerfile: NODE_DOCKERFILE, 'package.json': PACKAGE_JSON, 'package-lock.json': '{ "lockfileVersion": 3 }\n', 'index.js': 'console.log(1)\n', ...extra });
}

const homes: string[] = [];
function home(): string {
  const h = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-cache-home-'));
  homes.push(h);
  return h;
}

interface CachedRun extends Ran {
  hits: number;
  misses: number;
  stored: number;
}

const STATS = /^dockerfix: cache: (\d+) hits, (\d+) misses, (\d+) not cacheable, (\d+) stored\n/m;

/** A run with the cache's debug notes; the notes are taken out of stderr. */
function cached(args: string[], cwd: string, h: string, env: Record<string, string> = {}, bin?: string): CachedRun {
  const r = run([...args, '--cache'], cwd, h, { DOCKERFIX_CACHE_DEBUG: '1', ...env }, bin);
  const m = STATS.exec(r.stderr);
  if (!m) throw new Error(`no cache summary in stderr:\n${r.stderr}`);
  return { code: r.code, stdout: r.stdout, stderr: r.stderr.replace(/^dockerfix: cache: .*\n/gm, ''), hits: Number(m[1]), misses: Number(m[2]), stored: Number(m[4]) };
}

function run(args: string[], cwd: string, h: string, env: Record<string, string> = {}, bin?: string): Ran {
  const e = { HOME: h, XDG_CACHE_HOME: path.join(h, '.cache'), DOCKERFIX_WORKERS: '0', ...env };
  if (!bin) return runCli(args, cwd, { env: e });
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '', ...e } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same as an uncached run. */
function expectSame(r: Ran, args: string[], cwd: string, h: string, bin?: string): void {
  const plain = run(args, cwd, h, {}, bin);
  expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual(plain);
}

const storeDir = (h: string): string => path.join(h, '.cache', 'dockerfix', 'results');
const stores = (dir: string): string[] => fs.readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('result cache', () => {
  it('the second run is served from the cache, with the same output, exit code and report', () => {
    const dir = project();
    for (const args of [['--check'], [], ['--format', 'json'], ['--format', 'sarif'], ['--exit-code', '--fmt']]) {
      const h = home();
      const first = cached(args, dir, h);
      expect(first.hits).toBe(0);
      expect(first.misses).toBe(1);
      expect(first.stored).toBe(1);
      const second = cached(args, dir, h);
      expect(second.hits).toBe(1);
      expect(second.misses).toBe(0);
      expect(second.stored).toBe(0);
      expect(second).toMatchObject({ code: first.code, stdout: first.stdout, stderr: first.stderr });
      expectSame(second, args, dir, h);
    }
    const h = home();
    // A dry run and a report analyse the same way: one fills the cache for the other.
    expect(cached([], dir, h).misses).toBe(1);
    expect(cached(['--format', 'json'], dir, h).hits).toBe(1);
    // --check found a change (exit 1), the dry run printed a diff.
    expect(cached(['--check'], dir, h).code).toBe(1);
    expect(cached([], dir, h).stdout).toContain('+RUN --mount=type=cache,target=/root/.npm npm ci');
    // Off by default; --no-cache wins over --cache and the config key.
    expect(run(['--check', '--cache', '--no-cache'], dir, h, { DOCKERFIX_CACHE_DEBUG: '1' }).stderr).not.toContain('dockerfix: cache:');
    expect(run(['--check'], dir, h, { DOCKERFIX_CACHE_DEBUG: '1' }).stderr).not.toContain('dockerfix: cache:');
    fs.writeFileSync(path.join(dir, 'dockerfix.config.json'), '{ "cache": true }\n');
    // (the key changes nothing the analysis sees: the --check entry of the runs above is used)
    expect(run(['--check'], dir, h, { DOCKERFIX_CACHE_DEBUG: '1' }).stderr).toMatch(/cache: 1 hits, 0 misses/);
    expect(run(['--check', '--no-cache'], dir, h, { DOCKERFIX_CACHE_DEBUG: '1' }).stderr).not.toContain('dockerfix: cache:');
    // The store is the user's, closed to others.
    const [store] = stores(storeDir(h));
    expect(fs.statSync(path.join(storeDir(h), store)).mode & 0o077).toBe(0);
    expect(fs.statSync(storeDir(h)).mode & 0o077).toBe(0);
  });

  it('every input of the analysis invalidates: text, config, flags, context files, .dockerignore, build definitions', () => {
    const dir = project();
    const h = home();
    const args = ['--format', 'json'];
    const expectMiss = (why: string, a = args): void => {
      const r = cached(a, dir, h);
      expect(r.misses, why).toBe(1);
      expect(r.hits, why).toBe(0);
      expectSame(r, a, dir, h);
      // and then it is a hit
      expect(cached(a, dir, h).hits, why).toBe(1);
    };
    expectMiss('first run');
    fs.appendFileSync(path.join(dir, 'Dockerfile'), 'EXPOSE 3000\n');
    expectMiss('Dockerfile edited');
    fs.writeFileSync(path.join(dir, 'dockerfix.config.json'), '{ "transforms": { "node-cache-mount": false } }\n');
    expectMiss('config edited');
    expectMiss('--unsafe', [...args, '--unsafe']);
    expectMiss('--skip', [...args, '--skip', 'split-copy']);
    expectMiss('--check with a report is the whole analysis, plain --check stops at the first change', ['--check']);
    fs.writeFileSync(path.join(dir, 'package.json'), PACKAGE_JSON.replace('express', 'fastify'));
    expectMiss('manifest edited');
    fs.writeFileSync(path.join(dir, 'yarn.lock'), '# yarn lockfile v1\n');
    expectMiss('file added to the context');
    fs.rmSync(path.join(dir, 'yarn.lock'));
    fs.rmSync(path.join(dir, 'package-lock.json'));
    expectMiss('file removed from the context');
    fs.writeFileSync(path.join(dir, '.dockerignore'), 'package.json\n');
    expectMiss('.dockerignore added');
    fs.writeFileSync(path.join(dir, '.dockerignore'), 'node_modules\n');
    expectMiss('.dockerignore edited');
  });

  it('a build definition that changes the context invalidates', () => {
    // A repository (build definitions are searched up to the directory holding .git).
    const dir = tempDir({ '.git/HEAD': 'ref: refs/heads/main\n', 'docker/Dockerfile': NODE_DOCKERFILE, 'package.json': PACKAGE_JSON, 'package-lock.json': '{}\n', 'docker-compose.yml': 'services:\n  web:\n    build:\n      context: docker\n' });
    const h = home();
    const args = ['--format', 'json', 'docker/Dockerfile'];
    const first = cached(args, dir, h);
    expect(first.misses).toBe(1);
    expect(cached(args, dir, h).hits).toBe(1);
    fs.writeFileSync(path.join(dir, 'docker-compose.yml'), 'services:\n  web:\n    build:\n      context: .\n      dockerfile: docker/Dockerfile\n');
    const r = cached(args, dir, h);
    expect(r.misses).toBe(1);
    expectSame(r, args, dir, h);
    expect(r.stdout).not.toBe(first.stdout);
  });

  it('another build of dockerfix does not use the entries of this one', () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-cache-build-'));
    homes.push(copy); // removed at exit
    fs.cpSync(path.join(ROOT, 'dist'), path.join(copy, 'dist'), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(copy, 'package.json'));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
    const bin = path.join(copy, 'dist/bin/dockerfix.js');
    const dir = project();
    const h = home();
    expect(cached(['--check'], dir, h, {}, bin).misses).toBe(1);
    expect(cached(['--check'], dir, h, {}, bin).hits).toBe(1);
    // A rebuilt transform (same size even): another build.
    const file = path.join(copy, 'dist/transforms/index.js');
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, text.replace(/\n$/, ' '));
    const r = cached(['--check'], dir, h, {}, bin);
    expect(r.hits).toBe(0);
    expect(r.misses).toBe(1);
    expectSame(r, ['--check'], dir, h, bin);
  });

  it('a store that is damaged, not signed with this user\'s key, or open to others is ignored', () => {
    const dir = project();
    const h = home();
    cached(['--check'], dir, h);
    const sd = storeDir(h);
    const file = path.join(sd, stores(sd)[0]);
    // Damaged: one byte changed.
    const good = fs.readFileSync(file);
    const bad = Buffer.from(good);
    bad[bad.length - 10] ^= 1;
    fs.writeFileSync(file, bad);
    let r = cached(['--check'], dir, h);
    expect(r.hits).toBe(0);
    expectSame(r, ['--check'], dir, h);
    // Truncated / garbage.
    fs.writeFileSync(file, 'not a store');
    expect(cached(['--check'], dir, h).hits).toBe(0);
    expect(cached(['--check'], dir, h).hits).toBe(1);
    // Writable by others: not read.
    fs.chmodSync(file, 0o666);
    r = cached(['--check'], dir, h);
    expect(r.hits).toBe(0);
    expect(r.code).toBe(1);
    // A directory writable by others: not used at all.
    fs.rmSync(file);
    fs.chmodSync(sd, 0o777);
    cached(['--check'], dir, h);
    r = cached(['--check'], dir, h);
    expect(r.hits).toBe(0);
    expect(r.stored).toBe(0);
    expect(stores(sd)).toEqual([]);
    fs.chmodSync(sd, 0o700);
    if (process.getuid?.() === 0) {
      // Owned by someone else (root can make one).
      cached(['--check'], dir, h);
      const f = path.join(sd, stores(sd)[0]);
      fs.chownSync(f, 65534, 65534);
      expect(cached(['--check'], dir, h).hits).toBe(0);
    }
  });

  it('a store shipped inside the project (a pull request) cannot make a file look clean', () => {
    const dir = project();
    const loc = ['--cache-location', '.dockerfix-cache'];
    // The attacker's run, with their own HOME (their signing key): the store lands in the repository.
    const attacker = home();
    expect(cached(['--check', ...loc], dir, attacker).code).toBe(1);
    const sd = path.join(dir, '.dockerfix-cache');
    const f = path.join(sd, stores(sd)[0]);
    // They rewrite the entry to "nothing to change" and sign it with their key.
    const text = fs.readFileSync(f, 'utf8');
    const data = JSON.parse(text.slice(text.indexOf('\n') + 1)) as { entries: Record<string, { v: Record<string, unknown> }> };
    for (const e of Object.values(data.entries)) Object.assign(e.v, { changed: false, after: null, partial: undefined, findings: [] });
    const body = JSON.stringify(data);
    const key = fs.readFileSync(path.join(attacker, '.cache', 'dockerfix', 'result-cache.key'));
    fs.writeFileSync(f, `${createHmac('sha256', key).update(body).digest('hex')}\n${body}`, { mode: 0o600 });
    // Under the attacker's own key the forged entry would be served (the test is not vacuous)...
    expect(cached(['--check', ...loc], dir, attacker)).toMatchObject({ hits: 1, code: 0, stdout: '' });
    // ...but the bot's key does not verify it: analysed, the change found.
    const bot = home();
    const r = cached(['--check', ...loc], dir, bot);
    expect(r.hits).toBe(0);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('Dockerfile\n');
  });

  it('--write: a change is never served from the cache; what is written is what an uncached run writes', () => {
    const h = home();
    const dir = project();
    const plain = project();
    // A dry run keeps the outcome "would change" (same options as --write).
    expect(cached([], dir, h).stored).toBe(1);
    const w = cached(['--write'], dir, h);
    expect(w.hits).toBe(0);
    expect(w.stored).toBe(0);
    const wp = run(['--write'], plain, h);
    expect(w.code).toBe(wp.code);
    expect(w.stdout.replaceAll(dir, '')).toBe(wp.stdout.replaceAll(plain, ''));
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).toBe(fs.readFileSync(path.join(plain, 'Dockerfile'), 'utf8'));
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).not.toBe(NODE_DOCKERFILE);
    // The written file: analysed (a miss), its "no change" kept, then served.
    const again = cached(['--write'], dir, h);
    expect(again.misses).toBe(1);
    expect(again.stored).toBe(1);
    const third = cached(['--write'], dir, h);
    expect(third.hits).toBe(1);
    expectSame(third, ['--write'], dir, h);
  });

  it.runIf(corpusFor('result-cache'))('corpus sample: text, check, json and sarif outputs are the same cached (cold and warm) and uncached', () => {
    const ids = fs.readdirSync(CORPUS_CASES).sort();
    const sample = ids.filter((_, i) => i % 40 === 0).map((id) => path.join('cases', id));
    const cwd = path.dirname(CORPUS_CASES);
    for (const mode of [['--check'], [], ['--format', 'json'], ['--format', 'sarif']]) {
      const h = home();
      const args = [...mode, ...sample];
      const plain = run(args, cwd, h);
      const cold = cached(args, cwd, h);
      const warm = cached(args, cwd, h);
      expect(cold.misses).toBe(sample.length);
      expect(warm.hits + warm.misses).toBe(sample.length);
      expect(warm.hits).toBeGreaterThan(sample.length / 2);
      for (const r of [cold, warm]) expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual(plain);
    }
    // Misses processed by worker threads record their contexts there: the next run (one thread) hits.
    const h = home();
    const args = ['--format', 'json', ...sample];
    const pooled = cached(args, cwd, h, { DOCKERFIX_WORKERS: '2' });
    expect(pooled.stored).toBe(sample.length);
    const warm = cached(args, cwd, h);
    expect(warm.hits).toBe(sample.length);
    expect({ code: warm.code, stdout: warm.stdout, stderr: warm.stderr }).toEqual(run(args, cwd, h));
  });
});

describe('result cache store (API)', () => {
  it('is bounded: past its entry limit it is cut to three quarters (least recently used first), and what is kept still hits', async () => {
    const h = home();
    const env = { HOME: h, XDG_CACHE_HOME: path.join(h, '.cache') };
    const files: Record<string, string> = {};
    for (let i = 0; i < 30; i++) files[`s${i}/Dockerfile`] = `FROM python:3.12\nRUN pip install flask==${i}\n`;
    const dir = tempDir(files);
    const opts: ProcessOptions = { transforms: await loadTransforms(), options: {} };
    const open = (): ResultCache => ResultCache.open({ projectRoot: dir, env, version: '0', maxEntries: 20 });
    const cache = open();
    for (const rel of Object.keys(files)) {
      const f = path.join(dir, rel);
      const l = cache.lookup(f, opts, undefined)!;
      expect(l.outcome).toBeUndefined();
      const r = processRecorded(f, opts, true);
      cache.store(l.key, r.outcome, r.log);
    }
    expect(cache.size).toBe(30);
    cache.flush();
    const again = open();
    expect(again.size).toBe(15);
    let hits = 0;
    for (const rel of Object.keys(files)) {
      const f = path.join(dir, rel);
      const l = again.lookup(f, opts, undefined)!;
      if (l.outcome) {
        hits++;
        expect(l.outcome).toEqual(processRecorded(f, opts, false).outcome);
      }
    }
    expect(hits).toBe(15);
  });
});

afterAll(() => {
  for (const h of homes) fs.rmSync(h, { recursive: true, force: true });
});
