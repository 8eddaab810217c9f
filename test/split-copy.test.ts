/**
 * split-copy building blocks: how shell commands are classified, how manifests are inferred,
 * and the transform on small in-memory contexts (table style: input, context, exact output).
 */
import { describe, expect, it } from 'vitest';
import { MemoryContext, NoContext, excludesTree, type BuildContext } from '../src/core/context.js';
import { classifyCommand, readsOffline, type InstallCommand } from '../src/analysis/install-commands.js';
import { globToRegExp, planManifests, yamlList } from '../src/analysis/manifests.js';
import { runTransforms } from '../src/core/runner.js';
import { tokenize } from '../src/core/shell.js';
import splitCopy from '../transforms/split-copy.js';
import type { Transform } from '../src/core/types.js';
import { result } from './helpers/result.js';

function classify(text: string, cwd = '/app'): ReturnType<typeof classifyCommand>[] {
  return tokenize(text, (i) => i).commands.map((c) => classifyCommand(c, cwd));
}

function kinds(text: string): string[] {
  return classify(text).map((c) => (c.kind === 'install' ? `install:${c.install.eco}` : c.kind === 'source' && c.build ? `build:${c.build.eco}` : c.kind));
}

describe('classifyCommand', () => {
  it.each([
    ['npm ci', ['install:npm']],
    ['npm install --omit=dev', ['install:npm']],
    ['npm install -g pnpm@9', ['neutral']],
    ['npm install express', ['source']],
    ['npm run build', ['source']],
    ['yarn', ['install:yarn']],
    ['yarn --frozen-lockfile', ['install:yarn']],
    ['yarn build', ['source']],
    ['pnpm install --frozen-lockfile', ['install:pnpm']],
    ['pip install -r requirements.txt', ['install:pip']],
    ['python3 -m pip install --no-cache-dir -r req.txt', ['install:pip']],
    ['pip install flask gunicorn', ['neutral']],
    ['pip install .', ['install:pip']],
    ['uv pip install -r requirements.txt', ['install:pip']],
    ['uv sync --locked', ['install:uv']],
    ['poetry install --no-root', ['install:poetry']],
    ['poetry config virtualenvs.create false', ['neutral']],
    ['go mod download', ['install:go']],
    ['go build -o /out/app .', ['build:go']],
    ['go install golang.org/x/tools/gopls@latest', ['neutral']],
    ['cargo build --release', ['build:cargo']],
    ['mvn -B dependency:go-offline', ['install:maven']],
    ['mvn -B package', ['build:maven']],
    ['./gradlew dependencies --no-daemon', ['install:gradle']],
    ['bundle install --jobs 4', ['install:bundler']],
    ['composer install --no-dev', ['install:composer']],
    ['php composer.phar install', ['install:composer']],
    ['dotnet restore app.csproj', ['install:dotnet']],
    ['dotnet publish -c Release -o /out', ['build:dotnet']],
    ['mix deps.get --only prod', ['install:mix']],
    ['apt-get update && apt-get install -y curl', ['neutral', 'neutral']],
    ['./configure && make', ['source', 'source']],
  ])('%s', (text, expected) => {
    expect(kinds(text)).toEqual(expected);
  });

  it('follows cd and reports the paths a neutral command names', () => {
    const [cd, mk] = classify('cd web && mkdir -p dist', '/app');
    expect(cd).toEqual({ kind: 'cd', dir: '/app/web' });
    expect(mk).toEqual({ kind: 'neutral', paths: ['dist'], readOnly: false });
    const [t] = classify('[ -f composer.json ]');
    expect(t).toEqual({ kind: 'neutral', paths: ['composer.json'], readOnly: true });
  });
});

function install(text: string, cwd = '/app'): InstallCommand {
  const c = classify(text, cwd)[0];
  if (c.kind !== 'install') throw new Error(`not an install: ${text}`);
  return c.install;
}

function plan(text: string, files: Record<string, string> | null, cwd = '/app') {
  const ctx: BuildContext = files ? new MemoryContext(files) : new NoContext();
  return planManifests({ inst: install(text, cwd), ctx, toRel: (a) => (a === '/app' ? '' : a.startsWith('/app/') ? a.slice(5) : null), env: new Map() });
}

