/**
 * The CLI on real, hostile trees: the built binary runs as a process on temporary directories
 * with symlink loops, unreadable directories, files that vanish during the run, read-only files,
 * two processes writing the same files, and SIGINT in the middle of --write.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'dist/bin/dockerfix.js');

const BEFORE = 'FROM python:3.12-slim\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\n';
const AFTER =
  '# syntax=docker/dockerfile:1\nFROM python:3.12-slim\nCOPY requirements.txt .\nRUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt\n';
const PLAIN = 'FROM alpine:3.20\nCMD ["true"]\n';

const dirs: string[] = [];
function tmpdir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-robust-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) {
    spawnSync('chmod', ['-R', 'u+rwx', d]);
    fs.rmSync(d, { recursive: true, force: true });
  }
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], opts: { cwd?: string; prefix?: string[]; timeout?: number } = {}): Run {
  const argv = [...(opts.prefix ?? []), process.execPath, BIN, ...args];
  const r = spawnSync(argv[0], argv.slice(1), { cwd: opts.cwd, encoding: 'utf8', timeout: opts.timeout ?? 60_000, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function collect(child: ChildProcess): Promise<Run> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/** `n` Dockerfiles in sub-directories d000/…; returns their paths. */
function tree(dir: string, n: number, content = BEFORE): string[] {
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const d = path.join(dir, `d${String(i).padStart(4, '0')}`);
    fs.mkdirSync(d);
    const f = path.join(d, 'Dockerfile');
    fs.writeFileSync(f, content);
    files.push(f);
  }
  return files;
}

function tempFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (/\.dockerfix-.*\.tmp$/.test(e.name)) out.push(path.join(d, e.name));
    }
  };
  walk(dir);
  return out;
}

const noStackTrace = (s: string): void => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);

beforeAll(() => {
  if (!fs.existsSync(BIN)) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
});

