/**
 * Issue #13, the file-system half: dockerfix run on an untrusted pull request never loses data,
 * hangs, leaks a file from outside the repository, or lets the repository pick a frontend image.
 * The built binary runs as a process on temporary trees (root is needed for the ownership and
 * tmpfs cases: they say so and skip otherwise).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../src/pipeline/fsio.js';
import { DirectoryContext, MAX_CONTEXT_FILE_BYTES } from '../src/core/context.js';
import { ConfigResolver, isAllowedSyntax } from '../src/pipeline/config.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'dist/bin/dockerfix.js');

const BEFORE = 'FROM python:3.12-slim\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\n';
const AFTER =
  '# syntax=docker/dockerfile:1\nFROM python:3.12-slim\nCOPY requirements.txt .\nRUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt\n';
const SECRET = 'top-secret-token-7f3a9c==1.0';

const isRoot = process.getuid?.() === 0;
const dirs: string[] = [];
const mounts: string[] = [];
function tmpdir(): string {
  const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-hostile-')));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const m of mounts.splice(0)) spawnSync('umount', [m]);
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

function run(args: string[], cwd: string, opts: { timeout?: number; input?: string; prefix?: string[] } = {}): Run {
  const argv = [...(opts.prefix ?? []), process.execPath, BIN, ...args];
  const r = spawnSync(argv[0], argv.slice(1), { cwd, encoding: 'utf8', input: opts.input, timeout: opts.timeout ?? 60_000, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** A repository: `.git`, a Dockerfile that dockerfix rewrites, and its requirements file. */
function repo(dir = tmpdir()): string {
  fs.mkdirSync(path.join(dir, '.git'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'Dockerfile'), BEFORE);
  fs.writeFileSync(path.join(dir, 'requirements.txt'), 'flask==3.0.0\n');
  return dir;
}

const scratch = (dir: string): string[] => fs.readdirSync(dir).filter((n) => /\.dockerfix-.*\.(tmp|bak)$/.test(n));

function has(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.status === 0;
}

function setXattr(file: string, name: string, value: string): boolean {
  return spawnSync('python3', ['-c', 'import os,sys; os.setxattr(sys.argv[1], sys.argv[2], sys.argv[3].encode())', file, name, value]).status === 0;
}
function getXattr(file: string, name: string): string | undefined {
  const r = spawnSync('python3', ['-c', 'import os,sys; sys.stdout.write(os.getxattr(sys.argv[1], sys.argv[2]).decode())', file, name], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : undefined;
}

/** A tiny tmpfs at `dir` (root only). Returns why not, or undefined when mounted. */
function mountTiny(dir: string, size = '64k'): string | undefined {
  if (!isRoot) return 'not running as root';
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) return `mount -t tmpfs failed: ${(r.stderr || String(r.error)).trim()}`;
  mounts.push(dir);
  return undefined;
}

/** A Dockerfile of about `n` bytes that dockerfix rewrites (comments pad it). */
function bigDockerfile(n: number): string {
  let pad = '';
  for (let i = 0; pad.length < n; i++) pad += `# padding line ${i} ${'.'.repeat(40)}\n`;
  return `FROM python:3.12-slim\n${pad}COPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\n`;
}

beforeAll(() => {
  if (!fs.existsSync(BIN)) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
});

