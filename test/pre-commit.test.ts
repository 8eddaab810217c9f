/**
 * pre-commit, for real: `.pre-commit-hooks.yaml` used as users do (`repo: <git url>`, `rev:`,
 * a hook id) against a file:// repository holding this working tree. Installs need no build and
 * no devDependencies because the package's `bin` is the committed bundle (bundle/dockerfix.mjs).
 *
 * - pre-commit 3.x (Debian's package, .ci/setup.d/pre-commit.sh): installs with `npm install`,
 *   reads the tarball name from `npm pack`'s standard output (a `prepare`/`prepack` banner there
 *   broke it), then `npm install -g <tarball>`.
 * - pre-commit 4.x (PyPI, not reachable here) installs with exactly
 *   `npm install --allow-git=root --install-links -g git+file://<clone>` (pre_commit/languages/node.py
 *   of 4.6.2); that command is run here as pre-commit runs it, in a fresh prefix, and the
 *   installed `dockerfix` is then run as the hooks run it.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { snapshotRepo } from './helpers/snapshot-repo.js';
import { ROOT } from './helpers/cli.js';

const NAIVE = 'FROM python:3.12-slim\nCOPY . .\nRUN pip install --no-cache-dir -r requirements.txt\n';
const FIXED = 'FROM python:3.12-slim\nCOPY requirements.txt ./\nRUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt\nCOPY . .\n';

const hasPreCommit = spawnSync('pre-commit', ['--version'], { encoding: 'utf8' }).status === 0;
const hasNpm = spawnSync('npm', ['--version'], { encoding: 'utf8' }).status === 0;

function sh(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 600_000 });
  return { code: r.status, out: (r.stdout ?? '') + (r.stderr ?? ''), stdout: r.stdout ?? '' };
}

function project(repo: string, rev: string, hook: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-precommit-project-'));
  fs.mkdirSync(path.join(dir, 'svc'));
  fs.writeFileSync(path.join(dir, 'svc/Dockerfile'), NAIVE);
  fs.writeFileSync(path.join(dir, 'svc/requirements.txt'), 'flask\n');
  fs.writeFileSync(
    path.join(dir, '.pre-commit-config.yaml'),
    `repos:\n  - repo: file://${repo}\n    rev: ${rev}\n    hooks:\n      - id: ${hook}\n        args: [--syntax, none]\n`,
  );
  const git = (...a: string[]) => sh('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...a], dir);
  git('init', '-q');
  git('add', '-A');
  return dir;
}

describe('the hooks file', () => {
  it('names hooks whose entry is the package bin, and the bin is the committed bundle (no build at install)', () => {
    const hooks = parse(fs.readFileSync(path.join(ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as Array<{ id: string; entry: string; language: string }>;
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(hooks.map((h) => [h.id, h.language, h.entry.split(' ')[0]])).toEqual([
      ['dockerfix', 'node', 'dockerfix'],
      ['dockerfix-check', 'node', 'dockerfix'],
    ]);
    expect(pkg.bin.dockerfix).toBe('bundle/dockerfix.mjs');
    // No lifecycle script runs at install or pack time: no devDependencies needed, nothing printed on npm pack's stdout.
    for (const s of ['prepare', 'prepack', 'postpack', 'preinstall', 'install', 'postinstall']) expect(pkg.scripts[s], s).toBeUndefined();
    expect(pkg.files).toContain('bundle');
  });
});

describe('pre-commit 3.x (Debian) with repo: file://<this tree>', () => {
  it('installs, rewrites the Dockerfile and fails the first run, passes the second', { timeout: 900_000 }, (ctx) => {
    if (!hasPreCommit) {
      console.log('pre-commit test skipped: `pre-commit` is not installed (.ci/setup.d/pre-commit.sh installs Debian\'s package)');
      ctx.skip();
    }
    const { dir: repo, rev } = snapshotRepo();
    const proj = project(repo, rev, 'dockerfix');
    const env = { PRE_COMMIT_HOME: path.join(proj, '.cache-pre-commit') };
    const first = sh('pre-commit', ['run', '--all-files', '--show-diff-on-failure'], proj, env);
    expect(first.out).toMatch(/dockerfix\.+Failed/);
    expect(first.out).toContain('files were modified by this hook');
    expect(first.code).toBe(1);
    expect(fs.readFileSync(path.join(proj, 'svc/Dockerfile'), 'utf8')).toBe(FIXED);
    sh('git', ['add', '-A'], proj);
    const second = sh('pre-commit', ['run', '--all-files'], proj, env);
    expect(second.out).toMatch(/dockerfix\.+Passed/);
    expect(second.code).toBe(0);

    // The check hook on a fresh naive file: fails without touching it.
    fs.writeFileSync(path.join(proj, 'svc/Dockerfile'), NAIVE);
    fs.writeFileSync(path.join(proj, '.pre-commit-config.yaml'), fs.readFileSync(path.join(proj, '.pre-commit-config.yaml'), 'utf8').replace('id: dockerfix', 'id: dockerfix-check'));
    sh('git', ['add', '-A'], proj);
    const check = sh('pre-commit', ['run', '--all-files'], proj, env);
    expect(check.code).toBe(1);
    expect(check.out).toContain('svc/Dockerfile');
    expect(fs.readFileSync(path.join(proj, 'svc/Dockerfile'), 'utf8')).toBe(NAIVE);
  });
});

describe('pre-commit 4.x install command, reproduced', () => {
  it('npm install --allow-git=root --install-links -g git+file://<clone> gives a working dockerfix', { timeout: 600_000 }, (ctx) => {
    if (!hasNpm) {
      console.log('pre-commit 4.x reproduction skipped: npm is not installed');
      ctx.skip();
    }
    const { dir: repo } = snapshotRepo();
    const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-node-env-'));
    // pre-commit's in_env: NPM_CONFIG_PREFIX set to the environment, the user config unset.
    const env = { NPM_CONFIG_PREFIX: prefix, npm_config_prefix: prefix, NPM_CONFIG_USERCONFIG: '/dev/null', npm_config_userconfig: '/dev/null' };
    const install = sh('npm', ['install', '--allow-git=root', '--install-links', '-g', `git+file://${repo}`], repo, env);
    expect(install.code, install.out).toBe(0);
    const bin = path.join(prefix, 'bin', 'dockerfix');
    expect(fs.existsSync(bin), install.out).toBe(true);
    const proj = project(repo, 'HEAD', 'dockerfix');
    const check = sh(bin, ['--check', 'svc/Dockerfile'], proj);
    expect(check.stdout).toBe('svc/Dockerfile\n');
    expect(check.code).toBe(1);
    const write = sh(bin, ['--write', '--quiet', '--syntax', 'none', 'svc/Dockerfile'], proj);
    expect(write.code, write.out).toBe(0);
    expect(fs.readFileSync(path.join(proj, 'svc/Dockerfile'), 'utf8')).toBe(FIXED);
  });
});
