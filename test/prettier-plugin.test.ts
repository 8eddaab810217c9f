/**
 * The prettier plugin: through prettier's API (src) and through the real prettier CLI in a temp
 * project that depends on dockerfix via node_modules/dockerfix -> this repository (so the
 * `dockerfix/prettier` subpath export and the built dist/ are what prettier loads).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as prettier from 'prettier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin, { PARSER_NAME, isDockerfilePath } from '../src/prettier-plugin.js';

const REPO = path.resolve(import.meta.dirname, '..');

const fmt = (text: string, options: Record<string, unknown> = {}): Promise<string> =>
  prettier.format(text, { parser: PARSER_NAME, plugins: [plugin], ...options });

describe('prettier plugin (API)', () => {
  it('formats with the dockerfix style', async () => {
    expect(await fmt('from alpine\nrun  apk add \\\n  curl\nENV A=1 B=2')).toBe('FROM alpine\nRUN apk add \\\n    curl\nENV A=1 \\\n    B=2\n');
  });

  it('honours prettier\'s tabWidth and useTabs (no dockerfix-specific option); 4 when unset', async () => {
    const text = 'RUN a \\\n b\n';
    expect(await fmt(text)).toBe('RUN a \\\n    b\n');
    expect(await fmt(text, { tabWidth: 2 })).toBe('RUN a \\\n  b\n');
    expect(await fmt(text, { tabWidth: 8 })).toBe('RUN a \\\n        b\n');
    expect(await fmt(text, { useTabs: true })).toBe('RUN a \\\n\tb\n');
    expect(plugin.options).toEqual({});
  });

  it('honours endOfLine and keeps a BOM', async () => {
    expect(await fmt('\ufeffFROM a\nrun x\n', { endOfLine: 'crlf' })).toBe('\ufeffFROM a\r\nRUN x\r\n');
    expect(await fmt('FROM a\r\nrun x\r\n', { endOfLine: 'auto' })).toBe('FROM a\r\nRUN x\r\n');
  });

  it('throws a SyntaxError with loc and (line:col)', async () => {
    const err = await fmt('FROM a\nRUN <<EOF\nx\n').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyntaxError);
    expect((err as Error).message.split('\n')[0]).toBe('unterminated heredoc <<EOF: no line "EOF" closes it (2:5)');
    expect((err as { loc: unknown }).loc).toEqual({ start: { line: 2, column: 5 } });
  });

  it('infers the parser from Dockerfile names', async () => {
    for (const f of ['Dockerfile', 'Containerfile', 'Dockerfile.prod', 'api.dockerfile', 'x/y/Containerfile.dev', 'app.Dockerfile']) {
      expect(await prettier.format('from a\n', { filepath: f, plugins: [plugin] }), f).toBe('FROM a\n');
    }
    expect(isDockerfilePath('Dockerfile.dockerignore')).toBe(false);
    expect(isDockerfilePath('README.md')).toBe(false);
  });

  it('does not register the parser name prettier-plugin-sh uses', () => {
    expect(Object.keys(plugin.parsers ?? {})).toEqual(['dockerfix-dockerfile']);
  });
});

describe('prettier CLI with dockerfix/prettier', () => {
  let dir: string;
  const run = (args: string[]): { status: number | null; out: string } => {
    const r = spawnSync('npx', ['--no-install', 'prettier', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    return { status: r.status, out: `${r.stdout}${r.stderr}`.replace(/^npm warn.*\n/gm, '') };
  };

  beforeAll(() => {
    if (!fs.existsSync(path.join(REPO, 'dist/src/prettier-plugin.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does it in pretest)');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-prettier-'));
    fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"demo","private":true}\n');
    fs.mkdirSync(path.join(dir, 'node_modules/.bin'), { recursive: true });
    fs.symlinkSync(REPO, path.join(dir, 'node_modules/dockerfix'));
    fs.symlinkSync(path.join(REPO, 'node_modules/prettier'), path.join(dir, 'node_modules/prettier'));
    fs.symlinkSync('../prettier/bin/prettier.cjs', path.join(dir, 'node_modules/.bin/prettier'));
    fs.writeFileSync(path.join(dir, '.prettierignore'), 'package.json\n');
    fs.mkdirSync(path.join(dir, 'svc'));
    fs.writeFileSync(path.join(dir, 'Dockerfile'), 'from node:20\nrun  npm ci \\\n  && npm test\n');
    fs.writeFileSync(path.join(dir, 'svc/Dockerfile.prod'), 'FROM alpine\nCMD [ "a" ]\n');
    fs.writeFileSync(path.join(dir, 'svc/ok.dockerfile'), 'FROM alpine\nRUN echo ok\n');
  });
  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('--check lists unformatted Dockerfiles and exits 1; --write fixes them; --check then passes', () => {
    const check = run(['--plugin', 'dockerfix/prettier', '--check', '.']);
    expect(check.status).toBe(1);
    expect(check.out).toContain('[warn] Dockerfile\n');
    expect(check.out).toContain('[warn] svc/Dockerfile.prod\n');
    expect(check.out).not.toContain('ok.dockerfile');

    const write = run(['--plugin', 'dockerfix/prettier', '--write', '.']);
    expect(write.status).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).toBe('FROM node:20\nRUN npm ci \\\n    && npm test\n');
    expect(fs.readFileSync(path.join(dir, 'svc/Dockerfile.prod'), 'utf8')).toBe('FROM alpine\nCMD ["a"]\n');

    const again = run(['--plugin', 'dockerfix/prettier', '--check', '.']);
    expect(again.out).toContain('All matched files use Prettier code style!');
    expect(again.status).toBe(0);
  });

  it('works from .prettierrc plugins and next to prettier-plugin-sh', () => {
    fs.symlinkSync(path.join(REPO, 'node_modules/prettier-plugin-sh'), path.join(dir, 'node_modules/prettier-plugin-sh'));
    fs.writeFileSync(path.join(dir, '.prettierrc'), JSON.stringify({ plugins: ['prettier-plugin-sh', 'dockerfix/prettier'], tabWidth: 2 }));
    fs.writeFileSync(path.join(dir, 'Containerfile'), 'from alpine\nrun a \\\n      b\n');
    const r = run(['--write', 'Containerfile']);
    expect(r.status).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'Containerfile'), 'utf8')).toBe('FROM alpine\nRUN a \\\n  b\n');
    fs.rmSync(path.join(dir, '.prettierrc'));
  });

  it('exposes the formatter API at dockerfix/format', () => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', "import { format } from 'dockerfix/format'; process.stdout.write(format('from a').output);"], { cwd: dir, encoding: 'utf8' });
    expect(out).toBe('FROM a\n');
  });

  it('reports a parse error with the position and exits 2', () => {
    fs.writeFileSync(path.join(dir, 'broken.dockerfile'), 'FROM a\nRUN <<EOF\nx\n');
    const r = run(['--plugin', 'dockerfix/prettier', '--check', 'broken.dockerfile']);
    expect(r.status).toBe(2);
    expect(r.out).toContain('broken.dockerfile: SyntaxError: unterminated heredoc <<EOF: no line "EOF" closes it (2:5)');
    fs.rmSync(path.join(dir, 'broken.dockerfile'));
  });
});
