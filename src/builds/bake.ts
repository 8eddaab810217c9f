/**
 * Bake files: `docker-bake.json`, `docker-bake.hcl` and their `docker-bake.override.*` files in one
 * folder are read together, as `docker buildx bake` does (later files win per attribute). The HCL
 * form is parsed with HashiCorp's own HCL parser (`@cdktn/hcl2json`, Go compiled to wasm, loaded
 * only when a folder has an HCL bake file). Per target: `context` (default `.`, from the folder
 * bake runs in: the bake file's own for the files found in a folder, the command's or the
 * bake-action's working directory for the files they name, as buildx does by default;
 * BUILDX_BAKE_FILE_RELATIVE_PATHS is not read), `dockerfile` (from the context), `target`, `args`, `contexts`, after `inherits`;
 * `${X}` takes a `variable` block's default (or the environment given). Not read: functions and
 * other expressions (`${upper(X)}`, conditionals: the value is unknown, with a note),
 * `dockerfile-inline`. A target's `matrix` is one build per combination of its lists (at most
 * MAX_BAKE_MATRIX), with `${var}` / `${var.key}` replaced in its context, dockerfile, target, args
 * and contexts, named by its `name` (which `--set` and bake-action `targets` may use); a list
 * given by an expression is not read (a note). Which targets are built: every target in a group, and every target that is
 * not only a parent of others (`inherits`).
 */
import path from 'node:path';
import fs from 'node:fs';
import { interpolate } from './interpolate.js';
import { readRegular } from './read.js';
import type { Sink } from './types.js';

/** A bake file's content: the JSON form as is, or the HCL form converted to it. */
export interface BakeFile {
  file: string;
  text: string;
  json: unknown;
}

interface Attrs {
  [k: string]: unknown;
}

interface TargetDef {
  attrs: Attrs;
  file: string;
  line: number;
}

const isObj = (v: unknown): v is Attrs => typeof v === 'object' && v !== null && !Array.isArray(v);

/** HCL converted to JSON has a list of blocks per label; JSON bake files have one object. */
function blocks(v: unknown): Record<string, Attrs> {
  const out: Record<string, Attrs> = {};
  if (!isObj(v)) return out;
  for (const [name, b] of Object.entries(v)) {
    const list = Array.isArray(b) ? b : [b];
    out[name] = Object.assign({}, ...list.filter(isObj));
  }
  return out;
}

function lineOf(text: string, kind: string, name: string): number {
  const q = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // HCL: `target "name" {`; JSON: `"name": {` after `"target"`.
  const hcl = new RegExp(`(^|\\n)[ \\t]*${kind}[ \\t]+"${q}"`).exec(text);
  let at = hcl ? hcl.index + hcl[1].length : -1;
  if (at === -1) {
    const from = Math.max(0, text.indexOf(`"${kind}"`));
    const m = new RegExp(`"${q}"\\s*:`).exec(text.slice(from));
    at = m ? from + m.index : -1;
  }
  return at === -1 ? 1 : text.slice(0, at).split('\n').length;
}

/** The targets `names` stand for (groups expanded). */
function expand(names: readonly string[], groups: Map<string, string[]>, seen = new Set<string>()): string[] {
  const out: string[] = [];
  for (const n of names) {
    if (seen.has(n)) continue;
    seen.add(n);
    const g = groups.get(n);
    if (g) out.push(...expand(g, groups, seen));
    else out.push(n);
  }
  return out;
}

/** Most combinations one target's `matrix` may have (one build per combination). */
export const MAX_BAKE_MATRIX = 256;

/** One build of a target: the target, or one combination of its `matrix` (`vars`) named `name`. */
interface Instance {
  base: string;
  name: string;
  vars?: Record<string, unknown>;
}

/**
 * The combinations of a target's `matrix` (buildx: every combination of the listed values, each
 * a build of its own; a value may be a map, read as `${var.key}`), or why they are not known: a
 * list given by an expression (a variable or function: not evaluated), too many combinations.
 */
function matrixCombinations(m: unknown): Array<Record<string, unknown>> | string {
  if (!isObj(m)) return 'matrix is not a map';
  let combos: Array<Record<string, unknown>> = [{}];
  for (const [k, v] of Object.entries(m)) {
    if (k === '__proto__') continue;
    if (!Array.isArray(v)) return `matrix ${k} is ${typeof v === 'string' ? `an expression (${v})` : 'not a list'}, not read`;
    combos = combos.flatMap((c) => v.map((x) => ({ ...c, [k]: x })));
    if (combos.length > MAX_BAKE_MATRIX) return `matrix has more than ${MAX_BAKE_MATRIX} combinations, not read`;
  }
  return combos;
}

