/**
 * The GitHub Action, step by step as a runner runs it: `uses: <owner>/dockerfix@<ref>` downloads
 * the repository (no node_modules, no build, no registry package), the runner applies the input
 * defaults from action.yml, sets `INPUT_<NAME>`, `GITHUB_WORKSPACE`, `GITHUB_OUTPUT` and
 * `GITHUB_STEP_SUMMARY`, starts `node <checkout>/<runs.main>` in the workspace and reads its
 * standard output for workflow commands (test/helpers/workflow-commands.ts parses them as the
 * runner does). Each test checks the commands, the output file, the summary and the exit code.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT, tempDir } from './helpers/cli.js';
import { workflowCommands, type WorkflowCommand } from './helpers/workflow-commands.js';
import { startFakeGitHub } from './helpers/fake-github.js';

interface ActionYml {
  inputs: Record<string, { default?: string; required?: boolean }>;
  outputs: Record<string, { description: string; value?: string }>;
  runs: { using: string; main: string; steps?: unknown };
}
const action = parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as ActionYml;

const NAIVE = 'FROM python:3.12-slim\nCOPY . .\nRUN pip install --no-cache-dir -r requirements.txt\n';
const CLEAN = 'FROM alpine:3.20\nRUN echo hi\n';

/** What `uses:` puts on the runner: the repository's files, nothing installed. */
let checkout: string;
beforeAll(() => {
  checkout = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-action-checkout-'));
  for (const rel of ['action.yml', 'package.json', 'LICENSE', action.runs.main, ...fs.readdirSync(path.join(ROOT, 'bundle')).map((f) => `bundle/${f}`)]) {
    fs.mkdirSync(path.dirname(path.join(checkout, rel)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, rel), path.join(checkout, rel));
  }
});

interface StepResult {
  code: number | null;
  stdout: string;
  stderr: string;
  commands: WorkflowCommand[];
  outputs: Record<string, string>;
  summary: string;
}

function stepEnv(workspace: string, inputs: Record<string, string>, extra: Record<string, string>): { env: Record<string, string>; output: string; summary: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-runner-'));
  const output = path.join(dir, 'output');
  const summary = path.join(dir, 'summary.md');
  fs.writeFileSync(output, '');
  fs.writeFileSync(summary, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
  };
  for (const [name, spec] of Object.entries(action.inputs)) {
    const v = inputs[name] ?? spec.default;
    if (v !== undefined) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = v;
  }
  Object.assign(env, extra);
  return { env, output, summary };
}

/** The output file as the runner reads it: `name=value` lines and `name<<DELIM` blocks. */
function readOutputs(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (!l) continue;
    const block = /^([\w-]+)<<(.+)$/.exec(l);
    if (block) {
      const end = lines.indexOf(block[2], i + 1);
      out[block[1]] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else out[l.slice(0, l.indexOf('='))] = l.slice(l.indexOf('=') + 1);
  }
  return out;
}

function runStep(workspace: string, inputs: Record<string, string> = {}, actionDir = checkout, extra: Record<string, string> = {}): StepResult {
  const { env, output, summary } = stepEnv(workspace, inputs, extra);
  const r = spawnSync(process.execPath, [path.join(actionDir, action.runs.main)], { cwd: workspace, env, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, commands: workflowCommands(r.stdout + '\n' + r.stderr), outputs: readOutputs(output), summary: fs.readFileSync(summary, 'utf8') };
}

/** The same step, started without blocking this process (a fake GitHub API here must answer it). */
function runStepAsync(workspace: string, inputs: Record<string, string>, extra: Record<string, string>): Promise<StepResult> {
  const { env, output, summary } = stepEnv(workspace, inputs, extra);
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(checkout, action.runs.main)], { cwd: workspace, env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr, commands: workflowCommands(stdout + '\n' + stderr), outputs: readOutputs(output), summary: fs.readFileSync(summary, 'utf8') }));
  });
}

const names = (r: StepResult): string[] => r.commands.map((c) => `${c.name} ${c.props.file ?? ''}`.trim());

