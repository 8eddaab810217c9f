/**
 * Compose `include` (src/builds/compose.ts): the projects a compose file includes are read as
 * docker compose reads them (each from its own folder or `project_directory`, `path` lists
 * merged in order, `env_file` for interpolation), and what cannot be followed gets a note.
 */
import { describe, expect, it } from 'vitest';
import { findBuildDefinitions } from '../src/builds/index.js';
import { runCli } from './helpers/cli.js';
import { defs, gitRepo, notes } from './helpers/builds.js';

const DOCKERFILE = 'FROM node:20 AS dev\nRUN echo dev\nFROM node:20-slim AS prod\nCMD ["node"]\n';

describe('compose include', () => {
  it('a path: the included project is read from its own folder', async () => {
    const dir = gitRepo({
      'compose.yaml': 'include:\n  - services/api/compose.yaml\nservices:\n  web:\n    build: web\n',
      'web/Dockerfile': DOCKERFILE,
      'services/api/compose.yaml': 'services:\n  api:\n    build:\n      context: .\n      target: dev\n',
      'services/api/Dockerfile': DOCKERFILE,
    });
    const r = await findBuildDefinitions(dir);
    expect(defs(r)).toEqual(['web/Dockerfile context=web <- compose.yaml:5 compose service web', 'services/api/Dockerfile context=services/api target=dev <- services/api/compose.yaml:3 compose service api']);
    expect(notes(r)).toEqual([]);
  });

  it('project_directory, a list of files merged in order, env_file for its variables', async () => {
    const dir = gitRepo({
      'compose.yaml': [
        'include:',
        '  - path:',
        '      - infra/compose.yaml',
        '      - infra/compose.prod.yaml',
        '    project_directory: .',
        '    env_file: infra/build.env',
        '',
      ].join('\n'),
      'infra/compose.yaml': 'services:\n  app:\n    build:\n      context: ./app\n      args:\n        NODE: ${NODE_VERSION}\n',
      'infra/compose.prod.yaml': 'services:\n  app:\n    build:\n      target: ${TARGET:-dev}\n',
      'infra/build.env': 'NODE_VERSION=20\nTARGET=prod\n',
      'app/Dockerfile': DOCKERFILE,
    });
    const r = await findBuildDefinitions(dir);
    expect(defs(r)).toEqual(['app/Dockerfile context=app target=prod args={"NODE":"20"} <- infra/compose.prod.yaml:3 compose service app']);
    expect(notes(r)).toEqual([]);
  });

  it('cycles, remote includes, paths outside the repository, unknown variables and missing files get notes; nothing hangs', async () => {
    const dir = gitRepo({
      'compose.yaml': [
        'include:',
        '  - a/compose.yaml',
        '  - oci://registry.example/app:1',
        '  - ../../etc/compose.yaml',
        '  - ${NOT_SET}/compose.yaml',
        '  - missing/compose.yaml',
        '  - path: []',
        'services:',
        '  root:',
        '    build: .',
        '',
      ].join('\n'),
      'Dockerfile': DOCKERFILE,
      'a/compose.yaml': 'include:\n  - ../compose.yaml\n  - compose.yaml\nservices:\n  a:\n    build: .\n',
      'a/Dockerfile': DOCKERFILE,
    });
    const t0 = performance.now();
    const r = await findBuildDefinitions(dir);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(defs(r)).toEqual(['Dockerfile context=. <- compose.yaml:10 compose service root', 'a/Dockerfile context=a <- a/compose.yaml:6 compose service a']);
    expect(notes(r)).toEqual([
      'a/compose.yaml:2: include ../compose.yaml includes a file that includes it; not followed',
      'a/compose.yaml:3: include compose.yaml includes a file that includes it; not followed',
      'compose.yaml:3: include oci://registry.example/app:1 is remote; not used',
      'compose.yaml:4: include ../../etc/compose.yaml is outside the repository; not used',
      'compose.yaml:5: include path ${NOT_SET}/compose.yaml: cannot resolve ${NOT_SET}; not used',
      'compose.yaml:6: include missing/compose.yaml cannot be read; not used',
      'compose.yaml:7: include entry without a path; not used',
    ]);
  });

  it('a compose file found in its folder and included by another counts once', async () => {
    const dir = gitRepo({
      'compose.yaml': 'include:\n  - docker/compose.yaml\n',
      'docker/compose.yaml': 'services:\n  app:\n    build:\n      context: ..\n      dockerfile: docker/Dockerfile\n      target: prod\n',
      'docker/Dockerfile': DOCKERFILE,
    });
    const r = await findBuildDefinitions(dir);
    expect(defs(r)).toEqual(['docker/Dockerfile context=. target=prod <- docker/compose.yaml:3 compose service app']);
  });

  it('the CLI: the target an included project builds is an output, named with its file', () => {
    const dir = gitRepo({
      'compose.yaml': 'include:\n  - services/api/compose.yaml\n',
      'services/api/compose.yaml': 'services:\n  api:\n    build:\n      context: .\n      target: dev\n',
      'services/api/Dockerfile': 'FROM python:3.12 AS dev\nCOPY . .\nRUN pip install -r requirements.txt\nFROM python:3.12-slim AS prod\nCMD ["python"]\n',
      'services/api/requirements.txt': 'flask\n',
    });
    const r = runCli(['.'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('services/api/Dockerfile:1:1: info [context] target dev (services/api/compose.yaml:3, service api)\n');
  });
});

describe('compose extends', () => {
  it('a base file outside the repository is not read (a pull request cannot make dockerfix read /etc)', async () => {
    const dir = gitRepo({
      'compose.yaml': 'services:\n  web:\n    extends:\n      file: /etc/passwd\n      service: root\n    build: .\n',
      'Dockerfile': DOCKERFILE,
    });
    const r = await findBuildDefinitions(dir);
    expect(defs(r)).toEqual(['Dockerfile context=. <- compose.yaml:6 compose service web']);
    expect(notes(r)).toEqual(['compose.yaml:3: compose service web: extends file /etc/passwd is outside the repository; the base service is not read']);
  });
});

describe('build args of several definitions (mergeArgs)', () => {
  it('a value every definition passes is known; one that differs or that some definition lacks is not; linear in the args', async () => {
    const { mergeArgs } = await import('../src/builds/plan.js');
    const def = (args: Record<string, string>) => ({ dockerfile: '/r/Dockerfile', context: '/r', args, source: { file: '/r/compose.yaml', line: 1, what: 'x' } });
    expect(mergeArgs([def({ A: '1', B: '2', C: '3' }), def({ A: '1', B: '9' }), def({ A: '1', B: '2', C: '3' })])).toEqual({ A: '1', B: null, C: null });
    expect(mergeArgs([])).toEqual({});
    const many = Array.from({ length: 20_000 }, (_, i) => def({ [`K${i}`]: 'v', SHARED: 's' }));
    const t0 = performance.now();
    const m = mergeArgs(many);
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(m.SHARED).toBe('s');
    expect(m.K0).toBeNull();
    expect(Object.keys(m)).toHaveLength(20_001);
  });
});