describe('planManifests', () => {
  it('follows pip -r and -c includes relative to the including file', () => {
    const p = plan('pip install -r requirements/prod.txt', {
      'requirements/prod.txt': '-r base.txt\n-c ../constraints.txt\ngunicorn\n',
      'requirements/base.txt': 'flask  # web\n',
      'constraints.txt': 'werkzeug<4\n',
    });
    expect(p.block).toBeUndefined();
    expect(p.paths).toEqual(['requirements/prod.txt', 'requirements/base.txt', 'constraints.txt']);
  });

  it('blocks a requirements file that installs the project', () => {
    expect(plan('pip install -r requirements.txt', { 'requirements.txt': 'flask\n-e .\n' }).block).toBe('requirements.txt installs a local project (`-e .`), which needs the whole source');
  });

  it('lists only the lockfiles the context has and honours .dockerignore', () => {
    const p = plan('npm ci', { 'package.json': '{}', 'package-lock.json': '{}', '.npmrc': 'x=1', 'yarn.lock': '', '.dockerignore': 'yarn.lock\n' });
    expect(p.paths).toEqual(['package.json', 'package-lock.json', '.npmrc']);
    expect(p.outputs).toContain('node_modules');
  });

  it('uses globs for optional files without a context, and marks that unsafe', () => {
    const p = plan('npm ci', null);
    expect(p.patterns).toEqual(['package.json', 'package-lock.json*', 'npm-shrinkwrap.json*', '.npmrc*']);
    expect(p.unsafe).toMatch(/without the build context/);
  });

  it('finds every workspace package.json, with negations', () => {
    const p = plan('npm ci', {
      'package.json': JSON.stringify({ workspaces: ['packages/*', '!packages/old'] }),
      'packages/a/package.json': '{}',
      'packages/b/package.json': '{}',
      'packages/old/package.json': '{}',
      'packages/a/node_modules/x/package.json': '{}',
    });
    expect(p.paths).toEqual(['package.json', 'packages/a/package.json', 'packages/b/package.json']);
  });

  it('blocks workspace packages whose install needs their files', () => {
    const files = (member: object) => ({ 'package.json': JSON.stringify({ workspaces: ['pkgs/*'] }), 'pkgs/cli/package.json': JSON.stringify(member) });
    expect(plan('npm ci', files({ bin: { tool: 'bin/tool.js' } })).block).toBe('the workspace package pkgs/cli/package.json declares `bin`, which the install links to files not copied yet');
    expect(plan('npm ci', files({ name: 'cli' })).block).toBeUndefined();
  });

  it('blocks lifecycle scripts unless they are known harmless', () => {
    expect(plan('npm ci', { 'package.json': JSON.stringify({ scripts: { prepare: 'tsc' } }) }).block).toMatch(/has a `prepare` script \(`tsc`\)/);
    expect(plan('npm ci', { 'package.json': JSON.stringify({ scripts: { preinstall: 'npx only-allow npm', prepare: 'husky install' } }) }).block).toBeUndefined();
    expect(plan('npm ci --ignore-scripts', { 'package.json': JSON.stringify({ scripts: { prepare: 'tsc' } }) }).block).toBeUndefined();
  });

  it('gives poetry and composer their dependency-only form', () => {
    expect(plan('poetry install', { 'pyproject.toml': '[tool.poetry]\nname = "x"\n', 'poetry.lock': '' }).depOnly?.flags).toEqual(['--no-root']);
    expect(plan('poetry install', { 'pyproject.toml': '[tool.poetry]\npackage-mode = false\n' }).depOnly).toBeUndefined();
    const c = plan('composer install --no-dev', { 'composer.json': '{}', 'composer.lock': '{"packages":[]}' });
    expect(c.depOnly?.flags).toEqual(['--no-scripts', '--no-autoloader']);
  });

  it('follows .NET project references and MSBuild files above the projects', () => {
    const p = plan('dotnet restore src/Api/Api.csproj', {
      'src/Api/Api.csproj': '<Project><ItemGroup><ProjectReference Include="..\\Lib\\Lib.csproj" /></ItemGroup></Project>',
      'src/Lib/Lib.csproj': '<Project/>',
      'src/Other/Other.csproj': '<Project/>',
      'Directory.Build.props': '<Project/>',
      'nuget.config': '<configuration/>',
    });
    expect(p.block).toBeUndefined();
    expect(p.paths.sort()).toEqual(['Directory.Build.props', 'nuget.config', 'src/Api/Api.csproj', 'src/Lib/Lib.csproj']);
  });

  it('blocks go modules with local replacements', () => {
    expect(plan('go mod download', { 'go.mod': 'module x\nreplace y => ../y\n' }).block).toMatch(/local directory \.\.\/y/);
  });
});

