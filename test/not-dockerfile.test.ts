/**
 * Files BuildKit would not build are not Dockerfiles: templates (Go/Jinja/cookiecutter/`%%VAR%%`),
 * unknown instructions, duplicate parser directives and UTF-16 files are input errors (exit 2,
 * `path:line:col: message`, nothing written); `# escape=` without a value is a comment. Runs the
 * built CLI.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DockerfileDocument } from '../src/core/document.js';
import { lex } from '../src/core/lexer.js';
import { decode, InputError } from '../src/core/source.js';
import { runCli, tempDir } from './helpers/cli.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
const tmp = (files: Record<string, string>): string => {
  const d = tempDir(files);
  dirs.push(d);
  return d;
};

const PIP = 'FROM python:3.11-slim\nRUN pip install flask\n';
const PIP_FIXED = '# syntax=docker/dockerfile:1\nFROM python:3.11-slim\nRUN --mount=type=cache,target=/root/.cache/pip pip install flask\n';

/** Write `files`, run `dockerfix --write <args>`, expect exit 2 with `stderr`, files untouched. */
function rejected(files: Record<string, string>, args: string[], stderr: string): void {
  const dir = tmp(files);
  const r = runCli(['--write', ...args], dir);
  expect(r.stderr).toBe(stderr);
  expect(r.code).toBe(2);
  for (const [name, text] of Object.entries(files)) expect(fs.readFileSync(path.join(dir, name), 'utf8')).toBe(text);
}

describe('templates are not Dockerfiles', () => {
  it('a Jinja control line is an unknown instruction (BuildKit: "unknown instruction"), even in a file named explicitly', () => {
    const j2 = 'FROM python:3.11-slim\n{% if dev %}\nRUN pip install pytest\n{% endif %}\nRUN pip install flask\n';
    rejected({ 'Dockerfile.j2': j2 }, ['Dockerfile.j2'], 'Dockerfile.j2:2:1: unknown instruction: {% (template syntax: this file is a template, not a Dockerfile)\n');
  });

  it('a Go-template control line', () => {
    const t = '{{ if .Dev }}\nFROM golang:1.22\n{{ end }}\nRUN go build ./...\n';
    rejected({ Dockerfile: t }, ['Dockerfile'], 'Dockerfile:1:1: unknown instruction: {{ (template syntax: this file is a template, not a Dockerfile)\n');
  });

  it('a placeholder on an instruction line: cookiecutter/Jinja {{ }} and %%VAR%%; other files still run', () => {
    const cookie = 'FROM python:{{ cookiecutter.python_version }}-slim\nRUN pip install flask\n';
    const pct = 'FROM nginx:%%NGINX_VERSION%%-alpine\nENV NJS %%NJS_VERSION%%\n';
    const dir = tmp({ 'a/Dockerfile': cookie, 'b/Dockerfile': pct, 'c/Dockerfile': PIP });
    const r = runCli(['--write', '.'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('a/Dockerfile:1:13: template syntax "{{ cookiecutter.python_version }}" in FROM: this file is a template, not a Dockerfile\n');
    expect(r.stderr).toContain('b/Dockerfile:1:12: template syntax "%%NGINX_VERSION%%" in FROM: this file is a template, not a Dockerfile\n');
    expect(fs.readFileSync(path.join(dir, 'a/Dockerfile'), 'utf8')).toBe(cookie);
    expect(fs.readFileSync(path.join(dir, 'b/Dockerfile'), 'utf8')).toBe(pct);
    expect(fs.readFileSync(path.join(dir, 'c/Dockerfile'), 'utf8')).toBe(PIP_FIXED);
  });

  it("a program's own Go template in shell text is not template syntax", () => {
    const text = "FROM python:3.11-slim\nRUN pip install flask && go list -m -f '{{.Dir}}' x\nHEALTHCHECK CMD docker inspect -f '{{ .State.Running }}' app\n";
    expect(new DockerfileDocument(text).instructions.map((i) => i.upper)).toEqual(['FROM', 'RUN', 'HEALTHCHECK']);
  });

  it('any unknown instruction, as BuildKit', () => {
    rejected({ Dockerfile: 'FROM alpine\nFORM alpine\nRUN echo\n' }, ['Dockerfile'], 'Dockerfile:2:1: unknown instruction: FORM\n');
    // The lexer alone (BuildKit's parser level, used by the formatter) takes any word.
    expect(lex('FROM alpine\nFORM alpine\n').nodes.filter((n) => n.type === 'instruction')).toHaveLength(2);
  });

  it('the directory search leaves template names out; named explicitly, a plain one runs', () => {
    const dir = tmp({ 'Dockerfile.template': PIP, 'Dockerfile.tmpl': PIP, 'Dockerfile.j2': PIP, 'Dockerfile.in': PIP, 'Dockerfile.prod': PIP });
    const r = runCli(['--check', '.'], dir);
    expect(r.stdout).toBe('Dockerfile.prod\n');
    expect(r.code).toBe(1);
    const named = runCli(['--check', 'Dockerfile.in'], dir);
    expect(named.stdout).toBe('Dockerfile.in\n');
    expect(named.code).toBe(1);
  });
});

describe('parser directives and encodings', () => {
  it('"# escape=" without a value is a comment, as in Docker', () => {
    const text = '# escape=\nFROM python:3.11-slim\nRUN pip install flask\n';
    const doc = new DockerfileDocument(text);
    expect(doc.directives).toEqual([]);
    expect(doc.escape).toBe('\\');
    expect(doc.nodes[0].type).toBe('comment');
    const dir = tmp({ Dockerfile: text });
    const r = runCli(['--check', '.'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
  });

  it('a duplicate directive is an error, whatever its case ("only one escape parser directive can be used")', () => {
    rejected({ Dockerfile: '# escape=`\n# escape=\\\nFROM a\n' }, ['Dockerfile'], 'Dockerfile:2:1: only one escape parser directive can be used\n');
    rejected({ Dockerfile: '# escape=`\n#ESCAPE = `\nFROM a\n' }, ['Dockerfile'], 'Dockerfile:2:1: only one escape parser directive can be used\n');
    rejected({ Dockerfile: '# syntax=docker/dockerfile:1\n# syntax=docker/dockerfile:1.7\nFROM a\n' }, ['Dockerfile'], 'Dockerfile:2:1: only one syntax parser directive can be used\n');
    // After the directives end (a comment, a blank line), it is a comment.
    expect(new DockerfileDocument('# escape=`\n\n# escape=\\\nFROM a\n').escape).toBe('`');
  });

  it('directives may be indented and spaced (BuildKit trims the line)', () => {
    expect(new DockerfileDocument('  #  escape = `\nFROM a\n').escape).toBe('`');
  });

  it('UTF-16 files (with or without a BOM) are named as such', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('FROM alpine\n', 'utf16le')]);
    const noBom = Buffer.from('FROM alpine\n', 'utf16le');
    const be = Buffer.from(Buffer.from('FROM alpine\n', 'utf16le').swap16());
    for (const bytes of [le, noBom, be]) {
      expect(() => decode(bytes)).toThrow(new InputError('UTF-16 is not supported; save the file as UTF-8'));
    }
    // A binary file stays a binary file.
    expect(() => decode(Buffer.from([0x46, 0x52, 0x4f, 0x4d, 0x0a, 0x00, 0x01]))).toThrow(/binary file/);
    const dir = tmp({});
    fs.writeFileSync(path.join(dir, 'Dockerfile'), le);
    const r = runCli(['Dockerfile'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('Dockerfile:1:1: UTF-16 is not supported; save the file as UTF-8\n');
  });
});
