/**
 * The GitHub Action (action.yml) and the pre-commit hooks, run locally: the Action's shell step
 * runs as GitHub runs it (bash -eo pipefail, inputs through the env, a fake GITHUB_STEP_SUMMARY
 * and GITHUB_OUTPUT), against this checkout (already installed and built by `npm test`).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BIN, ROOT, runCli, tempDir } from './helpers/cli.js';

interface Step {
  name: string;
  id?: string;
  if?: string;
  run: string;
  shell: string;
  env?: Record<string, string>;
}
const action = parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { default: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
};

const NAIVE = 'FROM python:3.12-slim\nCOPY . .\nRUN pip install --no-cache-dir -r requirements.txt\n';

function runAction(project: string, inputs: Record<string, string> = {}) {
  const values: Record<string, string> = { ...Object.fromEntries(Object.entries(action.inputs).map(([k, v]) => [k, v.default])), ...inputs };
  const expr = (s: string): string =>
    s.replace(/\$\{\{\s*(inputs\.([\w-]+)|github\.action_path)\s*\}\}/g, (_m, _all, name?: string) => (name ? values[name] : ROOT));
  const summary = path.join(project, '.summary.md');
  const output = path.join(project, '.output');
  fs.writeFileSync(summary, '');
  fs.writeFileSync(output, '');
  const step = action.runs.steps.find((s) => s.id === 'run')!;
  const env: Record<string, string> = { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', GITHUB_STEP_SUMMARY: summary, GITHUB_OUTPUT: output, NO_COLOR: '1' };
  for (const [k, v] of Object.entries(step.env ?? {})) env[k] = expr(v);
  expect(step.run).not.toMatch(/\$\{\{/); // inputs reach the script only through env
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run], { cwd: project, env, encoding: 'utf8' });
  const outputs = Object.fromEntries(
    fs
      .readFileSync(output, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('=') as [string, string]),
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, summary: fs.readFileSync(summary, 'utf8'), outputs };
}

describe('action.yml (composite GitHub Action)', () => {
  it('is a composite action with the documented inputs and outputs', () => {
    expect(action.runs.using).toBe('composite');
    expect(Object.keys(action.inputs).sort()).toEqual(['args', 'fail-on-change', 'format', 'paths', 'version']);
    expect(action.outputs.changed.value).toBe('${{ steps.run.outputs.changed }}');
    const install = action.runs.steps[0];
    expect(install.if).toBe("inputs.version == ''");
    expect(install.run).toMatch(/^npm ci/);
  });

  it('annotates, writes the diff to the job summary and fails when a Dockerfile would change', () => {
    const dir = tempDir({ 'svc/Dockerfile': NAIVE, 'svc/requirements.txt': 'flask\n', 'ok/Dockerfile': 'FROM alpine\n' });
    const r = runAction(dir, { args: '--syntax none --only pip-cache-mount' });
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toMatch(/^::warning file=svc\/Dockerfile,line=3,col=1,endLine=3,endColumn=4,title=dockerfix pip-cache-mount \(fixable\)::adds a cache mount/);
    expect(r.stdout).toContain('::error title=dockerfix::dockerfix would change Dockerfiles; run npx dockerfix --write and commit the result');
    expect(r.summary).toContain('## dockerfix\n\ndockerfix would change these Dockerfiles (apply with `npx dockerfix --write`):\n\n````diff\n');
    expect(r.summary).toContain('--- a/svc/Dockerfile\n+++ b/svc/Dockerfile\n');
    expect(r.summary).toContain('+RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt\n');
    expect(r.summary.trimEnd().endsWith('````')).toBe(true);
    expect(r.outputs).toEqual({ changed: 'true', 'exit-code': '1' });
    expect(fs.readFileSync(path.join(dir, 'svc/Dockerfile'), 'utf8')).toBe(NAIVE);
  });

  it('fail-on-change: false reports without failing; paths selects files', () => {
    const dir = tempDir({ 'a/Dockerfile': NAIVE, 'b/Dockerfile': NAIVE });
    const r = runAction(dir, { 'fail-on-change': 'false', paths: 'a/Dockerfile', format: 'summary' });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.summary).toContain('--- a/a/Dockerfile');
    expect(r.summary).not.toContain('b/Dockerfile');
    expect(r.outputs.changed).toBe('true');
  });

  it('passes clean files and rejects a bad format', () => {
    const dir = tempDir({ Dockerfile: 'FROM alpine\nRUN echo hi\n' });
    const ok = runAction(dir);
    expect(ok.code).toBe(0);
    expect(ok.summary).toBe('## dockerfix\n\nNo changes: the Dockerfiles already use the layer cache well.\n');
    expect(ok.outputs).toEqual({ changed: 'false', 'exit-code': '0' });
    const bad = runAction(dir, { format: 'xml' });
    expect(bad.code).toBe(2);
    expect(bad.stdout).toContain("::error title=dockerfix::format must be github, summary or both, not 'xml'");
  });

  it('fails with exit 2 on broken input', () => {
    const dir = tempDir({ Dockerfile: 'FROM a\n\0\n' });
    const r = runAction(dir, { format: 'github' });
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^::error file=Dockerfile,line=2,col=1,title=dockerfix::binary file/);
    expect(r.outputs['exit-code']).toBe('2');
  });
});

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
