#!/usr/bin/env node
/**
 * The architecture rules (README "Design notes"), checked over the TypeScript sources: every
 * `import`/`export … from`/`import type`/`import()` is read (type-only imports count: a type
 * cycle is a cycle), resolved, and checked against the layer rules; then the graph of static
 * imports must have no cycle.
 *
 *   node scripts/check-architecture.mjs [root]    # exit 1 and one line per violation
 *
 * Self-contained (no TypeScript parser: TypeScript 7 has no JS API for dependency-cruiser or
 * typescript-eslint yet); the test `test/architecture.test.ts` shows it fails on a planted
 * forbidden import.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder (relative to the root) -> its part name. Longest prefix wins. */
const PARTS = [
  ['src/core/', 'core'],
  ['src/analysis/', 'analysis'],
  ['src/ecosystems/', 'ecosystems'],
  ['src/pipeline/', 'pipeline'],
  ['src/cli/', 'cli'],
  ['src/report/', 'report'],
  ['src/format/', 'format'],
  ['src/builds/', 'builds'],
  ['src/prettier-plugin.ts', 'prettier'],
  ['src/index.ts', 'api'],
  ['transforms/index.ts', 'registry'],
  ['transforms/all.ts', 'registry'],
  ['transforms/', 'transform'],
  ['bin/', 'bin'],
];

/** part -> parts (and packages) it must not import, with the reason. */
const RULES = {
  core: { parts: ['transform', 'registry', 'analysis', 'ecosystems', 'pipeline', 'cli', 'report', 'builds', 'api', 'bin'], packages: ['commander'], why: 'core is pure: it imports no transform, analysis, ecosystem, pipeline or CLI module' },
  transform: { parts: ['transform', 'registry', 'cli', 'pipeline', 'api', 'bin'], packages: ['commander'], why: 'a transform imports neither the CLI, commander nor another transform' },
  analysis: { parts: ['transform', 'registry', 'cli', 'pipeline', 'api', 'bin'], packages: ['commander'], why: 'analysis serves the transforms; it imports no transform, pipeline or CLI' },
  ecosystems: { parts: ['transform', 'registry', 'analysis', 'cli', 'pipeline', 'api', 'bin'], packages: ['commander'], why: 'ecosystem descriptors are data over core' },
  format: { parts: ['cli', 'bin'], packages: ['commander'], why: 'the formatter imports no CLI' },
  prettier: { parts: ['cli', 'bin'], packages: ['commander'], why: 'the prettier plugin imports no CLI' },
  report: { parts: ['cli', 'bin'], packages: ['commander'], why: 'reports import no CLI' },
  pipeline: { parts: ['cli', 'bin'], packages: ['commander'], why: 'the pipeline imports no CLI' },
  api: { parts: ['cli', 'bin'], packages: ['commander'], why: 'the API imports no CLI' },
};

/**
 * Known violations, each with the change that ends it; a listed one that no longer occurs is
 * reported too, so the list only shrinks.
 */
/** Known violations, each with the change that ends it (none today). */
const KNOWN = new Map();

const IMPORT = /(?:^|[;\n}])\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
// A lazy `import('…')` (the CLI dispatching a subcommand, the registry loading a transform) is
// checked against the layer rules but is no edge of the cycle check: nothing of it is evaluated
// while the importing module loads.

function partOf(rel) {
  let best = null;
  for (const [prefix, part] of PARTS) if ((rel === prefix || rel.startsWith(prefix)) && (!best || prefix.length > best[0].length)) best = [prefix, part];
  return best ? best[1] : null;
}

function listSources(root) {
  const out = [];
  const walk = (dir) => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ts$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
    }
  };
  for (const top of ['src', 'transforms', 'bin']) walk(path.join(root, top));
  return out.sort();
}

/** Comments out: an import named in a comment is not an import. */
function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`\\])\/\/[^\n]*/g, '$1');
}

function resolve(fromFile, spec) {
  const base = path.resolve(path.dirname(fromFile), spec);
  for (const cand of [base.replace(/\.js$/, '.ts'), base + '.ts', path.join(base, 'index.ts'), base]) if (fs.existsSync(cand) && fs.statSync(cand).isFile()) return cand;
  return null;
}

export function checkArchitecture(root) {
  const files = listSources(root);
  const violations = [];
  const graph = new Map();
  const seen = new Set();
  for (const file of files) {
    const rel = path.relative(root, file).split(path.sep).join('/');
    const part = partOf(rel);
    const rule = part ? RULES[part] : undefined;
    const deps = [];
    const text = stripComments(fs.readFileSync(file, 'utf8'));
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2];
      if (spec.startsWith('.')) {
        const target = resolve(file, spec);
        if (!target) continue;
        const trel = path.relative(root, target).split(path.sep).join('/');
        if (m[1] !== undefined) deps.push(trel);
        const tpart = partOf(trel);
        if (rule && tpart && rule.parts.includes(tpart) && !(part === 'transform' && tpart === 'transform' && trel === rel)) {
          if (KNOWN.has(`${rel} -> ${trel}`)) {
            seen.add(`${rel} -> ${trel}`);
            continue;
          }
          violations.push(`${rel}: imports ${trel} (${tpart}): ${rule.why}`);
        }
      } else if (rule && rule.packages.includes(spec.replace(/^node:/, ''))) {
        violations.push(`${rel}: imports ${spec}: ${rule.why}`);
      }
    }
    graph.set(rel, deps);
  }
  for (const k of KNOWN.keys()) if (!seen.has(k)) violations.push(`${k}: listed as a known violation but no longer found: remove it from KNOWN`);
  for (const cycle of cycles(graph)) violations.push(`import cycle (type-only imports included): ${cycle.join(' -> ')}`);
  return violations;
}

/** Strongly connected components with more than one module (or a self-import), Tarjan. */
function cycles(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const out = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(comp.reverse().concat(comp[0]));
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
  const v = checkArchitecture(root);
  for (const line of v) console.error(line);
  if (v.length) {
    console.error(`check-architecture: ${v.length} violation${v.length === 1 ? '' : 's'}`);
    process.exit(1);
  }
  console.log('check-architecture: no violations');
}