describe('action.yml', () => {
  it('is a node20 JavaScript action whose entry is the committed bundle; no version input, no install step', () => {
    expect(action.runs.using).toBe('node20');
    expect(action.runs.main).toBe('action/dist/index.mjs');
    expect(action.runs.steps).toBeUndefined();
    expect(Object.keys(action.inputs).sort()).toEqual(['args', 'fail-on-change', 'format', 'github-token', 'paths', 'review', 'verify']);
    expect(Object.keys(action.outputs).sort()).toEqual(['changed', 'exit-code', 'review-exit-code', 'verify-exit-code', 'verify-verdicts']);
    expect(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')).not.toMatch(/npx|npm (ci|install)/);
  });
});

describe('the Action, run as a runner runs it', () => {
  it('annotates, puts the diff in the job summary and fails when a Dockerfile would change', () => {
    const ws = tempDir({ 'svc/Dockerfile': NAIVE, 'svc/requirements.txt': 'flask\n', 'ok/Dockerfile': CLEAN });
    const r = runStep(ws, { args: '--syntax none --only pip-cache-mount' });
    expect(r.code).toBe(1);
    expect(r.commands[0]).toMatchObject({ form: 'v2', name: 'warning', props: { file: 'svc/Dockerfile', line: '3', col: '1', title: 'dockerfix pip-cache-mount (fixable)' } });
    expect(r.commands[0].data).toMatch(/^adds a cache mount at \/root\/.cache\/pip/);
    expect(r.commands.at(-1)).toMatchObject({ name: 'error', props: { title: 'dockerfix' } });
    expect(r.commands.at(-1)!.data).toBe('dockerfix would change svc/Dockerfile; run dockerfix --write and commit the result (or set fail-on-change: false)');
    expect(r.outputs).toEqual({ changed: 'true', 'exit-code': '1' });
    expect(r.summary).toContain('## dockerfix\n\n2 Dockerfiles checked (.): 1 would change.\n');
    expect(r.summary).toContain('```diff\n--- a/svc/Dockerfile\n+++ b/svc/Dockerfile\n');
    expect(r.summary).toContain('+RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt\n```\n');
    expect(r.summary).not.toMatch(/npx/);
    expect(fs.readFileSync(path.join(ws, 'svc/Dockerfile'), 'utf8')).toBe(NAIVE);
  });

  it('fail-on-change: false reports without failing; clean files pass', () => {
    const ws = tempDir({ 'a/Dockerfile': NAIVE, 'b/Dockerfile': CLEAN });
    const r = runStep(ws, { 'fail-on-change': 'false', format: 'summary' });
    expect(r.code).toBe(0);
    expect(r.commands).toEqual([]);
    expect(r.outputs).toEqual({ changed: 'true', 'exit-code': '1' });
    const ok = runStep(ws, { paths: 'b/Dockerfile' });
    expect(ok.code).toBe(0);
    expect(ok.outputs).toEqual({ changed: 'false', 'exit-code': '0' });
    expect(ok.summary).toBe('## dockerfix\n\n1 Dockerfile checked (b/Dockerfile): nothing to change.\n\n');
  });

  it('paths: every line of a multi-line block is checked (a change on the last line is found)', () => {
    const ws = tempDir({ 'a/Dockerfile': CLEAN, 'b/Dockerfile': CLEAN, 'c/Dockerfile': NAIVE, 'd/Dockerfile': NAIVE });
    const r = runStep(ws, { paths: 'a\nb/Dockerfile\n\n# a comment line\nc\n' });
    expect(r.code).toBe(1);
    expect(r.outputs.changed).toBe('true');
    expect(r.summary).toContain('3 Dockerfiles checked (a, b/Dockerfile, c): 1 would change');
    expect(r.summary).toContain('--- a/c/Dockerfile');
    expect(r.summary).not.toContain('d/Dockerfile');
  });

  it('paths with spaces, quoted args, and globs expanded like prettier and eslint (dot dirs in, node_modules out)', () => {
    const ws = tempDir({
      'my app/Dockerfile': NAIVE,
      'services/api/Dockerfile.prod': NAIVE,
      'services/api/notes.md': '# not a Dockerfile\n',
      'services/web/Containerfile': CLEAN,
      '.docker/Dockerfile': NAIVE,
      'node_modules/x/Dockerfile': NAIVE,
    });
    const r = runStep(ws, { paths: 'my app/Dockerfile\nservices/**/*file*\n**/.docker/Dockerfile', args: `--only "pip-cache-mount" --syntax 'none'`, 'fail-on-change': 'false' });
    expect(r.code, r.stdout).toBe(0);
    expect(r.commands.filter((c) => c.name === 'warning').map((c) => c.props.file)).toEqual(['my app/Dockerfile', 'services/api/Dockerfile.prod', '.docker/Dockerfile']);
    expect(r.summary).toContain('4 Dockerfiles checked');
    expect(r.summary).not.toContain('node_modules');
    const none = runStep(ws, { paths: 'nothing/**/Dockerfile' });
    expect(none.code).toBe(2);
    expect(names(none)).toEqual(['error']);
    expect(none.commands[0].data).toBe('invalid input: paths: no Dockerfile or directory matches the pattern "nothing/**/Dockerfile"');
    expect(none.outputs).toEqual({});
  });

  it('invalid inputs fail the step with an escaped annotation and inject nothing', () => {
    const ws = tempDir({ Dockerfile: CLEAN });
    for (const [inputs, message] of [
      [{ format: 'xml\n::warning title=pwn::owned' }, 'invalid input: format must be github, summary or both, not "xml\\n::warning title=pwn::owned"'],
      [{ 'fail-on-change': 'yes%0A::warning::x' }, 'invalid input: fail-on-change must be true or false, not "yes%0A::warning::x"'],
      [{ args: '--format sarif' }, 'invalid input: args: --format is set by the action; use the format input'],
      [{ args: '--only "pip' }, 'invalid input: args: a double quote is not closed'],
    ] as const) {
      const r = runStep(ws, inputs);
      expect(r.code).toBe(2);
      expect(r.commands.map((c) => [c.name, c.data])).toEqual([['error', message]]);
    }
  });

  it('a usage error (exit 2, no report) fails the step with the error as an annotation, never changed=true', () => {
    const ws = tempDir({ Dockerfile: NAIVE });
    const r = runStep(ws, { args: '--no-such-flag' });
    expect(r.code).toBe(2);
    expect(r.outputs).toEqual({ changed: 'false', 'exit-code': '2' });
    expect(r.commands.map((c) => c.name)).toEqual(['error']);
    expect(r.commands[0].data).toBe("dockerfix exited with 2 without a readable report: dockerfix: unknown option '--no-such-flag'");
    expect(r.summary).toContain('dockerfix failed');
  });

  it('a missing or crashing CLI fails the step with the error, never changed=true', () => {
    const broken = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-action-broken-'));
    fs.cpSync(checkout, broken, { recursive: true });
    fs.rmSync(path.join(broken, 'bundle'), { recursive: true });
    const missing = runStep(tempDir({ Dockerfile: NAIVE }), {}, broken);
    expect(missing.code).toBe(2);
    expect(missing.outputs).toEqual({ changed: 'false', 'exit-code': 'none' });
    expect(missing.commands.map((c) => c.name)).toEqual(['error']);
    expect(missing.commands[0].data).toBe(`the dockerfix CLI is missing from the action's checkout (${path.join(broken, 'bundle/dockerfix.mjs')})`);
    // A CLI that crashes with exit 1 (node's own exit code for an uncaught error) is not "changes found".
    fs.mkdirSync(path.join(broken, 'bundle'));
    fs.writeFileSync(path.join(broken, 'bundle/dockerfix.mjs'), "throw new TypeError('boom');\n");
    const crash = runStep(tempDir({ Dockerfile: NAIVE }), {}, broken);
    expect(crash.code).toBe(2);
    expect(crash.outputs).toEqual({ changed: 'false', 'exit-code': '1' });
    expect(crash.commands.map((c) => c.name)).toEqual(['error']);
    expect(crash.commands[0].data).toBe('dockerfix exited with 1 without a readable report: TypeError: boom');
  });

  it('broken input: exit 2 with the file error annotated, the step fails', () => {
    const ws = tempDir({ Dockerfile: 'FROM a\n\0\n', 'ok/Dockerfile': NAIVE });
    const r = runStep(ws, { format: 'github' });
    expect(r.code).toBe(2);
    expect(r.commands[0]).toMatchObject({ name: 'error', props: { file: 'Dockerfile', line: '2', col: '1', title: 'dockerfix' } });
    expect(r.commands.at(-1)!.data).toBe('dockerfix could not check one path (exit code 2); the errors are annotated above');
    expect(r.outputs).toEqual({ changed: 'true', 'exit-code': '2' });
  });

  it('at most 10 annotations of a level per step: the tenth says how many more, the summary lists all', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 25; i++) files[`s${String(i).padStart(2, '0')}/Dockerfile`] = NAIVE;
    const r = runStep(tempDir(files), { args: '--only pip-cache-mount', 'fail-on-change': 'false' });
    const warnings = r.commands.filter((c) => c.name === 'warning');
    expect(warnings).toHaveLength(10);
    expect(warnings.slice(0, 9).every((c) => c.props.file)).toBe(true);
    expect(warnings[9].data).toBe('16 more warnings not shown as annotations (GitHub shows 10 per step); the job summary lists them all');
    expect(r.summary).toContain('### Findings (25)');
    expect(r.summary.match(/change \[pip-cache-mount\]/g)).toHaveLength(25);
  });

  it('the summary fence cannot be closed by a Dockerfile line', () => {
    const ws = tempDir({ Dockerfile: '# ````\n# ``````` and the rest\n' + NAIVE, 'requirements.txt': 'flask\n' });
    const r = runStep(ws, { args: '--only pip-cache-mount --syntax none', format: 'summary', 'fail-on-change': 'false' });
    expect(r.code).toBe(0);
    const lines = r.summary.split('\n');
    const open = lines.findIndex((l) => /^`{3,}diff$/.test(l));
    const fence = lines[open].replace('diff', '');
    expect(fence).toBe('````````');
    const close = lines.findIndex((l, i) => i > open && /^ {0,3}`{3,}\s*$/.test(l) && l.trim().length >= fence.length);
    expect(lines.slice(open + 1, close).join('\n')).toContain('+RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt');
    expect(lines.slice(open + 1, close).join('\n')).toContain('# ``````` and the rest');
    expect(lines[close + 1]).toBe('');
    expect(lines[close + 2]).toBe('### Findings (1)');
  });

  it('hostile paths in the workspace (newlines, ::, ##[) become no workflow command', () => {
    const ws = tempDir({});
    for (const dir of ['x\n::warning title=pwn::owned', 'y##[warning]pwned', 'z##[add-matcher]evil.json', ' ::error::lead']) {
      fs.mkdirSync(path.join(ws, dir), { recursive: true });
      fs.writeFileSync(path.join(ws, dir, 'Dockerfile'), NAIVE);
      fs.mkdirSync(path.join(ws, dir, 'bad'), { recursive: true });
      fs.writeFileSync(path.join(ws, dir, 'bad', 'Dockerfile'), 'FROM a\n\0\n');
    }
    const r = runStep(ws, { 'fail-on-change': 'false' });
    expect(r.code).toBe(2);
    expect(r.commands.every((c) => c.form === 'v2' && (c.props.title ?? '').startsWith('dockerfix'))).toBe(true);
    expect(new Set(r.commands.filter((c) => c.props.file).map((c) => c.props.file))).toEqual(
      new Set(['x\\n::warning title=pwn::owned', 'y##[warning]pwned', 'z##[add-matcher]evil.json', ' ::error::lead'].flatMap((d) => [`${d}/Dockerfile`, `${d}/bad/Dockerfile`])),
    );
  });
});

