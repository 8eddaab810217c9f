#!/usr/bin/env node
/**
 * Build benchmark: for every bundled example, rewrite its Dockerfile with dockerfix and measure,
 * with real BuildKit builds in the docker lab (`lab compare`, both files in the same run, each from
 * a pruned cache), the cold build, the rebuild after a source edit and the rebuild after a
 * dependency-manifest edit. Prints a table (seconds before/after, ratio before/after).
 *
 *   npm run bench:builds                    all examples, text table
 *   npm run bench:builds -- --markdown      markdown table (for docs/e2e.md)
 *   npm run bench:builds -- python-app go-app
 *   npm run bench:builds -- --json          one JSON line per example (the lab's summaries)
 */
import fs from 'node:fs';
import os from 'node:os';
import * as H from '../test/e2e/harness.mjs';

const args = process.argv.slice(2);
const markdown = args.includes('--markdown');
const json = args.includes('--json');
const names = args.filter((a) => !a.startsWith('--'));
const unknown = names.filter((n) => !H.EXAMPLES.some((e) => e.name === n));
if (unknown.length) {
  console.error(`unknown example(s): ${unknown.join(', ')}; known: ${H.EXAMPLES.map((e) => e.name).join(', ')}`);
  process.exit(2);
}
const examples = H.EXAMPLES.filter((e) => !names.length || names.includes(e.name));

const env = H.ensureLab({ log: (m) => console.error(`[bench] ${m}`) });
if (!env.ok) {
  console.error(`[bench] docker lab unavailable: ${env.reason}`);
  process.exit(1);
}

const cpu = (os.cpus()[0]?.model ?? 'unknown cpu').replace(/\s+/g, ' ').trim();
const machine = `${os.hostname()}, ${os.cpus().length} cores (${cpu}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, load ${os.loadavg()[0].toFixed(1)}`;
console.error(`[bench] ${new Date().toISOString()} on ${machine}; lab ${env.lab.script}`);

const PHASES = [
  ['cold', 'cold'],
  ['source-edit', 'source edit'],
  ['dep-edit', 'dependency edit'],
];
const table = [];
let failed = false;
for (const ex of examples) {
  const t0 = Date.now();
  const prep = await H.prepareExample(ex.name);
  if (!prep.fix.changed) console.error(`[bench] ${ex.name}: dockerfix changed nothing`);
  const c = env.lab.compare(prep.ctx, prep.before, prep.after, ex.touch, ex.touchDep);
  fs.rmSync(prep.dir, { recursive: true, force: true });
  if (!c.summary || !c.summary.ok) {
    failed = true;
    console.error(`[bench] ${ex.name}: lab compare failed (exit ${c.code})\n${c.stderrTail}`);
  }
  if (json) console.log(JSON.stringify({ example: ex.name, changed: prep.fix.changed, ...c.summary }));
  for (const [key, label] of PHASES) {
    const p = c.summary?.phases?.[key];
    if (!p) continue;
    table.push({ example: ex.name, phase: label, ...p });
  }
  console.error(`[bench] ${ex.name} done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

if (!json) {
  const head = ['example', 'phase', 'before (s)', 'after (s)', 'ratio', 'cached before', 'cached after'];
  const rows = table.map((r) => [
    r.example,
    r.phase,
    r.before_s.toFixed(2),
    r.after_s.toFixed(2),
    r.speedup == null ? '-' : `${r.speedup.toFixed(1)}x`,
    r.before_cached,
    r.after_cached,
  ]);
  if (markdown) {
    console.log(`Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machine}.\n`);
    console.log(`| ${head.join(' | ')} |`);
    console.log(`|${head.map((h, i) => (i < 2 ? '---' : '---:')).join('|')}|`);
    for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  } else {
    const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (r) => r.map((c, i) => (i < 2 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
    console.log(line(head));
    console.log(w.map((n) => '-'.repeat(n)).join('  '));
    for (const r of rows) console.log(line(r));
  }
}
process.exit(failed ? 1 : 0);
