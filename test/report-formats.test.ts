import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import Ajv2020 from 'ajv/dist/2020.js';
import AjvDraft04 from 'ajv-draft-04';
import { ROOT, runCli, tempDir } from './helpers/cli.js';
import { escapeData, escapeProperty } from '../src/report/github.js';
import { JSON_SCHEMA_ID, JSON_SCHEMA_VERSION } from '../src/report/json.js';

const require = createRequire(import.meta.url);
const reportSchema = JSON.parse(fs.readFileSync(path.join(ROOT, 'schema/dockerfix-report.schema.json'), 'utf8'));
const sarifSchema = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');

const NAIVE = 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install --no-cache-dir -r requirements.txt\n';
const FIXED = 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt\n';
const SKIPPED = 'FROM python:3.12-slim\nUSER app\nRUN pip install flask\n';
const files = {
  'Dockerfile': NAIVE,
  'requirements.txt': 'flask\n',
  'svc/Dockerfile': SKIPPED,
  'clean/Dockerfile': 'FROM alpine\nRUN echo hi\n',
};
const opts = ['--syntax', 'none', '--only', 'pip-cache-mount,syntax-directive'];

function validator(schema: object, draft04 = false) {
  const ajv = draft04 ? new AjvDraft04({ allErrors: true, strict: false, unicodeRegExp: false, validateFormats: false }) : new Ajv2020({ allErrors: true, strict: true });
  return ajv.compile(schema);
}

function applyEdits(text: string, edits: Array<{ range: { start: { offset: number }; end: { offset: number } }; text: string }>): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.range.start.offset - a.range.start.offset)) {
    out = out.slice(0, e.range.start.offset) + e.text + out.slice(e.range.end.offset);
  }
  return out;
}

