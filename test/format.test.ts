import { describe, expect, it } from 'vitest';
import { lex } from '../src/core/lexer.js';
import { dumpDifference, dumpNodes, sameDump } from '../src/format/dump.js';
import { format, formatWith, printDockerfile, semanticDump, type Printer } from '../src/format/index.js';

describe('format', () => {
  it('upper-cases keywords, normalises header spacing, adds the final newline', () => {
    expect(format('from  alpine\nrun   --network=none    echo  "a  b"').output).toBe('FROM alpine\nRUN --network=none echo  "a  b"\n');
  });

  it('returns the input untouched (same string) when already formatted', () => {
    const text = 'FROM alpine\nRUN echo hi\n';
    const r = format(text);
    expect(r).toEqual({ output: text, changed: false });
  });

  it('keeps the BOM and CRLF line endings', () => {
    const r = format('\ufeffFROM alpine  \r\nrun echo hi\r\n');
    expect(r.output).toBe('\ufeffFROM alpine\r\nRUN echo hi\r\n');
  });

  it('endOfLine option converts line endings outside heredoc bodies', () => {
    expect(format('FROM alpine\r\nRUN echo hi\r\n', { endOfLine: 'lf' }).output).toBe('FROM alpine\nRUN echo hi\n');
    expect(format('FROM alpine\nRUN echo hi\n', { endOfLine: 'crlf' }).output).toBe('FROM alpine\r\nRUN echo hi\r\n');
  });

  it('collapses blank lines and drops trailing blank lines', () => {
    expect(format('FROM a\n\n\n\nFROM b\n\n\n').output).toBe('FROM a\n\nFROM b\n');
  });

  it('keeps an empty file empty', () => {
    expect(format('')).toEqual({ output: '', changed: false });
  });

  it('never joins words split by a continuation without whitespace', () => {
    const text = 'RUN echo foo\\\nbar\n';
    expect(format(text).output).toBe(text);
  });

  it('keeps whitespace of a continuation inside quotes', () => {
    const text = 'RUN echo "a \\\n        b"\n';
    expect(format(text).output).toBe(text);
  });

  it('keeps the legacy ENV value exactly', () => {
    const text = 'ENV NAME some   value \\\n      continued\n';
    expect(format(text).output).toBe(text);
  });

  it('reprints exec-form arrays not yet in `["a", "b"]` layout, and keeps those that are', () => {
    for (const kept of ['CMD ["a", "b"]\n', 'CMD []\n', 'CMD ["a\\"", "b"]\n', 'ENTRYPOINT ["a"]\n', 'COPY --chown=1 ["a", "b/"]\n']) {
      expect(format(kept)).toEqual({ output: kept, changed: false });
    }
    expect(format('CMD ["a","b"]\n').output).toBe('CMD ["a", "b"]\n');
    expect(format('CMD [ "a", "b" ]\n').output).toBe('CMD ["a", "b"]\n');
    expect(format('CMD ["a",  "b"]\n').output).toBe('CMD ["a", "b"]\n');
    expect(format('CMD ["a", "b"] \n').output).toBe('CMD ["a", "b"]\n');
    expect(format('cmd ["a", "b"]\n').output).toBe('CMD ["a", "b"]\n');
  });

  it('keeps one-line instructions already in style, fixes the others', () => {
    for (const kept of ['FROM a AS b\n', 'COPY --from=b /a /b\n', 'RUN echo "a  b"\n', 'WORKDIR /a b\n', 'RUN\n', 'ENV PATH=/a:$PATH\n', 'LABEL a="b c"\n', 'ENV A b  c\n']) {
      expect(format(kept)).toEqual({ output: kept, changed: false });
    }
    expect(format(' FROM a\n').output).toBe('FROM a\n');
    expect(format('FROM\ta\n').output).toBe('FROM a\n');
    expect(format('COPY a  b\n').output).toBe('COPY a b\n');
    expect(format('RUN echo a \n').output).toBe('RUN echo a\n');
    expect(format('ENV A=1 B=2\n').output).toBe('ENV A=1 \\\n    B=2\n');
  });

  it('reports a parse error and leaves the input', () => {
    const text = 'FROM alpine\nRUN <<EOF\necho\n';
    const r = format(text);
    expect(r.changed).toBe(false);
    expect(r.output).toBe(text);
    expect(r.error).toMatchObject({ kind: 'parse', line: 2 });
  });
});

describe('semantic guard', () => {
  const input = [
    'FROM alpine',
    'RUN echo "a  b" \\',
    '    && echo c',
    'RUN <<EOF',
    'echo body',
    'EOF',
    '# a comment',
    'CMD ["x", "y"]',
    '',
  ].join('\n');

  const broken = (mutate: (s: string) => string): Printer => (inp, opts) => mutate(printDockerfile(inp, opts));

  it('passes the real printer', () => {
    expect(formatWith('from alpine\n' + input.slice('FROM alpine\n'.length), {}, printDockerfile)).toMatchObject({ changed: true });
  });

  for (const [name, mutate] of [
    ['changes whitespace inside quotes', (s: string) => s.replace('"a  b"', '"a b"')],
    ['drops a heredoc body line', (s: string) => s.replace('echo body\n', '')],
    ['drops a comment', (s: string) => s.replace('# a comment\n', '')],
    ['removes the whitespace at a joint (BuildKit would join the words)', (s: string) => s.replace(' \\\n    && echo c', '\\\n&& echo c')],
    ['reorders exec-form strings', (s: string) => s.replace('["x", "y"]', '["y", "x"]')],
    ['breaks the heredoc terminator', (s: string) => s.replace('\nEOF\n', '\nEOF \n')],
    ['throws', () => {
      throw new Error('boom');
    }],
  ] as Array<[string, (s: string) => string]>) {
    it(`rejects a printer that ${name}`, () => {
      const text = 'from alpine\n' + input.slice('FROM alpine\n'.length);
      const r = formatWith(text, {}, broken(mutate));
      expect(r.changed).toBe(false);
      expect(r.output).toBe(text);
      expect(r.error?.kind).toBe('internal');
    });
  }
});

