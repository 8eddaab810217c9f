/**
 * One configuration for `dockerfix`, `dockerfix fmt` and the prettier plugin: `.editorconfig`
 * (indent_style / indent_size, as prettier reads it) and the dockerfix config's `format` key give
 * the same layout everywhere, and `exclude` / `.dockerfixignore` keep files out of both commands.
 * Before, `dockerfix fmt` read no configuration at all: a repository indenting by 2 through its
 * .editorconfig failed `dockerfix fmt --check` while prettier passed.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as prettier from 'prettier';
import * as sh from 'prettier-plugin-sh';
import { describe, expect, it } from 'vitest';
import plugin from '../src/prettier-plugin.js';
import { clearEditorConfigCache, editorConfigFormat } from '../src/pipeline/editorconfig.js';
import { runCli, tempDir } from './helpers/cli.js';

const TWO = 'FROM alpine\nRUN apk add \\\n  curl\n';
const FOUR = 'FROM alpine\nRUN apk add \\\n    curl\n';
const TAB = 'FROM alpine\nRUN apk add \\\n\tcurl\n';

/** What the prettier CLI does for a file: resolve its config (.editorconfig included), format. */
async function prettierFormat(file: string, plugins: prettier.Plugin[] = [plugin]): Promise<string> {
  const options = (await prettier.resolveConfig(file, { editorconfig: true, useCache: false })) ?? {};
  return prettier.format(fs.readFileSync(file, 'utf8'), { ...options, filepath: file, plugins });
}

function repo(files: Record<string, string>): string {
  clearEditorConfigCache();
  return tempDir({ '.git/HEAD': 'ref: refs/heads/main\n', ...files });
}

describe('one configuration: .editorconfig and the config file', () => {
  it('.editorconfig indent_size = 2: fmt --check passes, prettier agrees; 4-space text fails both', async () => {
    const dir = repo({ '.editorconfig': 'root = true\n[*]\nindent_style = space\nindent_size = 2\n', 'Dockerfile': TWO, 'b/Dockerfile': FOUR });
    const r = runCli(['fmt', '--check', '.'], dir);
    expect(r.stdout).toBe('b/Dockerfile\n');
    expect(r.code).toBe(1);
    expect(await prettierFormat(path.join(dir, 'Dockerfile'))).toBe(TWO);
    expect(await prettierFormat(path.join(dir, 'b/Dockerfile'))).toBe(TWO);
    // --fmt on the main command uses the same layout.
    fs.writeFileSync(path.join(dir, 'c.Dockerfile'), 'FROM python:3.12\nRUN pip install \\\n      flask\n');
    const w = runCli(['--fmt', '--write', '--syntax', 'none', 'c.Dockerfile'], dir);
    expect(w.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'c.Dockerfile'), 'utf8')).toBe('FROM python:3.12\nRUN --mount=type=cache,target=/root/.cache/pip pip install \\\n  flask\n');
  });

  it('.editorconfig sections for Dockerfiles, tabs, nearer files win, root = true stops the search', () => {
    const dir = repo({
      '.editorconfig': 'root = true\n[*]\nindent_size = 8\n[{Dockerfile,*.dockerfile}]\nindent_style = tab\n',
      'svc/.editorconfig': '[Dockerfile]\nindent_style = space\nindent_size = 3\n',
      'Dockerfile': TAB,
      'svc/Dockerfile': 'FROM a\nRUN b \\\n   c\n',
      'iso/.editorconfig': 'root = true\n',
      'iso/Dockerfile': FOUR,
    });
    expect(editorConfigFormat(path.join(dir, 'Dockerfile'))).toEqual({ useTabs: true, indent: 8 });
    expect(editorConfigFormat(path.join(dir, 'svc/Dockerfile'))).toEqual({ useTabs: false, indent: 3 });
    expect(editorConfigFormat(path.join(dir, 'iso/Dockerfile'))).toEqual({});
    const r = runCli(['fmt', '--check', '.'], dir);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(0);
  });

  it('the config file\'s format key: fmt, --fmt and the prettier plugin; flags win', async () => {
    const dir = repo({ 'dockerfix.config.json': JSON.stringify({ format: { indent: 2 } }), 'Dockerfile': FOUR });
    const r = runCli(['fmt', '--check', '.'], dir);
    expect([r.stdout, r.code]).toEqual(['Dockerfile\n', 1]);
    expect(await prettierFormat(path.join(dir, 'Dockerfile'))).toBe(TWO);
    expect(runCli(['fmt', '--check', '--indent', '4', '.'], dir).code).toBe(0);
    expect(runCli(['fmt', '--check', '--no-config', '.'], dir).code).toBe(0);
    fs.writeFileSync(path.join(dir, 'dockerfix.config.json'), JSON.stringify({ format: { indnet: 2 } }));
    const bad = runCli(['fmt', '--check', '.'], dir);
    expect(bad.stderr).toBe('dockerfix fmt: dockerfix.config.json: format.indnet: unknown key; did you mean "indent"? (allowed: indent, useTabs, endOfLine)\n');
    expect(bad.code).toBe(2);
  });

  it('exclude (config) and .dockerfixignore keep files out of dockerfix and dockerfix fmt, named or found', () => {
    const dir = repo({
      'dockerfix.config.json': JSON.stringify({ exclude: ['legacy/**'] }),
      '.dockerfixignore': '# generated\ngen/\n',
      'legacy/Dockerfile': 'from python:3.12\nRUN pip install flask\n',
      'gen/Dockerfile': 'from python:3.12\nRUN pip install flask\n',
      'Dockerfile': 'FROM a\n',
    });
    for (const args of [['--check', '.'], ['fmt', '--check', '.'], ['--check', 'legacy/Dockerfile', 'gen/Dockerfile'], ['fmt', '--check', 'legacy/Dockerfile', 'gen/Dockerfile']]) {
      const r = runCli(args, dir);
      expect([args.join(' '), r.stdout, r.code]).toEqual([args.join(' '), '', 0]);
    }
    // Without them both files would change.
    fs.rmSync(path.join(dir, 'dockerfix.config.json'));
    fs.rmSync(path.join(dir, '.dockerfixignore'));
    expect(runCli(['--check', '--syntax', 'none', '.'], dir).stdout).toBe('gen/Dockerfile\nlegacy/Dockerfile\n');
  });

  it('.git/info/exclude is honoured like .gitignore', () => {
    const dir = repo({ '.git/info/exclude': 'scratch/\n', 'scratch/Dockerfile': 'from a\n', 'Dockerfile': 'from a\n' });
    expect(runCli(['fmt', '--check', '.'], dir).stdout).toBe('Dockerfile\n');
  });
});

describe('beside prettier-plugin-sh (it claims Dockerfiles too)', () => {
  it('the plugin listed last formats Dockerfiles; a parser override pins dockerfix whatever the order', async () => {
    const text = 'from alpine\nrun  a \\\n b\n';
    const dfxLast = await prettier.format(text, { filepath: 'Dockerfile', plugins: [sh, plugin] });
    const shLast = await prettier.format(text, { filepath: 'Dockerfile', plugins: [plugin, sh] });
    expect(dfxLast).toBe('FROM alpine\nRUN a \\\n    b\n');
    expect(shLast).not.toBe(dfxLast);
    expect(await prettier.format(text, { filepath: 'Dockerfile', plugins: [plugin, sh], parser: 'dockerfix-dockerfile' })).toBe(dfxLast);
  });
});
