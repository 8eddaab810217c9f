import { describe, expect, it } from 'vitest';
import { applyEdits, normalizeEdits, OverlappingEditsError } from '../src/core/edits.js';
import { runTransforms } from '../src/core/runner.js';
import type { Transform, TransformResult } from '../src/core/types.js';
import type { DockerfileDocument } from '../src/core/document.js';
import { result } from './helpers/result.js';

function fake(id: string, run: (doc: DockerfileDocument) => TransformResult, extra: Partial<Transform['meta']> = {}): Transform {
  return { meta: { id, summary: id, description: id, fixKind: 'safe', order: 10, ...extra }, run: (doc) => run(doc) };
}

const upperRun = fake('upper-run', (doc) => {
  const edits = doc.instructions
    .filter((i) => i.keyword === 'run')
    .map((i) => ({ start: i.keywordStart, end: i.keywordEnd, text: 'RUN' }));
  return { diagnostics: edits.map((e) => ({ kind: 'change' as const, code: 'upper', range: { start: e.start, end: e.end }, message: 'upper-cased', fix: { applicability: 'safe' as const, edits: [e] } })) };
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
    const header = fake('header', (doc) => (doc.text.startsWith('# h') ? { diagnostics: [] } : result([{ start: 0, end: 0, text: '# h\n# h\n' }])), { order: 1 });
    const r = runTransforms('FROM a\nrun x\n', { transforms: [header, upperRun] });
    expect(r.output).toBe('# h\n# h\nFROM a\nRUN x\n');
    expect(r.findings.find((f) => f.transform === 'upper-run')?.line).toBe(2);
  });

  it('reports overlapping edits as an internal error and leaves the file unchanged', () => {
    const bad = fake('bad', () => (result([{ start: 0, end: 4, text: 'X' }, { start: 2, end: 6, text: 'Y' }])));
    const r = runTransforms('FROM alpine\n', { transforms: [bad] });
    expect(r.output).toBe('FROM alpine\n');
    expect(r.error).toMatchObject({ kind: 'internal' });
    expect(r.error?.message).toMatch(/overlapping edits/);
  });

  it('stops a transform that never settles', () => {
    const grow = fake('grow', (doc) => (result([{ start: doc.text.length, end: doc.text.length, text: '# more\n' }])));
    const r = runTransforms('FROM a\n', { transforms: [grow] });
    expect(r.error?.message).toMatch(/did not settle/);
    expect(r.output).toBe('FROM a\n');
  });

  it('rejects output that does not parse', () => {
    const heredoc = fake('heredoc', (doc) => (doc.text.includes('<<') ? { diagnostics: [] } : result([{ start: doc.text.length, end: doc.text.length, text: 'RUN <<EOF\n' }])));
    const r = runTransforms('FROM a\n', { transforms: [heredoc] });
    expect(r.error?.message).toMatch(/does not parse.*unterminated heredoc/);
  });

  it('passes a valid flag insertion through the dockerfile-ast cross-check', () => {
    const split = fake('split', (doc) => {
      const i = doc.instructions.find((x) => x.upper === 'RUN' && !x.text.includes('--mount'));
      return i ? result([{ start: i.keywordEnd, end: i.keywordEnd, text: ' --mount=type=cache,target=/c' }]) : { diagnostics: [] };
    });
    const r = runTransforms('FROM a\nRUN x\n', { transforms: [split] });
    expect(r.error).toBeUndefined();
    expect(r.output).toBe('FROM a\nRUN --mount=type=cache,target=/c x\n');
  });

  it('applies unsafe fixes only when asked, and says so otherwise', () => {
    const risky = fake('risky', (doc) => {
      const i = doc.instructions.find((x) => x.keyword === 'run');
      if (!i) return { diagnostics: [] };
      return result([{ start: i.keywordStart, end: i.keywordEnd, text: 'RUN' }], [{ kind: 'change', start: i.keywordStart, end: i.keywordEnd, message: 'upper-cased' }], 'unsafe');
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

describe('diagnostics contract', () => {
  // Two plans: upper-case the keyword (unsafe), or only when --unsafe is off, add a comment (safe).
  const planned = fake('planned', (doc) => {
    const i = doc.instructions.find((x) => x.keyword === 'run');
    if (!i) return { diagnostics: [] };
    const range = { start: i.keywordStart, end: i.keywordEnd };
    return {
      diagnostics: [{ kind: 'change', code: 'upper', message: 'upper-cased', range, fix: { applicability: 'unsafe', edits: [{ ...range, text: 'RUN' }] } }],
      withoutUnsafe: doc.text.includes('# upper me') ? [] : [{ kind: 'change', code: 'note', message: 'commented', range, fix: { applicability: 'safe', edits: [{ start: i.start, end: i.start, text: '# upper me\n' }] } }],
    };
  });

  it('the runner alone picks the plan by applicability, and links each change to its edits', () => {
    const safe = runTransforms('FROM a\nrun x\n', { transforms: [planned] });
    expect(safe.output).toBe('FROM a\n# upper me\nrun x\n');
    expect(safe.findings).toMatchObject([{ code: 'note', kind: 'change', fixKind: 'safe', edits: [0] }]);
    expect(safe.edits[0]).toMatchObject({ text: '# upper me\n', transform: 'planned' });
    const unsafe = runTransforms('FROM a\nrun x\n', { transforms: [planned], options: { unsafe: true } });
    expect(unsafe.output).toBe('FROM a\nRUN x\n');
    expect(unsafe.findings).toMatchObject([{ code: 'upper', kind: 'change', fixKind: 'unsafe', edits: [0] }]);
  });

  it('applies a fix shared by several diagnostics once, and links it to each', () => {
    const shared = fake('shared', (doc) => {
      const runs = doc.instructions.filter((x) => x.keyword === 'run');
      if (!runs.length) return { diagnostics: [] };
      const fix = { applicability: 'safe' as const, edits: runs.map((i) => ({ start: i.keywordStart, end: i.keywordEnd, text: 'RUN' })) };
      return { diagnostics: runs.map((i) => ({ kind: 'change' as const, code: 'upper', message: 'upper-cased', range: { start: i.keywordStart, end: i.keywordEnd }, fix })) };
    });
    const r = runTransforms('FROM a\nrun x\nrun y\n', { transforms: [shared] });
    expect(r.output).toBe('FROM a\nRUN x\nRUN y\n');
    expect(r.findings.map((f) => f.edits)).toEqual([[0, 1], [0, 1]]);
  });
});
