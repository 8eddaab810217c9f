import { describe, expect, it } from 'vitest';
import { DockerfileDocument } from '../src/core/document.js';
import { parsePragma, readPragmas } from '../src/core/pragmas.js';
import { runTransforms } from '../src/core/runner.js';
import { loadTransforms } from '../transforms/index.js';
import type { Transform } from '../src/core/types.js';
import { result } from './helpers/result.js';

const all = await loadTransforms();
const run = (text: string) => runTransforms(text, { transforms: all, options: { transformOptions: { 'syntax-directive': { syntax: 'none' } } } });
const MOUNT = '--mount=type=cache,target=/root/.cache/pip ';

describe('parsePragma', () => {
  it('reads the forms', () => {
    expect(parsePragma('# dockerfix-ignore')).toEqual({ file: false, ids: [] });
    expect(parsePragma('#dockerfix-ignore pip-cache-mount, apt-cache-mount')).toEqual({ file: false, ids: ['pip-cache-mount', 'apt-cache-mount'] });
    expect(parsePragma('# dockerfix-ignore-file')).toEqual({ file: true, ids: [] });
    expect(parsePragma('# dockerfix-ignore-file a b')).toEqual({ file: true, ids: ['a', 'b'] });
    expect(parsePragma('# dockerfix-ignored')).toBeNull();
    expect(parsePragma('# please dockerfix-ignore')).toBeNull();
  });
  it('attaches to the next instruction across blank lines and comments', () => {
    const doc = new DockerfileDocument('FROM a\n# dockerfix-ignore x\n\n# other\nRUN y\nRUN z\n');
    const p = readPragmas(doc);
    expect([...p.instructions.keys()]).toEqual([1]);
    expect([...(p.instructions.get(1) as Set<string>)]).toEqual(['x']);
  });
});

describe('suppression in the runner', () => {
  const text = 'FROM python:3\nRUN pip install a\n# dockerfix-ignore\nRUN pip install --no-cache-dir b\nRUN pip install c\n';
  it('# dockerfix-ignore leaves the next instruction alone and reports nothing for it', () => {
    const r = run(text);
    expect(r.output).toBe(`FROM python:3\nRUN ${MOUNT}pip install a\n# dockerfix-ignore\nRUN pip install --no-cache-dir b\nRUN ${MOUNT}pip install c\n`);
    expect(r.findings.map((f) => f.line)).toEqual([2, 5]);
    expect(r.edits.map((e) => e.line)).toEqual([2, 5]);
  });
  it('with ids, only those transforms are suppressed', () => {
    const other = run(text.replace('# dockerfix-ignore', '# dockerfix-ignore some-other-transform'));
    expect(other.output).toContain(`RUN ${MOUNT}pip install b`);
    const same = run(text.replace('# dockerfix-ignore', '# dockerfix-ignore some-other-transform, pip-cache-mount'));
    expect(same.output).toContain('RUN pip install --no-cache-dir b');
  });
  it('# dockerfix-ignore-file leaves the file alone', () => {
    const r = run('# dockerfix-ignore-file\n' + text);
    expect(r.changed).toBe(false);
    expect(r.findings).toEqual([]);
  });
  it('# dockerfix-ignore-file <id> disables that transform only', () => {
    const r = runTransforms('# dockerfix-ignore-file pip-cache-mount\nFROM python:3\nRUN pip install a\n', { transforms: all });
    expect(r.changed).toBe(false);
    expect(r.findings).toEqual([]);
  });
  it('skipped findings on an ignored instruction are not reported', () => {
    const r = run('FROM python:3\nUSER app\n# dockerfix-ignore\nRUN pip install a\n');
    expect(r.findings).toEqual([]);
    const r2 = run('FROM python:3\nUSER app\nRUN pip install a\n');
    expect(r2.findings.map((f) => f.kind)).toEqual(['skipped']);
  });
  it('the syntax directive is not added for a suppressed change', () => {
    const r = runTransforms('FROM python:3\n# dockerfix-ignore\nRUN pip install a\n', { transforms: all });
    expect(r.changed).toBe(false);
  });
});

describe('applied edits', () => {
  it('are non-overlapping edits on the input, sorted', () => {
    const input = 'FROM python:3\nRUN pip install --no-cache-dir a\n';
    const r = runTransforms(input, { transforms: all });
    expect(r.edits.map((e) => [e.transform, e.line, e.column, e.endLine, e.endColumn, e.text, input.slice(e.start, e.end)])).toEqual([
      ['syntax-directive', 1, 1, 1, 1, '# syntax=docker/dockerfile:1\n', ''],
      ['pip-cache-mount', 2, 4, 2, 4, ' --mount=type=cache,target=/root/.cache/pip', ''],
      ['pip-cache-mount', 2, 16, 2, 31, '', ' --no-cache-dir'],
    ]);
  });
});

describe('suppression with transforms that move instructions', () => {
  // A transform that moves the last RUN of the file above the first RUN (delete + insert).
  const mover: Transform = {
    meta: { id: 'mover', summary: 'test', description: 'test', fixKind: 'safe', order: 50 },
    run(doc) {
      const runs = doc.instructions.filter((i) => i.upper === 'RUN');
      if (runs.length < 2 || runs[0].text === 'RUN two') return { diagnostics: [] };
      const last = runs[runs.length - 1];
      return result(
        [
          { start: runs[0].start, end: runs[0].start, text: last.text + '\n' },
          { start: last.start, end: last.next, text: '' },
        ],
        [{ kind: 'change', message: 'moved', start: last.start, end: last.start + 3 }],
      );
    },
  };
  it('moves when nothing is ignored', () => {
    const r = runTransforms('FROM a\nRUN one\nRUN two\n', { transforms: [mover] });
    expect(r.output).toBe('FROM a\nRUN two\nRUN one\n');
  });
  it('a move that would duplicate an ignored instruction is not applied at all', () => {
    const text = 'FROM a\nRUN one\n# dockerfix-ignore\nRUN two\n';
    const r = runTransforms(text, { transforms: [mover] });
    expect(r.output).toBe(text);
    expect(r.findings).toEqual([]);
  });
});
