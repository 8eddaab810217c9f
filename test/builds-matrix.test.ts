/**
 * GitHub Actions job matrices (src/builds/matrix.ts): the combinations GitHub runs a job with
 * (product, exclude, include), and the build definitions of steps that use `${{ matrix.<key> }}`
 * (docker/build-push-action inputs, `docker build` in run: steps), through findBuildDefinitions
 * and the CLI.
 */
import { describe, expect, it } from 'vitest';
import { findBuildDefinitions } from '../src/builds/index.js';
import { jobMatrix, MAX_COMBINATIONS, substituteMatrix } from '../src/builds/matrix.js';
import { get, parseYaml } from '../src/builds/yaml-util.js';
import { runCli } from './helpers/cli.js';
import { defs, gitRepo, notes } from './helpers/builds.js';

function matrixOf(yaml: string) {
  const y = parseYaml(`job:\n  strategy:\n    matrix:\n${yaml.replace(/^/gm, '      ')}\n`);
  if ('error' in y) throw new Error(y.error);
  return jobMatrix(get(y.doc.contents, 'job')?.value);
}

describe('jobMatrix: the combinations GitHub runs', () => {
  it('the product of the lists, numbers as GitHub prints them', () => {
    const m = matrixOf('os: [ubuntu, debian]\nnode: [18, 20.10]');
    expect(m).toEqual({
      kind: 'known',
      combos: [
        { os: 'ubuntu', node: '18' },
        { os: 'ubuntu', node: '20.1' },
        { os: 'debian', node: '18' },
        { os: 'debian', node: '20.1' },
      ],
    });
  });

  it('exclude removes the combinations it matches (partly given entries too); include extends those whose original values it keeps, else adds its own', () => {
    // The example of GitHub's documentation ("Expanding or adding matrix configurations").
    const m = matrixOf(
      [
        'fruit: [apple, pear]',
        'animal: [cat, dog]',
        'include:',
        '  - color: green',
        '  - color: pink',
        '    animal: cat',
        '  - fruit: apple',
        '    shape: circle',
        '  - fruit: banana',
        '  - fruit: banana',
        '    animal: cat',
      ].join('\n'),
    );
    expect(m).toEqual({
      kind: 'known',
      combos: [
        { fruit: 'apple', animal: 'cat', color: 'pink', shape: 'circle' },
        { fruit: 'apple', animal: 'dog', color: 'green', shape: 'circle' },
        { fruit: 'pear', animal: 'cat', color: 'pink' },
        { fruit: 'pear', animal: 'dog', color: 'green' },
        { fruit: 'banana' },
        { fruit: 'banana', animal: 'cat' },
      ],
    });
    const x = matrixOf('os: [a, b]\nv: [1, 2]\nexclude:\n  - os: a\n    v: 2\n  - os: b');
    expect(x).toEqual({ kind: 'known', combos: [{ os: 'a', v: '1' }] });
  });

  it('an expression matrix, an expression list or mappings in a list are not known; a huge product is not expanded', () => {
    const y = parseYaml('job:\n  strategy:\n    matrix: ${{ fromJSON(needs.setup.outputs.matrix) }}\n');
    if ('error' in y) throw new Error(y.error);
    expect(jobMatrix(get(y.doc.contents, 'job')?.value)).toMatchObject({ kind: 'unknown', reason: 'the matrix ${{ fromJSON(needs.setup.outputs.matrix) }} is not known here' });
    expect(matrixOf('os: ${{ fromJSON(inputs.oses) }}\nv: [1]')).toMatchObject({ kind: 'unknown', reason: 'matrix os: values not known here' });
    expect(matrixOf('os:\n  - { name: a }\n')).toMatchObject({ kind: 'unknown' });
    const keys = Array.from({ length: 20 }, (_, i) => `k${i}: [a, b]`).join('\n');
    const t0 = performance.now();
    const big = matrixOf(keys);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(big).toMatchObject({ kind: 'unknown', reason: `the matrix has 1048576 combinations or more (over ${MAX_COMBINATIONS}); not expanded` });
  });

  it('substitution: known keys, a key the combination lacks is empty, nothing else is touched', () => {
    expect(substituteMatrix('${{ matrix.file }}|${{matrix.target}}|${{ github.sha }}|${{ matrix.constructor }}', { file: 'a', target: '' })).toBe('a||${{ github.sha }}|${{ matrix.constructor }}');
  });
});

