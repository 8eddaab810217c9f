#!/usr/bin/env node
/**
 * Output fingerprint of the whole transform pipeline over the shared corpus, for optimisation
 * work that must not change any output: every corpus case runs with all transforms in 4 modes
 * (ListingContext.fromCorpusCase or NoContext, x unsafe off/on), and the sha256 of the result
 * (output text, findings with messages and positions, applied edits, error) is written one line
 * per case and mode. Findings are hashed in their version-1 shape (transform, kind, severity,
 * message, positions, fixKind): the diagnostic `code` and the finding -> edit links added with
 * the diagnostics contract are left out, so fingerprints stay comparable across it.
 *
 *   npm run build && node bench/corpus-outputs.mjs --out /tmp/before.txt
 *   (change things, build again)
 *   node bench/corpus-outputs.mjs --compare /tmp/before.txt    # exit 1 on any difference
 *
 * Options: --corpus <dir> (default ../shared/corpus or ../../shared/corpus from the repo, or
 * DOCKERFIX_CORPUS).
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
const given = opt('--corpus') ?? process.env.DOCKERFIX_CORPUS;
const corpus = [given, path.resolve(root, '../shared/corpus'), path.resolve(root, '../../shared/corpus')]
  .filter(Boolean)
  .map((p) => path.resolve(p))
  .find((p) => fs.existsSync(path.join(p, 'cases')));
if (!corpus) {
  console.error('corpus-outputs: no corpus found (pass --corpus <dir>)');
  process.exit(2);
}

const load = (rel) => import(pathToFileURL(path.join(root, 'dist', rel)).href);
const { runTransforms } = await load('src/core/runner.js');
const { ListingContext, NoContext } = await load('src/core/context.js');
const { stripBom } = await load('src/core/source.js');
const { loadTransforms } = await load('transforms/index.js');
const transforms = await loadTransforms();

const casesDir = path.join(corpus, 'cases');
const lines = [];
for (const id of fs.readdirSync(casesDir).sort()) {
  const file = path.join(casesDir, id, 'Dockerfile');
  if (!fs.existsSync(file)) continue;
  const { text, bom } = stripBom(fs.readFileSync(file, 'utf8'));
  for (const withContext of [true, false]) {
    for (const unsafe of [false, true]) {
      const buildContext = withContext ? ListingContext.fromCorpusCase(path.join(casesDir, id)) : new NoContext();
      const r = runTransforms(text, { transforms, options: { unsafe }, buildContext, path: file }, bom);
      const findings = r.findings.map(({ transform, kind, severity, message, line, column, endLine, endColumn, fixKind }) => ({ transform, kind, severity, message, line, column, endLine, endColumn, ...(fixKind ? { fixKind } : {}) }));
      const json = JSON.stringify({ output: r.output, changed: r.changed, findings, edits: r.edits, error: r.error ?? null });
      const hash = crypto.createHash('sha256').update(json).digest('hex').slice(0, 24);
      lines.push(`${id} ${withContext ? 'ctx' : 'noctx'} ${unsafe ? 'unsafe' : 'safe'} ${hash}`);
    }
  }
}
const result = lines.join('\n') + '\n';
const out = opt('--out');
if (out) fs.writeFileSync(out, result);
const compare = opt('--compare');
if (compare) {
  const want = fs.readFileSync(compare, 'utf8').split('\n');
  const diffs = lines.filter((l, i) => l !== want[i]);
  if (diffs.length || want.length !== lines.length + 1) {
    console.error(`corpus-outputs: ${diffs.length} of ${lines.length} results differ from ${compare}`);
    for (const d of diffs.slice(0, 20)) console.error('  ' + d);
    process.exit(1);
  }
  console.log(`corpus-outputs: all ${lines.length} results identical to ${compare}`);
} else if (!out) process.stdout.write(result);
else console.log(`corpus-outputs: ${lines.length} results written to ${out}`);
