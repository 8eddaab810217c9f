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
import { CORPUS_CASES, corpusFor } from './helpers/corpus.js';
import { DockerfileDocument } from '../src/core/document.js';
import { processText, type ProcessOptions } from '../src/pipeline/engine.js';
import { main, type Io } from '../src/cli/main.js';
import { loadTransforms } from '../transforms/index.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
/** Runs per property; the CI default keeps this file well under two minutes. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
// The shared corpus (test/helpers/corpus.ts says where; DOCKERFIX_SHARED / DOCKERFIX_CORPUS).
const CORPUS = CORPUS_CASES;

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
// Valid Dockerfiles (inputs BuildKit accepts): no internal error
// ---------------------------------------------------------------------------------------------

/**
 * Realistic steps: volatile ARGs and what they feed, installs, scripts, copies, state changes,
 * metadata, pragmas. Every output is a Dockerfile BuildKit parses (first instruction FROM after
 * global ARGs, terminated heredocs, known keywords), in every layout a real file has: CRLF or
 * mixed line endings, no final newline, the backtick escape, continuations with inner comments,
 * and a last instruction that ends in the escape character.
 */
const VALID_STEPS: Array<string | string[]> = [
  'ARG BUILD_DATE', 'ARG VERSION=1.0.0', 'ARG COMMIT_HASH', 'ARG CACHEBUST=1', 'ARG TIMESTAMP', 'ARG GIT_SHA', 'ARG APP_DIR=/app', 'ARG BUILD_NUMBER',
  'ENV COMMIT_HASH=$COMMIT_HASH', 'ENV APP_VERSION=${VERSION}', 'ENV DEBIAN_FRONTEND=noninteractive', 'ENV APP_HOME=/app', 'ENV PATH=/app/bin:$PATH', 'ENV PYTHONUNBUFFERED=1',
  'LABEL org.opencontainers.image.created=$BUILD_DATE', 'LABEL org.opencontainers.image.revision="${GIT_SHA}"', 'LABEL maintainer="dev@example.com"', 'LABEL version=$VERSION',
  'RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates && rm -rf /var/lib/apt/lists/*',
  ['RUN apt-get update \\', '    && apt-get install -y --no-install-recommends \\', '        build-essential git \\', '    # clean up', '    && rm -rf /var/lib/apt/lists/*'],
  'RUN apk add --no-cache git curl', 'RUN pip install --no-cache-dir -r requirements.txt', 'RUN pip install flask gunicorn', 'RUN python -m pip install -e .',
  'RUN npm ci', 'RUN npm install && npm run build', 'RUN yarn install --frozen-lockfile', 'RUN go mod download', 'RUN go build -o /out/app ./cmd/app', 'RUN CGO_ENABLED=0 go build -o /app .',
  'RUN make build', 'RUN /build.sh', 'RUN ./scripts/build.sh', 'RUN mkdir -p /app/data', 'RUN useradd -m app', 'RUN curl -fsSL https://example.com/x.tar.gz -o /tmp/x.tar.gz',
  'RUN echo "$VERSION" > /version', 'RUN cargo build --release', 'RUN mvn -B package -DskipTests', 'RUN bundle install', 'RUN composer install --no-dev',
  'RUN sh -c "$(curl -fsSL https://example.com/install.sh)"', 'RUN chmod +x /usr/local/bin/entrypoint.sh', 'RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt',
  ['RUN <<EOF', 'set -eux', 'apt-get update', 'apt-get install -y curl', 'EOF'], ['COPY <<EOF /etc/app.conf', 'key=value', 'EOF'],
  'COPY . .', 'COPY . /app', 'COPY . /app/', 'COPY requirements.txt .', 'COPY requirements.txt /app/', 'COPY package*.json ./', 'COPY package.json yarn.lock ./', 'COPY go.mod go.sum ./', 'COPY Gemfile Gemfile.lock ./',
  'COPY --from=builder /out/app /usr/local/bin/app', 'COPY --chown=app:app . /app', 'COPY scripts/ /scripts/', 'COPY build.sh /build.sh', 'COPY app.py .', 'ADD https://example.com/a.tgz /tmp/', 'COPY entrypoint.sh /usr/local/bin/',
  'WORKDIR /app', 'WORKDIR /src', 'WORKDIR $APP_DIR', 'USER app', 'USER root', 'USER 1000:1000',
  'EXPOSE 8080', 'CMD ["python", "app.py"]', 'CMD python app.py', 'ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]', 'HEALTHCHECK CMD curl -f http://localhost/ || exit 1', 'VOLUME /data', 'STOPSIGNAL SIGTERM',
  'ONBUILD RUN echo hi', 'SHELL ["/bin/bash", "-o", "pipefail", "-c"]',
  'ENV A=1 APP_REV=$GIT_SHA', ['LABEL org.opencontainers.image.version=$VERSION \\', '      org.opencontainers.image.created=$BUILD_DATE'], '  RUN pip install --no-cache-dir -r /app/requirements.txt   ',
  ['RUN set -e; \\', '', '    apk add --no-cache bash'], ['RUN apt-get update && \\', '    # the tools', '    apt-get install -y make'], 'COPY --link requirements.txt /app/', 'ARG VERSION', 'RUN go mod download && go build ./...',
  'RUN npm ci --omit=dev', 'RUN bundle install --jobs 4', 'RUN ["npm", "ci"]', 'COPY ["package.json", "package-lock.json", "./"]',
  ['# labels', 'LABEL a=1', 'LABEL b=$BUILD_DATE'], 'ENV APP_ENV production', '\tRUN apk add --no-cache tini', 'RUN powershell -Command Write-Host hi', 'LABEL version=$VERSION build=$BUILD_NUMBER',
  ['RUN pip install \\', '    flask \\', '   '], 'ARG GIT_SHA=unknown', 'ENV VERSION=$VERSION', 'RUN echo $GIT_SHA > /sha', 'COPY --chmod=755 entrypoint.sh /entrypoint.sh',
  ['RUN apt-get update && \\', '\\', '    apt-get install -y curl'], ['RUN \\', '  # first', '  pip install -r requirements.txt'], ['RUN apk add \\', '  \t ', '  curl'],
  ['RUN --mount=type=cache,target=/root/.cache/pip \\', '    pip install -r requirements.txt'], ['RUN <<EOF bash', 'npm ci', 'EOF'], ['RUN pip install -r requirements.txt && \\', '    # comment with a backslash \\', '    python -m compileall .'],
];
const VALID_NOTES = ['# a comment', '# install the tools', '# dockerfix-ignore', '# dockerfix-ignore hoist-stable', '# dockerfix-ignore sink-volatile,split-copy', ''];
const IMAGES = ['debian:bookworm', 'python:3.12-slim', 'node:20', 'alpine:3.20', 'golang:1.22 AS builder', 'ubuntu:22.04', 'ruby:3.3', 'python:3.12-slim AS app', 'builder', 'node:20-alpine AS build', 'mcr.microsoft.com/windows/servercore:ltsc2022'];