describe('helpers', () => {
  it('globToRegExp and yamlList', () => {
    expect(globToRegExp('packages/*').test('packages/a')).toBe(true);
    expect(globToRegExp('packages/*').test('packages/a/b')).toBe(false);
    expect(globToRegExp('apps/**').test('apps/a/b')).toBe(true);
    expect(yamlList("packages:\n  - 'apps/*'\n  - \"libs/*\" # libs\nother: 1\n", 'packages')).toEqual(['apps/*', 'libs/*']);
  });
});

function run(text: string, files: Record<string, string> | null, unsafe = false): { output: string; messages: string[] } {
  const r = runTransforms(text, { transforms: [splitCopy], buildContext: files ? new MemoryContext(files) : new NoContext(), options: { unsafe } });
  if (r.error) throw new Error(r.error.message);
  return { output: r.output, messages: r.findings.map((f) => `${f.line} ${f.kind}: ${f.message}`) };
}

describe('split-copy transform', () => {
  it('splits a pip install and is idempotent', () => {
    const input = 'FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nCMD ["python", "app.py"]\n';
    const { output, messages } = run(input, { 'requirements.txt': 'flask\n' });
    expect(output).toBe('FROM python:3.12\nWORKDIR /app\nCOPY requirements.txt ./\nRUN pip install -r requirements.txt\nCOPY . .\nCMD ["python", "app.py"]\n');
    expect(messages).toEqual(['3 change: copies requirements.txt before `pip install -r requirements.txt` and the rest of the source after it, so a source edit no longer re-runs the install']);
    expect(run(output, { 'requirements.txt': 'flask\n' }).output).toBe(output);
  });

  it('keeps a step between that does not touch the copy, and blocks one that does', () => {
    const ok = run('FROM node:20\nWORKDIR /app\nCOPY . .\nRUN apt-get update && apt-get install -y git\nRUN npm ci\n', { 'package.json': '{}', '.dockerignore': 'node_modules\n' });
    expect(ok.output).toBe('FROM node:20\nWORKDIR /app\nCOPY package.json ./\nRUN apt-get update && apt-get install -y git\nRUN npm ci\nCOPY . .\n');
    const blocked = run('FROM node:20\nWORKDIR /app\nCOPY . .\nRUN rm -rf ./docs\nRUN npm ci\n', { 'package.json': '{}', 'docs/a.md': '' });
    expect(blocked.messages).toEqual(['3 skipped: did not split this copy before `npm ci`: `rm -rf ./docs` at line 4 uses ./docs, which the whole-context copy provides']);
  });

  it('does not trust a command substitution between the copy and the install', () => {
    const r = run('FROM node:20\nWORKDIR /app\nCOPY . .\nRUN echo $(cat VERSION) > /etc/app-version\nRUN npm ci\n', { 'package.json': '{}', VERSION: '1' });
    expect(r.messages).toEqual(['3 skipped: did not split this copy before `npm ci`: `$(cat VERSION)` at line 4 runs a command substitution that may read the copied source']);
  });

  it('leaves files without an install alone and says nothing', () => {
    const input = 'FROM nginx\nCOPY . /usr/share/nginx/html\n';
    expect(run(input, { 'index.html': '' })).toEqual({ output: input, messages: [] });
  });
});

