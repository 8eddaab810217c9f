/**
 * The pre-commit hooks' file patterns and entries, run with the built CLI as pre-commit calls
 * them. The real pre-commit install is test/pre-commit.test.ts; the GitHub Action is
 * test/action.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BIN, ROOT, runCli, tempDir } from './helpers/cli.js';

const NAIVE = 'FROM python:3.12-slim\nCOPY . .\nRUN pip install --no-cache-dir -r requirements.txt\n';

describe('.pre-commit-hooks.yaml', () => {
  const hooks = parse(fs.readFileSync(path.join(ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as Array<{ id: string; entry: string; language: string; files: string; exclude: string }>;

  it('declares dockerfix and dockerfix-check for Dockerfile names', () => {
    expect(hooks.map((h) => h.id)).toEqual(['dockerfix', 'dockerfix-check']);
    for (const h of hooks) {
      expect(h.language).toBe('node');
      const files = new RegExp(h.files);
      const exclude = new RegExp(h.exclude);
      const selected = (f: string): boolean => files.test(f) && !exclude.test(f);
      for (const f of ['Dockerfile', 'svc/Dockerfile', 'Dockerfile.prod', 'api.Dockerfile', 'x/y/Containerfile', 'build.dockerfile', 'Containerfile.dev']) {
        expect(selected(f), f).toBe(true);
      }
      // Not Dockerfiles: as in the directory search (src/cli/discover.ts), templates and template directories too.
      for (const f of ['README.md', 'Dockerfile.dockerignore', 'mydockerfile', 'Dockerfiles/notes.txt', 'docs/Dockerfile/readme.md', 'Dockerfile.j2', 'Dockerfile.template', 'Dockerfile.tmpl', 'Dockerfile.in', '{{cookiecutter.slug}}/Dockerfile']) {
        expect(selected(f), f).toBe(false);
      }
    }
  });

  it('the entries work as pre-commit calls them (file names appended)', () => {
    const dir = tempDir({ Dockerfile: NAIVE, 'b/Dockerfile': 'FROM alpine\n' });
    const entry = (id: string): string[] => hooks.find((h) => h.id === id)!.entry.split(' ').slice(1);
    const check = runCli([...entry('dockerfix-check'), 'Dockerfile', 'b/Dockerfile'], dir);
    expect(check.code).toBe(1);
    expect(check.stdout).toBe('Dockerfile\n');
    const write = runCli([...entry('dockerfix'), 'Dockerfile', 'b/Dockerfile'], dir);
    expect(write.code).toBe(0);
    expect(write.stdout).toBe('');
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).toContain('RUN --mount=type=cache,target=/root/.cache/pip pip install');
    expect(runCli([...entry('dockerfix-check'), 'Dockerfile'], dir).code).toBe(0);
    expect(BIN).toMatch(/dist\/bin\/dockerfix\.js$/);
  });
});
