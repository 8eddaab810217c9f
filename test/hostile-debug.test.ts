/**
 * Issue #13: an internal error (a bug in a transform, or in dockerfix itself) is one line in
 * reports and annotations, without a JavaScript stack and its absolute install paths; --debug
 * shows the stack. Runs the CLI in-process with a transform that throws.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import type { Transform } from '../src/core/types.js';

vi.mock('../transforms/index.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../transforms/index.js')>();
  const boom: Transform = {
    meta: { id: 'pip-cache-mount', summary: 'x', description: 'x', fixKind: 'safe', order: 0 },
    run() {
      throw new Error('kaboom');
    },
  };
  return { ...actual, loadTransforms: async () => [boom] };
});

const { main } = await import('../src/cli/main.js');

async function runMain(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = new PassThrough();
  const err = new PassThrough();
  out.on('data', (d) => (stdout += d));
  err.on('data', (d) => (stderr += d));
  const code = await main(['node', 'dockerfix', ...args], { stdout: out, stderr: err, stdin: new PassThrough(), env: { NO_COLOR: '1', DOCKERFIX_WORKERS: '0' }, cwd });
  return { code, stdout, stderr };
}

const STACK = /\n\s+at .+[/\\].+:\d+:\d+/;

describe('internal errors', () => {
  it('are one line without --debug (diff, github, json), the stack with --debug', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-debug-'));
    fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM alpine:3.20\n');
    for (const format of ['diff', 'github', 'json', 'sarif']) {
      const r = await runMain(['--format', format, 'Dockerfile'], dir);
      expect(r.code).toBe(2);
      expect(r.stdout + r.stderr).toContain('transform pip-cache-mount failed: Error: kaboom (run with --debug for details)');
      expect(r.stdout + r.stderr).not.toMatch(STACK);
      expect(r.stdout + r.stderr).not.toContain('\\n    at ');
    }
    const d = await runMain(['--debug', 'Dockerfile'], dir);
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(STACK);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('an exception escaping the CLI itself is one line, exit 2', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-debug-'));
    fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM alpine:3.20\n');
    let stderr = '';
    const err = new PassThrough();
    err.on('data', (d) => (stderr += d));
    const broken = new PassThrough();
    broken.write = () => {
      throw new Error('stdout exploded');
    };
    const code = await main(['node', 'dockerfix', '--list-transforms'], { stdout: broken, stderr: err, stdin: new PassThrough(), env: {}, cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toBe('dockerfix: internal error: stdout exploded (run with --debug for details)\n');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