describe('sameDump (the guard\'s fast comparison)', () => {
  const pairs: Array<[string, string]> = [
    ['FROM a\nRUN x\n', 'FROM a\n\n\nRUN x\n'],
    ['FROM a\nRUN x \\\n  # c\n  y\n', 'FROM a\n# c\nRUN x \\\n  y\n'],
    ['FROM a\nRUN x \\\n  # c\n  y\n', 'FROM a\nRUN x \\\n    # c\n    y\n'],
    ['FROM a\nRUN x\n', 'FROM a\nRUN x\nRUN x\n'],
    ['FROM a\nRUN x\n# c\n', 'FROM a\nRUN x\n'],
    ['# syntax=a\nFROM a\n', '# syntax=b\nFROM a\n'],
    ['# syntax=a\nFROM a\n', '#syntax=a\nFROM   a\n'],
    ['RUN <<EOF\nx\nEOF\n', 'RUN <<EOF\nx \nEOF\n'],
    ['ENV A=1 B=2\n', 'ENV A=1 \\\n    B=2\n'],
    ['CMD ["a","b"]\n', 'CMD ["a", "b"]\n'],
    ['CMD ["a","b"]\n', 'CMD ["b", "a"]\n'],
    ['RUN --mount=x  a\n', 'RUN --mount=x a\n'],
    ['FROM a\n', ''],
    ['# a \nFROM a\n', '  # a\nFROM a\n'],
    ['# a\nFROM a\n', '# b\nFROM a\n'],
  ];
  for (const [a, b] of pairs) {
    it(`agrees with dumpDifference: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`, () => {
      const x = lex(a);
      const y = lex(b);
      const equal = dumpDifference(dumpNodes(a, x.nodes, x.escape), dumpNodes(b, y.nodes, y.escape)) === null;
      expect(sameDump({ text: a, nodes: x.nodes }, { text: b, nodes: y.nodes }, x.escape)).toBe(equal);
      expect(sameDump({ text: b, nodes: y.nodes }, { text: a, nodes: x.nodes }, x.escape)).toBe(equal);
    });
  }
});

describe('semanticDump', () => {
  it('sees BuildKit words after joining continuations', () => {
    const d = semanticDump('RUN --mount=type=cache,target=/x apt-get \\\n    install "a  b"\n');
    expect(d).toEqual([{ kind: 'instruction', keyword: 'RUN', flags: ['--mount=type=cache,target=/x'], args: ['apt-get', 'install', '"a  b"'], heredocs: [] }]);
  });

  it('joins continuation lines without adding a space', () => {
    expect(semanticDump('RUN echo foo\\\nbar\n')[0].args).toEqual(['echo', 'foobar']);
  });

  it('treats legacy ENV values as one exact string', () => {
    expect(semanticDump('ENV A b   c\n')[0].args).toEqual(['A b   c']);
    expect(semanticDump('ENV A=b   C=d\n')[0].args).toEqual(['A=b', 'C=d']);
  });

  it('keeps exec-form strings as written', () => {
    expect(semanticDump('CMD [ "a\\u0041" ,"b" ]\n')[0].json).toEqual(['"a\\u0041"', '"b"']);
  });
});

describe('semanticDump build level (used to compare other formatters)', () => {
  const same = (a: string, b: string): boolean => JSON.stringify(semanticDump(a, 'build')) === JSON.stringify(semanticDump(b, 'build'));

  it('ignores layout, quoting style and comments that do not change the build', () => {
    expect(same('ENV PORT 80\n', 'ENV PORT=80\n')).toBe(true);
    expect(same('ENV A "x y"\n', 'ENV A="x y"\n')).toBe(true);
    expect(same('FROM a as b\n', 'FROM a AS b\n')).toBe(true);
    expect(same('RUN a&&b\n', 'RUN a && b\n')).toBe(true);
    expect(same('RUN x=$(echo   a)\n', 'RUN x=$(echo a)\n')).toBe(true);
    expect(same('CMD [ "a" ]\n', 'CMD ["a"]\n')).toBe(true);
    expect(same('HEALTHCHECK CMD [ "a","b" ]\n', 'HEALTHCHECK CMD ["a", "b"]\n')).toBe(true);
    expect(same('# c\nFROM a\n', 'FROM a\n')).toBe(true);
    expect(same('COPY ["a", "b"]\n', 'COPY a b\n')).toBe(true);
  });

  it('still sees changes that alter the build', () => {
    expect(same('RUN echo "a  b"\n', 'RUN echo "a b"\n')).toBe(false);
    expect(same('RUN echo foo\\\nbar\n', 'RUN echo foo \\\nbar\n')).toBe(false);
    expect(same('ARG A \\\n  B=1\n', 'ARG A\nB=1\n')).toBe(false);
    expect(same('\n# syntax=x\nFROM a\n', '# syntax=x\nFROM a\n')).toBe(false);
    expect(same("CMD ['a','b']\n", "CMD ['a', 'b']\n")).toBe(false);
  });
});