describe('robustness', () => {
  it('symlink loops: directory loops are not followed, looping file links are reported, the rest is checked', () => {
    const dir = tmpdir();
    fs.mkdirSync(path.join(dir, 'app'));
    fs.writeFileSync(path.join(dir, 'app', 'Dockerfile'), BEFORE);
    fs.symlinkSync('..', path.join(dir, 'app', 'up')); // app/up -> . (a directory loop)
    fs.symlinkSync(dir, path.join(dir, 'self'));
    fs.symlinkSync('Dockerfile.b', path.join(dir, 'Dockerfile.a')); // a <-> b
    fs.symlinkSync('Dockerfile.a', path.join(dir, 'Dockerfile.b'));
    const r = run(['--check', '.'], { cwd: dir, timeout: 20_000 });
    expect(r.signal).toBeNull();
    expect(r.stdout).toBe('app/Dockerfile\n');
    noStackTrace(r.stderr);
    // The looping file links are either not listed (not regular files) or reported as errors.
    if (r.code === 2) expect(r.stderr).toMatch(/Dockerfile\.[ab]: too many levels of symbolic links/);
    else expect(r.code).toBe(1);

    // Named directly, a looping link is an input error with a clear message.
    const direct = run(['--check', 'Dockerfile.a'], { cwd: dir });
    expect(direct.code).toBe(2);
    expect(direct.stderr).toMatch(/^Dockerfile\.a: (too many levels of symbolic links|no such file or directory)\n/);
  });

  it('unreadable directories are reported, the others still checked (exit 2)', (ctx) => {
    const dir = tmpdir();
    fs.chmodSync(dir, 0o755);
    fs.mkdirSync(path.join(dir, 'ok'));
    fs.mkdirSync(path.join(dir, 'secret'));
    fs.writeFileSync(path.join(dir, 'ok', 'Dockerfile'), BEFORE);
    fs.writeFileSync(path.join(dir, 'secret', 'Dockerfile'), BEFORE);
    fs.chmodSync(path.join(dir, 'secret'), 0o000);
    let prefix: string[] = [];
    if (process.getuid?.() === 0) {
      // root reads every directory: run the CLI as `nobody` instead, when possible.
      const nobody = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, '--version'], { encoding: 'utf8' });
      if (nobody.status !== 0) {
        console.log(`robustness: running as root and cannot switch to nobody (setpriv: ${nobody.stderr.trim() || nobody.error}); unreadable-directory test skipped`);
        ctx.skip();
      }
      prefix = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
    }
    const r = run(['--check', '.'], { cwd: dir, prefix });
    expect(r.stdout).toBe('ok/Dockerfile\n');
    expect(r.stderr).toBe('secret: permission denied (cannot read directory); its files were not checked\n');
    expect(r.code).toBe(2);
  });

  it('files that vanish during a run are reported, the others processed', async () => {
    const dir = tmpdir();
    const files = tree(dir, 1000);
    const child = spawn(process.execPath, [BIN, '--check', '.'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    const done = collect(child);
    // Delete from the end while it runs: some files are gone before they are read.
    const deleted = new Set<string>();
    for (let i = files.length - 1; i >= 0; i -= 2) {
      fs.rmSync(files[i]);
      deleted.add(path.relative(dir, files[i]));
      if (i % 50 === 1) await new Promise((r) => setImmediate(r));
    }
    const r = await done;
    noStackTrace(r.stderr);
    const listed = r.stdout.split('\n').filter(Boolean);
    const errors = r.stderr.split('\n').filter(Boolean);
    // Every file that was never deleted is listed as would-change.
    for (const f of files) {
      const rel = path.relative(dir, f);
      if (!deleted.has(rel)) expect(listed).toContain(rel);
    }
    // Every error is a vanished file, said plainly.
    for (const e of errors) expect(e).toMatch(/^d\d{4}\/Dockerfile: no such file or directory$/);
    expect(r.code).toBe(errors.length > 0 ? 2 : 1);
  });

  it('a read-only file with --write: clear error, the others written, exit 2', () => {
    const dir = tmpdir();
    const [a, b, c] = tree(dir, 3);
    fs.chmodSync(b, 0o444);
    const r = run(['--write', '.'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('d0001/Dockerfile: file is read-only; not written\n');
    expect(fs.readFileSync(a, 'utf8')).toBe(AFTER);
    expect(fs.readFileSync(b, 'utf8')).toBe(BEFORE);
    expect(fs.readFileSync(c, 'utf8')).toBe(AFTER);
    expect(fs.statSync(b).mode & 0o777).toBe(0o444);
    expect(tempFiles(dir)).toEqual([]);
  });

  it('two processes writing the same files: every file ends complete (atomic rename), no temp files left', async () => {
    const dir = tmpdir();
    const files = tree(dir, 200);
    const [r1, r2] = await Promise.all(
      [0, 1].map(() => collect(spawn(process.execPath, [BIN, '--write', '-q', '.'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } }))),
    );
    noStackTrace(r1.stderr + r2.stderr);
    expect([r1.code, r2.code]).toEqual([0, 0]);
    for (const f of files) expect(fs.readFileSync(f, 'utf8')).toBe(AFTER);
    expect(tempFiles(dir)).toEqual([]);
    // Readers during the writes never see a torn file: concurrent writers again, with a reader.
    for (const f of files) fs.writeFileSync(f, BEFORE);
    const writers = [0, 1].map(() => collect(spawn(process.execPath, [BIN, '--write', '-q', '.'], { cwd: dir })));
    let reads = 0;
    let running = true;
    void Promise.all(writers).then(() => (running = false));
    while (running) {
      for (const f of files.slice(0, 50)) {
        const t = fs.readFileSync(f, 'utf8');
        expect([BEFORE, AFTER]).toContain(t);
        reads++;
      }
      await new Promise((r) => setImmediate(r));
    }
    expect(reads).toBeGreaterThan(0);
  });

  it('SIGINT in the middle of --write: stops, no half-written file, no temp file, exit 130', async () => {
    const dir = tmpdir();
    const files = tree(dir, 2000);
    const child = spawn(process.execPath, [BIN, '--write', '.'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    const done = collect(child);
    // Wait until some files are written, then interrupt.
    const deadline = Date.now() + 30_000;
    let seen = false;
    while (!seen && Date.now() < deadline) {
      seen = files.slice(0, 20).some((f) => fs.readFileSync(f, 'utf8') === AFTER);
      if (!seen) await new Promise((r) => setTimeout(r, 5));
    }
    expect(seen).toBe(true);
    child.kill('SIGINT');
    const r = await done;
    const contents = files.map((f) => fs.readFileSync(f, 'utf8'));
    for (const t of contents) expect([BEFORE, AFTER]).toContain(t);
    expect(tempFiles(dir)).toEqual([]);
    const written = contents.filter((t) => t === AFTER).length;
    if (written === files.length) {
      // The run finished before the signal arrived: nothing to interrupt.
      expect(r.code).toBe(0);
    } else {
      expect(r.code).toBe(130);
      expect(r.stderr).toMatch(new RegExp(`^dockerfix: interrupted after \\d+ of 2000 files \\(${written} written; no file is left half-written\\)\\n$`));
    }
  });

  it('plain files are left byte-identical by --write', () => {
    const dir = tmpdir();
    const [f] = tree(dir, 1, PLAIN);
    const before = fs.statSync(f);
    const r = run(['--write', '.'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(fs.readFileSync(f, 'utf8')).toBe(PLAIN);
    expect(fs.statSync(f).ino).toBe(before.ino); // not even rewritten
  });
});
