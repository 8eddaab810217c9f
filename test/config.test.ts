import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, ConfigResolver, validateConfig } from '../src/pipeline/config.js';
import { spawnSync } from 'node:child_process';
import { BIN, runCli, tempDir } from './helpers/cli.js';

const PIP = 'FROM python:3.12-slim\nRUN pip install flask\n';
const MOUNTED = 'RUN --mount=type=cache,target=/root/.cache/pip pip install flask';
const IDS = ['pip-cache-mount', 'syntax-directive'];

function configError(raw: unknown): string {
  try {
    validateConfig(raw, 'dockerfix.config.json', IDS);
  } catch (e) {
    if (e instanceof ConfigError) return e.format();
    throw e;
  }
  return 'valid';
}

describe('config validation', () => {
  it('accepts a full config', () => {
    expect(
      configError({
        $schema: 'x',
        transforms: { 'pip-cache-mount': false },
        syntax: 'none',
        unsafe: true,
        format: { indent: 2, useTabs: false, endOfLine: 'lf' },
        exclude: ['vendor/**'],
        overrides: [{ files: ['legacy/**'], excludeFiles: 'legacy/keep/*', transforms: { 'pip-cache-mount': true }, format: { indent: 4 } }],
      }),
    ).toBe('valid');
  });
  it('names the file and the key path of every mistake', () => {
    expect(configError([])).toBe('dockerfix.config.json: expected an object, got an array');
    expect(configError({ transfroms: {} })).toBe('dockerfix.config.json: transfroms: unknown key; did you mean "transforms"? (allowed: $schema, transforms, syntax, unsafe, transformOptions, format, exclude, overrides, contexts, cache)');
    expect(configError({ cache: 'yes' })).toBe('dockerfix.config.json: cache: expected true or false, got a string');
    expect(configError({ unsafe: 'yes' })).toBe('dockerfix.config.json: unsafe: expected true or false, got a string');
    expect(configError({ syntax: 3 })).toBe('dockerfix.config.json: syntax: expected a non-empty string (an image reference or "none"), got a number');
    expect(configError({ transforms: ['pip-cache-mount'] })).toBe('dockerfix.config.json: transforms: expected an object of transform id -> true/false, got an array');
    expect(configError({ transforms: { 'pip-cache-mont': false } })).toBe(
      'dockerfix.config.json: transforms.pip-cache-mont: unknown transform id; did you mean "pip-cache-mount"? (known: pip-cache-mount, syntax-directive)',
    );
    expect(configError({ transforms: { 'pip-cache-mount': 'off' } })).toBe('dockerfix.config.json: transforms.pip-cache-mount: expected true or false, got a string');
    expect(configError({ overrides: {} })).toBe('dockerfix.config.json: overrides: expected an array, got an object');
    expect(configError({ overrides: [{ transforms: {} }] })).toBe('dockerfix.config.json: overrides[0].files: missing (an array of glob patterns)');
    expect(configError({ overrides: [{ files: [] }] })).toBe('dockerfix.config.json: overrides[0].files: expected a non-empty array of glob strings, got an array');
    expect(configError({ overrides: [{ files: ['a'], overrides: [] }] })).toBe(
      'dockerfix.config.json: overrides[0].overrides: unknown key (allowed: files, excludeFiles, transforms, syntax, unsafe, transformOptions, format)',
    );
    // transformOptions holds only the options transforms read: a typo inside it is an error, not silent.
    expect(configError({ transformOptions: { 'pip-cache-mount': { x: 1 } } })).toBe('dockerfix.config.json: transformOptions.pip-cache-mount.x: unknown option (known: hadolintIgnore)');
    expect(configError({ transformOptions: { 'syntax-directive': { x: 1 } } })).toBe('dockerfix.config.json: transformOptions.syntax-directive.x: unknown option (known: syntax)');
    expect(configError({ transformOptions: { 'pip-cache-mount': { hadolintIgnore: 'no' } } })).toBe('dockerfix.config.json: transformOptions.pip-cache-mount.hadolintIgnore: expected true or false, got a string');
    expect(configError({ format: { indent: 40 } })).toBe('dockerfix.config.json: format.indent: expected a whole number from 0 to 16, got 40');
    expect(configError({ exclude: 'vendor' })).toBe('dockerfix.config.json: exclude: expected an array of glob strings, got a string');
    expect(configError({ format: { endOfLine: 'cr' } })).toBe('dockerfix.config.json: format.endOfLine: expected "auto", "lf" or "crlf", got "cr"');
  });
});

