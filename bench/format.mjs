#!/usr/bin/env node
/**
 * `npm run bench:format`: formats every Dockerfile of the shared corpus with dockerfix and with
 * the formatters users would otherwise pick that install from npm (prettier + prettier-plugin-sh,
 * dockerfmt's wasm build, dprint's Dockerfile wasm plugin), and prints per tool: files/s,
 * crashes (an exception or an error result), non-idempotent files (formatting the output
 * changes it again) and semantic changes (dockerfix's semantic dump of the output differs from
 * the input's, or the output no longer parses). Run after `npm run build`.
 *
 * Throughput: per file the best of up to 5 runs (while they take under 5 ms in total), summed.
 *
 * Usage: node bench/format.mjs [corpus-cases-dir] [--json] [--only=dockerfix,dprint]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const require = createRequire(import.meta.url);
const { format, semanticDump } = await import(path.join(root, 'dist/src/format/index.js'));

const args = process.argv.slice(2);
const json = args.includes('--json');
const dirArg = args.find((a) => !a.startsWith('--'));
const candidates = dirArg ? [path.resolve(dirArg)] : ['../shared/corpus/cases', '../../shared/corpus/cases'].map((p) => path.resolve(root, p));
const casesDir = candidates.find((p) => fs.existsSync(p));
if (!casesDir) {
  console.error(`bench:format: corpus not found (looked in ${candidates.join(', ')})`);
  process.exit(2);
}
const files = fs
  .readdirSync(casesDir)
  .sort()
  .map((id) => path.join(casesDir, id, 'Dockerfile'))
  .filter((f) => fs.existsSync(f))
  .map((f) => ({ file: f, text: fs.readFileSync(f, 'utf8').replace(/^\ufeff/, '') }));

/** Each tool: async (text, filePath) => formatted text; throws on failure. */
const tools = [];
tools.push({
  name: 'dockerfix',
  version: JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version,
  run: async (text) => {
    const r = format(text);
    if (r.error) throw new Error(r.error.message);
    return r.output;
  },
});

async function optional(name, make) {
  try {
    tools.push(await make());
  } catch (e) {
    console.error(`bench:format: ${name} not available (${e.message.split('\n')[0]}); install it as a devDependency to compare`);
  }
}
const versionOf = (pkg) => {
  try {
    return JSON.parse(fs.readFileSync(path.join(root, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return '?';
  }
};

await optional('prettier + prettier-plugin-sh', async () => {
  const prettier = await import('prettier');
  const sh = await import('prettier-plugin-sh');
  return {
    name: 'prettier-plugin-sh',
    version: `${versionOf('prettier-plugin-sh')} (prettier ${versionOf('prettier')})`,
    run: (text, filepath) => prettier.format(text, { parser: 'dockerfile', plugins: [sh.default ?? sh], filepath }),
  };
});
await optional('dockerfmt', async () => {
  const { formatDockerfileContents } = await import('@reteps/dockerfmt');
  const opts = { indent: 4, trailingNewline: true, spaceRedirects: false };
  await formatDockerfileContents('FROM a\n', opts);
  return { name: 'dockerfmt (@reteps/dockerfmt)', version: versionOf('@reteps/dockerfmt'), run: (text) => formatDockerfileContents(text, opts) };
});
await optional('dprint dockerfile', async () => {
  const { createFromBuffer } = await import('@dprint/formatter');
  const { getPath } = require('@dprint/dockerfile');
  const formatter = createFromBuffer(fs.readFileSync(getPath()));
  return {
    name: 'dprint-plugin-dockerfile',
    version: `${versionOf('@dprint/dockerfile')} (@dprint/formatter ${versionOf('@dprint/formatter')})`,
    run: (text) => formatter.formatText({ filePath: 'Dockerfile', fileText: text }),
  };
});

// What the build sees (comments and quoting/spacing that does not matter are ignored; shell
// text compared as shell commands); see `DumpLevel` in src/format/dump.ts.
const dumpOf = (text) => {
  try {
    return JSON.stringify(semanticDump(text.replace(/^\ufeff/, ''), 'build'));
  } catch (e) {
    return `unparsable: ${e.message}`;
  }
};
/** Comment texts (whitespace collapsed), to count files that lose a comment. */
const commentsOf = (text) => {
  try {
    return semanticDump(text.replace(/^\ufeff/, ''), 'strict')
      .filter((d) => d.kind === 'comment')
      .map((d) => d.text.replace(/^#\s*/, '').replace(/\s+/g, ' '));
  } catch {
    return [];
  }
};

// Child mode: format files [from..] with one tool, one JSON line per file. A tool that takes
// the process down (dockerfmt's Go wasm exits on a panic) only loses the file it was on; the
// parent counts it as a crash and starts a new child after it.
const childAt = args.indexOf('--child');
if (childAt !== -1) {
  const tool = tools.find((t) => t.name === args[childAt + 1]);
  const from = Number(args[childAt + 2]);
  let current = from;
  process.on('uncaughtException', (e) => {
    fs.writeSync(3, JSON.stringify({ i: current, error: `process died: ${String(e?.message ?? e).split('\n')[0]}` }) + '\n');
    process.exit(3);
  });
  for (let i = from; i < files.length; i++) {
    current = i;
    const f = files[i];
    const rec = { i };
    const t0 = process.hrtime.bigint();
    try {
      rec.out = await tool.run(f.text, f.file);
      if (typeof rec.out !== 'string') throw new Error(`returned ${typeof rec.out}`);
    } catch (e) {
      delete rec.out;
      rec.error = String(e?.message ?? e).split('\n')[0].slice(0, 160);
    }
    rec.ms = Number(process.hrtime.bigint() - t0) / 1e6;
    // Fast tools: repeat (up to 5 runs or 5 ms) and keep the best time, so JIT warm-up and
    // noise from other processes do not decide the throughput.
    for (let n = 1, total = rec.ms; rec.out !== undefined && n < 5 && total < 5; n++) {
      const t1 = process.hrtime.bigint();
      await tool.run(f.text, f.file);
      const dt = Number(process.hrtime.bigint() - t1) / 1e6;
      rec.ms = Math.min(rec.ms, dt);
      total += dt;
    }
    if (rec.out !== undefined) {
      try {
        rec.again = await tool.run(rec.out, f.file);
      } catch (e) {
        rec.againError = String(e?.message ?? e).split('\n')[0];
      }
    }
    fs.writeSync(3, JSON.stringify(rec) + '\n');
  }
  process.exit(0);
}

const { spawnSync } = await import('node:child_process');
function runTool(tool) {
  const recs = new Array(files.length);
  let from = 0;
  while (from < files.length) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), casesDir, '--child', tool.name, String(from)], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
      // Records come on fd 3: some tools print to stdout themselves.
      stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
    });
    let last = from - 1;
    for (const line of String(r.output[3] ?? '').split('\n')) {
      if (!line) continue;
      const rec = JSON.parse(line);
      recs[rec.i] = { ...recs[rec.i], ...rec };
      last = Math.max(last, rec.i);
    }
    if (last < from) recs[from] = { i: from, error: `process died (exit ${r.status ?? r.signal})` };
    from = Math.max(last, from) + 1;
  }
  return recs;
}

