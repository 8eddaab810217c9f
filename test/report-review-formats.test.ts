/**
 * `--format rdjsonl` (reviewdog) and `--format gitlab` (GitLab Code Quality): validated against
 * reviewdog's published Diagnostic schema (vendored in test/schemas/reviewdog, see SOURCE.md) and
 * a schema written from GitLab's documented format; golden files for the bundled examples
 * (UPDATE_GOLDEN=1 rewrites them); suggestions applied to the input give dockerfix's output.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import AjvDraft04 from 'ajv-draft-04';
import Ajv from 'ajv';
import { ROOT, runCli, tempDir } from './helpers/cli.js';
import { utf8Column } from '../src/report/rdjsonl.js';
import { applyLineSuggestions, lineSuggestions } from '../src/report/suggestions.js';

const rdSchema = JSON.parse(fs.readFileSync(path.join(ROOT, 'test/schemas/reviewdog/Diagnostic.json'), 'utf8'));
const glSchema = JSON.parse(fs.readFileSync(path.join(ROOT, 'test/schemas/gitlab-codequality.schema.json'), 'utf8'));
const validateRd = new AjvDraft04({ allErrors: true, strict: false }).compile(rdSchema);
const validateGl = new Ajv({ allErrors: true, strict: true }).compile(glSchema);
const EXAMPLES = path.join(ROOT, 'examples');
const GOLDEN = path.join(ROOT, 'test/report-golden');
const examples = fs.readdirSync(EXAMPLES).filter((e) => fs.existsSync(path.join(EXAMPLES, e, 'Dockerfile'))).sort();

interface Diagnostic {
  message: string;
  location: { path: string; range?: { start: { line: number; column?: number }; end?: { line: number; column?: number } } };
  severity: string;
  code?: { value: string };
  suggestions?: Array<{ range: { start: { line: number; column?: number }; end: { line: number; column?: number } }; text: string }>;
}

const parseLines = (s: string): Diagnostic[] => s.split('\n').filter(Boolean).map((l) => JSON.parse(l));

function golden(name: string, actual: string): void {
  const file = path.join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN) {
    fs.mkdirSync(GOLDEN, { recursive: true });
    fs.writeFileSync(file, actual);
  }
  expect(actual).toBe(fs.readFileSync(file, 'utf8'));
}

describe('--format rdjsonl', () => {
  for (const ex of examples) {
    it(`examples/${ex}: valid reviewdog Diagnostics whose suggestions rebuild dockerfix's output`, () => {
      const r = runCli(['--format', 'rdjsonl', ex], EXAMPLES);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      golden(`${ex}.rdjsonl`, r.stdout);
      const diags = parseLines(r.stdout);
      expect(diags.length).toBeGreaterThan(0);
      for (const d of diags) expect(validateRd(d), JSON.stringify(validateRd.errors)).toBe(true);
      // reviewdog's GitHub reporter posts a suggestion only when its lines are the comment's lines.
      const withFix = diags.filter((d) => d.suggestions);
      for (const d of withFix) {
        expect(d.suggestions).toHaveLength(1);
        expect(d.suggestions![0].range).toEqual(d.location.range);
        expect(d.location.range!.start.column).toBeUndefined();
      }
      const file = path.join(EXAMPLES, ex, 'Dockerfile');
      const before = fs.readFileSync(file, 'utf8');
      const out = runCli(['--stdin', '--stdin-filepath', `${ex}/Dockerfile`], EXAMPLES, { input: before });
      const applied = applyLineSuggestions(before, withFix.map((d) => ({ startLine: d.location.range!.start.line, endLine: d.location.range!.end!.line, text: d.suggestions![0].text })));
      expect(applied).toBe(out.stdout);
    });
  }

  it('the schema rejects what reviewdog would not read (the check can fail)', () => {
    expect(validateRd({ message: 'x', severity: 'BAD' })).toBe(false);
    expect(validateRd({ message: 'x', location: { path: 1 } })).toBe(false);
    expect(validateRd({ message: 'x', suggestions: [{ text: 3 }] })).toBe(false);
  });

  it('skipped findings and file errors carry no suggestion; columns count UTF-8 bytes', () => {
    const dir = tempDir({ 'svc/Dockerfile': 'FROM python:3.12-slim\nUSER app\nRUN pip install flask\n', 'bad/Dockerfile': 'FROM a\n\0\n' });
    const r = runCli(['--format', 'rdjsonl', '--only', 'pip-cache-mount', 'svc/Dockerfile', 'bad/Dockerfile', 'missing'], dir);
    expect(r.code).toBe(2);
    const diags = parseLines(r.stdout);
    for (const d of diags) expect(validateRd(d)).toBe(true);
    expect(diags.map((d) => [d.location.path, d.severity, Boolean(d.suggestions)])).toEqual([
      ['missing', 'ERROR', false],
      ['svc/Dockerfile', 'INFO', false],
      ['bad/Dockerfile', 'ERROR', false],
    ]);
    expect(diags[1]).toMatchObject({ code: { value: 'pip-cache-mount' }, location: { range: { start: { line: 3, column: 1 } } } });
    expect(diags[2].location.range).toEqual({ start: { line: 2, column: 1 } });
    expect(utf8Column('RUN echo é && x', 13)).toBe(14);
    expect(utf8Column('a𐐀b', 4)).toBe(6);
  });
});

describe('line suggestions', () => {
  const cases: Array<[string, string, string]> = [
    ['insertion at the top', 'FROM a\nRUN x\n', '# syntax=docker/dockerfile:1\nFROM a\nRUN x\n'],
    ['two insertions around line 1', 'FROM a\n', '# top\nFROM a\nRUN b\n'],
    ['deletion', 'FROM a\nRUN x\nRUN y\n', 'FROM a\nRUN y\n'],
    ['a line moved down past two others', 'FROM a\nCOPY . .\nRUN x\nRUN y\n', 'FROM a\nRUN x\nRUN y\nCOPY . .\n'],
    ['CRLF kept', 'FROM a\r\nRUN x\r\n', 'FROM a\r\nRUN --mount=type=cache,target=/c x\r\n'],
    ['far-apart changes stay separate', 'A\n1\n2\n3\n4\nB\n', 'A2\n1\n2\n3\n4\nB2\n'],
  ];
  for (const [name, before, after] of cases) {
    it(name, () => {
      const s = lineSuggestions(before, after);
      expect(applyLineSuggestions(before, s)).toBe(after);
      for (const x of s) expect(x.text.includes('\r')).toBe(false);
    });
  }
  it('merges nearby changes and keeps far ones apart', () => {
    expect(lineSuggestions('A\n1\n2\n3\n4\nB\n', 'A2\n1\n2\n3\n4\nB2\n').map((s) => [s.startLine, s.endLine])).toEqual([[1, 1], [6, 6]]);
    expect(lineSuggestions('A\n1\nB\n', 'A2\n1\nB2\n').map((s) => [s.startLine, s.endLine, s.text])).toEqual([[1, 3, 'A2\n1\nB2']]);
  });
});

describe('--format gitlab', () => {
  for (const ex of examples) {
    it(`examples/${ex}: a valid Code Quality report`, () => {
      const r = runCli(['--format', 'gitlab', ex], EXAMPLES);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      golden(`${ex}.gitlab.json`, r.stdout);
      const doc = JSON.parse(r.stdout);
      expect(validateGl(doc), JSON.stringify(validateGl.errors)).toBe(true);
      const fps = doc.map((i: { fingerprint: string }) => i.fingerprint);
      expect(new Set(fps).size).toBe(fps.length);
    });
  }

  const BASE = 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install --no-cache-dir -r requirements.txt\nUSER app\nRUN pip install flask\n';
  const run = (text: string): Array<{ check_name: string; fingerprint: string; location: { lines: { begin: number } } }> => {
    const dir = tempDir({ Dockerfile: text, 'requirements.txt': 'flask\n' });
    const r = runCli(['--format', 'gitlab', '--syntax', 'none', '--only', 'pip-cache-mount', 'Dockerfile'], dir);
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout);
  };

  it('fingerprints survive unrelated edits that shift lines, and change with the instruction', () => {
    const a = run(BASE);
    expect(a.map((i) => [i.check_name, i.location.lines.begin])).toEqual([['pip-cache-mount', 4], ['pip-cache-mount', 6]]);
    const shifted = run('FROM python:3.12-slim\n# a comment\nENV A=1\nWORKDIR /app\nCOPY . .\nRUN pip install --no-cache-dir -r requirements.txt\nUSER app\nRUN pip install flask\n');
    expect(shifted.map((i) => i.location.lines.begin)).toEqual([6, 8]);
    expect(shifted.map((i) => i.fingerprint)).toEqual(a.map((i) => i.fingerprint));
    const edited = run(BASE.replace('pip install flask', 'pip install flask requests'));
    expect(edited[0].fingerprint).toBe(a[0].fingerprint);
    expect(edited[1].fingerprint).not.toBe(a[1].fingerprint);
  });

  it('two identical findings in one file get distinct, stable fingerprints', () => {
    const twice = 'FROM python:3.12-slim\nUSER app\nRUN pip install flask\nRUN pip install flask\n';
    const a = run(twice);
    expect(a).toHaveLength(2);
    expect(a[0].fingerprint).not.toBe(a[1].fingerprint);
    expect(run('FROM python:3.12-slim\nENV X=1\nUSER app\nRUN pip install flask\nRUN pip install flask\n').map((i) => i.fingerprint)).toEqual(a.map((i) => i.fingerprint));
  });
});
