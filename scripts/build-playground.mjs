#!/usr/bin/env node
/**
 * Build the playground (playground/) into a static folder: playground/dist by default, or the
 * folder given as the first argument. esbuild bundles src/ core + every transform + the explain
 * renderers for the browser: node:path becomes path-browserify (Node's own POSIX path code),
 * node:fs/node:module/node:url and the global Buffer small shims (playground/shims);
 * the transforms come from transforms/all.ts (every transform, imported statically).
 * The bundled examples (examples/*: Dockerfile, file listing, .dockerignore, manifests) are embedded.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function listFiles(dir, base = dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p, base));
    else out.push(path.relative(base, p).split(path.sep).join('/'));
  }
  return out.sort();
}

const MANIFEST = /^(package(-lock)?\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|(requirements|constraints)[^/]*\.(txt|in)|pyproject\.toml|poetry\.lock|uv\.lock|Pipfile(\.lock)?|go\.(mod|sum)|Cargo\.(toml|lock)|Gemfile(\.lock)?|composer\.(json|lock)|pom\.xml|build\.gradle(\.kts)?|[^/]*\.csproj|[^/]*packages[^/]*\.txt)$/;

export function examples() {
  const dir = path.join(ROOT, 'examples');
  return fs
    .readdirSync(dir)
    .filter((e) => fs.existsSync(path.join(dir, e, 'Dockerfile')))
    .sort()
    .map((name) => {
      const files = listFiles(path.join(dir, name)).filter((f) => f !== 'Dockerfile');
      const ignore = path.join(dir, name, '.dockerignore');
      // The contents dockerfix reads: dependency manifests and package lists (small ones).
      const contents = {};
      for (const f of files) {
        const full = path.join(dir, name, f);
        if (MANIFEST.test(f.split('/').pop()) && fs.statSync(full).size <= 64 * 1024) contents[f] = fs.readFileSync(full, 'utf8');
      }
      return { name, dockerfile: fs.readFileSync(path.join(dir, name, 'Dockerfile'), 'utf8'), files, dockerignore: fs.existsSync(ignore) ? fs.readFileSync(ignore, 'utf8') : '', contents };
    });
}

const registry = {
  name: 'dockerfix-playground',
  setup(b) {
    b.onResolve({ filter: /^dockerfix:examples$/ }, () => ({ path: 'examples', namespace: 'dockerfix' }));
    b.onLoad({ filter: /^examples$/, namespace: 'dockerfix' }, () => ({ contents: `export const examples = ${JSON.stringify(examples())};`, loader: 'js' }));
    const shim = (name) => path.join(ROOT, 'playground/shims', name);
    b.onResolve({ filter: /^node:(fs|module|url|path)$/ }, (a) => {
      const m = a.path.slice(5);
      if (m === 'path') return { path: path.join(ROOT, 'node_modules/path-browserify/index.js') };
      return { path: shim(`${m}.ts`) };
    });
  },
};

export async function buildPlayground(out = path.join(ROOT, 'playground/dist')) {
  fs.mkdirSync(out, { recursive: true });
  const r = await build({
    entryPoints: [path.join(ROOT, 'playground/main.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: path.join(out, 'playground.js'),
    plugins: [registry],
    inject: [path.join(ROOT, 'playground/shims/buffer.ts')],
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  for (const f of ['index.html', 'playground.css']) fs.copyFileSync(path.join(ROOT, 'playground', f), path.join(out, f));
  return { out, warnings: r.warnings.length, bytes: fs.statSync(path.join(out, 'playground.js')).size };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await buildPlayground(process.argv[2] ? path.resolve(process.argv[2]) : undefined);
  console.log(`playground: ${path.relative(process.cwd(), r.out) || '.'} (playground.js ${(r.bytes / 1024).toFixed(0)} KiB)`);
}
