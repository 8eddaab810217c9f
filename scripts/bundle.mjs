#!/usr/bin/env node
/**
 * Builds the committed, self-contained bundles (esbuild, from the TypeScript sources):
 *
 *   bundle/dockerfix.mjs      the CLI's entry: the package's `bin`, so installs from git
 *                             (pre-commit, `npm install -g git+…`) need no build step and no
 *                             devDependencies. A small launcher (bin/launch.ts): `--version` alone
 *                             loads nothing else; every other run runs the scripts below through
 *                             `vm.Script` with a V8 code cache (Node 20 has no compile cache for
 *                             ES modules, hence CommonJS scripts);
 *   bundle/dockerfix-cli.cjs  the CLI (bin/start.ts);
 *   bundle/dockerfix-core.cjs the modules the CLI, the language server and the workers share (one
 *                             copy in a process that runs several of them), each evaluated on
 *                             first use;
 *   bundle/dockerfix-lsp.cjs, dockerfix-yaml.cjs, dockerfix-ast.cjs
 *                             parts loaded on first use: the language server, `yaml`,
 *                             `dockerfile-ast` (see SCRIPTS);
 *   bundle/batch-worker.js    the worker pool's entry (many files on several cores): the same
 *                             launcher, running bundle/dockerfix-worker.cjs (src/cli/batch-worker.ts);
 *   action/dist/index.mjs     the GitHub Action's entry (action.yml `runs.main`), which runs the CLI
 *                             bundle; a fresh runner needs no `npm ci` and no registry package.
 *
 * Every dependency is inside (prettier, an optional peer the CLI never loads, stays out).
 * `node scripts/bundle.mjs` writes them; `node scripts/bundle.mjs --check` exits 1 when the
 * committed files differ from a fresh build (test/install.test.ts runs it).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The scripts the launcher (bin/launch.ts, bundle/dockerfix.mjs) runs with a V8 code cache, each
 * CommonJS, each loaded only when used: the CLI, and parts that many runs never need (the language
 * server; the `yaml` package; dockerfile-ast, which only cross-checks rewritten instructions). A
 * part is an object keyed by the specifiers that the other scripts `require` from it (they are
 * external there, see `shared`), so each package is loaded once, from one script.
 */
const CLI = 'dockerfix-cli.cjs';
const WORKER = 'dockerfix-worker.cjs';
const CORE = 'dockerfix-core.cjs';
/** The specifiers of the core part's modules: `dockerfix:core/<path from the repository root>`. */
const CORE_PREFIX = 'dockerfix:core/';
const SCRIPTS = [
  { out: CLI, entry: 'bin/start.ts', core: true },
  { out: 'dockerfix-lsp.cjs', specifiers: ['dockerfix:lsp'], core: true, module: () => "module.exports = { 'dockerfix:lsp': require('./src/lsp/server.ts') };" },
  // The worker pool's script (src/cli/batch-worker.ts), run by bundle/batch-worker.js.
  { out: WORKER, entry: 'src/cli/batch-worker.ts', core: true },
  // Every module both the CLI and the language server use (core, analysis, transforms, …): one
  // copy of each, and of its state (caches), in a process that runs both (`dockerfix lsp`). Each
  // module is evaluated on first use (see corePartSource), as in the script that asks for it.
  { out: CORE, corePart: true },
  { out: 'dockerfix-yaml.cjs', shared: /^yaml$/ },
  { out: 'dockerfix-ast.cjs', shared: /^(dockerfile-ast|vscode-languageserver-types|vscode-languageserver-textdocument)(\/|$)/ },
];

export const OUTPUTS = [
  ...SCRIPTS.map((s) => ({ out: `bundle/${s.out}`, script: s })),
  // Built after the scripts: it holds their names and hashes (the code cache's key).
  { entry: 'bin/launch.ts', out: 'bundle/dockerfix.mjs', launcher: CLI },
  // The worker pool's entry (src/cli/batch.ts looks for `./batch-worker.js` next to the CLI):
  // the same launcher, running the worker's script.
  { entry: 'bin/launch.ts', out: 'bundle/batch-worker.js', launcher: WORKER },
  { entry: 'action/src/main.ts', out: 'action/dist/index.mjs' },
];

