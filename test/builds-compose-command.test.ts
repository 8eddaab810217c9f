/**
 * `docker compose … build|up|run|create` command lines (src/builds/command.ts ->
 * readComposeCommand): the compose files they name (merged in order, no default override then),
 * else the default file of the folder they run in.
 */
import { describe, expect, it } from 'vitest';
import { findBuildDefinitions } from '../src/builds/index.js';
import { runCli } from './helpers/cli.js';
import { defs, gitRepo, notes } from './helpers/builds.js';

const DOCKERFILE = 'FROM scratch AS dev\nFROM scratch AS ci\nFROM scratch AS prod\n';

describe('docker compose command lines', () => {
  it('-f files merged in order (their override file not added), the default file of the folder the command runs in, --project-directory; other subcommands read nothing', async () => {
    const dir = gitRepo({
      'app/Dockerfile': DOCKERFILE,
      'ops/compose.base.yml': 'services:\n  app:\n    build:\n      context: ../app\n      target: dev\n',
      'ops/compose.ci.yml': 'services:\n  app:\n    build:\n      target: ci\n',
      'ops/compose.base.override.yml': 'services:\n  app:\n    build:\n      target: never\n',
      'deploy2/compose.yaml': 'services:\n  web:\n    build:\n      context: app\n      target: prod\n',
      'scripts/ci.sh': [
        '#!/bin/sh',
        'docker compose -f ops/compose.base.yml -f ops/compose.ci.yml build app',
        'cd deploy2 && docker-compose --project-directory .. up --build -d',
        'docker compose ps',
        // Still in deploy2/ (a script is one shell): ../../ is outside the repository.
        'docker compose -f ../../elsewhere.yml build',
        '',
      ].join('\n'),
    });
    const r = await findBuildDefinitions(dir);
    expect(defs(r)).toEqual([
      'app/Dockerfile context=app target=ci <- ops/compose.ci.yml:3 compose service app',
      // --project-directory ..: `context: app` is the root's app/.
      'app/Dockerfile context=app target=prod <- deploy2/compose.yaml:3 compose service web',
    ]);
    expect(notes(r)).toEqual(['scripts/ci.sh:5: script ci.sh: compose file ../elsewhere.yml is outside the repository; not read']);
  });

  it('the CLI: the target a compose command line builds is an output', () => {
    const dir = gitRepo({
      'app/Dockerfile': 'FROM python:3.12 AS dev\nCOPY . .\nRUN pip install -r requirements.txt\nFROM python:3.12-slim AS prod\nCMD ["python"]\n',
      'app/requirements.txt': 'flask\n',
      'ops/compose.yml': 'services:\n  app:\n    build:\n      context: ../app\n      target: dev\n',
      Makefile: 'up:\n\tdocker compose -f ops/compose.yml up --build\n',
    });
    const r = runCli(['.'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('app/Dockerfile:1:1: info [context] target dev (ops/compose.yml:3, service app)\n');
  });
});
