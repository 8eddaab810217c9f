/**
 * The cache-invalidation chain of a Dockerfile (the analysis behind `dockerfix explain`), with
 * no file system access: callable from the API and in the browser.
 * `dockerfix explain <Dockerfile>`: the cache-invalidation chain of every stage, before and
 * after dockerfix's rewrite (the transforms run in memory; nothing is written).
 *
 * Model (BuildKit, see cache-recipes.md "How the layer cache decides"): a step's cache key is its
 * parent step plus what the step itself reads: the command text of a RUN (with every build arg in
 * scope, which RUN sees as environment variables), the checksum of the files a COPY/ADD copies
 * from the build context (after .dockerignore) or from another stage, a bind mount's files. Once
 * one step misses, every later step of the stage misses, and so does every stage built FROM it;
 * a COPY --from a stage that re-ran re-runs too (BuildKit compares the copied files, so it may
 * still hit when they come out identical: reported as "may re-run" but counted).
 *
 * The change analysed is `--changed <path>` (a path in the build context) or, by default, "any
 * source file": a file that is not a dependency manifest (requirements.txt, package.json,
 * go.mod, ...), which is what changes in almost every commit.
 */
import picomatch from 'picomatch';
import { type DockerfileDocument, expandVars, type Instruction, type Stage } from '../core/document.js';
import { mountOptions } from '../core/edit-helpers.js';
import type { BuildContext } from '../core/context.js';
import { manifestNames } from '../ecosystems/index.js';

/**
 * Dependency manifests: what an install step reads. The names and patterns every package-manager
 * descriptor lists (src/ecosystems/), plus Swift's, which has no descriptor yet.
 */
const MANIFESTS = manifestNames();
for (const n of ['Package.swift', 'Package.resolved']) MANIFESTS.names.add(n);

export function isManifest(rel: string): boolean {
  const base = rel.split('/').pop() ?? rel;
  return MANIFESTS.names.has(base) || MANIFESTS.patterns.some((re) => re.test(rel));
}

export type Change = { kind: 'any-source' } | { kind: 'path'; path: string } | { kind: 'arg'; name: string };

/**
 * Config-only instructions: in BuildKit they change the image config, not the state later steps
 * run in, so a new value does not invalidate the steps after them (measured in the docker lab: a
 * changed LABEL keeps the next RUN cached, a changed ENV does not).
 */
const CONFIG_ONLY = new Set(['LABEL', 'EXPOSE', 'CMD', 'ENTRYPOINT', 'HEALTHCHECK', 'STOPSIGNAL', 'VOLUME', 'MAINTAINER', 'ONBUILD']);

export type StepKind = 'base' | 'build' | 'metadata';

export interface StepInfo {
  line: number;
  keyword: string;
  /** The instruction on one line, shortened. */
  summary: string;
  kind: StepKind;
  /** What the cache key is made of, in words. */
  key: string[];
  status: 'cached' | 'rerun' | 'may-rerun';
  /** Why it re-runs. */
  reason?: string;
  /** Other stages this step reads (FROM a stage, COPY --from, a bind mount from a stage), by index. */
  fromStages?: number[];
}

export interface StageInfo {
  index: number;
  name?: string;
  base: string;
  steps: StepInfo[];
}

export interface ChainReport {
  stages: StageInfo[];
  /** Build steps (RUN/COPY/ADD/WORKDIR) that re-run. */
  rerun: StepInfo[];
  buildSteps: number;
}

interface Source {
  kind: 'context' | 'stage' | 'image' | 'remote' | 'inline';
  /** Context pattern, stage ref, image or URL. */
  ref: string;
  stage?: Stage;
  /** A variable that could not be expanded. */
  dynamic?: boolean;
}