export const validDockerfile: fc.Arbitrary<string> = fc
  .record({
    escape: fc.constantFrom('\\', '\\', '\\', '`'),
    syntax: fc.boolean(),
    bom: fc.nat(9).map((n) => n === 0),
    eol: fc.constantFrom('\n', '\n', '\r\n', 'mixed'),
    trailingNewline: fc.boolean(),
    /** The last instruction ends in the escape character (BuildKit accepts it). */
    dangling: fc.nat(3).map((n) => n === 0),
    danglingTail: fc.constantFrom([], [''], ['# trailing comment'], ['', '']),
    globalArg: fc.boolean(),
    lower: fc.nat(9).map((n) => n === 0),
    seed: fc.nat(),
    stages: fc.array(
      fc.record({
        image: fc.constantFrom(...IMAGES),
        steps: fc.array(
          fc.oneof(
            { weight: 8, arbitrary: fc.constantFrom(...VALID_STEPS.keys()).map((k) => ({ step: k, note: -1 })) },
            { weight: 3, arbitrary: fc.record({ step: fc.constantFrom(...VALID_STEPS.keys()), note: fc.nat(VALID_NOTES.length - 1) }) },
            { weight: 1, arbitrary: fc.record({ step: fc.constantFrom(...VALID_STEPS.keys()), note: fc.nat(VALID_NOTES.length - 1), note2: fc.nat(VALID_NOTES.length - 1) }) },
          ),
          { minLength: 1, maxLength: 12 },
        ),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  })
  .map((g) => {
    const lines: string[] = [];
    if (g.syntax) lines.push('# syntax=docker/dockerfile:1');
    if (g.escape === '`') lines.push('# escape=`');
    if (g.globalArg) lines.push('ARG BASE_TAG=latest', 'ARG VERSION=1');
    const kw = (l: string): string => (g.lower ? l.replace(/^(\s*)([A-Z]+)/, (_m, s: string, k: string) => s + k.toLowerCase()) : l);
    for (const st of g.stages) {
      lines.push(kw(`FROM ${st.image}`));
      for (const { step, note, note2 } of st.steps as Array<{ step: number; note: number; note2?: number }>) {
        if (note >= 0) lines.push(VALID_NOTES[note]);
        if (note2 !== undefined) lines.push(VALID_NOTES[note2]);
        const s = VALID_STEPS[step];
        const ls = typeof s === 'string' ? [s] : s;
        lines.push(...ls.map((l, i) => (i === 0 ? kw(l) : l)));
      }
    }
    const last = g.stages[g.stages.length - 1].steps.at(-1)!;
    const lastStep = VALID_STEPS[last.step];
    if (g.dangling && !(Array.isArray(lastStep) && lastStep[lastStep.length - 1] === 'EOF')) {
      lines[lines.length - 1] += ' \\';
      lines.push(...g.danglingTail);
    }
    // The backtick escape: continuations use it; Windows-style paths are not generated.
    const body = g.escape === '`' ? lines.map((l) => l.replace(/(^| )\\$/, '$1`')) : lines;
    let out = '';
    body.forEach((l, i) => {
      const eol = g.eol === 'mixed' ? ((g.seed >> i % 30) & 1 ? '\r\n' : '\n') : g.eol;
      out += l + (i < body.length - 1 || g.trailingNewline ? eol : '');
    });
    return (g.bom ? '\ufeff' : '') + out;
  });

/** Inputs of the valid-input property (CI default 300, a few seconds; FUZZ_VALID_RUNS=10000 to hunt). */
const VALID_RUNS = Number(process.env.FUZZ_VALID_RUNS ?? RUNS * 2);

describe('fuzz: valid Dockerfiles', () => {
  it('never give an internal error (default and --unsafe); the output is stable and --check agrees', () => {
    const inputs = fc.sample(validDockerfile, { seed: SEED, numRuns: VALID_RUNS });
    const errors = new Map<string, { count: number; input: string }>();
    let internal = 0;
    let other = 0;
    const modes: Array<[string, ProcessOptions]> = [
      ['default', opts],
      ['unsafe', { ...opts, options: { unsafe: true } }],
    ];
    for (const raw of inputs) {
      for (const [mode, o] of modes) {
        const r = processText(raw, 'fuzz/Dockerfile', o);
        let problem: string | null = null;
        if (r.internal) problem = r.error!.message;
        else if (r.error) problem = `input error on a valid file: ${r.error.message}`;
        else if (r.changed) {
          const again = processText(r.after, 'fuzz/Dockerfile', o);
          if (again.error || again.after !== r.after) problem = `second run differs: ${again.error?.message ?? 'changed'}`;
        }
        if (!problem) {
          // `--check` (stop at the first change) says the same.
          const first = processText(raw, 'fuzz/Dockerfile', { ...o, firstChange: true });
          if (first.changed !== r.changed || !!first.error !== !!r.error) problem = `--check disagrees: ${first.error?.message ?? (first.changed ? 'would change' : 'unchanged')}`;
        }
        if (!problem) continue;
        if (r.internal) internal++;
        else other++;
        const key = `${mode}: ${problem.replace(/\d+/g, 'N').replace(/`[^`]*`/g, '`…`').slice(0, 160)}`;
        const e = errors.get(key);
        if (!e) errors.set(key, { count: 1, input: raw });
        else {
          e.count++;
          if (raw.length < e.input.length) e.input = raw;
        }
      }
    }
    console.log(`fuzz: ${inputs.length} valid inputs x 2 modes: ${internal} internal errors, ${other} other problems (seed ${SEED})`);
    for (const [k, e] of [...errors].sort((a, b) => b[1].count - a[1].count)) console.log(`  ${e.count} x ${k}\n    smallest input: ${JSON.stringify(e.input)}`);
    expect([...errors.keys()]).toEqual([]);
  }, Math.max(60_000, VALID_RUNS * 30));
});

// ---------------------------------------------------------------------------------------------
// Mutations of corpus files
// ---------------------------------------------------------------------------------------------

const corpusFiles = corpusFor('fuzz: corpus mutations')
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
