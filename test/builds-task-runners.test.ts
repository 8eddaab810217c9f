/**
 * Taskfile.yml (go-task) and justfile recipes that build images (src/builds/task-runners.ts).
 */
import { describe, expect, it } from 'vitest';
import { findBuildDefinitions } from '../src/builds/index.js';
import { runCli } from './helpers/cli.js';
import { defs, gitRepo, notes } from './helpers/builds.js';

const FILES = { 'Dockerfile': 'FROM scratch AS dev\nFROM scratch AS prod\n', 'api/Dockerfile': 'FROM scratch AS api\n' };

describe('Taskfile.yml', () => {
  it('cmds (strings, cmd: entries, block scalars), the task dir, file and task vars; an unknown template only matters where it is used', async () => {
    const dir = gitRepo({
      ...FILES,
      'Taskfile.yml': [
        "version: '3'",
        'vars:',
        '  TARGET: prod',
        '  VERSION:',
        '    sh: git describe --tags',
        'tasks:',
        '  image:',
        '    cmds:',
        '      - docker build --target {{.TARGET}} -t app:{{.VERSION}} .',
        '  api:',
        '    dir: api',
        '    vars:',
        '      TARGET: api',
        '    cmds:',
        '      - cmd: docker build --target {{.TARGET}} --build-arg V={{.VERSION}} .',
        '      - task: image',
        '  dev:',
        '    cmds:',
        '      - |',
        '        echo building',
        '        docker buildx build --target {{.MODE | default "dev"}} .',
        '',
      ].join('\n'),
    });
    const r = await findBuildDefinitions(dir);
    expect(defs(r)).toEqual([
      // The tag's {{.VERSION}} (a `sh:` var) is not known, and not needed.
      'Dockerfile context=. target=prod <- Taskfile.yml:9 Taskfile task image',
      'api/Dockerfile context=api target=api <- Taskfile.yml:15 Taskfile task api',
    ]);
    expect(notes(r)).toEqual([
      'Taskfile.yml:15: --build-arg V=${VERSION}: cannot resolve ${VERSION}; arg left out',
      'Taskfile.yml:21: --target ${.MODE | default "dev"}: cannot resolve ${.MODE | default "dev"}; entry not used',
    ]);
  });
});

describe('justfile', () => {
  it('recipe lines with their variables; each line its own shell (cd does not carry), continuations joined; shebang recipes as one script', async () => {
    const dir = gitRepo({
      ...FILES,
      justfile: [
        'target := "prod"', // 1
        "version := 'dev'",
        '',
        '# build the image',
        'image:', // 5
        '    @docker build --target {{target}} \\',
        '        --build-arg VERSION={{ version }} .',
        '    cd api',
        '    docker build --target dev .',
        '', // 10
        'api: image',
        '    #!/usr/bin/env bash',
        '    set -e',
        '    cd api',
        '    docker build --target api .', // 15
        '',
        'release tag:',
        '    -docker build --target {{tag}} .',
        '',
      ].join('\n'),
    });
    const r = await findBuildDefinitions(dir);
    expect(defs(r)).toEqual([
      'Dockerfile context=. target=prod args={"VERSION":"dev"} <- justfile:6 justfile recipe image',
      // `cd api` was a line of its own: this build runs from the justfile's folder.
      'Dockerfile context=. target=dev <- justfile:9 justfile recipe image',
      // In a shebang recipe the cd carries.
      'api/Dockerfile context=api target=api <- justfile:15 justfile recipe api',
    ]);
    expect(notes(r)).toEqual(['justfile:18: --target ${tag}: cannot resolve ${tag}; entry not used']);
  });

  it('the CLI: a target a justfile builds is an output', () => {
    const dir = gitRepo({
      justfile: 'build:\n    docker build --target dev .\n',
      'Dockerfile': 'FROM python:3.12 AS dev\nCOPY . .\nRUN pip install -r requirements.txt\nFROM python:3.12-slim AS prod\nCMD ["python"]\n',
      'requirements.txt': 'flask\n',
    });
    const r = runCli(['.'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Dockerfile:1:1: info [context] target dev (justfile:2, justfile recipe build)\n');
  });
});

describe('Makefile recipe prefixes', () => {
  it('@/-/+ are stripped from a recipe line, never from a line continuing the one before (its --target stays a flag)', async () => {
    const dir = gitRepo({ ...FILES, Makefile: 'image:\n\t@docker build \\\n\t\t--target dev \\\n\t\t-f Dockerfile .\n' });
    const r = await findBuildDefinitions(dir);
    expect(defs(r)).toEqual(['Dockerfile context=. target=dev <- Makefile:2 Makefile']);
    expect(notes(r)).toEqual([]);
  });
});

describe('Makefile recipe lines', () => {
  it('each runs in a shell of its own: a cd on one line does not move the build on the next; cd … && on the same line does', async () => {
    const dir = gitRepo({ ...FILES, Makefile: 'a:\n\tcd api\n\tdocker build --target dev .\nb:\n\tcd api && docker build --target api .\n' });
    const r = await findBuildDefinitions(dir);
    expect(defs(r)).toEqual(['Dockerfile context=. target=dev <- Makefile:3 Makefile', 'api/Dockerfile context=api target=api <- Makefile:5 Makefile']);
  });
});