describe('--format json', () => {
  it('prints one document valid against schema/dockerfix-report.schema.json', () => {
    const dir = tempDir(files);
    const r = runCli(['--format', 'json', ...opts, '.'], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const validate = validator(reportSchema);
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(doc.schemaVersion).toBe(1);
    expect([reportSchema.$id, reportSchema.properties.schemaVersion.const]).toEqual([JSON_SCHEMA_ID, JSON_SCHEMA_VERSION]);
    expect(validate({ ...doc, files: [{ ...doc.files[0], status: 'bogus' }] })).toBe(false);
    expect(doc.summary).toEqual({ files: 3, changed: 1, written: 0, findings: 2, skipped: 1, errors: 0 });
    const byPath = Object.fromEntries(doc.files.map((f: { path: string }) => [f.path, f]));
    expect(Object.keys(byPath).sort()).toEqual(['Dockerfile', 'clean/Dockerfile', 'svc/Dockerfile']);
    const main = byPath['Dockerfile'];
    expect(main.status).toBe('changed');
    expect(main.diff).toContain('--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,4 +1,4 @@\n');
    expect(main.diff).toContain('+RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt\n');
    expect(main.edits.map((e: { transform: string; replaced: string }) => [e.transform, e.replaced])).toEqual([
      ['pip-cache-mount', ''],
      ['pip-cache-mount', ' --no-cache-dir'],
    ]);
    expect(main.edits[0].range.start).toEqual({ offset: NAIVE.indexOf('RUN') + 3, line: 4, column: 4 });
    // The edits, applied to the input, give the output.
    expect(applyEdits(NAIVE, main.edits)).toBe(FIXED);
    expect(main.findings).toEqual([
      expect.objectContaining({ transform: 'pip-cache-mount', kind: 'change', severity: 'warning', fixKind: 'safe', range: { start: { line: 4, column: 1 }, end: { line: 4, column: 4 } } }),
    ]);
    expect(byPath['svc/Dockerfile'].findings[0]).toMatchObject({ kind: 'skipped', severity: 'info', fixKind: null, range: { start: { line: 3, column: 1 } } });
    expect(byPath['clean/Dockerfile']).toMatchObject({ status: 'unchanged', diff: null, edits: [], findings: [] });
  });

  it('reports errors in the document and exits 2', () => {
    const dir = tempDir({ Dockerfile: NAIVE, 'bad/Dockerfile': 'FROM a\n\0\n' });
    const r = runCli(['--format', 'json', 'Dockerfile', 'bad/Dockerfile', 'missing'], dir);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(validator(reportSchema)(doc)).toBe(true);
    expect(doc.errors).toEqual([{ path: 'missing', message: 'no such file or directory' }]);
    const bad = doc.files.find((f: { path: string }) => f.path === 'bad/Dockerfile');
    expect(bad.status).toBe('error');
    expect(bad.error).toMatchObject({ line: 2, column: 1, internal: false });
    expect(doc.summary.errors).toBe(2);
  });

  it('--check exits 1 and --write records what was written', () => {
    const dir = tempDir(files);
    expect(runCli(['--format', 'json', '--check', ...opts, 'Dockerfile'], dir).code).toBe(1);
    const w = runCli(['--format', 'json', '--write', ...opts, 'Dockerfile'], dir);
    expect(w.code).toBe(0);
    const doc = JSON.parse(w.stdout);
    expect(doc.mode).toBe('write');
    expect(doc.files[0]).toMatchObject({ status: 'written', written: true });
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).toBe(FIXED);
  });

  it('--output writes the report to a file', () => {
    const dir = tempDir(files);
    const r = runCli(['--format', 'json', '--output', 'out/report.json', ...opts, 'Dockerfile'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const doc = JSON.parse(fs.readFileSync(path.join(dir, 'out/report.json'), 'utf8'));
    expect(doc.files[0].path).toBe('Dockerfile');
  });

  it('works on standard input', () => {
    const dir = tempDir({});
    const r = runCli(['--stdin', '--stdin-filepath', 'Dockerfile', '--format', 'json', ...opts], dir, { input: NAIVE });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(validator(reportSchema)(doc)).toBe(true);
    expect(doc.files[0]).toMatchObject({ path: 'Dockerfile', status: 'changed' });
  });
});

describe('--format sarif', () => {
  it('is valid SARIF 2.1.0 with rules, locations and fixes', () => {
    const dir = tempDir(files);
    const r = runCli(['--format', 'sarif', ...opts, '.'], dir);
    expect(r.code).toBe(0);
    const log = JSON.parse(r.stdout);
    const validate = validator(sarifSchema, true);
    expect(validate(log), JSON.stringify(validate.errors, null, 1)).toBe(true);
    // What GitHub code scanning requires of an upload.
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toMatch(/sarif-2\.1\.0/);
    const run = log.runs[0];
    expect(run.tool.driver.name).toBe('dockerfix');
    const ruleIds = run.tool.driver.rules.map((x: { id: string }) => x.id);
    expect(ruleIds).toEqual(expect.arrayContaining(['pip-cache-mount', 'syntax-directive']));
    expect(run.results).toHaveLength(2);
    for (const res of run.results) {
      expect(ruleIds[res.ruleIndex]).toBe(res.ruleId);
      expect(res.message.text.length).toBeGreaterThan(0);
      expect(res.locations[0].physicalLocation.artifactLocation.uri).toMatch(/^(svc\/)?Dockerfile$/);
      expect(res.locations[0].physicalLocation.region.startLine).toBeGreaterThan(0);
    }
    const change = run.results.find((x: { level: string }) => x.level === 'warning');
    expect(change.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'Dockerfile', uriBaseId: '%SRCROOT%' },
      region: { startLine: 4, startColumn: 1, endLine: 4, endColumn: 4 },
    });
    expect(change.fixes[0].artifactChanges[0].replacements).toEqual([
      { deletedRegion: { startLine: 4, startColumn: 4, endLine: 4, endColumn: 4 }, insertedContent: { text: ' --mount=type=cache,target=/root/.cache/pip' } },
      { deletedRegion: { startLine: 4, startColumn: 16, endLine: 4, endColumn: 31 } },
    ]);
    const note = run.results.find((x: { level: string }) => x.level === 'note');
    expect(note.fixes).toBeUndefined();
    expect(run.invocations[0].executionSuccessful).toBe(true);
    // The validator does reject broken logs.
    expect(validate({ ...log, version: '2.0.0' })).toBe(false);
    const broken = structuredClone(log);
    delete broken.runs[0].results[0].message;
    expect(validate(broken)).toBe(false);
  });

  it('reports file errors as tool notifications, still valid', () => {
    const dir = tempDir({ 'Dockerfile': 'FROM a\n\0\n' });
    const r = runCli(['--format', 'sarif', 'Dockerfile'], dir);
    expect(r.code).toBe(2);
    const log = JSON.parse(r.stdout);
    expect(validator(sarifSchema, true)(log)).toBe(true);
    expect(log.runs[0].invocations[0].executionSuccessful).toBe(false);
    expect(log.runs[0].invocations[0].toolExecutionNotifications[0].message.text).toMatch(/^Dockerfile: binary file/);
  });
});

describe('--format github', () => {
  it('prints workflow-command annotations', () => {
    const dir = tempDir(files);
    const r = runCli(['--format', 'github', ...opts, '--exit-code', '.'], dir);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(
      '::warning file=Dockerfile,line=4,col=1,endLine=4,endColumn=4,title=dockerfix pip-cache-mount (fixable)::adds a cache mount at /root/.cache/pip so pip reuses downloaded and built wheels across builds (the mount is not stored in the image); removes --no-cache-dir, which would make pip ignore the cache',
    );
    expect(lines[1]).toMatch(/^::notice file=svc\/Dockerfile,line=3,col=1,endLine=3,endColumn=4,title=dockerfix pip-cache-mount \(skipped\)::runs as user app/);
    expect(lines[2]).toBe('dockerfix: 3 files scanned, 1 would change');
  });
  it('escapes data and properties', () => {
    expect(escapeData('50% done\r\nnext: a,b')).toBe('50%25 done%0D%0Anext: a,b');
    expect(escapeProperty('a:b,c%\n')).toBe('a%3Ab%2Cc%25%0A');
    const dir = tempDir({ 'we,ird:name/Dockerfile': NAIVE });
    const r = runCli(['--format', 'github', ...opts, '.'], dir);
    expect(r.stdout.split('\n')[0]).toMatch(/^::warning file=we%2Cird%3Aname\/Dockerfile,line=4,/);
  });
});