const GLOB = /[*?[]/;

function summarize(instr: Instruction, max = 70): string {
  const t = instr.logical().text.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

function kindOf(instr: Instruction): StepKind {
  if (instr.upper === 'FROM') return 'base';
  return ['RUN', 'COPY', 'ADD', 'WORKDIR'].includes(instr.upper) ? 'build' : 'metadata';
}

/** Variables an instruction's arguments reference. */
function varsUsed(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))/g)) out.add(m[1] ?? m[2]);
  return [...out];
}

/** The sources of a COPY/ADD (not the destination). */
function copySources(instr: Instruction): Source[] {
  const from = instr.flag('from')?.value ?? undefined;
  const state = instr.state();
  let words: string[];
  if (instr.json) words = instr.json.slice(0, -1);
  else {
    const ws = instr.args();
    words = ws.slice(0, -1).map((w) => instr.doc.text.slice(w.start, w.end));
    const values = ws.slice(0, -1).map((w) => w.value);
    words = words.map((raw, i) => (raw.startsWith('<<') ? raw : values[i]));
  }
  const out: Source[] = [];
  for (const w of words) {
    if (w.startsWith('<<') && instr.heredocs.length) {
      out.push({ kind: 'inline', ref: w });
      continue;
    }
    const v = expandVars(w, state.env);
    const dynamic = v.includes('$');
    if (from !== undefined) {
      const f = expandVars(from, state.env);
      const stage = instr.doc.stageByRef(f, instr.stage ? instr.stage.index : undefined);
      out.push(stage ? { kind: 'stage', ref: f, stage } : { kind: 'image', ref: f });
      break;
    }
    if (instr.upper === 'ADD' && /^(https?:\/\/|git@|git:\/\/)/.test(v)) out.push({ kind: 'remote', ref: v });
    else out.push({ kind: 'context', ref: v, dynamic });
  }
  return out;
}

/** Sources a RUN reads through bind mounts. */
function mountSources(instr: Instruction): { sources: Source[]; caches: string[]; secrets: number } {
  const sources: Source[] = [];
  const caches: string[] = [];
  let secrets = 0;
  for (const f of instr.flagsNamed('mount')) {
    const o = mountOptions(f);
    const type = o.get('type');
    if (type === 'cache') caches.push(o.get('target') ?? '?');
    else if (type === 'secret' || type === 'ssh') secrets++;
    else if (type === 'bind') {
      const src = o.get('source') ?? o.get('src') ?? '.';
      const from = o.get('from');
      if (from) {
        const stage = instr.doc.stageByRef(from, instr.stage ? instr.stage.index : undefined);
        sources.push(stage ? { kind: 'stage', ref: from, stage } : { kind: 'image', ref: from });
      } else sources.push({ kind: 'context', ref: src });
    }
  }
  return { sources, caches, secrets };
}

function normalizeSource(ref: string): string {
  let p = ref.replace(/\\/g, '/');
  while (p.startsWith('./')) p = p.slice(2);
  p = p.replace(/^\/+/, '').replace(/\/+$/, '');
  return p === '.' ? '' : p;
}

const matchers = new Map<string, (s: string) => boolean>();

/** Whether a context path is copied by a source pattern (the pattern itself, below it, or a glob match). */
export function sourceCovers(pattern: string, file: string): boolean {
  const p = normalizeSource(pattern);
  if (p === '') return true;
  if (file === p || file.startsWith(p + '/')) return true;
  if (!GLOB.test(p)) return false;
  let m = matchers.get(p);
  if (!m) matchers.set(p, (m = picomatch(p, { dot: true })));
  const parts = file.split('/');
  for (let i = 1; i <= parts.length; i++) if (m(parts.slice(0, i).join('/'))) return true;
  return false;
}

interface Analysis {
  doc: DockerfileDocument;
  context: BuildContext;
  files: string[] | undefined;
  change: Change;
}

function contextFilesOf(a: Analysis, sources: Source[]): string[] | undefined {
  if (!a.files) return undefined;
  const pats = sources.filter((s) => s.kind === 'context').map((s) => s.ref);
  return a.files.filter((f) => pats.some((p) => sourceCovers(p, f)));
}

