#!/usr/bin/env node
/**
 * Regenerates the transform table in README.md (between the transforms:start/end markers) and
 * docs/transforms.md from each transform's meta, so the docs say what the code does.
 * Runs on the built output: `npm run build && npm run docs`. test/docs.test.ts fails when stale.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { loadTransforms } = await import(path.join(root, 'dist/transforms/index.js'));

export async function render() {
  const transforms = await loadTransforms();
  const table = [
    '| id | fix | what it does |',
    '|---|---|---|',
    ...transforms.map((t) => `| \`${t.meta.id}\` | ${t.meta.fixKind} | ${t.meta.summary.replace(/\|/g, '\\|')} |`),
  ].join('\n');
  const doc = [
    '# Transforms',
    '',
    'Generated from each transform\'s `meta` by `npm run docs`; listed in run order.',
    '',
    ...transforms.flatMap((t) => [
      `## \`${t.meta.id}\``,
      '',
      `- fix kind: **${t.meta.fixKind}**${t.meta.fixKind === 'unsafe' ? ' (applied only with `--unsafe`)' : ''}`,
      `- order: ${t.meta.order}`,
      ...(t.meta.docsUrl ? [`- more: ${t.meta.docsUrl}`] : []),
      '',
      t.meta.description,
      '',
    ]),
  ].join('\n');
  return { table, doc };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { table, doc } = await render();
  const readmePath = path.join(root, 'README.md');
  const readme = fs.readFileSync(readmePath, 'utf8');
  const next = readme.replace(/(<!-- transforms:start -->\n)[\s\S]*?(\n<!-- transforms:end -->)/, `$1${table}$2`);
  fs.writeFileSync(readmePath, next);
  fs.mkdirSync(path.join(root, 'docs'), { recursive: true });
  fs.writeFileSync(path.join(root, 'docs/transforms.md'), doc);
  console.log('README.md transform table and docs/transforms.md regenerated');
}
