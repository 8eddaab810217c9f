/**
 * Build definitions found in a repository (src/builds): compose files, workflows, Makefiles,
 * devcontainers, bake JSON; and the CLI using the context and targets they name. The fixture
 * repositories live in fixtures-repos/; each test copies one to a temp dir and runs `git init`
 * there so it is a git root (no nested .git is committed).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { byDockerfile, findBuildDefinitions, type BuildDefinitions } from '../src/builds/index.js';
import { interpolate } from '../src/builds/interpolate.js';
import { guessContext } from '../src/builds/guess-root.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

function repo(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dockerfix-repo-${name}-`));
  fs.cpSync(path.join(ROOT, 'fixtures-repos', name), dir, { recursive: true });
  execFileSync('git', ['init', '-q', dir]);
  return fs.realpathSync(dir);
}

/** Definitions with paths relative to the repository, for comparison. */
function relDefs(r: BuildDefinitions): Array<Record<string, unknown>> {
  const rel = (p: string | null): string | null => (p === null ? null : path.relative(r.root, p).split(path.sep).join('/') || '.');
  return r.definitions.map((d) => ({
    dockerfile: rel(d.dockerfile),
    context: rel(d.context),
    ...(d.target !== undefined ? { target: d.target } : {}),
    args: d.args,
    source: `${rel(d.source.file)}:${d.source.line} ${d.source.what}`,
  }));
}

function relNotes(r: BuildDefinitions): string[] {
  return r.notes.map((n) => `${path.relative(r.root, n.file).split(path.sep).join('/')}:${n.line}: ${n.message}`);
}

describe('interpolate', () => {
  it('resolves defaults, $$ and known variables; anything else is unknown', async () => {
    expect(interpolate('${A:-.}')).toEqual({ ok: true, value: '.' });
    expect(interpolate('${A-x}/y', { A: '' })).toEqual({ ok: true, value: '/y' });
    expect(interpolate('${A:-x}/y', { A: '' })).toEqual({ ok: true, value: 'x/y' });
    expect(interpolate('a$$b')).toEqual({ ok: true, value: 'a$b' });
    expect(interpolate('$HOME/x', { HOME: '/h' })).toEqual({ ok: true, value: '/h/x' });
    expect(interpolate('${X}')).toEqual({ ok: false, variable: '${X}' });
    expect(interpolate('v-${{ github.sha }}')).toEqual({ ok: false, variable: '${{ github.sha }}' });
    expect(interpolate('$(CURDIR)')).toEqual({ ok: false, variable: '$(CURDIR)' });
  });
});

