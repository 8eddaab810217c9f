/**
 * Property and fuzz tests (fast-check): generated Dockerfiles and mutated corpus files must never
 * crash dockerfix, and what it writes must lex, be stable and change nothing it had no reason to.
 *
 * Seeded and bounded for CI (FUZZ_SEED, FUZZ_RUNS; `npm run fuzz` runs many more). A failure
 * prints fast-check's seed and path, and the shrunk counterexample, so it can be replayed:
 *   FUZZ_SEED=<seed> FUZZ_RUNS=<n> npx vitest run test/fuzz.test.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerfileDocument } from '../src/document.js';
import { processText, type ProcessOptions } from '../src/engine.js';
import { main, type Io } from '../src/cli.js';
import { loadTransforms } from '../transforms/index.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
/** Runs per property; the CI default keeps this file well under two minutes. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
// The shared corpus sits beside the repository (../shared), or beside the worktrees' parent.
const CORPUS =
  ['../../shared/corpus/cases', '../../../shared/corpus/cases'].map((p) => path.resolve(import.meta.dirname, p)).find((p) => fs.existsSync(p)) ??
  path.resolve(import.meta.dirname, '../../shared/corpus/cases');

let opts: ProcessOptions;
let pipOnly: ProcessOptions;
let formatter: { format: (t: string) => { output?: string; error?: unknown }; semanticDump: (t: string) => unknown } | null = null;

beforeAll(async () => {
  opts = { transforms: await loadTransforms(), noContext: true };
  pipOnly = { transforms: await loadTransforms(['pip-cache-mount', 'syntax-directive']), noContext: true };
  // The formatter (src/format/) joins in when it is part of the tree.
  const fmtPath = path.resolve(import.meta.dirname, '../src/format/index.ts');
  if (fs.existsSync(fmtPath)) {
    const m = (await import(fmtPath)) as { format?: unknown; semanticDump?: unknown };
    if (typeof m.format === 'function' && typeof m.semanticDump === 'function') formatter = m as typeof formatter;
  }
  if (!formatter) console.log('fuzz: formatter (src/format/) not present; its semantic-dump property is skipped');
});

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

const KEYWORDS = ['FROM', 'RUN', 'COPY', 'ADD', 'ENV', 'ARG', 'WORKDIR', 'USER', 'CMD', 'ENTRYPOINT', 'EXPOSE', 'LABEL', 'SHELL', 'HEALTHCHECK', 'VOLUME', 'STOPSIGNAL', 'ONBUILD', 'MAINTAINER'];
const FLAGS = ['--mount=type=cache,target=/root/.cache/pip', '--mount=type=bind,source=.,target=/src', '--from=builder', '--chown=1000:1000', '--link', '--network=none', '--platform=$BUILDPLATFORM', '--chmod=755', '--security=insecure', '--', '--mount=type=secret,id=x'];
const WORDS = [
  'pip', 'pip3', 'install', '--no-cache-dir', '-r', 'requirements.txt', 'python', '-m', 'apt-get', 'update', '-y', 'npm', 'ci', 'yarn', '&&', '||', ';', '|', '&', '>', '2>&1', '>>', '<', '(', ')', '{', '}',
  '"quoted word"', "'single quoted'", '"$HOME/x"', '$VAR', '${VAR:-default}', '$(uname -m)', '`date`', '*.txt', '[a]', 'a=b', 'PIP_NO_CACHE_DIR=1', '/root/.cache/pip', '.', './', '/app', 'builder', 'AS', 'as', 'node:20', 'python:3.12-slim', 'alpine', 'mcr.microsoft.com/windows/servercore:ltsc2022',
  '["python", "app.py"]', '[', ']', '"', "'", '\\', '#', '# not a comment', '<<', '<<EOF', '=', '==', 'é', '日本語', '🐳', '\u200b', '\t', 'sudo', 'env', 'useradd', '-m', 'app', 'root', '0:0', 'x'.repeat(300),
];

const keyword = fc.constantFrom(...KEYWORDS).chain((k) => fc.constantFrom(k, k.toLowerCase(), k[0] + k.slice(1).toLowerCase()));
const word = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...WORDS) }, { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, ' ')) });

interface GenLine {
  kind: 'instr' | 'comment' | 'blank' | 'heredoc';
  text: string[];
}

/** One instruction, possibly over several physical lines (continuations, inner comments). */
const instruction = (esc: string): fc.Arbitrary<GenLine> =>
  fc
    .record({
      kw: keyword,
      indent: fc.constantFrom('', '', '  ', '\t'),
      flags: fc.array(fc.constantFrom(...FLAGS), { maxLength: 2 }),
      words: fc.array(word, { minLength: 0, maxLength: 10 }),
      breaks: fc.array(fc.nat(10), { maxLength: 3 }),
      innerComment: fc.boolean(),
      innerBlank: fc.boolean(),
      json: fc.boolean(),
    })
    .map(({ kw, indent, flags, words, breaks, innerComment, innerBlank, json }) => {
      const parts = [...flags, ...(json && words.length ? [JSON.stringify(words)] : words)];
      const lines: string[] = [];
      let cur = `${indent}${kw}`;
      parts.forEach((p, i) => {
        if (breaks.includes(i) && i > 0) {
          lines.push(`${cur} ${esc}`);
          if (innerComment) lines.push('  # inner comment');
          if (innerBlank) lines.push('');
          cur = '    ' + p;
        } else cur += ' ' + p;
      });
      lines.push(cur);
      return { kind: 'instr' as const, text: lines };
    });

