/**
 * Which files a dependency install reads (its manifests), which paths it writes inside the
 * project, and whether it can run before the rest of the source is copied at all. Inferred from
 * the install command and the build context (which honours `.dockerignore`).
 *
 * Every function here is conservative: when a manifest may read other project files (a Gemfile
 * calling `gemspec`, an npm `postinstall` script, a `-e .` line in a requirements file, a local
 * path dependency), the plan carries a `block` reason instead of a guess.
 */
import path from 'node:path';
import type { BuildContext } from '../core/context.js';
import { has, values, looksLikePath, type InstallCommand } from './install-commands.js';
import { ecosystem } from '../ecosystems/index.js';

export interface ManifestPlan {
  /** Context-relative files and directories to copy before the install. */
  paths: string[];
  /** Without a build context: patterns relative to the context (optional ones end with `*`). */
  patterns: string[];
  /** The install cannot run before the source is copied, and why. */
  block?: string;
  /** The split is possible but not provably equivalent, and why. */
  unsafe?: string;
  /**
   * Context-relative directories (or files) the install writes inside the project, where a copy
   * from the working tree after the install would replace what it wrote and break the image
   * (node_modules, .venv, vendor, obj). The split is safe only when `.dockerignore` keeps them
   * out of the context, whatever the working tree holds now. Only real risks are listed: build
   * outputs a later build rewrites anyway (maven's target, gradle's build) are not.
   */
  outputs: string[];
  /**
   * The install also needs the source, but a dependency-only form exists: run the command with
   * `flags` added after word `afterWord` first, and the original command again after the copy.
   */
  depOnly?: { flags: string[]; afterWord: number; what: string };
  /** Human-readable names of the manifests for the finding. */
  describe?: string;
}

export interface PlanInput {
  inst: InstallCommand;
  ctx: BuildContext;
  /** Map an absolute path in the image to a context-relative path, or null when outside the copy. */
  toRel(abs: string): string | null;
  env: Map<string, string | undefined>;
}

const posix = path.posix;

function join(dir: string, name: string): string {
  return dir ? posix.normalize(`${dir}/${name}`) : posix.normalize(name);
}

function dirOf(rel: string): string {
  const d = posix.dirname(rel);
  return d === '.' ? '' : d;
}

function isTrue(v: string | undefined): boolean {
  return v !== undefined && /^(1|true|yes|on)$/i.test(v);
}

