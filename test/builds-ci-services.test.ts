/**
 * CircleCI, Azure Pipelines and Bitbucket Pipelines files (src/builds/ci-services.ts): the build
 * commands of their shell steps, Azure's Docker@2 task and CircleCI's docker orb.
 */
import { describe, expect, it } from 'vitest';
import { findBuildDefinitions } from '../src/builds/index.js';
import { runCli } from './helpers/cli.js';
import { defs, gitRepo, notes } from './helpers/builds.js';

const DOCKERFILE = 'FROM node:20 AS deps\nRUN echo deps\nFROM deps AS test\nRUN echo test\nFROM node:20-slim\nCMD ["node"]\n';

describe('CircleCI', () => {
  it('run steps (string and map form, working_directory), parameter defaults, the docker orb build step; outside working directories noted', async () => {
    const dir = gitRepo({
      'app/Dockerfile': DOCKERFILE,
      '.circleci/config.yml': [
        'version: 2.1',
        'orbs:',
        '  dk: circleci/docker@2.5.0',
        'jobs:',
        '  test:',
        '    parameters:',
        '      stage:',
        '        type: string',
        '        default: test',
        '    docker: [{ image: cimg/base:current }]',
        '    steps:',
        '      - checkout',
        '      - run: docker build --target << parameters.stage >> app',
        '      - run:',
        '          name: deps',
        '          working_directory: app',
        '          command: |',
        '            echo building',
        '            docker build --target deps --build-arg V=1 .',
        '      - run:',
        '          working_directory: /tmp/elsewhere',
        '          command: docker build .',
        '  image:',
        '    docker: [{ image: cimg/base:current }]',
        '    steps:',
        '      - checkout',
        '      - dk/build:',
        '          image: acme/app',
        '          path: app',
        '          docker-context: app',
        "          extra_build_args: '--build-arg MODE=ci'",
        '',
      ].join('\n'),
    });
    const r = await findBuildDefinitions(dir);
    expect(defs(r)).toEqual([
      'app/Dockerfile context=app target=test <- .circleci/config.yml:13 circleci job test',
      'app/Dockerfile context=app target=deps args={"V":"1"} <- .circleci/config.yml:19 circleci job test',
      'app/Dockerfile context=app args={"MODE":"ci"} <- .circleci/config.yml:27 circleci job image, dk/build',
    ]);
    expect(notes(r)).toEqual(['.circleci/config.yml:20: circleci job test: working directory /tmp/elsewhere is not a folder of the repository; its commands are not used']);
  });
});

describe('Azure Pipelines', () => {
  it('script/bash steps of jobs and stages with variables and macros; Docker@2 build with arguments, buildAndPush without; a Dockerfile pattern noted', async () => {
    const dir = gitRepo({
      'svc/Dockerfile': DOCKERFILE,
      'azure-pipelines.yml': [
        'variables:',
        '  STAGE: test',
        'stages:',
        '  - stage: ci',
        '    jobs:',
        '      - job: unit',
        '        steps:',
        '          - script: docker build --target $(STAGE) -f $(Build.SourcesDirectory)/svc/Dockerfile svc',
        '          - bash: |',
        '              docker build --target deps .',
        '            workingDirectory: svc',
        '          - task: Docker@2',
        '            inputs:',
        '              command: build',
        '              Dockerfile: svc/Dockerfile',
        '              arguments: --target deps --build-arg X=$(STAGE)',
        '          - task: Docker@2',
        '            inputs:',
        '              Dockerfile: svc/Dockerfile',
        '              arguments: --target ignored',
        '          - task: Docker@2',
        '            inputs:',
        '              command: build',
        '',
      ].join('\n'),
    });
    const r = await findBuildDefinitions(dir);
    expect(defs(r)).toEqual([
      'svc/Dockerfile context=svc target=test <- azure-pipelines.yml:8 azure stage ci, azure job unit',
      'svc/Dockerfile context=svc target=deps <- azure-pipelines.yml:10 azure stage ci, azure job unit',
      'svc/Dockerfile context=svc target=deps args={"X":"test"} <- azure-pipelines.yml:12 azure stage ci, azure job unit, task Docker@2',
      'svc/Dockerfile context=svc <- azure-pipelines.yml:17 azure stage ci, azure job unit, task Docker@2',
    ]);
    expect(notes(r)).toEqual(['azure-pipelines.yml:21: azure stage ci, azure job unit, task Docker@2: Dockerfile **/Dockerfile is a pattern (the task builds its first match); not used']);
  });
});