const MATRIX_REF = /\$\{\s*([A-Za-z_][A-Za-z0-9_-]*)(?:\.([A-Za-z_][A-Za-z0-9_-]*))?\s*\}/g;

/** `${var}` and `${var.key}` of a matrix combination replaced by their values (a `$` in a value kept literal). */
function withMatrix(s: string, vars: Record<string, unknown>): string {
  return s.replace(MATRIX_REF, (ref, name: string, key: string | undefined) => {
    if (!Object.hasOwn(vars, name)) return ref;
    const v = key === undefined ? vars[name] : isObj(vars[name]) && Object.hasOwn(vars[name] as Attrs, key) ? (vars[name] as Attrs)[key] : undefined;
    return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v).replace(/\$/g, '$$$$') : ref;
  });
}

/** A target's attributes with a matrix combination's values in its strings (context, dockerfile, target, args, contexts). */
function attrsWithMatrix(t: Attrs, vars: Record<string, unknown>): Attrs {
  const str = (v: unknown): unknown => (typeof v === 'string' ? withMatrix(v, vars) : v);
  const map = (v: unknown): unknown => (isObj(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, str(x)])) : v);
  return { ...t, context: str(t.context), dockerfile: str(t.dockerfile), target: str(t.target), args: map(t.args), contexts: map(t.contexts) };
}

/**
 * `--set <targets>.<key>=<value>` overrides (a bake command's, a bake-action's `set`) on target
 * `name`'s attributes, in order: `*` and `?` match in the target pattern; `context`,
 * `dockerfile`, `target`, `args.<NAME>` and `contexts.<NAME>` are what a build's Dockerfile,
 * context and stages depend on (other keys, such as tags or platforms, are not looked at).
 */
function applySets(t: Attrs, name: string, sets: readonly string[]): Attrs {
  let out = t;
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq === -1) continue;
    const lhs = s.slice(0, eq);
    const value = s.slice(eq + 1);
    const dot = lhs.indexOf('.');
    if (dot === -1) continue;
    const pattern = lhs.slice(0, dot);
    const key = lhs.slice(dot + 1);
    const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    if (!re.test(name)) continue;
    if (key === 'context' || key === 'dockerfile' || key === 'target') out = { ...out, [key]: value };
    else if (key.startsWith('args.') || key.startsWith('contexts.')) {
      const [field, sub] = [key.slice(0, key.indexOf('.')), key.slice(key.indexOf('.') + 1)];
      if (sub && sub !== '__proto__') out = { ...out, [field]: { ...(isObj(out[field]) ? (out[field] as Attrs) : {}), [sub]: value } };
    }
  }
  return out;
}

/**
 * Read the bake files of one folder (or the ones a bake-action names), together. `only`: the
 * targets / groups asked for (bake-action `targets`); `source`: who asks (for the notes); `cwd`:
 * the folder bake runs in, which relative contexts are taken from (buildx takes them from its
 * working directory, not from the file's folder: docker/buildx#1028); default: the file's folder
 * (files found in a folder are run there).
 */