describe('workflow steps that use the matrix', () => {
  const files = {
    'Dockerfile': 'FROM node:20 AS dev\nRUN echo dev\nFROM node:20-slim AS prod\nCMD ["node"]\n',
    'docker/Dockerfile.worker': 'FROM scratch AS worker\n',
  };

  it('docker/build-push-action: one definition per combination of the keys the step uses, named by it', async () => {
    const dir = gitRepo({
      ...files,
      '.github/workflows/images.yml': [
        'on: push',
        'jobs:',
        '  images:',
        '    runs-on: ${{ matrix.os }}',
        '    strategy:',
        '      matrix:',
        '        os: [ubuntu-latest, ubuntu-24.04-arm]',
        '        include:',
        '          - image: app',
        '            target: prod',
        '          - image: app-dev',
        '            target: dev',
        '          - image: worker',
        '            file: docker/Dockerfile.worker',
        '            target: worker',
        '    steps:',
        '      - uses: actions/checkout@v4',
        '      - name: Build ${{ matrix.image }}',
        '        uses: docker/build-push-action@v6',
        '        with:',
        '          context: .',
        '          file: ${{ matrix.file }}',
        '          target: ${{ matrix.target }}',
        '          build-args: |',
        '            IMAGE=${{ matrix.image }}',
        '',
      ].join('\n'),
    });
    const r = await findBuildDefinitions(dir);
    // As GitHub does it: an include entry whose keys are all new is added to every combination,
    // and a later entry overwrites what an earlier one added, so both combinations (os) end with
    // the last entry. The step does not use os: one definition.
    expect(defs(r)).toEqual([
      'docker/Dockerfile.worker context=. target=worker args={"IMAGE":"worker"} <- .github/workflows/images.yml:19 workflow step Build worker (matrix image=worker, file=docker/Dockerfile.worker, target=worker)',
    ]);
    expect(notes(r)).toEqual([]);
  });

  it('entries of their own (no list keys): each is a combination; a missing file is the default Dockerfile', async () => {
    const dir = gitRepo({
      ...files,
      '.github/workflows/images.yml': [
        'on: push',
        'jobs:',
        '  images:',
        '    runs-on: ubuntu-latest',
        '    strategy:',
        '      matrix:',
        '        include:',
        '          - target: prod',
        '          - target: dev',
        '          - file: docker/Dockerfile.worker',
        '            target: worker',
        '    steps:',
        '      - uses: docker/build-push-action@v6',
        '        with:',
        '          file: ${{ matrix.file }}',
        '          target: ${{ matrix.target }}',
        '',
      ].join('\n'),
    });
    const r = await findBuildDefinitions(dir);
    expect(defs(r)).toEqual([
      'Dockerfile context=. target=prod <- .github/workflows/images.yml:13 workflow step images (matrix target=prod)',
      'Dockerfile context=. target=dev <- .github/workflows/images.yml:13 workflow step images (matrix target=dev)',
      'docker/Dockerfile.worker context=. target=worker <- .github/workflows/images.yml:13 workflow step images (matrix file=docker/Dockerfile.worker, target=worker)',
    ]);
    expect(notes(r)).toEqual([]);
  });

  it('docker build in a run: step, with the matrix in the command line (exclude applied)', async () => {
    const dir = gitRepo({
      ...files,
      '.github/workflows/ci.yml': [
        'on: push',
        'jobs:',
        '  build:',
        '    runs-on: ubuntu-latest',
        '    strategy:',
        '      matrix:',
        '        target: [dev, prod]',
        '        node: [18, 20]',
        '        exclude:',
        '          - target: dev',
        '            node: 18',
        '    steps:',
        '      - name: image',
        '        run: |',
        '          docker build --target ${{ matrix.target }} --build-arg NODE=${{ matrix.node }} .',
        '',
      ].join('\n'),
    });
    const r = await findBuildDefinitions(dir);
    expect(defs(r)).toEqual([
      'Dockerfile context=. target=dev args={"NODE":"20"} <- .github/workflows/ci.yml:15 workflow step image (matrix target=dev, node=20)',
      'Dockerfile context=. target=prod args={"NODE":"18"} <- .github/workflows/ci.yml:15 workflow step image (matrix target=prod, node=18)',
      'Dockerfile context=. target=prod args={"NODE":"20"} <- .github/workflows/ci.yml:15 workflow step image (matrix target=prod, node=20)',
    ]);
  });

  it('a matrix not known here: one note on its line, and the step notes what it could not resolve, as before', async () => {
    const dir = gitRepo({
      ...files,
      '.github/workflows/images.yml': [
        'on: push',
        'jobs:',
        '  images:',
        '    runs-on: ubuntu-latest',
        '    strategy:',
        '      matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}',
        '    steps:',
        '      - uses: docker/build-push-action@v6',
        '        with:',
        '          target: ${{ matrix.target }}',
        '',
      ].join('\n'),
    });
    const r = await findBuildDefinitions(dir);
    expect(defs(r)).toEqual([]);
    expect(notes(r)).toEqual([
      '.github/workflows/images.yml:6: job images: the matrix ${{ fromJSON(needs.plan.outputs.matrix) }} is not known here; steps that use it are read without it',
      '.github/workflows/images.yml:8: workflow step images: target: cannot resolve ${{ matrix.target }}; entry not used',
    ]);
  });

  it('the CLI: every target the matrix builds is an output, each named with its combination', () => {
    const dir = gitRepo({
      'Dockerfile': 'FROM python:3.12 AS dev\nCOPY . .\nRUN pip install -r requirements.txt\nFROM python:3.12-slim AS prod\nCOPY . .\nRUN pip install -r requirements.txt\n',
      'requirements.txt': 'flask\n',
      '.github/workflows/images.yml': 'on: push\njobs:\n  images:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        target: [dev, prod]\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          target: ${{ matrix.target }}\n',
    });
    const r = runCli(['.'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Dockerfile:1:1: info [context] target dev (.github/workflows/images.yml:9, workflow step images (matrix target=dev))\n');
    expect(r.stdout).toContain('Dockerfile:1:1: info [context] target prod (.github/workflows/images.yml:9, workflow step images (matrix target=prod))\n');
  });
});