describe('install outputs and .dockerignore', () => {
  const dockerfile = 'FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD ["node", "server.js"]\n';
  const base = { 'package.json': '{}', 'package-lock.json': '{}', 'server.js': '' };
  const localInstall = { 'node_modules/express/package.json': '{}' };

  it('decides by .dockerignore, not by whether node_modules is in the working tree now', () => {
    for (const unsafe of [false, true]) {
      const absent = run(dockerfile, base, unsafe);
      const present = run(dockerfile, { ...base, ...localInstall }, unsafe);
      expect(present).toEqual(absent);
      const ignoredAbsent = run(dockerfile, { ...base, '.dockerignore': 'node_modules\n' }, unsafe);
      const ignoredPresent = run(dockerfile, { ...base, ...localInstall, '.dockerignore': 'node_modules\n' }, unsafe);
      expect(ignoredPresent).toEqual(ignoredAbsent);
      expect(ignoredAbsent.output).toBe('FROM node:20-slim\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nCMD ["node", "server.js"]\n');
      expect(ignoredAbsent.messages[0]).not.toMatch(/unsafe/);
      // Without the line the split is only applied with --unsafe, and the message names the line to add.
      expect(absent.output).toBe(unsafe ? ignoredAbsent.output : dockerfile);
      expect(absent.messages[0]).toMatch(/unsafe: `npm ci` writes node_modules in the project and \.dockerignore does not exclude it: .*add `node_modules` to \.dockerignore/);
    }
  });

  it('suggests **/ for per-project directories below the root', () => {
    const files = { 'package.json': JSON.stringify({ workspaces: ['packages/*'] }), 'package-lock.json': '{}', 'packages/a/package.json': '{}' };
    const r = run('FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n', { ...files, '.dockerignore': 'node_modules\n' });
    expect(r.messages[0]).toMatch(/writes packages\/a\/node_modules in the project .* add `\*\*\/node_modules` to \.dockerignore/);
    expect(run('FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n', { ...files, '.dockerignore': '**/node_modules\n' }).messages[0]).not.toMatch(/unsafe/);
  });

  it('excludesTree: the directory and all it could hold, with no exception reaching below it', () => {
    const ex = (ignore: string, rel: string): boolean => excludesTree(new MemoryContext({ '.dockerignore': ignore }), rel);
    expect(ex('node_modules\n', 'node_modules')).toBe(true);
    expect(ex('node_modules/\n', 'node_modules')).toBe(true);
    expect(ex('/node_modules\n', 'node_modules')).toBe(true);
    expect(ex('node_modules/*\n', 'node_modules')).toBe(true);
    expect(ex('**/node_modules\n', 'web/node_modules')).toBe(true);
    expect(ex('node_modules\n', 'web/node_modules')).toBe(false);
    expect(ex('node_modules/*.js\n', 'node_modules')).toBe(false);
    expect(ex('node_modules\n!node_modules/keep.txt\n', 'node_modules')).toBe(false);
    expect(ex('node_modules\n!**/*.md\n', 'node_modules')).toBe(false);
    expect(ex('node_modules\n!README.md\n', 'node_modules')).toBe(true);
    expect(ex('', 'node_modules')).toBe(false);
    expect(excludesTree(new NoContext(), 'node_modules')).toBe(false);
  });

  it('lists only outputs a later copy can really break: not maven target or gradle build', () => {
    const mvn = plan('mvn -B dependency:go-offline', { 'pom.xml': '<project></project>' });
    expect(mvn.block).toBeUndefined();
    expect(mvn.outputs).toEqual([]);
    expect(plan('uv sync --locked', { 'pyproject.toml': '[project]\nname = "x"\n', 'uv.lock': '' }).outputs).toEqual(['.venv']);
    expect(plan('composer install --no-plugins', { 'composer.json': '{}' }).outputs).toEqual(['vendor']);
    const yarnPnp = plan('yarn install --immutable', { 'package.json': '{"packageManager":"yarn@4.5.0"}', 'yarn.lock': '' });
    expect(yarnPnp.outputs).toEqual(['.pnp.cjs', '.pnp.loader.mjs', '.yarn/unplugged']);
    expect(plan('yarn install --immutable', { 'package.json': '{"packageManager":"yarn@4.5.0"}', 'yarn.lock': '', '.yarnrc.yml': 'nodeLinker: node-modules\n' }).outputs).toEqual(['node_modules']);
    expect(plan('yarn install --frozen-lockfile', { 'package.json': '{}', 'yarn.lock': '' }).outputs).toEqual(['node_modules']);
  });
});

