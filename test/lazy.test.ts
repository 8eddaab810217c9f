/**
 * Lazy loading: a plain CLI run loads only what it uses. No prettier (the formatter's plugin),
 * no transform that was not selected, and on a run that changes nothing no diff library, no
 * dockerfile-ast (the cross-check of rewritten instructions) and no `ignore` (files given, no
 * directory to search).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'dist/bin/dockerfix.js');
const HOOK = path.join(ROOT, 'test/helpers/log-modules.mjs');

function loaded(args: string[], bin = BIN, env: Record<string, string> = {}): { modules: string[]; status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', HOOK, bin, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
  const modules = r.stderr
    .split('\n')
    .filter((l) => l.startsWith('LOADED '))
    .map((l) => l.slice(7).replace(/^file:\/\//, ''))
    .map((u) => path.relative(ROOT, u));
  return { modules, status: r.status, stdout: r.stdout, stderr: r.stderr.split('\n').filter((l) => !l.startsWith('LOADED ')).join('\n') };
}

// A Dockerfile no transform touches.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-lazy-'));
const PLAIN = path.join(tmp, 'Dockerfile');
fs.writeFileSync(PLAIN, 'FROM alpine:3.20\nCOPY app /app\nCMD ["/app"]\n');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const pkg = (mods: string[], name: string): boolean => mods.some((m) => m.includes(`node_modules/${name}/`));

describe('lazy loading', () => {
  it('a one-file run that changes nothing loads no prettier, diff, dockerfile-ast or .gitignore matcher', () => {
    const r = loaded(['--check', PLAIN]);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.modules).toContain('dist/transforms/pip-cache-mount.js');
    for (const name of ['prettier', 'prettier-plugin-sh', 'diff', 'dockerfile-ast', 'ignore', 'globby', 'fast-glob']) expect(pkg(r.modules, name), name).toBe(false);
  });

  it('a run of the main command does not load the language server', () => {
    const r = loaded(['--check', PLAIN]);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(pkg(r.modules, 'vscode-languageserver')).toBe(false);
    expect(r.modules).not.toContain('dist/src/lsp/server.js');
  });

  it('unselected transforms are not loaded', () => {
    const r = loaded(['--check', '--only', 'pip-cache-mount', PLAIN]);
    expect(r.status).toBe(0);
    const transforms = r.modules.filter((m) => m.startsWith('dist/transforms/') && !m.endsWith('/index.js'));
    expect(transforms).toEqual(['dist/transforms/pip-cache-mount.js']);
  });

  it('a run that changes a file loads the cross-check, still no prettier (the line diff is built in: no diff library)', () => {
    const r = loaded(['fixtures/pip-cache-mount/basic/Dockerfile']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('+RUN --mount=type=cache,target=/root/.cache/pip');
    expect(pkg(r.modules, 'diff')).toBe(false);
    expect(pkg(r.modules, 'dockerfile-ast')).toBe(true);
    expect(pkg(r.modules, 'prettier')).toBe(false);
  });

  it('the bundle: a one-file run requires no worker_threads, child_process or crypto (loaded on first use)', () => {
    const r = loaded(['--check', PLAIN], path.join(ROOT, 'bundle/dockerfix.mjs'), { DOCKERFIX_CODE_CACHE: '0' });
    expect(r.status, r.stderr + r.stdout).toBe(0);
    // Built-in modules the launcher's scripts require pass the hook too.
    expect(r.modules).toContain('node:fs');
    for (const name of ['worker_threads', 'child_process', 'crypto']) expect(r.modules.filter((m) => m.replace(/^node:/, '') === name), name).toEqual([]);
    // Every other part of the bundle is a script the launcher runs (test/install.test.ts: the code cache).
    expect(r.modules.filter((m) => m.startsWith('bundle/'))).toEqual(['bundle/dockerfix.mjs']);
  });
});
