/**
 * schema/config.schema.json (published for editors: `"$schema"` in dockerfix.config.json) and the
 * config validator (src/pipeline/config.ts) accept and reject the same files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import Ajv2020 from 'ajv/dist/2020.js';
import { ConfigError, validateConfig } from '../src/pipeline/config.js';
import { transformIds } from '../transforms/index.js';
import { ROOT } from './helpers/cli.js';

const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'schema/config.schema.json'), 'utf8'));

const VALID: unknown[] = [
  {},
  { $schema: './node_modules/dockerfix/schema/config.schema.json' },
  { transforms: { 'pip-cache-mount': false, 'split-copy': true }, syntax: 'docker/dockerfile:1.7-labs', unsafe: true },
  { syntax: 'none' },
  { syntax: 'docker.io/docker/dockerfile@sha256:' + 'a'.repeat(64) },
  { format: { indent: 2, useTabs: true, endOfLine: 'crlf' } },
  { format: {} },
  { exclude: ['vendor/**', 'Dockerfile.generated'] },
  { exclude: [] },
  { transformOptions: { 'pip-cache-mount': { hadolintIgnore: false } } },
  { transformOptions: { 'pip-cache-mount': {} } },
  { contexts: { 'docker/Dockerfile': { context: '.', targets: ['prod'], args: { A: '1' } } } },
  { contexts: { Dockerfile: {} } },
  { overrides: [{ files: 'legacy/**', excludeFiles: ['legacy/keep/*'], transforms: { 'hoist-stable': false }, format: { indent: 8 }, syntax: 'none', unsafe: false }] },
];

const INVALID: unknown[] = [
  [],
  'x',
  { transfroms: {} },
  { transformOptions: { 'pip-cache-mount': { hadolintIgnor: false } } },
  { transformOptions: { 'pip-cache-mount': { hadolintIgnore: 'no' } } },
  { transformOptions: { 'split-copy': { x: 1 } } },
  { transformOptions: { 'pip-cache-mont': {} } },
  { contexts: { 'docker/Dockerfile': { context: '/abs' } } },
  { contexts: { 'docker/Dockerfile': { target: 'prod' } } },
  { contexts: { 'docker/Dockerfile': { args: { A: 1 } } } },
  { contexts: [] },
  { overrides: [{ files: ['a'], contexts: {} }] },
  { transforms: { 'pip-cache-mont': false } },
  { transforms: { 'pip-cache-mount': 'off' } },
  { transforms: [] },
  { syntax: '' },
  { syntax: 'evil/frontend:latest' },
  { syntax: 'docker/dockerfile:1 ' },
  { unsafe: 'yes' },
  { format: { indent: 17 } },
  { format: { indent: 2.5 } },
  { format: { indent: -1 } },
  { format: { useTabs: 'yes' } },
  { format: { endOfLine: 'cr' } },
  { format: { indnet: 2 } },
  { format: 2 },
  { exclude: 'vendor' },
  { exclude: [''] },
  { exclude: [1] },
  { overrides: {} },
  { overrides: [{}] },
  { overrides: [{ files: [] }] },
  { overrides: [{ files: ['a'], overrides: [] }] },
  { overrides: [{ files: ['a'], exclude: ['b'] }] },
  { $schema: 1 },
];

function ours(raw: unknown): boolean {
  try {
    validateConfig(raw, 'dockerfix.config.json', transformIds());
    return true;
  } catch (e) {
    if (e instanceof ConfigError) return false;
    throw e;
  }
}

describe('schema/config.schema.json', () => {
  const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

  it('lists exactly the transform ids there are', () => {
    expect([...schema.$defs.transforms.propertyNames.enum].sort()).toEqual([...transformIds()].sort());
  });

  it('accepts what the validator accepts', () => {
    for (const c of VALID) {
      expect(ours(c), JSON.stringify(c)).toBe(true);
      expect(validate(c), `${JSON.stringify(c)}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it('rejects what the validator rejects', () => {
    for (const c of INVALID) {
      expect(ours(c), JSON.stringify(c)).toBe(false);
      expect(validate(c), JSON.stringify(c)).toBe(false);
    }
  });

  it('is shipped with the package', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.files).toContain('schema');
  });
});
