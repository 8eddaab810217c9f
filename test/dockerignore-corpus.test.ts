/**
 * src/core/dockerignore.ts (Docker's matcher, linear time) against @balena/dockerignore (a port of
 * Docker's matcher, which backtracks on hostile patterns) over every .dockerignore in the shared
 * corpus and every path of that case's context listing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { dockerignoreMatcher, readPatterns } from '../src/core/dockerignore.js';
import { CORPUS_CASES, corpusAvailable } from './helpers/corpus.js';

const require = createRequire(import.meta.url);
const balena = require('@balena/dockerignore') as (o?: { ignorecase?: boolean }) => { add(p: string[]): unknown; ignores(p: string): boolean };

describe('.dockerignore matcher on the corpus', () => {
  const why = 'the shared corpus (../shared/corpus) is not here';
  it.skipIf(!corpusAvailable())(`decides like @balena/dockerignore on every listed path${corpusAvailable() ? '' : ` (skipped: ${why})`}`, () => {
    let files = 0;
    let paths = 0;
    const differ: string[] = [];
    for (const id of fs.readdirSync(CORPUS_CASES).sort()) {
      const ignoreFile = path.join(CORPUS_CASES, id, 'context', '.dockerignore');
      const listingFile = path.join(CORPUS_CASES, id, 'context.txt');
      if (!fs.existsSync(ignoreFile) || !fs.existsSync(listingFile)) continue;
      files++;
      const patterns = readPatterns(fs.readFileSync(ignoreFile, 'utf8'));
      const ours = dockerignoreMatcher(patterns);
      if (ours.unsupported.length) continue;
      const theirs = balena({ ignorecase: false });
      theirs.add(patterns);
      for (const p of fs.readFileSync(listingFile, 'utf8').split(/\r?\n/).filter(Boolean)) {
        const rel = p.replace(/^\.\//, '').replace(/\/$/, '');
        if (!rel) continue;
        paths++;
        if (ours.ignores(rel) !== theirs.ignores(rel)) differ.push(`${id}: ${rel}`);
      }
    }
    console.log(`.dockerignore matcher: ${files} corpus .dockerignore files, ${paths} paths compared, ${differ.length} differ`);
    expect(files).toBeGreaterThan(100);
    expect(differ.slice(0, 10)).toEqual([]);
  });
});
