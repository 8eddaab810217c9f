/**
 * Bake `matrix` targets (src/builds/bake.ts): one build per combination, as buildx expands them,
 * so the targets they build are protected like any other.
 */
import { describe, expect, it } from 'vitest';
import { findBuildDefinitions } from '../src/builds/index.js';
import { runCli } from './helpers/cli.js';
import { defs, gitRepo, notes } from './helpers/builds.js';

const DOCKERFILE = 'FROM alpine:3.19 AS build\nRUN apk add curl\nFROM build AS test\nRUN echo test\nFROM alpine:3.19\nCOPY --from=build /etc/os-release /x\n';

describe('bake matrix targets', () => {
  it('HCL: every combination of the lists, `${var}` and `${var.key}` in target and args, named by `name`', async () => {
    const dir = gitRepo({
      Dockerfile: DOCKERFILE,
      'docker-bake.hcl': [
        'group "default" { targets = ["app"] }',
        'target "app" {',
        '  name = "app-${item.tgt}-${v}"',
        '  matrix = {',
        '    item = [{ tgt = "build", x = 1 }, { tgt = "test", x = 2 }]',
        '    v = ["1", "2"]',
        '  }',
        '  target = item.tgt',
        '  args = { V = v, X = "x-${item.x}" }',
        '}',
        '',
      ].join('\n'),
    });
    const r = await findBuildDefinitions(dir);
    expect(defs(r)).toEqual([
      'Dockerfile context=. target=build args={"V":"1","X":"x-1"} <- docker-bake.hcl:2 bake target app-build-1',
      'Dockerfile context=. target=build args={"V":"2","X":"x-1"} <- docker-bake.hcl:2 bake target app-build-2',
      'Dockerfile context=. target=test args={"V":"1","X":"x-2"} <- docker-bake.hcl:2 bake target app-test-1',
      'Dockerfile context=. target=test args={"V":"2","X":"x-2"} <- docker-bake.hcl:2 bake target app-test-2',
    ]);
    expect(notes(r)).toEqual([]);
  });

  it('JSON bake file; a generated name asked for by a bake command selects that combination; --set by generated name', async () => {
    const dir = gitRepo({
      'docker/Dockerfile': DOCKERFILE,
      'docker-bake.json': JSON.stringify({ target: { img: { name: 'img-${t}', matrix: { t: ['build', 'test'] }, dockerfile: 'docker/Dockerfile', target: '${t}' } } }),
      'scripts/ci.sh': "#!/bin/sh\ndocker buildx bake --set 'img-test.args.CI=1' img-test\n",
    });
    const r = await findBuildDefinitions(dir);
    expect(defs(r).sort()).toEqual([
      // From the folder (no group: every target that is not only a parent is built).
      'docker/Dockerfile context=. target=build <- docker-bake.json:1 bake target img-build',
      'docker/Dockerfile context=. target=test <- docker-bake.json:1 bake target img-test',
      'docker/Dockerfile context=. target=test args={"CI":"1"} <- scripts/ci.sh:2 script ci.sh, bake target img-test',
    ]);
    expect(notes(r)).toEqual([]);
  });

  it('a list given by an expression, and too many combinations, are not read (notes); an unresolvable name is shown by its values', async () => {
    const many = Array.from({ length: 17 }, (_, i) => `"v${i}"`).join(', ');
    const dir = gitRepo({
      Dockerfile: DOCKERFILE,
      'docker-bake.hcl': [
        'variable "TARGETS" { default = ["build"] }',
        'target "a" {',
        '  matrix = { t = TARGETS }',
        '  target = t',
        '}',
        'target "b" {',
        `  matrix = { x = [${many}], y = [${many}] }`,
        '  target = "build"',
        '}',
        'target "c" {',
        '  name = upper(t)',
        '  matrix = { t = ["test"] }',
        '  target = t',
        '}',
        '',
      ].join('\n'),
    });
    const r = await findBuildDefinitions(dir);
    expect(defs(r)).toEqual(['Dockerfile context=. target=test <- docker-bake.hcl:10 bake target c (t=test)']);
    expect(notes(r)).toEqual([
      'docker-bake.hcl:2: bake target a: matrix t is an expression (${TARGETS}), not read; entry not used',
      'docker-bake.hcl:6: bake target b: matrix has more than 256 combinations, not read; entry not used',
    ]);
  });

  it('CLI: the stages a matrix builds are the targets dockerfix protects', async () => {
    const dir = gitRepo({
      Dockerfile: DOCKERFILE,
      'docker-bake.hcl': 'target "app" {\n  name = "app-${t}"\n  matrix = { t = ["build", "test"] }\n  target = t\n}\n',
    });
    const r = runCli(['--no-color', '.'], dir);
    expect(r.stdout).toContain('info [context] target build (docker-bake.hcl:1, bake target app-build)');
    expect(r.stdout).toContain('info [context] target test (docker-bake.hcl:1, bake target app-test)');
    expect(r.stdout).not.toContain('cannot resolve');
  });
});