describe('Azure Pipelines templates', () => {
  it('step, job and stage templates and extends, with parameters passed or defaulted; other repositories, cycles and outside paths noted', async () => {
    const dir = gitRepo({
      'svc/Dockerfile': DOCKERFILE,
      'azure-pipelines.yml': [
        'stages:',
        '  - template: ci/stages.yml',
        'jobs:',
        '  - template: ci/job.yml',
        '    parameters: { stage: deps }',
        'steps:',
        '  - template: steps/build.yml@tools',
        '  - template: ../../outside.yml',
        '',
      ].join('\n'),
      'ci/stages.yml': 'stages:\n  - stage: s\n    jobs:\n      - job: j\n        steps:\n          - template: /ci/steps.yml\n            parameters:\n              target: test\n',
      'ci/job.yml': 'parameters:\n  - name: stage\n    type: string\n    default: test\njobs:\n  - job: built\n    steps:\n      - template: steps.yml\n        parameters:\n          target: ${{ parameters.stage }}\n',
      'ci/steps.yml': 'parameters:\n  - name: target\n    default: none\nsteps:\n  - script: docker build --target ${{ parameters.target }} svc\n  - template: steps.yml\n',
    });
    const r = await findBuildDefinitions(dir);
    expect(defs(r)).toEqual([
      // Read in the order steps, jobs, stages.
      'svc/Dockerfile context=svc target=deps <- ci/steps.yml:5 azure job built',
      'svc/Dockerfile context=svc target=test <- ci/steps.yml:5 azure stage s, azure job j',
    ]);
    expect(notes(r)).toEqual([
      'azure-pipelines.yml:7: azure pipeline: template steps/build.yml@tools: is in another repository; not read',
      'azure-pipelines.yml:8: azure pipeline: template ../../outside.yml: is outside the repository; not read',
      'ci/steps.yml:6: azure job built: template steps.yml: includes itself; not read again',
      'ci/steps.yml:6: azure stage s, azure job j: template steps.yml: includes itself; not read again',
    ]);
  });

  it('a pipeline that extends a template reads it, with its parameter defaults', async () => {
    const dir = gitRepo({
      'svc/Dockerfile': DOCKERFILE,
      '.azure-pipelines.yml': 'extends:\n  template: ci/base.yml\n',
      'ci/base.yml': 'parameters:\n  stage: deps\nsteps:\n  - bash: docker build --target ${{ parameters.stage }} -f svc/Dockerfile svc\n',
    });
    const r = await findBuildDefinitions(dir);
    expect(defs(r)).toEqual(['svc/Dockerfile context=svc target=deps <- ci/base.yml:4 azure pipeline']);
    expect(notes(r)).toEqual([]);
  });
});

describe('Bitbucket Pipelines', () => {
  it('steps under default, branches and parallel, a step shared through an anchor counted once, $BITBUCKET_CLONE_DIR known', async () => {
    const dir = gitRepo({
      'Dockerfile': DOCKERFILE,
      'bitbucket-pipelines.yml': [
        'definitions:',
        '  steps:',
        '    - step: &test',
        '        name: test image',
        '        script:',
        '          - docker build --target test $BITBUCKET_CLONE_DIR',
        'pipelines:',
        '  default:',
        '    - step: *test',
        '  branches:',
        '    main:',
        '      - step: *test',
        '      - parallel:',
        '          - step:',
        '              script:',
        '                - echo hi',
        '                - docker build --target deps --build-arg A=$UNKNOWN .',
        '',
      ].join('\n'),
    });
    const r = await findBuildDefinitions(dir);
    expect(defs(r)).toEqual(['Dockerfile context=. target=test <- bitbucket-pipelines.yml:6 bitbucket step test image', 'Dockerfile context=. target=deps <- bitbucket-pipelines.yml:17 bitbucket step']);
    expect(notes(r).join('\n')).toMatch(/bitbucket-pipelines\.yml:17: .*A/);
  });

  it('CLI: targets from a Bitbucket pipeline are the ones reported', async () => {
    const dir = gitRepo({ Dockerfile: DOCKERFILE, 'bitbucket-pipelines.yml': 'pipelines:\n  default:\n    - step:\n        script:\n          - docker build --target test .\n' });
    const r = runCli(['--no-color', '.'], dir);
    expect(r.stdout).toContain('info [context] target test (bitbucket-pipelines.yml:5, bitbucket step)');
  });

  it('a file that is not YAML gets a note, nothing else', async () => {
    const dir = gitRepo({ Dockerfile: DOCKERFILE, 'bitbucket-pipelines.yml': 'pipelines: [\n', 'azure-pipelines.yml': 'steps: {\n' });
    const r = await findBuildDefinitions(dir);
    expect(defs(r)).toEqual([]);
    expect(notes(r).map((n) => n.replace(/\(.*\)/, '(…)'))).toEqual(['azure-pipelines.yml:2: does not parse as YAML (…); not used', 'bitbucket-pipelines.yml:2: does not parse as YAML (…); not used']);
  });
});
