/**
 * GitLab CI `include:` (src/builds/ci-files.ts): local files (a path, `local:`, `*` in one
 * folder) are read as part of the pipeline, with the global variables; other kinds are noted.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findBuildDefinitions, type BuildDefinitions } from '../src/builds/index.js';
import { tempDir } from './helpers/cli.js';

function gitRepo(files: Record<string, string>): string {
  const dir = tempDir(files);
  execFileSync('git', ['init', '-q', dir]);
  return fs.realpathSync(dir);
}

function defs(r: BuildDefinitions): string[] {
  const rel = (p: string | null): string => (p === null ? '-' : path.relative(r.root, p).split(path.sep).join('/') || '.');
  return r.definitions.map((d) => `${rel(d.dockerfile)} context=${rel(d.context)}${d.target !== undefined ? ` target=${d.target}` : ''}${Object.keys(d.args).length ? ` args=${JSON.stringify(d.args)}` : ''} <- ${rel(d.source.file)}:${d.source.line} ${d.source.what}`);
}

function notes(r: BuildDefinitions): string[] {
  return r.notes.map((n) => `${path.relative(r.root, n.file)}:${n.line}: ${n.message}`);
}

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