/** Whether the change touches these context sources; the reason in words when it does. */
function touchedBy(a: Analysis, sources: Source[]): string | null {
  const ctx = sources.filter((s) => s.kind === 'context');
  if (ctx.length === 0 || a.change.kind === 'arg') return null;
  if (a.change.kind === 'path') {
    const changed = normalizeSource(a.change.path);
    const hit = ctx.find((s) => sourceCovers(s.ref, changed));
    if (hit) return `copies ${changed} (source ${hit.ref === '' ? '.' : hit.ref}), which changed`;
    const dyn = ctx.find((s) => s.dynamic);
    return dyn ? `source ${dyn.ref} depends on a build arg and may include ${changed}` : null;
  }
  const files = contextFilesOf(a, sources);
  if (files) {
    const meta = (f: string): boolean => f === '.dockerignore' || /(^|\/)(Dockerfile|Containerfile)[^/]*$/.test(f);
    const src = [...files.filter((f) => !isManifest(f) && !meta(f)), ...files.filter((f) => !isManifest(f) && meta(f))];
    if (src.length === 0) return null;
    const shown = src.slice(0, 3).join(', ') + (src.length > 3 ? `, … (${src.length} source files)` : '');
    return `copies source files (${shown})`;
  }
  // Context unknown: a directory, glob or non-manifest name copies source files.
  const hit = ctx.find((s) => {
    const p = normalizeSource(s.ref);
    return s.dynamic || p === '' || GLOB.test(p) || !isManifest(p);
  });
  return hit ? `copies ${hit.ref || '.'}, which holds source files` : null;
}

function describeSources(a: Analysis, sources: Source[]): string[] {
  const out: string[] = [];
  const ctx = sources.filter((s) => s.kind === 'context');
  if (ctx.length) {
    const files = contextFilesOf(a, sources);
    const names = ctx.map((s) => (normalizeSource(s.ref) || '.')).join(' ');
    out.push(files ? `the copied files: ${names} (${files.length} file${files.length === 1 ? '' : 's'} in the context)` : `the copied files: ${names}`);
  }
  for (const s of sources) {
    if (s.kind === 'stage') out.push(`the files of stage ${s.stage!.name ? `"${s.stage!.name}"` : s.stage!.index}`);
    if (s.kind === 'image') out.push(`the files of image ${s.ref}`);
    if (s.kind === 'remote') out.push(`the remote file ${s.ref} (checked on every build)`);
    if (s.kind === 'inline') out.push('the inline heredoc text');
  }
  return out;
}

