/**
 * CI services besides GitHub Actions and GitLab CI: CircleCI (`.circleci/config.yml`), Azure
 * Pipelines (`azure-pipelines.yml`, `.azure-pipelines.yml`) and Bitbucket Pipelines
 * (`bitbucket-pipelines.yml`). Each checks the repository out where its steps run, so their shell
 * steps are scanned for build commands (src/builds/command.ts) from the repository root, or the
 * step's working directory inside it. Also read, as the `docker build` they run: Azure's
 * `Docker@2` task (`build`: Dockerfile, buildContext, arguments; `buildAndPush` ignores
 * arguments, as Azure does) and the CircleCI docker orb's `<orb>/build` step (dockerfile, path,
 * docker-context, extra_build_args). Known values: Azure `variables` and the macros naming the
 * sources folder, CircleCI job parameter defaults, `$BITBUCKET_CLONE_DIR`; anything else is
 * unknown (a command that needs it gets a note).
 */
import path from 'node:path';
import { scanCommands } from './command.js';
import { scanYamlScript } from './ci-files.js';
import { deref, get, isMap, isScalar, isSeq, keyOf, pairs, parseYaml, str, type YamlFile } from './yaml-util.js';
import { insideRoot } from './read.js';
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
          const block = command.type === 'BLOCK_LITERAL' || command.type === 'BLOCK_FOLDED';
          if (/\b(docker|podman|buildah)\b/.test(expanded)) scanCommands(expanded, { file, line: y.line(command) + (block ? 1 : 0), cwd: wd, what }, sink);
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

export function readAzurePipelines(file: string, text: string, sink: Sink): void {
  const y = parsed(file, text, sink);
  if (!y) return;
  const top = y.doc.contents;
  const vars = new Map<string, string>(AZURE_SOURCES.map((k) => [k.toLowerCase(), sink.root]));
  const readVars = (node: unknown): void => {
    if (isMap(node))
      for (const p of pairs(node)) {
        const k = keyOf(p);
        const v = str(p.value);
        if (k !== undefined && v !== undefined) vars.set(k.toLowerCase(), v);
      }
    else if (isSeq(node))
      for (const item of node.items) {
        const k = str(get(item, 'name')?.value);
        const v = str(get(item, 'value')?.value);
        if (k !== undefined && v !== undefined) vars.set(k.toLowerCase(), v);
      }
  };
  readVars(get(top, 'variables')?.value);
  // `$(name)` macros (names are case-insensitive); unknown ones stay unknown.
  const macros = (s: string): string =>
    s.replace(/\$\(([A-Za-z_][\w.]*)\)/g, (_m, name: string) => vars.get(name.toLowerCase())?.replace(/\$/g, '$$$$') ?? `\${AZP_${name.replace(/\./g, '_')}}`);
  const stepLists: Array<[string, unknown]> = [['azure pipeline', get(top, 'steps')?.value]];
  const jobs = (list: unknown, prefix: string): void => {
    for (const j of isSeq(list) ? list.items : []) {
      const name = str(get(j, 'job')?.value) ?? str(get(j, 'deployment')?.value) ?? '?';
      stepLists.push([`${prefix}azure job ${name}`, get(j, 'steps')?.value]);
    }
  };
  jobs(get(top, 'jobs')?.value, '');
  const stages = get(top, 'stages')?.value;
  for (const st of isSeq(stages) ? stages.items : []) jobs(get(st, 'jobs')?.value, `azure stage ${str(get(st, 'stage')?.value) ?? '?'}, `);
  for (const [what, steps] of stepLists) {
    for (const step of isSeq(steps) ? steps.items : []) {
      const line = y.line(step);
      const wd = workingDir(str(get(step, 'workingDirectory')?.value) !== undefined ? macros(str(get(step, 'workingDirectory')?.value)!) : undefined, sink.root, sink, file, line, what);
      if (wd === null) continue;
      const script = get(step, 'script') ?? get(step, 'bash');
      if (script && isScalar(script.value)) {
        const block = script.value.type === 'BLOCK_LITERAL' || script.value.type === 'BLOCK_FOLDED';
        const body = macros(String(script.value.value));
        if (/\b(docker|podman|buildah)\b/.test(body)) scanCommands(body, { file, line: y.line(script.value) + (block ? 1 : 0), cwd: wd, what }, sink);
        continue;
      }
      const task = str(get(step, 'task')?.value);
      if (task && /^Docker@2$/i.test(task)) {
        const inputs = get(step, 'inputs')?.value;
        const input = (k: string): string | undefined => {
          const v = pairs(inputs).find((p) => keyOf(p)?.toLowerCase() === k.toLowerCase());
          const s = v ? str(v.value) : undefined;
          return s === undefined ? undefined : macros(s);
        };
        const command = (input('command') ?? 'buildAndPush').toLowerCase();
        if (command !== 'build' && command !== 'buildandpush') continue;
        const dockerfile = input('Dockerfile') ?? '**/Dockerfile';
        if (/[*?[]/.test(dockerfile)) {
          sink.note(file, line, `${what}, task ${task}: Dockerfile ${dockerfile} is a pattern (the task builds its first match); not used`);
          continue;
        }
        const ctx = input('buildContext') ?? '**';
        const context = ctx === '**' ? path.posix.dirname(dockerfile) : ctx;
        const args = command === 'build' ? (input('arguments') ?? '') : '';
        scanCommands(`docker build ${args} -f ${sq(dockerfile)} ${sq(context)}`, { file, line, cwd: sink.root, what: `${what}, task ${task}` }, sink);
      }
    }
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