describe('writing: never lose data', () => {
  it('a full disk: the original stays intact, no temp file is left, exit 2 with the error', (ctx) => {
    const dir = tmpdir();
    const disk = path.join(dir, 'disk');
    fs.mkdirSync(disk);
    const why = mountTiny(disk);
    if (why) {
      console.log(`hostile-fs: full-disk test skipped: ${why}`);
      ctx.skip();
    }
    const content = bigDockerfile(28_000);
    fs.writeFileSync(path.join(disk, 'Dockerfile'), content);
    fs.writeFileSync(path.join(disk, 'requirements.txt'), 'flask\n');
    // Fill the rest but ~8 KiB: the new file (28 KB) cannot be written whole.
    fs.writeFileSync(path.join(disk, 'filler'), Buffer.alloc(20 * 1024, 1));
    const r = run(['--write', 'Dockerfile'], disk);
    expect(r.stderr).toContain('Dockerfile: no space left on device');
    expect(r.stdout).not.toMatch(/^wrote /m);
    expect(r.code).toBe(2);
    expect(fs.readFileSync(path.join(disk, 'Dockerfile'), 'utf8')).toBe(content);
    expect(scratch(disk)).toEqual([]);
  });

  it('a full disk with a hard-linked file (rewritten in place): the original stays intact', (ctx) => {
    const dir = tmpdir();
    const disk = path.join(dir, 'disk');
    fs.mkdirSync(disk);
    const why = mountTiny(disk);
    if (why) {
      console.log(`hostile-fs: full-disk in-place test skipped: ${why}`);
      ctx.skip();
    }
    // The file grows by the syntax line and loses --no-cache-dir: make it grow by far more than
    // the free space by making the added part large (many RUN lines each get a cache mount).
    const runs = Array.from({ length: 400 }, () => 'RUN pip install --no-cache-dir -r requirements.txt\n').join('');
    const content = `FROM python:3.12-slim\nCOPY requirements.txt .\n${runs}`;
    fs.writeFileSync(path.join(disk, 'Dockerfile'), content);
    fs.linkSync(path.join(disk, 'Dockerfile'), path.join(disk, 'Dockerfile.link'));
    fs.writeFileSync(path.join(disk, 'requirements.txt'), 'flask\n');
    const used = Math.ceil(content.length / 4096) * 4096 * 2 + 4096; // file + its backup copy + requirements
    fs.writeFileSync(path.join(disk, 'filler'), Buffer.alloc(64 * 1024 - used - 4096, 1));
    const r = run(['--write', 'Dockerfile'], disk);
    expect(r.code).toBe(2);
    // The backup copy fits; growing the file does not: it fails before any old byte is touched.
    expect(r.stderr).toMatch(/^Dockerfile: no space left on device$/m);
    expect(fs.readFileSync(path.join(disk, 'Dockerfile'), 'utf8')).toBe(content);
    expect(fs.statSync(path.join(disk, 'Dockerfile')).nlink).toBe(2);
    expect(scratch(disk)).toEqual([]);
  });

  it('a file changed by someone else after it was read is not overwritten (lost update)', () => {
    const dir = tmpdir();
    const file = path.join(dir, 'Dockerfile');
    fs.writeFileSync(file, 'FROM alpine:3.19\nRUN echo theirs\n');
    expect(() => writeFileAtomic(file, AFTER, { expected: BEFORE })).toThrow(/changed on disk since dockerfix read it; not written/);
    expect(fs.readFileSync(file, 'utf8')).toBe('FROM alpine:3.19\nRUN echo theirs\n');
    expect(scratch(dir)).toEqual([]);
    // The same with a hard link (the in-place path).
    fs.linkSync(file, path.join(dir, 'other'));
    expect(() => writeFileAtomic(file, AFTER, { expected: BEFORE })).toThrow(/changed on disk/);
    expect(fs.readFileSync(file, 'utf8')).toBe('FROM alpine:3.19\nRUN echo theirs\n');
    // Already holding the new content (another run wrote the same result): nothing is lost, no error.
    fs.writeFileSync(file, AFTER);
    expect(() => writeFileAtomic(file, AFTER, { expected: BEFORE })).not.toThrow();
    expect(fs.readFileSync(file, 'utf8')).toBe(AFTER);
    // Unchanged: written.
    fs.writeFileSync(file, BEFORE);
    expect(writeFileAtomic(file, AFTER, { expected: BEFORE }).how).toBe('in-place');
    expect(fs.readFileSync(path.join(dir, 'other'), 'utf8')).toBe(AFTER);
  });

  it('as root, on another user\'s 0640 file with an xattr and a second hard link: owner, group, mode, xattr and link kept', (ctx) => {
    if (!isRoot) {
      console.log('hostile-fs: ownership test skipped: not running as root');
      ctx.skip();
    }
    const dir = repo();
    const file = path.join(dir, 'Dockerfile');
    fs.chownSync(file, 1234, 2345);
    fs.chmodSync(file, 0o640);
    if (!setXattr(file, 'user.origin', 'kept')) {
      console.log('hostile-fs: ownership test skipped: cannot set an extended attribute (python3 os.setxattr)');
      ctx.skip();
    }
    fs.linkSync(file, path.join(dir, 'Dockerfile.hardlink'));
    const ino = fs.statSync(file).ino;
    const r = run(['-q', '--write', 'Dockerfile'], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const f of [file, path.join(dir, 'Dockerfile.hardlink')]) {
      const st = fs.statSync(f);
      expect([st.uid, st.gid, st.mode & 0o7777, st.nlink, st.ino]).toEqual([1234, 2345, 0o640, 2, ino]);
      expect(fs.readFileSync(f, 'utf8')).toBe(AFTER);
    }
    expect(getXattr(file, 'user.origin')).toBe('kept');
    expect(scratch(dir)).toEqual([]);
  });

  it('as root, on another user\'s single-link file with an xattr: replaced atomically with owner, group, mode and xattr kept', (ctx) => {
    if (!isRoot) {
      console.log('hostile-fs: ownership test skipped: not running as root');
      ctx.skip();
    }
    const dir = repo();
    const file = path.join(dir, 'Dockerfile');
    fs.chownSync(file, 1234, 2345);
    fs.chmodSync(file, 0o640);
    if (!setXattr(file, 'user.origin', 'kept')) {
      console.log('hostile-fs: xattr test skipped: cannot set an extended attribute (python3 os.setxattr)');
      ctx.skip();
    }
    const r = run(['-q', '--write', 'Dockerfile'], dir);
    expect(r.code).toBe(0);
    const st = fs.statSync(file);
    expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([1234, 2345, 0o640]);
    expect(getXattr(file, 'user.origin')).toBe('kept');
    expect(fs.readFileSync(file, 'utf8')).toBe(AFTER);
  });

  it('a symlinked Dockerfile is written through: the link stays, its target gets the new content', () => {
    const dir = repo();
    fs.mkdirSync(path.join(dir, 'docker'));
    fs.renameSync(path.join(dir, 'Dockerfile'), path.join(dir, 'docker', 'Dockerfile.real'));
    fs.symlinkSync('docker/Dockerfile.real', path.join(dir, 'Dockerfile'));
    const r = run(['-q', '--write', '--context', '.', 'Dockerfile'], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(fs.lstatSync(path.join(dir, 'Dockerfile')).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(path.join(dir, 'Dockerfile'))).toBe('docker/Dockerfile.real');
    expect(fs.readFileSync(path.join(dir, 'docker', 'Dockerfile.real'), 'utf8')).toBe(AFTER);
  });

  it('a stale temp file with the name a run in a new PID namespace would pick is never deleted', (ctx) => {
    if (!isRoot || !has('unshare', ['--pid', '--fork', 'true'])) {
      console.log('hostile-fs: PID-namespace test skipped: unshare --pid is not permitted here');
      ctx.skip();
    }
    const dir = repo();
    // In a new PID namespace the process is PID 1 (or 2): names an older dockerfix would use.
    const foreign = ['1', '2', '3'].flatMap((pid) => ['1', '2'].map((n) => `.Dockerfile.dockerfix-${pid}-${n}.tmp`));
    for (const f of foreign) fs.writeFileSync(path.join(dir, f), 'not dockerfix\'s\n');
    const r = run(['-q', '--write', 'Dockerfile'], dir, { prefix: ['unshare', '--pid', '--fork'] });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).toBe(AFTER);
    for (const f of foreign) expect(fs.readFileSync(path.join(dir, f), 'utf8')).toBe('not dockerfix\'s\n');
  });
});