describe('findBuildDefinitions', () => {
  it('compose: context .. and dockerfile ./docker/Dockerfile, from the compose file in docker/', async () => {
    const dir = repo('compose-parent-context');
    const r = await findBuildDefinitions(path.join(dir, 'docker'));
    expect(r.root).toBe(dir);
    expect(relDefs(r)).toEqual([{ dockerfile: 'docker/Dockerfile', context: '.', args: {}, source: 'docker/docker-compose.yml:6 compose service web' }]);
    expect(r.notes).toEqual([]);
    // From the root too: compose files under docker/ are read.
    expect(relDefs(await findBuildDefinitions(dir))).toEqual(relDefs(r));
  });

  it('compose: target, args (map and list), defaults, and notes for what cannot be used', async () => {
    const dir = repo('compose-target-args');
    const r = await findBuildDefinitions(dir);
    expect(relDefs(r)).toEqual([
      { dockerfile: 'Dockerfile', context: '.', target: 'dev', args: { NODE_VERSION: '20', RELEASE: '1.2.3' }, source: 'compose.yaml:3 compose service app' },
      { dockerfile: 'Dockerfile', context: '.', args: { NODE_VERSION: '22' }, source: 'compose.yaml:11 compose service tests' },
    ]);
    expect(relNotes(r)).toEqual([
      'compose.yaml:3: compose service app: arg TOKEN=${TOKEN}: cannot resolve ${TOKEN}; arg left out',
      'compose.yaml:11: compose service tests: arg CI takes its value from the environment; not known',
      'compose.yaml:17: compose service broken: context ${NOT_SET}: cannot resolve ${NOT_SET}; entry not used',
      `compose.yaml:20: compose service outside: context ${path.resolve(dir, '../elsewhere')} is outside the repository; not used`,
      'compose.yaml:22: compose service missing: Dockerfile Dockerfile.missing not found; not used',
    ]);
  });

  it('a known environment value resolves ${X}', async () => {
    const dir = repo('compose-target-args');
    const r = await findBuildDefinitions(dir, { env: { TOKEN: 't' } });
    expect(r.definitions[0].args).toEqual({ NODE_VERSION: '20', RELEASE: '1.2.3', TOKEN: 't' });
  });

  it('a compose file that does not parse gets a note and nothing else', async () => {
    const dir = tempDir({ 'compose.yml': 'services:\n  web:\n    build: [\n', 'Dockerfile': 'FROM scratch\n' });
    execFileSync('git', ['init', '-q', dir]);
    const r = await findBuildDefinitions(dir);
    expect(r.definitions).toEqual([]);
    expect(r.notes).toHaveLength(1);
    expect(r.notes[0].message).toMatch(/^does not parse as YAML/);
  });

  it('workflow: docker/build-push-action context, file, target, build-args', async () => {
    const dir = repo('workflow-build-push');
    const r = await findBuildDefinitions(dir);
    expect(relDefs(r)).toEqual([
      { dockerfile: 'apiserver/src/main/docker/Dockerfile', context: 'apiserver', target: 'runtime', args: { VERSION: '1.0' }, source: '.github/workflows/release.yml:9 workflow step Build and push' },
    ]);
    expect(relNotes(r)).toEqual(['.github/workflows/release.yml:9: workflow step Build and push: build-arg SHA: cannot resolve ${{ github.sha }}; arg left out']);
  });

  it('workflow: a docker build command in a run: step, with its line', async () => {
    const dir = repo('workflow-run');
    const r = await findBuildDefinitions(path.join(dir, 'packaging', 'docker', 'Dockerfile'));
    expect(relDefs(r)).toEqual([{ dockerfile: 'packaging/docker/Dockerfile', context: '.', args: { CHANNEL: 'stable' }, source: '.github/workflows/ci.yml:11 workflow step image' }]);
  });

  it('Makefile: docker build with make variables, -f, --target, --build-arg', async () => {
    const dir = repo('makefile');
    const r = await findBuildDefinitions(dir);
    expect(relDefs(r)).toEqual([{ dockerfile: 'packaging/docker/alpine/Dockerfile', context: '.', target: 'app', args: { ALPINE: '3.20' }, source: 'Makefile:6 Makefile' }]);
  });

  it('devcontainer: paths relative to .devcontainer, comments and trailing commas allowed', async () => {
    const dir = repo('devcontainer');
    const r = await findBuildDefinitions(dir);
    expect(relDefs(r)).toEqual([{ dockerfile: '.devcontainer/Dockerfile', context: '.', target: 'dev', args: { NODE_ENV: 'development' }, source: '.devcontainer/devcontainer.json:5 devcontainer' }]);
  });

  it('two compose services build one Dockerfile with different targets', async () => {
    const dir = repo('two-targets');
    const r = await findBuildDefinitions(dir);
    const m = byDockerfile(r.definitions);
    expect([...m.keys()]).toEqual([path.join(dir, 'docker', 'Dockerfile')]);
    expect(m.get(path.join(dir, 'docker', 'Dockerfile'))!.map((d) => [d.target, d.source.line])).toEqual([
      ['web', 3],
      ['worker', 8],
    ]);
  });

  it('bake JSON: inherits, variables with defaults; a target only inherited by others is not built', async () => {
    const dir = repo('bake-json');
    const r = await findBuildDefinitions(dir);
    expect(relDefs(r)).toEqual([
      { dockerfile: 'docker/Dockerfile', context: '.', target: 'release', args: { NODE_ENV: 'production', TAG: 'latest' }, source: 'docker-bake.json:10 bake target app' },
    ]);
  });

  it('docker build command lines: -, stdin Dockerfile, URL contexts, cd, package.json scripts', async () => {
    const dir = tempDir({
      'app/Dockerfile': 'FROM scratch\n',
      'scripts/build.sh': '#!/bin/sh\nset -e\ncd app && docker buildx build --platform linux/amd64 --target=t1 .\ndocker build - < Dockerfile\ndocker build -f Dockerfile -\npodman build https://github.com/x/y.git\n',
      'package.json': JSON.stringify({ scripts: { image: 'docker build --file=Dockerfile --build-arg A=${A:-1} .', lint: 'eslint .' } }, null, 2),
      'Dockerfile': 'FROM scratch\n',
    });
    execFileSync('git', ['init', '-q', dir]);
    const real = fs.realpathSync(dir);
    const r = await findBuildDefinitions(real);
    expect(relDefs(r)).toEqual([
      // `cd app` moves the base for the rest of the script.
      { dockerfile: 'app/Dockerfile', context: 'app', target: 't1', args: {}, source: 'scripts/build.sh:3 script build.sh' },
      { dockerfile: 'app/Dockerfile', context: null, args: {}, source: 'scripts/build.sh:5 script build.sh' },
      { dockerfile: 'Dockerfile', context: '.', args: { A: '1' }, source: 'package.json:3 package.json script image' },
    ]);
    expect(relNotes(r)).toEqual([
      'scripts/build.sh:4: the Dockerfile comes from standard input (docker build -); not used',
      'scripts/build.sh:6: context https://github.com/x/y.git is a URL; not used',
    ]);
  });

  it('FIFOs (a compose file, its .env, a script) are passed over, never read', async (ctx) => {
    if (spawnSync('mkfifo', ['--version']).status !== 0) {
      console.log('builds: FIFO test skipped: mkfifo not available');
      ctx.skip();
    }
    const dir = tempDir({ 'docker-compose.yml': 'services:\n  a:\n    build: .\n', Dockerfile: 'FROM scratch\n' });
    execFileSync('git', ['init', '-q', dir]);
    fs.mkdirSync(path.join(dir, 'scripts'));
    for (const f of ['.env', 'compose.yaml', 'scripts/build.sh']) execFileSync('mkfifo', [path.join(dir, f)]);
    const r = await findBuildDefinitions(dir);
    expect(relDefs(r)).toEqual([{ dockerfile: 'Dockerfile', context: '.', args: {}, source: 'docker-compose.yml:3 compose service a' }]);
  });

  it('control characters from the files are shown escaped', async () => {
    const dir = tempDir({ 'compose.yml': 'services:\n  "a\\e[31m":\n    build:\n      context: .\n      target: "t\\e[0m"\n      args: { X: "${Y}\\u0007" }\n', Dockerfile: 'FROM scratch\n' });
    execFileSync('git', ['init', '-q', dir]);
    const r = await findBuildDefinitions(dir);
    expect(r.definitions[0].source.what).toBe('compose service a\\u001b[31m');
    expect(r.notes.map((n) => n.message)).toEqual(['compose service a\\u001b[31m: arg X=${Y}\\u0007: cannot resolve ${Y}; arg left out']);
    const out = runCli(['.'], dir).stdout;
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
    expect(out).toContain('info [context] target t\\u001b[0m (compose.yml:3, service a\\u001b[31m)');
  });

  it('never looks above the git root', async () => {
    const outer = tempDir({ 'compose.yml': 'services:\n  a:\n    build: inner\n', 'inner/Dockerfile': 'FROM scratch\n' });
    execFileSync('git', ['init', '-q', path.join(outer, 'inner')]);
    const r = await findBuildDefinitions(path.join(outer, 'inner'));
    expect(r.definitions).toEqual([]);
    expect(r.notes).toEqual([]);
  });
});

