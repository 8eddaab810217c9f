/**
 * Reusable workflows (`jobs.<id>.uses: ./.github/workflows/x.yml`) and composite actions
 * (`steps[].uses: ./path`) of the repository: read with the inputs their callers pass
 * (src/builds/workflows.ts).
 */
import { describe, expect, it } from 'vitest';
import { findBuildDefinitions } from '../src/builds/index.js';
import { runCli } from './helpers/cli.js';
import { defs, gitRepo, notes } from './helpers/builds.js';

const DOCKERFILE = 'FROM scratch AS dev\nFROM scratch AS prod\n';

const ACTION = [
  'name: build', // 1
  'inputs:',
  '  target:',
  '    default: prod',
  '  dockerfile:', // 5
  '    default: Dockerfile',
  'runs:',
  '  using: composite',
  '  steps:',
  '    - uses: docker/build-push-action@v6', // 10
  '      with:',
  '        file: ${{ inputs.dockerfile }}',
  '        target: ${{ inputs.target }}',
  '    - name: debug image',
  '      shell: bash', // 15
  '      run: docker build --target ${{ inputs.target }} --build-arg DEBUG=1 .',
  '',
].join('\n');

describe('composite actions of the repository', () => {
  it('their steps are read with the inputs the using step passes (per matrix combination), else the defaults', async () => {
    const dir = gitRepo({
      Dockerfile: DOCKERFILE,
      '.github/actions/build/action.yml': ACTION,
      '.github/workflows/ci.yml': [
        'on: push', // 1
        'jobs:',
        '  images:',
        '    runs-on: ubuntu-latest',
        '    strategy:', // 5
        '      matrix:',
        '        target: [dev, prod]',
        '    steps:',
        '      - uses: actions/checkout@v4',
        '      - name: Build', // 10
        '        uses: ./.github/actions/build',
        '        with:',
        '          target: ${{ matrix.target }}',
        '',
      ].join('\n'),
    });
    const r = await findBuildDefinitions(dir);
    expect(defs(r)).toEqual([
      'Dockerfile context=. target=dev <- .github/actions/build/action.yml:10 workflow step Build (via .github/workflows/ci.yml:11, matrix target=dev)',
      'Dockerfile context=. target=dev args={"DEBUG":"1"} <- .github/actions/build/action.yml:16 workflow step debug image (via .github/workflows/ci.yml:11, matrix target=dev)',
      'Dockerfile context=. target=prod <- .github/actions/build/action.yml:10 workflow step Build (via .github/workflows/ci.yml:11, matrix target=prod)',
      'Dockerfile context=. target=prod args={"DEBUG":"1"} <- .github/actions/build/action.yml:16 workflow step debug image (via .github/workflows/ci.yml:11, matrix target=prod)',
    ]);
    expect(notes(r)).toEqual([]);
  });

  it('an action outside the repository, one that uses itself, and a caller value that is an expression: notes, nothing followed twice', async () => {
    const dir = gitRepo({
      Dockerfile: DOCKERFILE,
      '.github/actions/loop/action.yml': 'runs:\n  using: composite\n  steps:\n    - uses: ./.github/actions/loop\n',
      '.github/actions/build/action.yml': ACTION,
      '.github/workflows/ci.yml': [
        'on: push',
        'jobs:',
        '  a:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - uses: ./../../elsewhere',
        '      - uses: ./.github/actions/loop',
        '      - uses: ./.github/actions/build',
        '        with:',
        '          target: ${{ github.ref_name }}',
        '',
      ].join('\n'),
    });
    const r = await findBuildDefinitions(dir);
    expect(notes(r)).toEqual([
      '.github/workflows/ci.yml:6: uses ./../../elsewhere is outside the repository; not followed',
      '.github/actions/loop/action.yml:4: workflow step a (via .github/workflows/ci.yml:7): ./.github/actions/loop uses itself; not followed',
      // The expression's input is not known: the action's own default (prod) is not used for it either.
      '.github/actions/build/action.yml:10: workflow step a (via .github/workflows/ci.yml:8): target: cannot resolve ${{ inputs.target }}; entry not used',
      '.github/actions/build/action.yml:16: --target ${{ inputs.target }}: cannot resolve ${{ inputs.target }}; entry not used',
    ]);
    expect(defs(r)).toEqual([]);
  });
});

