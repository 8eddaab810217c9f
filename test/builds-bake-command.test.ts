/**
 * `docker buildx bake` / `docker bake` command lines in scripts, Makefiles, workflow run: steps
 * (src/builds/command.ts): the bake files they name (or the default ones of their folder) and
 * the targets they build.
 */
import { describe, expect, it } from 'vitest';
import { findBuildDefinitions } from '../src/builds/index.js';
import { runCli } from './helpers/cli.js';
import { defs, gitRepo, notes } from './helpers/builds.js';

const DOCKERFILE = 'FROM node:20 AS api\nRUN echo api\nFROM node:20-slim AS worker\nCMD ["node"]\n';
const BAKE = JSON.stringify({
  group: { default: { targets: ['api', 'worker'] } },
  target: { api: { context: '.', dockerfile: 'docker/Dockerfile', target: 'api' }, worker: { context: '.', dockerfile: 'docker/Dockerfile', target: 'worker' } },
});

describe('bake command lines', () => {
  it('a script: -f with a bake file of another name, contexts from where bake runs, the target named; --set overrides of target, args and Dockerfile applied (patterns too), others ignored', async () => {
    const dir = gitRepo({
      'docker/Dockerfile': DOCKERFILE,
      'docker/Dockerfile.ci': 'FROM scratch AS api\n',
      'build/images.json': BAKE,
      // Scripts under scripts/ are taken to run from the folder holding scripts/ (the root here).
      'scripts/release.sh': "#!/bin/sh\nset -e\ndocker buildx bake -f build/images.json --set '*.platform=linux/amd64' --set 'a*.args.MODE=ci' --set api.dockerfile=docker/Dockerfile.ci --set=worker.target=never --push api\n",
    });
    const r = await findBuildDefinitions(dir);
    // context "." is the root (where bake runs), not build/ (the file's folder).
    expect(defs(r)).toEqual(['docker/Dockerfile.ci context=. target=api args={"MODE":"ci"} <- scripts/release.sh:3 script release.sh, bake target api']);
    expect(notes(r)).toEqual([]);
  });

  it('docker/bake-action set: overrides, one per line', async () => {
    const dir = gitRepo({
      'docker/Dockerfile': DOCKERFILE,
      'docker-bake.json': BAKE,
      '.github/workflows/ci.yml': 'on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/bake-action@v6\n        with:\n          targets: worker\n          set: |\n            worker.target=api\n            *.args.V=2\n',
    });
    const r = await findBuildDefinitions(dir);
    expect(defs(r)).toContain('docker/Dockerfile context=. target=api args={"V":"2"} <- .github/workflows/ci.yml:6 workflow step b, bake target worker');
  });

  it('docker bake with no -f and no target: the default files of its folder, the default group; Makefile and workflow run: steps', async () => {
    const dir = gitRepo({
      'docker/Dockerfile': DOCKERFILE,
      'deploy/docker-bake.json': BAKE,
      'Makefile': 'images:\n\tcd deploy && docker bake --load\n',
      '.github/workflows/ci.yml': 'on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: docker buildx bake --file deploy/docker-bake.json worker\n',
    });
    const r = await findBuildDefinitions(dir);
    expect(defs(r).sort()).toEqual([
      // From deploy/ (where `cd deploy && docker bake` runs): context deploy, and the Dockerfile is not there.
      // From the root (the workflow): context ., target worker only.
      'docker/Dockerfile context=. target=worker <- .github/workflows/ci.yml:6 workflow step b, bake target worker',
    ]);
    expect(notes(r)).toEqual(['Makefile:2: Makefile, bake target api: Dockerfile deploy/docker/Dockerfile not found; not used', 'Makefile:2: Makefile, bake target worker: Dockerfile deploy/docker/Dockerfile not found; not used']);
  });

  it('a bake file that does not exist, -f -, and an unresolvable target get notes', async () => {
    const dir = gitRepo({
      'Dockerfile': DOCKERFILE,
      'scripts/b.sh': '#!/bin/sh\ndocker buildx bake -f nope.hcl\ndocker buildx bake -f - app\ndocker buildx bake -f docker-bake.json "$TARGET"\n',
      'docker-bake.json': JSON.stringify({ target: { app: { target: 'api' } } }),
    });
    const r = await findBuildDefinitions(dir);
    expect(notes(r)).toEqual([
      'scripts/b.sh:3: script b.sh: bake file from standard input (-f -); not used',
      'scripts/b.sh:4: script b.sh: bake target $TARGET: cannot resolve $TARGET; entry not used',
      // Bake files are read after the rest (their HCL parser loads asynchronously).
      'scripts/b.sh:2: script b.sh: bake file nope.hcl not found; not used',
    ]);
    // The root's own bake file is still read as found in the folder.
    expect(defs(r)).toEqual(['Dockerfile context=. target=api <- docker-bake.json:1 bake target app']);
  });

  it('docker/bake-action with a bake file in a subfolder: contexts are taken from its workdir, as buildx takes them from where it runs', async () => {
    const dir = gitRepo({
      'docker/Dockerfile': DOCKERFILE,
      'docker/bake.json': BAKE,
      '.github/workflows/ci.yml': 'on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/bake-action@v6\n        with:\n          files: docker/bake.json\n          targets: api\n',
    });
    const r = await findBuildDefinitions(dir);
    expect(defs(r)).toEqual(['docker/Dockerfile context=. target=api <- .github/workflows/ci.yml:6 workflow step b, bake target api']);
    expect(notes(r)).toEqual([]);
  });

  it('the CLI: the target a script bakes is an output', () => {
    const dir = gitRepo({
      'docker/Dockerfile': 'FROM python:3.12 AS api\nCOPY . .\nRUN pip install -r requirements.txt\nFROM python:3.12-slim AS worker\nCMD ["python"]\n',
      'requirements.txt': 'flask\n',
      'build/images.json': BAKE,
      'scripts/release.sh': '#!/bin/sh\ndocker buildx bake -f build/images.json api\n',
    });
    const r = runCli(['.'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('docker/Dockerfile:1:1: info [context] target api (scripts/release.sh:2, script release.sh, bake target api)\n');
  });
});