const heredoc: fc.Arbitrary<GenLine> = fc
  .record({
    kw: fc.constantFrom('RUN', 'COPY', 'RUN bash', 'ADD'),
    dash: fc.boolean(),
    quote: fc.constantFrom('', "'", '"'),
    name: fc.constantFrom('EOF', 'SCRIPT', 'END_1'),
    body: fc.array(fc.array(word, { maxLength: 6 }).map((ws) => ws.join(' ')), { maxLength: 5 }),
    terminated: fc.nat(20).map((n) => n > 0),
  })
  .map(({ kw, dash, quote, name, body, terminated }) => {
    const marker = `<<${dash ? '-' : ''}${quote}${name}${quote}`;
    const head = kw.startsWith('COPY') || kw.startsWith('ADD') ? `${kw} ${marker} /app/file.txt` : `${kw} ${marker}`;
    const lines = [head, ...body.map((b) => (dash ? '\t' : '') + b.replace(new RegExp(`^\\s*${name}\\s*$`), 'x'))];
    if (terminated) lines.push((dash ? '\t' : '') + name);
    return { kind: 'heredoc' as const, text: lines };
  });

const dockerfile: fc.Arbitrary<string> = fc
  .record({
    escape: fc.constantFrom('\\', '\\', '\\', '`'),
    syntax: fc.boolean(),
    bom: fc.nat(9).map((n) => n === 0),
    eol: fc.constantFrom('\n', '\n', '\r\n', 'mixed'),
    trailingNewline: fc.boolean(),
    longLine: fc.nat(19).map((n) => n === 0),
    seed: fc.nat(),
  })
  .chain((head) =>
    fc
      .array(
        fc.oneof(
          { weight: 10, arbitrary: instruction(head.escape) },
          { weight: 2, arbitrary: fc.constantFrom<GenLine>({ kind: 'comment', text: ['# a comment'] }, { kind: 'comment', text: ['#syntax=late-is-a-comment'] }) },
          { weight: 2, arbitrary: fc.constant<GenLine>({ kind: 'blank', text: [''] }) },
          { weight: 2, arbitrary: heredoc },
        ),
        { minLength: 0, maxLength: 14 },
      )
      .map((body) => {
        const lines: string[] = [];
        if (head.syntax) lines.push('# syntax=docker/dockerfile:1');
        if (head.escape === '`') lines.push('# escape=`');
        lines.push('FROM python:3.12-slim AS base');
        for (const b of body) lines.push(...b.text.map((t) => (head.escape === '`' ? t.replace(/ \\$/, ' `') : t)));
        if (head.longLine) lines.push('RUN echo ' + 'y'.repeat(20000) + ' && pip install --no-cache-dir flask');
        let out = '';
        lines.forEach((l, i) => {
          const eol = head.eol === 'mixed' ? ((head.seed >> i % 30) & 1 ? '\r\n' : '\n') : head.eol;
          out += l + (i < lines.length - 1 || head.trailingNewline ? eol : '');
        });
        return (head.bom ? '\ufeff' : '') + out;
      }),
  );

