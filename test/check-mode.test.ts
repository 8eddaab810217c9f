/**
 * `dockerfix --check` stops each file at its first change (RunOptions.firstChange). It must name
 * exactly the files a full run rewrites: over the whole shared corpus, with and without the
 * build context, safe and unsafe, and through the CLI on a small tree.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { ListingContext, NoContext } from '../src/core/context.js';
import { runTransforms } from '../src/core/runner.js';
import { stripBom } from '../src/core/source.js';
import { loadTransforms } from '../transforms/index.js';
import type { Transform } from '../src/core/types.js';
import { CORPUS_CASES, corpusCaseIds, corpusFor } from './helpers/corpus.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'dist', 'bin', 'dockerfix.js');

describe('check mode (first change)', () => {
  let transforms: Transform[];
  beforeAll(async () => {
    transforms = await loadTransforms();
  });

  it('stops after the first rewrite: partial output, that rewrite checked, nothing more run', () => {
    const text = 'FROM python:3.12\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nRUN npm ci\n';
    const full = runTransforms(text, { transforms });
    const first = runTransforms(text, { transforms, firstChange: true });
    expect(full.changed).toBe(true);
    expect(full.partial).toBeUndefined();
    expect(first).toMatchObject({ changed: true, partial: true, passes: 1, edits: [] });
    // Only pip-cache-mount (the first transform that changes this file) ran to a change.
    expect(first.findings.map((f) => f.transform)).toEqual(['pip-cache-mount']);
    expect(first.output).not.toBe(full.output);
    expect(first.output).toContain('RUN --mount=type=cache,target=/root/.cache/pip pip install');
    const none = runTransforms('FROM scratch\nCOPY app /app\n', { transforms, firstChange: true });
    expect(none).toMatchObject({ changed: false });
    expect(none.partial).toBeUndefined();
  });

  it.skipIf(!corpusFor('check-mode corpus test'))('names the same corpus files as a full run, in every mode', () => {
    const differ: string[] = [];
    let changed = 0;
    let runs = 0;
    for (const id of corpusCaseIds()) {
      const dir = path.join(CORPUS_CASES, id);
      const { text, bom } = stripBom(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8'));
      for (const context of [true, false]) {
        for (const unsafe of [false, true]) {
          const buildContext = context ? ListingContext.fromCorpusCase(dir) : new NoContext();
          const full = runTransforms(text, { transforms, buildContext, options: { unsafe } }, bom);
          const first = runTransforms(text, { transforms, buildContext, options: { unsafe }, firstChange: true }, bom);
          runs++;
          if (full.changed) changed++;
          if (full.changed !== first.changed || Boolean(full.error) !== Boolean(first.error)) differ.push(`${id} context=${context} unsafe=${unsafe}: full ${full.changed}/${full.error?.kind}, first ${first.changed}/${first.error?.kind}`);
        }
      }
    }
    expect(differ).toEqual([]);
    expect(runs).toBeGreaterThan(3000);
    expect(changed).toBeGreaterThan(1500);
  });

  it('the CLI --check lists the files a dry run would change', () => {
    if (!fs.existsSync(BIN)) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-check-'));
    try {
      const files: Record<string, string> = {
        'a/Dockerfile': 'FROM python:3.12\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n',
        'b/Dockerfile': 'FROM scratch\nCOPY app /app\n',
        'c/Dockerfile': 'FROM debian:12\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\nRUN npm ci\n',
        'd/Dockerfile': 'FROM alpine:3.20\nRUN echo hi\n',
      };
      for (const [rel, text] of Object.entries(files)) {
        fs.mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), text);
      }
      fs.writeFileSync(path.join(dir, 'a', 'requirements.txt'), 'flask\n');
      const check = spawnSync(process.execPath, [BIN, '--check', '.'], { cwd: dir, encoding: 'utf8' });
      expect(check.status).toBe(1);
      expect(check.stdout).toBe('a/Dockerfile\nc/Dockerfile\n');
      expect(check.stderr).toBe('');
      const json = spawnSync(process.execPath, [BIN, '--check', '--format', 'json', '.'], { cwd: dir, encoding: 'utf8' });
      const report = JSON.parse(json.stdout) as { files: Array<{ path: string; changed: boolean }> };
      expect(report.files.filter((f) => f.changed).map((f) => f.path)).toEqual(['a/Dockerfile', 'c/Dockerfile']);
      // Nothing was written.
      for (const [rel, text] of Object.entries(files)) expect(fs.readFileSync(path.join(dir, rel), 'utf8')).toBe(text);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