/** The invalidation chain of every stage for one document. */
export function analyze(doc: DockerfileDocument, context: BuildContext, change: Change): ChainReport {
  const files = context.files();
  const a: Analysis = { doc, context, files, change };
  const stageReran = new Map<Stage, number>();
  const stages: StageInfo[] = [];
  const rerun: StepInfo[] = [];
  let buildSteps = 0;
  const ignoredChange = change.kind === 'path' && context.ignored(normalizeSource(change.path));
  for (const stage of doc.stages) {
    const steps: StepInfo[] = [];
    let brokenAt: number | null = null;
    for (const instr of stage.instructions) {
      const kind = kindOf(instr);
      const key: string[] = [];
      let own: string | null = null;
      let may = false;
      const state = instr.state();
      const fromStages = new Set<number>();
      if (kind === 'base') {
        const parent = stage.parent;
        if (parent) {
          fromStages.add(parent.index);
          key.push(`stage ${parent.name ? `"${parent.name}"` : parent.index} as it ends`);
          if (stageReran.has(parent)) own = `builds on stage ${parent.name ? `"${parent.name}"` : parent.index}, which re-runs from line ${stageReran.get(parent)}`;
        } else key.push(`the base image ${stage.resolvedBaseImage || '?'}`);
        const globals = varsUsed(stage.baseImage);
        if (globals.length) key.push(`global build args used: ${globals.join(', ')}`);
        if (stage.platform) key.push(`platform ${stage.platform}`);
      } else {
        key.push(`parent L${steps[steps.length - 1]?.line ?? '?'}`);
        if (instr.upper === 'RUN') {
          key.push('the command text');
          const args = [...state.args].filter((n) => state.env.has(n));
          if (args.length) key.push(`build args in scope: ${args.join(', ')}`);
          const m = mountSources(instr);
          key.push(...describeSources(a, m.sources).map((s) => s.replace('the copied files', 'bind-mounted files')));
          if (!ignoredChange) own = touchedBy(a, m.sources)?.replace('copies', 'mounts') ?? null;
          for (const s of m.sources) {
            if (s.kind === 'stage') fromStages.add(s.stage!.index);
            if (!own && s.kind === 'stage' && stageReran.has(s.stage!)) {
              own = `mounts stage ${s.stage!.name ? `"${s.stage!.name}"` : s.stage!.index}, which re-runs`;
              may = true;
            }
          }
          if (m.caches.length) key.push(`cache mount ${m.caches.join(', ')} (not part of the key; kept between builds)`);
        } else if (instr.upper === 'COPY' || instr.upper === 'ADD') {
          const sources = copySources(instr);
          key.push(...describeSources(a, sources));
          for (const f of ['chown', 'chmod', 'link', 'exclude', 'parents']) {
            const v = instr.flag(f);
            if (v) key.push(`--${f}${v.value !== null ? '=' + v.value : ''}`);
          }
          const vars = varsUsed(instr.argsText()).filter((n) => state.args.has(n));
          if (vars.length) key.push(`build args used: ${vars.join(', ')}`);
          if (!ignoredChange) own = touchedBy(a, sources);
          for (const s of sources) {
            if (s.kind === 'stage') fromStages.add(s.stage!.index);
            if (!own && s.kind === 'stage' && stageReran.has(s.stage!)) {
              own = `copies from stage ${s.stage!.name ? `"${s.stage!.name}"` : s.stage!.index}, which re-runs (BuildKit reuses the cache if the copied files come out identical)`;
              may = true;
            }
          }
        } else {
          key.push(instr.upper === 'ARG' ? 'the declared args (a --build-arg value changes only the later steps that see it)' : `the ${instr.upper} value`);
          const used = instr.upper === 'ARG' ? [] : varsUsed(instr.argsText());
          const known = used.filter((n) => state.env.has(n));
          const unknown = used.filter((n) => !state.env.has(n));
          if (known.length) key.push(`uses ${known.map((v) => '$' + v).join(', ')}`);
          if (unknown.length) {
            // Only `scratch` is known to set nothing; any other base image may set it (ENV in its config).
            const base = stage.baseImage;
            const why = base === 'scratch' ? 'not set in this stage: expands to an empty string' : `not set in this Dockerfile: empty unless the base image (${base}) sets it`;
            key.push(`uses ${unknown.map((v) => '$' + v).join(', ')} (${why})`);
          }
        }
      }
      if (change.kind === 'arg' && !own) {
        const n = change.name;
        if (kind === 'base') {
          const global = doc.globalArgs.some((g) => g.args().some((w) => w.value.split('=')[0] === n));
          if (global && varsUsed(`${stage.baseImage} ${stage.platform ?? ''}`).includes(n)) own = `the base image reference uses build arg ${n}`;
        } else if (state.args.has(n) && instr.upper === 'RUN') own = `sees build arg ${n} as an environment variable (RUN gets every declared ARG)`;
        else if (state.args.has(n) && instr.upper !== 'ARG' && varsUsed(instr.argsText()).includes(n)) own = `uses $${n}`;
      }
      const step: StepInfo = { line: instr.line, keyword: instr.upper, summary: summarize(instr), kind, key: key.filter(Boolean), status: 'cached' };
      if (fromStages.size) step.fromStages = [...fromStages];
      if (kind === 'build') buildSteps++;
      if (brokenAt !== null && kind !== 'base') {
        step.status = 'rerun';
        step.reason = `follows L${brokenAt}, which re-runs`;
      } else if (own && CONFIG_ONLY.has(instr.upper)) {
        step.status = 'rerun';
        step.reason = `${own}: a new image config value only; the steps after it stay cached`;
      } else if (own) {
        step.status = may ? 'may-rerun' : 'rerun';
        step.reason = own;
        brokenAt = step.line;
      }
      if (step.status !== 'cached' && kind === 'build') rerun.push(step);
      steps.push(step);
    }
    if (brokenAt !== null) stageReran.set(stage, brokenAt);
    stages.push({ index: stage.index, name: stage.name, base: stage.baseImage, steps });
  }
  return { stages, rerun, buildSteps };
}