describe('guessContext', () => {
  it('names the folder where the missing COPY sources are', async () => {
    const dir = repo('guess-root');
    const file = path.join(dir, 'docker', 'Dockerfile');
    expect(guessContext(file, fs.readFileSync(file, 'utf8'))).toEqual({ dir, source: 'package.json', line: 3, keyword: 'COPY' });
  });
  it('nothing when the sources are in the Dockerfile folder', async () => {
    const dir = repo('compose-target-args');
    const file = path.join(dir, 'Dockerfile');
    expect(guessContext(file, fs.readFileSync(file, 'utf8'))).toBeNull();
  });
});

describe('dockerfix <repository> uses the context the repository names', () => {
  const SPLIT = '+COPY package.json package-lock.json ./';

  it('compose context .. with dockerfile ./docker/Dockerfile: the COPY . . split uses the root, and says where it came from', async () => {
    const dir = repo('compose-parent-context');
    const r = runCli(['.'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(SPLIT);
    expect(r.stdout).toContain('docker/Dockerfile:1:1: info [context] context . (docker/docker-compose.yml:6, service web)\n');
    // From inside docker/, the context is named relative to there.
    const inner = runCli(['.'], path.join(dir, 'docker'));
    expect(inner.stdout).toContain(SPLIT);
    expect(inner.stdout).toContain('Dockerfile:1:1: info [context] context .. (docker-compose.yml:6, service web)\n');
  });

  it('--context still wins (and without definitions the split has no manifests to copy)', async () => {
    const dir = repo('compose-parent-context');
    const r = runCli(['.', '--context', 'docker'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(SPLIT);
    expect(r.stdout).not.toContain('[context] context .');
  });

  it('the JSON report carries the note too', async () => {
    const dir = repo('compose-parent-context');
    const r = runCli(['.', '--format', 'json'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('context . (docker/docker-compose.yml:6, service web)');
  });

  it.each([
    ['workflow-build-push', 'apiserver/src/main/docker/Dockerfile', 'context apiserver (.github/workflows/release.yml:9, workflow step Build and push)'],
    ['workflow-run', 'packaging/docker/Dockerfile', 'context . (.github/workflows/ci.yml:11, workflow step image)'],
    ['makefile', 'packaging/docker/alpine/Dockerfile', 'context . (Makefile:6)'],
    ['devcontainer', '.devcontainer/Dockerfile', 'context . (.devcontainer/devcontainer.json:5, devcontainer)'],
    ['bake-json', 'docker/Dockerfile', 'context . (docker-bake.json:10, bake target app)'],
  ])('%s: splits COPY . . in %s with %s', (name, file, note) => {
    const dir = repo(name);
    const r = runCli([file], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(SPLIT);
    expect(r.stdout).toContain(`${file}:1:1: info [context] ${note}\n`);
    // Without the repository's definitions (not a git root, no files), nothing to split.
    const bare = tempDir({ Dockerfile: fs.readFileSync(path.join(dir, file), 'utf8') });
    expect(runCli(['Dockerfile'], bare).stdout).not.toContain(SPLIT);
  });

  it('two services, one Dockerfile, two targets: both are outputs, both named', async () => {
    const dir = repo('two-targets');
    const r = runCli(['.'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(SPLIT);
    expect(r.stdout).toContain('docker/Dockerfile:1:1: info [context] target web (docker-compose.yml:3, service web)\n');
    expect(r.stdout).toContain('docker/Dockerfile:1:1: info [context] target worker (docker-compose.yml:8, service worker)\n');
  });

  it('compose target and args: notes for the entries not used, with path:line; exit code unchanged', async () => {
    const dir = repo('compose-target-args');
    const r = runCli(['.'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('compose.yaml:17: note [builds] compose service broken: context ${NOT_SET}: cannot resolve ${NOT_SET}; entry not used\n');
    expect(r.stdout).toContain('Dockerfile:1:1: info [context] target dev (compose.yaml:3, service app)\n');
  });

  it('several contexts for one Dockerfile: each is analysed; when they disagree only context-free changes are made', () => {
    const dir = repo('compose-parent-context');
    fs.writeFileSync(path.join(dir, 'Makefile'), 'image:\n\tdocker build -f docker/Dockerfile docker\n');
    const r = runCli(['.'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(SPLIT);
    expect(r.stdout).toContain('info [context] context docker (Makefile:2)\n');
    expect(r.stdout).toContain('the contexts give different results (context . changes lines 1, 3, 4, 5; context docker changes lines 1, 4)');
  });

  it('several contexts that disagree: explain and verify show the rewrite the main command makes, with the note', async () => {
    const dir = repo('compose-parent-context');
    fs.writeFileSync(path.join(dir, 'Makefile'), 'image:\n\tdocker build -f docker/Dockerfile docker\n');
    const note = 'the contexts give different results (context . changes lines 1, 3, 4, 5; context docker changes lines 1, 4)';
    const ex = runCli(['explain', 'docker/Dockerfile', '--format', 'json'], dir);
    expect(ex.code).toBe(0);
    const json = JSON.parse(ex.stdout);
    const report = Array.isArray(json) ? json[0] : json;
    expect(JSON.stringify(report.builds)).toContain(note);
    // The split of COPY . . depends on the context: not made, so the "after" picture keeps COPY . .
    expect(ex.stdout).not.toContain('COPY package.json package-lock.json ./');
    expect(ex.stdout).toContain('COPY . .');
    const { rewriteInMemory } = await import('../src/verify/run.js');
    const rw = await rewriteInMemory({ dockerfile: path.join(dir, 'docker/Dockerfile'), cwd: dir, env: process.env });
    expect(rw.changed).toBe(true);
    expect(rw.after).not.toContain('COPY package.json package-lock.json ./');
    expect(rw.findings.map((f) => f.message).join('\n')).toContain(note);
    // With only the compose context, all three agree with the main command: the split is made.
    fs.rmSync(path.join(dir, 'Makefile'));
    const one = await rewriteInMemory({ dockerfile: path.join(dir, 'docker/Dockerfile'), cwd: dir, env: process.env });
    expect(one.after).toContain(SPLIT.slice(1));
    expect(runCli(['.'], dir).stdout).toContain(SPLIT);
  });

  it('nothing found, sources at the root: a note says so', async () => {
    const dir = repo('guess-root');
    const r = runCli(['.'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'docker/Dockerfile:1:1: info [context] the build context looks like the repository root (COPY package.json at line 3 is not in docker/); pass --context . or add a compose entry\n',
    );
    expect(runCli(['.', '--context', '.'], dir).stdout).not.toContain('looks like');
  });
});
