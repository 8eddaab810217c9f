/**
 * How the package installs and loads: the explicit transform registry (no folder scan, no
 * top-level await), `require("dockerfix")` from a CommonJS project, the documented exports
 * (`UnknownTransformError` as a `DockerfixError` kind, `dockerfix/schema/…`), the committed
 * bundles matching the sources, and the package metadata (LICENSE, repository, links that work
 * from the package page).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';
import { transformIds, loadTransforms, UnknownTransformError } from '../transforms/index.js';
import { ALL_TRANSFORMS } from '../transforms/all.js';
import { DockerfixError } from '../src/core/errors.js';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const REPO = 'https://github.com/dockerfix/dockerfix';

describe('transform registry', () => {
  it('lists exactly the transform files of the folder, and all.ts the same transforms', async () => {
    const files = fs
      .readdirSync(path.join(ROOT, 'transforms'))
      .filter((f) => f.endsWith('.ts') && !['index.ts', 'all.ts'].includes(f))
      .map((f) => f.slice(0, -3))
      .sort();
    expect(transformIds()).toEqual(files);
    expect(ALL_TRANSFORMS.map((t) => t.meta.id).sort()).toEqual(files);
    expect((await loadTransforms()).map((t) => t.meta.id)).toEqual(ALL_TRANSFORMS.map((t) => t.meta.id));
  });

  it('has no top-level await and no directory scan', () => {
    for (const f of ['transforms/index.ts', 'transforms/all.ts', 'src/index.ts']) {
      const text = fs.readFileSync(path.join(ROOT, f), 'utf8');
      // A top-level statement (no indentation) that awaits.
      expect(text, f).not.toMatch(/^[^\s/*].*\bawait\b/m);
      expect(text, f).not.toMatch(/readdir/);
    }
  });

  it('an unknown id is a DockerfixError of kind unknown-transform', async () => {
    const e = await loadTransforms(['nope']).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UnknownTransformError);
    expect(e).toBeInstanceOf(DockerfixError);
    expect((e as DockerfixError).kind).toBe('unknown-transform');
    expect((e as Error).message).toBe('unknown transform id: nope (see --list-transforms)');
  });
});

describe('require("dockerfix") from a CommonJS project', () => {
  it('loads the API and the schema, and reports errors by kind', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-cjs-'));
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'commonjs' }));
    fs.mkdirSync(path.join(dir, 'node_modules'));
    fs.symlinkSync(ROOT, path.join(dir, 'node_modules', 'dockerfix'), 'dir');
    fs.writeFileSync(
      path.join(dir, 'index.js'),
      `const { fix, format, transforms, DockerfixError, UnknownTransformError } = require('dockerfix');
       const schema = require('dockerfix/schema/dockerfix-report.schema.json');
       (async () => {
         const r = await fix('FROM python:3.12\\nRUN pip install --no-cache-dir flask\\n', { syntax: 'none' });
         let kind = '', isBase = false, isUnknown = false;
         try { await fix('FROM a\\n', { only: ['nope'] }); } catch (e) { kind = e.kind; isBase = e instanceof DockerfixError; isUnknown = e instanceof UnknownTransformError; }
         let parse = '';
         try { await fix('FROM a\\nRUN <<EOF\\nx\\n'); } catch (e) { parse = e.kind + ' ' + (e instanceof DockerfixError); }
         console.log(JSON.stringify({ changed: r.changed, fmt: format('from a\\n').output, n: transforms.length, kind, isBase, isUnknown, parse, schema: typeof schema.$schema }));
       })();`,
    );
    const r = spawnSync(process.execPath, ['index.js'], { cwd: dir, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      changed: true,
      fmt: 'FROM a\n',
      n: transformIds().length,
      kind: 'unknown-transform',
      isBase: true,
      isUnknown: true,
      parse: 'parse true',
      schema: 'string',
    });
  });
});

describe('committed bundles', () => {
  it('bundle/dockerfix.mjs and action/dist/index.mjs match a fresh build of the sources (else: npm run bundle)', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/bundle.mjs'), '--check'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('the CLI bundle runs with no node_modules at all (a git checkout, the Action)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-bare-'));
    fs.mkdirSync(path.join(dir, 'bundle'));
    fs.copyFileSync(path.join(ROOT, 'bundle/dockerfix.mjs'), path.join(dir, 'bundle/dockerfix.mjs'));
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
    fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM python:3.12\nRUN pip install --no-cache-dir flask\n');
    const run = (...args: string[]) => spawnSync(process.execPath, ['bundle/dockerfix.mjs', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_PATH: '' } });
    expect(run('--version').stdout).toBe(`${pkg.version}\n`);
    const w = run('--write', '--syntax', 'none', 'Dockerfile');
    expect(w.status, w.stderr).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).toBe('FROM python:3.12\nRUN --mount=type=cache,target=/root/.cache/pip pip install flask\n');
    const listed = run('--list-transforms').stdout.split('\n').filter((l) => /^[a-z-]+ +(safe|unsafe)/.test(l)).map((l) => l.split(' ')[0]);
    expect(listed.sort()).toEqual([...transformIds()].sort());
  });
});

describe('package metadata', () => {
  it('has a LICENSE, repository, homepage, bugs and keywords', () => {
    expect(pkg.license).toBe('MIT');
    expect(fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
    expect(pkg.repository).toEqual({ type: 'git', url: `git+${REPO}.git` });
    expect(pkg.homepage).toBe(`${REPO}#readme`);
    expect(pkg.bugs).toEqual({ url: `${REPO}/issues` });
    expect(pkg.keywords).toEqual(expect.arrayContaining(['dockerfile', 'docker', 'buildkit']));
  });

  it('npm pack ships the license, the bundle, the schema; exports the schema', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const files = (JSON.parse(out)[0].files as Array<{ path: string }>).map((f) => f.path);
    for (const f of ['LICENSE', 'README.md', 'package.json', 'bundle/dockerfix.mjs', 'schema/dockerfix-report.schema.json', 'dist/src/index.js']) expect(files).toContain(f);
    expect(pkg.exports['./schema/*']).toBe('./schema/*');
  });

  it('README links work from the package page: absolute URLs to files that exist, no relative links', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(0);
    for (const l of links) {
      expect(/^(https?:\/\/|#)/.test(l), l).toBe(true);
      const file = l.startsWith(`${REPO}/blob/main/`) ? l.slice(`${REPO}/blob/main/`.length).split('#')[0] : null;
      if (file) expect(fs.existsSync(path.join(ROOT, file)), l).toBe(true);
    }
    expect(readme).not.toMatch(/<owner>/);
  });
});
