/**
 * The runner does not run a transform again on a document it already left unchanged (its
 * findings are reused), and the self-check still re-runs every transform that reads
 * `context.original`, whose result can differ on a fresh run over the output.
 */
import { describe, expect, it } from 'vitest';
import { runTransforms } from '../src/core/runner.js';
import type { DockerfileDocument } from '../src/core/document.js';
import type { Transform, TransformContext, TransformResult } from '../src/core/types.js';
import { result } from './helpers/result.js';

function counted(id: string, order: number, run: (doc: DockerfileDocument, ctx: TransformContext) => TransformResult): { t: Transform; calls: string[] } {
  const calls: string[] = [];
  const t: Transform = {
    meta: { id, summary: id, description: id, fixKind: 'safe', order },
    run: (doc, ctx) => {
      calls.push(doc.text);
      return run(doc, ctx);
    },
  };
  return { t, calls };
}

const upper = counted('upper', 10, (doc) => {
  const edits = doc.instructions.filter((i) => i.keyword === 'run').map((i) => ({ start: i.keywordStart, end: i.keywordEnd, text: 'RUN' }));
  return { diagnostics: edits.map((e) => ({ kind: 'change' as const, code: 'upper', range: { start: e.start, end: e.end }, message: 'upper-cased', fix: { applicability: 'safe' as const, edits: [e] } })) };
});

const note = counted('note', 20, (doc) => {
  const last = doc.instructions[doc.instructions.length - 1];
  return result([], [{ kind: 'info', start: last.keywordStart, end: last.keywordEnd, message: `${doc.instructions.length} instructions` }]);
});

describe('runner reuse', () => {
  it('runs each transform once per document, reusing findings, and skips settled transforms in the self-check', () => {
    upper.calls.length = 0;
    note.calls.length = 0;
    const r = runTransforms('FROM a\nrun x\n', { transforms: [note.t, upper.t] });
    expect(r.error).toBeUndefined();
    expect(r.output).toBe('FROM a\nRUN x\n');
    // Pass 1: upper changes the text, note runs on the result. Pass 2: upper finds nothing;
    // note already ran on that text. Self-check: both ran on the output in the last pass.
    expect(upper.calls).toEqual(['FROM a\nrun x\n', 'FROM a\nRUN x\n']);
    expect(note.calls).toEqual(['FROM a\nRUN x\n']);
    expect(r.passes).toBe(2);
    expect(r.findings.map((f) => `${f.line} ${f.kind} ${f.transform}: ${f.message}`)).toEqual([
      '2 info note: 2 instructions',
      '2 change upper: upper-cased',
    ]);
  });

  it('still re-runs transforms that read context.original in the self-check', () => {
    // Writes the number of instructions of the original: stable within a run, but a fresh run
    // over its output (one more instruction) would change it again.
    const label = counted('label', 30, (doc, ctx) => {
      const want = `LABEL n=${ctx.original.instructions.length}`;
      const have = doc.instructions.find((i) => i.upper === 'LABEL');
      if (have?.text === want) return { diagnostics: [] };
      const edit = have ? { start: have.start, end: have.end, text: want } : { start: doc.text.length, end: doc.text.length, text: `${want}\n` };
      return result([edit], [{ kind: 'change', start: edit.start, end: edit.start, message: 'labelled' }]);
    });
    note.calls.length = 0;
    const r = runTransforms('FROM a\nRUN x\n', { transforms: [note.t, label.t] });
    expect(r.error?.message).toMatch(/^self-check failed: a second run would change the output again/);
    expect(r.output).toBe('FROM a\nRUN x\n');
    // label runs on the output again in the self-check (and changes it); note, which does not
    // read the original, is not run on the output again, only on the self-check's new text.
    const [input, output, again] = ['FROM a\nRUN x\n', 'FROM a\nRUN x\nLABEL n=2\n', 'FROM a\nRUN x\nLABEL n=3\n'];
    expect(label.calls).toEqual([input, output, output, again]);
    expect(note.calls).toEqual([input, output, again]);
  });

  it('does not run a transform again when only the parser directives changed after it, unless it read them', () => {
    // `directive` adds a syntax line on top (as syntax-directive does); `note` never reads the
    // directives, `reader` does. Only `reader` runs again on the text with the directive.
    const directive = counted('directive', 90, (doc) =>
      doc.directive('syntax') ? { diagnostics: [] } : result([{ start: 0, end: 0, text: '# syntax=x\n' }]),
    );
    const reader = counted('reader', 5, (doc) => ({ diagnostics: doc.directive('syntax') ? [] : [] }));
    note.calls.length = 0;
    const r = runTransforms('FROM a\nRUN x\n', { transforms: [note.t, directive.t, reader.t] });
    expect(r.error).toBeUndefined();
    expect(r.output).toBe('# syntax=x\nFROM a\nRUN x\n');
    expect(note.calls).toEqual(['FROM a\nRUN x\n']);
    expect(reader.calls).toEqual(['FROM a\nRUN x\n', '# syntax=x\nFROM a\nRUN x\n']);
    expect(directive.calls).toEqual(['FROM a\nRUN x\n', '# syntax=x\nFROM a\nRUN x\n']);
    expect(r.findings.map((f) => `${f.line} ${f.transform}: ${f.message}`)).toEqual(['1 directive: edit', '2 note: 2 instructions']);
  });

  it('names lines of the given file in messages, also on a version another transform rewrote', () => {
    const insert = counted('insert', 10, (doc) =>
      doc.instructions.some((i) => i.upper === 'LABEL') ? { diagnostics: [] } : result([{ start: doc.instructions[1].start, end: doc.instructions[1].start, text: 'LABEL a=b\n' }]),
    );
    const where = counted('where', 20, (doc) => {
      const run = doc.instructions.find((i) => i.upper === 'RUN')!;
      return result([], [{ kind: 'info', start: run.keywordStart, end: run.keywordEnd, message: `RUN at line ${run.line}` }]);
    });
    const r = runTransforms('FROM a\nRUN x\n', { transforms: [insert.t, where.t] });
    expect(r.output).toBe('FROM a\nLABEL a=b\nRUN x\n');
    // `where` ran on the rewritten text, where the RUN is on line 3; the finding and its
    // message both name line 2, the RUN's line in the file as given.
    expect(r.findings.map((f) => `${f.line} ${f.transform}: ${f.message}`)).toEqual(['2 insert: edit', '2 where: RUN at line 2']);
  });
});
