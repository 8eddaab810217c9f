/**
 * `.gitlab-ci.yml` (`script`, `before_script`, `after_script` lines of every job: `docker build`,
 * `buildx`, `podman`, kaniko's executor; run from the repository root, `$CI_PROJECT_DIR`; plain
 * `variables:` values are known; `include:` of local files followed, `*` within one folder, up
 * to 10 levels and 150 files, remote/project/template/component includes noted) and `skaffold.yaml` (`build.artifacts` and each profile's:
 * `context` (default `.`), `docker.dockerfile` (from the context), `docker.target`,
 * `docker.buildArgs`; templates `{{…}}` are unknown).
 */
import fs from 'node:fs';
import path from 'node:path';
import { interpolate } from './interpolate.js';
import { insideRoot, readRegular } from './read.js';
import { scanCommands, type CommandSite } from './command.js';
import { get, isMap, isScalar, isSeq, keyOf, pairs, parseAllYaml, parseYaml, str, type YamlFile } from './yaml-util.js';
import type { Sink } from './types.js';

/**
 * A YAML scalar holding shell lines (a CI step's script): its build commands, reported with the
 * lines they are on (a block scalar's text starts on the line after its `|` / `>`).
 */
export function scanYamlScript(item: unknown, y: YamlFile, site: Omit<CommandSite, 'line'>, sink: Sink): void {
  const t = str(item);
  if (t === undefined || !/\b(docker|podman|buildah|executor)\b/.test(t)) return;
  scanCommands(isScalar(item) ? String(item.value) : t, { ...site, line: scriptLine(item, y) }, sink);
}

/** The line a scalar's text starts on: a block scalar's on the line after its `|` / `>`. */
export function scriptLine(item: unknown, y: YamlFile): number {
  return y.line(item) + (isScalar(item) && (item.type === 'BLOCK_LITERAL' || item.type === 'BLOCK_FOLDED') ? 1 : 0);
}

function plainVariables(node: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs(node)) {
    const k = keyOf(p);
    const v = isScalar(p.value) ? str(p.value) : str(get(p.value, 'value')?.value);
    if (k !== undefined && v !== undefined) out[k] = v;
  }
  return out;
}

export function readGitlabCi(file: string, text: string, sink: Sink): void {
  const y = parseYaml(text);
  if ('error' in y) {
    sink.note(file, y.line, `does not parse as YAML (${y.error}); not used`);
    return;
  }
  readGitlabConfig(file, y, sink, {}, { budget: { left: MAX_GITLAB_INCLUDES }, depth: 0, stack: new Set([file]) });
}

/** Includes GitLab follows at most (150 per pipeline; we stop sooner on depth). */
const MAX_GITLAB_INCLUDES = 150;
const MAX_GITLAB_DEPTH = 10;

interface IncludeState {
  /** Includes still followed in this pipeline (shared by every file of it). */
  budget: { left: number };
  depth: number;
  stack: ReadonlySet<string>;
}

