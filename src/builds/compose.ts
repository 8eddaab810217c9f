/**
 * Compose files: every service's `build` (a string context, or an object with `context`,
 * `dockerfile`, `target`, `args` as a map or a list, `additional_contexts`). Relative contexts
 * are taken from the compose file's folder, `dockerfile` from the context; `${X:-default}`
 * resolves to its default (values from a `.env` next to the compose file are used too), any other
 * unknown variable gets a note. `extends` (same file, or `file:`) takes the base service's build
 * (its paths from the base file's folder), the service's own keys winning; an override file
 * (`compose.override.yaml` next to `compose.yaml`, `docker-compose.override.yml` next to
 * `docker-compose.yml`, `X.override.yml` next to `X.yml`) is merged into its base file, as
 * `docker compose` does by default. A top-level `include` reads the projects it names, each
 * from its own folder (or `project_directory`), with its `env_file`s (readIncludes).
 */
import fs from 'node:fs';
import path from 'node:path';
import { interpolate } from './interpolate.js';
import { insideRoot, readRegular } from './read.js';
import { get, isMap, isScalar, isSeq, pairs, keyOf, parseYaml, str, type YamlFile } from './yaml-util.js';
import type { Sink } from './types.js';

export const COMPOSE_FILE = /^(docker-compose.*|compose(\..*)?)\.ya?ml$/;

function dotEnv(dir: string): Record<string, string> {
  return dotEnvFile(path.join(dir, '.env'));
}

function dotEnvFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  const text = readRegular(file);
  if (text === null) return out;
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    let v = m[2];
    if (/^(['"]).*\1$/.test(v)) v = v.slice(1, -1);
    out[m[1]] = v;
  }
  return out;
}

/** A raw value and where relative paths in it are taken from. */
interface Val {
  /** How notes name it (`build` for the string form, else the key). */
  field?: string;
  raw: string;
  file: string;
  line: number;
}

/** A service's build, before interpolation; later layers (extends, override files) win per key. */
interface RawBuild {
  context?: Val;
  dockerfile?: Val;
  target?: Val;
  /** undefined value: taken from the environment. */
  args: Map<string, Val | undefined>;
  additional: Map<string, Val>;
  inline?: boolean;
  /** Where the build key is (the last layer that has one). */
  file: string;
  line: number;
  /** The layer has a `build` key at all. */
  present: boolean;
  bad?: string;
}

interface Service {
  name: string;
  node: unknown;
  file: string;
  y: YamlFile;
}

interface Layer {
  file: string;
  y: YamlFile;
  services: Map<string, Service>;
}

const emptyBuild = (file: string, line: number): RawBuild => ({ args: new Map(), additional: new Map(), file, line, present: false });

/** The `build` of one service node, on top of `base`. */
function overlayBuild(base: RawBuild, svc: Service): RawBuild {
  const b = get(svc.node, 'build');
  if (!b) return base;
  const line = svc.y.line(b.key);
  const out: RawBuild = { ...base, args: new Map(base.args), additional: new Map(base.additional), file: svc.file, line, present: true };
  const v = (node: unknown): Val | undefined => {
    const raw = str(node);
    return raw === undefined ? undefined : { raw, file: svc.file, line: svc.y.line(node) };
  };
  if (isScalar(b.value)) {
    const c = v(b.value);
    out.context = c ? { ...c, field: 'build' } : undefined;
    return out;
  }
  if (!isMap(b.value)) return { ...out, bad: 'build is neither a path nor a map' };
  const ctx = v(get(b.value, 'context')?.value);
  if (ctx) out.context = ctx;
  const df = v(get(b.value, 'dockerfile')?.value);
  if (df) out.dockerfile = df;
  const t = v(get(b.value, 'target')?.value);
  if (t) out.target = t;
  if (get(b.value, 'dockerfile_inline')) out.inline = true;
  const a = get(b.value, 'args')?.value;
  if (isMap(a)) for (const p of pairs(a)) out.args.set(keyOf(p) ?? '', v(p.value));
  else if (isSeq(a))
    for (const item of a.items) {
      const s = str(item);
      if (s === undefined) continue;
      const eq = s.indexOf('=');
      out.args.set(eq === -1 ? s : s.slice(0, eq), eq === -1 ? undefined : { raw: s.slice(eq + 1), file: svc.file, line: svc.y.line(item) });
    }
  const ac = get(b.value, 'additional_contexts')?.value;
  if (isMap(ac)) for (const p of pairs(ac)) {
    const x = v(p.value);
    if (x) out.additional.set(keyOf(p) ?? '', x);
  } else if (isSeq(ac))
    for (const item of ac.items) {
      const s = str(item);
      const eq = s?.indexOf('=') ?? -1;
      if (s && eq > 0) out.additional.set(s.slice(0, eq), { raw: s.slice(eq + 1), file: svc.file, line: svc.y.line(item) });
    }
  return out;
}

function load(file: string, sink: Sink, given?: string): Layer | null {
  const text = given ?? readRegular(file);
  if (text === null) return null;
  const y = parseYaml(text);
  if ('error' in y) {
    sink.note(file, y.line, `does not parse as YAML (${y.error}); not used`);
    return null;
  }
  const services = new Map<string, Service>();
  for (const p of pairs(get(y.doc.contents, 'services')?.value)) {
    const name = keyOf(p);
    if (name !== undefined) services.set(name, { name, node: p.value, file, y });
  }
  return { file, y, services };
}

/** The override file docker compose merges into `file` by default, if it exists. */
function overrideOf(file: string): string | null {
  const m = /^(.*)\.(ya?ml)$/.exec(path.basename(file));
  if (!m || m[1].endsWith('.override')) return null;
  for (const ext of ['yaml', 'yml']) {
    const f = path.join(path.dirname(file), `${m[1]}.override.${ext}`);
    if (fs.existsSync(f)) return f;
  }
  return null;
}

/** `X.override.yml` whose base `X.yml` / `X.yaml` exists: read with its base, not alone. */
function isMergedOverride(file: string): boolean {
  const m = /^(.*)\.override\.ya?ml$/.exec(path.basename(file));
  if (!m) return false;
  return ['yaml', 'yml'].some((ext) => fs.existsSync(path.join(path.dirname(file), `${m[1]}.${ext}`)));
}

export function readCompose(file: string, text: string, sink: Sink): void {
  if (isMergedOverride(file)) return;
  readProject([file], sink, { text, depth: 0, stack: new Set() });
}

/** The file `docker compose` reads in a folder when given no `-f` (the first that exists). */
const DEFAULT_COMPOSE_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

/**
 * A `docker compose … build|up|run|create` command line run in `cwd` (src/builds/command.ts):
 * the files given with `-f` merged in order (no override file then), else the folder's default
 * file with its override; `--project-directory` for relative paths. Files outside the repository
 * get a note.
 */
export function readComposeCommand(files: readonly string[], projectDir: string | undefined, cwd: string, sink: Sink, at: { file: string; line: number; what: string }): void {
  const inside = (p: string): boolean => insideRoot(sink.root, p);
  const found = files.length ? undefined : DEFAULT_COMPOSE_FILES.map((f) => path.join(cwd, f)).find((f) => fs.existsSync(f));
  const paths = files.length ? files.map((f) => path.resolve(cwd, f)) : found ? [found] : [];
  if (!paths.length) return;
  const outside = paths.find((p) => !inside(p));
  if (outside) {
    sink.note(at.file, at.line, `${at.what}: compose file ${path.relative(sink.root, outside)} is outside the repository; not read`);
    return;
  }
  const text = readRegular(paths[0]);
  if (text === null) {
    sink.note(at.file, at.line, `${at.what}: compose file ${path.relative(sink.root, paths[0]) || paths[0]} cannot be read; not used`);
    return;
  }
  const pd = projectDir === undefined ? undefined : path.resolve(cwd, projectDir);
  if (pd !== undefined && !inside(pd)) {
    sink.note(at.file, at.line, `${at.what}: project directory ${projectDir} is outside the repository; not used`);
    return;
  }
  readProject(paths, sink, { text, projectDir: pd, depth: 0, stack: new Set(), override: files.length === 0 });
}

/** How a compose project is read: the top-level file, or one named by another's `include`. */
interface ProjectOptions {
  /** Merge the first file's default override file (`X.override.yml`) when it is the only one; default true. */
  override?: boolean;
  /** The first file's text, when the caller has read it. */
  text?: string;
  /** The folder relative paths are taken from (`include`'s `project_directory`); default: the first file's. */
  projectDir?: string;
  /** `include`'s `env_file`s, in place of the project folder's `.env`. */
  envFiles?: string[];
  depth: number;
  /** The files of the projects including this one (an include cycle stops there). */
  stack: Set<string>;
}

/** Includes deeper than this are not followed. */
const MAX_INCLUDE_DEPTH = 10;

function readProject(paths: string[], sink: Sink, o: ProjectOptions): void {
  const file = paths[0];
  const base = load(file, sink, o.text);
  if (!base) return;
  const layers: Layer[] = [base];
  // Several files are merged in order, as `-f a -f b`; one file gets its default override file.
  const ov = paths.length === 1 && o.override !== false ? overrideOf(file) : null;
  for (const f of ov ? [ov] : paths.slice(1)) {
    const l = load(f, sink);
    if (l) layers.push(l);
  }
  const dir = o.projectDir ?? path.dirname(file);
  const fileEnv: Record<string, string> = {};
  if (o.envFiles) for (const f of o.envFiles) Object.assign(fileEnv, dotEnvFile(f));
  const env = { ...(o.envFiles ? fileEnv : dotEnv(dir)), ...sink.env };
  /** Where relative paths written in `f` are taken from: the project folder for the project's own files. */
  const projectFiles = new Set(layers.map((l) => l.file));
  const baseDir = (f: string): string => (projectFiles.has(f) ? dir : path.dirname(f));
  const names = [...new Set(layers.flatMap((l) => [...l.services.keys()]))];
  const files = new Map<string, Layer | null>(layers.map((l) => [l.file, l]));
  const layerOf = (f: string): Layer | null => {
    if (!files.has(f)) files.set(f, load(f, sink));
    return files.get(f)!;
  };
  /** A service's build through `extends`, then its own keys. */
  const resolveService = (svc: Service, depth: number, note: (m: string) => void): RawBuild => {
    let build = emptyBuild(svc.file, 1);
    const ext = get(svc.node, 'extends');
    if (ext && depth < 10) {
      const svcName = isScalar(ext.value) ? str(ext.value) : str(get(ext.value, 'service')?.value);
      const extFileRaw = isMap(ext.value) ? str(get(ext.value, 'file')?.value) : undefined;
      let from: Layer | null = layerOf(svc.file);
      if (extFileRaw !== undefined) {
        const r = interpolate(extFileRaw, env);
        if (!r.ok) {
          note(`extends file ${extFileRaw}: cannot resolve ${r.variable}; the base service is not read`);
          from = null;
        } else {
          const target = path.resolve(path.dirname(svc.file), r.value);
          if (!insideRoot(sink.root, target)) {
            note(`extends file ${extFileRaw} is outside the repository; the base service is not read`);
            from = null;
          } else {
            from = layerOf(target);
            if (from === null) note(`extends file ${extFileRaw} cannot be read; the base service is not read`);
          }
        }
      }
      const baseSvc = svcName !== undefined ? from?.services.get(svcName) : undefined;
      if (baseSvc) build = resolveService(baseSvc, depth + 1, note);
      else if (from && svcName !== undefined) note(`extends service ${svcName} is not in ${path.basename(from.file)}; the base service is not read`);
    }
    return overlayBuild(build, svc);
  };
  for (const name of names) {
    let build: RawBuild | null = null;
    let line = 1;
    let at = file;
    const noteAt = (m: string): void => sink.note(at, line, `compose service ${name}: ${m}`);
    for (const l of layers) {
      const svc = l.services.get(name);
      if (!svc) continue;
      at = l.file;
      const b = get(svc.node, 'extends') ?? get(svc.node, 'build');
      line = b ? svc.y.line(b.key) : 1;
      build = build === null ? resolveService(svc, 0, noteAt) : overlayBuild(build, svc);
    }
    if (!build || !build.present) continue;
    at = build.file;
    line = build.line;
    const note = (m: string): void => sink.note(at, line, `compose service ${name}: ${m}`);
    if (build.bad) {
      note(`${build.bad}; not used`);
      continue;
    }
    if (build.inline) {
      note('dockerfile_inline: the Dockerfile is not a file; not used');
      continue;
    }
    const value = (v: Val | undefined, field: string): string | null | undefined => {
      if (v === undefined) return undefined;
      const r = interpolate(v.raw, env);
      if (r.ok) return r.value;
      note(`${field} ${v.raw}: cannot resolve ${r.variable}; entry not used`);
      return null;
    };
    const contextRaw = value(build.context, build.context?.field ?? 'context');
    const dockerfile = value(build.dockerfile, 'dockerfile');
    const target = value(build.target, 'target');
    if (contextRaw === null || dockerfile === null || target === null) continue;
    const args: Record<string, string> = {};
    for (const [k, v] of build.args) {
      if (v === undefined) {
        note(`arg ${k} takes its value from the environment; not known`);
        continue;
      }
      const r = interpolate(v.raw, env);
      if (r.ok) args[k] = r.value;
      else note(`arg ${k}=${v.raw}: cannot resolve ${r.variable}; arg left out`);
    }
    const ctx = contextRaw ?? '.';
    if (/^(https?:|git@|git:|ssh:)/.test(ctx) || /\.git(#.*)?$/.test(ctx)) {
      note(`context ${ctx} is a URL; not used`);
      continue;
    }
    // A context from an extended service in another file is taken from that file's folder.
    const ctxBase = build.context ? baseDir(build.context.file) : dir;
    const context = path.resolve(ctxBase, ctx);
    const additionalContexts: Record<string, string> = {};
    for (const [k, v] of build.additional) {
      const r = interpolate(v.raw, env);
      if (!r.ok) {
        note(`additional context ${k}: cannot resolve ${r.variable}; not used`);
        continue;
      }
      if (/^[a-z-]+:/.test(r.value) && !/^[A-Za-z]:[\\/]/.test(r.value)) additionalContexts[k] = r.value;
      else additionalContexts[k] = path.resolve(baseDir(v.file), r.value);
    }
    sink.add({
      dockerfile: dockerfile !== undefined ? path.resolve(context, dockerfile) : undefined,
      context,
      ...(target !== undefined ? { target } : {}),
      args,
      ...(Object.keys(additionalContexts).length ? { additionalContexts } : {}),
      source: { file: at, line, what: `compose service ${name}` },
    });
  }
  readIncludes(base, dir, env, sink, { ...o, stack: new Set([...o.stack, ...projectFiles]) });
}

/**
 * The projects a compose file's top-level `include` names (a path, or `path` as one file or a
 * list merged in order, `project_directory`, `env_file`), read as docker compose reads them:
 * relative paths from the including file's folder, each included project's paths from its own
 * folder (or its `project_directory`). Remote includes, paths outside the repository, cycles and
 * nesting deeper than MAX_INCLUDE_DEPTH get a note.
 */
function readIncludes(from: Layer, dir: string, env: Record<string, string | undefined>, sink: Sink, o: ProjectOptions): void {
  const inc = get(from.y.doc.contents, 'include');
  if (!inc) return;
  const at = (node: unknown): number => from.y.line(node);
  const items = isSeq(inc.value) ? inc.value.items : [];
  if (!isSeq(inc.value)) sink.note(from.file, at(inc.key), 'include is not a list; not used');
  const resolve = (raw: string, line: number, what: string): string | null => {
    const r = interpolate(raw, env);
    if (!r.ok) {
      sink.note(from.file, line, `include ${what} ${raw}: cannot resolve ${r.variable}; not used`);
      return null;
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(r.value) || /^git@/.test(r.value)) {
      sink.note(from.file, line, `include ${r.value} is remote; not used`);
      return null;
    }
    const p = path.resolve(path.dirname(from.file), r.value);
    if (!insideRoot(sink.root, p)) {
      sink.note(from.file, line, `include ${r.value} is outside the repository; not used`);
      return null;
    }
    return p;
  };
  const list = (node: unknown): Array<{ raw: string; line: number }> | null => {
    if (isSeq(node)) return node.items.map((i) => ({ raw: str(i) ?? '', line: at(i) }));
    const s = str(node);
    return s === undefined ? null : [{ raw: s, line: at(node) }];
  };
  for (const item of items) {
    const line = at(item);
    const pathNode = isMap(item) ? get(item, 'path')?.value : item;
    const raws = list(pathNode);
    if (!raws || raws.length === 0 || raws.some((r) => r.raw === '')) {
      sink.note(from.file, line, 'include entry without a path; not used');
      continue;
    }
    const paths = raws.map((r) => resolve(r.raw, r.line, 'path'));
    if (paths.some((p) => p === null)) continue;
    const files = paths as string[];
    const pd = isMap(item) ? str(get(item, 'project_directory')?.value) : undefined;
    const projectDir = pd === undefined ? undefined : resolve(pd, line, 'project_directory');
    if (projectDir === null) continue;
    const envRaws = isMap(item) ? list(get(item, 'env_file')?.value) : null;
    const envFiles = envRaws ? envRaws.map((r) => resolve(r.raw, r.line, 'env_file')) : undefined;
    if (envFiles?.some((f) => f === null)) continue;
    if (files.some((f) => o.stack.has(f))) {
      sink.note(from.file, line, `include ${path.relative(dir, files[0]) || files[0]} includes a file that includes it; not followed`);
      continue;
    }
    if (o.depth + 1 > MAX_INCLUDE_DEPTH) {
      sink.note(from.file, line, `includes nested deeper than ${MAX_INCLUDE_DEPTH}; not followed`);
      continue;
    }
    const text = readRegular(files[0]);
    if (text === null) {
      sink.note(from.file, line, `include ${raws[0].raw} cannot be read; not used`);
      continue;
    }
    readProject(files, sink, { text, projectDir, envFiles: envFiles as string[] | undefined, depth: o.depth + 1, stack: o.stack });
  }
}
