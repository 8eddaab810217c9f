import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EditComposer } from '../src/core/edit-compose.js';
import { applyEdits } from '../src/core/edits.js';
import { ListingContext } from '../src/core/context.js';
import { runTransforms } from '../src/core/runner.js';
import { stripBom } from '../src/core/source.js';
import { loadTransforms } from '../transforms/index.js';
import type { Edit } from '../src/core/types.js';
import { CORPUS_CASES, corpusCaseIds, corpusFor } from './helpers/corpus.js';

function applyComposed(text: string, edits: Array<{ start: number; end: number; text: string }>): string {
  let out = text;
  for (const e of [...edits].reverse()) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

describe('EditComposer', () => {
  it('keeps separate edits separate and merges an edit of inserted text into its origin', () => {
    const text = 'RUN pip install --no-cache-dir x\n';
    const c = new EditComposer(text.length);
    const a: Edit[] = [
      { start: 3, end: 3, text: ' --mount=A' },
      { start: 15, end: 30, text: '' },
    ];
    c.apply(a.map((e) => ({ ...e, fixKind: 'safe' as const, fix: 0 })), 'one');
    const mid = applyEdits(text, a);
    // "two" rewrites part of the text "one" inserted, and inserts a line at the top.
    const b: Edit[] = [
      { start: 0, end: 0, text: '# top\n' },
      { start: mid.indexOf('A'), end: mid.indexOf('A') + 1, text: 'B' },
    ];
    c.apply(b.map((e) => ({ ...e, fixKind: 'unsafe' as const, fix: 1 })), 'two');
    const out = applyEdits(mid, b);
    expect(out).toBe('# top\nRUN --mount=B pip install x\n');
    const r = c.result();
    expect(r).toEqual([
      { start: 0, end: 0, text: '# top\n', by: ['two'], fixes: [1], fixKind: 'unsafe' },
      { start: 3, end: 3, text: ' --mount=B', by: ['one', 'two'], fixes: [0, 1], fixKind: 'unsafe' },
      { start: 15, end: 30, text: '', by: ['one'], fixes: [0], fixKind: 'safe' },
    ]);
    expect(applyComposed(text, r)).toBe(out);
  });

  it('composes random edit sequences exactly (seeded fuzz)', () => {
    let seed = 42;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let round = 0; round < 400; round++) {
      const original = Array.from({ length: rnd(40) }, () => 'abcdef\n'[rnd(7)]).join('');
      let cur = original;
      const c = new EditComposer(original.length);
      for (let step = 0; step < 1 + rnd(5); step++) {
        const points = Array.from({ length: rnd(6) * 2 }, () => rnd(cur.length + 1)).sort((x, y) => x - y);
        const edits: Edit[] = [];
        for (let i = 0; i + 1 < points.length; i += 2) {
          if (edits.length && points[i] < edits[edits.length - 1].end) continue;
          if (edits.length && points[i] === points[i + 1] && points[i] === edits[edits.length - 1].start) continue;
          edits.push({ start: points[i], end: points[i + 1], text: rnd(3) ? 'XYZ'.slice(rnd(3)) : '' });
        }
        c.apply(edits.map((e) => ({ ...e, fixKind: 'safe' as const, fix: step })), `t${step}`);
        cur = applyEdits(cur, edits);
      }
      const r = c.result();
      expect(applyComposed(original, r), `round ${round}`).toBe(cur);
      for (let i = 1; i < r.length; i++) expect(r[i].start).toBeGreaterThanOrEqual(r[i - 1].end);
    }
  });
});

describe.skipIf(!corpusFor('edit-compose corpus suite'))('composed edits over the shared corpus', () => {
  it('reproduce every changed file exactly', async () => {
    const transforms = await loadTransforms();
    let changed = 0;
    for (const id of corpusCaseIds()) {
      const dir = path.join(CORPUS_CASES, id);
      const { text, bom } = stripBom(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8'));
      const ctx = fs.existsSync(path.join(dir, 'context.txt')) ? ListingContext.fromCorpusCase(dir) : undefined;
      const r = runTransforms(text, { transforms, buildContext: ctx }, bom);
      if (!r.changed) continue;
      changed++;
      expect(applyComposed(text, r.edits), id).toBe(r.output);
    }
    console.log(`composed edits checked on ${changed} changed corpus files`);
    expect(changed).toBeGreaterThan(0);
  });
});