const inputDumps = files.map((f) => dumpOf(f.text));
const only = args.find((a) => a.startsWith('--only='))?.slice(7).split(',');
if (only) tools.splice(0, tools.length, ...tools.filter((t) => only.some((o) => t.name.startsWith(o))));
const results = [];
for (const tool of tools) {
  const recs = runTool(tool);
  let crashes = 0;
  let nonIdempotent = 0;
  let semantic = 0;
  let unchanged = 0;
  let commentsLost = 0;
  let ms = 0;
  const examples = { crash: [], nonIdempotent: [], semantic: [], commentsLost: [] };
  for (let i = 0; i < files.length; i++) {
    const rec = recs[i] ?? { error: 'no result' };
    const id = path.basename(path.dirname(files[i].file));
    ms += rec.ms ?? 0;
    if (rec.out === undefined) {
      crashes++;
      if (examples.crash.length < 3) examples.crash.push(`${id} (${rec.error})`);
      continue;
    }
    if (rec.out === files[i].text) unchanged++;
    if (dumpOf(rec.out) !== inputDumps[i]) {
      semantic++;
      if (examples.semantic.length < 3) examples.semantic.push(id);
    }
    const kept = new Set(commentsOf(rec.out));
    if (commentsOf(files[i].text).some((c) => !kept.has(c))) {
      commentsLost++;
      if (examples.commentsLost.length < 3) examples.commentsLost.push(id);
    }
    if (rec.again !== rec.out) {
      nonIdempotent++;
      if (examples.nonIdempotent.length < 3) examples.nonIdempotent.push(id);
    }
  }
  const seconds = ms / 1000;
  results.push({ tool: tool.name, version: tool.version, files: files.length, seconds, filesPerSecond: files.length / seconds, crashes, nonIdempotent, semanticChanges: semantic, commentsLost, unchanged, examples });
}

if (json) {
  console.log(JSON.stringify({ date: new Date().toISOString(), machine: machine(), corpus: casesDir, results }, null, 2));
} else {
  console.log(`bench:format: ${files.length} Dockerfiles from ${casesDir}`);
  console.log(`machine: ${machine()}; ${new Date().toISOString()}`);
  console.log('');
  console.log('| tool | version | files/s | crashes | non-idempotent | semantic changes | comments lost | left unchanged |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    console.log(`| ${r.tool} | ${r.version} | ${Math.round(r.filesPerSecond)} | ${r.crashes} | ${r.nonIdempotent} | ${r.semanticChanges} | ${r.commentsLost} | ${r.unchanged} |`);
  }
  console.log('');
  for (const r of results) {
    const ex = Object.entries(r.examples).filter(([, v]) => v.length);
    if (ex.length) console.log(`${r.tool}: ` + ex.map(([k, v]) => `${k} e.g. ${v.join(', ')}`).join('; '));
  }
}

function machine() {
  const cpu = os.cpus()[0]?.model?.trim() ?? 'unknown CPU';
  return `${cpu} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.arch()}, Node ${process.version}`;
}
