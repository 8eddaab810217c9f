/**
 * What the CLI does with the build definitions: per Dockerfile, the context to use, the targets
 * it is built with, and the notes that say where they came from. `--context` / `--no-context`
 * win over anything found (then only the targets and args are used); a `contexts` entry in
 * dockerfix's config file wins over the definitions found. Several contexts for one Dockerfile:
 * each is analysed (src/builds/contexts.ts); targets of every definition are outputs; build args
 * are known values where every definition agrees.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Finding } from '../core/types.js';
import { byDockerfile, describeSource, findBuildDefinitions, printable } from './index.js';
import { guessContext } from './guess-root.js';
import { findHadolint } from './hadolint.js';
import { insideRoot, readRegular } from './read.js';
import { rootCache, type RootOf } from './roots.js';
import type { FsQueries } from '../core/listings.js';
import type { BuildDefinition, BuildNote } from './types.js';

export interface FileBuild {
  /** Context from a definition (absolute), or undefined to keep the default. */
  contextDir?: string;
  /** A definition builds it with no context (`-`). */
  noContext?: boolean;
  targets?: string[];
  /** Build args the definitions pass (null: values that disagree, unknown). */
  args?: Record<string, string | null>;
  /**
   * Further contexts the Dockerfile is built with (besides contextDir / noContext): each is
   * analysed too, and a change is made only when every context gives the same result
   * (src/builds/contexts.ts). `label`: how the notes name it.
   */
  otherContexts?: Array<{ dir: string | null; label: string }>;
  /** How the notes name the first context. */
  contextLabel?: string;
  /** The repository runs hadolint (pip-cache-mount then adds `# hadolint ignore=DL3042`). */
  hadolint?: { source: string; ignored: string[] };
  /** Info notes for the file's outcome (where the context and targets came from). */
  findings: Finding[];
}

/** What dockerfix's own config file says about a Dockerfile's build (its `contexts` key). */
export interface ConfiguredBuild {
  /** Absolute context directory. */
  context?: string;
  targets?: string[];
  args?: Record<string, string>;
  /** The config file and the line of the entry. */
  file: string;
  line: number;
}

export interface BuildPlan {
  files: Map<string, FileBuild>;
  /** Entries the definitions search could not use (parse errors, unknown variables, …). */
  notes: BuildNote[];
}

const info = (message: string): Finding => ({ transform: 'context', kind: 'info', severity: 'info', message, line: 1, column: 1, endLine: 1, endColumn: 1, code: 'build-definitions' });

/** Sources named in one note at most; the rest are counted. */
const MAX_SOURCES_LISTED = 10;

/** `a; b; c` (the first MAX_SOURCES_LISTED, then `and N more`). */
function listSources(sources: readonly string[]): string {
  if (sources.length <= MAX_SOURCES_LISTED) return sources.join('; ');
  return `${sources.slice(0, MAX_SOURCES_LISTED).join('; ')}; and ${sources.length - MAX_SOURCES_LISTED} more`;
}

function rel(cwd: string, p: string): string {
  return printable(path.relative(cwd, p).split(path.sep).join('/') || '.');
}

/**
 * `files`: absolute Dockerfile paths; `starts`: the paths given (absolute). `explicit`: the user
 * gave --context or --no-context (contexts found are then not used). `configured`: the `contexts`
 * entry of dockerfix's config file for a Dockerfile, if any (each field it gives wins over the
 * definitions found).
 */
export async function planBuilds(
  files: readonly string[],
  starts: readonly string[],
  cwd: string,
  explicit: boolean,
  configured: (file: string) => ConfiguredBuild | undefined = () => undefined,
  listings?: FsQueries,
): Promise<BuildPlan> {
  const plan: BuildPlan = { files: new Map(), notes: [] };
  const gitRoot = rootCache(listings);
  // One search per git root (files outside any repository: their own folder only).
  const groups = new Map<string, string[]>();
  for (const f of files) {
    const root = gitRoot(path.dirname(f)) ?? path.dirname(f);
    let g = groups.get(root);
    if (!g) groups.set(root, (g = []));
    g.push(f);
  }
  for (const [root, group] of groups) {
    const within = starts.filter((s) => insideRoot(root, s));
    const found = await findBuildDefinitions([...group.map((f) => path.dirname(f)), ...within], { gitRoot, ...(listings ? { listings } : {}) });
    plan.notes.push(...found.notes);
    const defs = byDockerfile(found.definitions);
    for (const file of group) {
      const fb = planFile(file, defs.get(file) ?? [], configured(file), cwd, explicit, gitRoot);
      const h = gitRoot(path.dirname(file)) ? findHadolint(file, root) : null;
      if (h) fb.hadolint = { ...h, source: rel(cwd, h.source) };
      plan.files.set(file, fb);
    }
  }
  return plan;
}

/** A config `contexts` entry as a definition (its fields win; the others come from what was found). */
function fromConfig(file: string, c: ConfiguredBuild, found: readonly BuildDefinition[]): BuildDefinition[] {
  const source = { file: c.file, line: c.line, what: 'dockerfix config' };
  const contexts = c.context !== undefined ? [c.context] : [...new Set(found.map((d) => d.context))];
  if (contexts.length === 0) contexts.push(path.dirname(file));
  const targets: Array<string | undefined> = c.targets !== undefined ? (c.targets.length ? c.targets : [undefined]) : [...new Set(found.map((d) => d.target))];
  if (targets.length === 0) targets.push(undefined);
  const out: BuildDefinition[] = [];
  for (const context of contexts)
    for (const target of targets) {
      const from = found.find((d) => d.context === context && d.target === target);
      out.push({ dockerfile: file, context, ...(target !== undefined ? { target } : {}), args: c.args ?? from?.args ?? {}, source: c.context === undefined && c.targets === undefined && from ? from.source : source });
    }
  return out;
}

