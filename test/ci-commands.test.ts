import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DockerfileDocument } from '../src/core/document.js';
import { ciCommands, neededStages, shq } from '../src/cli/ci-commands.js';
import { runCli, tempDir } from './helpers/cli.js';

const MULTI = [
  'FROM node:20 AS deps',
  'COPY package.json package-lock.json ./',
  'RUN npm ci',
  'FROM deps AS build',
  'COPY . .',
  'RUN npm run build',
  'FROM node:20 AS lint',
  'RUN echo lint',
  'FROM alpine',
  'RUN echo unnamed',
  'FROM nginx:1.27',
  'COPY --from=build /dist /usr/share/nginx/html',
  'RUN --mount=type=bind,from=3,target=/x true',
  '',
].join('\n');

describe('dockerfix ci', () => {
  it('prints per-stage --target builds with inline cache, several --cache-from, and a mode=max registry cache', () => {
    const dir = tempDir({ 'web/Dockerfile': MULTI });
    const r = runCli(['ci', 'web/Dockerfile', '--registry', 'ghcr.io/acme/web', '--tag', 'v1'], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toContain('# stages: "deps" (FROM node:20), "build" (FROM deps), "lint" (FROM node:20), 3 (FROM alpine), 4 (FROM nginx:1.27)\n');
    expect(out).toContain('# stage "lint" is not needed for the final stage: BuildKit skips it, so no cache is kept for it\n');
    expect(out).toContain(
      [
        'docker buildx build \\',
        '  --file web/Dockerfile \\',
        '  --cache-from type=registry,ref=ghcr.io/acme/web:buildcache \\',
        '  --cache-to type=registry,ref=ghcr.io/acme/web:buildcache,mode=max \\',
        '  --tag ghcr.io/acme/web:v1 \\',
        '  --push \\',
        '  web',
      ].join('\n'),
    );
    expect(out).toContain(
      [
        'export DOCKER_BUILDKIT=1',
        'docker build --file web/Dockerfile --target deps \\',
        '  --cache-from ghcr.io/acme/web:cache-deps \\',
        '  --build-arg BUILDKIT_INLINE_CACHE=1 \\',
        '  --tag ghcr.io/acme/web:cache-deps web',
        'docker push ghcr.io/acme/web:cache-deps',
        'docker build --file web/Dockerfile --target build \\',
        '  --cache-from ghcr.io/acme/web:cache-deps \\',
        '  --cache-from ghcr.io/acme/web:cache-build \\',
        '  --build-arg BUILDKIT_INLINE_CACHE=1 \\',
        '  --tag ghcr.io/acme/web:cache-build web',
        'docker push ghcr.io/acme/web:cache-build',
        'docker build --file web/Dockerfile \\',
        '  --cache-from ghcr.io/acme/web:cache-deps \\',
        '  --cache-from ghcr.io/acme/web:cache-build \\',
        '  --cache-from ghcr.io/acme/web:v1 \\',
        '  --build-arg BUILDKIT_INLINE_CACHE=1 \\',
        '  --tag ghcr.io/acme/web:v1 web',
        'docker push ghcr.io/acme/web:v1',
        '# stage 3 has no name, so it cannot be built with --target: add "AS <name>" to its FROM, or use option 1',
      ].join('\n'),
    );
    expect(out).toContain('    cache-from: type=gha\n    cache-to: type=gha,mode=max\n');
    expect(out).toContain('  --cache-to type=local,dest=.buildx-cache-new,mode=max \\\n');
    // The shell sections are valid shell.
    const shell = out
      .split('\n## ')
      .filter((s) => !s.startsWith('3.'))
      .map((s) => s.split('\n').filter((l) => !l.startsWith('#') && !/^\d\./.test(l) && !l.startsWith('##')).join('\n'))
      .join('\n');
    const n = spawnSync('bash', ['-n'], { input: shell, encoding: 'utf8' });
    expect(n.stderr).toBe('');
    expect(n.status).toBe(0);
  });

  it('knows which stages the final stage needs', () => {
    const doc = new DockerfileDocument(MULTI);
    expect([...neededStages(doc)].map((s) => s.index).sort()).toEqual([0, 1, 3, 4]);
  });

  it('uses a placeholder registry and says so; quotes paths', () => {
    const out = ciCommands(new DockerfileDocument('FROM alpine\n'), { registry: 'registry.example.com/app', file: 'my dir/Dockerfile', context: 'my dir', tag: 'latest' });
    expect(out).toContain('# registry.example.com/app is a placeholder: give your image repository with --registry <image>\n');
    expect(out).toContain("  --file 'my dir/Dockerfile' \\\n");
    expect(shq("it's")).toBe(`'it'\\''s'`);
  });

  it('rejects bad input with exit 2', () => {
    const dir = tempDir({ Dockerfile: 'FROM alpine\n', 'empty/Dockerfile': '# nothing\n' });
    const tagged = runCli(['ci', 'Dockerfile', '--registry', 'ghcr.io/acme/web:latest'], dir);
    expect(tagged.code).toBe(2);
    expect(tagged.stderr).toContain('give an image repository in lower case without a tag');
    expect(runCli(['ci', 'Dockerfile', '--registry', 'localhost:5000/app'], dir).code).toBe(0);
    expect(runCli(['ci', 'nope'], dir).stderr).toBe('dockerfix ci: nope: no such file or directory\n');
    const empty = runCli(['ci', 'empty/Dockerfile'], dir);
    expect([empty.code, empty.stderr]).toEqual([2, 'dockerfix ci: empty/Dockerfile: no FROM instruction, nothing to build\n']);
  });
});
