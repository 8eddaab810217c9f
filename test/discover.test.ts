/**
 * Directory search (src/cli/discover.ts) is one walk with the `ignore` package for .gitignore
 * rules. It must find exactly what globby (what it replaced, 14x slower) finds with the same
 * patterns and `gitignore: true`: on hand-made trees with nested, negated, anchored and
 * directory-only rules, a .gitignore above the searched directory inside a repository, skipped
 * directories and excluded names; on random trees; and on the shared corpus.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { globbySync } from 'globby';
import { afterAll, describe, expect, it } from 'vitest';
import { DOCKERFILE_PATTERNS, NOT_DOCKERFILES, SKIPPED_DIRS, TEMPLATE_DIRS, discover, searchDirectory } from '../src/cli/discover.js';
import { CORPUS_CASES, corpusFor } from './helpers/corpus.js';

const made: string[] = [];
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-discover-'));
  made.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    const f = path.join(dir, rel);
    fs.mkdirSync(rel.endsWith('/') ? f : path.dirname(f), { recursive: true });
    if (rel.endsWith('/')) continue;
    fs.writeFileSync(f, text);
  }
  return dir;
}

function reference(root: string): string[] {
  return globbySync(DOCKERFILE_PATTERNS, {
    cwd: root,
    gitignore: true,
    ignore: [...SKIPPED_DIRS.map((d) => `**/${d}/**`), ...NOT_DOCKERFILES, ...TEMPLATE_DIRS],
    dot: true,
    onlyFiles: true,
    followSymbolicLinks: false,
    suppressErrors: true,
  }).sort();
}

async function ours(root: string): Promise<string[]> {
  return searchDirectory(root, []);
}

describe('directory search', () => {
  it('finds the Dockerfile names and honours nested, negated, anchored and directory-only .gitignore rules', async () => {
    const root = tree({
      'Dockerfile': '',
      'Dockerfile.prod': '',
      'api.dockerfile': '',
      'web.Dockerfile': '',
      'Containerfile': '',
      'Containerfile.dev': '',
      'Dockerfile.dockerignore': '',
      'Dockerfile.md': '',
      'Dockerfile.orig': '',
      'Dockerfile.x.dockerfix-1.tmp': '',
      // Templates a generator renders into a Dockerfile are not searched for.
      'Dockerfile.template': '',
      'Dockerfile.tmpl': '',
      'Dockerfile.j2': '',
      'Dockerfile.in': '',
      'app.Dockerfile.j2': '',
      'Containerfile.in': '',
      'Dockerfile.jinja.template': '',
      'Dockerfile.inline': '',
      '{{cookiecutter.project_slug}}/Dockerfile': '',
      'x/{% if docker %}app{% endif %}/Dockerfile': '',
      'dockerfile': '',
      'notes.txt': '',
      '.gitignore': 'build/\n/top-only/\n*.tmpl\n!keep.tmpl\ngen/**\n!gen/Dockerfile\nDockerfile.secret\n',
      'build/Dockerfile': '',
      'sub/build/Dockerfile': '',
      'top-only/Dockerfile': '',
      'sub/top-only/Dockerfile': '',
      'x/Dockerfile.tmpl': '',
      'x/keep.tmpl': '',
      'gen/Dockerfile': '',
      'Dockerfile.secret': '',
      'svc/.gitignore': '!Dockerfile.secret\nlocal/\n',
      'svc/Dockerfile.secret': '',
      'svc/local/Dockerfile': '',
      'other/local/Dockerfile': '',
      'node_modules/a/Dockerfile': '',
      'a/vendor/Dockerfile': '',
      '.hidden/Dockerfile': '',
      '.git/Dockerfile': '',
    });
    const found = await ours(root);
    expect(found).toEqual(reference(root));
    expect(found).toEqual([
      '.hidden/Dockerfile',
      'Containerfile',
      'Containerfile.dev',
      'Dockerfile',
      'Dockerfile.inline',
      'Dockerfile.prod',
      'api.dockerfile',
      // Lower-case names too: the one list of names (src/core/names.ts) the prettier plugin uses.
      'dockerfile',
      // `gen/**` leaves the directory itself alone, so `!gen/Dockerfile` takes it back (as git does).
      'gen/Dockerfile',
      'other/local/Dockerfile',
      'sub/top-only/Dockerfile',
      'svc/Dockerfile.secret',
      'web.Dockerfile',
    ]);
  });

  it('applies the .gitignore files between the searched directory and the repository root', async () => {
    const root = tree({
      '.git/': '',
      '.gitignore': 'generated/\n',
      'apps/.gitignore': 'old/\n',
      'apps/web/Dockerfile': '',
      'apps/web/generated/Dockerfile': '',
      'apps/web/old/Dockerfile': '',
    });
    const web = path.join(root, 'apps', 'web');
    expect(await ours(web)).toEqual(['Dockerfile']);
    expect(await ours(web)).toEqual(reference(web));
    // Outside a repository, only the searched tree's own files count.
    const plain = tree({ '.gitignore': 'generated/\n', 'web/Dockerfile': '', 'web/generated/Dockerfile': '' });
    const plainWeb = path.join(plain, 'web');
    expect(await ours(plainWeb)).toEqual(['Dockerfile', 'generated/Dockerfile']);
    expect(await ours(plainWeb)).toEqual(reference(plainWeb));
  });

  it('does not follow symbolic links', async () => {
    const root = tree({ 'a/Dockerfile': '', 'b/': '' });
    fs.symlinkSync(path.join(root, 'a'), path.join(root, 'b', 'link'));
    fs.symlinkSync(path.join(root, 'a', 'Dockerfile'), path.join(root, 'Dockerfile'));
    expect(await ours(root)).toEqual(['a/Dockerfile']);
    expect(await ours(root)).toEqual(reference(root));
  });

  it('agrees with globby on random trees', async () => {
    const names = ['Dockerfile', 'Dockerfile.a', 'b.dockerfile', 'Containerfile', 'x.md', 'Dockerfile.md', 'c.Dockerfile'];
    const dirs = ['', 'a/', 'a/b/', 'c/', 'a/c/', 'build/', 'a/build/', 'node_modules/', 'vendor/x/'];
    const rules = ['build/', '/a/', 'b/', '*.dockerfile', '!b.dockerfile', 'Dockerfile.a', '!Dockerfile.a', 'c', '/c/', 'a/**/Dockerfile', '**/b/Dockerfile', '!a/b/'];
    const gitignoreAt = ['', 'a/', 'a/b/'];
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.tuple(fc.constantFrom(...dirs), fc.constantFrom(...names)), { minLength: 1, maxLength: 12 }),
        fc.array(fc.tuple(fc.constantFrom(...gitignoreAt), fc.array(fc.constantFrom(...rules), { maxLength: 4 })), { maxLength: 3 }),
        async (files, ignores) => {
          const spec: Record<string, string> = {};
          for (const [d, n] of files) spec[d + n] = '';
          for (const [d, r] of ignores) spec[`${d}.gitignore`] = r.join('\n') + '\n';
          const root = tree(spec);
          expect(await ours(root)).toEqual(reference(root));
        },
      ),
      { seed: 11, numRuns: 60 },
    );
  });

  it.runIf(corpusFor('discover: globby parity on the corpus'))('agrees with globby on the shared corpus', async () => {
    const found = await ours(CORPUS_CASES);
    expect(found.length).toBeGreaterThan(700);
    expect(found).toEqual(reference(CORPUS_CASES));
  });

  it('reports what the CLI searches: files as given, directories searched, missing paths as errors', async () => {
    const root = tree({ 'Dockerfile': '', 'svc/Dockerfile': '' });
    const r = await discover(['svc', 'Dockerfile', 'missing'], root);
    expect(r.files).toEqual([path.join('svc', 'Dockerfile'), 'Dockerfile']);
    expect(r.errors.map((e) => e.format())).toEqual(['missing: no such file or directory']);
  });
});