/**
 * In the scripts: the packages of a shared part and the language server stay outside (the
 * launcher's `require` loads them from their part), and the specifiers asked for are recorded.
 */
function sharedParts(wanted) {
  return {
    name: 'shared-parts',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        const part = SCRIPTS.find((s) => s.shared?.test(args.path));
        if (!part) return undefined;
        wanted.set(args.path, part.out);
        return { path: args.path, external: true };
      });
      // main.ts's `import('../lsp/server.js')`: a module that requires the part (an external
      // `import()` would stay one, which a CommonJS script cannot run).
      build.onResolve({ filter: /[\\/]lsp[\\/]server\.js$/ }, (args) => {
        if (!/src[\\/]cli[\\/]main\.ts$/.test(args.importer)) return undefined;
        wanted.set('dockerfix:lsp', 'dockerfix-lsp.cjs');
        return { path: 'dockerfix:lsp', namespace: 'dockerfix-part' };
      });
      build.onLoad({ filter: /.*/, namespace: 'dockerfix-part' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
      build.onResolve({ filter: /^dockerfix:/ }, (args) => ({ path: args.path, external: true }));
    },
  };
}

/**
 * The core part's modules: those in the CLI's script and in the language server's or the worker's
 * (every dependency of one of them is then in it too). From a first build of both, with the same plugins.
 * Path (from the repository root) -> esbuild's format of the module ('esm' or 'cjs').
 */
async function coreModules() {
  const inputs = [];
  for (const script of SCRIPTS.filter((s) => s.core)) {
    const r = await esbuild.build({
      ...buildOptions(script, 'bundle/x.cjs', new Map()),
      ...(script.entry ? { entryPoints: [script.entry] } : { stdin: { contents: script.module(), resolveDir: ROOT, sourcefile: script.out, loader: 'js' } }),
      metafile: true,
    });
    inputs.push(r.metafile.inputs);
  }
  const [cli, lsp, worker] = inputs;
  const core = new Map();
  for (const [file, input] of Object.entries(cli)) if (!file.includes(':') && (lsp[file] || worker[file])) core.set(file, input.format ?? 'esm');
  return core;
}

/**
 * In the CLI's, the server's and the worker's scripts: a module of the core part is not bundled
 * but required from the part (`dockerfix:core/<path>`); an `import()` of one goes through a module
 * that requires it (an external `import()` would stay one, which a CommonJS script cannot run).
 */
function coreSplit(core, asked) {
  return {
    name: 'core-split',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData?.coreSplit || args.namespace !== 'file' || args.kind === 'entry-point') return undefined;
        if (/^(node:|dockerfix:)/.test(args.path)) return undefined;
        const r = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { coreSplit: true } });
        if (r.errors.length || r.external || r.namespace !== 'file') return undefined;
        const file = path.relative(ROOT, r.path).split(path.sep).join('/');
        if (!core.has(file)) return undefined;
        const id = CORE_PREFIX + file;
        asked.add(file);
        if (args.kind === 'dynamic-import') return { path: id, namespace: 'dockerfix-part' };
        return { path: id, external: true };
      });
    },
  };
}

/**
 * The core part: an object with a getter per module the other scripts ask for, which evaluates the
 * module on first use (esbuild's `require` of a bundled ES module initialises it and its imports).
 */
function corePartSource(asked) {
  if (!asked.size) throw new Error('scripts/bundle.mjs: no script uses the core part');
  const lines = [...asked].sort().map((file) => `def(${JSON.stringify(CORE_PREFIX + file)}, () => require(${JSON.stringify(`./${file}`)}));`);
  return [
    'const parts = {};',
    'const def = (id, get) => {',
    '  let m;',
    '  Object.defineProperty(parts, id, { enumerable: true, get: () => (m ??= get()) });',
    '};',
    ...lines,
    'module.exports = parts;',
    '',
  ].join('\n');
}