describe('dotnet manifests', () => {
  it('copies packages.lock.json from a mixed-case project directory', () => {
    const p = plan('dotnet restore src/MyApi/MyApi.csproj --locked-mode', { 'src/MyApi/MyApi.csproj': '<Project Sdk="Microsoft.NET.Sdk"></Project>', 'src/MyApi/packages.lock.json': '{}' });
    expect(p.paths).toEqual(['src/MyApi/MyApi.csproj', 'src/MyApi/packages.lock.json']);
    expect(p.outputs).toEqual(['src/MyApi/obj']);
  });
});

describe('readsOffline', () => {
  it.each([
    ['dotnet publish -c Release --no-restore', 'dotnet publish -c Release --no-restore'],
    ['dotnet publish -c Release', null],
    ['mvn -B -o package', 'mvn -B -o package'],
    ['mvn -B package', null],
    ['./gradlew build --offline', './gradlew build --offline'],
    ['cargo build --release --frozen', 'cargo build --release --frozen'],
    ['cargo build --release --locked', null],
    ['CARGO_NET_OFFLINE=true cargo build', 'cargo build'],
    ['pnpm install --offline --frozen-lockfile', 'pnpm install --offline --frozen-lockfile'],
    ['GOPROXY=off go build ./...', 'go build ./...'],
    ['go build ./...', null],
    ['pip install --no-index -r requirements.txt', 'pip install --no-index -r requirements.txt'],
  ])('%s', (text, expected) => {
    expect(readsOffline(tokenize(text, (i) => i).commands[0])).toBe(expected);
  });
});

describe('# dockerfix-ignore around a split', () => {
  it('a lone insertion between the pragma and its instruction is not applied (runner)', () => {
    // A transform that adds a line right before every COPY: the pragma would pass to the new line.
    const inserter: Transform = {
      meta: { id: 'test-inserter', summary: '', description: '', fixKind: 'safe', order: 1 },
      run(doc) {
        const c = doc.instructions.find((i) => i.upper === 'COPY' && !doc.text.includes('RUN true'));
        return c ? result([{ start: c.start, end: c.start, text: 'RUN true\n' }]) : { diagnostics: [] };
      },
    };
    const input = 'FROM alpine\n# dockerfix-ignore\nCOPY . /src\n';
    const r = runTransforms(input, { transforms: [inserter] });
    expect(r.error).toBeUndefined();
    expect(r.output).toBe(input);
    const free = runTransforms('FROM alpine\nCOPY . /src\n', { transforms: [inserter] });
    expect(free.output).toBe('FROM alpine\nRUN true\nCOPY . /src\n');
  });

  it('split-copy adds no dependency step above an ignored copy, and says so on the build step', () => {
    const files = { 'go.mod': 'module x\n\ngo 1.22\n', 'go.sum': '' };
    const input = 'FROM golang:1.22 AS build\nWORKDIR /src\n# dockerfix-ignore\nCOPY . .\nRUN go build -o /out/app .\nFROM scratch\nCOPY --from=build /out/app /app\n';
    const r = run(input, files, true);
    expect(r.output).toBe(input);
    expect(r.messages).toEqual(['5 skipped: did not split the copy at line 4 before `go build -o /out/app .`: that copy is marked `# dockerfix-ignore`, so no step is added or moved around it']);
    expect(run(input.replace('# dockerfix-ignore\n', '# dockerfix-ignore apt-cache-mount\n'), files, true).output).not.toBe(input.replace('# dockerfix-ignore\n', '# dockerfix-ignore apt-cache-mount\n'));
  });
});