export interface ExplainResult {
  path: string;
  change: Change;
  contextLine: string;
  changeLine: string;
  before: ChainReport;
  /** null when dockerfix would change nothing. */
  after: ChainReport | null;
  applied: string[];
  /** Where the context, targets and build args came from (the repository's build definitions, src/builds). */
  builds?: string[];
}

export function describeChange(change: Change, context: BuildContext): string {
  if (change.kind === 'arg') return `build arg ${change.name} (a new --build-arg value)`;
  if (change.kind === 'path') {
    const p = normalizeSource(change.path);
    if (context.ignored(p)) return `${p} (excluded by .dockerignore: no step sees it, nothing re-runs)`;
    return p;
  }
  const files = context.files();
  const example = files?.find((f) => !isManifest(f) && f !== '.dockerignore' && !/(^|\/)(Dockerfile|Containerfile)[^/]*$/.test(f));
  return `any source file (a file that is not a dependency manifest)${example ? `, e.g. ${example}` : ''}`;
}

export function renderChain(report: ChainReport, indent = '  '): string {
  const lines: string[] = [];
  for (const s of report.stages) {
    lines.push(`${indent}stage ${s.index}${s.name ? ` "${s.name}"` : ''} (FROM ${s.base})`);
    for (const st of s.steps) {
      const head = `${indent}  L${st.line} ${st.summary}`;
      const status = st.kind === 'base' ? (st.status === 'cached' ? '' : 'RE-RUNS') : st.status === 'cached' ? 'cached' : st.status === 'rerun' ? 'RE-RUNS' : 'MAY RE-RUN';
      lines.push(status ? `${head.padEnd(indent.length + 66)} ${status}${st.kind === 'metadata' && st.status !== 'cached' ? ' (metadata only)' : ''}` : head);
      lines.push(`${indent}      key: ${st.key.join(' + ')}`);
      if (st.reason) lines.push(`${indent}      why: ${st.reason}`);
    }
  }
  const n = report.rerun.length;
  const list = report.rerun.map((s) => `L${s.line} ${s.keyword}`).join(', ');
  lines.push(`${indent}=> ${n} of ${report.buildSteps} build step${report.buildSteps === 1 ? '' : 's'} re-run${n ? `: ${list}` : ''}`);
  return lines.join('\n') + '\n';
}

export function renderExplain(r: ExplainResult): string {
  let out = `dockerfix explain ${r.path}\n${r.contextLine}\n${(r.builds ?? []).map((b) => `build: ${b}\n`).join('')}change: ${r.changeLine}\n\n`;
  out += `before dockerfix:\n${renderChain(r.before)}\n`;
  if (!r.after) {
    out += 'after dockerfix: no change (dockerfix would leave this file as it is)\n';
    return out;
  }
  out += `after dockerfix (${r.applied.join(', ')}):\n${renderChain(r.after)}\n`;
  const b = r.before.rerun.length;
  const a = r.after.rerun.length;
  const verdict = a < b ? `${b - a} fewer build step${b - a === 1 ? '' : 's'} re-run` : a === b ? 'the same number of build steps re-run' : `${a - b} more build step${a - b === 1 ? '' : 's'} re-run`;
  out += `summary: ${b} -> ${a} build steps re-run for this change (${verdict})\n`;
  return out;
}

