/**
 * How the package installs and loads: the explicit transform registry (no folder scan, no
 * top-level await), `require("dockerfix")` from a CommonJS project, the documented exports
 * (`UnknownTransformError` as a `DockerfixError` kind, `dockerfix/schema/…`), the committed
 * bundles matching the sources, and the package metadata (LICENSE, repository, links that work
 * from the package page).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
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

/** The files `npm run bundle` writes to bundle/ (scripts/bundle.mjs). */
const BUNDLE_FILES = [
  'bundle/dockerfix.mjs',
  'bundle/dockerfix-cli.cjs',
  'bundle/dockerfix-core.cjs',
  'bundle/dockerfix-lsp.cjs',
  'bundle/dockerfix-yaml.cjs',
  'bundle/dockerfix-ast.cjs',
  'bundle/batch-worker.js',
  'bundle/dockerfix-worker.cjs',
];

/** A temp directory with the bundle and package.json only (a checkout; no node_modules). */
function bareCopy(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.mkdirSync(path.join(dir, 'bundle'));
  for (const f of [...BUNDLE_FILES, 'package.json']) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
  return dir;
}

/** One LSP message with its header. */
const lspMessage = (m: object): string => {
  const text = JSON.stringify({ jsonrpc: '2.0', ...m });
  return `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`;
};

/**
 * `dockerfix lsp --stdio` of the bundle in `dir`: its answer to `initialize`, and with `open`
 * (a file in `dir`), the diagnostics it publishes for that file once opened (the process is then
 * ended: killed, or with `open` shut down as an editor does).
 */
function lspInitialize(dir: string, open?: string, env: Record<string, string> = {}): Promise<string> {
  const child = spawn(process.execPath, ['bundle/dockerfix.mjs', 'lsp', '--stdio'], { cwd: dir, stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, NODE_PATH: '', ...env } });
  return new Promise((resolve) => {
    let out = '';
    const done = (): void => {
      clearTimeout(timer);
      child.kill();
      resolve(out);
    };
    const timer = setTimeout(done, 20_000);
    let ending = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      if (!out.includes('"result"')) return;
      if (!open) done();
      else if (!ending && out.includes('textDocument/publishDiagnostics')) {
        // A clean end (the code cache is written at exit).
        ending = true;
        child.stdin.write(lspMessage({ id: 2, method: 'shutdown' }));
        child.stdin.write(lspMessage({ method: 'exit' }));
      }
    });
    child.on('exit', done);
    child.stdin.write(lspMessage({ id: 1, method: 'initialize', params: { processId: null, rootUri: pathToFileURL(dir).href, capabilities: {} } }));
    if (open) {
      const file = path.join(dir, open);
      child.stdin.write(lspMessage({ method: 'initialized', params: {} }));
      child.stdin.write(
        lspMessage({ method: 'textDocument/didOpen', params: { textDocument: { uri: pathToFileURL(file).href, languageId: 'dockerfile', version: 1, text: fs.readFileSync(file, 'utf8') } } }),
      );
    }
  });
}

/** The source modules in a script of the bundle (esbuild's `// path` line before each). */
function modulesOf(file: string): string[] {
  return [...new Set([...fs.readFileSync(file, 'latin1').matchAll(/^\/\/ ((?:src|transforms|bin|node_modules)\/\S+)$/gm)].map((m) => m[1]))];
}

