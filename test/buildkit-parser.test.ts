/**
 * BuildKit's own parser test suite (moby/buildkit frontend/dockerfile/parser/testfiles), read
 * from ../shared/buildkit-parser-tests (never copied here): every `testfiles/<case>/Dockerfile`
 * goes through dockerfix's lexer and document model, rendered in BuildKit's dump format
 * (test/helpers/buildkit-dump.ts), and must equal BuildKit's `result` line for line: keywords,
 * flags, exec-form arrays, shell-form text after continuation removal, ENV/LABEL/ARG pairs,
 * HEALTHCHECK and ONBUILD nesting. A case that cannot agree is listed in DIFFERENCES with the
 * reason. The `testfiles-negative` cases (files BuildKit's parser rejects) each carry dockerfix's
 * decision, asserted through the CLI.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/core/source.js';
import { stripBom } from '../src/core/source.js';
import { buildkitDump } from './helpers/buildkit-dump.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';
import { BUILDKIT_PARSER_TESTS, sayMissing } from './helpers/corpus.js';

const SUITE = BUILDKIT_PARSER_TESTS;
const POSITIVE = path.join(SUITE, 'testfiles');
const NEGATIVE = path.join(SUITE, 'testfiles-negative');
const available = fs.existsSync(POSITIVE) && fs.existsSync(NEGATIVE);
if (!available) sayMissing('BuildKit parser suite', SUITE);

/** Cases whose dump cannot equal BuildKit's, with the reason. Empty: every case agrees. */
const DIFFERENCES: Record<string, string> = {};

/**
 * What dockerfix does with each file BuildKit's parser rejects, and why. `error`: exit 2 with
 * `Dockerfile:line:col: message`; `lenient`: exit 0, nothing to do, file untouched.
 */
const NEGATIVE_DECISIONS: Record<string, { expect: 'error'; stderr: string; why: string } | { expect: 'lenient'; why: string }> = {
  empty_dockerfile: { expect: 'lenient', why: 'an empty file has nothing to rewrite; BuildKit says "file with no instructions", dockerfix has nothing to do (as a formatter would)' },
  only_comments: { expect: 'lenient', why: 'comments only: nothing to rewrite, and nothing a rewrite could break; same as an empty file' },
  env_no_value: {
    expect: 'error',
    stderr: 'Dockerfile:3:1: ENV must have two arguments\n',
    why: 'BuildKit\'s parser error ("ENV must have two arguments"): the file does not build, so dockerfix reports it like any other parse error',
  },
  'shykes-nested-json': {
    expect: 'error',
    stderr: 'Dockerfile:1:5: when using JSON array syntax, arrays must be comprised of strings only\n',
    why: "BuildKit's parser error for a JSON array holding a non-string: the file does not build",
  },
};

const cases = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((c) => fs.existsSync(path.join(dir, c, 'Dockerfile'))).sort() : []);

describe.skipIf(!available)("BuildKit's parser test files", () => {
  const positive = cases(POSITIVE);

  it('has the 33 cases', () => {
    expect(positive.length).toBe(33);
    for (const c of Object.keys(DIFFERENCES)) expect(positive).toContain(c);
  });

  for (const c of positive) {
    it(`${c}${DIFFERENCES[c] ? ` (differs: ${DIFFERENCES[c]})` : ''}`, () => {
      const { text } = stripBom(fs.readFileSync(path.join(POSITIVE, c, 'Dockerfile'), 'utf8'));
      const expected = fs.readFileSync(path.join(POSITIVE, c, 'result'), 'utf8').split('\n').filter((l) => l !== '');
      const ours = buildkitDump(text);
      if (DIFFERENCES[c]) expect(ours).not.toEqual(expected);
      else expect(ours).toEqual(expected);
    });
  }

  it('the negative cases: each has a decision', () => {
    expect(cases(NEGATIVE)).toEqual(Object.keys(NEGATIVE_DECISIONS).sort());
  });

  for (const c of cases(NEGATIVE)) {
    const d = NEGATIVE_DECISIONS[c];
    it(`negative ${c}: ${d?.expect} (${d?.why})`, () => {
      const input = fs.readFileSync(path.join(NEGATIVE, c, 'Dockerfile'), 'utf8');
      const dir = tempDir({ Dockerfile: input });
      try {
        const r = runCli(['--write', 'Dockerfile'], dir);
        expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).toBe(input);
        if (d.expect === 'error') {
          expect(r.code).toBe(2);
          expect(r.stderr).toBe(d.stderr);
          expect(() => buildkitDump(input)).toThrow(InputError);
        } else {
          expect(r.code).toBe(0);
          expect(r.stderr).toBe('');
          expect(buildkitDump(input)).toEqual([]);
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
