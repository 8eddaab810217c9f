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
 *   npm run bench:builds -- --throttle 2MB  also measure on a simulated ordinary network: the
 *                                           builds' downloads go through a throttling proxy
 *                                           (test/e2e/throttle-proxy.mjs), 2 MB/s shared; add
 *                                           ",<ms>" for the one-way latency (default 20, i.e.
 *                                           40 ms round trip): --throttle 2MB,20. The table
 *                                           gets a network column and the MB each build fetched.
 *   npm run bench:builds -- --throttle-only 2MB   only the throttled network
 */
import fs from 'node:fs';
import os from 'node:os';
import * as H from '../test/e2e/harness.mjs';

const args = process.argv.slice(2);
const markdown = args.includes('--markdown');
const json = args.includes('--json');
const optValue = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return null;
  const v = args[i + 1];
  if (!v || v.startsWith('--')) {
    console.error(`${name} needs a rate, e.g. ${name} 2MB (or 2MB,20 for 20 ms one-way latency)`);
    process.exit(2);
  }
  args.splice(i, 2);
  return v;
};
const throttleOnlySpec = optValue('--throttle-only');
const throttleSpec = throttleOnlySpec ?? optValue('--throttle');
let throttle = null;
try {
  throttle = throttleSpec ? H.throttleSettings(throttleSpec) : null;
} catch (e) {
  console.error(e.message);
  process.exit(2);
}
const networks = [...(throttleOnlySpec ? [] : ['direct']), ...(throttle ? ['throttled'] : [])];
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
if (throttle) console.error(`[bench] throttled network: ${H.describeThrottle(throttle)}`);

const PHASES = [
  ['cold', 'cold'],
  ['source-edit', 'source edit'],
  ['dep-edit', 'dependency edit'],
];
const table = [];
let failed = false;
for (const ex of examples) {
  for (const network of networks) {
    const t0 = Date.now();
    const prep = await H.prepareExample(ex.name);
    if (!prep.fix.changed) console.error(`[bench] ${ex.name}: dockerfix changed nothing`);
    const c =
      network === 'throttled'
        ? await H.compareThrottled(env.lab, prep.ctx, prep.before, prep.after, ex.touch, ex.touchDep, { ...throttle, log: (m) => console.error(`[bench] ${m}`) })
        : env.lab.compare(prep.ctx, prep.before, prep.after, ex.touch, ex.touchDep);
    fs.rmSync(prep.dir, { recursive: true, force: true });
    if (!c.summary || !c.summary.ok) {
      failed = true;
      console.error(`[bench] ${ex.name} (${network}): lab compare failed (exit ${c.code})\n${c.stderrTail}`);
    }
    if (json) console.log(JSON.stringify({ example: ex.name, network, changed: prep.fix.changed, ...c.summary, ...(c.net ? { net: c.net } : {}) }));
    for (const [key, label] of PHASES) {
      const p = c.summary?.phases?.[key];
      if (!p) continue;
      const mb = (side) => (c.net ? (c.net.bytes[`${side}/${key}`] ?? 0) / 1e6 : null);
      table.push({ example: ex.name, network, phase: label, ...p, before_mb: mb('before'), after_mb: mb('after') });
    }
    console.error(`[bench] ${ex.name} (${network}) done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
}

if (!json) {
  const withNet = !!throttle;
  const netName = (n) => (n === 'throttled' ? `throttled ${throttle.rate / 1e6} MB/s` : 'direct');
  const head = [
    'example',
    ...(withNet ? ['network'] : []),
    'phase',
    'before (s)',
    'after (s)',
    'ratio',
    'cached before',
    'cached after',
    ...(withNet ? ['MB before', 'MB after'] : []),
  ];
  const mbCell = (v) => (v == null ? '-' : v.toFixed(2));
  const rows = table.map((r) => [
    r.example,
    ...(withNet ? [netName(r.network)] : []),
    r.phase,
    r.before_s.toFixed(2),
    r.after_s.toFixed(2),
    r.speedup == null ? '-' : `${r.speedup.toFixed(1)}x`,
    r.before_cached,
    r.after_cached,
    ...(withNet ? [mbCell(r.before_mb), mbCell(r.after_mb)] : []),
  ]);
  const textCols = withNet ? 3 : 2;
  if (markdown) {
    console.log(`Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machine}.\n`);
    if (throttle) console.log(`Throttled network: ${H.describeThrottle(throttle)} (test/e2e/throttle-proxy.mjs); MB = bytes the proxy served to that build.\n`);
    console.log(`| ${head.join(' | ')} |`);
    console.log(`|${head.map((h, i) => (i < textCols ? '---' : '---:')).join('|')}|`);
    for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  } else {
    const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (r) => r.map((c, i) => (i < textCols ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
    console.log(line(head));
    console.log(w.map((n) => '-'.repeat(n)).join('  '));
    for (const r of rows) console.log(line(r));
  }
}
process.exit(failed ? 1 : 0);