describe('committed bundles', () => {
  it('bundle/dockerfix.mjs and action/dist/index.mjs match a fresh build of the sources (else: npm run bundle)', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/bundle.mjs'), '--check'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // Tracked by git, not ignored (a `dist/` rule once hid action/dist from commits).
    const outputs = [...BUNDLE_FILES, 'action/dist/index.mjs'];
    const ignored = spawnSync('git', ['check-ignore', '--no-index', ...outputs], { cwd: ROOT, encoding: 'utf8' });
    expect(ignored.stdout).toBe('');
  });

  it('the CLI bundle runs with no node_modules at all (a git checkout, the Action)', async () => {
    const dir = bareCopy('dockerfix-bare-');
    fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM python:3.12\nRUN pip install --no-cache-dir flask\n');
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['bundle/dockerfix.mjs', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_PATH: '', DOCKERFIX_CODE_CACHE: path.join(dir, 'cache') } });
    expect(run('--version').stdout).toBe(`${pkg.version}\n`);
    const w = run('--write', '--syntax', 'none', 'Dockerfile');
    expect(w.status, w.stderr).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).toBe('FROM python:3.12\nRUN --mount=type=cache,target=/root/.cache/pip pip install flask\n');
    const listed = run('--list-transforms')
      .stdout.split('\n')
      .map((l) => /^([a-z0-9-]+)\s/.exec(l)?.[1])
      .filter((id) => id && id !== 'id');
    expect(listed.sort()).toEqual(transformIds());
    // A compose file is read with the `yaml` package, which is inside the bundle too.
    fs.writeFileSync(path.join(dir, 'compose.yaml'), 'services:\n  web:\n    build:\n      context: .\n      target: app\n');
    fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM alpine:3.20 AS app\nCOPY . /app\n');
    const c = run('Dockerfile');
    expect(c.stderr).toBe('');
    expect(c.stdout).toContain('context . (compose.yaml:3, service web)');
    expect(run('--check', 'Dockerfile')).toMatchObject({ status: 0, stderr: '' });
    // The language server is a part of the bundle of its own, loaded on demand; it analyses a
    // Dockerfile with the core part the CLI uses.
    expect(await lspInitialize(dir)).toContain('"textDocumentSync"');
    fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM python:3.12\nRUN pip install flask\n');
    const lsp = await lspInitialize(dir, 'Dockerfile', { DOCKERFIX_CODE_CACHE: path.join(dir, 'lsp-cache') });
    expect(lsp).toContain('pip-cache-mount');
    // The scripts that process loaded (one code cache file each): the CLI, the core part, the
    // server, the cross-check's dockerfile-ast, yaml for compose.yaml; each once.
    expect(
      fs
        .readdirSync(path.join(dir, 'lsp-cache'))
        .map((f) => f.split('-')[1])
        .sort(),
    ).toEqual(['ast', 'cli', 'core', 'lsp', 'yaml']);
  });

  it('the language server, the CLI and the workers share the core part: no module is in two scripts', () => {
    const scripts = BUNDLE_FILES.filter((f) => f.endsWith('.cjs'));
    const where = new Map<string, string[]>();
    for (const f of scripts) for (const m of modulesOf(path.join(ROOT, f))) where.set(m, [...(where.get(m) ?? []), f]);
    expect([...where].filter(([, files]) => files.length > 1)).toEqual([]);
    expect(where.get('src/core/token-cache.ts')).toEqual(['bundle/dockerfix-core.cjs']);
    expect(where.get('src/lsp/server.ts')).toEqual(['bundle/dockerfix-lsp.cjs']);
    expect(where.get('src/cli/main.ts')).toEqual(['bundle/dockerfix-cli.cjs']);
    expect(where.get('src/cli/batch-worker.ts')).toEqual(['bundle/dockerfix-worker.cjs']);
  });

  it('`--version` alone loads nothing but the launcher', () => {
    const dir = bareCopy('dockerfix-bare-version-');
    for (const f of fs.readdirSync(path.join(dir, 'bundle'))) if (f !== 'dockerfix.mjs') fs.rmSync(path.join(dir, 'bundle', f));
    for (const arg of ['--version', '-V']) {
      const r = spawnSync(process.execPath, ['bundle/dockerfix.mjs', arg], { cwd: dir, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(`${pkg.version}\n`);
    }
  });

  it('the worker pool of the bundle (bundle/batch-worker.js) gives the same result as one thread', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-bare-workers-'));
    fs.mkdirSync(path.join(dir, 'bundle'));
    for (const f of [...BUNDLE_FILES, 'package.json']) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
    for (let i = 0; i < 12; i++) {
      fs.mkdirSync(path.join(dir, `p/s${i}`), { recursive: true });
      fs.writeFileSync(path.join(dir, `p/s${i}/Dockerfile`), i % 2 ? 'FROM python:3.12\nRUN pip install --no-cache-dir flask\n' : 'FROM alpine\nRUN apk add curl\n');
    }
    const cache = path.join(dir, 'cache');
    const run = (workers: string) =>
      spawnSync(process.execPath, ['bundle/dockerfix.mjs', '--format', 'json', 'p'], { cwd: dir, encoding: 'utf8', env: { ...process.env, DOCKERFIX_WORKERS: workers, DOCKERFIX_CODE_CACHE: cache } });
    const one = run('0');
    const pool = run('2');
    expect(pool.stderr).toBe('');
    expect(pool.stdout).toBe(one.stdout);
    expect(JSON.parse(pool.stdout).summary.changed).toBe(6);
    // The workers run bundle/dockerfix-worker.cjs (and the core part) with a code cache too (written after their first chunk).
    expect(fs.readdirSync(cache).filter((f) => f.startsWith('dockerfix-worker-'))).toHaveLength(1);
    expect(fs.readdirSync(cache).filter((f) => f.startsWith('dockerfix-core-'))).toHaveLength(1);
    expect(fs.readdirSync(cache).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(run('2').stdout).toBe(one.stdout);
    // The pool really starts that script (a stand-in that leaves a mark; its files are then rescued on the main thread).
    const mark = path.join(dir, 'worker-started');
    fs.writeFileSync(path.join(dir, 'bundle/batch-worker.js'), `import fs from 'node:fs';\nfs.writeFileSync(${JSON.stringify(mark)}, 'yes');\nprocess.exit(1);\n`);
    expect(run('0').stdout).toBe(one.stdout);
    expect(fs.existsSync(mark)).toBe(false);
    expect(run('2').stdout).toBe(one.stdout);
    expect(fs.existsSync(mark)).toBe(true);
  });
});

