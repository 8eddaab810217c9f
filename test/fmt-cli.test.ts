/** `fmtCommand` (the `dockerfix fmt` subcommand) run in-process on temp directories. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fmtCommand, type FmtIo, type FmtOptions } from '../src/cli/fmt.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-fmt-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function run(paths: string[], opts: FmtOptions, stdin = ''): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const io: FmtIo = { stdout, stderr, stdin: Readable.from([Buffer.from(stdin)]), env: { NO_COLOR: '1' }, cwd: dir };
  const code = await fmtCommand(paths, opts, io);
  return { code, out, err };
}

const UGLY = 'from alpine\nrun apk add \\\n  curl\n';
const PRETTY = 'FROM alpine\nRUN apk add \\\n    curl\n';

describe('dockerfix fmt', () => {
  it('dry run prints a diff and changes nothing', async () => {
    fs.writeFileSync(path.join(dir, 'Dockerfile'), UGLY);
    const r = await run([], {});
    expect(r.code).toBe(0);
    expect(r.out).toContain('--- a/Dockerfile\n+++ b/Dockerfile\n');
    expect(r.out).toContain('-from alpine\n');
    expect(r.out).toContain('+FROM alpine\n');
    expect(r.out).toContain('dockerfix fmt: 1 file, 1 would be formatted, 0 errors\n');
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).toBe(UGLY);
  });

  it('--check lists unformatted files and exits 1, 0 when formatted', async () => {
    fs.mkdirSync(path.join(dir, 'svc'));
    fs.writeFileSync(path.join(dir, 'svc/Dockerfile.prod'), UGLY);
    fs.writeFileSync(path.join(dir, 'Dockerfile'), PRETTY);
    expect(await run(['.'], { check: true })).toEqual({ code: 1, out: 'svc/Dockerfile.prod\n', err: '' });
    fs.writeFileSync(path.join(dir, 'svc/Dockerfile.prod'), PRETTY);
    expect(await run(['.'], { check: true })).toEqual({ code: 0, out: '', err: '' });
  });

  it('--write rewrites in place, keeps the mode, and --indent applies', async () => {
    const f = path.join(dir, 'Dockerfile');
    fs.writeFileSync(f, UGLY);
    fs.chmodSync(f, 0o640);
    const r = await run(['Dockerfile'], { write: true, indent: 2 });
    expect(r.code).toBe(0);
    expect(r.out).toBe('formatted Dockerfile\ndockerfix fmt: 1 file, 1 formatted, 0 errors\n');
    expect(fs.readFileSync(f, 'utf8')).toBe('FROM alpine\nRUN apk add \\\n  curl\n');
    expect(fs.statSync(f).mode & 0o777).toBe(0o640);
    expect(fs.readdirSync(dir)).toEqual(['Dockerfile']);
  });

  it('formats standard input to standard output', async () => {
    expect(await run(['-'], {}, UGLY)).toEqual({ code: 0, out: PRETTY, err: '' });
    expect(await run([], { stdin: true, check: true, stdinFilepath: 'x/Dockerfile' }, UGLY)).toEqual({ code: 1, out: 'x/Dockerfile\n', err: '' });
    expect(await run([], { stdin: true, useTabs: true }, UGLY)).toEqual({ code: 0, out: 'FROM alpine\nRUN apk add \\\n\tcurl\n', err: '' });
  });

  it('reports parse errors as path:line:col and exits 2 without writing', async () => {
    const f = path.join(dir, 'Dockerfile');
    fs.writeFileSync(f, 'from a\nRUN <<EOF\nx\n');
    const r = await run([], { write: true });
    expect(r.code).toBe(2);
    expect(r.err).toBe('Dockerfile:2:5: unterminated heredoc <<EOF: no line "EOF" closes it\n');
    expect(fs.readFileSync(f, 'utf8')).toBe('from a\nRUN <<EOF\nx\n');
  });

  it('rejects bad usage with exit 2', async () => {
    expect((await run([], { write: true, check: true })).code).toBe(2);
    expect((await run([], { indent: -1 })).err).toBe('dockerfix fmt: --indent must be a whole number from 0 to 16, not -1\n');
    expect((await run(['missing'], {})).err).toContain('missing: no such file or directory');
    expect((await run(['-'], { write: true }, UGLY)).code).toBe(2);
  });
});
