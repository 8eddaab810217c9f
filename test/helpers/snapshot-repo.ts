/**
 * The working tree as a git repository of its own: every tracked and untracked-not-ignored file
 * of this checkout committed into a fresh repository in a temporary directory. Tests that install
 * dockerfix "from git" (pre-commit, `npm install -g git+file://…`) clone that, so they test the
 * tree as it is, uncommitted edits included, without touching this repository.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './cli.js';

export function snapshotRepo(): { dir: string; rev: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-snapshot-'));
  const files = execFileSync('git', ['-C', ROOT, 'ls-files', '-z', '-co', '--exclude-standard'], { encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const rel of files) {
    const from = path.join(ROOT, rel);
    if (!fs.existsSync(from)) continue; // deleted in the working tree
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.cpSync(from, path.join(dir, rel), { verbatimSymlinks: true });
  }
  const git = (...args: string[]): string =>
    execFileSync('git', ['-C', dir, '-c', 'user.name=test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false', ...args], { encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'snapshot of the working tree');
  return { dir, rev: git('rev-parse', 'HEAD') };
}