describe('reading only what Docker would read', () => {
  it('a context symlink out of the build context is absent, with a note; its content is never shown', () => {
    const dir = repo();
    const outside = tmpdir();
    fs.writeFileSync(path.join(outside, 'secret-req.txt'), `${SECRET}\n--index-url https://user:${SECRET}@example.invalid/simple\n`);
    fs.chmodSync(path.join(outside, 'secret-req.txt'), 0o600);
    fs.rmSync(path.join(dir, 'requirements.txt'));
    fs.symlinkSync(path.join(outside, 'secret-req.txt'), path.join(dir, 'requirements.txt'));
    const ctx = new DirectoryContext(dir, path.join(dir, 'Dockerfile'));
    expect(ctx.read('requirements.txt')).toBeUndefined();
    expect(ctx.exists('requirements.txt')).toBe(false);
    expect(ctx.notes().join('\n')).toMatch(/requirements\.txt is a symbolic link that leads out of the build context; treated as absent/);
    for (const format of ['diff', 'github', 'json', 'sarif']) {
      const r = run(['--format', format, 'Dockerfile'], dir);
      expect(r.stdout + r.stderr).not.toContain(SECRET);
      expect(r.stdout + r.stderr).not.toContain('secret-req.txt');
      expect(r.stdout + r.stderr).toContain('leads out of the build context');
    }
    // A link inside the context is followed as Docker does.
    fs.writeFileSync(path.join(dir, 'req-real.txt'), 'flask\n');
    fs.rmSync(path.join(dir, 'requirements.txt'));
    fs.symlinkSync('req-real.txt', path.join(dir, 'requirements.txt'));
    expect(new DirectoryContext(dir).read('requirements.txt')).toBe('flask\n');
  });

  it('a directory symlink out of the context hides everything below it', () => {
    const dir = repo();
    const outside = tmpdir();
    fs.writeFileSync(path.join(outside, 'package.json'), `{"name":"${SECRET}"}`);
    fs.symlinkSync(outside, path.join(dir, 'web'));
    const ctx = new DirectoryContext(dir);
    expect(ctx.read('web/package.json')).toBeUndefined();
    expect(ctx.exists('web')).toBe(false);
  });

  it('an explicitly named Dockerfile that links outside the repository is refused, not parsed', () => {
    const dir = repo();
    fs.symlinkSync('/etc/passwd', path.join(dir, 'Dockerfile.evil'));
    const r = run(['--format', 'github', 'Dockerfile.evil'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Dockerfile.evil: is a symbolic link to /etc/passwd, outside the repository');
    expect(r.stdout + r.stderr).not.toMatch(/root:/);
    // Inside the repository it is fine.
    fs.symlinkSync('Dockerfile', path.join(dir, 'Dockerfile.alias'));
    expect(run(['--check', 'Dockerfile.alias'], dir).code).toBe(1);
  });

  it('FIFOs named requirements.txt, .dockerignore and Dockerfile.dockerignore do not hang the run', (ctx) => {
    if (!has('mkfifo', ['--version'])) {
      console.log('hostile-fs: FIFO test skipped: mkfifo not available');
      ctx.skip();
    }
    const dir = repo();
    fs.rmSync(path.join(dir, 'requirements.txt'));
    for (const f of ['requirements.txt', '.dockerignore', 'Dockerfile.dockerignore', 'package.json']) spawnSync('mkfifo', [path.join(dir, f)]);
    const started = Date.now();
    const r = run(['Dockerfile'], dir, { timeout: 30_000 });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(r.stdout).toContain('requirements.txt is not a regular file (a FIFO); not read');
    expect(r.stdout).toContain('.dockerignore is not a regular file (a FIFO)');
  });

  it('a FIFO config file does not hang the run; a FIFO named as the Dockerfile is refused', (ctx) => {
    if (!has('mkfifo', ['--version'])) {
      console.log('hostile-fs: FIFO test skipped: mkfifo not available');
      ctx.skip();
    }
    const dir = repo();
    spawnSync('mkfifo', [path.join(dir, 'dockerfix.config.json')]);
    spawnSync('mkfifo', [path.join(dir, 'Dockerfile.fifo')]);
    const r = run(['Dockerfile'], dir, { timeout: 30_000 });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('dockerfix: dockerfix.config.json: cannot read: not a regular file\n');
    fs.rmSync(path.join(dir, 'dockerfix.config.json'));
    const f = run(['Dockerfile.fifo'], dir, { timeout: 30_000 });
    expect(f.signal).toBeNull();
    expect(f.code).toBe(2);
    expect(f.stderr).toContain('Dockerfile.fifo: not a regular file');
  });

  it('a run whose context holds FIFOs ends (on its own, or on SIGTERM: never deaf to signals)', async (ctx) => {
    if (!has('mkfifo', ['--version'])) {
      console.log('hostile-fs: FIFO test skipped: mkfifo not available');
      ctx.skip();
    }
    const dir = repo();
    for (let i = 0; i < 30; i++) {
      const d = path.join(dir, `s${i}`);
      fs.mkdirSync(d);
      fs.writeFileSync(path.join(d, 'Dockerfile'), BEFORE);
      for (const f of ['requirements.txt', '.dockerignore', 'Dockerfile.dockerignore']) spawnSync('mkfifo', [path.join(d, f)]);
    }
    const child = spawn(process.execPath, [BIN, '.'], { cwd: dir, stdio: 'ignore' });
    const exited = new Promise<string>((resolve) => child.on('exit', (c, sig) => resolve(`${c ?? sig}`)));
    // Long enough to be past start-up (signal handlers installed) and into the context reads.
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGTERM');
    // It has finished on its own, or it ends on SIGTERM: never blocked on a FIFO, deaf to signals.
    const code = await Promise.race([exited, new Promise<number>((r) => setTimeout(() => r(-1), 15_000))]);
    if (code === -1) child.kill('SIGKILL');
    expect(code).not.toBe(-1);
  });

  it('a context symlink to /dev/zero and an oversized manifest are skipped with a note (no memory blow-up)', () => {
    const dir = repo();
    fs.symlinkSync('/dev/zero', path.join(dir, 'package.json'));
    fs.writeFileSync(path.join(dir, 'Dockerfile'), `${BEFORE}COPY package.json .\nRUN npm ci\n`);
    fs.rmSync(path.join(dir, 'requirements.txt'));
    fs.writeFileSync(path.join(dir, 'requirements.txt'), 'x'.repeat(MAX_CONTEXT_FILE_BYTES + 10));
    const started = Date.now();
    const r = run(['Dockerfile'], dir, { timeout: 30_000 });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(r.stdout).toContain('package.json is a symbolic link that leads out of the build context');
    const api = new DirectoryContext(dir);
    expect(api.read('package.json')).toBeUndefined();
    expect(api.read('requirements.txt')).toBeUndefined();
    expect(api.notes()).toContain(`requirements.txt is ${MAX_CONTEXT_FILE_BYTES + 10} bytes, more than the ${MAX_CONTEXT_FILE_BYTES} dockerfix reads from a context file; not read`);
    // A device node inside the context (root can make one) is not read either.
    if (isRoot && spawnSync('mknod', [path.join(dir, 'zero'), 'c', '1', '5']).status === 0) {
      const ctx = new DirectoryContext(dir);
      expect(ctx.read('zero')).toBeUndefined();
      expect(ctx.notes().join('\n')).toContain('zero is not a regular file (a device)');
    }
  });

  it('standard input is capped: /dev/zero on stdin ends with a clear error, exit 2 (dockerfix and dockerfix fmt)', async () => {
    const dir = tmpdir();
    for (const [args, want] of [
      [['--stdin'], 'dockerfix: standard input: larger than 67108864 bytes, more than a Dockerfile may have; not read\n'],
      [['fmt', '--stdin'], 'standard input: larger than 67108864 bytes, more than a Dockerfile may have; not read\n'],
    ] as const) {
      const zero = fs.openSync('/dev/zero', 'r');
      const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: [zero, 'pipe', 'pipe'] });
      fs.closeSync(zero);
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const code = await new Promise<number | null>((resolve) => {
        const t = setTimeout(() => {
          child.kill('SIGKILL');
          resolve(-1);
        }, 30_000);
        child.on('close', (c) => {
          clearTimeout(t);
          resolve(c);
        });
      });
      expect(code).toBe(2);
      expect(stderr).toBe(want);
    }
  });

  it('Dockerfiles under a non-UTF-8 directory name or deeper than PATH_MAX are reported, not skipped silently', () => {
    const dir = repo();
    const bad = Buffer.concat([Buffer.from(dir + '/'), Buffer.from([0x73, 0xff, 0x74])]);
    fs.mkdirSync(bad);
    fs.writeFileSync(Buffer.concat([bad, Buffer.from('/Dockerfile')]), BEFORE);
    const r = run(['--check', '.'], dir);
    expect(r.stderr).toContain('directory name is not valid UTF-8; its files were not checked');
    expect(r.code).toBe(2);
    fs.rmSync(bad, { recursive: true });

    // 24 levels of 200-character names: more than PATH_MAX (4096) below `deep`.
    const seg = 'd'.repeat(200);
    const made = spawnSync('bash', ['-c', `cd "$1" && mkdir deep && cd deep && for i in $(seq 24); do mkdir ${seg} && cd ${seg} || exit 1; done; printf 'FROM alpine\\n' > Dockerfile`, 'x', dir]);
    expect(made.status).toBe(0);
    const d = run(['--check', 'deep'], dir);
    expect(d.stderr).toMatch(/path longer than the system allows \(PATH_MAX\); its files were not checked|name too long/);
    expect(d.code).toBe(2);
    spawnSync('bash', ['-c', `cd "$1/deep" && for i in $(seq 24); do cd ${seg}; done; rm Dockerfile; for i in $(seq 24); do cd ..; rmdir ${seg}; done`, 'x', dir]);
  });
});