describe('the code cache of the bundle (bin/launch.ts)', () => {
  const dir = bareCopy('dockerfix-code-cache-');
  fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM alpine:3.20\nCOPY app /app\nCMD ["/app"]\n');
  fs.writeFileSync(path.join(dir, 'Changed'), 'FROM python:3.12\nRUN pip install --no-cache-dir flask\n');
  const run = (env: Record<string, string>, ...args: string[]) => spawnSync(process.execPath, ['bundle/dockerfix.mjs', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
  const listing = (cache: string): string[] => (fs.existsSync(cache) ? fs.readdirSync(cache).sort() : []);

  it('is written by the first run, for the scripts it loaded only, and used as it is by the next', () => {
    const cache = path.join(dir, 'c1');
    expect(run({ DOCKERFIX_CODE_CACHE: cache }, '--version').status).toBe(0);
    expect(listing(cache)).toEqual([]);
    const first = run({ DOCKERFIX_CODE_CACHE: cache }, '--check', 'Dockerfile');
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    // A run that changes nothing loads no dockerfile-ast (the cross-check), no yaml, no language server.
    expect(listing(cache)).toEqual([expect.stringMatching(/^dockerfix-cli-[0-9a-f]{16}-\d+-v[\d.]+-\w+\.v8cache$/), expect.stringMatching(/^dockerfix-core-[0-9a-f]{16}-\d+-v[\d.]+-\w+\.v8cache$/)]);
    const files = listing(cache).map((f) => path.join(cache, f));
    for (const file of files) expect(fs.statSync(file).mode & 0o077).toBe(0);
    const before = files.map((file) => fs.readFileSync(file));
    const again = run({ DOCKERFIX_CODE_CACHE: cache }, '--check', 'Dockerfile');
    expect([again.status, again.stdout, again.stderr]).toEqual([first.status, first.stdout, first.stderr]);
    for (const [i, file] of files.entries()) expect(fs.readFileSync(file).equals(before[i])).toBe(true);
    // A change loads the cross-check's script: it gets its own cache file.
    const changed = run({ DOCKERFIX_CODE_CACHE: cache }, '--check', 'Changed');
    expect([changed.status, changed.stdout]).toEqual([1, 'Changed\n']);
    expect(listing(cache).map((f) => f.split('-')[1])).toEqual(['ast', 'cli', 'core']);
  });

  it('a damaged, foreign or unwritable cache changes nothing in the run', () => {
    const expected = run({ DOCKERFIX_CODE_CACHE: '0' }, 'Changed');
    expect(expected.status).toBe(0);
    expect(expected.stdout).toContain('+RUN --mount=type=cache');
    const cache = path.join(dir, 'c2');
    run({ DOCKERFIX_CODE_CACHE: cache }, 'Changed');
    const files = listing(cache);
    expect(files.length).toBe(3);
    // Damaged: V8 rejects the data; the run compiles from source and writes the cache again.
    for (const f of files) fs.writeFileSync(path.join(cache, f), Buffer.concat([Buffer.from('dfx1'), Buffer.alloc(5000, 7)]));
    const damaged = run({ DOCKERFIX_CODE_CACHE: cache }, 'Changed');
    expect([damaged.status, damaged.stdout, damaged.stderr]).toEqual([expected.status, expected.stdout, expected.stderr]);
    for (const f of files) expect(fs.statSync(path.join(cache, f)).size).toBeGreaterThan(10_000);
    // Writable by others: not used (it is compiled code), replaced by one of our own.
    const good = path.join(cache, files[0]);
    fs.chmodSync(good, 0o666);
    const foreign = run({ DOCKERFIX_CODE_CACHE: cache }, 'Changed');
    expect([foreign.status, foreign.stdout, foreign.stderr]).toEqual([expected.status, expected.stdout, expected.stderr]);
    expect(fs.statSync(good).mode & 0o077).toBe(0);
    // Unwritable (a file where the directory would be): no cache, same run.
    fs.writeFileSync(path.join(dir, 'not-a-dir'), '');
    const unwritable = run({ DOCKERFIX_CODE_CACHE: path.join(dir, 'not-a-dir', 'cache') }, 'Changed');
    expect([unwritable.status, unwritable.stdout, unwritable.stderr]).toEqual([expected.status, expected.stdout, expected.stderr]);
    // DOCKERFIX_CODE_CACHE=0: none written, not even in the default place.
    const home = path.join(dir, 'home');
    run({ DOCKERFIX_CODE_CACHE: '0', HOME: home, XDG_CACHE_HOME: path.join(home, '.cache') }, 'Changed');
    expect(fs.existsSync(home)).toBe(false);
    // The default place: $XDG_CACHE_HOME/dockerfix (Linux).
    if (process.platform === 'linux') {
      run({ DOCKERFIX_CODE_CACHE: '', XDG_CACHE_HOME: path.join(home, 'xdg') }, '--check', 'Dockerfile');
      expect(listing(path.join(home, 'xdg', 'dockerfix')).length).toBe(2);
    }
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
      const prefix = [`${REPO}/blob/main/`, `${REPO}/tree/main/`, 'https://raw.githubusercontent.com/dockerfix/dockerfix/main/'].find((p) => l.startsWith(p));
      const file = prefix ? l.slice(prefix.length).split('#')[0] : null;
      if (file) expect(fs.existsSync(path.join(ROOT, file)), l).toBe(true);
    }
    expect(readme).not.toMatch(/<owner>/);
  });
});