describe('--format diff', () => {
  it('stays the default and --output captures it', () => {
    const dir = tempDir(files);
    const a = runCli([...opts, 'Dockerfile'], dir);
    const b = runCli(['--format', 'diff', '--output', 'x.diff', ...opts, 'Dockerfile'], dir);
    expect(b.stdout).toBe('');
    expect(fs.readFileSync(path.join(dir, 'x.diff'), 'utf8')).toBe(a.stdout);
    expect(a.stdout).toContain('+RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt');
  });
  it('rejects an unknown format', () => {
    const r = runCli(['--format', 'xml', 'Dockerfile'], tempDir(files));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--format.*xml.*Allowed choices are diff, json, sarif, github/);
  });
});

describe('one fix shared by thousands of findings (a stage of 5,000 reordered steps)', () => {
  // hoist-stable reorders a stage in one fix with one finding per moved step: 5,000 findings
  // sharing 10,000 edits. Listing the edits on each finding made 50 million links: the JSON report
  // hit V8's string limit (exit 2), SARIF ran out of memory, rdjsonl took seconds per format.
  let s = 'FROM python:3.12 AS base\nWORKDIR /app\n';
  for (let i = 0; i < 20_000; i++) s += i % 4 === 0 ? `RUN pip install pkg${i}\n` : i % 4 === 1 ? `ENV V${i}=${i}\n` : i % 4 === 2 ? `COPY f${i} /app/f${i}\n` : `RUN echo ${i}\n`;
  const dir = tempDir({ Dockerfile: s });
  // Through --output: the reports are megabytes (spawnSync's pipe buffer is 1 MB).
  const report = (format: string): { code: number | null; stderr: string; stdout: string } => {
    const r = runCli(['--no-context', '--format', format, '--output', `out.${format}`, 'Dockerfile'], dir);
    return { code: r.code, stderr: r.stderr, stdout: fs.readFileSync(path.join(dir, `out.${format}`), 'utf8') };
  };

  it('--format json: valid, linear in size, the shared edits listed once and pointed at', { timeout: 120_000 }, () => {
    const r = report('json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBeLessThan(40e6);
    const doc = JSON.parse(r.stdout);
    const validate = validator(reportSchema);
    expect(validate(doc), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    const [file] = doc.files;
    const moves = file.findings.filter((f: { transform: string }) => f.transform === 'hoist-stable');
    expect(moves.length).toBe(5000);
    const owner = file.findings[moves[1].editsOf];
    expect(owner).toBe(moves[0]);
    expect(owner.edits.length).toBe(10_000);
    expect(moves.slice(1).every((f: { edits: number[]; editsOf: number }) => f.edits.length === 0 && file.findings[f.editsOf] === owner)).toBe(true);
    // Nothing lost: the owner's edits are exactly the hoist-stable edits.
    const hoisted = file.edits.flatMap((e: { transforms: string[] }, k: number) => (e.transforms.includes('hoist-stable') ? [k] : []));
    expect(owner.edits).toEqual(hoisted);
    // Small shared fixes still list their edits on every finding.
    expect(file.findings.filter((f: { transform: string }) => f.transform === 'pip-cache-mount').every((f: { edits: number[]; editsOf?: number }) => f.edits.length > 0 && f.editsOf === undefined)).toBe(true);
  });

  it('--format sarif: one fix on the first result, the others point at it', { timeout: 120_000 }, () => {
    const r = report('sarif');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBeLessThan(40e6);
    const results = JSON.parse(r.stdout).runs[0].results;
    const moves = results.filter((x: { ruleId: string }) => x.ruleId === 'hoist-stable');
    expect(moves[0].fixes[0].artifactChanges[0].replacements.length).toBe(10_000);
    expect(moves.slice(1).every((x: { fixes?: unknown; properties: { fixInResult: number } }) => x.fixes === undefined && results[x.properties.fixInResult] === moves[0])).toBe(true);
  });

  it('--format rdjsonl and gitlab finish with every change', { timeout: 120_000 }, () => {
    const rd = report('rdjsonl');
    expect([rd.code, rd.stderr]).toEqual([0, '']);
    // The changes lie at most two lines apart: one suggestion, explained by every finding.
    const lines = rd.stdout.split('\n').filter(Boolean);
    expect(lines.length).toBe(1);
    expect(JSON.parse(lines[0]).message.split('\n').filter((l: string) => l.startsWith('[')).length).toBe(10_001);
    const gl = report('gitlab');
    expect([gl.code, gl.stderr]).toEqual([0, '']);
    expect(JSON.parse(gl.stdout).length).toBe(10_001);
  });
});
