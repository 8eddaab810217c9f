/**
 * Every transform over every file of the shared corpus (../shared/corpus, never copied here):
 * no crash or internal error, output re-parses, a second run changes nothing, and files whose
 * run reports no change stay byte-identical. Runs once with each case's listed build context
 * and once with no context at all.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ListingContext, NoContext, type BuildContext } from '../src/core/context.js';
import { DockerfileDocument } from '../src/core/document.js';
import { runTransforms } from '../src/core/runner.js';
import { stripBom } from '../src/core/source.js';
import { loadTransforms } from '../transforms/index.js';
import type { Transform } from '../src/core/types.js';
import { CORPUS_CASES, corpusAvailable, corpusCaseIds, sayMissing } from './helpers/corpus.js';

if (!corpusAvailable()) sayMissing('corpus suite', CORPUS_CASES);

describe.skipIf(!corpusAvailable())('shared corpus', () => {
  let transforms: Transform[];
  beforeAll(async () => {
    transforms = await loadTransforms();
  });

  for (const mode of ['context', 'no-context'] as const) {
    it(`every file, all transforms, ${mode}`, () => {
      const ids = corpusCaseIds();
      const counts = { files: 0, changed: 0, unchanged: 0, skippedFindings: 0, parseErrors: 0, internalErrors: 0 };
      const problems: string[] = [];
      for (const id of ids) {
        const dir = path.join(CORPUS_CASES, id);
        const raw = fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8');
        const { text, bom } = stripBom(raw);
        const ctx: BuildContext = mode === 'context' ? ListingContext.fromCorpusCase(dir) : new NoContext();
        const r = runTransforms(text, { transforms, buildContext: ctx, options: { unsafe: true } }, bom);
        counts.files++;
        counts.skippedFindings += r.findings.filter((f) => f.kind === 'skipped').length;
        if (r.error?.kind === 'parse') {
          counts.parseErrors++;
          continue;
        }
        if (r.error) {
          counts.internalErrors++;
          problems.push(`${id}: ${r.error.message.split('\n')[0]}`);
          continue;
        }
        if (!r.changed) {
          counts.unchanged++;
          if (r.output !== text) problems.push(`${id}: unchanged but output differs`);
          if (r.findings.some((f) => f.kind === 'change')) problems.push(`${id}: change finding without a change`);
          continue;
        }
        counts.changed++;
        if (!r.findings.some((f) => f.kind === 'change')) problems.push(`${id}: changed without a change finding`);
        try {
          new DockerfileDocument(r.output);
        } catch (e) {
          problems.push(`${id}: output does not parse: ${(e as Error).message}`);
        }
        const again = runTransforms(r.output, { transforms, buildContext: ctx, options: { unsafe: true } }, bom);
        if (again.changed || again.error) problems.push(`${id}: not idempotent`);
      }
      console.log(`corpus (${mode}): ${JSON.stringify(counts)}`);
      expect(problems).toEqual([]);
      expect(counts.files).toBe(ids.length);
      expect(counts.internalErrors).toBe(0);
    });
  }
});
