/**
 * CI services besides GitHub Actions and GitLab CI: CircleCI (`.circleci/config.yml`), Azure
 * Pipelines (`azure-pipelines.yml`, `.azure-pipelines.yml`) and Bitbucket Pipelines
 * (`bitbucket-pipelines.yml`). Each checks the repository out where its steps run, so their shell
 * steps are scanned for build commands (src/builds/command.ts) from the repository root, or the
 * step's working directory inside it. Also read, as the `docker build` they run: Azure's
 * `Docker@2` task (`build`: Dockerfile, buildContext, arguments; `buildAndPush` ignores
 * arguments, as Azure does; local step, job and stage templates and `extends` followed with their
 * `${{ parameters.x }}`, up to 5 deep and 100 per pipeline) and the CircleCI docker orb's `<orb>/build` step (dockerfile, path,
 * docker-context, extra_build_args). Known values: Azure `variables` and the macros naming the
 * sources folder, CircleCI job parameter defaults, `$BITBUCKET_CLONE_DIR`; anything else is
 * unknown (a command that needs it gets a note).
 */
import path from 'node:path';
import { scanCommands } from './command.js';
import { scanYamlScript, scriptLine } from './ci-files.js';
import { deref, get, isMap, isScalar, isSeq, keyOf, namedEntries, pairs, parseYaml, scalarEntries, str, type YamlFile } from './yaml-util.js';
import { insideRoot, readRegular } from './read.js';
import type { Sink } from './types.js';

/** A value quoted for the shell (single quotes). */
const sq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function parsed(file: string, text: string, sink: Sink): YamlFile | null {
  const y = parseYaml(text);
  if ('error' in y) {
    sink.note(file, y.line, `does not parse as YAML (${y.error}); not used`);
    return null;
  }
  return y;
}