describe('the Action: the cache chain picture, review: true and verify: true', () => {
  it('puts the explain headline and Mermaid picture of each changed Dockerfile in the job summary', () => {
    const ws = tempDir({ 'svc/Dockerfile': NAIVE, 'svc/requirements.txt': 'flask\n', 'ok/Dockerfile': CLEAN });
    const r = runStep(ws, { 'fail-on-change': 'false' });
    expect(r.code).toBe(0);
    expect(r.summary).toContain('### Which steps re-run: svc/Dockerfile\n\n');
    expect(r.summary).toMatch(/\*\*A source edit re-runs \d+ of \d+ build steps instead of \d+ of \d+\*\*/);
    expect(r.summary).toContain('```mermaid\nflowchart');
    expect(r.summary).not.toContain('ok/Dockerfile');
  });

  it('review: true posts one review with suggested changes through the API, with the job token', async () => {
    const sha = 'abcdef0123456789abcdef0123456789abcdef01';
    const ws = tempDir({ 'event.json': JSON.stringify({ pull_request: { number: 7, head: { sha } } }), 'app/Dockerfile': NAIVE, 'app/requirements.txt': 'flask\n' });
    const gh = await startFakeGitHub({ repo: 'acme/shop', pull: 7, headSha: sha, token: 'job-token', files: [{ filename: 'app/Dockerfile', patch: '@@ -1,3 +1,3 @@\n FROM python:3.12-slim\n-COPY ./ .\n+COPY . .\n RUN pip install --no-cache-dir -r requirements.txt' }] });
    try {
      const env = { GITHUB_REPOSITORY: 'acme/shop', GITHUB_EVENT_PATH: path.join(ws, 'event.json'), GITHUB_API_URL: gh.url };
      const r = await runStepAsync(ws, { paths: 'app', review: 'true', 'github-token': 'job-token', 'fail-on-change': 'false', args: '--syntax none' }, env);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.outputs['review-exit-code']).toBe('0');
      expect(gh.reviews).toHaveLength(1);
      const post = gh.calls.find((c) => c.method === 'POST')!.body as { commit_id: string; comments?: Array<{ body: string }>; body: string };
      expect(post.commit_id).toBe(sha);
      expect(JSON.stringify(post)).toContain('```suggestion');
      // A token that the API refuses fails the step with the reason, never a silent pass.
      const bad = await runStepAsync(ws, { paths: 'app', review: 'true', 'github-token': 'wrong', 'fail-on-change': 'false', args: '--syntax none' }, env);
      expect(bad.code).toBe(2);
      expect(bad.outputs['review-exit-code']).toBe('2');
      expect(bad.commands.at(-1)).toMatchObject({ name: 'error' });
      expect(bad.commands.at(-1)!.data).toMatch(/^dockerfix review did not post the review \(exit 2\)/);
    } finally {
      await gh.close();
    }
  }, 60_000);

  it('verify: true with no usable Docker fails the step with the reason on each changed file', () => {
    const ws = tempDir({ 'svc/Dockerfile': NAIVE, 'svc/requirements.txt': 'flask\n', 'ok/Dockerfile': CLEAN });
    const r = runStep(ws, { verify: 'true', 'fail-on-change': 'false' }, checkout, { DOCKER_HOST: 'unix:///nonexistent/docker.sock', DOCKERFIX_DOCKER: '/usr/bin/docker' });
    expect(r.code).toBe(2);
    expect(r.outputs['verify-exit-code']).toBe('2');
    expect(r.outputs['verify-verdicts']).toBe('svc/Dockerfile: not verified');
    const ann = r.commands.find((c) => c.props.title === 'dockerfix verify')!;
    expect(ann).toMatchObject({ name: 'error', props: { file: 'svc/Dockerfile' } });
    expect(ann.data).toMatch(/^not verified: dockerfix verify: /);
  }, 60_000);

  it('verify: true with nothing to change builds nothing', () => {
    const ws = tempDir({ 'ok/Dockerfile': CLEAN });
    const r = runStep(ws, { verify: 'true' }, checkout, { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(r.code).toBe(0);
    expect(r.outputs['verify-exit-code']).toBe('0');
    expect(r.outputs['verify-verdicts']).toBe('');
  });
});