describe('reusable workflows of the repository', () => {
  it('the called workflow is read with the inputs the calling job passes; on its own, with its defaults', async () => {
    const dir = gitRepo({
      Dockerfile: DOCKERFILE,
      '.github/workflows/build.yml': [
        'on:', // 1
        '  workflow_call:',
        '    inputs:',
        '      target:',
        '        type: string', // 5
        '        default: prod',
        'jobs:',
        '  build:',
        '    runs-on: ubuntu-latest',
        '    steps:', // 10
        '      - uses: docker/build-push-action@v6',
        '        with:',
        '          target: ${{ inputs.target }}',
        '',
      ].join('\n'),
      '.github/workflows/release.yml': 'on: push\njobs:\n  call:\n    uses: ./.github/workflows/build.yml\n    with:\n      target: dev\n  self:\n    uses: ./.github/workflows/release.yml\n',
    });
    const r = await findBuildDefinitions(dir);
    expect(defs(r).sort()).toEqual([
      'Dockerfile context=. target=dev <- .github/workflows/build.yml:11 workflow step build (via .github/workflows/release.yml:4)',
      'Dockerfile context=. target=prod <- .github/workflows/build.yml:11 workflow step build',
    ]);
    expect(notes(r)).toEqual(['.github/workflows/release.yml:8: job self: ./.github/workflows/release.yml calls back into a workflow that calls it; not followed']);
  });

  it('the CLI: a target only a caller passes is an output', () => {
    const dir = gitRepo({
      'Dockerfile': 'FROM python:3.12 AS dev\nCOPY . .\nRUN pip install -r requirements.txt\nFROM python:3.12-slim AS prod\nCMD ["python"]\n',
      'requirements.txt': 'flask\n',
      '.github/actions/build/action.yml': ACTION,
      '.github/workflows/ci.yml': 'on: push\njobs:\n  i:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./.github/actions/build\n        with:\n          target: dev\n',
    });
    const r = runCli(['.'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Dockerfile:1:1: info [context] target dev (.github/actions/build/action.yml:10, workflow step i (via .github/workflows/ci.yml:6); .github/actions/build/action.yml:16, workflow step debug image (via .github/workflows/ci.yml:6))\n');
  });
});

describe('calls fanned out by matrices', () => {
  it('at most 500 calls are followed from one workflow, with one note; each called file is parsed once', async () => {
    // 256 combinations call a workflow whose job has 256 combinations calling an action: 65,536
    // calls unless bounded.
    const list = Array.from({ length: 256 }, (_, i) => `t${i}`).join(', ');
    const dir = gitRepo({
      Dockerfile: DOCKERFILE,
      '.github/actions/build/action.yml': ACTION,
      '.github/workflows/inner.yml': `on:\n  workflow_call:\n    inputs:\n      a: { type: string }\njobs:\n  j:\n    runs-on: x\n    strategy:\n      matrix:\n        t: [${list}]\n    steps:\n      - uses: ./.github/actions/build\n        with:\n          target: \${{ matrix.t }}-\${{ inputs.a }}\n`,
      '.github/workflows/outer.yml': `on: push\njobs:\n  o:\n    strategy:\n      matrix:\n        a: [${list}]\n    uses: ./.github/workflows/inner.yml\n    with:\n      a: \${{ matrix.a }}\n`,
    });
    const t0 = performance.now();
    const r = await findBuildDefinitions(dir);
    expect(performance.now() - t0).toBeLessThan(15_000);
    // From outer.yml: 1 call of inner.yml and its 256 action calls, then the second combination's
    // call and 242 more action calls (500); each action call gives 2 definitions. inner.yml read
    // on its own knows no input `a` (no default): its 256 calls give notes, no definitions.
    expect(notes(r).filter((n) => n.includes('calls of workflows and actions'))).toEqual(['.github/workflows/inner.yml:12: more than 500 calls of workflows and actions from one workflow; the rest are not followed']);
    expect(r.definitions.length).toBe(2 * (256 + 242));
  });
});
