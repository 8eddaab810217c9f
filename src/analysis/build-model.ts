/**
 * The build model: how the stages of one Dockerfile depend on each other and which of them are
 * built as outputs. Computed once per document (lazily) and shared by every transform, so that
 * "does this directory of this stage reach something that is built" has one answer.
 *
 * - **Edges.** A stage depends on another through `FROM <stage>` (it inherits every file),
 *   `COPY --from=<stage>` / `ADD --from=<stage>` (it reads the named paths) and
 *   `RUN --mount=from=<stage>` (it reads the mounted source path while the step runs).
 * - **Outputs** are the stages somebody builds: the last stage (a plain `docker build`), every
 *   leaf stage (no other stage depends on it: it exists to be built with `--target`), and every
 *   stage named as a target by the caller (`--target`, compose `target:`, CI files), plus
 *   everything they are built from. A stage that nothing builds does not exist: every stage is
 *   either a leaf or feeds one, so every stage is built by some target.
 * - **Reaching an output.** A directory of a stage reaches an output when the stage is an output,
 *   when a stage built FROM it reaches one (it inherits the directory), or when a later stage
 *   copies or mounts a path that overlaps the directory.
 */
import { normalizePath, type DockerfileDocument, type Instruction, type Stage } from '../core/document.js';
import { mountOptions, trimSlash } from '../core/edit-helpers.js';

/** A read of another stage's files: a `COPY --from`/`ADD --from` or a `RUN --mount=from=`. */
export interface StageRead {
  instr: Instruction;
  /** The stage whose files are read. */
  from: Stage;
  /** Absolute source paths in `from` (globs cut at the first wildcard); null when unknown. */
  paths: string[] | null;
  how: 'copy' | 'mount';
}

export interface StageNode {
  stage: Stage;
  /** Stages built FROM this one. */
  children: Stage[];
  /** Later reads of this stage's files by COPY --from / RUN --mount=from. */
  readers: StageRead[];
  /** Why this stage is an output, or undefined. */
  output?: string;
}

export interface BuildModelOptions {
  /** Stage names (or indexes) the project builds with `--target`. */
  targets?: readonly string[];
}

export class BuildModel {
  readonly nodes: StageNode[];
  private readonly byStage = new Map<Stage, StageNode>();

  constructor(
    readonly doc: DockerfileDocument,
    options: BuildModelOptions = {},
  ) {
    this.nodes = doc.stages.map((stage) => ({ stage, children: [], readers: [] }));
    for (const n of this.nodes) this.byStage.set(n.stage, n);
    for (const n of this.nodes) {
      const p = n.stage.parent;
      if (p && p !== n.stage) this.byStage.get(p)?.children.push(n.stage);
    }
    for (const instr of doc.instructions) {
      if (!instr.stage) continue;
      for (const r of stageReadsOf(instr)) this.byStage.get(r.from)?.readers.push(r);
    }
    const last = doc.stages[doc.stages.length - 1];
    const targets = new Set((options.targets ?? []).map((t) => t.toLowerCase()));
    for (const n of this.nodes) {
      const name = n.stage.name?.toLowerCase();
      if (name !== undefined && targets.has(name)) n.output = `stage ${n.stage.name} is built as a target`;
      else if (n.stage === last) n.output = doc.stages.length > 1 ? 'this is the last stage (what `docker build` builds)' : 'this stage is the image';
      else if (n.children.length === 0 && n.readers.length === 0) n.output = `stage ${stageLabel(n.stage)} is a leaf stage, built with --target`;
    }
  }

  node(stage: Stage): StageNode {
    return this.byStage.get(stage)!;
  }

  /** Stages built FROM `stage`, transitively, in document order. */
  descendants(stage: Stage): Stage[] {
    const out = new Set<Stage>();
    const stack = [...this.node(stage).children];
    while (stack.length) {
      const s = stack.pop()!;
      if (out.has(s) || s === stage) continue;
      out.add(s);
      stack.push(...this.node(s).children);
    }
    return [...out].sort((a, b) => a.index - b.index);
  }

