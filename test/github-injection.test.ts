/**
 * `--format github`: the runner reads BOTH standard output and standard error for workflow
 * commands, `::name::` at the start of a line and the legacy `##[name]` anywhere in one
 * (test/helpers/workflow-commands.ts follows actions/runner). A repository that names a directory
 * `x\n::warning …` or `y##[add-matcher]…` must not get a command into the log: the only commands
 * are dockerfix's own annotations, on standard output.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';
import { workflowCommands } from './helpers/workflow-commands.js';
import { safeLogLine } from '../src/report/github.js';

const HOSTILE = ['x\n::warning title=pwn::owned', 'y##[warning]pwned', 'z##[add-matcher]evil.json', ' ::error::lead', 'w\r##[error]cr'];

describe('--format github: nothing from the repository becomes a workflow command', () => {
  it('hostile directory names, on stdout and stderr, unreadable files and missing paths', () => {
    const dir = tempDir({});
    for (const d of HOSTILE) {
      fs.mkdirSync(path.join(dir, d), { recursive: true });
      fs.writeFileSync(path.join(dir, d, 'Dockerfile'), 'FROM a\n\0\n'); // binary: an error on both streams
      fs.mkdirSync(path.join(dir, d, 'ok'), { recursive: true });
      fs.writeFileSync(path.join(dir, d, 'ok', 'Dockerfile'), 'FROM python:3\nRUN pip install --no-cache-dir flask\n');
    }
    for (const args of [['--format', 'github', '.'], ['--format=github', '.'], ['-f', 'github', '--check', '.'], ['--format', 'github', 'missing##[warning]x', 'missing\n::error::y']]) {
      const r = runCli(args, dir);
      expect(r.code).toBe(2);
      // Standard error: messages for people, not one command.
      expect(workflowCommands(r.stderr), r.stderr).toEqual([]);
      expect(r.stderr).not.toBe('');
      // Standard output: only dockerfix's annotations.
      const cmds = workflowCommands(r.stdout);
      expect(cmds.length).toBeGreaterThan(0);
      for (const c of cmds) {
        expect(c.form).toBe('v2');
        expect(['error', 'warning', 'notice']).toContain(c.name);
        expect(c.props.title).toMatch(/^dockerfix/);
      }
    }
  });

  it('a usage error naming a hostile option is inert too', () => {
    const r = runCli(['--format', 'github', '--x##[warning]pwned'], tempDir({}));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--x##\\x5bwarning]pwned');
    expect(workflowCommands(r.stderr)).toEqual([]);
  });

  it('safeLogLine: no leading ::, no ##[ anywhere, no raw controls', () => {
    expect(safeLogLine('::warning::x')).toBe('\\x3a:warning::x');
    expect(safeLogLine('\u00a0 ::error::x')).toBe('\u00a0 \\x3a:error::x');
    expect(safeLogLine('a ##[add-mask]secret ###[group]')).toBe('a ##\\x5badd-mask]secret ###\\x5bgroup]');
    expect(safeLogLine('a\rb\n::c')).toBe('a\\rb\\n::c');
    for (const s of ['::warning::x', 'x##[error]y', '\u0085::notice::z']) expect(workflowCommands(safeLogLine(s))).toEqual([]);
  });
});
