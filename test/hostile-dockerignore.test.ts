/**
 * Issue #13: `.dockerignore` matching with Docker's rules (moby/patternmatcher) and without
 * backtracking blow-ups. The timing of pathological patterns is measured in bench/bench.mjs;
 * here they only have to finish (the old matchers took from 17 s to over 120 s on these).
 */
import { describe, expect, it } from 'vitest';
import { cleanPath, dockerignoreMatcher, readPatterns } from '../src/core/dockerignore.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DirectoryContext } from '../src/core/context.js';

const ignores = (text: string, p: string): boolean => dockerignoreMatcher(readPatterns(text)).ignores(p);

describe('dockerignore: Docker\'s rules', () => {
  const cases: [string, string, boolean][] = [
    ['*.md', 'README.md', true],
    ['*.md', 'docs/README.md', false],
    ['**/*.md', 'docs/a/README.md', true],
    ['**/*.md', 'README.md', true],
    ['node_modules', 'node_modules/x/index.js', true],
    ['/node_modules', 'node_modules', true],
    ['./build/', 'build/out.js', true],
    ['docs/**', 'docs/a/b.txt', true],
    ['docs/**', 'docsx', false],
    ['**/foo', 'a/b/foo', true],
    ['**/foo', 'foo', true],
    ['**/foo', 'a/xfoo', false],
    ['a/**/b', 'a/b', true],
    ['a/**/b', 'a/x/y/b', true],
    ['?.txt', 'a.txt', true],
    ['?.txt', 'ab.txt', false],
    ['[a-c].txt', 'b.txt', true],
    ['[a-c].txt', 'd.txt', false],
    ['[^a-c].txt', 'd.txt', true],
    ['\\*.txt', '*.txt', true],
    ['\\*.txt', 'a.txt', false],
    // Regular-expression characters are literal, as Docker escapes them.
    ['(a|a)+c', '(a|a)+c', true],
    ['(a|a)+c', 'aac', false],
    ['a.b', 'axb', false],
    ['a.b', 'a.b', true],
    ['{x}$', '{x}$', true],
    ['*.md\n!README.md', 'README.md', false],
    ['*.md\n!README.md', 'CHANGES.md', true],
    ['*\n!src\nsrc/*.test.js', 'src/a.test.js', true],
    ['*\n!src\nsrc/*.test.js', 'src/a.js', false],
    ['# comment\n  lib  ', 'lib/x', true],
    ['# comment', '# comment', false],
    // `^` is passed to the regular expression: an anchor there, literal in a plain comparison.
    ['^foo', '^foo', true],
    ['^foo', 'foo', false],
    ['^*.js', 'a.js', true],
    ['a]', 'a]', true],
  ];
  for (const [pattern, p, want] of cases) {
    it(`${JSON.stringify(pattern)} ${want ? 'excludes' : 'keeps'} ${p}`, () => expect(ignores(pattern, p)).toBe(want));
  }
  it('cleans patterns like Go\'s filepath.Clean', () => {
    expect(cleanPath('./a/../b/')).toBe('b');
    expect(cleanPath('/..')).toBe('/');
    expect(cleanPath('')).toBe('.');
    expect(readPatterns('\ufeff/a/\n!./b\n#c\n\n d ')).toEqual(['a', '!b', 'd']);
  });
  it('patterns it cannot model never match and are listed', () => {
    const m = dockerignoreMatcher(readPatterns('[[:alpha:]]*\nok'));
    expect(m.unsupported).toEqual(['[[:alpha:]]*']);
    expect(m.ignores('abc')).toBe(false);
    expect(m.ignores('ok')).toBe(true);
  });
  it('a directory context reports an unsupported pattern as a note', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-ignore-'));
    fs.writeFileSync(path.join(dir, '.dockerignore'), '\\pLx\n*.log\n');
    fs.writeFileSync(path.join(dir, 'a.log'), '');
    const ctx = new DirectoryContext(dir);
    expect(ctx.exists('a.log')).toBe(false);
    expect(ctx.notes()).toEqual(['.dockerignore pattern "\\\\pLx" uses syntax dockerfix cannot match like Docker; it is treated as matching nothing']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('dockerignore: pathological patterns finish', () => {
  it('*a*a*a*a*a*a*a*a*a*a*c on a 40-character name, (a|a)+c on 32, **/ x12 on a deep path', () => {
    const started = Date.now();
    expect(ignores('*a*a*a*a*a*a*a*a*a*a*c', 'a'.repeat(40))).toBe(false);
    expect(ignores('(a|a)+c', 'a'.repeat(32))).toBe(false);
    expect(ignores('**/'.repeat(12) + 'x', `${'a/'.repeat(30)}y`)).toBe(false);
    expect(ignores('**/'.repeat(12) + 'x', `${'a/'.repeat(30)}x`)).toBe(true);
    // Generous: these take milliseconds; the old matchers took from 17 s to over 120 s.
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