// ---------------------------------------------------------------------------------------------
// Invariants
// ---------------------------------------------------------------------------------------------

/** What the inputs did, printed at the end: a generator that never reaches a case tests nothing. */
const stats = { inputs: 0, changed: 0, unchanged: 0, inputErrors: 0 };
afterAll(() => console.log(`fuzz: ${stats.inputs} inputs: ${stats.changed} changed, ${stats.unchanged} unchanged, ${stats.inputErrors} input errors (seed ${SEED})`));

function checkInvariants(raw: string): void {
  const r = processText(raw, 'fuzz/Dockerfile', opts);
  stats.inputs++;
  if (r.error && !r.internal) stats.inputErrors++;
  else if (r.changed) stats.changed++;
  else stats.unchanged++;
  // No internal error: a transform crashing, bad edits or a failed self-check is a bug.
  if (r.internal) throw new Error(`internal error: ${r.error?.message}`);
  // `--check` (stop at the first change) says the same as the whole run.
  const first = processText(raw, 'fuzz/Dockerfile', { ...opts, firstChange: true });
  expect({ changed: first.changed, error: first.error?.message }).toEqual({ changed: r.changed, error: r.error?.message });
  if (r.error) {
    // A parse error (bad escape directive, unterminated heredoc): the file is left as it is.
    expect(r.after).toBe(raw);
    expect(r.changed).toBe(false);
    return;
  }
  const changes = r.findings.filter((f) => f.kind === 'change');
  if (!r.changed) {
    // Nothing applied: byte-identical, and no change was claimed.
    expect(r.after).toBe(raw);
    expect(changes).toEqual([]);
    return;
  }
  expect(changes.length).toBeGreaterThan(0);
  // The BOM stays as it was.
  expect(r.after.startsWith('\ufeff')).toBe(raw.startsWith('\ufeff'));
  // The output lexes.
  expect(() => new DockerfileDocument(r.after.replace(/^\ufeff/, ''))).not.toThrow();
  // Idempotent: a second run changes nothing.
  const again = processText(r.after, 'fuzz/Dockerfile', opts);
  expect(again.error?.message).toBeUndefined();
  expect(again.after).toBe(r.after);
}

function checkFormatter(raw: string): void {
  if (!formatter) return;
  const text = raw.replace(/^\ufeff/, '');
  let before: unknown;
  try {
    before = formatter.semanticDump(text);
  } catch {
    return; // input does not lex: the formatter refuses it too
  }
  const f = formatter.format(text);
  if (f.error || f.output === undefined) return;
  expect(formatter.semanticDump(f.output)).toEqual(before);
}

const fcParams = (runs = RUNS) => ({ seed: SEED, numRuns: runs, endOnFailure: true });

