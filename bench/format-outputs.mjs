#!/usr/bin/env node
/**
 * Output fingerprint of the formatter and the lexer, for optimisation work that must not change
 * any output (like bench/corpus-outputs.mjs for the transform pipeline). Inputs: every corpus
 * Dockerfile, every formatter fixture (input and expected output), every BuildKit parser test
 * file (positive and negative), and a re-laid-out variant of each corpus file (indentation,
 * trailing blanks, keyword case, CRLF; the same generator as test/format-corpus.test.ts). Per
 * input: `format()` with four option sets (default, indent 2, tabs, CRLF), the strict and build
 * semantic dumps, and the lexer's whole result (nodes, directives, escape, or its error) and
 * `logicalLine`/`logicalView` of every instruction; one sha256 line per input and part.
 *
 *   npm run build && node bench/format-outputs.mjs --out /tmp/before.txt
 *   (change things, build again)
 *   node bench/format-outputs.mjs --compare /tmp/before.txt    # exit 1 on any difference
 *
 * Options: --dist <dir> (default dist/ of this repository).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const dist = path.resolve(opt('--dist') ?? path.join(root, 'dist'));
const load = (rel) => import(pathToFileURL(path.join(dist, rel)).href);
const { format, semanticDump } = await load('src/format/index.js');
const { lex, logicalLine, logicalView } = await load('src/core/lexer.js');

const shared = [process.env.DOCKERFIX_SHARED, path.resolve(root, '../shared'), path.resolve(root, '../../shared')]
  .filter(Boolean)
  .find((p) => fs.existsSync(path.join(p, 'corpus')));
if (!shared) {
  console.error('format-outputs: shared data not found');
  process.exit(2);
}

/** [name, text] of every input. */
const inputs = [];
const dirFiles = (dir, file) =>
  fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .sort()
        .filter((c) => fs.existsSync(path.join(dir, c, file)))
        .map((c) => [c, fs.readFileSync(path.join(dir, c, file), 'utf8')])
    : [];
const corpus = dirFiles(path.join(shared, 'corpus/cases'), 'Dockerfile');
for (const [c, t] of corpus) inputs.push([`corpus/${c}`, t]);
for (const f of ['input.Dockerfile', 'output.Dockerfile']) for (const [c, t] of dirFiles(path.join(root, 'test/format-fixtures'), f)) inputs.push([`fixture/${c}/${f}`, t]);
for (const d of ['testfiles', 'testfiles-negative']) for (const [c, t] of dirFiles(path.join(shared, 'buildkit-parser-tests', d), 'Dockerfile')) inputs.push([`buildkit/${d}/${c}`, t]);
let seed = 42;
const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
for (const [c, t] of corpus) {
  const lines = t.split('\n').map((l) => {
    const r = rnd();
    if (r < 0.15) return ' '.repeat(Math.floor(rnd() * 6)) + l.trimStart();
    if (r < 0.25) return l + (rnd() < 0.5 ? '  ' : '\t');
    if (r < 0.3) return '\t' + l;
    if (r < 0.35) return l.replace(/^(\s*)([A-Z]+)\b/, (_m, a, b) => a + b.toLowerCase());
    return l;
  });
  inputs.push([`variant/${c}`, lines.join(rnd() < 0.2 ? '\r\n' : '\n')]);
}

const hash = (v) => crypto.createHash('sha256').update(typeof v === 'string' ? v : JSON.stringify(v)).digest('hex').slice(0, 24);
const safe = (f) => {
  try {
    return f();
  } catch (e) {
    return { thrown: String(e?.constructor?.name), message: e?.message, line: e?.line, column: e?.column };
  }
};
const OPTIONS = [{}, { indent: 2 }, { useTabs: true }, { endOfLine: 'crlf' }];
const out = [];
for (const [name, text] of inputs) {
  for (const [k, o] of OPTIONS.entries()) out.push(`${name} format${k} ${hash(safe(() => format(text, o)))}`);
  out.push(`${name} dump ${hash(safe(() => semanticDump(text.replace(/^\ufeff/, ''))))}`);
  out.push(`${name} build ${hash(safe(() => semanticDump(text.replace(/^\ufeff/, ''), 'build')))}`);
  const lexed = safe(() => lex(text));
  out.push(`${name} lex ${hash(lexed)}`);
  if (lexed.nodes) {
    const views = lexed.nodes
      .filter((n) => n.type === 'instruction')
      .map((n) => {
        const l = logicalLine(text, n);
        const v = logicalView(text, n);
        const at = [];
        for (let i = 0; i <= v.text.length; i++) at.push(v.at(i));
        const index = [];
        for (let o = n.start; o <= n.logicalEnd + 1; o++) index.push(v.index(o));
        return [l.text, Array.from(l.map), v.text, at, index];
      });
    out.push(`${name} logical ${hash(views)}`);
  }
}
const text = out.join('\n') + '\n';
const compare = opt('--compare');
if (opt('--out')) fs.writeFileSync(opt('--out'), text);
if (compare) {
  const before = fs.readFileSync(compare, 'utf8').split('\n');
  const now = text.split('\n');
  let diffs = 0;
  for (let i = 0; i < Math.max(before.length, now.length); i++) {
    if (before[i] !== now[i]) {
      if (diffs++ < 20) console.log(`differs: ${before[i] ?? '(none)'} -> ${now[i] ?? '(none)'}`);
    }
  }
  console.log(`format-outputs: ${inputs.length} inputs, ${now.length - 1} fingerprints, ${diffs} differences`);
  process.exit(diffs ? 1 : 0);
}
if (!opt('--out')) process.stdout.write(text);
else console.log(`format-outputs: ${inputs.length} inputs, ${out.length} fingerprints -> ${opt('--out')}`);
