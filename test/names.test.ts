/**
 * One list of Dockerfile names (src/core/names.ts) serves CLI discovery, the prettier plugin and
 * `.pre-commit-hooks.yaml`: they agree on every name below (before, the plugin alone claimed
 * `dockerfile`, `Containerfile.*` variants and `*.containerfile`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from './helpers/cli.js';
import { PRE_COMMIT_EXCLUDE, PRE_COMMIT_FILES, isDockerfileName, isDockerfilePath } from '../src/core/names.js';
import { isDockerfilePath as pluginClaims } from '../src/prettier-plugin.js';
import { searchDirectory } from '../src/cli/discover.js';
import { tempDir } from './helpers/cli.js';

const YES = [
  'Dockerfile', 'dockerfile', 'Containerfile', 'containerfile', 'Dockerfile.prod', 'dockerfile.dev', 'Containerfile.dev', 'containerfile.x',
  'api.dockerfile', 'web.Dockerfile', 'app.containerfile', 'app.Containerfile', 'Dockerfile.alpine.3',
];
const NO = [
  'Dockerfile.dockerignore', 'Containerfile.containerignore', 'Dockerfile.md', 'Dockerfile.orig', 'Dockerfile.rej', 'Dockerfile.template', 'Dockerfile.tmpl',
  'Dockerfile.j2', 'Dockerfile.in', '.Dockerfile.dockerfix-12-abcdef.tmp', '.dockerfile', '.Dockerfile', 'README.md', 'Dockerfiles', 'MyDockerfile', 'docker-compose.yml', 'Makefile',
];

describe('one list of Dockerfile names', () => {
  it('names.ts says yes and no', () => {
    for (const n of YES) expect(isDockerfileName(n), n).toBe(true);
    for (const n of NO) expect(isDockerfileName(n), n).toBe(false);
    expect(isDockerfilePath('a/b/Containerfile.dev')).toBe(true);
  });

  it('the prettier plugin claims exactly those names', () => {
    for (const n of [...YES, ...NO]) expect(pluginClaims(`x/${n}`), n).toBe(isDockerfileName(n));
  });

  it('CLI discovery finds exactly those names', async () => {
    const files: Record<string, string> = {};
    for (const n of [...YES, ...NO]) files[`d/${n}`] = 'FROM a\n';
    const dir = tempDir(files);
    expect(await searchDirectory(dir, [])).toEqual(YES.map((n) => `d/${n}`).sort());
  });

  it('.pre-commit-hooks.yaml uses the same regexes, and they select the same paths', () => {
    const hooks = parse(fs.readFileSync(path.join(ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as Array<{ id: string; files: string; exclude: string }>;
    expect(hooks.length).toBeGreaterThan(0);
    for (const h of hooks) expect([h.id, h.files, h.exclude]).toEqual([h.id, PRE_COMMIT_FILES, PRE_COMMIT_EXCLUDE]);
    // pre-commit applies them with Python's re.search on repository-relative paths.
    const files = new RegExp(PRE_COMMIT_FILES);
    const exclude = new RegExp(PRE_COMMIT_EXCLUDE);
    for (const n of [...YES, ...NO]) {
      for (const p of [n, `svc/${n}`]) expect(files.test(p) && !exclude.test(p), p).toBe(isDockerfileName(n));
    }
    expect(files.test('{{cookiecutter.slug}}/Dockerfile') && !exclude.test('{{cookiecutter.slug}}/Dockerfile')).toBe(false);
  });
});
