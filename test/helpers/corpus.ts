import fs from 'node:fs';
import path from 'node:path';

const REPO = path.resolve(import.meta.dirname, '../..');

/**
 * The shared data (corpus/, buildkit-parser-tests/, docker-lab/) is never copied into the
 * repository. Where it is: $DOCKERFIX_SHARED, else `../shared` beside the repository, else
 * `../../shared` (a git worktree in wt/<name>). $DOCKERFIX_CORPUS may name the corpus alone.
 */
export const SHARED =
  process.env.DOCKERFIX_SHARED ||
  [path.resolve(REPO, '../shared'), path.resolve(REPO, '../../shared')].find((p) => fs.existsSync(path.join(p, 'corpus'))) ||
  path.resolve(REPO, '../shared');

/** The shared corpus (`<shared>/corpus`, or $DOCKERFIX_CORPUS). */
export const CORPUS = process.env.DOCKERFIX_CORPUS || path.join(SHARED, 'corpus');
export const CORPUS_CASES = path.join(CORPUS, 'cases');

/** BuildKit's parser test files (`<shared>/buildkit-parser-tests`). */
export const BUILDKIT_PARSER_TESTS = path.join(SHARED, 'buildkit-parser-tests');

const said = new Set<string>();

/**
 * Say out loud that a suite skips for want of shared data (once per suite): where it looked and
 * how to point it at the data.
 */
export function sayMissing(suite: string, missing: string): void {
  if (said.has(suite)) return;
  said.add(suite);
  console.log(`${suite} skipped: ${missing} does not exist (the shared data is not here; set DOCKERFIX_SHARED=<folder with corpus/, buildkit-parser-tests/, docker-lab/> or DOCKERFIX_CORPUS=<corpus folder>)`);
}

/** corpusAvailable(), saying why a suite skips when it is not. */
export function corpusFor(suite: string): boolean {
  if (corpusAvailable()) return true;
  sayMissing(suite, CORPUS_CASES);
  return false;
}

export function corpusAvailable(): boolean {
  return fs.existsSync(CORPUS_CASES);
}

export function corpusCaseIds(): string[] {
  return corpusAvailable() ? fs.readdirSync(CORPUS_CASES).filter((d) => fs.existsSync(path.join(CORPUS_CASES, d, 'Dockerfile'))).sort() : [];
}

/** index.tsv rows by case id: { features: Set, ecosystems: Set, ... }. */
export function corpusIndex(): Map<string, { features: Set<string>; ecosystems: Set<string>; repo: string; path: string }> {
  const out = new Map();
  const file = path.join(CORPUS, 'index.tsv');
  if (!fs.existsSync(file)) return out;
  const [header, ...rows] = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const cols = header.split('\t');
  for (const row of rows) {
    const v = row.split('\t');
    const get = (k: string): string => v[cols.indexOf(k)] ?? '';
    out.set(get('id'), {
      features: new Set(get('features').split(',').filter(Boolean)),
      ecosystems: new Set(get('ecosystems').split(',').filter(Boolean)),
      repo: get('repo'),
      path: get('path'),
    });
  }
  return out;
}
