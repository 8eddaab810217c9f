/**
 * Each fixture repository (fixtures-repos/<name>): the build definitions found (contexts, targets,
 * args, with their sources), and the whole output of `dockerfix .` run at its root with no flags
 * (the diff, the notes naming where the context came from) against
 * fixtures-repos/<name>.expected.txt. `UPDATE_FIXTURES=1` rewrites those files: review the diff.
 * Each test copies the repository to a temp dir and runs `git init` there (no nested .git is committed).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findBuildDefinitions, type BuildDefinitions } from '../src/builds/index.js';
import { DockerfileDocument } from '../src/core/document.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

function repo(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dockerfix-repo-${name}-`));
  fs.cpSync(path.join(ROOT, 'fixtures-repos', name), dir, { recursive: true });
  execFileSync('git', ['init', '-q', dir]);
  return fs.realpathSync(dir);
}

function summary(r: BuildDefinitions): string[] {
  const rel = (p: string | null): string => (p === null ? '-' : path.relative(r.root, p).split(path.sep).join('/') || '.');
  return r.definitions.map(
    (d) =>
      `${rel(d.dockerfile)} context=${rel(d.context)}${d.target !== undefined ? ` target=${d.target}` : ''}` +
      `${Object.keys(d.args).length ? ` args=${Object.entries(d.args).map(([k, v]) => `${k}=${v}`).join(',')}` : ''}` +
      `${d.additionalContexts ? ` contexts=${Object.entries(d.additionalContexts).map(([k, v]) => `${k}=${rel(v)}`).join(',')}` : ''}` +
      ` <- ${rel(d.source.file)}:${d.source.line} ${d.source.what}`,
  );
}

const CASES: Array<[string, string[], string]> = [
  ['compose-parent-context', ['docker/Dockerfile context=. <- docker/docker-compose.yml:6 compose service web'], 'docker/Dockerfile:1:1: info [context] context . (docker/docker-compose.yml:6, service web)'],
  [
    'compose-target-args',
    ['Dockerfile context=. target=dev args=NODE_VERSION=20,RELEASE=1.2.3 <- compose.yaml:3 compose service app', 'Dockerfile context=. args=NODE_VERSION=22 <- compose.yaml:11 compose service tests'],
    'Dockerfile:1:1: info [context] target dev (compose.yaml:3, service app)',
  ],
  [
    'compose-extends',
    [
      'docker/Dockerfile context=. target=web args=NODE_ENV=production contexts=assets=assets <- compose.override.yaml:3 compose service web',
      'docker/Dockerfile context=. target=worker args=NODE_ENV=production <- compose.yaml:8 compose service worker',
    ],
    'docker/Dockerfile:1:1: info [context] context . (compose.override.yaml:3, service web; compose.yaml:8, service worker)',
  ],
  [
    'two-targets',
    ['docker/Dockerfile context=. target=web <- docker-compose.yml:3 compose service web', 'docker/Dockerfile context=. target=worker <- docker-compose.yml:8 compose service worker'],
    'docker/Dockerfile:1:1: info [context] target worker (docker-compose.yml:8, service worker)',
  ],
  [
    'bake-hcl',
    ['docker/Dockerfile context=. target=web args=NODE_VERSION=20 <- docker-bake.hcl:21 bake target app', 'docker/Dockerfile context=. target=worker args=NODE_VERSION=20 <- docker-bake.hcl:27 bake target worker'],
    'docker/Dockerfile:1:1: info [context] build arg NODE_VERSION=20 (used as known values)',
  ],
  ['bake-json', ['docker/Dockerfile context=. target=release args=NODE_ENV=production,TAG=latest <- docker-bake.json:10 bake target app'], 'docker/Dockerfile:1:1: info [context] context . (docker-bake.json:10, bake target app)'],
  [
    'workflow-build-push',
    ['apiserver/src/main/docker/Dockerfile context=apiserver target=runtime args=VERSION=1.0 <- .github/workflows/release.yml:9 workflow step Build and push'],
    'apiserver/src/main/docker/Dockerfile:1:1: info [context] context apiserver (.github/workflows/release.yml:9, workflow step Build and push)',
  ],
  ['workflow-run', ['packaging/docker/Dockerfile context=. args=CHANNEL=stable <- .github/workflows/ci.yml:11 workflow step image'], 'packaging/docker/Dockerfile:1:1: info [context] context . (.github/workflows/ci.yml:11, workflow step image)'],
  ['makefile', ['packaging/docker/alpine/Dockerfile context=. target=app args=ALPINE=3.20 <- Makefile:6 Makefile'], 'packaging/docker/alpine/Dockerfile:1:1: info [context] context . (Makefile:6)'],
  ['devcontainer', ['.devcontainer/Dockerfile context=. target=dev args=NODE_ENV=development <- .devcontainer/devcontainer.json:5 devcontainer'], '.devcontainer/Dockerfile:1:1: info [context] context . (.devcontainer/devcontainer.json:5, devcontainer)'],
  [
    'gitlab-kaniko',
    ['docker/Dockerfile context=. target=app <- .gitlab-ci.yml:10 gitlab job build', 'docker/Dockerfile context=. <- .gitlab-ci.yml:15 gitlab job test'],
    'docker/Dockerfile:1:1: info [context] context . (.gitlab-ci.yml:10, gitlab job build; .gitlab-ci.yml:15, gitlab job test)',
  ],
  ['skaffold', ['services/api/build/Dockerfile context=services/api target=runtime args=NODE_ENV=production <- skaffold.yaml:5 skaffold artifact example/api'], 'services/api/build/Dockerfile:1:1: info [context] context services/api (skaffold.yaml:5, skaffold artifact example/api)'],
  [
    'multi-context',
    ['docker/Dockerfile context=. <- compose.yaml:3 compose service web', 'docker/Dockerfile context=docker <- Makefile:2 Makefile'],
    'docker/Dockerfile:1:1: info [context] the contexts give different results (context . changes lines 1, 3, 4, 5; context docker changes lines 1, 4): only the changes that do not depend on the context were made (analysed without a context)',
  ],
  ['hadolint', [], 'Dockerfile:5:1: ... (see the expected file)'],
  ['config-contexts', ['build/images/Dockerfile context=build <- Makefile:2 Makefile'], 'build/images/Dockerfile:1:1: info [context] context . (dockerfix.config.json:3, dockerfix config)'],
];

describe('fixture repositories: definitions found and `dockerfix .` at the root', () => {
  it.each(CASES)('%s', async (name, defs, sourceLine) => {
    const dir = repo(name);
    expect(summary(await findBuildDefinitions(dir))).toEqual(defs);
    const r = runCli(['.'], dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const out = r.stdout.split(dir).join('<repo>');
    if (!sourceLine.includes('(see the expected file)')) expect(out).toContain(sourceLine + '\n');
    const expectedFile = path.join(ROOT, 'fixtures-repos', `${name}.expected.txt`);
    if (process.env.UPDATE_FIXTURES) fs.writeFileSync(expectedFile, out);
    expect(out).toBe(fs.readFileSync(expectedFile, 'utf8'));
  });
});

describe('several contexts, args, config', () => {
  it('contexts that agree: the change is made, and the note says both were analysed', () => {
    const dir = repo('multi-context');
    // A Dockerfile whose rewrite does not depend on the context.
    fs.writeFileSync(path.join(dir, 'docker', 'Dockerfile'), 'FROM node:20-slim\nWORKDIR /app\nCOPY package.json ./\nRUN npm install\nCOPY . .\n');
    const r = runCli(['.'], dir);
    expect(r.stdout).toContain('+RUN --mount=type=cache,target=/root/.npm npm install\n');
    expect(r.stdout).toContain('docker/Dockerfile:1:1: info [context] analysed with each context (context ., context docker): same result\n');
  });

  it('--check answers as the dry run does for a file with several contexts', () => {
    const dir = repo('multi-context');
    const r = runCli(['--check', '.'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('docker/Dockerfile\n');
    const w = runCli(['--write', '.'], dir);
    expect(w.code).toBe(0);
    // Only what is safe without knowing the context: the split is not made.
    expect(fs.readFileSync(path.join(dir, 'docker', 'Dockerfile'), 'utf8')).not.toContain('COPY package.json');
  });

  it('build args replace ARG defaults in the document model; null is unknown', () => {
    const text = 'ARG NODE_VERSION=18\nFROM node:${NODE_VERSION}-slim\nARG MODE=dev\nRUN echo $MODE\n';
    const known = new DockerfileDocument(text, false, { NODE_VERSION: '22', MODE: 'prod' });
    expect(known.stages[0].resolvedBaseImage).toBe('node:22-slim');
    expect(known.instructions[3].state().env.get('MODE')).toBe('prod');
    const unknown = new DockerfileDocument(text, false, { NODE_VERSION: null });
    expect(unknown.stages[0].resolvedBaseImage).toBe('node:${NODE_VERSION}-slim');
    expect(new DockerfileDocument(text).stages[0].resolvedBaseImage).toBe('node:18-slim');
  });

  it('definitions that disagree on an arg: unknown, said in a note', () => {
    const dir = repo('compose-target-args');
    const r = runCli(['.'], dir);
    // app passes NODE_VERSION=20 and RELEASE, tests NODE_VERSION=22 and no RELEASE.
    expect(r.stdout).toContain('Dockerfile:1:1: info [context] build args NODE_VERSION, RELEASE: the definitions pass different values (or none); not known\n');
    expect(r.stdout).not.toContain('used as known values');
  });

  it('config contexts: validated strictly', () => {
    const dir = repo('config-contexts');
    fs.writeFileSync(path.join(dir, 'dockerfix.config.json'), JSON.stringify({ contexts: { 'build/images/Dockerfile': { context: '.', target: 'dev' } } }));
    const r = runCli(['.'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('dockerfix: dockerfix.config.json: contexts.build/images/Dockerfile.target: unknown key (allowed: context, targets, args)\n');
    fs.writeFileSync(path.join(dir, 'dockerfix.config.json'), JSON.stringify({ contexts: { 'build/images/Dockerfile': { args: { A: 1 } } } }));
    expect(runCli(['.'], dir).stderr).toBe('dockerfix: dockerfix.config.json: contexts.build/images/Dockerfile.args.A: expected a string, got a number\n');
  });

  it('--context on the command line wins over the config contexts', () => {
    const dir = repo('config-contexts');
    const r = runCli(['.', '--context', 'build'], dir);
    expect(r.stdout).not.toContain('COPY package.json');
    expect(r.stdout).toContain('info [context] target dev (dockerfix.config.json:3, dockerfix config)\n');
  });
});

describe('bad input: a note with path:line, the entry ignored, the exit code unchanged', () => {
  it.each([
    ['docker-bake.hcl', 'target "a" {\n  context = \n}\n', /^docker-bake\.hcl:2: note \[builds\] does not parse as HCL \(.*Invalid expression.*\); not used$/m],
    ['docker-bake.hcl', 'target "a" {\n  context = "${CTX}"\n}\n', /^docker-bake\.hcl:1: note \[builds\] bake target a: context \$\{CTX\}: cannot resolve \$\{CTX\}; entry not used$/m],
    ['skaffold.yaml', 'build:\n  artifacts:\n    - image: a\n      context: "{{.DIR}}"\n', /^skaffold\.yaml:3: note \[builds\] skaffold artifact a: context \{\{\.DIR\}\}: templates are not known; entry not used$/m],
    ['.gitlab-ci.yml', 'build:\n  script:\n    - docker build -f docker/Dockerfile ../outside\n', /^\.gitlab-ci\.yml:3: note \[builds\] gitlab job build: context .*outside is outside the repository; not used$/m],
    ['compose.yaml', 'services:\n  a:\n    build:\n      context: .\n      dockerfile: nope/Dockerfile\n', /^compose\.yaml:3: note \[builds\] compose service a: Dockerfile nope\/Dockerfile not found; not used$/m],
    ['compose.yaml', 'services:\n  a:\n    extends:\n      file: missing.yaml\n      service: b\n    build: .\n', /^compose\.yaml:3: note \[builds\] compose service a: extends file missing\.yaml cannot be read; the base service is not read$/m],
  ])('%s: %s', (file, text, note) => {
    const dir = tempDir({ [file]: text, Dockerfile: 'FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\n' });
    execFileSync('git', ['init', '-q', dir]);
    const r = runCli(['.'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(note);
    expect(runCli(['.', '--exit-code'], dir).code).toBe(1);
  });
});

describe('bake: override files and docker/bake-action', () => {
  it('docker-bake.override.hcl wins per attribute; a bake-action names its files and targets', async () => {
    const dir = tempDir({
      'docker-bake.hcl': 'target "app" {\n  context = "."\n  dockerfile = "docker/Dockerfile"\n  target = "web"\n}\n',
      'docker-bake.override.hcl': 'target "app" {\n  args = { MODE = "prod" }\n}\n',
      // Relative contexts are taken from where bake runs (the bake-action's workdir, the root),
      // not from ci/: buildx's default (docker/buildx#1028; file-relative paths are an opt-in).
      'ci/bake.hcl': 'group "release" {\n  targets = ["api"]\n}\ntarget "api" {\n  context = "."\n  dockerfile = "docker/Dockerfile"\n  target = "api"\n}\ntarget "other" {\n  context = "."\n  dockerfile = "docker/Dockerfile"\n}\n',
      '.github/workflows/bake.yml': 'on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/bake-action@v6\n        with:\n          files: ci/bake.hcl\n          targets: release\n',
      'docker/Dockerfile': 'FROM scratch AS web\nFROM scratch AS api\n',
    });
    execFileSync('git', ['init', '-q', dir]);
    const real = fs.realpathSync(dir);
    expect(summary(await findBuildDefinitions(real))).toEqual([
      'docker/Dockerfile context=. target=api <- .github/workflows/bake.yml:6 workflow step b, bake target api',
      'docker/Dockerfile context=. target=web args=MODE=prod <- docker-bake.hcl:1 bake target app',
    ]);
  });
});

describe('config contexts: a context outside the repository', () => {
  it('is not used, with a note naming the config line', () => {
    const dir = repo('config-contexts');
    fs.writeFileSync(path.join(dir, 'dockerfix.config.json'), '{\n  "contexts": {\n    "build/images/Dockerfile": { "context": "../.." }\n  }\n}\n');
    const r = runCli(['.'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('build/images/Dockerfile:1:1: info [context] dockerfix.config.json:3: contexts entry: context ../.. is outside the repository; not used\n');
    // The Makefile's context is used instead.
    expect(r.stdout).toContain('build/images/Dockerfile:1:1: info [context] context build (Makefile:2)\n');
  });
});

describe('hadolint: a repository that runs it gets `# hadolint ignore=DL3042` where --no-cache-dir goes', () => {
  const COMMENT = '+# hadolint ignore=DL3042\n';
  it('added above the step, appended to an ignore comment already there; idempotent', () => {
    const dir = repo('hadolint');
    const r = runCli(['.'], dir);
    expect(r.stdout).toContain(COMMENT);
    expect(r.stdout).toContain('+# hadolint ignore=DL3013,DL3042\n');
    expect(r.stdout).toContain('this repository runs hadolint (.hadolint.yaml)');
    expect(runCli(['--write', '.'], dir).code).toBe(0);
    expect(runCli(['--check', '.'], dir).code).toBe(0);
  });

  it('not when the hadolint config ignores DL3042', () => {
    const dir = repo('hadolint');
    fs.writeFileSync(path.join(dir, '.hadolint.yaml'), 'ignored:\n  - DL3008\n  - DL3042\n');
    const r = runCli(['.'], dir);
    expect(r.stdout).toContain('-RUN pip install --no-cache-dir -r requirements.txt\n');
    expect(r.stdout).not.toContain('DL3042');
  });

  it('not with transformOptions {"pip-cache-mount": {"hadolintIgnore": false}}', () => {
    const dir = repo('hadolint');
    fs.writeFileSync(path.join(dir, 'dockerfix.config.json'), JSON.stringify({ transformOptions: { 'pip-cache-mount': { hadolintIgnore: false } } }));
    const r = runCli(['.'], dir);
    expect(r.stdout).toContain('-RUN pip install --no-cache-dir -r requirements.txt\n');
    expect(r.stdout).not.toContain(COMMENT);
  });

  it('found through the workflow step or a pre-commit hook too; not without hadolint', () => {
    const dir = repo('hadolint');
    fs.rmSync(path.join(dir, '.hadolint.yaml'));
    expect(runCli(['.'], dir).stdout).toContain('this repository runs hadolint (.github/workflows/lint.yml)');
    fs.rmSync(path.join(dir, '.github'), { recursive: true });
    expect(runCli(['.'], dir).stdout).not.toContain(COMMENT);
    fs.writeFileSync(path.join(dir, '.pre-commit-config.yaml'), 'repos:\n  - repo: https://github.com/hadolint/hadolint\n    rev: v2.12.0\n    hooks:\n      - id: hadolint-docker\n');
    expect(runCli(['.'], dir).stdout).toContain('this repository runs hadolint (.pre-commit-config.yaml)');
  });
});

describe('explain, ci and --stdin-filepath use the definitions', () => {
  it('explain names the context, targets and args found, and analyses with that context', () => {
    const dir = repo('bake-hcl');
    const r = runCli(['explain', 'docker/Dockerfile'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('build context: . (');
    expect(r.stdout).toContain('build: context . (docker-bake.hcl:21, bake target app; docker-bake.hcl:27, bake target worker)\n');
    expect(r.stdout).toContain('build: build arg NODE_VERSION=20 (used as known values)\n');
    // --context still wins.
    const own = runCli(['explain', 'docker/Dockerfile', '--context', 'docker'], dir);
    expect(own.stdout).toContain('build context: docker');
    expect(own.stdout).not.toContain('build: context .');
  });

  it('ci prints one set of commands per target found, with the context found', () => {
    const dir = repo('two-targets');
    const r = runCli(['ci', 'docker/Dockerfile'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('# dockerfix ci: layer-cache commands for docker/Dockerfile, target web (build context .)\n');
    expect(r.stdout).toContain('# dockerfix ci: layer-cache commands for docker/Dockerfile, target worker (build context .)\n');
    expect(r.stdout).toContain('--cache-to type=registry,ref=registry.example.com/app:buildcache-worker,mode=max \\\n');
    // Each target its own GitHub cache scope (one would overwrite the other's).
    expect(r.stdout).toContain('cache-to: type=gha,scope=worker,mode=max\n');
    expect(r.stdout).toContain('  --file docker/Dockerfile --target web \\\n');
    expect(runCli(['ci', 'docker/Dockerfile', '--context', 'docker'], dir).stdout).toContain('(build context docker)');
  });

  it('--stdin --stdin-filepath: the context found for that path, notes on stderr', () => {
    const dir = repo('compose-parent-context');
    const text = fs.readFileSync(path.join(dir, 'docker', 'Dockerfile'), 'utf8');
    const r = runCli(['--stdin', '--stdin-filepath', 'docker/Dockerfile'], dir, { input: text });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('COPY package.json package-lock.json ./\n');
    expect(r.stderr).toContain('docker/Dockerfile:1:1: info [context] context . (docker/docker-compose.yml:6, service web)\n');
    // Without the path there is nothing to go by.
    expect(runCli(['--stdin'], dir, { input: text }).stdout).not.toContain('COPY package.json package-lock.json ./\n');
  });
});
