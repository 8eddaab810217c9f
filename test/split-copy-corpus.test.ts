/**
 * split-copy over the shared corpus (`../shared/corpus`, next to the repository; a worktree one
 * level deeper also finds it; DOCKERFIX_CORPUS overrides). Every case must run without a crash or
 * internal error and be idempotent. For the cases tagged `copy-dot-before-install` the test prints
 * how many were split (safe / unsafe-only) and the reasons for the rest, by count.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ListingContext } from '../src/core/context.js';
import { runTransforms } from '../src/core/runner.js';
import { stripBom } from '../src/core/source.js';
import { loadTransforms } from '../transforms/index.js';
import { CORPUS, sayMissing } from './helpers/corpus.js';

const repo = path.resolve(import.meta.dirname, '..');
const corpus = fs.existsSync(path.join(CORPUS, 'index.tsv')) ? CORPUS : undefined;
if (!corpus) sayMissing('split-copy corpus suite', path.join(CORPUS, 'index.tsv'));

/** Skip messages grouped into stable categories for the summary. */
const CATEGORIES: Array<[RegExp, string]> = [
  [/also runs a command that needs the source/, 'the install step also builds or runs project code'],
  [/installs the project itself|installs a local project/, 'the install needs the project itself (pip install . / -e .)'],
  [/script \(.*\) that .* runs/, 'an npm lifecycle script may read the source'],
  [/Windows stage/, 'Windows stage (paths not modelled)'],
  [/cargo cannot fetch/, 'cargo needs the crate sources'],
  [/writes .*, which the build context also has/, 'the install writes a path the context also has'],
  [/GOPATH-mode/, 'a GOPATH-mode Go build (no go.mod)'],
  [/is not in the build context|no project or solution file/, 'a required manifest is not in the build context (or not in its truncated listing)'],
  [/the COPY at line|the ADD at line/, 'a COPY between writes into the destination'],
  [/uses .*, which the whole-context copy provides|may read the copied source|runs a script that may read/, 'a step between reads the copied source'],
  [/the copy has the flag/, 'the copy has a flag the manifest copy cannot reproduce'],
  [/gemspec|reads other files/, 'a manifest reads other files (gemspec, build scripts)'],
  [/composer plugin/, 'a composer plugin runs during the install'],
  [/keeps the .* in a cache mount at [^:]*: a `[^`]*` step before the copy/, 'the build already keeps its packages in a cache mount (a dependency step would be an empty layer)'],
  [/reads it offline/, 'the install fills a cache mount that a later step reads offline'],
  [/dockerfix-ignore/, 'marked # dockerfix-ignore'],
];

function category(message: string): string {
  const m = message.replace(/^did not split this copy before `[^`]*`: /, '');
  return CATEGORIES.find(([re]) => re.test(m))?.[1] ?? m;
}

describe.skipIf(!corpus)('split-copy over the shared corpus', () => {
  it('splits every safely splittable tagged case, crashes on none and is idempotent', async () => {
    const transforms = await loadTransforms(['split-copy']);
    const rows = fs
      .readFileSync(path.join(corpus!, 'index.tsv'), 'utf8')
      .split('\n')
      .slice(1)
      .filter(Boolean)
      .map((l) => l.split('\t'));
    const errors: string[] = [];
    const unstable: string[] = [];
    let tagged = 0;
    let changedAll = 0;
    const splitSafe: string[] = [];
    const splitUnsafe: string[] = [];
    const reasons = new Map<string, string[]>();
    const none: string[] = [];
    /** Unsafe (also) because .dockerignore does not exclude what the install writes (node_modules, obj, ...). */
    const outputsOpen: string[] = [];
    for (const row of rows) {
      const [id, , , , , , features] = row;
      const dir = path.join(corpus!, 'cases', id);
      const { text, bom } = stripBom(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8'));
      const buildContext = ListingContext.fromCorpusCase(dir);
      const r = runTransforms(text, { transforms, buildContext, options: { unsafe: true } }, bom);
      if (r.error && r.error.kind === 'internal') errors.push(`${id}: ${r.error.message}`);
      if (r.changed) {
        changedAll++;
        const again = runTransforms(r.output, { transforms, buildContext, options: { unsafe: true } }, bom);
        if (again.changed || again.error) unstable.push(id);
      }
      if (!features.split(',').includes('copy-dot-before-install')) continue;
      tagged++;
      const mine = r.findings.filter((f) => f.transform === 'split-copy');
      const changes = mine.filter((f) => f.kind === 'change');
      if (changes.length) {
        (changes.some((f) => f.fixKind === 'unsafe') ? splitUnsafe : splitSafe).push(id);
        if (changes.some((f) => /\.dockerignore does not exclude/.test(f.message))) outputsOpen.push(id);
        continue;
      }
      const skipped = mine.filter((f) => f.kind === 'skipped');
      if (skipped.length === 0) {
        none.push(id);
        continue;
      }
      const key = category(skipped[0].message);
      reasons.set(key, [...(reasons.get(key) ?? []), id]);
    }
    const lines = [
      `split-copy corpus: ${rows.length} files, ${changedAll} changed, ${errors.length} internal errors, ${unstable.length} not idempotent`,
      `tagged copy-dot-before-install: ${tagged}`,
      `  split (safe): ${splitSafe.length}  [${splitSafe.join(' ')}]`,
      `  split only with --unsafe: ${splitUnsafe.length}  [${splitUnsafe.join(' ')}]`,
      `    of which .dockerignore does not exclude the install's output: ${outputsOpen.length}  [${outputsOpen.join(' ')}]`,
      `  no dependency-only install after the whole-context copy (build steps only, or already manifests-first): ${none.length}  [${none.join(' ')}]`,
      `  skipped with a reason: ${[...reasons.values()].reduce((n, v) => n + v.length, 0)}`,
      ...[...reasons.entries()].sort((a, b) => b[1].length - a[1].length).map(([k, v]) => `    ${v.length}  ${k}  [${v.join(' ')}]`),
    ];
    console.log(lines.join('\n'));
    expect(errors).toEqual([]);
    expect(unstable).toEqual([]);
    expect(tagged).toBeGreaterThan(0);
    expect(splitSafe.length + splitUnsafe.length).toBeGreaterThan(0);
  }, 120_000);
});