/** One configuration file: its jobs, then the local files it includes (merged into one pipeline: the global variables carry over). */
function readGitlabConfig(file: string, y: YamlFile, sink: Sink, inherited: Record<string, string>, state: IncludeState): void {
  const root = sink.root;
  const globalVars = { ...inherited, ...plainVariables(get(y.doc.contents, 'variables')?.value) };
  for (const job of pairs(y.doc.contents)) {
    const name = keyOf(job) ?? '?';
    if (!isMap(job.value) || name === 'variables' || name === 'default' || name === 'include' || name === 'workflow') continue;
    const vars = { ...globalVars, ...plainVariables(get(job.value, 'variables')?.value) };
    const env: Record<string, string | undefined> = { CI_PROJECT_DIR: root, ...sink.env };
    // A job's variables may name each other and $CI_PROJECT_DIR.
    for (const [k, v] of Object.entries(vars)) {
      const r = interpolate(v, env);
      if (r.ok) env[k] = r.value;
    }
    const jobSink: Sink = { ...sink, env };
    for (const key of ['before_script', 'script', 'after_script']) {
      const s = get(job.value, key)?.value;
      const lines = isSeq(s) ? s.items : isScalar(s) ? [s] : [];
      for (const item of lines) scanYamlScript(item, y, { file, cwd: root, what: `gitlab job ${name}` }, jobSink);
    }
  }
  const inc = get(y.doc.contents, 'include');
  if (!inc) return;
  const entries = isSeq(inc.value) ? inc.value.items : [inc.value];
  for (const entry of entries) {
    const line = y.line(entry);
    const local = isScalar(entry) ? str(entry) : str(get(entry, 'local')?.value);
    if (local === undefined) {
      const kind = ['remote', 'project', 'template', 'component'].find((k) => get(entry, k));
      if (kind) sink.note(file, line, `include ${kind} ${str(get(entry, kind)?.value) ?? ''}: not in the repository; not read`.replace(' :', ':'));
      continue;
    }
    if (/^https?:\/\//.test(local)) {
      sink.note(file, line, `include ${local}: not in the repository; not read`);
      continue;
    }
    const r = interpolate(local, { CI_PROJECT_DIR: root, ...sink.env });
    if (!r.ok) {
      sink.note(file, line, `include ${local}: cannot resolve ${r.variable}; not read`);
      continue;
    }
    // Local paths are from the repository root (a leading / too); `*` matches within one folder.
    const rel = r.value.replace(/^\/+/, '');
    if (rel.includes('**')) {
      sink.note(file, line, `include ${local}: ** patterns are not followed`);
      continue;
    }
    const dir = path.resolve(root, path.dirname(rel));
    if (!insideRoot(root, dir)) {
      sink.note(file, line, `include ${local} is outside the repository; not read`);
      continue;
    }
    let files: string[];
    const base = path.basename(rel);
    if (base.includes('*')) {
      const re = new RegExp(`^${base.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
      let names: string[] = [];
      try {
        names = fs.readdirSync(dir).sort();
      } catch {
        names = [];
      }
      files = names.filter((n) => re.test(n) && /\.ya?ml$/.test(n)).map((n) => path.join(dir, n));
    } else files = [path.join(dir, base)];
    for (const f of files) {
      if (state.stack.has(f)) {
        sink.note(file, line, `include ${local} includes a file that includes it; not followed`);
        continue;
      }
      if (state.budget.left <= 0 || state.depth + 1 > MAX_GITLAB_DEPTH) {
        sink.note(file, line, `include ${local}: more than ${MAX_GITLAB_INCLUDES} includes or ${MAX_GITLAB_DEPTH} levels; not followed`);
        continue;
      }
      const text = readRegular(f);
      if (text === null) {
        sink.note(file, line, `include ${local} cannot be read; not used`);
        continue;
      }
      const iy = parseYaml(text);
      if ('error' in iy) {
        sink.note(f, iy.line, `does not parse as YAML (${iy.error}); not used`);
        continue;
      }
      state.budget.left--;
      readGitlabConfig(f, iy, sink, globalVars, { budget: state.budget, depth: state.depth + 1, stack: new Set([...state.stack, f]) });
    }
  }
}

export function readSkaffold(file: string, text: string, sink: Sink): void {
  const docs = parseAllYaml(text);
  const lc = text;
  const lineOf = (node: unknown): number => {
    const r = (node as { range?: [number, number, number] } | undefined)?.range;
    return r ? lc.slice(0, r[0]).split('\n').length : 1;
  };
  if (!Array.isArray(docs)) {
    sink.note(file, 1, 'does not parse as YAML; not used');
    return;
  }
  for (const doc of docs) {
    if (doc.errors.length) {
      sink.note(file, lineOf({ range: doc.errors[0].pos }), `does not parse as YAML (${doc.errors[0].message.split('\n')[0]}); not used`);
      return;
    }
    const builds: unknown[] = [get(doc.contents, 'build')?.value];
    const profiles = get(doc.contents, 'profiles')?.value;
    if (isSeq(profiles)) for (const p of profiles.items) builds.push(get(get(p, 'build')?.value, 'artifacts') ? get(p, 'build')?.value : undefined);
    for (const b of builds) {
      const artifacts = get(b, 'artifacts')?.value;
      if (!isSeq(artifacts)) continue;
      for (const a of artifacts.items) {
        const docker = get(a, 'docker')?.value;
        if (!docker && (get(a, 'jib') || get(a, 'bazel') || get(a, 'ko') || get(a, 'buildpacks') || get(a, 'custom'))) continue;
        const image = str(get(a, 'image')?.value) ?? '?';
        const line = lineOf(get(a, 'image')?.key ?? a);
        const what = `skaffold artifact ${image}`;
        const note = (m: string): void => sink.note(file, line, `${what}: ${m}`);
        const val = (node: unknown, field: string): string | null | undefined => {
          const raw = str(node);
          if (raw === undefined) return undefined;
          if (raw.includes('{{')) {
            note(`${field} ${raw}: templates are not known; entry not used`);
            return null;
          }
          const r = interpolate(raw, sink.env);
          if (r.ok) return r.value;
          note(`${field} ${raw}: cannot resolve ${r.variable}; entry not used`);
          return null;
        };
        const ctx = val(get(a, 'context')?.value, 'context');
        const df = val(get(docker, 'dockerfile')?.value, 'dockerfile');
        const target = val(get(docker, 'target')?.value, 'target');
        if (ctx === null || df === null || target === null) continue;
        const context = path.resolve(path.dirname(file), ctx ?? '.');
        const args: Record<string, string> = {};
        for (const p of pairs(get(docker, 'buildArgs')?.value)) {
          const k = keyOf(p) ?? '';
          const raw = str(p.value);
          if (raw === undefined) continue;
          if (raw.includes('{{')) {
            note(`buildArg ${k}: templates are not known; arg left out`);
            continue;
          }
          args[k] = raw;
        }
        sink.add({ dockerfile: path.resolve(context, df ?? 'Dockerfile'), context, ...(target !== undefined ? { target } : {}), args, source: { file, line, what } });
      }
    }
  }
}