describe('config lookup', () => {
  it('searches upward; dockerfix.config.json, then .dockerfixrc.json, then package.json "dockerfix"', () => {
    const dir = tempDir({
      'package.json': JSON.stringify({ name: 'x', dockerfix: { syntax: 'docker/dockerfile:1.1' } }),
      'a/.dockerfixrc.json': JSON.stringify({ syntax: 'docker/dockerfile:1.2' }),
      'a/b/dockerfix.config.json': JSON.stringify({ syntax: 'docker/dockerfile:1.3' }),
      'a/b/.dockerfixrc.json': JSON.stringify({ syntax: 'docker/dockerfile:1.4' }),
      'c/package.json': JSON.stringify({ name: 'no-key' }),
    });
    const r = new ConfigResolver(IDS);
    expect(r.settingsFor(path.join(dir, 'a/b/c/Dockerfile')).syntax).toBe('docker/dockerfile:1.3');
    expect(r.settingsFor(path.join(dir, 'a/Dockerfile')).syntax).toBe('docker/dockerfile:1.2');
    expect(r.settingsFor(path.join(dir, 'c/Dockerfile')).syntax).toBe('docker/dockerfile:1.1');
    expect(r.settingsFor(path.join(dir, 'Dockerfile')).source).toBe(path.join(dir, 'package.json'));
  });
  it('applies matching overrides in order', () => {
    const dir = tempDir({
      'dockerfix.config.json': JSON.stringify({
        syntax: 'docker/dockerfile:1.5',
        overrides: [
          { files: ['services/**'], syntax: 'docker/dockerfile:1.6', excludeFiles: ['services/legacy/**'] },
          { files: ['*.prod.Dockerfile'], unsafe: true, transforms: { 'pip-cache-mount': false } },
        ],
      }),
    });
    const r = new ConfigResolver(IDS);
    expect(r.settingsFor(path.join(dir, 'services/api/Dockerfile')).syntax).toBe('docker/dockerfile:1.6');
    expect(r.settingsFor(path.join(dir, 'services/legacy/Dockerfile')).syntax).toBe('docker/dockerfile:1.5');
    const prod = r.settingsFor(path.join(dir, 'deep/x/app.prod.Dockerfile'));
    expect(prod).toMatchObject({ syntax: 'docker/dockerfile:1.5', unsafe: true, transforms: { 'pip-cache-mount': false } });
  });
});

