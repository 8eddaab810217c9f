/**
 * The language server's analysis (src/lsp/analysis.ts) of a Dockerfile built with several
 * contexts: the CLI's rule (src/builds/contexts.ts), run by run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBuildReader, Workspace } from '../src/lsp/analysis.js';

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'dist/bin/dockerfix.js');

function repo(files: Record<string, string>): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-lsp-contexts-')));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  execFileSync('git', ['init', '-q', dir]);
  return dir;
}

/** What `dockerfix --write .` makes of docker/Dockerfile (in a copy). */
function cliWrite(dir: string): string {
  const copy = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-lsp-contexts-cli-')));
  fs.cpSync(dir, copy, { recursive: true });
  const r = spawnSync(process.execPath, [BIN, '--write', '--no-color', '-q', '.'], { cwd: copy, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const out = fs.readFileSync(path.join(copy, 'docker/Dockerfile'), 'utf8');
  fs.rmSync(copy, { recursive: true, force: true });
  return out;
}

const COMPOSE = 'services:\n  web:\n    build:\n      context: .\n      dockerfile: docker/Dockerfile\n';
const MAKEFILE = 'image:\n\tdocker build -f docker/Dockerfile docker\n';

describe('LSP analysis with several build contexts', () => {
  const dirs: string[] = [];
  beforeAll(async () => {
    expect(fs.existsSync(BIN), 'dist/bin/dockerfix.js is built by `npm test` (pretest)').toBe(true);
    await loadBuildReader();
  });
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('contexts that give the same result: one run each, the same result as the CLI', async () => {
    const text = 'FROM python:3.12\nRUN pip install --no-cache-dir flask\nCOPY app.py /app/\n';
    const dir = repo({ 'docker/Dockerfile': text, 'compose.yaml': COMPOSE, Makefile: MAKEFILE, 'app.py': 'x\n', 'docker/app.py': 'x\n' });
    dirs.push(dir);
    const ws = new Workspace({ cwd: dir });
    const a = await ws.analyse(path.join(dir, 'docker/Dockerfile'), text);
    expect(a.findings.map((f) => f.message)).toContain('analysed with each context (context ., context docker): same result');
    expect(a.contextsDiffer).toBeUndefined();
    expect(ws.runs).toBe(2);
    expect(a.result.output).toBe(cliWrite(dir));
    // A fix (self-check included) follows the same rule; asked again (a cursor move), from the cache.
    const fix = await ws.fix(path.join(dir, 'docker/Dockerfile'), text, undefined, false);
    expect(fix.edits.length).toBeGreaterThan(0);
    expect(ws.runs).toBe(4);
    expect(await ws.fix(path.join(dir, 'docker/Dockerfile'), text, undefined, false)).toBe(fix);
    expect(ws.runs).toBe(4);
  });

  it('contexts that give different results: each is run, then the run without a context decides, as in the CLI', async () => {
    // split-copy needs the context's package.json: only the repository root has it.
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-lsp-contexts-')));
    fs.cpSync(path.join(ROOT, 'fixtures-repos/compose-parent-context'), dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'Makefile'), MAKEFILE);
    execFileSync('git', ['init', '-q', dir]);
    dirs.push(dir);
    const file = path.join(dir, 'docker/Dockerfile');
    const text = fs.readFileSync(file, 'utf8');
    const ws = new Workspace({ cwd: dir });
    const a = await ws.analyse(file, text);
    expect(a.contextsDiffer?.message).toMatch(/^the contexts give different results \(context \. changes lines 1, 3, 4, 5; context docker changes lines 1, 4\): only the changes that do not depend on the context were made/);
    expect(ws.runs).toBe(3);
    expect(a.result.output).toBe(cliWrite(dir));
    // The same text again: from the cache, no run.
    await ws.analyse(file, text);
    expect(ws.runs).toBe(3);
  });
});
