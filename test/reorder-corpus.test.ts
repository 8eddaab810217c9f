/**
 * hoist-stable + sink-volatile over every file of the shared corpus (../shared/corpus, never
 * copied here; `DOCKERFIX_CORPUS` may point at it from a git worktree), with and without
 * --unsafe: no crash or internal error, the output lexes, a second run changes nothing, and a
 * rewrite only *moves* instructions: every stage keeps the same instructions and comment lines,
 * and the order of RUN, USER, WORKDIR, SHELL and VOLUME steps never changes. Prints the counts
 * (files changed, moves by fix kind, skip reasons) that docs/reorder.md quotes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ListingContext } from '../src/core/context.js';
import { DockerfileDocument } from '../src/core/document.js';
import { runTransforms } from '../src/core/runner.js';
import { stripBom } from '../src/core/source.js';
import { loadTransforms } from '../transforms/index.js';
import type { Transform } from '../src/core/types.js';
import { CORPUS_CASES, sayMissing } from './helpers/corpus.js';

const CASES = CORPUS_CASES;
const available = fs.existsSync(CASES);
if (!available) sayMissing('reorder corpus suite', CASES);

/** Per stage: sorted instruction texts, sorted comment lines, and the barrier sequence. */
function shape(text: string): { stages: string[][]; comments: string[]; barriers: string[] } {
  const doc = new DockerfileDocument(text);
  const stages = doc.stages.map((s) => s.instructions.map((i) => i.text.replace(/\r/g, '')).sort());
  const comments = doc.nodes.filter((n) => n.type === 'comment').map((n) => text.slice(n.start, n.end)).sort();
  const barriers = doc.instructions.filter((i) => /^(FROM|RUN|USER|WORKDIR|SHELL|VOLUME)$/.test(i.upper)).map((i) => i.text);
  return { stages, comments, barriers };
}

/** A finding message reduced to its reason, for counting. */
function reason(message: string): string {
  return message
    .replace(/`[^`]*`/g, '`…`')
    .replace(/\/[^\s,;)]*/g, '/…')
    .replace(/\b[A-Z][A-Z0-9_]{2,}\b/g, 'NAME')
    .replace(/(NAME, )+NAME/g, 'NAME')
    .replace(/ \(unsafe fix: run with --unsafe to apply\)$/, '')
    .replace(/^moved .*$/, 'moved')
    .replace(/^(`…` not moved[^:]*): /, '')
    .replace(/^it runs .* whose file access dockerfix does not model.*$/, 'it runs a program whose file access dockerfix does not model')
    .slice(0, 90);
}

describe.skipIf(!available)('reorder transforms over the shared corpus', () => {
  let transforms: Transform[];
  beforeAll(async () => {
    transforms = await loadTransforms(['hoist-stable', 'sink-volatile']);
  });

  for (const unsafe of [false, true]) {
    it(`every file, hoist-stable + sink-volatile${unsafe ? ' --unsafe' : ''}`, () => {
      const ids = fs.readdirSync(CASES).filter((d) => fs.existsSync(path.join(CASES, d, 'Dockerfile'))).sort();
      const counts = { files: 0, changed: 0, parseErrors: 0, internalErrors: 0 };
      const changedBy = new Map<string, Set<string>>();
      const moves = new Map<string, number>();
      const skips = new Map<string, number>();
      const problems: string[] = [];
      for (const id of ids) {
        const dir = path.join(CASES, id);
        const { text, bom } = stripBom(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8'));
        const run = (input: string) => runTransforms(input, { transforms, buildContext: ListingContext.fromCorpusCase(dir), options: { unsafe } }, bom);
        const r = run(text);
        counts.files++;
        if (r.error?.kind === 'parse') {
          counts.parseErrors++;
          continue;
        }
        if (r.error) {
          counts.internalErrors++;
          problems.push(`${id}: ${r.error.message.split('\n')[0]}`);
          continue;
        }
        for (const f of r.findings) {
          if (f.kind === 'skipped') {
            const k = `${f.transform}: ${reason(f.message)}`;
            skips.set(k, (skips.get(k) ?? 0) + 1);
          } else if (f.kind === 'change' || (f.kind === 'info' && f.fixKind === 'unsafe')) {
            const k = `${f.transform} ${f.kind === 'change' ? `${f.fixKind} move applied` : 'unsafe move not applied (needs --unsafe)'}`;
            moves.set(k, (moves.get(k) ?? 0) + 1);
          }
        }
        if (!r.changed) {
          if (r.output !== text) problems.push(`${id}: unchanged but output differs`);
          if (r.findings.some((f) => f.kind === 'change')) problems.push(`${id}: change finding without a change`);
          continue;
        }
        counts.changed++;
        for (const f of r.findings) if (f.kind === 'change') (changedBy.get(f.transform) ?? changedBy.set(f.transform, new Set()).get(f.transform)!).add(id);
        let after;
        try {
          after = shape(r.output);
        } catch (e) {
          problems.push(`${id}: output does not lex: ${(e as Error).message}`);
          continue;
        }
        const before = shape(text);
        if (JSON.stringify(after.stages) !== JSON.stringify(before.stages)) problems.push(`${id}: a stage gained or lost an instruction`);
        if (JSON.stringify(after.comments) !== JSON.stringify(before.comments)) problems.push(`${id}: comment lines changed`);
        if (JSON.stringify(after.barriers) !== JSON.stringify(before.barriers)) problems.push(`${id}: RUN/USER/WORKDIR/SHELL/VOLUME order changed`);
        if ((r.output.endsWith('\n') || r.output === '') !== (text.endsWith('\n') || text === '')) problems.push(`${id}: final newline changed`);
        if (r.output.includes('\r\n') && !text.includes('\r\n')) problems.push(`${id}: CRLF appeared`);
        const again = run(r.output);
        if (again.error || again.changed) problems.push(`${id}: not idempotent`);
      }
      const mode = unsafe ? '--unsafe' : 'default';
      console.log(`reorder corpus (${mode}): ${JSON.stringify(counts)}`);
      for (const [t, set] of changedBy) console.log(`  files changed by ${t}: ${set.size}`);
      for (const [k, v] of [...moves].sort()) console.log(`  ${k}: ${v}`);
      console.log(`  skipped findings by reason:`);
      for (const [k, v] of [...skips].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) console.log(`    ${String(v).padStart(3)}  ${k}`);
      expect(problems).toEqual([]);
      expect(counts.internalErrors).toBe(0);
      expect(counts.files).toBeGreaterThan(700);
      // Regression floor: the transforms must keep finding real moves in real files.
      expect(counts.changed).toBeGreaterThanOrEqual(unsafe ? 25 : 20);
    });
  }
});