  /**
   * Why the files of `stage` under `dir` reach a built output, or undefined when only the
   * stage's own later steps can see them (a builder stage whose other files are copied out).
   */
  dirReachesOutput(stage: Stage, dir: string): string | undefined {
    const seen = new Set<Stage>();
    const visit = (s: Stage, via: string | undefined): string | undefined => {
      if (seen.has(s)) return undefined;
      seen.add(s);
      const n = this.node(s);
      if (n.output) return via ? `${via}, and ${n.output}` : n.output;
      for (const c of n.children) {
        const r = visit(c, via ?? `stage ${stageLabel(c)} builds on this stage`);
        if (r) return r;
      }
      for (const r of n.readers) {
        const overlap = r.paths === null ? 'an unknown path' : r.paths.find((p) => overlaps(p, dir));
        if (overlap) {
          const what = r.how === 'copy' ? `copies ${overlap === 'an unknown path' ? overlap : overlap} from` : `mounts ${overlap} of`;
          return `line ${r.instr.line} ${what} ${s === stage ? 'this stage' : `stage ${stageLabel(s)}`}`;
        }
      }
      return undefined;
    };
    return visit(stage, undefined);
  }

  /**
   * The steps that run after `instr` and see its stage's files: the rest of its stage, then
   * every stage built FROM it (document order).
   */
  *laterSteps(instr: Instruction): Generator<Instruction> {
    const stage = instr.stage;
    if (!stage) return;
    for (const i of stage.instructions) if (i.index > instr.index) yield i;
    for (const s of this.descendants(stage)) for (const i of s.instructions) if (i.upper !== 'FROM') yield i;
  }

  /** Later reads (COPY --from / RUN --mount=from) of `stage`'s files that overlap `dir`. */
  readersOf(stage: Stage, dir: string): StageRead[] {
    const out: StageRead[] = [];
    for (const s of [stage, ...this.descendants(stage)]) {
      for (const r of this.node(s).readers) if (r.paths === null || r.paths.some((p) => overlaps(p, dir))) out.push(r);
    }
    return out;
  }
}

const cache = new WeakMap<DockerfileDocument, { key: string; model: BuildModel }>();

/** The build model of `doc` (computed once per document and target list). */
export function buildModel(doc: DockerfileDocument, options: BuildModelOptions = {}): BuildModel {
  const key = (options.targets ?? []).join('\0');
  const hit = cache.get(doc);
  if (hit && hit.key === key) return hit.model;
  const model = new BuildModel(doc, options);
  cache.set(doc, { key, model });
  return model;
}

export function stageLabel(s: Stage): string {
  return s.name ?? String(s.index);
}

/** The reads of other stages' files that one instruction makes. */
function stageReadsOf(instr: Instruction): StageRead[] {
  const out: StageRead[] = [];
  const doc = instr.doc;
  const stage = instr.stage!;
  if (instr.upper === 'COPY' || instr.upper === 'ADD') {
    const ref = instr.flag('from')?.value;
    if (!ref) return out;
    const from = doc.stageByRef(ref, stage.index);
    if (!from) return out;
    let paths: string[] | null;
    if (instr.json) paths = instr.json.slice(0, -1);
    else {
      const words = instr.args();
      paths = words.slice(0, -1).map((w) => w.value);
      if (words.some((w) => w.dynamic)) paths = null;
    }
    if (paths) {
      const wd = from.finalState().workdir;
      paths = paths.some((p) => p.includes('$')) ? null : paths.map((p) => absolute(wd, p));
    }
    out.push({ instr, from, paths, how: 'copy' });
  } else if (instr.upper === 'RUN') {
    for (const f of instr.flagsNamed('mount')) {
      const o = mountOptions(f);
      const ref = o.get('from');
      if (!ref) continue;
      const from = doc.stageByRef(ref, stage.index);
      if (!from) continue;
      const src = o.get('source') ?? o.get('src') ?? '/';
      out.push({ instr, from, paths: src.includes('$') ? null : [absolute('/', src)], how: 'mount' });
    }
  }
  return out;
}

function absolute(workdir: string, p: string): string {
  const s = p.startsWith('/') ? p : (workdir.endsWith('/') ? workdir : workdir + '/') + p;
  return trimSlash(normalizePath(s.replace(/[*?[].*$/, '') || '/'));
}

/** Do two absolute paths (subtrees) overlap? */
export function overlaps(a: string, b: string): boolean {
  const x = trimSlash(normalizePath(a));
  const y = trimSlash(normalizePath(b));
  return x === y || x === '/' || y === '/' || y.startsWith(x + '/') || x.startsWith(y + '/');
}
