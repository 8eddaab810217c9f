/**
 * All cache-mount transforms over the whole shared corpus (../shared/corpus): no crash or
 * internal error, every output re-parses, a second run changes nothing, and no rewritten RUN
 * that `sh -n` accepted before is rejected after. Prints, per transform, how many files it
 * changed (safe fixes applied; unsafe ones counted apart) and how many steps it skipped, by reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DockerfileDocument } from '../src/core/document.js';
import { ListingContext, NoContext } from '../src/core/context.js';
import { runTransforms } from '../src/core/runner.js';
import { stripBom } from '../src/core/source.js';
import { loadTransforms, transformIds } from '../transforms/index.js';
import { CORPUS_CASES, corpusFor } from './helpers/corpus.js';

// The shared corpus (test/helpers/corpus.ts says where; DOCKERFIX_SHARED / DOCKERFIX_CORPUS).
const CORPUS = CORPUS_CASES;
const present = corpusFor('cache-mounts corpus suite');

const CACHE_IDS = transformIds().filter((id) => id.endsWith('-cache-mount'));

/** A skip message with its specifics (paths, users, values) replaced, to group by reason. */
export function reasonKey(message: string): string {
  return message
    .replace(/`[^`]*`/g, '`…`')
    .replace(/\b(as|by) user \S+/g, '$1 user <u>')
    .replace(/\b[A-Z][A-Z0-9_]+=\S*/g, '<VAR>=<v>')
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\/[\w./*-]+/g, '<path>')
    .replace(/^[\w/-]+ (in|runs|run) /, '<tool> $1 ')
    .replace(/base image is \w+, not [\w/]+/, 'base image is another OS')
    .replace(/: left unchanged|; left unchanged/g, '');
}

function shOk(script: string): boolean {
  return spawnSync('sh', ['-n', '-c', script], { encoding: 'utf8' }).status === 0;
}

describe.skipIf(!present)('cache mounts over the shared corpus', () => {
  it('with --unsafe and no build context: no errors, idempotent, outputs re-parse', { timeout: 600_000 }, async () => {
    const transforms = await loadTransforms([...CACHE_IDS, 'syntax-directive']);
    const problems: string[] = [];
    let changedFiles = 0;
    for (const id of fs.readdirSync(CORPUS).sort()) {
      const file = path.join(CORPUS, id, 'Dockerfile');
      if (!fs.existsSync(file)) continue;
      const { text, bom } = stripBom(fs.readFileSync(file, 'utf8'));
      const opts = { transforms, buildContext: new NoContext(), options: { unsafe: true } };
      const r = runTransforms(text, opts, bom);
      if (r.error?.kind === 'internal') problems.push(`${id}: ${r.error.message.split('\n')[0]}`);
      if (!r.changed) continue;
      changedFiles++;
      const again = runTransforms(r.output, opts, bom);
      if (again.error || again.changed) problems.push(`${id}: not idempotent with --unsafe`);
    }
    console.log(`cache-mount transforms, --unsafe, no context: ${changedFiles} files changed`);
    expect(problems).toEqual([]);
    expect(changedFiles).toBeGreaterThan(0);
  });

  it('processes every case without errors, idempotently, with outputs that re-parse', { timeout: 600_000 }, async () => {
    const transforms = await loadTransforms([...CACHE_IDS, 'syntax-directive']);
    const cases = fs.readdirSync(CORPUS).sort();
    const changed = new Map<string, number>();
    const unsafeOnly = new Map<string, number>();
    const skipped = new Map<string, Map<string, number>>();
    const problems: string[] = [];
    let filesChanged = 0;
    let runsChecked = 0;
    for (const id of cases) {
      const dir = path.join(CORPUS, id);
      const file = path.join(dir, 'Dockerfile');
      if (!fs.existsSync(file)) continue;
      const { text, bom } = stripBom(fs.readFileSync(file, 'utf8'));
      const buildContext = ListingContext.fromCorpusCase(dir);
      const r = runTransforms(text, { transforms, buildContext, path: file }, bom);
      if (r.error) {
        if (r.error.kind === 'parse') continue; // not ours: the input does not lex
        problems.push(`${id}: ${r.error.kind} error: ${r.error.message.split('\n')[0]}`);
        continue;
      }
      const perFile = new Set<string>();
      const perFileUnsafe = new Set<string>();
      for (const f of r.findings) {
        if (!CACHE_IDS.includes(f.transform)) continue;
        if (f.kind === 'change') perFile.add(f.transform);
        else if (f.kind === 'info' && f.message.endsWith('(unsafe fix: run with --unsafe to apply)')) perFileUnsafe.add(f.transform);
        else if (f.kind === 'skipped') {
          const m = skipped.get(f.transform) ?? new Map<string, number>();
          const k = reasonKey(f.message);
          m.set(k, (m.get(k) ?? 0) + 1);
          skipped.set(f.transform, m);
        }
      }
      for (const t of perFile) changed.set(t, (changed.get(t) ?? 0) + 1);
      for (const t of perFileUnsafe) unsafeOnly.set(t, (unsafeOnly.get(t) ?? 0) + 1);
      if (!r.changed) continue;
      filesChanged++;
      let out: DockerfileDocument;
      try {
        out = new DockerfileDocument(r.output, bom);
      } catch (e) {
        problems.push(`${id}: output does not re-parse: ${(e as Error).message}`);
        continue;
      }
      const again = runTransforms(r.output, { transforms, buildContext, path: file }, bom);
      if (again.error || again.changed) problems.push(`${id}: not idempotent (${again.error?.message ?? 'second run changed it'})`);
      // Every rewritten shell-form RUN must still be valid shell if it was before.
      const before = new DockerfileDocument(text, bom).instructions.filter((i) => i.upper === 'RUN');
      const after = out.instructions.filter((i) => i.upper === 'RUN');
      if (before.length !== after.length) {
        problems.push(`${id}: RUN count changed ${before.length} -> ${after.length}`);
        continue;
      }
      after.forEach((a, k) => {
        const b = before[k];
        if (a.json || b.json) return;
        if (a.heredocs.length || b.heredocs.length) {
          // `RUN <<EOF` scripts: check the body the shell runs.
          const body = (i: typeof a): string | null =>
            i.heredocs.length === 1 && /^<<-?["']?\w+/.test(i.argsText().trim()) ? i.doc.slice(i.heredocs[0].bodyStart, i.heredocs[0].bodyEnd) : null;
          const bb = body(b);
          const ab = body(a);
          if (bb === null || ab === null || bb === ab) return;
          runsChecked++;
          if (shOk(bb) && !shOk(ab)) problems.push(`${id}: heredoc RUN at line ${a.line} is no longer valid shell:\n${ab}`);
          return;
        }
        if (b.argsText() === a.argsText()) return;
        runsChecked++;
        if (shOk(b.argsText()) && !shOk(a.argsText())) problems.push(`${id}: RUN at line ${a.line} is no longer valid shell:\n${a.argsText()}`);
      });
    }
    const lines = [`cache-mount transforms over ${cases.length} corpus cases: ${filesChanged} files changed, ${runsChecked} rewritten RUNs passed sh -n`];
    for (const t of CACHE_IDS) {
      const sk = skipped.get(t) ?? new Map<string, number>();
      const total = [...sk.values()].reduce((a, b) => a + b, 0);
      lines.push(`${t}: changed ${changed.get(t) ?? 0} files; unsafe fix only (not applied) in ${unsafeOnly.get(t) ?? 0} files; skipped ${total} steps`);
      for (const [k, n] of [...sk.entries()].sort((a, b) => b[1] - a[1])) lines.push(`    ${n} × ${k}`);
    }
    console.log(lines.join('\n'));
    expect(problems).toEqual([]);
    expect(filesChanged).toBeGreaterThan(0);
  });
});
