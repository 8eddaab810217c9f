/**
 * The self-check's instruction-list comparison (src/core/validate.ts checkUntouched, run by the
 * runner after every transform): an edit that leaves a line continuation or heredoc open makes
 * the next, unchanged instruction words of the edited one. Both our lexer and dockerfile-ast
 * accept the result as one instruction, so only comparing the whole list finds it. Also the
 * reorder primitives that never leave one open (src/core/reorder.ts danglingEscape).
 */
import { describe, expect, it } from 'vitest';
import { DockerfileDocument } from '../src/core/document.js';
import { applyEdits, normalizeEdits } from '../src/core/edits.js';
import { danglingEscape } from '../src/core/reorder.js';
import { runTransforms } from '../src/core/runner.js';
import { checkUntouched } from '../src/core/validate.js';
import type { Edit, Transform } from '../src/core/types.js';
import { result } from './helpers/result.js';

function check(text: string, edits: Edit[]): string | null {
  const before = new DockerfileDocument(text);
  const sorted = normalizeEdits(edits, text.length);
  const after = new DockerfileDocument(applyEdits(text, sorted));
  return checkUntouched(before, sorted, after)?.message ?? null;
}

/** A transform that moves the last instruction above the second one, as text (no escape handling). */
const naiveHoist: Transform = {
  meta: { id: 'naive-hoist', summary: 'x', description: 'x', fixKind: 'safe', order: 10 },
  run(doc) {
    const last = doc.instructions[doc.instructions.length - 1];
    const second = doc.instructions[1];
    if (last.upper !== 'RUN' || second === last) return { diagnostics: [] };
    const body = doc.text.slice(last.start, last.next);
    return result([
      { start: last.start, end: last.next, text: '' },
      { start: second.start, end: second.start, text: body.endsWith('\n') ? body : body + '\n' },
    ]);
  },
};

describe('checkUntouched', () => {
  const text = 'FROM debian\nCOPY app.py .\nRUN apt-get install -y curl \\\n';
  const run = text.indexOf('RUN');
  const copy = text.indexOf('COPY');

  it('finds an instruction that became words of a moved one with an open continuation', () => {
    const msg = check(text, [
      { start: run, end: text.length, text: '' },
      { start: copy, end: copy, text: 'RUN apt-get install -y curl \\\n' },
    ]);
    expect(msg).toMatch(/does not keep `COPY app\.py \.` \(line 2\) as it was: it became words of the RUN before it/);
  });

  it('finds an instruction that takes in the text inserted after it', () => {
    const t = 'FROM alpine\nRUN apk add curl \\\n';
    expect(check(t, [{ start: t.length, end: t.length, text: 'ARG BUILD_DATE\n' }])).toMatch(/`RUN apk add curl` \(line 2\) as it was: it now takes in the text after it/);
  });

  it('accepts the same move with the escape removed, and an insertion after a last line without newline', () => {
    expect(check(text, [{ start: run, end: text.length, text: '' }, { start: copy, end: copy, text: 'RUN apt-get install -y curl\n' }])).toBeNull();
    const t = 'FROM alpine\nRUN apk add curl';
    expect(check(t, [{ start: t.length, end: t.length, text: '\nARG BUILD_DATE' }])).toBeNull();
  });

  it('ignores instructions the edits touch (the cross-check looks at those)', () => {
    const t = 'FROM alpine\nRUN apk add curl\nCOPY . .\n';
    const at = t.indexOf('apk');
    expect(check(t, [{ start: at, end: at, text: '--no-cache ' }])).toBeNull();
  });
});

describe('the runner refuses a rewrite that swallows an instruction', () => {
  it('internal error, file left unchanged', () => {
    const text = 'FROM debian\nCOPY app.py .\nRUN apt-get install -y curl \\\n';
    const r = runTransforms(text, { transforms: [naiveHoist], options: { transformOptions: { 'syntax-directive': { syntax: 'none' } } } });
    expect(r.error?.kind).toBe('internal');
    expect(r.error?.message).toMatch(/self-check failed: naive-hoist: the rewritten file does not keep `COPY app\.py \.`/);
    expect(r.output).toBe(text);
  });
  it('the same transform on a file that ends normally is fine', () => {
    const r = runTransforms('FROM debian\nCOPY app.py .\nRUN apt-get install -y curl\n', { transforms: [naiveHoist], options: { transformOptions: { 'syntax-directive': { syntax: 'none' } } } });
    expect(r.error).toBeUndefined();
    expect(r.output).toBe('FROM debian\nRUN apt-get install -y curl\nCOPY app.py .\n');
  });
});

describe('danglingEscape', () => {
  const at = (text: string): string | null => {
    const doc = new DockerfileDocument(text);
    const d = danglingEscape(doc.instructions[doc.instructions.length - 1]);
    return d ? JSON.stringify(text.slice(d.start, d.end)) : null;
  };
  it('the escape at the end of the last line, with the blanks around it', () => {
    expect(at('FROM a\nRUN x \\\n')).toBe('" \\\\"');
    expect(at('FROM a\nRUN x \\  \r\n\r\n# c')).toBe('" \\\\  "');
    expect(at('# escape=`\nFROM a\nRUN x `')).toBe('" `"');
  });
  it('none for an instruction that ends normally, continuations inside it, or a heredoc', () => {
    expect(at('FROM a\nRUN x \\\n  y\n')).toBeNull();
    expect(at('FROM a\nRUN x')).toBeNull();
    expect(at('FROM a\nRUN <<EOF\necho \\\nEOF\n')).toBeNull();
  });
});