describe('configuration from the repository', () => {
  it('a config file above the git root does not apply', () => {
    const outer = tmpdir();
    fs.writeFileSync(path.join(outer, 'dockerfix.config.json'), JSON.stringify({ transforms: { 'pip-cache-mount': false } }));
    const dir = repo(path.join(outer, 'repo'));
    expect(new ConfigResolver(['pip-cache-mount']).settingsFor(path.join(dir, 'Dockerfile')).source).toBeUndefined();
    const r = run(['Dockerfile'], dir);
    expect(r.stdout).toContain('+RUN --mount=type=cache,target=/root/.cache/pip');
    // Inside the repository it does.
    fs.renameSync(path.join(outer, 'dockerfix.config.json'), path.join(dir, 'dockerfix.config.json'));
    expect(run(['Dockerfile'], dir).stdout).not.toContain('+RUN --mount=type=cache,target=/root/.cache/pip');
  });

  it('syntax from a config file must be Docker\'s Dockerfile frontend or none', () => {
    for (const ok of ['docker/dockerfile:1', 'docker/dockerfile:1.7-labs', 'docker.io/docker/dockerfile:1', `docker.io/docker/dockerfile@sha256:${'a'.repeat(64)}`, 'docker/dockerfile-upstream:master', 'none']) {
      expect(isAllowedSyntax(ok), ok).toBe(true);
    }
    for (const bad of ['evil.example/frontend:latest', 'docker/dockerfile/../x', 'attacker/dockerfile:1', 'docker/dockerfile:1 --x', 'docker.io/docker/dockerfile@sha256:abc', 'ghcr.io/docker/dockerfile:1']) {
      expect(isAllowedSyntax(bad), bad).toBe(false);
    }
    const dir = repo();
    fs.writeFileSync(path.join(dir, '.dockerfixrc.json'), JSON.stringify({ syntax: 'evil.example/frontend:latest' }));
    const r = run(['Dockerfile'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^dockerfix: \.dockerfixrc\.json: syntax: "evil\.example\/frontend:latest" is not a Dockerfile frontend dockerfix accepts from a config file/);
    // The operator may still pick any frontend on the command line.
    fs.rmSync(path.join(dir, '.dockerfixrc.json'));
    expect(run(['--syntax', 'registry.corp/docker/dockerfile:1', 'Dockerfile'], dir).stdout).toContain('+# syntax=registry.corp/docker/dockerfile:1');
  });

  it('invalid JSON in a config file is reported without quoting the file', () => {
    const dir = repo();
    fs.writeFileSync(path.join(dir, 'dockerfix.config.json'), `${SECRET} not json`);
    const r = run(['Dockerfile'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/dockerfix\.config\.json: invalid JSON: /);
    expect(r.stderr).not.toContain(SECRET.slice(0, 10));
  });
});
