/**
 * Issue #15 "CLI habits" and "Words in the output": what prettier / eslint / ruff users expect
 * of a formatter CLI, and messages that are true in the mode they are printed in. Each case
 * failed before its change.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, runCli, tempDir } from './helpers/cli.js';
import { isSyntaxReference } from '../src/cli/main.js';
import { colorsWanted } from '../src/cli/color.js';

const PIP = 'FROM python:3.12-slim\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\n';

describe('CLI habits', () => {
  it('--stdin-filepath without "-" reads standard input (dockerfix and dockerfix fmt), not the directory', () => {
    const dir = tempDir({ 'other/Dockerfile': 'FROM alpine\nRUN pip install flask\n', 'requirements.txt': 'flask\n' });
    const r = runCli(['--syntax', 'none', '--stdin-filepath', 'Dockerfile'], dir, { input: PIP });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('FROM python:3.12-slim\nCOPY requirements.txt .\nRUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt\n');
    const f = runCli(['fmt', '--stdin-filepath', 'Dockerfile'], dir, { input: 'from a\n' });
    expect([f.stdout, f.code]).toEqual(['FROM a\n', 0]);
  });

  it('--syntax takes an image reference or "none"; a path or other text is a usage error', () => {
    const dir = tempDir({ Dockerfile: PIP, 'requirements.txt': 'flask\n' });
    for (const bad of ['.', './frontend', 'docker/dockerfile:1 x', 'UPPER/case', '']) {
      const r = runCli(['--syntax', bad, 'Dockerfile'], dir);
      expect([bad, r.code, r.stderr]).toEqual([bad, 2, `dockerfix: --syntax ${JSON.stringify(bad)}: expected an image reference (e.g. docker/dockerfile:1) or "none"\n`]);
    }
    for (const good of ['none', 'docker/dockerfile:1', 'docker.io/docker/dockerfile:1.7-labs', 'registry.example.com:5000/team/frontend@sha256:' + 'a'.repeat(64), 'example/frontend']) {
      expect(isSyntaxReference(good), good).toBe(true);
    }
    expect(runCli(['--syntax', 'docker/dockerfile:1.7', 'Dockerfile'], dir).stdout).toContain('+# syntax=docker/dockerfile:1.7\n');
  });

  it('unknown transform ids get a did-you-mean', () => {
    const dir = tempDir({ Dockerfile: PIP });
    const r = runCli(['--only', 'pip-cache-mnt,nope', 'Dockerfile'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('dockerfix: unknown transform ids: pip-cache-mnt, nope (see --list-transforms); did you mean "pip-cache-mount" for "pip-cache-mnt"?\n');
    expect(runCli(['--skip', 'hoist-stabel', 'Dockerfile'], dir).stderr).toContain('did you mean "hoist-stable" for "hoist-stabel"?');
  });

  it('FORCE_COLOR=0 means no colour; FORCE_COLOR=1 and --color mean colour; NO_COLOR wins', () => {
    const dir = tempDir({ Dockerfile: PIP, 'requirements.txt': 'flask\n' });
    const esc = /\u001b\[/;
    expect(runCli(['Dockerfile'], dir, { env: { NO_COLOR: '', FORCE_COLOR: '0' } }).stdout).not.toMatch(esc);
    expect(runCli(['Dockerfile'], dir, { env: { NO_COLOR: '', FORCE_COLOR: '1' } }).stdout).toMatch(esc);
    expect(runCli(['fmt', 'Dockerfile'], dir, { env: { NO_COLOR: '', FORCE_COLOR: '0' } }).stdout).not.toMatch(esc);
    const tty = { stdout: { isTTY: true } };
    expect(colorsWanted(undefined, { ...tty, env: { FORCE_COLOR: '0' } })).toBe(false);
    expect(colorsWanted(undefined, { ...tty, env: { FORCE_COLOR: 'false' } })).toBe(false);
    expect(colorsWanted(undefined, { ...tty, env: {} })).toBe(true);
    expect(colorsWanted(true, { stdout: {}, env: {} })).toBe(true);
    expect(colorsWanted(true, { stdout: {}, env: { NO_COLOR: '1' } })).toBe(false);
    expect(colorsWanted(false, { ...tty, env: { FORCE_COLOR: '1' } })).toBe(false);
  });

  it('a failed write to standard output (> /dev/full) exits 2 with one line, no stack', (ctx) => {
    if (!fs.existsSync('/dev/full')) {
      console.log('cli-habits: /dev/full test skipped: this system has no /dev/full');
      ctx.skip();
    }
    const dir = tempDir({ Dockerfile: PIP, 'requirements.txt': 'flask\n' });
    for (const args of [['.'], ['fmt', '.'], ['--format', 'sarif', '.'], ['--list-transforms']]) {
      const r = spawnSync('bash', ['-c', `node ${JSON.stringify(BIN)} ${args.join(' ')} > /dev/full`], { cwd: dir, encoding: 'utf8' });
      expect([args.join(' '), r.status, r.stderr]).toEqual([args.join(' '), 2, 'dockerfix: cannot write the output: no space left on device\n']);
    }
  });

  it('dockerfix explain accepts --no-color', () => {
    const dir = tempDir({ Dockerfile: PIP, 'requirements.txt': 'flask\n' });
    const r = runCli(['explain', '--no-color', 'Dockerfile'], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});

describe('words in the output', () => {
  it('a dry run says what the rewrite does, in words true before and after --write', () => {
    const dir = tempDir({ Dockerfile: PIP, 'requirements.txt': 'flask\n' });
    const dry = runCli(['Dockerfile'], dir).stdout;
    expect(dry).toContain('[pip-cache-mount] adds a cache mount at /root/.cache/pip');
    expect(dry).toContain('removes --no-cache-dir');
    expect(dry).toContain('[syntax-directive] adds "# syntax=docker/dockerfile:1"');
    expect(dry).not.toMatch(/\] (added|moved|removed) /);
    const wrote = runCli(['--write', 'Dockerfile'], dir).stdout;
    expect(wrote).toContain('  pip-cache-mount: adds a cache mount');
  });

  it('the docker-clean explanation is given once per file; later apt steps point to it', () => {
    const apt = 'FROM debian:12\nRUN apt-get update && apt-get install -y curl\nRUN apt-get update && apt-get install -y git\nRUN apt-get update && apt-get install -y make\n';
    const dir = tempDir({ Dockerfile: apt });
    const out = runCli(['--only', 'apt-cache-mount', 'Dockerfile'], dir).stdout;
    expect(out.match(/so apt keeps the downloaded packages in the mount while the image keeps the file/g)).toHaveLength(1);
    expect(out.match(/\(why: see the apt-cache-mount change at line 2\)/g)).toHaveLength(2);
  });

  it('the summary counts the unsafe fixes it did not apply', () => {
    // A base image not known to run as root: the pip cache mount is offered as unsafe.
    const dir = tempDir({ Dockerfile: 'FROM example/custom-python\nRUN pip install flask\n' });
    const r = runCli(['--syntax', 'none', 'Dockerfile'], dir);
    expect(r.stdout).toMatch(/\(unsafe fix: run with --unsafe to apply\)/);
    expect(r.stdout).toMatch(/^dockerfix: 1 file scanned, 0 would change, 0 skipped findings, 1 unsafe fix not applied \(--unsafe applies it\), 0 errors$/m);
    const u = runCli(['--syntax', 'none', '--unsafe', 'Dockerfile'], dir);
    expect(u.stdout).toMatch(/^dockerfix: 1 file scanned, 1 would change, 0 skipped findings, 0 errors$/m);
  });

  it('hoist-stable names the variable the step reads, and says unmodelled arguments as what they are', () => {
    const dir = tempDir({
      'a/Dockerfile': 'FROM debian:12\nCOPY app.conf /etc/app.conf\nENV TZ=UTC DEBIAN_FRONTEND=noninteractive\nRUN apt-get update && apt-get install -y curl\n',
      'b/Dockerfile': 'FROM debian:12\nCOPY app.conf /etc/app.conf\nENV TZ=UTC\nRUN groupadd app\n',
      'c/Dockerfile': 'FROM alpine:3.20\nARG DEPS\nCOPY app.conf /etc/app.conf\nRUN apk add $DEPS && patchelf --help && patchelf --version\n',
    });
    const out = runCli(['--only', 'hoist-stable', '.'], dir).stdout;
    expect(out).toContain('a/Dockerfile:4:1: skipped [hoist-stable] `apt-get install` not moved above `COPY app.conf /etc/app.conf`: `ENV TZ=UTC DEBIAN_FRONTEND=noninteractive` sets DEBIAN_FRONTEND, which `apt-get` reads from its environment');
    expect(out).toContain('b/Dockerfile:4:1: skipped [hoist-stable] `groupadd` not moved above `COPY app.conf /etc/app.conf`: `ENV TZ=UTC` sets TZ, which a program may read from its environment');
    const c = out.split('\n').find((l) => l.startsWith('c/Dockerfile'));
    expect(c).toBeDefined();
    expect(c).toContain('it runs `patchelf`, whose file access dockerfix does not model; the argument $DEPS of apk is not known, so it may read what `COPY app.conf /etc/app.conf` writes');
  });

  it('explain does not claim a variable the base image may set is empty', () => {
    const dir = tempDir({ Dockerfile: 'FROM example/base:1\nLABEL v=$APP_HOME\n', 'scratch/Dockerfile': 'FROM scratch\nLABEL v=$X\n' });
    const r = runCli(['explain', 'Dockerfile'], dir);
    expect(r.stdout).toContain('uses $APP_HOME (not set in this Dockerfile: empty unless the base image (example/base:1) sets it)');
    expect(r.stdout).not.toContain('expands to an empty string');
    expect(runCli(['explain', 'scratch/Dockerfile'], dir).stdout).toContain('uses $X (not set in this stage: expands to an empty string)');
  });
});

describe('--write keeps what the file is (dockerfix fmt too)', () => {
  it('fmt --write through a symbolic link: the link stays, its target gets the new content', () => {
    const dir = tempDir({ 'docker/Dockerfile.real': 'from a\n' });
    fs.symlinkSync('docker/Dockerfile.real', path.join(dir, 'Dockerfile'));
    const r = runCli(['fmt', '--write', 'Dockerfile'], dir);
    expect(r.code).toBe(0);
    expect(fs.lstatSync(path.join(dir, 'Dockerfile')).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'docker/Dockerfile.real'), 'utf8')).toBe('FROM a\n');
  });

  it('as root, fmt --write on another user\'s 0640 file keeps owner, group and mode', (ctx) => {
    if (process.getuid?.() !== 0) {
      console.log('cli-habits: ownership test skipped: not running as root (chown to another user needs root)');
      ctx.skip();
    }
    const dir = tempDir({ Dockerfile: 'from a\n' });
    const file = path.join(dir, 'Dockerfile');
    fs.chownSync(file, 1234, 2345);
    fs.chmodSync(file, 0o640);
    expect(runCli(['fmt', '--write', 'Dockerfile'], dir).code).toBe(0);
    const st = fs.statSync(file);
    expect([st.uid, st.gid, st.mode & 0o7777, fs.readFileSync(file, 'utf8')]).toEqual([1234, 2345, 0o640, 'FROM a\n']);
  });

  it('a read-only directory (a read-only mount, as root): exit 2, the original intact, nothing left behind', (ctx) => {
    const dir = tempDir({});
    const disk = path.join(dir, 'ro');
    fs.mkdirSync(disk);
    const why = process.getuid?.() !== 0 ? 'not running as root' : mountReadOnly(disk);
    if (why) {
      console.log(`cli-habits: read-only directory test skipped: ${why}`);
      ctx.skip();
    }
    try {
      for (const args of [['--write', '--syntax', 'none', 'Dockerfile'], ['fmt', '--write', 'Dockerfile']]) {
        const r = runCli(args, disk);
        expect([args.join(' '), r.code, r.stderr]).toEqual([args.join(' '), 2, 'Dockerfile: read-only file system\n']);
        expect(fs.readFileSync(path.join(disk, 'Dockerfile'), 'utf8')).toBe('from python:3.12\nRUN pip install flask\n');
        expect(fs.readdirSync(disk).sort()).toEqual(['Dockerfile']);
      }
    } finally {
      spawnSync('umount', [disk]);
    }
  });
});

/** A tmpfs holding one Dockerfile, remounted read-only. Returns why not, or undefined. */
function mountReadOnly(dir: string): string | undefined {
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { encoding: 'utf8' });
  if (m.status !== 0) return `mount -t tmpfs failed: ${(m.stderr || String(m.error)).trim()}`;
  fs.writeFileSync(path.join(dir, 'Dockerfile'), 'from python:3.12\nRUN pip install flask\n');
  const ro = spawnSync('mount', ['-o', 'remount,ro', dir], { encoding: 'utf8' });
  if (ro.status !== 0) {
    spawnSync('umount', [dir]);
    return `remount read-only failed: ${(ro.stderr || String(ro.error)).trim()}`;
  }
  return undefined;
}