describe('config in the CLI', () => {
  it('turns transforms off, per path', () => {
    const dir = tempDir({
      'dockerfix.config.json': JSON.stringify({ syntax: 'none', overrides: [{ files: ['legacy/**'], transforms: { 'pip-cache-mount': false } }] }),
      'Dockerfile': PIP,
      'legacy/Dockerfile': PIP,
    });
    const r = runCli(['--check', '.'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('Dockerfile\n');
    const d = runCli(['Dockerfile'], dir);
    expect(d.stdout).toContain(`+${MOUNTED}\n`);
    expect(d.stdout).not.toContain('# syntax=');
  });
  it('command-line flags win over the config', () => {
    const dir = tempDir({ '.dockerfixrc.json': JSON.stringify({ transforms: { 'pip-cache-mount': false }, syntax: 'none' }), 'Dockerfile': PIP });
    expect(runCli(['--check', 'Dockerfile'], dir).code).toBe(0);
    const only = runCli(['--only', 'pip-cache-mount,syntax-directive', '--syntax', 'docker/dockerfile:1.7', 'Dockerfile'], dir);
    expect(only.stdout).toContain('+# syntax=docker/dockerfile:1.7\n');
    expect(only.stdout).toContain(`+${MOUNTED}\n`);
    expect(runCli(['--no-config', '--check', 'Dockerfile'], dir).code).toBe(1);
  });
  it('--config names the file to use', () => {
    const dir = tempDir({ 'conf/my.json': JSON.stringify({ transforms: { 'pip-cache-mount': false } }), 'Dockerfile': PIP });
    expect(runCli(['--config', 'conf/my.json', '--check', 'Dockerfile'], dir).code).toBe(0);
    const missing = runCli(['--config', 'conf/nope.json', 'Dockerfile'], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('dockerfix: conf/nope.json: cannot read: no such file\n');
  });
  it('an invalid config is an error with file and key, exit 2, nothing processed', () => {
    const dir = tempDir({ 'sub/dockerfix.config.json': JSON.stringify({ unsafe: 1 }), 'sub/Dockerfile': PIP });
    const r = runCli(['--write', 'sub'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('dockerfix: sub/dockerfix.config.json: unsafe: expected true or false, got a number\n');
    expect(r.stdout).toBe('');
    expect(fs.readFileSync(path.join(dir, 'sub/Dockerfile'), 'utf8')).toBe(PIP);
    fs.writeFileSync(path.join(dir, 'sub/dockerfix.config.json'), '{ "syntax": ');
    const bad = runCli(['sub'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/dockerfix\.config\.json: invalid JSON: /);
    fs.writeFileSync(path.join(dir, 'sub/dockerfix.config.json'), '{"overrides": [{"files": ["x"], "transforms": {"nope": true}}]}');
    const unknown = runCli(['sub'], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('dockerfix.config.json: overrides[0].transforms.nope: unknown transform id (known: ');
  });
  it('stdin mode uses the config of --stdin-filepath', () => {
    const dir = tempDir({ 'dockerfix.config.json': JSON.stringify({ syntax: 'none' }) });
    const r = runCli(['--stdin', '--stdin-filepath', 'Dockerfile'], dir, { input: PIP });
    expect(r.stdout).toBe(`FROM python:3.12-slim\n${MOUNTED}\n`);
  });
  it('stdin mode: a --stdin-filepath the config excludes (or a .dockerfixignore) passes through unchanged, exit 0', () => {
    const dir = tempDir({ 'dockerfix.config.json': JSON.stringify({ exclude: ['gen/**'] }), 'legacy/.dockerfixignore': 'Dockerfile.old\n', 'Dockerfile': PIP });
    // Bytes that are not UTF-8 pass through too: the input is not decoded.
    const input = `${PIP}# caf\xe9\n`;
    for (const name of ['gen/Dockerfile', 'legacy/Dockerfile.old']) {
      const r = spawnSync(process.execPath, [BIN, '--stdin-filepath', name], { cwd: dir, input: Buffer.from(input, 'latin1') });
      expect(r.status).toBe(0);
      expect(Buffer.compare(r.stdout, Buffer.from(input, 'latin1'))).toBe(0);
      expect(r.stderr.toString()).toBe(`dockerfix: ${name}: excluded (config exclude or .dockerfixignore); not checked, passed through unchanged\n`);
      const check = runCli(['--check', '--quiet', '--stdin-filepath', name], dir, { input: PIP });
      expect([check.code, check.stdout, check.stderr]).toEqual([0, '', '']);
      const json = JSON.parse(runCli(['--format', 'json', '--stdin-filepath', name], dir, { input: PIP }).stdout);
      expect(json.files).toEqual([]);
    }
    // The formatter too: `fmt` passes an excluded file through unformatted.
    const fmt = runCli(['fmt', '--stdin-filepath', 'gen/Dockerfile'], dir, { input: 'from a\n' });
    expect([fmt.code, fmt.stdout]).toEqual([0, 'from a\n']);
    expect(fmt.stderr).toBe('dockerfix fmt: gen/Dockerfile: excluded (config exclude or .dockerfixignore); not formatted, passed through unchanged\n');
    expect(runCli(['fmt', '--check', '--stdin-filepath', 'legacy/Dockerfile.old'], dir, { input: 'from a\n' }).code).toBe(0);
    expect(runCli(['fmt', '--stdin-filepath', 'Dockerfile'], dir, { input: 'from a\n' }).stdout).toBe('FROM a\n');
    // The same input under a name that is not excluded is checked.
    expect(runCli(['--check', '--stdin-filepath', 'Dockerfile'], dir, { input: PIP }).code).toBe(1);
  });
});