/**
 * A script's `import x from 'dockerfix:core/…'` of an ES module: esbuild wraps the required
 * object in `__toESM(…, 1)` (Node's rules for a CommonJS module: `default` = the whole object).
 * The core part hands out the module's own namespace (`__esModule`, its `default`), so the wrapper
 * goes: `default` is the module's default export, as when the module was in the script.
 */
function unwrapCoreInterop(text, core, out) {
  return text.replace(/__toESM\(require\("dockerfix:core\/([^"]+)"\)(, 1)?\)/g, (all, file) => {
    if (!core.has(file)) throw new Error(`scripts/bundle.mjs: ${out}: ${file} is not in the core part`);
    return core.get(file) === 'esm' ? `require("${CORE_PREFIX}${file}")` : all;
  });
}

/**
 * src/core/validate.ts loads dockerfile-ast (and its internal modules) through
 * `createRequire(import.meta.url)`, which a bundler cannot follow. In the bundle the same calls
 * become plain `require(…)` so esbuild includes those modules (still loaded lazily).
 */
const inlineCreateRequire = {
  name: 'inline-create-require',
  setup(build) {
    build.onLoad({ filter: /src[\\/]core[\\/]validate\.ts$/ }, (args) => {
      let text = fs.readFileSync(args.path, 'utf8');
      const before = text;
      text = text.replace(/createRequire\(import\.meta\.url\)\(/g, 'require(');
      text = text.replace(/const req = createRequire\(import\.meta\.url\);/g, 'const req = null;').replace(/\breq\(/g, 'require(');
      if (text === before) throw new Error('scripts/bundle.mjs: src/core/validate.ts no longer loads dockerfile-ast with createRequire; update the inline-create-require plugin');
      return { contents: text, loader: 'ts' };
    });
  },
};

/**
 * src/builds/yaml-util.ts loads `yaml` on first use through `createRequire(import.meta.url)`,
 * which a bundler cannot follow either: in the bundle it becomes `require('yaml')`, so the package
 * is inside (a checkout or the Action has no node_modules to find it in).
 */
const inlineYamlRequire = {
  name: 'inline-yaml-require',
  setup(build) {
    build.onLoad({ filter: /src[\\/]builds[\\/]yaml-util\.ts$/ }, (args) => {
      const before = fs.readFileSync(args.path, 'utf8');
      const text = before.replace(/createRequire\(import\.meta\.url\)\('yaml'\)/g, "require('yaml')");
      if (text === before) throw new Error('scripts/bundle.mjs: src/builds/yaml-util.ts no longer loads yaml with createRequire; update the inline-yaml-require plugin');
      return { contents: text, loader: 'ts' };
    });
  },
};

/**
 * The CLI script is CommonJS: an `import()` of an external package (@cdktn/hcl2json) goes through
 * the launcher's own `import()` (same resolution as before, from bundle/, same errors).
 */
const externalImport = {
  name: 'external-import',
  setup(build) {
    build.onLoad({ filter: /src[\\/]builds[\\/]bake\.ts$/ }, (args) => {
      const before = fs.readFileSync(args.path, 'utf8');
      const text = before.replace(/\bimport\('@cdktn\/hcl2json'\)/g, "__dockerfixImport('@cdktn/hcl2json')");
      if (text === before) throw new Error('scripts/bundle.mjs: src/builds/bake.ts no longer imports @cdktn/hcl2json; update the external-import plugin');
      return { contents: `declare const __dockerfixImport: (specifier: string) => Promise<any>;\n${text}`, loader: 'ts' };
    });
  },
};

/**
 * Built-in modules that a one-file run does not use but that modules import at their top (the
 * worker pool, commander's subprocess support, random names for atomic writes): in the scripts each
 * is a proxy that loads the module on first use. Loading them costs ~10-20 ms of start-up.
 * The key list (for `import * as`) is the build's Node's; any property is read from the module.
 */
const LAZY_BUILTINS = ['node:child_process', 'node:crypto', 'node:worker_threads'];
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(build) {
    const names = new RegExp(`^(${LAZY_BUILTINS.map((b) => b.replace('node:', '')).join('|')})$`);
    build.onResolve({ filter: /^(node:)?[a-z_]+$/ }, (args) => {
      if (args.namespace === 'dockerfix-lazy' || !names.test(args.path.replace(/^node:/, ''))) return undefined;
      return { path: `node:${args.path.replace(/^node:/, '')}`, namespace: 'dockerfix-lazy' };
    });
    build.onLoad({ filter: /.*/, namespace: 'dockerfix-lazy' }, async (args) => {
      const keys = Object.getOwnPropertyNames(await import(args.path).then((m) => m.default));
      return {
        loader: 'js',
        contents: `let m;
const load = () => (m ??= require(${JSON.stringify(args.path)}));
const keys = ${JSON.stringify(keys)};
module.exports = new Proxy({}, {
  get: (_, k) => load()[k],
  has: (_, k) => k in load(),
  ownKeys: () => (m ? Reflect.ownKeys(m) : keys),
  getOwnPropertyDescriptor: (_, k) => (m ? Reflect.getOwnPropertyDescriptor(m, k) && { ...Reflect.getOwnPropertyDescriptor(m, k), configurable: true } : keys.includes(k) ? { configurable: true, enumerable: true, writable: true, value: undefined } : undefined),
});
`,
      };
    });
  },
};

const BANNER = [
  '// Generated by scripts/bundle.mjs from the TypeScript sources: do not edit; run `npm run bundle`.',
  "import { createRequire as __dockerfixCreateRequire } from 'node:module';",
  'const require = __dockerfixCreateRequire(import.meta.url);',
].join('\n');

const BANNER_SCRIPT = '// Generated by scripts/bundle.mjs from the TypeScript sources: do not edit; run `npm run bundle`. Run by bundle/dockerfix.mjs.';
const BANNER_LAUNCHER = '#!/usr/bin/env node\n// Generated by scripts/bundle.mjs from bin/launch.ts: do not edit; run `npm run bundle`.';
const BANNER_WORKER = "// Generated by scripts/bundle.mjs from bin/launch.ts (the worker pool's entry): do not edit; run `npm run bundle`.";

/** esbuild's options for one output (not its input). */
function buildOptions(script, out, wanted, launcher, hashes, core, asked) {
  return {
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    format: script ? 'cjs' : 'esm',
    target: 'node20',
    write: false,
    outfile: out,
    // @cdktn/hcl2json loads its wasm from its own package folder: it stays a runtime dependency
    // (installed with the package; src/builds/bake.ts notes HCL bake files as unread without it).
    external: ['prettier', 'prettier/*', '@cdktn/hcl2json'],
    // A script runs inside the launcher's function wrapper (bin/launch.ts), which passes
    // `require`, the script's URL and an `import()`.
    ...(script ? { define: { 'import.meta.url': '__dockerfixUrl' } } : {}),
    ...(launcher
      ? {
          define: {
            __DOCKERFIX_ENTRY__: JSON.stringify(launcher),
            __DOCKERFIX_WORKER__: JSON.stringify(launcher === WORKER),
            __DOCKERFIX_SCRIPTS__: JSON.stringify(hashes),
            __DOCKERFIX_SHARED__: JSON.stringify(Object.fromEntries([...wanted].sort())),
          },
        }
      : {}),
    banner: { js: script ? BANNER_SCRIPT : launcher === CLI ? BANNER_LAUNCHER : launcher ? BANNER_WORKER : BANNER },
    legalComments: 'inline',
    plugins: [
      inlineCreateRequire,
      inlineYamlRequire,
      ...(script ? [externalImport, lazyBuiltins] : []),
      ...(script?.core && core ? [coreSplit(core, asked)] : []),
      ...(script?.entry || script?.module || script?.corePart ? [sharedParts(wanted)] : []),
    ],
    logLevel: 'silent',
  };
}

/** Build every output; returns path -> text (nothing written). */
export async function buildAll() {
  const texts = new Map();
  const hashes = {};
  /** Specifier -> the part that exports it, as the scripts ask for them. */
  const wanted = new Map();
  const core = await coreModules();
  /** The core part's modules that the other scripts require. */
  const asked = new Set();
  for (const { entry, out, script, launcher } of OUTPUTS) {
    if (script?.core) wanted.set(CORE_PREFIX, CORE);
    const partModule = script && !script.entry ? (script.module?.() ?? (script.corePart ? corePartSource(asked) : partSource(script, wanted))) : undefined;
    const r = await esbuild.build({
      ...buildOptions(script, out, wanted, launcher, hashes, core, asked),
      ...(partModule !== undefined ? { stdin: { contents: partModule, resolveDir: ROOT, sourcefile: script.out, loader: 'js' } } : { entryPoints: [entry ?? script.entry] }),
    });
    let text = r.outputFiles[0].text;
    if (script?.core) text = unwrapCoreInterop(text, core, out);
    if (script) text = shareBuiltinInterop(text, out);
    if (script) hashes[script.out] = crypto.createHash('sha256').update(text).digest('hex').slice(0, 16);
    texts.set(out, text);
  }
  return texts;
}

/**
 * esbuild gives every module that does `import fs from 'node:fs'` its own copy of the module's
 * ~100 properties (`__toESM`): 50 copies of fs and path at start-up. In the scripts, a built-in
 * module is copied once and the copy shared (built-in modules do not change their exports).
 */
function shareBuiltinInterop(text, out) {
  const helper = 'var __toESM = (mod, isNodeMode, target) =>';
  if (!text.includes('__toESM(require("node:')) return text;
  if (!text.includes(helper)) throw new Error(`scripts/bundle.mjs: ${out}: esbuild's __toESM helper changed; update shareBuiltinInterop`);
  const shared = [
    'var __builtinESM = /* @__PURE__ */ new Map();',
    'var __toESMBuiltin = (mod, isNodeMode) => {',
    '  const key = isNodeMode ? 1 : 0;',
    '  let pair = __builtinESM.get(mod);',
    '  if (!pair) __builtinESM.set(mod, (pair = []));',
    '  return (pair[key] ??= __toESM(mod, isNodeMode));',
    '};',
  ].join('\n');
  return text.replace(helper, `${shared}\n${helper}`).replaceAll('__toESM(require("node:', '__toESMBuiltin(require("node:');
}

/** A shared part: an object of the specifiers the scripts built before it asked for. */
function partSource(script, wanted) {
  const ids = [...wanted]
    .filter(([, out]) => out === script.out)
    .map(([id]) => id)
    .sort();
  if (!ids.length) throw new Error(`scripts/bundle.mjs: no script uses ${script.out}`);
  return `module.exports = {\n${ids.map((id) => `  ${JSON.stringify(id)}: require(${JSON.stringify(id)}),`).join('\n')}\n};\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const check = process.argv.includes('--check');
  const texts = await buildAll();
  let stale = 0;
  for (const [out, text] of texts) {
    const file = path.join(ROOT, out);
    if (check) {
      const committed = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
      if (committed !== text) {
        stale++;
        console.error(`${out}: differs from a fresh build of the sources; run \`npm run bundle\` and commit it`);
      }
    } else {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
      if (out.endsWith('.mjs')) fs.chmodSync(file, 0o755);
      console.log(`${out}: ${(text.length / 1024).toFixed(0)} KiB`);
    }
  }
  process.exit(stale ? 1 : 0);
}
