/**
 * Hostile build definitions (a pull request's compose files, workflows, GitLab CI files, Jenkinsfiles, Taskfiles,
 * justfiles, bake files, CircleCI, Azure and Bitbucket pipelines): mutated at random, the search must never throw, never take long, and
 * never name a Dockerfile, context or note outside the repository. Seeded (FUZZ_SEED) and bounded
 * (FUZZ_RUNS) like test/fuzz.test.ts.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findBuildDefinitions } from '../src/builds/index.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261204);
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);

const SEEDS: Record<string, string> = {
  'compose.yaml': 'include:\n  - path: [svc/compose.yaml, svc/compose.prod.yaml]\n    project_directory: .\n    env_file: svc/.env\nservices:\n  web:\n    extends: { file: svc/compose.yaml, service: api }\n    build:\n      context: ${CTX:-.}\n      target: dev\n      args: [A=1, B]\n',
  'svc/compose.yaml': 'include:\n  - ../compose.yaml\nservices:\n  api:\n    build: { context: ., dockerfile: Dockerfile, target: "${T}" }\n',
  'svc/compose.prod.yaml': 'services:\n  api:\n    build:\n      target: prod\n',
  'svc/.env': 'T=prod\n',
  'svc/Dockerfile': 'FROM scratch AS prod\n',
  'Dockerfile': 'FROM scratch AS dev\nFROM scratch AS prod\n',
  '.github/workflows/ci.yml':
    'on: push\njobs:\n  a:\n    strategy:\n      matrix:\n        t: [dev, prod]\n        include: [{ t: x, f: Dockerfile }]\n        exclude: [{ t: dev }]\n    steps:\n      - uses: ./.github/actions/b\n        with: { target: "${{ matrix.t }}" }\n      - run: docker buildx bake -f docker-bake.json ${{ matrix.t }}\n  c:\n    uses: ./.github/workflows/ci.yml\n    with: { x: "${{ inputs.x }}" }\n',
  '.github/actions/b/action.yml': 'inputs:\n  target: { default: prod }\nruns:\n  using: composite\n  steps:\n    - uses: ./.github/actions/b\n    - uses: docker/build-push-action@v6\n      with: { target: "${{ inputs.target }}", file: ../../etc/passwd }\n',
  'docker-bake.json': '{"group":{"default":{"targets":["a"]}},"target":{"a":{"context":"..","target":"dev","inherits":["a"]}}}',
  Jenkinsfile: "pipeline { stages { stage('x') { steps { dir('svc') { sh '''docker build \\\\\n --target prod .''' }\n docker.build(\"i\", \"-f ../Dockerfile ..\") } } } }\n// }}} '''\n",
  'Taskfile.yml': 'vars: { T: dev }\ntasks:\n  b:\n    dir: "{{.D}}"\n    cmds: ["docker build --target {{.T}} .", { cmd: "docker bake" }]\n',
  justfile: 't := "dev"\nb:\n    @docker build --target {{t}} \\\n      -f Dockerfile .\n',
  Makefile: 'b:\n\t-docker build \\\n\t\t--target dev .\n',
  '.gitlab-ci.yml': 'variables: { T: dev }\ninclude:\n  - local: /ci/*.yml\n  - /.gitlab-ci.yml\n  - template: x.yml\nb:\n  script: [docker build --target $T .]\n',
  'ci/a.yml': 'include: ci/a.yml\na:\n  script: docker buildx bake -f ../docker-bake.json\n',
  '.circleci/config.yml': 'orbs: { d: circleci/docker@2 }\njobs:\n  a:\n    parameters: { t: { default: dev } }\n    steps:\n      - run: { command: "docker build --target << parameters.t >> .", working_directory: svc }\n      - d/build: { path: ., extra_build_args: "--target prod" }\n',
  'azure-pipelines.yml': 'variables: [{ name: T, value: dev }]\nsteps:\n  - script: docker build --target $(T) -f $(Build.SourcesDirectory)/Dockerfile .\n    workingDirectory: ../..\n  - task: Docker@2\n    inputs: { command: build, Dockerfile: svc/Dockerfile, arguments: --target prod }\n  - template: ci/azure.yml\n    parameters:\n      t: prod\n',
  'ci/azure.yml': 'parameters:\n  - name: t\n    default: dev\nsteps:\n  - script: docker build --target ${{ parameters.t }} ..\n  - template: /ci/azure.yml\n  - template: ../../x.yml\n',
  'bitbucket-pipelines.yml': 'definitions:\n  steps:\n    - step: &s\n        script: [docker build --target dev $BITBUCKET_CLONE_DIR]\npipelines:\n  default:\n    - step: *s\n    - parallel: [{ step: *s }, { step: { script: [docker bake] } }]\n',
  'docker-bake.hcl': 'target "m" {\n  name = "m-${t}"\n  matrix = { t = ["dev", "prod"] }\n  target = t\n}\n',
  'scripts/c.sh': 'cd svc && docker compose -f compose.yaml -f compose.prod.yaml --project-directory .. build\ndocker-compose -f ../../x.yml up\n',
};

type Mutation = { file: string; op: 'delete' | 'insert' | 'duplicate' | 'truncate'; at: number; text: string };

const mutation = fc.record({
  file: fc.constantFrom(...Object.keys(SEEDS)),
  op: fc.constantFrom('delete' as const, 'insert' as const, 'duplicate' as const, 'truncate' as const),
  at: fc.nat(),
  text: fc.constantFrom('{', '}', '[', ']', ':', '\n', '  ', '"', "'", '${{', '}}', '{{', '../', '/etc/', '\\', '*', '&a', '*a', '- ', 'include:', 'uses: ./', 'matrix:', 'sh ', 'dir(', '\u0000', '\u001b[31m'),
});

function mutate(text: string, m: Mutation): string {
  if (text.length === 0) return m.text;
  const at = m.at % text.length;
  switch (m.op) {
    case 'delete':
      return text.slice(0, at) + text.slice(at + 1 + (m.at % 7));
    case 'insert':
      return text.slice(0, at) + m.text + text.slice(at);
    case 'duplicate':
      return text.slice(0, at) + text.slice(at, at + 40).repeat(1 + (m.at % 5)) + text.slice(at);
    case 'truncate':
      return text.slice(0, at);
  }
}

describe('build definitions from hostile files', () => {
  it(`mutated definitions never throw, stay fast, and name nothing outside the repository (${RUNS} runs, seed ${SEED})`, async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-builds-fuzz-'));
    let n = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 6 }), async (ms) => {
          const dir = path.join(base, `r${n++}`);
          const files = { ...SEEDS };
          for (const m of ms) files[m.file] = mutate(files[m.file], m);
          for (const [rel, text] of Object.entries(files)) {
            fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
            fs.writeFileSync(path.join(dir, rel), text);
          }
          execFileSync('git', ['init', '-q', dir]);
          const root = fs.realpathSync(dir);
          const t0 = performance.now();
          const r = await findBuildDefinitions(root);
          const ms_ = performance.now() - t0;
          expect(ms_, 'one search').toBeLessThan(5_000);
          const inside = (p: string): boolean => {
            const rel = path.relative(root, p);
            return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
          };
          for (const d of r.definitions) {
            expect(inside(d.dockerfile), d.dockerfile).toBe(true);
            if (d.context !== null) expect(inside(d.context), d.context).toBe(true);
            expect(inside(d.source.file), d.source.file).toBe(true);
            expect(d.source.what).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
          }
          for (const note of r.notes) {
            expect(inside(note.file), note.file).toBe(true);
            expect(note.message).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
          }
          fs.rmSync(dir, { recursive: true, force: true });
        }),
        { seed: SEED, numRuns: RUNS },
      );
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  }, 240_000);
});