/** Glob (`packages/*`, `apps/**`) to a RegExp over context-relative paths. */
export function globToRegExp(glob: string): RegExp {
  const g = glob.replace(/^\.\//, '').replace(/\/+$/, '');
  let re = '';
  for (let i = 0; i < g.length; i++) {
    const c = g[i]!;
    if (c === '*') {
      if (g[i + 1] === '*') {
        re += '.*';
        i++;
        if (g[i + 1] === '/') i++;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if ('.+^$()|{}[]\\'.includes(c)) re += '\\' + c;
    else re += c;
  }
  return new RegExp(`^${re}$`);
}

class Planner {
  readonly plan: ManifestPlan = { paths: [], patterns: [], outputs: [] };
  constructor(
    readonly input: PlanInput,
    /** Context-relative project directory. */
    readonly dir: string,
  ) {}

  get ctx(): BuildContext {
    return this.input.ctx;
  }
  get available(): boolean {
    return this.input.ctx.available;
  }
  rel(name: string): string {
    return join(this.dir, name);
  }
  exists(rel: string): boolean {
    return this.ctx.exists(rel);
  }
  block(reason: string): void {
    this.plan.block ??= reason;
  }
  unsafe(reason: string): void {
    this.plan.unsafe ??= reason;
  }
  /** A manifest the install cannot run without (name relative to the project directory). */
  required(name: string): boolean {
    return this.requiredRel(this.rel(name));
  }
  requiredRel(rel: string): boolean {
    if (!this.available) {
      this.plan.patterns.push(rel);
      return true;
    }
    if (!this.exists(rel)) {
      this.block(`${rel} is not in the build context${this.ctx.ignored(rel) ? ' (excluded by .dockerignore)' : ''}`);
      return false;
    }
    this.add(rel);
    return true;
  }
  /** A manifest copied when present. */
  optional(name: string, isDir = false): boolean {
    return this.optionalRel(this.rel(name), isDir);
  }
  optionalRel(rel: string, isDir = false): boolean {
    if (!this.available) {
      // A glob matching a directory would copy its contents, not the directory.
      if (isDir) return false;
      this.plan.patterns.push(rel + '*');
      return false;
    }
    if (!this.exists(rel)) return false;
    this.add(rel);
    return true;
  }
  add(rel: string): void {
    if (!this.plan.paths.includes(rel)) this.plan.paths.push(rel);
  }
  output(rel: string): void {
    if (!this.plan.outputs.includes(rel)) this.plan.outputs.push(rel);
  }
  read(rel: string): string | undefined {
    return this.ctx.read(rel);
  }
  /** Resolve a path argument of the command to a context-relative path (null: outside the copy). */
  argRel(v: string): string | null {
    const abs = v.startsWith('/') ? v : posix.join(this.input.inst.cwd, v);
    return this.input.toRel(posix.normalize(abs));
  }
  files(): string[] | undefined {
    return this.ctx.files();
  }
}

export function planManifests(input: PlanInput): ManifestPlan {
  const { inst } = input;
  const cwdRel = input.toRel(inst.cwd);
  if (cwdRel === null) {
    const p = new Planner(input, '');
    p.block(`\`${inst.label}\` runs in ${inst.cwd}, outside the copied directory`);
    return p.plan;
  }
  const dirOpt = (names: string[]): string | null => {
    const v = values(inst.opts, ...names)[0];
    if (v === undefined) return cwdRel;
    const r = input.toRel(posix.normalize(v.startsWith('/') ? v : posix.join(inst.cwd, v)));
    return r;
  };
  // The options that name the project directory come from the tool's descriptor (src/ecosystems/).
  const dirOptions = ecosystem(inst.eco).manifests?.dirOptions;
  const dir: string | null = dirOptions ? dirOpt([...dirOptions]) : cwdRel;
  const p = new Planner(input, dir ?? '');
  if (dir === null) {
    p.block(`\`${inst.label}\` works on a project outside the copied directory`);
    return p.plan;
  }
  const planner = ecosystem(inst.eco).manifests?.planner;
  const run = planner === undefined ? undefined : PLANNERS[planner];
  if (run) run(p);
  else p.block(`no manifest planner is known for \`${inst.label}\``);
  return p.plan;
}

/** The planners descriptors name (`manifests.planner`): how to find a tool's manifests in a context. */
const PLANNERS: Record<string, (p: Planner) => void> = {
  pip: (p) => pip(p),
  pipenv: (p) => pipenv(p),
  poetry: (p) => poetry(p),
  uv: (p) => uv(p),
  pdm: (p) => pdm(p),
  node: (p) => node(p),
  go: (p) => go(p),
  cargo: (p) => p.block(ecosystem('cargo').noDependencyOnly ?? 'cargo needs the crate sources'),
  maven: (p) => maven(p),
  gradle: (p) => gradle(p),
  bundler: (p) => bundler(p),
  composer: (p) => composer(p),
  dotnet: (p) => dotnet(p),
  mix: (p) => mix(p),
};

// ---------------------------------------------------------------- Python

const LOCAL_REQ = /^(\.|\.\.|\/|file:|~)|^\.?\.?\/|^[\w.-]+\s*@\s*file:/;

function pip(p: Planner): void {
  const { inst } = p.input;
  const sub = inst.cmd.words[inst.subIndex]?.value;
  const editable = values(inst.opts, '-e', '--editable');
  const localEditable = editable.filter((v) => looksLikePath(v) || v.startsWith('file:'));
  if (localEditable.length) {
    p.block(`\`${inst.label}\` installs the project itself (\`-e ${localEditable[0]}\`), which needs the whole source`);
    return;
  }
  if (editable.length) {
    const src = values(inst.opts, '--src')[0];
    const rel = src === undefined ? p.rel('src') : p.argRel(src);
    if (rel !== null) p.output(rel);
  }
  const reqArgs = [...values(inst.opts, '-r', '--requirement')];
  const positional = inst.positional.map((w) => w.value);
  if (sub === 'sync') reqArgs.push(...positional);
  else {
    const local = inst.positional.filter((w) => looksLikePath(w.value) || w.dynamic);
    if (local.length) {
      const v = local[0]!.value;
      p.block(/^[./~]/.test(v) || !local[0]!.dynamic ? `\`${inst.label}\` installs the project itself (\`${v}\`), which needs the whole source` : `\`${inst.label}\` installs \`${v}\`, which cannot be resolved`);
      return;
    }
  }
  const constraints = values(inst.opts, '-c', '--constraint');
  const findLinks = values(inst.opts, '-f', '--find-links').filter((v) => !/^[a-z]+:\/\//i.test(v));
  if (findLinks.length) {
    p.block(`\`${inst.label}\` reads packages from the local directory ${findLinks[0]}`);
    return;
  }
  for (const v of [...reqArgs, ...constraints]) {
    if (/^[a-z]+:\/\//i.test(v)) continue;
    if (v.includes('$')) {
      p.block(`the requirements file \`${v}\` cannot be resolved`);
      return;
    }
    const rel = p.argRel(v);
    if (rel === null) continue; // Not from this copy: already in the image.
    requirementFile(p, rel, new Set());
    if (p.plan.block) return;
  }
  for (const o of values(inst.opts, '-t', '--target', '--prefix', '--root')) {
    const rel = p.argRel(o);
    if (rel !== null) p.output(rel);
  }
  const venv = p.input.env.get('VIRTUAL_ENV');
  if (venv && venv.startsWith('/')) {
    const rel = p.input.toRel(venv);
    if (rel !== null) p.output(rel);
  }
}

function requirementFile(p: Planner, rel: string, seen: Set<string>): void {
  if (seen.has(rel)) return;
  seen.add(rel);
  if (!p.available) {
    p.plan.patterns.push(rel);
    return;
  }
  if (!p.exists(rel)) {
    p.block(`${rel} is not in the build context${p.ctx.ignored(rel) ? ' (excluded by .dockerignore)' : ''}`);
    return;
  }
  p.add(rel);
  const text = p.read(rel);
  if (text === undefined) {
    p.block(`could not read ${rel} to find the files it includes`);
    return;
  }
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  for (let raw of lines) {
    raw = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!raw) continue;
    const m = /^(-r|--requirement|-c|--constraint|-e|--editable|-f|--find-links)(?:\s*=\s*|\s+|(?=[^\s-]))(\S+)/.exec(raw);
    if (m) {
      const opt = m[1];
      const v = m[2]!;
      if (opt === '-e' || opt === '--editable') {
        if (looksLikePath(v) || v.startsWith('file:')) return p.block(`${rel} installs a local project (\`${raw}\`), which needs the whole source`);
        // An editable VCS requirement is cloned into ./src of the working directory.
        p.output(p.rel('src'));
        continue;
      }
      if (opt === '-f' || opt === '--find-links') {
        if (!/^[a-z]+:\/\//i.test(v)) return p.block(`${rel} reads packages from the local directory ${v}`);
        continue;
      }
      if (/^[a-z]+:\/\//i.test(v)) continue;
      if (v.includes('$')) return p.block(`${rel} includes \`${v}\`, which cannot be resolved`);
      const inc = posix.normalize(join(dirOf(rel), v));
      if (inc.startsWith('../')) return p.block(`${rel} includes ${v}, outside the build context`);
      requirementFile(p, inc, seen);
      if (p.plan.block) return;
      continue;
    }
    if (raw.startsWith('-')) continue;
    if (LOCAL_REQ.test(raw) || /\.(whl|tar\.gz|zip)(\s|;|$)/.test(raw) && !/:\/\//.test(raw)) {
      return p.block(`${rel} installs a local path (\`${raw}\`), which needs the whole source`);
    }
  }
}

function pipenv(p: Planner): void {
  const { inst, env } = p.input;
  if (env.get('PIPENV_PIPFILE') !== undefined) return p.block('PIPENV_PIPFILE points pipenv at another Pipfile');
  if (!p.required('Pipfile')) return;
  const lock = p.optional('Pipfile.lock');
  const text = p.available ? p.read(p.rel('Pipfile')) : '';
  if (text === undefined) return p.block(`could not read ${p.rel('Pipfile')}`);
  if (/\bpath\s*=|editable\s*=\s*true/.test(text)) return p.block(`${p.rel('Pipfile')} has a local path dependency, which needs the whole source`);
  const sub = inst.cmd.words[inst.subIndex]?.value;
  if (sub === 'install' && lock && !has(inst.opts, '--deploy', '--ignore-pipfile')) {
    p.unsafe('`pipenv install` may re-lock and rewrite Pipfile.lock; after the split the copy from the build context replaces the rewritten one (use `--deploy` to make it safe)');
  }
  if (isTrue(env.get('PIPENV_VENV_IN_PROJECT'))) p.output(p.rel('.venv'));
}

function readme(p: Planner, text: string): void {
  const m = /^\s*readme\s*=\s*(?:"([^"]+)"|'([^']+)'|\[([^\]]*)\])/m.exec(text);
  if (!m) return;
  const names = m[3] ? [...m[3].matchAll(/["']([^"']+)["']/g)].map((x) => x[1]!) : [m[1] ?? m[2] ?? ''];
  for (const n of names) p.optional(n);
}

function poetry(p: Planner): void {
  const { inst, env } = p.input;
  if (!p.required('pyproject.toml')) return;
  p.optional('poetry.lock');
  const tomlRel = p.rel('poetry.toml');
  const hasPoetryToml = p.optional('poetry.toml');
  if (!p.available) {
    p.unsafe('without the build context the pyproject.toml could not be checked');
    if (!has(inst.opts, '--no-root')) p.block('`poetry install` installs the project itself and the build context is not available to check it');
    return;
  }
  const text = p.read(p.rel('pyproject.toml'));
  if (text === undefined) return p.block(`could not read ${p.rel('pyproject.toml')}`);
  if (/\bpath\s*=\s*["']/.test(text)) return p.block(`${p.rel('pyproject.toml')} has a local path dependency, which needs the whole source`);
  if (has(inst.opts, '--only-root')) return p.block('`poetry install --only-root` installs only the project, which needs the whole source');
  readme(p, text);
  const packageMode = !/^\s*package-mode\s*=\s*false/m.test(text);
  if (packageMode && !has(inst.opts, '--no-root')) {
    p.plan.depOnly = { flags: ['--no-root'], afterWord: inst.subIndex, what: '`poetry install --no-root` installs the dependencies first and the original command installs the project after the full copy' };
  }
  const inProject = isTrue(env.get('POETRY_VIRTUALENVS_IN_PROJECT')) || (hasPoetryToml && /in-project\s*=\s*true/.test(p.read(tomlRel) ?? ''));
  if (inProject) p.output(p.rel('.venv'));
}

function uv(p: Planner): void {
  const { inst, env } = p.input;
  if (!p.required('pyproject.toml')) return;
  const lock = p.optional('uv.lock');
  p.optional('.python-version');
  p.optional('uv.toml');
  if (!p.available) {
    p.unsafe('without the build context the pyproject.toml could not be checked');
    if (!has(inst.opts, '--no-install-project', '--no-install-workspace')) p.block('`uv sync` installs the project itself and the build context is not available to check it');
    return;
  }
  const text = p.read(p.rel('pyproject.toml'));
  if (text === undefined) return p.block(`could not read ${p.rel('pyproject.toml')}`);
  if (/\[tool\.uv\.workspace\]/.test(text) || has(inst.opts, '--package', '--all-packages')) return p.block('a uv workspace: its members would need to be copied too; not split');
  if (/\b(path|workspace)\s*=\s*(["']|true)/.test(text)) return p.block(`${p.rel('pyproject.toml')} has a local path source, which needs the whole source`);
  const projectEnv = env.get('UV_PROJECT_ENVIRONMENT');
  if (projectEnv === undefined) p.output(p.rel('.venv'));
  else {
    const rel = projectEnv.startsWith('/') ? p.input.toRel(projectEnv) : p.rel(projectEnv);
    if (rel !== null) p.output(rel);
  }
  const hasProject = /^\s*\[project\]/m.test(text) && !/^\s*package\s*=\s*false/m.test(text);
  if (hasProject && !has(inst.opts, '--no-install-project', '--no-install-workspace', '--only-group')) {
    p.plan.depOnly = { flags: ['--no-install-project'], afterWord: inst.subIndex, what: '`uv sync --no-install-project` installs the dependencies first and the original command installs the project after the full copy' };
  } else if (lock && !has(inst.opts, '--locked', '--frozen') && !isTrue(env.get('UV_LOCKED')) && !isTrue(env.get('UV_FROZEN'))) {
    p.unsafe('`uv sync` without `--locked` may rewrite uv.lock; after the split the copy from the build context replaces the rewritten one');
  }
}

/** pdm: pyproject.toml (+ pdm.lock, pdm.toml, .pdm-python); the project itself after the full copy. */
function pdm(p: Planner): void {
  const { inst } = p.input;
  if (!p.required('pyproject.toml')) return;
  const lock = p.optional('pdm.lock');
  p.optional('pdm.toml');
  p.optional('.pdm-python');
  if (!p.available) {
    p.unsafe('without the build context the pyproject.toml could not be checked');
    if (!has(inst.opts, '--no-self')) p.block('`pdm install` installs the project itself and the build context is not available to check it');
    return;
  }
  const text = p.read(p.rel('pyproject.toml'));
  if (text === undefined) return p.block(`could not read ${p.rel('pyproject.toml')}`);
  if (/\b(path|editable)\s*=\s*(["']|true)/.test(text) || /file:\/\/\/?\$\{PROJECT_ROOT\}/.test(text)) return p.block(`${p.rel('pyproject.toml')} has a local path dependency, which needs the whole source`);
  p.output(p.rel('.venv'));
  const hasProject = /^\s*\[project\]/m.test(text) && !/^\s*distribution\s*=\s*false/m.test(text);
  if (hasProject && !has(inst.opts, '--no-self')) {
    p.plan.depOnly = { flags: ['--no-self'], afterWord: inst.subIndex, what: '`pdm install --no-self` installs the dependencies first and the original command installs the project after the full copy' };
  } else if (lock && !has(inst.opts, '--frozen-lockfile', '--check') && inst.cmd.words[inst.subIndex]?.value !== 'sync') {
    p.unsafe('`pdm install` without `--frozen-lockfile` may rewrite pdm.lock; after the split the copy from the build context replaces the rewritten one');
  }
}

// ---------------------------------------------------------------- JavaScript

const LIFECYCLE = ['preinstall', 'install', 'postinstall', 'prepublish', 'preprepare', 'prepare', 'postprepare'];
const LOCAL_DEP = /^(file:|link:|portal:|\.{1,2}\/|\/|~\/)/;

interface PackageJson {
  scripts?: Record<string, string>;
  workspaces?: string[] | { packages?: string[] };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  resolutions?: Record<string, string>;
  overrides?: unknown;
  pnpm?: { patchedDependencies?: Record<string, string>; overrides?: Record<string, string> };
  packageManager?: string;
}

function node(p: Planner): void {
  const { inst } = p.input;
  const sub = inst.cmd.words[inst.subIndex]?.value;
  const tool = inst.eco;
  if (!p.required('package.json')) return;
  if (!p.available) {
    // Only the files this tool reads, as globs (its descriptor's `withoutContext`).
    for (const f of ecosystem(tool).manifests?.withoutContext ?? []) p.optional(f);
    p.unsafe('without the build context, lifecycle scripts, workspaces and local dependencies in package.json could not be checked');
    return;
  }
  const locks = ['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml'];
  // bun's files only for bun: other tools' splits stay as they were.
  if (tool === 'bun') locks.push('bun.lock', 'bun.lockb', 'bunfig.toml');
  const present = locks.filter((l) => p.optional(l));
  for (const f of ['.npmrc', '.yarnrc', '.yarnrc.yml', '.pnpmfile.cjs', 'pnpm-workspace.yaml']) p.optional(f);
  for (const d of ['.yarn/releases', '.yarn/plugins', '.yarn/patches']) p.optional(d);
  const ignoreScripts = has(inst.opts, '--ignore-scripts') || /^\s*ignore-scripts\s*=\s*true/m.test(p.read(p.rel('.npmrc')) ?? '');
  const root = readPackage(p, p.rel('package.json'));
  if (!root) return;
  // Workspaces: every member's package.json, at its own path.
  const patterns: string[] = [];
  if (Array.isArray(root.workspaces)) patterns.push(...root.workspaces);
  else if (root.workspaces && Array.isArray(root.workspaces.packages)) patterns.push(...root.workspaces.packages);
  if (tool === 'pnpm' || p.exists(p.rel('pnpm-workspace.yaml'))) {
    const yaml = p.read(p.rel('pnpm-workspace.yaml'));
    if (yaml !== undefined) patterns.push(...yamlList(yaml, 'packages'));
  }
  const members: string[] = [];
  if (patterns.length) {
    const files = p.files();
    if (!files) return p.block('the workspaces could not be listed');
    const pos = patterns.filter((x) => !x.startsWith('!')).map(globToRegExp);
    const neg = patterns.filter((x) => x.startsWith('!')).map((x) => globToRegExp(x.slice(1)));
    for (const f of files) {
      if (!f.endsWith('/package.json') || f.includes('node_modules/')) continue;
      const rel = p.dir ? (f.startsWith(p.dir + '/') ? f.slice(p.dir.length + 1) : null) : f;
      if (rel === null) continue;
      const d = dirOf(rel);
      if (!d || !pos.some((r) => r.test(d)) || neg.some((r) => r.test(d))) continue;
      members.push(d);
    }
    members.sort();
    if (members.length > 200) return p.block(`${members.length} workspace packages: too many to copy one by one`);
  }
  const pnp = tool === 'yarn' && yarnPnp(p, root);
  const pkgs: Array<[string, PackageJson]> = [['', root]];
  for (const m of members) {
    const rel = p.rel(join(m, 'package.json'));
    const pkg = readPackage(p, rel);
    if (!pkg) return;
    p.add(rel);
    pkgs.push([m, pkg]);
  }
  for (const [m, pkg] of pkgs) {
    const where = p.rel(join(m, 'package.json'));
    // A workspace package's executables are linked into node_modules/.bin at install time, and
    // pnpm copies "injected" workspace packages: both need the package's files, not its manifest.
    const raw = pkg as Record<string, unknown>;
    if (m && (raw.bin !== undefined || (raw.directories as Record<string, unknown> | undefined)?.bin !== undefined)) {
      return p.block(`the workspace package ${where} declares \`bin\`, which the install links to files not copied yet`);
    }
    if (JSON.stringify(raw.dependenciesMeta ?? {}).includes('"injected"')) return p.block(`${where} injects workspace packages, which the install copies from their sources`);
    if (!ignoreScripts) {
      const script = LIFECYCLE.find((s) => pkg.scripts?.[s] !== undefined && !harmlessScript(pkg.scripts[s], p));
      if (script) return p.block(`${where} has a \`${script}\` script (\`${trim(pkg.scripts![script]!)}\`) that \`${inst.label}\` runs and that may read source files not copied yet`);
      if (p.exists(p.rel(join(m, 'binding.gyp')))) return p.block(`${p.rel(join(m, 'binding.gyp'))} makes \`${inst.label}\` compile a native addon from the source`);
    }
    for (const field of ['dependencies', 'devDependencies', 'optionalDependencies', 'resolutions'] as const) {
      for (const [name, spec] of Object.entries(pkg[field] ?? {})) {
        if (typeof spec === 'string' && (LOCAL_DEP.test(spec) || /#\.{0,2}\//.test(spec) && /^patch:/.test(spec) && !spec.includes('.yarn/patches'))) {
          return p.block(`${where} depends on a local path (\`${name}: ${spec}\`), which needs the whole source`);
        }
      }
    }
    for (const file of Object.values(pkg.pnpm?.patchedDependencies ?? {})) {
      const rel = p.rel(join(m, file));
      if (!p.exists(rel)) return p.block(`${where} patches a dependency with ${rel}, which is not in the build context`);
      p.add(rel);
    }
    // Plug'n'Play installs write no node_modules (Node never looks there for the packages).
    if (!pnp) p.output(p.rel(join(m, 'node_modules')));
  }
  // Yarn Berry in Plug'n'Play mode writes the loader and the unplugged (built) packages instead of
  // node_modules; a working tree's copy points at the developer's own cache and builds.
  if (pnp) for (const o of ['.pnp.cjs', '.pnp.loader.mjs', '.yarn/unplugged']) p.output(p.rel(o));
  for (const m of values(inst.opts, '--modules-folder')) {
    const rel = p.argRel(m);
    if (rel !== null) p.output(rel);
  }
  // Configuration files that point at other project files.
  for (const rc of ['.npmrc', '.yarnrc', '.yarnrc.yml']) {
    const text = p.read(p.rel(rc));
    if (text === undefined) continue;
    for (const m of text.matchAll(/^\s*([\w.@/:-]+)\s*[=:]?\s*["']?(\.{1,2}\/[^\s"']*|\.yarn\/[^\s"']*)/gm)) {
      const ref = posix.normalize(join(p.dir, m[2]!));
      if (/^(cacheFolder|installStatePath|pnpUnpluggedFolder|virtualFolder|globalFolder)$/.test(m[1]!)) {
        // The cache holds checksummed archives (a working tree's copy is harmless); the
        // unplugged packages are built for the developer's platform.
        if (m[1] === 'pnpUnpluggedFolder' && pnp) p.output(ref);
        continue;
      }
      if (p.plan.paths.some((x) => ref === x || ref.startsWith(x + '/'))) continue;
      return p.block(`${p.rel(rc)} refers to ${m[2]} (\`${m[1]}\`), which would not be copied before the install`);
    }
  }
  // Installs that may rewrite the lockfile: the split would keep the context's version instead.
  const frozen = has(inst.opts, '--frozen-lockfile', '--immutable', '--pure-lockfile', '--frozen', '--immutable-cache', '--locked');
  if (tool === 'npm' && sub !== 'ci' && sub !== 'clean-install' && (present.includes('package-lock.json') || present.includes('npm-shrinkwrap.json')) && !has(inst.opts, '--no-package-lock') && !values(inst.opts, '--package-lock').includes('false')) {
    p.unsafe('`npm install` may rewrite package-lock.json (e.g. upgrade its format); after the split the copy from the build context replaces the rewritten one (`npm ci` would be safe)');
  } else if (tool === 'yarn' && present.includes('yarn.lock') && !frozen) {
    p.unsafe('`yarn install` without `--frozen-lockfile`/`--immutable` may rewrite yarn.lock; after the split the copy from the build context replaces the rewritten one');
  } else if (tool === 'bun' && (present.includes('bun.lock') || present.includes('bun.lockb')) && !frozen && sub !== 'ci') {
    p.unsafe('`bun install` without `--frozen-lockfile` may rewrite its lockfile; after the split the copy from the build context replaces the rewritten one');
  } else if (tool === 'pnpm' && sub !== 'fetch' && present.includes('pnpm-lock.yaml') && !frozen) {
    p.unsafe('`pnpm install` without `--frozen-lockfile` may rewrite pnpm-lock.yaml; after the split the copy from the build context replaces the rewritten one');
  }
  if (members.length) {
    const memberFiles = new Set(members.map((m) => p.rel(join(m, 'package.json'))));
    const rootFiles = p.plan.paths.filter((x) => !memberFiles.has(x));
    p.plan.describe = `${rootFiles.join(', ')} and the package.json of ${members.length} workspace package${members.length > 1 ? 's' : ''}`;
  }
}

/** Yarn 2+ (`.yarnrc.yml` or `packageManager: yarn@2+`) with the default Plug'n'Play linker. */
function yarnPnp(p: Planner, root: PackageJson): boolean {
  const rc = p.read(p.rel('.yarnrc.yml'));
  const berry = rc !== undefined || /^yarn@([2-9]|\d{2,})/.test(root.packageManager ?? '');
  if (!berry) return false;
  const linker = /^\s*nodeLinker\s*:\s*["']?([\w-]+)/m.exec(rc ?? '')?.[1];
  return linker === undefined || linker === 'pnp';
}

/**
 * Lifecycle scripts known not to read project files: `npx only-allow pnpm` (checks the package
 * manager's user agent) and husky (returns early, changing nothing, when there is no `.git`
 * directory, which is then also absent from the build context).
 */
function harmlessScript(script: string, p: Planner): boolean {
  const parts = script.split(/&&|\|\||;/).map((x) => x.trim()).filter(Boolean);
  return parts.every((part) => {
    if (/^(npx\s+(-y\s+|--yes\s+)?)?only-allow\s+(npm|pnpm|yarn|bun)$/.test(part)) return true;
    if (/^(true|is-ci|exit 0)$/.test(part)) return true;
    if (/^husky(\s+install)?(\s+[\w./-]+)?$/.test(part)) return !p.exists('.git') && !p.exists(p.rel('.git'));
    return false;
  });
}

function trim(s: string): string {
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}

function readPackage(p: Planner, rel: string): PackageJson | undefined {
  const text = p.read(rel);
  if (text === undefined) {
    p.block(`could not read ${rel}`);
    return undefined;
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (!v || typeof v !== 'object') throw new Error('not an object');
    return v as PackageJson;
  } catch {
    p.block(`could not parse ${rel}`);
    return undefined;
  }
}

/** Items of a top-level YAML list (`packages:\n  - 'a/*'`), enough for pnpm-workspace.yaml. */
export function yamlList(text: string, key: string): string[] {
  const out: string[] = [];
  const lines = text.split(/\r?\n/);
  let inList = false;
  for (const line of lines) {
    if (new RegExp(`^${key}\\s*:\\s*$`).test(line)) {
      inList = true;
      continue;
    }
    if (!inList) continue;
    const m = /^\s+-\s*["']?([^"'#]+?)["']?\s*(#.*)?$/.exec(line);
    if (m) out.push(m[1]!.trim());
    else if (/^\S/.test(line)) inList = false;
  }
  return out;
}

// ---------------------------------------------------------------- Go

function go(p: Planner): void {
  const { env } = p.input;
  if (p.available && !p.exists(p.rel('go.mod')) && !p.ctx.ignored(p.rel('go.mod'))) {
    return p.block(`no ${p.rel('go.mod')} in the build context: a GOPATH-mode build has no separate dependency step`);
  }
  if (!p.required('go.mod')) return;
  p.optional('go.sum');
  if (!p.available) {
    p.unsafe('without the build context go.mod could not be checked for local replacements');
    return;
  }
  if (env.get('GOWORK') !== 'off') {
    for (let d = p.dir; ; d = dirOf(d)) {
      if (p.exists(join(d, 'go.work'))) return p.block(`${join(d, 'go.work')} makes this a Go workspace; its modules would need to be copied too`);
      if (!d) break;
    }
  }
  const text = p.read(p.rel('go.mod'));
  if (text === undefined) return p.block(`could not read ${p.rel('go.mod')}`);
  const local = /=>\s*(\.{1,2}\/\S*|\/\S*)/.exec(text);
  if (local) return p.block(`${p.rel('go.mod')} replaces a module with the local directory ${local[1]}, which needs the whole source`);
  if (p.exists(p.rel('vendor/modules.txt'))) return p.block(`the module has a vendor directory (${p.rel('vendor')}), which \`go\` commands may use instead of the module cache`);
  const gopath = env.get('GOPATH') ?? '/go';
  const modcache = env.get('GOMODCACHE') ?? `${gopath.split(':')[0]}/pkg/mod`;
  if (modcache.startsWith('/')) {
    const rel = p.input.toRel(modcache);
    if (rel !== null) p.output(rel);
  }
}

// ---------------------------------------------------------------- JVM

function maven(p: Planner): void {
  const { inst } = p.input;
  let pom = join(p.dir, 'pom.xml');
  const f = values(inst.opts, '-f', '--file')[0];
  if (f !== undefined) {
    const rel = p.argRel(f);
    if (rel === null) return p.block(`\`${inst.label}\` reads ${f}, outside the copied directory`);
    pom = rel.endsWith('.xml') ? rel : join(rel, 'pom.xml');
  }
  const base = dirOf(pom);
  const visit = (rel: string, depth: number): void => {
    if (!p.requiredRel(rel) || !p.available) return;
    const text = p.read(rel);
    if (text === undefined) return p.block(`could not read ${rel}`);
    if (/<systemPath>/.test(text)) return p.block(`${rel} uses a <systemPath> dependency from the project`);
    if (/<file>\s*<(exists|missing)>/.test(text)) return p.block(`${rel} activates a profile by the presence of a file`);
    if (depth > 6) return;
    for (const m of text.matchAll(/<module>\s*([^<\s]+)\s*<\/module>/g)) {
      const r = posix.normalize(join(dirOf(rel), m[1]!));
      if (r.startsWith('..')) return p.block(`${rel} has the module ${m[1]} outside the build context`);
      visit(r.endsWith('.xml') ? r : join(r, 'pom.xml'), depth + 1);
      if (p.plan.block) return;
    }
  };
  visit(pom, 0);
  if (p.plan.block) return;
  p.optionalRel(join(base, '.mvn'), true);
  if (/mvnw$/.test(inst.cmd.words.map((w) => w.value).find((v) => /mvn/.test(v)) ?? '')) p.optionalRel(join(base, 'mvnw'));
  for (const s of values(inst.opts, '-s', '--settings', '-gs', '--global-settings', '-t', '--toolchains')) {
    const rel = p.argRel(s);
    if (rel === null) continue;
    if (!p.requiredRel(rel)) return;
  }
  if (!p.available) p.block('without the build context the modules of pom.xml and the .mvn directory cannot be found');
}

function gradle(p: Planner): void {
  if (!p.available) {
    p.block('a Gradle build reads many build scripts; without the build context they cannot be listed');
    return;
  }
  const files = p.files();
  if (!files) return p.block('the Gradle build scripts could not be listed');
  const prefix = p.dir ? p.dir + '/' : '';
  const scripts = files.filter((f) => f.startsWith(prefix) && /(^|\/)[^/]+\.gradle(\.kts)?$/.test(f) && !/(^|\/)(build|\.gradle|buildSrc|node_modules)\//.test(f.slice(prefix.length)));
  if (!scripts.some((f) => /^settings\.gradle(\.kts)?$|^build\.gradle(\.kts)?$/.test(f.slice(prefix.length)))) return p.block(`no build.gradle or settings.gradle in ${p.dir || 'the build context'}`);
  for (const s of scripts) {
    const text = p.read(s);
    if (text === undefined) return p.block(`could not read ${s}`);
    if (/\b(file|files|fileTree|File|rootProject\.file|project\.file)\s*\(|readText|readLines|readBytes|\bexec\s*\{|providers\.exec|Properties\(\)|includeBuild|includeFlat|projectDir\s*=/.test(text)) {
      return p.block(`${s} reads other files or runs commands, which may need the source`);
    }
    p.add(s);
  }
  for (const f of files.filter((x) => x.startsWith(prefix) && /(^|\/)gradle\.properties$/.test(x) && !x.slice(prefix.length).includes('build/'))) p.add(f);
  p.optional('gradlew');
  p.optional('gradle');
  p.optional('buildSrc');
}

// ---------------------------------------------------------------- Ruby

function bundler(p: Planner): void {
  const { inst, env } = p.input;
  let gemfile = 'Gemfile';
  const g = values(inst.opts, '--gemfile')[0] ?? env.get('BUNDLE_GEMFILE');
  if (g !== undefined) {
    const rel = p.argRel(g);
    if (rel === null) return p.block(`\`${inst.label}\` reads ${g}, outside the copied directory`);
    gemfile = p.dir ? posix.relative(p.dir, rel) : rel;
  } else if (p.available && !p.exists(p.rel('Gemfile')) && p.exists(p.rel('gems.rb'))) gemfile = 'gems.rb';
  if (!p.required(gemfile)) return;
  const lockName = gemfile === 'gems.rb' ? 'gems.locked' : `${gemfile}.lock`;
  const lock = p.optional(lockName);
  const appConfig = env.get('BUNDLE_APP_CONFIG');
  const bundleDir = p.optional('.bundle', true);
  if (!p.available) {
    p.unsafe('without the build context the Gemfile could not be checked for gemspec and local path gems');
    return;
  }
  const text = p.read(p.rel(gemfile));
  if (text === undefined) return p.block(`could not read ${p.rel(gemfile)}`);
  if (/^\s*gemspec\b/m.test(text)) return p.block(`${p.rel(gemfile)} uses \`gemspec\`, which reads the gem's own source`);
  if (/\bpath:\s|:path\s*=>|\bpath\s*\(/.test(text)) return p.block(`${p.rel(gemfile)} has a local path gem, which needs the whole source`);
  if (/eval_gemfile|File\.|IO\.|require_relative|__dir__|Dir\[|Dir\.glob|\bload\s/.test(text)) return p.block(`${p.rel(gemfile)} reads other files`);
  for (const m of text.matchAll(/ruby\s+file:\s*["']([^"']+)["']/g)) {
    if (!p.optional(m[1]!)) return p.block(`${p.rel(gemfile)} reads the Ruby version from ${m[1]}, which is not in the build context`);
  }
  const frozen = has(inst.opts, '--frozen', '--deployment') || isTrue(env.get('BUNDLE_FROZEN')) || isTrue(env.get('BUNDLE_DEPLOYMENT'));
  if (lock && !frozen) p.unsafe(`\`${inst.label}\` may update ${p.rel(lockName)} (for example add the image's platform); after the split the copy from the build context replaces the updated one (\`BUNDLE_FROZEN=true\` would make it safe)`);
  const remembered = ['--path', '--deployment', '--without', '--with', '--binstubs', '--system', '--standalone', '--clean', '--frozen', '--no-cache', '--shebang', '--no-prune'];
  if (bundleDir && appConfig === undefined && remembered.some((o) => has(inst.opts, o))) {
    return p.block(`\`${inst.label}\` records its options in ${p.rel('.bundle/config')}, which the build context also has`);
  }
  const bpath = values(inst.opts, '--path')[0] ?? env.get('BUNDLE_PATH') ?? (has(inst.opts, '--deployment') ? 'vendor/bundle' : undefined);
  if (bpath !== undefined) {
    const rel = p.argRel(bpath);
    if (rel !== null) p.output(rel);
  }
  if (has(inst.opts, '--standalone')) p.output(p.rel('bundle'));
  // Bundler 2 writes .bundle/config only for the options it remembers.
  if (appConfig === undefined && remembered.some((o) => has(inst.opts, o))) p.output(p.rel('.bundle'));
}

// ---------------------------------------------------------------- PHP

interface ComposerJson {
  scripts?: Record<string, unknown>;
  autoload?: Record<string, unknown>;
  repositories?: unknown;
  extra?: Record<string, unknown>;
  config?: Record<string, unknown>;
}

function composer(p: Planner): void {
  const { inst, env } = p.input;
  if (env.get('COMPOSER') !== undefined) return p.block('COMPOSER points composer at another manifest');
  if (!p.required('composer.json')) return;
  const lock = p.optional('composer.lock');
  p.optional('auth.json');
  if (!p.available) return p.block('without the build context composer plugins and scripts cannot be checked');
  let json: ComposerJson;
  try {
    json = JSON.parse(p.read(p.rel('composer.json')) ?? '') as ComposerJson;
  } catch {
    return p.block(`could not parse ${p.rel('composer.json')}`);
  }
  if (JSON.stringify(json.repositories ?? []).match(/"type"\s*:\s*"(path|artifact)"/)) return p.block(`${p.rel('composer.json')} has a local (path or artifact) repository, which needs files that are not copied first`);
  if (json.extra && 'installer-paths' in json.extra) return p.block(`${p.rel('composer.json')} sets installer-paths, so packages are installed into the project tree`);
  if (!has(inst.opts, '--no-plugins')) {
    if (!lock) return p.block('no composer.lock: the composer plugins that would run during the install are unknown');
    let lockJson: { packages?: Array<{ name: string; type?: string }>; 'packages-dev'?: Array<{ name: string; type?: string }> };
    try {
      lockJson = JSON.parse(p.read(p.rel('composer.lock')) ?? '');
    } catch {
      return p.block(`could not parse ${p.rel('composer.lock')}`);
    }
    const plugin = [...(lockJson.packages ?? []), ...(lockJson['packages-dev'] ?? [])].find((x) => x.type === 'composer-plugin');
    if (plugin) return p.block(`the composer plugin ${plugin.name} runs during the install and may read or write project files`);
  }
  const vendor = typeof json.config?.['vendor-dir'] === 'string' ? (json.config['vendor-dir'] as string) : 'vendor';
  p.output(p.rel(vendor));
  const missing = ['--no-scripts', '--no-autoloader'].filter((f) => !has(inst.opts, f));
  if (missing.length) {
    p.plan.depOnly = {
      flags: missing,
      afterWord: inst.subIndex,
      what: `\`composer install ${missing.join(' ')}\` installs the dependencies first and the original command builds the autoloader${json.scripts ? ' and runs the scripts' : ''} after the full copy`,
    };
  }
}

// ---------------------------------------------------------------- .NET

const PROJECT_RE = /\.(csproj|fsproj|vbproj|proj)$/i;
const SOLUTION_RE = /\.(sln|slnx|slnf)$/i;

function dotnet(p: Planner): void {
  const { inst } = p.input;
  if (!p.available) return p.block('without the build context the projects that `dotnet restore` reads cannot be found');
  const files = p.files();
  if (!files) return p.block('the project files could not be listed');
  const isNuget = /^nuget/i.test(inst.cmd.words[0]?.value ?? '') || inst.label.startsWith('nuget');
  const targetArg = inst.positional[0]?.value;
  let targets: string[] = [];
  const inDir = (dir: string): string[] => files.filter((f) => dirOf(f) === dir && (PROJECT_RE.test(f) || SOLUTION_RE.test(f)));
  if (targetArg !== undefined) {
    if (targetArg.includes('$')) return p.block(`\`${inst.label}\` restores \`${targetArg}\`, which cannot be resolved`);
    const rel = p.argRel(targetArg.replace(/\\/g, '/'));
    if (rel === null) return p.block(`\`${inst.label}\` restores ${targetArg}, outside the copied directory`);
    if (PROJECT_RE.test(rel) || SOLUTION_RE.test(rel)) targets = [rel];
    else targets = inDir(rel);
  } else targets = inDir(p.dir);
  const sln = targets.filter((t) => SOLUTION_RE.test(t));
  const projs = targets.filter((t) => PROJECT_RE.test(t));
  if (targets.length === 0) return p.block(`no project or solution file for \`${inst.label}\` in ${p.dir || 'the build context'}`);
  if (sln.length + projs.length > 1 && targetArg === undefined) return p.block(`several project or solution files in ${p.dir || 'the build context'}; \`dotnet restore\` would fail or pick by rules not modelled here`);
  const queue: string[] = [];
  for (const s of sln) {
    if (!p.exists(s)) return p.block(`${s} is not in the build context`);
    p.add(s);
    const text = p.read(s);
    if (text === undefined) return p.block(`could not read ${s}`);
    const refs = [...text.matchAll(/"([^"]+\.(?:csproj|fsproj|vbproj))"/gi), ...text.matchAll(/Path="([^"]+\.(?:csproj|fsproj|vbproj))"/gi)].map((m) => m[1]!);
    for (const r of refs) queue.push(posix.normalize(join(dirOf(s), r.replace(/\\/g, '/'))));
  }
  queue.push(...projs);
  const seen = new Set<string>();
  const dirs = new Set<string>();
  while (queue.length) {
    const proj = queue.shift()!;
    if (seen.has(proj)) continue;
    seen.add(proj);
    if (proj.startsWith('../')) return p.block(`the project ${proj} is outside the build context`);
    const real = files.find((f) => f.toLowerCase() === proj.toLowerCase());
    if (!real || !p.exists(real)) return p.block(`the project ${proj} is not in the build context`);
    p.add(real);
    dirs.add(dirOf(real));
    const text = p.read(real);
    if (text === undefined) return p.block(`could not read ${real}`);
    if (/Exists\s*\(/.test(text)) return p.block(`${real} has conditions on the existence of files, which may depend on the source`);
    for (const m of text.matchAll(/<ProjectReference\s+Include\s*=\s*"([^"]+)"/g)) {
      if (m[1]!.includes('$(')) return p.block(`${real} references ${m[1]}, which cannot be resolved`);
      queue.push(posix.normalize(join(dirOf(real), m[1]!.replace(/\\/g, '/'))));
    }
    for (const m of text.matchAll(/<Import\s+Project\s*=\s*"([^"]+)"/g)) {
      if (m[1]!.includes('$(')) return p.block(`${real} imports ${m[1]}, which cannot be resolved`);
      const imp = posix.normalize(join(dirOf(real), m[1]!.replace(/\\/g, '/')));
      if (!p.exists(imp)) return p.block(`${real} imports ${imp}, which is not in the build context`);
      p.add(imp);
    }
    for (const extra of ['packages.lock.json', 'packages.config']) {
      const f = files.find((x) => x.toLowerCase() === join(dirOf(real), extra).toLowerCase());
      if (f) p.add(f);
    }
    if (seen.size > 300) return p.block('more than 300 projects: too many to copy one by one');
  }
  // MSBuild and NuGet read these from every directory above a project.
  const above = new Set<string>();
  for (const d of [...dirs, ...sln.map(dirOf)]) for (let x = d; ; x = dirOf(x)) {
    above.add(x);
    if (!x) break;
  }
  const special = /^(directory\.build\.props|directory\.build\.targets|directory\.packages\.props|directory\.solution\.props|directory\.solution\.targets|nuget\.config|global\.json)$/i;
  for (const f of files) {
    if (!above.has(dirOf(f)) || !special.test(posix.basename(f))) continue;
    const text = p.read(f);
    if (/\.(props|targets)$/i.test(f) && text !== undefined && /<Import\s+Project\s*=\s*"(?!\$\(\[MSBuild\]::GetPathOfFileAbove)/.test(text)) return p.block(`${f} imports other files, which may not be copied`);
    if (text !== undefined && /Exists\s*\(/.test(text)) return p.block(`${f} has conditions on the existence of files, which may depend on the source`);
    const sources = /nuget\.config$/i.test(f) && text !== undefined ? (/<packageSources>([\s\S]*?)<\/packageSources>/i.exec(text)?.[1] ?? '') : '';
    const local = /<add\s+key="[^"]*"\s+value="(?!https?:\/\/)([^"]*)"/i.exec(sources);
    if (local) return p.block(`${f} names the local path ${local[1]}, which would not be copied before the restore`);
    p.add(f);
  }
  for (const c of values(inst.opts, '--configfile', '-ConfigFile')) {
    const rel = p.argRel(c);
    if (rel !== null) {
      if (!p.exists(rel)) return p.block(`${rel} is not in the build context`);
      p.add(rel);
    }
  }
  for (const s of values(inst.opts, '-s', '--source', '-Source')) {
    if (!/^[a-z]+:\/\//i.test(s)) return p.block(`\`${inst.label}\` reads packages from the local source ${s}`);
  }
  for (const d of dirs) p.output(join(d, 'obj'));
  for (const o of values(inst.opts, '--packages', '-PackagesDirectory')) {
    const rel = p.argRel(o);
    if (rel !== null) p.output(rel);
  }
  if (isNuget) for (const s of sln) p.output(join(dirOf(s), 'packages'));
  const lockFiles = p.plan.paths.filter((x) => /packages\.lock\.json$/i.test(x));
  if (lockFiles.length && !has(inst.opts, '--locked-mode')) p.unsafe(`\`${inst.label}\` without \`--locked-mode\` may rewrite ${lockFiles[0]}; after the split the copy from the build context replaces the rewritten one`);
}

// ---------------------------------------------------------------- Elixir

function mix(p: Planner): void {
  const { inst } = p.input;
  if (!p.required('mix.exs')) return;
  const lock = p.optional('mix.lock');
  if (!p.available) return p.block('without the build context mix.exs cannot be checked');
  const text = p.read(p.rel('mix.exs'));
  if (text === undefined) return p.block(`could not read ${p.rel('mix.exs')}`);
  if (/apps_path:|in_umbrella:/.test(text)) return p.block('an umbrella project: the apps would need to be copied too; not split');
  if (/\bpath:\s*"|File\.|Code\.(require_file|eval_file|compile_file)|Path\.wildcard/.test(text)) return p.block(`${p.rel('mix.exs')} reads other files or has a local path dependency`);
  p.optional('config');
  const sub = inst.cmd.words[inst.subIndex]?.value;
  p.output(p.rel('deps'));
  if (sub === 'deps.compile') p.output(p.rel('_build'));
  if (sub === 'deps.get' && lock && !has(inst.opts, '--check-locked')) p.unsafe('`mix deps.get` may update mix.lock; after the split the copy from the build context replaces the updated one');
}