export function readBakeFiles(files: readonly BakeFile[], sink: Sink, opts: { only?: string[]; source?: { file: string; line: number; what: string }; cwd?: string; set?: readonly string[] } = {}): void {
  const env: Record<string, string | undefined> = {};
  const targets = new Map<string, TargetDef>();
  const groups = new Map<string, string[]>();
  for (const f of files) {
    if (!isObj(f.json)) {
      sink.note(f.file, 1, 'is not a bake file (no object at the top); not used');
      continue;
    }
    for (const [k, v] of Object.entries(blocks(f.json.variable))) if (v.default !== undefined && v.default !== null && typeof v.default !== 'object') env[k] = String(v.default);
    for (const [name, attrs] of Object.entries(blocks(f.json.target))) {
      const prev = targets.get(name);
      targets.set(name, { attrs: { ...prev?.attrs, ...attrs, args: { ...(isObj(prev?.attrs.args) ? prev!.attrs.args : {}), ...(isObj(attrs.args) ? attrs.args : {}) } }, file: prev?.file ?? f.file, line: prev?.line ?? lineOf(f.text, 'target', name) });
    }
    for (const [name, g] of Object.entries(blocks(f.json.group))) if (Array.isArray(g.targets)) groups.set(name, g.targets.map(String));
  }
  Object.assign(env, sink.env);
  const resolved = (name: string, seen: Set<string>): Attrs => {
    const t = targets.get(name);
    if (!t || seen.has(name)) return {};
    seen.add(name);
    const parents = Array.isArray(t.attrs.inherits) ? t.attrs.inherits : typeof t.attrs.inherits === 'string' ? [t.attrs.inherits] : [];
    let merged: Attrs = {};
    for (const p of parents) {
      const pt = resolved(String(p), seen);
      merged = { ...merged, ...pt, args: { ...(merged.args as Attrs), ...(pt.args as Attrs) }, contexts: { ...(merged.contexts as Attrs), ...(pt.contexts as Attrs) } };
    }
    return { ...merged, ...t.attrs, args: { ...(merged.args as Attrs), ...(t.attrs.args as Attrs) }, contexts: { ...(merged.contexts as Attrs), ...(isObj(t.attrs.contexts) ? t.attrs.contexts : {}) } };
  };
  // A target with a `matrix` is one build per combination, named by its `name` attribute.
  const instances = new Map<string, Instance[] | string>();
  const byName = new Map<string, Instance>();
  for (const [base, def] of targets) {
    if (def.attrs.matrix === undefined) {
      instances.set(base, [{ base, name: base }]);
      continue;
    }
    const combos = matrixCombinations(def.attrs.matrix);
    if (typeof combos === 'string') {
      instances.set(base, combos);
      continue;
    }
    const list = combos.map((vars, i): Instance => {
      const named = typeof def.attrs.name === 'string' ? interpolate(withMatrix(def.attrs.name, vars), env) : null;
      const shown = Object.entries(vars)
        .flatMap(([k, v]) => (isObj(v) ? Object.entries(v).map(([kk, x]): [string, unknown] => [`${k}.${kk}`, x]) : [[k, v] as [string, unknown]]))
        .filter(([, v]) => typeof v !== 'object' || v === null)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(', ');
      return { base, name: named?.ok ? named.value : `${base} (${shown || `combination ${i + 1}`})`, vars };
    });
    for (const inst of list) if (!byName.has(inst.name) && !targets.has(inst.name)) byName.set(inst.name, inst);
    instances.set(base, list);
  }
  const known = (n: string): boolean => targets.has(n) || byName.has(n);
  let built: Array<Instance | string>;
  const of = (n: string): Array<Instance | string> => {
    if (!targets.has(n)) return byName.has(n) ? [byName.get(n)!] : [];
    const list = instances.get(n)!;
    return typeof list === 'string' ? [n] : list;
  };
  if (opts.only?.length) built = expand(opts.only, groups).filter(known).flatMap(of);
  else {
    const inGroups = new Set(expand([...groups.keys()], groups));
    const parents = new Set([...targets.values()].flatMap((t) => (Array.isArray(t.attrs.inherits) ? t.attrs.inherits.map(String) : typeof t.attrs.inherits === 'string' ? [t.attrs.inherits] : [])));
    built = [...targets.keys()].filter((n) => inGroups.has(n) || !parents.has(n)).flatMap(of);
  }
  const done = new Set<Instance | string>();
  for (const item of built) {
    if (done.has(item)) continue;
    done.add(item);
    const base = typeof item === 'string' ? item : item.base;
    const name = typeof item === 'string' ? item : item.name;
    const def = targets.get(base)!;
    const line = opts.source?.line ?? def.line;
    const at = opts.source?.file ?? def.file;
    const what = opts.source ? `${opts.source.what}, bake target ${name}` : `bake target ${name}`;
    const note = (m: string): void => sink.note(at, line, `${what}: ${m}`);
    const unread = instances.get(base);
    if (typeof unread === 'string') {
      note(`${unread}; entry not used`);
      continue;
    }
    const own = resolved(base, new Set());
    const t = applySets(typeof item !== 'string' && item.vars ? attrsWithMatrix(own, item.vars) : own, name, opts.set ?? []);
    const val = (v: unknown, field: string): string | null | undefined => {
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'string') {
        note(`${field} is not a string; entry not used`);
        return null;
      }
      const r = interpolate(v, env);
      if (r.ok) return r.value;
      note(`${field} ${v}: cannot resolve ${r.variable}; entry not used`);
      return null;
    };
    if (t['dockerfile-inline'] !== undefined) {
      note('dockerfile-inline: the Dockerfile is not a file; not used');
      continue;
    }
    const ctx = val(t.context, 'context');
    const df = val(t.dockerfile, 'dockerfile');
    const target = val(t.target, 'target');
    if (ctx === null || df === null || target === null) continue;
    if (ctx !== undefined && /^(https?:|git@|git:|ssh:|target:|docker-image:|cwd:\/\/)/.test(ctx)) {
      note(`context ${ctx} is not a local folder; not used`);
      continue;
    }
    const context = path.resolve(opts.cwd ?? path.dirname(def.file), ctx ?? '.');
    const args: Record<string, string> = {};
    for (const [k, v] of Object.entries((t.args as Attrs) ?? {})) {
      if (v === null || v === undefined) continue;
      const r = interpolate(String(v), env);
      if (r.ok) args[k] = r.value;
      else note(`arg ${k}: cannot resolve ${r.variable}; arg left out`);
    }
    const additionalContexts: Record<string, string> = {};
    for (const [k, v] of Object.entries((t.contexts as Attrs) ?? {})) {
      const r = interpolate(String(v), env);
      if (!r.ok) continue;
      additionalContexts[k] = /^[a-z-]+:\/\//.test(r.value) || r.value.startsWith('target:') ? r.value : path.resolve(opts.cwd ?? path.dirname(def.file), r.value);
    }
    sink.add({
      dockerfile: df !== undefined ? path.resolve(context, df) : undefined,
      context,
      ...(target !== undefined ? { target } : {}),
      args,
      ...(Object.keys(additionalContexts).length ? { additionalContexts } : {}),
      source: { file: at, line, what },
    });
  }
  if (opts.only?.length) {
    const missing = opts.only.filter((n) => !groups.has(n) && !known(n));
    if (missing.length && opts.source) sink.note(opts.source.file, opts.source.line, `${opts.source.what}: bake target ${missing.join(', ')} not found in ${files.map((f) => path.basename(f.file)).join(', ') || 'the bake files'}`);
  }
}

