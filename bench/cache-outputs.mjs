#!/usr/bin/env node
/**
 * The result cache (`--cache`) must never change an output: the built CLI over the whole shared
 * corpus in four modes (`--check`, the dry run's diffs, `--format json`, `--format sarif`), each
 * uncached, with a cold cache (empty, filled by the run) and with the warm cache; standard output,
 * standard error and the exit code must be byte-identical. The stores and the signing key go to
 * a temp dir (XDG_CACHE_HOME). Exit 1 on any difference.
 *
 *   npm run build && node bench/cache-outputs.mjs [--corpus <dir>] [--bin <dockerfix.js>]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const corpus = [opt('--corpus'), process.env.DOCKERFIX_CORPUS, path.resolve(root, '../shared/corpus'), path.resolve(root, '../../shared/corpus')]
  .filter(Boolean)
  .map((p) => path.resolve(p))
  .find((p) => fs.existsSync(path.join(p, 'cases')));
if (!corpus) {
  console.error('cache-outputs: no corpus found (pass --corpus <dir>)');
  process.exit(2);
}
const bin = path.resolve(opt('--bin') ?? path.join(root, 'dist/bin/dockerfix.js'));
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-cache-outputs-'));
process.on('exit', () => fs.rmSync(base, { recursive: true, force: true }));

const run = (argv, env = {}) => {
  const r = spawnSync(process.execPath, [bin, ...argv], { cwd: corpus, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '', XDG_CACHE_HOME: base, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
let failed = 0;
for (const [name, mode] of [
  ['--check', ['--check']],
  ['dry run', []],
  ['json', ['--format', 'json']],
  ['sarif', ['--format', 'sarif']],
]) {
  const plain = run([...mode, 'cases']);
  const loc = path.join(base, name.replace(/\W/g, ''));
  const cached = ['--cache', '--cache-location', loc];
  const cold = run([...mode, ...cached, 'cases']);
  const warm = run([...mode, ...cached, 'cases'], { DOCKERFIX_CACHE_DEBUG: '1' });
  const stats = /^dockerfix: cache: (.*)$/m.exec(warm.stderr)?.[1] ?? '(no stats)';
  warm.stderr = warm.stderr.replace(/^dockerfix: cache: .*\n/gm, '');
  const diffs = [];
  for (const [label, r] of [['cold', cold], ['warm', warm]]) {
    for (const k of ['code', 'stdout', 'stderr']) if (r[k] !== plain[k]) diffs.push(`${label} ${k}`);
  }
  console.log(`${name}: exit ${plain.code}, ${plain.stdout.length} bytes of output; warm: ${stats}; ${diffs.length ? `DIFFERENT: ${diffs.join(', ')}` : 'identical'}`);
  if (diffs.length) failed++;
}
process.exit(failed ? 1 : 0);
