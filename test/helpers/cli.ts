import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const BIN = path.join(ROOT, 'dist/bin/dockerfix.js');

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the built binary as a process. */
export function runCli(args: string[], cwd: string, opts: { input?: string; env?: Record<string, string> } = {}): Ran {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    input: opts.input,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '', ...opts.env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A temp directory filled with `files` (path -> text). */
export function tempDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-test-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}