/** Bake file names `docker buildx bake` reads by default, in its order. */
export const BAKE_FILES = ['docker-bake.json', 'docker-bake.hcl', 'docker-bake.override.json', 'docker-bake.override.hcl'];

let hcl: Promise<(name: string, text: string) => Promise<unknown>> | undefined;

/** Parse one bake file (JSON, or HCL through HashiCorp's parser); a note and null when it does not parse. */
export async function parseBake(file: string, text: string, sink: Sink): Promise<BakeFile | null> {
  if (file.endsWith('.json')) {
    try {
      return { file, text, json: JSON.parse(text) };
    } catch (e) {
      sink.note(file, 1, `does not parse as JSON (${(e as Error).message}); not used`);
      return null;
    }
  }
  hcl ??= import('@cdktn/hcl2json').then((m) => m.parse as (name: string, text: string) => Promise<unknown>);
  try {
    const parse = await hcl;
    return { file, text, json: await parse(path.basename(file), text) };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') {
      hcl = undefined;
      sink.note(file, 1, 'HCL bake files are read with @cdktn/hcl2json, which is not installed here (the Action bundle ships without it); not used');
      return null;
    }
    const msg = String((e as Error).message ?? e);
    const m = /:(\d+),\d+/.exec(msg);
    sink.note(file, m ? Number(m[1]) : 1, `does not parse as HCL (${msg.replace(/^parse config: \[?/, '').replace(/\]$/, '').split('\n')[0]}); not used`);
    return null;
  }
}

/** Parse and read the bake files of one set (a folder's, or a bake-action's) together. */
/**
 * A bake invocation (a `docker buildx bake` line, a bake-action step) run in `cwd`: the bake
 * files it names (absolute; none: the default files of `cwd`), the targets it builds (none: the
 * default group) and its `--set` overrides. Compose files given to bake are noted: they are read
 * as compose files where dockerfix finds them. The files are read after the rest (sink.defer).
 */
export function readBakeInvocation(files: readonly string[], cwd: string, sink: Sink, o: { targets: readonly string[]; set: readonly string[]; source: { file: string; line: number; what: string } }): void {
  const isCompose = (f: string): boolean => /\.ya?ml$/.test(f);
  if (files.some(isCompose)) sink.note(o.source.file, o.source.line, `${o.source.what}: compose files given to bake are read as compose files where dockerfix finds them, not through bake`);
  const bakeFiles = files.length ? files.filter((f) => !isCompose(f)) : BAKE_FILES.map((f) => path.join(cwd, f)).filter((f) => fs.existsSync(f));
  if (!bakeFiles.length) return;
  sink.defer(() => readBakeSet(bakeFiles, sink, { ...(o.targets.length ? { only: [...o.targets] } : {}), source: o.source, cwd, ...(o.set.length ? { set: o.set } : {}) }));
}

export async function readBakeSet(files: readonly string[], sink: Sink, opts: Parameters<typeof readBakeFiles>[2] = {}): Promise<void> {
  const parsed: BakeFile[] = [];
  for (const f of files) {
    const text = readRegular(f, 1 << 20);
    if (text === null) {
      if (isRegularFile(f)) sink.note(f, 1, 'larger than 1 MiB; not read');
      else if (opts.source) sink.note(opts.source.file, opts.source.line, `${opts.source.what}: bake file ${path.relative(sink.root, f) || f} not found; not used`);
      continue;
    }
    const b = await parseBake(f, text, sink);
    if (b) parsed.push(b);
  }
  if (parsed.length) readBakeFiles(parsed, sink, opts);
}


function isRegularFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
