import fs from 'node:fs';
import path from 'node:path';

/** The shared corpus lives beside the repository (`../shared/corpus`); it is never copied in. */
export const CORPUS = path.resolve(import.meta.dirname, '../../../shared/corpus');
export const CORPUS_CASES = path.join(CORPUS, 'cases');

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
