#!/usr/bin/env node
/**
 * What the build-safety rules cost in coverage, over the shared corpus: per transform, how many
 * steps get a safe change, an unsafe change (offered, applied only with --unsafe) or a skip, and
 * per safety rule how many steps it skips or marks unsafe. Every corpus case runs with all
 * transforms, with its context listing, safe fixes only (the default).
 *
 *   npm run build && node bench/safety-counts.mjs [--root <checkout with dist/>] [--json]
 *
 * `--root` runs another checkout's build (e.g. a worktree of the previous commit) for a
 * before/after table with the same corpus.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const root = path.resolve(opt('--root') ?? here);
const corpus = [opt('--corpus'), process.env.DOCKERFIX_CORPUS, path.resolve(here, '../shared/corpus'), path.resolve(here, '../../shared/corpus')]
  .filter(Boolean)
  .map((p) => path.resolve(p))
  .find((p) => fs.existsSync(path.join(p, 'cases')));
if (!corpus) {
  console.error('safety-counts: no corpus found (pass --corpus <dir> or set DOCKERFIX_CORPUS)');
  process.exit(2);
}

const load = (rel) => import(pathToFileURL(path.join(root, 'dist', rel)).href);
const { runTransforms } = await load('src/core/runner.js');
const { ListingContext } = await load('src/core/context.js');
const { stripBom } = await load('src/core/source.js');
const { loadTransforms } = await load('transforms/index.js');
const transforms = await loadTransforms();

/** The safety rules, recognised by the words of their findings. */
const RULES = [
  ['offline reader of a store (skipped)', /reads [^ ]+( and [^ ]+)? without the network/],
  ['script may read a store offline (unsafe)', /runs a script that may read/],
  ['store reaches a built image: last, leaf or target stage (unsafe)', /holds the downloaded dependencies/],
  ['apk indexes kept in the image (skipped)', /package indexes in \/var\/cache\/apk/],
  ['base image not known to run as root (unsafe)', /is not known to run as root/],
  ['user renumbered from a variable (skipped)', /gives it a uid from a variable/],
  ['Windows stage (skipped)', /Windows stage/],
  ['tool inside a sh -c / eval string (skipped)', /string: not rewritten/],
  ['edit would land inside data (skipped)', /would edit inside/],
  ['split-copy: install output not in .dockerignore (unsafe)', /\.dockerignore does not exclude it/],
  ['split-copy: copy or step under # dockerfix-ignore (skipped)', /marked `# dockerfix-ignore`/],
  ['sink-volatile: a script may read the variable (skipped)', /could read .* from its environment/],
  ['sink-volatile: ARG no step reads, a cache buster (skipped)', /cache buster/],
];

const perTransform = new Map();
const perRule = new Map(RULES.map(([name]) => [name, 0]));
const mounts = new Map();
let files = 0;
let errors = 0;
let templates = 0;
for (const id of fs.readdirSync(path.join(corpus, 'cases')).sort()) {
  const dir = path.join(corpus, 'cases', id);
  const file = path.join(dir, 'Dockerfile');
  if (!fs.existsSync(file)) continue;
  files++;
  const { text, bom } = stripBom(fs.readFileSync(file, 'utf8'));
  const r = runTransforms(text, { transforms, buildContext: ListingContext.fromCorpusCase(dir), options: { unsafe: false } }, bom);
  if (r.error) {
    errors++;
    if (/unknown instruction|template/i.test(r.error.message)) templates++;
    continue;
  }
  for (const f of r.findings) {
    const row = perTransform.get(f.transform) ?? { safe: 0, unsafe: 0, skipped: 0 };
    if (f.kind === 'change') row.safe++;
    else if (f.kind === 'info' && /unsafe fix/.test(f.message)) row.unsafe++;
    else if (f.kind === 'skipped') row.skipped++;
    perTransform.set(f.transform, row);
    for (const [name, re] of RULES) if (re.test(f.message) && f.kind !== 'change') perRule.set(name, perRule.get(name) + 1);
    if (f.kind === 'change') for (const m of f.message.matchAll(/cache mounts? at ((?:\/[^ ;,]+)(?: and \/[^ ;,]+)*)/g)) for (const t of m[1].split(' and ')) mounts.set(t, (mounts.get(t) ?? 0) + 1);
  }
}

const result = {
  files,
  errors,
  templates,
  transforms: Object.fromEntries([...perTransform].sort()),
  rules: Object.fromEntries(perRule),
  mounts: Object.fromEntries([...mounts].sort((a, b) => b[1] - a[1]).slice(0, 20)),
};
if (args.includes('--json')) {
  console.log(JSON.stringify(result, null, 2));
} else {
  console.log(`corpus: ${files} files, ${errors} input errors (${templates} templates or unknown instructions) (root ${root})`);
  console.log('| transform | safe changes | unsafe (offered) | skipped |');
  console.log('|---|---:|---:|---:|');
  for (const [t, r] of Object.entries(result.transforms)) console.log(`| ${t} | ${r.safe} | ${r.unsafe} | ${r.skipped} |`);
  console.log('\n| safety rule | steps |');
  console.log('|---|---:|');
  for (const [k, v] of Object.entries(result.rules)) console.log(`| ${k} | ${v} |`);
  console.log('\n| mount target (safe changes) | steps |');
  console.log('|---|---:|');
  for (const [k, v] of Object.entries(result.mounts)) console.log(`| ${k} | ${v} |`);
}