describe('fuzz: generated Dockerfiles', () => {
  it('never crash; output lexes, is idempotent, and is byte-identical when nothing applies', () => {
    fc.assert(fc.property(dockerfile, (raw) => checkInvariants(raw)), fcParams());
  });

  it('the formatter keeps the semantic dump', () => {
    if (!formatter) return;
    fc.assert(fc.property(dockerfile, (raw) => checkFormatter(raw)), fcParams());
  });

  it('pip-cache-mount leaves files without any pip step byte-identical', () => {
    const noPip = dockerfile.filter((t) => !/pip|<</i.test(t));
    fc.assert(
      fc.property(noPip, (raw) => {
        const r = processText(raw, 'fuzz/Dockerfile', pipOnly);
        expect(r.internal).toBeFalsy();
        expect(r.after).toBe(raw);
      }),
      fcParams(),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Mutations of corpus files
// ---------------------------------------------------------------------------------------------

const corpusFiles = fs.existsSync(CORPUS)
  ? fs
      .readdirSync(CORPUS)
      .sort()
      .map((id) => path.join(CORPUS, id, 'Dockerfile'))
      .filter((f) => fs.existsSync(f))
  : [];

type Mutation = (t: string, a: number, b: number) => string;
const MUTATIONS: Record<string, Mutation> = {
  deleteLine: (t, a) => {
    const l = t.split('\n');
    l.splice(a % Math.max(1, l.length), 1);
    return l.join('\n');
  },
  duplicateLine: (t, a) => {
    const l = t.split('\n');
    const i = a % Math.max(1, l.length);
    l.splice(i, 0, l[i] ?? '');
    return l.join('\n');
  },
  swapLines: (t, a, b) => {
    const l = t.split('\n');
    const i = a % Math.max(1, l.length);
    const j = b % Math.max(1, l.length);
    [l[i], l[j]] = [l[j], l[i]];
    return l.join('\n');
  },
  insertChar: (t, a, b) => {
    const i = a % (t.length + 1);
    return t.slice(0, i) + ['\\', '`', '"', "'", '<<EOF', '#', '\n', '\r\n', ' \\\n', '$', '{', '}', '[', '\t', 'é', '\u0000'.replace('\u0000', '🐳')][b % 17] + t.slice(i);
  },
  deleteChar: (t, a) => {
    const i = a % Math.max(1, t.length);
    return t.slice(0, i) + t.slice(i + 1);
  },
  truncate: (t, a) => t.slice(0, a % (t.length + 1)),
  crlf: (t) => t.replace(/\r?\n/g, '\r\n'),
  bom: (t) => (t.startsWith('\ufeff') ? t.slice(1) : '\ufeff' + t),
  backtickEscape: (t) => '# escape=`\n' + t.replace(/\\(\r?\n)/g, '`$1'),
  addPip: (t, a) => {
    const l = t.split('\n');
    l.splice(1 + (a % Math.max(1, l.length)), 0, 'RUN pip install --no-cache-dir -r requirements.txt');
    return l.join('\n');
  },
};

describe('fuzz: mutated corpus files', () => {
  it.skipIf(corpusFiles.length === 0)('never crash; output lexes, is idempotent, and is byte-identical when nothing applies', () => {
    const texts = new Map<string, string>();
    const read = (f: string): string => {
      let t = texts.get(f);
      if (t === undefined) texts.set(f, (t = fs.readFileSync(f, 'utf8')));
      return t;
    };
    const mutation = fc.record({
      file: fc.constantFrom(...corpusFiles),
      steps: fc.array(fc.tuple(fc.constantFrom(...Object.keys(MUTATIONS)), fc.nat(), fc.nat()), { minLength: 1, maxLength: 4 }),
    });
    fc.assert(
      fc.property(mutation, ({ file, steps }) => {
        let t = read(file);
        for (const [m, a, b] of steps) t = MUTATIONS[m](t, a, b);
        checkInvariants(t);
        checkFormatter(t);
      }),
      fcParams(RUNS * 2),
    );
  });
  if (corpusFiles.length === 0) console.log(`fuzz: corpus not found at ${CORPUS}; mutation fuzzing skipped`);
});

// ---------------------------------------------------------------------------------------------
// --write then --check through the CLI (in-process)
// ---------------------------------------------------------------------------------------------

function fakeIo(cwd: string): { io: Io; stdout: () => string; stderr: () => string } {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (d) => (o += d));
  err.on('data', (d) => (e += d));
  return { io: { stdout: out, stderr: err, stdin: new PassThrough(), env: { NO_COLOR: '1' }, cwd }, stdout: () => o, stderr: () => e };
}

describe('fuzz: --write then --check', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-fuzz-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('--check exits 0 after --write (or both report the same input error)', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(dockerfile, async (raw) => {
        const file = path.join(dir, `Dockerfile.${n++}`);
        fs.writeFileSync(file, raw);
        const w = fakeIo(dir);
        const wrote = await main(['node', 'dockerfix', '--write', '--no-context', file], w.io);
        const c = fakeIo(dir);
        const checked = await main(['node', 'dockerfix', '--check', '--no-context', file], c.io);
        if (wrote === 2) {
          // An input error: nothing was written, and --check reports it again.
          expect(fs.readFileSync(file, 'utf8')).toBe(raw);
          expect(checked).toBe(2);
        } else {
          expect(wrote, w.stderr()).toBe(0);
          expect(checked, c.stdout() + c.stderr()).toBe(0);
        }
        fs.rmSync(file);
      }),
      fcParams(Math.max(10, Math.floor(RUNS / 5))),
    );
  });
});
