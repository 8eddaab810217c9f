import { describe, expect, it } from 'vitest';
import { checkTransformOptions } from '../src/core/transform-options.js';
import { loadTransforms } from '../transforms/index.js';
import { runCli, tempDir } from './helpers/cli.js';

const metas = (await loadTransforms()).map((t) => t.meta);

describe('transform options (meta.options schemas)', () => {
  it('syntax is syntax-directive\'s option, with --syntax as its flag', () => {
    const meta = metas.find((m) => m.id === 'syntax-directive')!;
    expect(meta.options?.syntax).toMatchObject({ type: 'string', default: 'docker/dockerfile:1', flag: '--syntax' });
  });

  it('rejects unknown options and wrong types, names the transform and option', () => {
    expect(checkTransformOptions(metas, { 'syntax-directive': { syntax: 'none' } })).toEqual([]);
    expect(checkTransformOptions(metas, { 'syntax-directive': { syntax: 3 } })).toEqual(['syntax-directive.syntax: expected a string, got 3']);
    expect(checkTransformOptions(metas, { 'split-copy': { foo: true } })).toEqual(['split-copy.foo: unknown option (split-copy has no options)']);
  });

  it('a config file with a bad transform option is a config error (exit 2)', () => {
    const dir = tempDir({ 'dockerfix.config.json': JSON.stringify({ transformOptions: { 'syntax-directive': { sytnax: 'none' } } }), Dockerfile: 'FROM python:3.12\nRUN pip install flask\n' });
    const r = runCli(['Dockerfile'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('syntax-directive.sytnax: unknown option; did you mean "syntax"? (known: syntax)');
  });

  it('transformOptions.syntax-directive.syntax in a config file works like the syntax key', () => {
    const dir = tempDir({ 'dockerfix.config.json': JSON.stringify({ transformOptions: { 'syntax-directive': { syntax: 'none' } } }), Dockerfile: 'FROM python:3.12\nRUN pip install flask\n' });
    const r = runCli(['--no-context', 'Dockerfile'], dir);
    expect(r.stdout).toContain('--mount=type=cache');
    expect(r.stdout).not.toContain('# syntax=');
  });
});

describe('the syntax frontend a config file may name', () => {
  it('is limited under transformOptions as under the syntax key', () => {
    const dir = tempDir({ 'dockerfix.config.json': JSON.stringify({ transformOptions: { 'syntax-directive': { syntax: 'evil.example/frontend:latest' } } }), Dockerfile: 'FROM python:3.12\nRUN pip install flask\n' });
    const r = runCli(['Dockerfile'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('transformOptions.syntax-directive.syntax');
  });
});

describe('one declaration per transform option', () => {
  it("the config validator's table is exactly what the transforms declare in meta.options", async () => {
    const { TRANSFORM_OPTIONS } = await import('../src/pipeline/config.js');
    const { ALL_TRANSFORMS: transforms } = await import('../transforms/all.js');
    const declared: Record<string, Record<string, string>> = {};
    for (const t of transforms) {
      if (!t.meta.options) continue;
      declared[t.meta.id] = Object.fromEntries(Object.entries(t.meta.options).map(([k, spec]) => [k, spec.type]));
    }
    expect(TRANSFORM_OPTIONS).toEqual(declared);
  });
});
