/**
 * Files a repository's build definitions name (`.env`, compose includes, CI includes and
 * templates) are read only when they are no link out of the repository: a pull request could
 * otherwise point `.env` at a secrets file of the machine and have its values printed in notes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findBuildDefinitions } from '../src/builds/index.js';
import { runCli } from './helpers/cli.js';
import { defs, gitRepo, notes } from './helpers/builds.js';

function secretFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-secret-'));
  const f = path.join(dir, 'secrets.env');
  fs.writeFileSync(f, 'TOKEN=s3cr3t-token-value\n');
  return f;
}

describe('links out of the repository are not read', () => {
  it('CLI: a .env linked to a file outside the repository: its values are not used nor printed', () => {
    const dir = gitRepo({ Dockerfile: 'FROM alpine\n', 'compose.yaml': 'services:\n  a:\n    build:\n      context: ./${TOKEN}\n' });
    fs.symlinkSync(secretFile(), path.join(dir, '.env'));
    const r = runCli(['--no-color', '--format', 'json', '.'], dir);
    expect(r.stdout + r.stderr).not.toContain('s3cr3t');
    const text = runCli(['--no-color', '.'], dir);
    expect(text.stdout).toContain('compose.yaml:3: note [builds] compose service a: context ./${TOKEN}: cannot resolve ${TOKEN}; entry not used');
    expect(text.stdout + text.stderr).not.toContain('s3cr3t');
  });

  it('a .env linked to a file inside the repository is read', async () => {
    const dir = gitRepo({ 'app/Dockerfile': 'FROM alpine\n', 'config/dev.env': 'DIR=app\n', 'compose.yaml': 'services:\n  a:\n    build: ./${DIR}\n' });
    fs.symlinkSync(path.join(dir, 'config', 'dev.env'), path.join(dir, '.env'));
    const r = await findBuildDefinitions(dir);
    expect(defs(r)).toEqual(['app/Dockerfile context=app <- compose.yaml:3 compose service a']);
  });

  it('a GitLab include and an Azure template linked out of the repository are not read', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-outside-'));
    fs.writeFileSync(path.join(outside, 'ci.yml'), 'b:\n  script: docker build --target leaked .\n');
    fs.writeFileSync(path.join(outside, 'steps.yml'), 'steps:\n  - script: docker build --target leaked .\n');
    const dir = gitRepo({
      Dockerfile: 'FROM alpine AS leaked\nFROM alpine\n',
      '.gitlab-ci.yml': 'include:\n  - local: ci/linked.yml\n',
      'azure-pipelines.yml': 'steps:\n  - template: ci/steps.yml\n',
    });
    fs.mkdirSync(path.join(dir, 'ci'));
    fs.symlinkSync(path.join(outside, 'ci.yml'), path.join(dir, 'ci', 'linked.yml'));
    fs.symlinkSync(path.join(outside, 'steps.yml'), path.join(dir, 'ci', 'steps.yml'));
    const r = await findBuildDefinitions(dir);
    expect(defs(r)).toEqual([]);
    expect(notes(r).join('\n')).toContain('azure-pipelines.yml:2: azure pipeline: template ci/steps.yml: not found, larger than 1 MiB or a link out of the repository; not read');
  });

  it('CLI: a config file linked out of the repository is an error (exit 2), its values never used; linked inside, it is read', () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-outside-'));
    fs.writeFileSync(path.join(outside, 'c.json'), JSON.stringify({ contexts: { Dockerfile: { context: '.', args: { A: 's3cr3t-arg' } } } }));
    const dir = gitRepo({ Dockerfile: 'FROM alpine\nARG A\nRUN echo $A\n', 'conf/in.json': JSON.stringify({ contexts: { Dockerfile: { context: '.', args: { A: 'plain' } } } }) });
    fs.symlinkSync(path.join(outside, 'c.json'), path.join(dir, 'dockerfix.config.json'));
    const r = runCli(['--no-color', '.'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('dockerfix.config.json: is a symbolic link to a file outside the repository; not read');
    expect(r.stdout + r.stderr).not.toContain('s3cr3t');
    fs.rmSync(path.join(dir, 'dockerfix.config.json'));
    fs.symlinkSync(path.join(dir, 'conf', 'in.json'), path.join(dir, 'dockerfix.config.json'));
    const ok = runCli(['--no-color', '.'], dir);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('build arg A=plain (used as known values)');
  });
});
