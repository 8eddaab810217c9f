// The package-manager descriptors (src/ecosystems/) are the one source for the install parser,
// the manifest planner and the cache-mount transforms: these tables check that those consumers
// agree on the same commands, and that the registry points only at things that exist.
import { describe, expect, it } from 'vitest';
import { tokenize } from '../src/core/shell.js';
import { DockerfileDocument } from '../src/core/document.js';
import { NoContext } from '../src/core/context.js';
import { classifyCommand, withShellScripts } from '../src/analysis/install-commands.js';
import { cacheMountSpec } from '../src/analysis/cache-mount.js';
import { offlineRead } from '../src/analysis/offline.js';
import { ECOSYSTEMS, cacheKnowledgeFor, ecosystemOfProgram } from '../src/ecosystems/index.js';
import { transformIds } from '../transforms/index.js';

const one = (text: string) => tokenize(text, (k) => k).commands[0]!;

describe('ecosystem registry', () => {
  it('every cache transform a descriptor names exists, and every *-cache-mount transform has a descriptor', () => {
    const ids = transformIds();
    const named = new Set(ECOSYSTEMS.flatMap((e) => (e.cache ? [e.cache.transform] : [])));
    for (const t of named) expect(ids, t).toContain(t);
    for (const t of ids.filter((x) => x.endsWith('-cache-mount'))) expect(cacheKnowledgeFor(t).length, t).toBeGreaterThan(0);
  });

  it('each program is claimed by one descriptor', () => {
    for (const prog of ['pip3', 'python3.12', 'uv', 'pipenv', 'poetry', 'pdm', 'npm', 'yarn', 'pnpm', 'bun', 'go', 'cargo', 'mvn', 'gradlew', 'bundle', 'composer', 'dotnet', 'nuget', 'mix', 'apt-get', 'apk', 'dnf', 'zypper']) {
      const claim = ECOSYSTEMS.filter((e) => e.programs.test(prog)).map((e) => e.id);
      expect(claim.length, `${prog}: ${claim.join(', ')}`).toBe(1);
    }
    expect(ecosystemOfProgram('make')).toBeUndefined();
  });
});

describe('the install parser and the cache-mount transforms agree', () => {
  const doc = new DockerfileDocument('FROM node:20\nRUN true\n');
  const instr = doc.instructions[1]!;
  const ctx = { buildContext: new NoContext(), options: {} } as never;
  // [command, eco of the install, cache-mount transform that mounts for it]
  const cases: Array<[string, string, string]> = [
    ['yarn --frozen-lockfile --network-timeout 600000', 'yarn', 'node-cache-mount'],
    ['yarn install --frozen-lockfile', 'yarn', 'node-cache-mount'],
    ['npm ci --omit=dev', 'npm', 'node-cache-mount'],
    ['npm install-clean', 'npm', 'node-cache-mount'],
    ['pnpm install --frozen-lockfile', 'pnpm', 'node-cache-mount'],
    ['pnpm fetch', 'pnpm', 'node-cache-mount'],
    ['bun install --frozen-lockfile', 'bun', 'node-cache-mount'],
    ['pip install -r requirements.txt', 'pip', 'pip-cache-mount'],
    ['python -m pip install -r requirements.txt', 'pip', 'pip-cache-mount'],
    ['uv sync --locked', 'uv', 'uv-cache-mount'],
    ['poetry install --no-root', 'poetry', 'poetry-cache-mount'],
    ['pipenv install --deploy', 'pipenv', 'pipenv-cache-mount'],
    ['go mod download', 'go', 'go-cache-mount'],
    ['cargo fetch', 'cargo', 'cargo-cache-mount'],
    ['mvn dependency:go-offline', 'maven', 'maven-cache-mount'],
    ['gradle dependencies', 'gradle', 'gradle-cache-mount'],
    ['bundle install', 'bundler', 'bundler-cache-mount'],
    ['composer install --no-scripts', 'composer', 'composer-cache-mount'],
    ['dotnet restore', 'dotnet', 'dotnet-cache-mount'],
  ];
  it.each(cases)('%s', (text, eco, transform) => {
    const c = classifyCommand(one(text), '/app');
    expect(c.kind).toBe('install');
    if (c.kind === 'install') expect(c.install.eco).toBe(eco);
    expect(cacheMountSpec(transform).detect(one(text), instr, ctx)).not.toBeNull();
  });

  it('named packages are not installs from manifests, for every JavaScript tool', () => {
    for (const t of ['npm install express', 'yarn add express', 'pnpm add express', 'bun add hono']) expect(classifyCommand(one(t), '/app').kind, t).toBe('source');
  });

  it('pdm is parsed as an install; it has no cache mount (its cache can be a linked package store)', () => {
    const c = classifyCommand(one('pdm install --prod'), '/app');
    expect(c.kind === 'install' && c.install.eco).toBe('pdm');
    expect(ECOSYSTEMS.find((e) => e.id === 'pdm')!.cache).toBeUndefined();
  });
});

describe('installs inside sh -c strings', () => {
  const run = (text: string) => tokenize(text, (k) => k).commands;
  it('bash -c "…" and sh -c \'…\' give their commands, one level deeper', () => {
    const cmds = withShellScripts(run(`bash -c "npm ci && npm cache clean --force"`), (w) => w.value);
    expect(cmds.map((c) => c.words.map((w) => w.value).join(' '))).toEqual(['npm ci', 'npm cache clean --force']);
    expect(cmds.every((c) => c.depth === 1 && c.nested === 'bash -c')).toBe(true);
    const sh = withShellScripts(run(`sh -c 'pip install -r requirements.txt'`), (w) => w.value);
    const c = classifyCommand(sh[0]!, '/app');
    expect(c.kind === 'install' && c.install.eco).toBe('pip');
  });
  it('a string with a command substitution or positional parameters stays opaque', () => {
    expect(withShellScripts(run(`sh -c "npm ci $(cat flags)"`), (w) => w.value)).toHaveLength(1);
    expect(withShellScripts(run(`sh -c 'npm ci "$1"' sh --omit=dev`), (w) => w.value)).toHaveLength(1);
  });
});

describe('offline readers come from the descriptors', () => {
  it.each([
    ['cargo build --offline', 'cargo'],
    ['dotnet publish --no-restore', 'nuget'],
    ['mvn -o package', 'maven'],
    ['pnpm install --offline', 'pnpm'],
    ['pip install --no-index -f /wheels x', 'pip'],
    ['uv sync --offline', 'uv'],
  ])('%s reads %s', (text, store) => {
    expect(offlineRead(one(text), new Map())?.store).toBe(store);
  });
  it('online commands read nothing offline', () => {
    for (const t of ['cargo build', 'dotnet publish', 'npm ci', 'nuget restore --no-restore']) expect(offlineRead(one(t), new Map()), t).toBeNull();
  });
});
