import { describe, expect, it } from 'vitest';
import { applyEdits, normalizeEdits, OverlappingEditsError } from '../src/core/edits.js';
import { runTransforms } from '../src/core/runner.js';
import type { Transform, TransformResult } from '../src/core/types.js';
import type { DockerfileDocument } from '../src/core/document.js';

function fake(id: string, run: (doc: DockerfileDocument) => TransformResult, extra: Partial<Transform['meta']> = {}): Transform {
  return { meta: { id, summary: id, description: id, fixKind: 'safe', order: 10, ...extra }, run: (doc) => run(doc) };
}

const upperRun = fake('upper-run', (doc) => {
  const edits = doc.instructions
    .filter((i) => i.keyword === 'run')
    .map((i) => ({ start: i.keywordStart, end: i.keywordEnd, text: 'RUN' }));
  return { edits, findings: edits.map((e) => ({ kind: 'change' as const, start: e.start, end: e.end, message: 'upper-cased' })) };
});

describe('edits', () => {
  it('applies sorted edits and rejects overlaps', () => {
    expect(applyEdits('abcdef', [{ start: 4, end: 5, text: 'E' }, { start: 0, end: 1, text: 'A' }])).toBe('AbcdEf');
    expect(() => normalizeEdits([{ start: 0, end: 3, text: 'x' }, { start: 2, end: 4, text: 'y' }], 6)).toThrow(OverlappingEditsError);
    expect(normalizeEdits([{ start: 1, end: 2, text: 'x' }, { start: 1, end: 2, text: 'x' }], 6)).toHaveLength(1);
    expect(() => normalizeEdits([{ start: 5, end: 9, text: '' }], 6)).toThrow(RangeError);
  });
});

describe('runner', () => {
  it('leaves input without matching steps byte-identical', () => {
    const text = 'FROM a\r\n# c\r\nRUN x';
    const r = runTransforms(text, { transforms: [upperRun] });
    expect(r).toMatchObject({ changed: false, output: text, findings: [] });
  });

  it('applies edits, maps findings to input lines, and settles', () => {
    const r = runTransforms('FROM a\n\nrun x\nrun y\n', { transforms: [upperRun] });
    expect(r.output).toBe('FROM a\n\nRUN x\nRUN y\n');
    expect(r.findings.map((f) => [f.line, f.column, f.transform, f.kind])).toEqual([
      [3, 1, 'upper-run', 'change'],
      [4, 1, 'upper-run', 'change'],
    ]);
    expect(r.passes).toBe(2);
  });

  it('maps positions through an earlier transform that inserted lines', () => {
    const header = fake('header', (doc) => (doc.text.startsWith('# h') ? { edits: [], findings: [] } : { edits: [{ start: 0, end: 0, text: '# h\n# h\n' }], findings: [] }), { order: 1 });
    const r = runTransforms('FROM a\nrun x\n', { transforms: [header, upperRun] });
    expect(r.output).toBe('# h\n# h\nFROM a\nRUN x\n');
    expect(r.findings.find((f) => f.transform === 'upper-run')?.line).toBe(2);
  });

  it('reports overlapping edits as an internal error and leaves the file unchanged', () => {
    const bad = fake('bad', () => ({ edits: [{ start: 0, end: 4, text: 'X' }, { start: 2, end: 6, text: 'Y' }], findings: [] }));
    const r = runTransforms('FROM alpine\n', { transforms: [bad] });
    expect(r.output).toBe('FROM alpine\n');
    expect(r.error).toMatchObject({ kind: 'internal' });
    expect(r.error?.message).toMatch(/overlapping edits/);
  });

  it('stops a transform that never settles', () => {
    const grow = fake('grow', (doc) => ({ edits: [{ start: doc.text.length, end: doc.text.length, text: '# more\n' }], findings: [] }));
    const r = runTransforms('FROM a\n', { transforms: [grow] });
    expect(r.error?.message).toMatch(/did not settle/);
    expect(r.output).toBe('FROM a\n');
  });

  it('rejects output that does not parse', () => {
    const heredoc = fake('heredoc', (doc) => (doc.text.includes('<<') ? { edits: [], findings: [] } : { edits: [{ start: doc.text.length, end: doc.text.length, text: 'RUN <<EOF\n' }], findings: [] }));
    const r = runTransforms('FROM a\n', { transforms: [heredoc] });
    expect(r.error?.message).toMatch(/does not parse.*unterminated heredoc/);
  });

  it('passes a valid flag insertion through the dockerfile-ast cross-check', () => {
    const split = fake('split', (doc) => {
      const i = doc.instructions.find((x) => x.upper === 'RUN' && !x.text.includes('--mount'));
      return i ? { edits: [{ start: i.keywordEnd, end: i.keywordEnd, text: ' --mount=type=cache,target=/c' }], findings: [] } : { edits: [], findings: [] };
    });
    const r = runTransforms('FROM a\nRUN x\n', { transforms: [split] });
    expect(r.error).toBeUndefined();
    expect(r.output).toBe('FROM a\nRUN --mount=type=cache,target=/c x\n');
  });

  it('applies unsafe fixes only when asked, and says so otherwise', () => {
    const risky = fake('risky', (doc) => {
      const i = doc.instructions.find((x) => x.keyword === 'run');
      if (!i) return { edits: [], findings: [] };
      return { edits: [{ start: i.keywordStart, end: i.keywordEnd, text: 'RUN' }], findings: [{ kind: 'change', start: i.keywordStart, end: i.keywordEnd, message: 'upper-cased' }] };
    }, { fixKind: 'unsafe' });
    const dry = runTransforms('FROM a\nrun x\n', { transforms: [risky] });
    expect(dry.changed).toBe(false);
    expect(dry.findings).toMatchObject([{ kind: 'info', message: 'upper-cased (unsafe fix: run with --unsafe to apply)', fixKind: 'unsafe' }]);
    const wet = runTransforms('FROM a\nrun x\n', { transforms: [risky], options: { unsafe: true } });
    expect(wet.output).toBe('FROM a\nRUN x\n');
    expect(wet.findings).toMatchObject([{ kind: 'change', fixKind: 'unsafe' }]);
  });

  it('reports a parse problem of the input with its position', () => {
    const r = runTransforms('FROM a\nRUN <<EOF\necho\n', { transforms: [upperRun] });
    expect(r.error).toMatchObject({ kind: 'parse', line: 2, column: 5 });
  });

  it('reports a transform that throws as an internal error', () => {
    const boom = fake('boom', () => {
      throw new Error('kaput');
    });
    const r = runTransforms('FROM a\n', { transforms: [boom] });
    expect(r.error?.message).toMatch(/transform boom failed: Error: kaput/);
  });
});
