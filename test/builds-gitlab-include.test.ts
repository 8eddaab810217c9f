/**
 * GitLab CI `include:` (src/builds/ci-files.ts): local files (a path, `local:`, `*` in one
 * folder) are read as part of the pipeline, with the global variables; other kinds are noted.
 */
import { describe, expect, it } from 'vitest';
import { findBuildDefinitions } from '../src/builds/index.js';
import { defs, gitRepo, notes } from './helpers/builds.js';

describe('GitLab CI include', () => {
  it('local includes (path, local:, * in one folder, nested) with the global variables; remote, template, cycles and outside paths noted', async () => {
    const dir = gitRepo({
      Dockerfile: 'FROM scratch AS dev\nFROM scratch AS prod\nFROM scratch AS test\n',
      '.gitlab-ci.yml': [
        'variables:', // 1
        '  TARGET: prod',
        'include:',
        '  - local: /ci/build.yml',
        '  - ci/jobs/*.yml', // 5
        '  - template: Security/SAST.gitlab-ci.yml',
        '  - remote: https://example.com/ci.yml',
        '  - local: ../outside.yml',
        '',
      ].join('\n'),
      'ci/build.yml': 'include: /.gitlab-ci.yml\nbuild:\n  script:\n    - docker build --target $TARGET .\n',
      'ci/jobs/test.yml': 'test:\n  script:\n    - docker build --target test .\n',
      'ci/jobs/readme.md': 'not yaml\n',
    });
    const r = await findBuildDefinitions(dir);
    expect(defs(r)).toEqual(['Dockerfile context=. target=prod <- ci/build.yml:4 gitlab job build', 'Dockerfile context=. target=test <- ci/jobs/test.yml:3 gitlab job test']);
    expect(notes(r)).toEqual([
      'ci/build.yml:1: include /.gitlab-ci.yml includes a file that includes it; not followed',
      '.gitlab-ci.yml:6: include template Security/SAST.gitlab-ci.yml: not in the repository; not read',
      '.gitlab-ci.yml:7: include remote https://example.com/ci.yml: not in the repository; not read',
      '.gitlab-ci.yml:8: include ../outside.yml is outside the repository; not read',
    ]);
  });

  it('a chain of includes stops at 10 levels, and many includes at 150, with a note', async () => {
    const files: Record<string, string> = { Dockerfile: 'FROM scratch\n', '.gitlab-ci.yml': 'include: ci/0.yml\n' };
    for (let i = 0; i < 12; i++) files[`ci/${i}.yml`] = `include: ci/${i + 1}.yml\njob${i}:\n  script: docker build .\n`;
    const r = await findBuildDefinitions(gitRepo(files));
    expect(r.definitions.length).toBe(10);
    expect(notes(r)).toEqual(['ci/9.yml:1: include ci/10.yml: more than 150 includes or 10 levels; not followed']);
    const many: Record<string, string> = { Dockerfile: 'FROM scratch\n', '.gitlab-ci.yml': `include:\n${Array.from({ length: 200 }, (_, i) => `  - ci/${i}.yml`).join('\n')}\n` };
    for (let i = 0; i < 200; i++) many[`ci/${i}.yml`] = `job${i}:\n  script: docker build --target t${i} .\n`;
    const m = await findBuildDefinitions(gitRepo(many));
    expect(m.definitions.length).toBe(150);
    expect(notes(m)).toHaveLength(50);
  });
});
