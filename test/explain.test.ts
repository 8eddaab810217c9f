/**
 * `dockerfix explain` on the cases in test/explain-fixtures/<case>/: Dockerfile, optional
 * context/ (the build context; absent: pass --no-context in args.json), args.json (extra
 * arguments), expected.txt (the exact output). UPDATE_EXPLAIN=1 rewrites expected.txt.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze, isManifest, sourceCovers } from '../src/cli/explain.js';
import { DockerfileDocument } from '../src/core/document.js';
import { MemoryContext } from '../src/core/context.js';
import { runCli, tempDir } from './helpers/cli.js';

const DIR = path.resolve(import.meta.dirname, 'explain-fixtures');
const cases = fs.readdirSync(DIR).filter((c) => fs.existsSync(path.join(DIR, c, 'Dockerfile'))).sort();

describe('explain fixtures', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThanOrEqual(5));
  for (const c of cases) {
    it(c, () => {
      const dir = path.join(DIR, c);
      const extra = fs.existsSync(path.join(dir, 'args.json')) ? (JSON.parse(fs.readFileSync(path.join(dir, 'args.json'), 'utf8')) as string[]) : [];
      const ctx = fs.existsSync(path.join(dir, 'context')) ? ['--context', 'context'] : [];
      const r = runCli(['explain', 'Dockerfile', ...ctx, ...extra], dir);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const file = path.join(dir, 'expected.txt');
      if (process.env.UPDATE_EXPLAIN) fs.writeFileSync(file, r.stdout);
      expect(r.stdout).toBe(fs.readFileSync(file, 'utf8'));
    });
  }
});

describe('explain analysis', () => {
  it('matches COPY sources like BuildKit', () => {
    expect(sourceCovers('.', 'a/b.py')).toBe(true);
    expect(sourceCovers('./src/', 'src/x/y.ts')).toBe(true);
    expect(sourceCovers('src', 'srcx/y.ts')).toBe(false);
    expect(sourceCovers('*.txt', 'requirements.txt')).toBe(true);
    expect(sourceCovers('*.txt', 'docs/a.txt')).toBe(false);
    expect(sourceCovers('pkg*', 'pkg1/a.go')).toBe(true);
  });
  it('knows manifests', () => {
    expect(['requirements.txt', 'requirements-dev.txt', 'a/package.json', 'go.sum', 'App.csproj'].every(isManifest)).toBe(true);
    expect(['app.py', 'src/index.ts', 'README.md'].some(isManifest)).toBe(false);
  });
  it('a changed manifest re-runs the install; a source change only the later copy', () => {
    const doc = new DockerfileDocument('FROM node:20\nCOPY package.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n');
    const ctx = new MemoryContext({ 'package.json': '{}', 'src/a.ts': '', '.dockerignore': 'dist\n', 'dist/x.js': '' });
    const lines = (r: ReturnType<typeof analyze>) => r.rerun.map((s) => s.line);
    expect(lines(analyze(doc, ctx, { kind: 'any-source' }))).toEqual([4, 5]);
    expect(lines(analyze(doc, ctx, { kind: 'path', path: 'package.json' }))).toEqual([2, 3, 4, 5]);
    expect(lines(analyze(doc, ctx, { kind: 'path', path: 'dist/x.js' }))).toEqual([]);
  });
  it('a child stage re-runs with its parent; ARGs in scope are part of a RUN key', () => {
    const doc = new DockerfileDocument('FROM alpine AS base\nARG V=1\nCOPY . /s\nFROM base\nRUN make\n');
    const r = analyze(doc, new MemoryContext({ 'a.c': '' }), { kind: 'any-source' });
    expect(r.rerun.map((s) => s.line)).toEqual([3, 5]);
    expect(r.stages[0].steps[2].key).toContain('the copied files: . (1 file in the context)');
    expect(r.stages[1].steps[0].reason).toBe('builds on stage "base", which re-runs from line 3');
  });
});

describe('explain: build-arg changes', () => {
  it('re-run RUN steps that see the arg and steps that use it; a LABEL does not break the chain', () => {
    const doc = new DockerfileDocument('ARG BASE=alpine\nFROM $BASE\nRUN a\nARG V\nLABEL v=$V\nCOPY x /x\nRUN b\nENV E=$V\nCOPY y /y\n');
    const ctx = new MemoryContext({ x: '', y: '' });
    const r = analyze(doc, ctx, { kind: 'arg', name: 'V' });
    expect(r.rerun.map((s) => s.line)).toEqual([7, 9]);
    expect(r.stages[0].steps.find((s) => s.line === 5)!.reason).toBe('uses $V: a new image config value only; the steps after it stay cached');
    expect(r.stages[0].steps.find((s) => s.line === 6)!.status).toBe('cached');
    const base = analyze(doc, ctx, { kind: 'arg', name: 'BASE' });
    expect(base.rerun.map((s) => s.line)).toEqual([3, 6, 7, 9]);
    expect(base.stages[0].steps[0].reason).toBe('the base image reference uses build arg BASE');
  });
});

describe('explain command', () => {
  it('--json prints the analysis', () => {
    const dir = tempDir({ Dockerfile: 'FROM alpine\nCOPY . .\n', 'a.txt': 'x' });
    const r = runCli(['explain', 'Dockerfile', '--json'], dir);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.before.rerun.map((s: { line: number }) => s.line)).toEqual([2]);
    expect(j.after).toBeNull();
  });
  it('errors exit 2', () => {
    const dir = tempDir({ Dockerfile: 'FROM alpine\n' });
    const missing = runCli(['explain', 'nope'], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('dockerfix explain: nope: no such file or directory\n');
    expect(runCli(['explain'], dir).code).toBe(2);
    const both = runCli(['explain', 'Dockerfile', '--changed', 'a', '--changed-arg', 'B'], dir);
    expect([both.code, both.stderr]).toEqual([2, 'dockerfix explain: --changed and --changed-arg cannot be used together\n']);
    const unknown = runCli(['explain', 'Dockerfile', '--only', 'nope'], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown transform id: nope/);
  });
  it('is listed in --help', () => {
    const r = runCli(['--help'], tempDir({}));
    expect(r.stdout).toContain('  explain <Dockerfile>');
    expect(r.stdout).toContain('  ci <Dockerfile>');
  });
});
