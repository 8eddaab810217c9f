#!/usr/bin/env node
/**
 * The formatter against dprint's Dockerfile wasm plugin, in one process, side by side: every
 * round formats all corpus files once with each tool in turn (the order alternates between
 * rounds), so machine load hits both alike; per tool the min and median of the rounds' wall time
 * and of their CPU time (process.cpuUsage). Texts are read once up front (bench/bench.mjs's rows
 * include the file reads; here only the formatting is timed). `--dist <dir>` adds another build
 * of dockerfix (e.g. a copy of dist/ from before a change) as a third contestant, for A/B runs.
 *
 *   npm run build && node bench/format-speed.mjs [--rounds 40] [--warmup 5] [--dist /tmp/dist-before] [--json]
 *     [--corpus <dir with cases/>]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i === -1 ? def : args[i + 1];
};
const rounds = Number(opt('--rounds', '40'));
const warmup = Number(opt('--warmup', '5'));
const corpus = [opt('--corpus'), process.env.DOCKERFIX_CORPUS, path.resolve(root, '../shared/corpus'), path.resolve(root, '../../shared/corpus')]
  .filter(Boolean)
  .map((p) => path.resolve(p))
  .find((p) => fs.existsSync(path.join(p, 'cases')));
if (!corpus) {
  console.error('format-speed: corpus not found (pass --corpus <dir with cases/>)');
  process.exit(2);
}
const casesDir = path.join(corpus, 'cases');
const files = fs
  .readdirSync(casesDir)
  .sort()
  .map((id) => path.join(casesDir, id, 'Dockerfile'))
  .filter((f) => fs.existsSync(f))
  .map((f) => ({ path: f, text: fs.readFileSync(f, 'utf8') }));

const tools = [];
const dockerfix = async (name, dist) => {
  const { format } = await import(pathToFileURL(path.join(dist, 'src/format/index.js')).href);
  tools.push({
    name,
    pass: () => {
      let errors = 0;
      for (const f of files) if (format(f.text).error) errors++;
      return errors;
    },
  });
};
await dockerfix('dockerfix', path.join(root, 'dist'));
if (opt('--dist')) await dockerfix(`dockerfix (${opt('--dist')})`, path.resolve(opt('--dist')));
{
  const { createFromBuffer } = await import('@dprint/formatter');
  const formatter = createFromBuffer(fs.readFileSync(require.resolve('@dprint/dockerfile/plugin.wasm')));
  tools.push({
    name: 'dprint',
    pass: () => {
      let errors = 0;
      for (const f of files) {
        try {
          formatter.formatText({ filePath: f.path, fileText: f.text });
        } catch {
          errors++;
        }
      }
      return errors;
    },
  });
}

const json = args.includes('--json');
const load0 = os.loadavg().map((x) => x.toFixed(2)).join(' ');
const wall = tools.map(() => []);
const cpu = tools.map(() => []);
const errors = tools.map(() => 0);
for (let r = 0; r < warmup + rounds; r++) {
  const order = r % 2 ? [...tools.keys()].reverse() : [...tools.keys()];
  for (const t of order) {
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    errors[t] = tools[t].pass();
    const w = performance.now() - w0;
    const c = process.cpuUsage(c0);
    if (r >= warmup) {
      wall[t].push(w);
      cpu[t].push((c.user + c.system) / 1000);
    }
  }
}
const min = (xs) => Math.min(...xs);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
if (json) {
  const row = (i) => ({ tool: tools[i].name, wallMinMs: min(wall[i]), wallMedianMs: median(wall[i]), cpuMinMs: min(cpu[i]), cpuMedianMs: median(cpu[i]), errors: errors[i] });
  console.log(JSON.stringify({ files: files.length, rounds, loadBefore: load0, loadAfter: os.loadavg().map((x) => x.toFixed(2)).join(' '), tools: tools.map((_, i) => row(i)) }));
  process.exit(0);
}
console.log(`format-speed: ${files.length} files, ${rounds} rounds (+${warmup} warm-up), node ${process.version}; load average ${load0} -> ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log('| tool | wall min | wall median | cpu min | cpu median | files/s (wall min) | errors |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
tools.forEach((t, i) => {
  console.log(`| ${t.name} | ${min(wall[i]).toFixed(1)} ms | ${median(wall[i]).toFixed(1)} ms | ${min(cpu[i]).toFixed(1)} ms | ${median(cpu[i]).toFixed(1)} ms | ${Math.round((files.length / min(wall[i])) * 1000)} | ${errors[i]} |`);
});
const d = tools.findIndex((t) => t.name === 'dprint');
console.log(`dockerfix / dprint (wall min): ${(min(wall[0]) / min(wall[d])).toFixed(2)}x the time; cpu min: ${(min(cpu[0]) / min(cpu[d])).toFixed(2)}x`);
