import fs from 'node:fs';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { runTransforms } from '/work/wt/reorder/dist/src/runner.js';
import { loadTransforms } from '/work/wt/reorder/dist/transforms/index.js';
import { stripBom } from '/work/wt/reorder/dist/src/source.js';
const unsafe = process.argv[2] === 'unsafe';
const ts = await loadTransforms(['hoist-stable', 'sink-volatile']);
for (const id of process.argv.slice(3)) {
  const raw = fs.readFileSync(`/work/shared/corpus/cases/${id}/Dockerfile`, 'utf8');
  const { text, bom } = stripBom(raw);
  const r = runTransforms(text, { transforms: ts, options: { unsafe } }, bom);
  console.log(`===== ${id}`);
  console.log(createTwoFilesPatch('a', 'b', r.input, r.output, '', '', { context: 2 }).split('\n').slice(2).join('\n'));
  for (const f of r.findings) console.log('  >', f.line, f.kind, f.fixKind ?? '', f.message);
}