/** Per build arg: its value when every definition passes the same one, else null (unknown). */
export function mergeArgs(list: readonly BuildDefinition[]): Record<string, string | null> {
  // Per key: the value every definition so far passed (null once two differ) and how many pass
  // it; a key some definition does not pass is not known either. Linear in the args given.
  const seen = new Map<string, { value: string | null; count: number }>();
  for (const d of list)
    for (const [k, v] of Object.entries(d.args)) {
      const e = seen.get(k);
      if (!e) seen.set(k, { value: v, count: 1 });
      else {
        e.count++;
        if (e.value !== v) e.value = null;
      }
    }
  const out: Record<string, string | null> = {};
  for (const [k, e] of seen) out[k] = e.count === list.length ? e.value : null;
  return out;
}

function planFile(file: string, found: BuildDefinition[], conf: ConfiguredBuild | undefined, cwd: string, explicit: boolean, gitRoot: RootOf): FileBuild {
  const fb: FileBuild = { findings: [] };
  if (conf?.context !== undefined) {
    // Like every definition: a context outside the repository (or not a folder) is not used.
    const root = gitRoot(path.dirname(file)) ?? path.dirname(conf.file);
    const outside = !insideRoot(root, conf.context);
    if (outside || !isDir(conf.context)) {
      fb.findings.push(info(`${rel(cwd, conf.file)}:${conf.line}: contexts entry: context ${rel(cwd, conf.context)} ${outside ? 'is outside the repository' : 'is not a folder'}; not used`));
      conf = { ...conf, context: undefined };
    }
  }
  const list = conf ? fromConfig(file, conf, found) : found;
  if (list.length === 0) {
    if (explicit) return fb;
    // The guess looks between the Dockerfile's folder and the git root: none without one (or at
    // it), and then the file is not read here.
    const root = gitRoot(path.dirname(file));
    if (!root || root === path.dirname(file)) return fb;
    const text = readRegular(file, 4 << 20);
    if (text === null) return fb;
    const g = guessContext(file, text, root);
    if (g) {
      const where = g.dir === gitRoot(path.dirname(file)) ? 'the repository root' : rel(cwd, g.dir);
      fb.findings.push(
        info(`the build context looks like ${where} (${g.keyword} ${printable(g.source)} at line ${g.line} is not in ${rel(cwd, path.dirname(file))}/); pass --context ${rel(cwd, g.dir)} or add a compose entry`),
      );
    }
    return fb;
  }
  const label = (c: string | null): string => (c === null ? 'no context' : `context ${rel(cwd, c)}`);
  if (!explicit) {
    // One entry per context, with every definition that names it.
    const contexts = new Map<string | null, BuildDefinition[]>();
    for (const d of list) {
      const l = contexts.get(d.context);
      if (l) l.push(d);
      else contexts.set(d.context, [d]);
    }
    const sources = (ds: BuildDefinition[]): string => listSources([...new Set(ds.map((d) => describeSource(d, cwd)))]);
    for (const [c, ds] of contexts) fb.findings.push(info(`${label(c)} (${sources(ds)})`));
    const [first, ...rest] = [...contexts.keys()];
    if (first === null) fb.noContext = true;
    else fb.contextDir = first;
    fb.contextLabel = label(first);
    if (rest.length) fb.otherContexts = rest.map((dir) => ({ dir, label: label(dir) }));
  }
  for (const d of list)
    for (const [k, v] of Object.entries(d.additionalContexts ?? {}))
      fb.findings.push(info(`additional context ${printable(k)}=${path.isAbsolute(v) ? rel(cwd, v) : printable(v)} (${describeSource(d, cwd)}); files a COPY --from=${printable(k)} reads are not looked at`));
  const targets = new Map<string, Set<string>>();
  for (const d of list) {
    if (d.target === undefined) continue;
    const src = describeSource(d, cwd);
    const l = targets.get(d.target);
    if (!l) targets.set(d.target, new Set([src]));
    else l.add(src);
  }
  if (targets.size) {
    fb.targets = [...targets.keys()];
    for (const [t, src] of targets) fb.findings.push(info(`target ${printable(t)} (${listSources([...src])})`));
  }
  const args = mergeArgs(list);
  if (Object.keys(args).length) {
    fb.args = args;
    const known = Object.entries(args).filter(([, v]) => v !== null);
    const unknown = Object.keys(args).filter((k) => args[k] === null);
    if (known.length) fb.findings.push(info(`build arg${known.length === 1 ? '' : 's'} ${known.map(([k, v]) => `${printable(k)}=${printable(v!)}`).join(', ')} (used as known values)`));
    if (unknown.length) fb.findings.push(info(`build arg${unknown.length === 1 ? '' : 's'} ${unknown.map(printable).join(', ')}: the definitions pass different values (or none); not known`));
  }
  return fb;
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