/** A step's working directory inside the repository, or null (with a note) when it is elsewhere or unknown. */
function workingDir(wd: string | undefined, base: string, sink: Sink, file: string, line: number, what: string): string | null {
  if (wd === undefined || wd === '' || wd === '.') return base;
  if (/[$<(]/.test(wd) || wd.startsWith('~') || !insideRoot(sink.root, path.resolve(base, wd))) {
    sink.note(file, line, `${what}: working directory ${wd} is not a folder of the repository; its commands are not used`);
    return null;
  }
  return path.resolve(base, wd);
}

// ---------------------------------------------------------------- CircleCI

export function readCircleCi(file: string, text: string, sink: Sink): void {
  const y = parsed(file, text, sink);
  if (!y) return;
  const top = y.doc.contents;
  // The docker orb under its local name (`orbs: { docker: circleci/docker@2 }`).
  const dockerOrbs = new Set(
    pairs(get(top, 'orbs')?.value)
      .filter((p) => /^circleci\/docker@/.test(str(p.value) ?? ''))
      .map((p) => keyOf(p))
      .filter((k): k is string => k !== undefined),
  );
  const groups: Array<[string, unknown]> = [
    ...pairs(get(top, 'jobs')?.value).map((p): [string, unknown] => [`circleci job ${keyOf(p) ?? '?'}`, p.value]),
    ...pairs(get(top, 'commands')?.value).map((p): [string, unknown] => [`circleci command ${keyOf(p) ?? '?'}`, p.value]),
  ];
  for (const [what, job] of groups) {
    if (!isMap(job)) continue;
    // `<< parameters.x >>`: the parameter's default when it has one, else unknown.
    const params: Record<string, string> = {};
    for (const p of pairs(get(job, 'parameters')?.value)) {
      const d = str(get(p.value, 'default')?.value);
      const k = keyOf(p);
      if (k !== undefined && d !== undefined) params[k] = d;
    }
    const expand = (s: string): string =>
      s.replace(/<<\s*([\w.-]+)\s*>>/g, (_m, ref: string) => {
        const name = ref.startsWith('parameters.') ? ref.slice('parameters.'.length) : undefined;
        return name !== undefined && Object.hasOwn(params, name) ? params[name] : `\${CIRCLECI_${ref.replace(/[^\w]/g, '_')}}`;
      });
    const steps = get(job, 'steps')?.value;
    for (const raw of isSeq(steps) ? steps.items : []) {
      const step = deref(raw, y.doc);
      for (const p of pairs(step)) {
        const kind = keyOf(p);
        const line = y.line(p.key);
        if (kind === 'run') {
          const body = p.value;
          const command = isScalar(body) ? body : get(body, 'command')?.value;
          const wd = workingDir(str(get(body, 'working_directory')?.value), sink.root, sink, file, line, what);
          if (wd === null || !isScalar(command)) continue;
          const expanded = expand(String(command.value));
          if (/\b(docker|podman|buildah)\b/.test(expanded)) scanCommands(expanded, { file, line: scriptLine(command, y), cwd: wd, what }, sink);
        } else if (kind && dockerOrbs.has(kind.slice(0, kind.indexOf('/'))) && kind.endsWith('/build')) {
          const arg = (k: string, d: string): string => expand(str(get(p.value, k)?.value) ?? d);
          const dockerfile = path.posix.join(arg('path', '.'), arg('dockerfile', 'Dockerfile'));
          const cmd = `docker build ${arg('extra_build_args', '')} -f ${sq(dockerfile)} ${sq(arg('docker-context', '.'))}`;
          scanCommands(cmd, { file, line, cwd: sink.root, what: `${what}, ${kind}` }, sink);
        }
      }
    }
  }
}

// ---------------------------------------------------------------- Azure Pipelines

/** Macros that name the folder the repository is checked out to. */
const AZURE_SOURCES = ['Build.SourcesDirectory', 'System.DefaultWorkingDirectory', 'Build.Repository.LocalPath'];
/** Template files followed at most: nesting depth, and files per pipeline. */
const MAX_AZURE_DEPTH = 5;
const MAX_AZURE_TEMPLATES = 100;

/** One file being read: the pipeline or a template it uses, with the template's parameters. */
interface AzureScope {
  file: string;
  y: YamlFile;
  params: Record<string, string>;
  depth: number;
  stack: ReadonlySet<string>;
}

export function readAzurePipelines(file: string, text: string, sink: Sink): void {
  const y = parsed(file, text, sink);
  if (!y) return;
  const top = y.doc.contents;
  const vars = new Map<string, string>(AZURE_SOURCES.map((k) => [k.toLowerCase(), sink.root]));
  // `variables:` as a map or as a list of `{ name, value }`.
  const declaredVars = get(top, 'variables')?.value;
  for (const [k, v] of [...scalarEntries(declaredVars), ...namedEntries(declaredVars, 'value')]) vars.set(k.toLowerCase(), v);
  let templatesLeft = MAX_AZURE_TEMPLATES;
  // `${{ parameters.x }}` of a template (the value passed, else its default), then `$(name)`
  // macros (names are case-insensitive); unknown ones stay unknown.
  const expand = (s: string, scope: AzureScope): string =>
    s
      .replace(/\$\{\{\s*parameters\.([\w-]+)\s*\}\}/g, (_m, name: string) => (Object.hasOwn(scope.params, name) ? scope.params[name] : `\${AZP_parameters_${name.replace(/-/g, '_')}}`))
      .replace(/\$\(([A-Za-z_][\w.]*)\)/g, (_m, name: string) => vars.get(name.toLowerCase())?.replace(/\$/g, '$$$$') ?? `\${AZP_${name.replace(/\./g, '_')}}`);

  /** The template an item names (`- template: x.yml`, with `parameters:`), read, or null with a note. */
  const template = (item: unknown, scope: AzureScope, what: string): { tpl: unknown; scope: AzureScope } | null => {
    const ref = str(get(item, 'template')?.value);
    if (ref === undefined) return null;
    const line = scope.y.line(item);
    const note = (m: string): null => {
      sink.note(scope.file, line, `${what}: template ${ref}: ${m}`);
      return null;
    };
    if (ref.includes('@')) return note('is in another repository; not read');
    if (/\$/.test(ref)) return note('its path is an expression; not read');
    const target = ref.startsWith('/') ? path.join(sink.root, ref) : path.resolve(path.dirname(scope.file), ref);
    if (!insideRoot(sink.root, target)) return note('is outside the repository; not read');
    if (scope.stack.has(target)) return note('includes itself; not read again');
    if (scope.depth >= MAX_AZURE_DEPTH || templatesLeft <= 0) return note(`more than ${MAX_AZURE_DEPTH} templates deep or ${MAX_AZURE_TEMPLATES} in the pipeline; not read`);
    templatesLeft--;
    const text = readRegular(target);
    if (text === null) return note('not found, larger than 1 MiB or a link out of the repository; not read');
    const ty = parsed(target, text, sink);
    if (!ty) return null;
    const params: Record<string, string> = {};
    // The template's parameters (a list of `{ name, default }`, or a map of defaults), then the values passed.
    const declared = get(ty.doc.contents, 'parameters')?.value;
    for (const [k, v] of namedEntries(declared, 'default')) params[k] = expand(v, scope);
    for (const [k, v] of scalarEntries(declared)) params[k] = v;
    for (const [k, v] of scalarEntries(get(item, 'parameters')?.value)) params[k] = expand(v, scope);
    return { tpl: ty.doc.contents, scope: { file: target, y: ty, params, depth: scope.depth + 1, stack: new Set([...scope.stack, target]) } };
  };

  const readSteps = (steps: unknown, scope: AzureScope, what: string): void => {
    const { y } = scope;
    for (const step of isSeq(steps) ? steps.items : []) {
      const line = y.line(step);
      const t = template(step, scope, what);
      if (t) {
        readSteps(get(t.tpl, 'steps')?.value, t.scope, what);
        continue;
      }
      const wdRaw = str(get(step, 'workingDirectory')?.value);
      const wd = workingDir(wdRaw !== undefined ? expand(wdRaw, scope) : undefined, sink.root, sink, scope.file, line, what);
      if (wd === null) continue;
      const script = get(step, 'script') ?? get(step, 'bash');
      if (script && isScalar(script.value)) {
        const body = expand(String(script.value.value), scope);
        if (/\b(docker|podman|buildah)\b/.test(body)) scanCommands(body, { file: scope.file, line: scriptLine(script.value, y), cwd: wd, what }, sink);
        continue;
      }
      const task = str(get(step, 'task')?.value);
      if (task && /^Docker@2$/i.test(task)) {
        const inputs = get(step, 'inputs')?.value;
        const input = (k: string): string | undefined => {
          const v = pairs(inputs).find((p) => keyOf(p)?.toLowerCase() === k.toLowerCase());
          const s = v ? str(v.value) : undefined;
          return s === undefined ? undefined : expand(s, scope);
        };
        const command = (input('command') ?? 'buildAndPush').toLowerCase();
        if (command !== 'build' && command !== 'buildandpush') continue;
        const dockerfile = input('Dockerfile') ?? '**/Dockerfile';
        if (/[*?[]/.test(dockerfile)) {
          sink.note(scope.file, line, `${what}, task ${task}: Dockerfile ${dockerfile} is a pattern (the task builds its first match); not used`);
          continue;
        }
        const ctx = input('buildContext') ?? '**';
        const context = ctx === '**' ? path.posix.dirname(dockerfile) : ctx;
        const args = command === 'build' ? (input('arguments') ?? '') : '';
        scanCommands(`docker build ${args} -f ${sq(dockerfile)} ${sq(context)}`, { file: scope.file, line, cwd: sink.root, what: `${what}, task ${task}` }, sink);
      }
    }
  };
  const readJobs = (jobs: unknown, scope: AzureScope, prefix: string): void => {
    for (const j of isSeq(jobs) ? jobs.items : []) {
      const t = template(j, scope, `${prefix}azure jobs`);
      if (t) {
        readJobs(get(t.tpl, 'jobs')?.value, t.scope, prefix);
        continue;
      }
      const name = str(get(j, 'job')?.value) ?? str(get(j, 'deployment')?.value) ?? '?';
      readSteps(get(j, 'steps')?.value, scope, `${prefix}azure job ${name}`);
    }
  };
  const readStages = (stages: unknown, scope: AzureScope): void => {
    for (const st of isSeq(stages) ? stages.items : []) {
      const t = template(st, scope, 'azure stages');
      if (t) {
        readStages(get(t.tpl, 'stages')?.value, t.scope);
        continue;
      }
      readJobs(get(st, 'jobs')?.value, scope, `azure stage ${str(get(st, 'stage')?.value) ?? '?'}, `);
    }
  };
  const root: AzureScope = { file, y, params: {}, depth: 0, stack: new Set([file]) };
  // A pipeline that is one template (`extends: { template: … }`) reads as that template.
  const ext = get(top, 'extends')?.value;
  const t = ext ? template(ext, root, 'azure pipeline extends') : null;
  for (const [node, scope] of [[top, root], ...(t ? [[t.tpl, t.scope]] : [])] as Array<[unknown, AzureScope]>) {
    readSteps(get(node, 'steps')?.value, scope, 'azure pipeline');
    readJobs(get(node, 'jobs')?.value, scope, '');
    readStages(get(node, 'stages')?.value, scope);
  }
}

// ---------------------------------------------------------------- Bitbucket Pipelines

/** Nodes visited at most in one file (aliases may point back; YAML can be made to fan out). */
const MAX_BITBUCKET_NODES = 20_000;

export function readBitbucketPipelines(file: string, text: string, sink: Sink): void {
  const y = parsed(file, text, sink);
  if (!y) return;
  const env = { BITBUCKET_CLONE_DIR: sink.root, ...sink.env };
  const stepSink: Sink = { ...sink, env };
  let budget = MAX_BITBUCKET_NODES;
  const seen = new Set<unknown>();
  // Every `step:` under `pipelines` (default, branches, tags, pull-requests, custom, parallel, stages), aliases followed.
  const visit = (raw: unknown, depth: number): void => {
    const node = deref(raw, y.doc);
    if (budget-- <= 0 || depth > 12 || seen.has(node)) return;
    seen.add(node);
    if (isSeq(node)) for (const item of node.items) visit(item, depth + 1);
    else if (isMap(node))
      for (const p of pairs(node)) {
        if (keyOf(p) === 'step') {
          const step = deref(p.value, y.doc);
          const name = str(get(step, 'name')?.value);
          const script = get(step, 'script')?.value;
          for (const item of isSeq(script) ? script.items : []) scanYamlScript(item, y, { file, cwd: sink.root, what: `bitbucket step${name ? ` ${name}` : ''}` }, stepSink);
        } else visit(p.value, depth + 1);
      }
  };
  visit(get(y.doc.contents, 'pipelines')?.value, 0);
}
