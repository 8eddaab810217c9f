/**
 * What the explain renderers draw: the before/after chains of `analyze`, each stage's steps
 * paired across the rewrite (kept, changed, moved, added, removed), and a one-line headline
 * ("a source edit re-runs 1 of 4 build steps instead of 2 of 3"). Pure: no file system, so the
 * playground runs it in the browser; `explainText` runs the transforms on a text in memory.
 */
import { DockerfileDocument } from '../core/document.js';
import type { BuildContext } from '../core/context.js';
import { runTransforms } from '../core/runner.js';
import { stripBom } from '../core/source.js';
import type { Options, Transform } from '../core/types.js';
import { analyze, describeChange, type Change, type ChainReport, type ExplainResult, type StageInfo, type StepInfo } from './analyze.js';

export interface ExplainTextOptions {
  transforms: readonly Transform[];
  options?: Partial<Options>;
  buildContext: BuildContext;
  change?: Change;
  /** Named in the output; default "Dockerfile". */
  path?: string;
  /** The line describing the build context; default from the BuildContext. */
  contextLine?: string;
}

/** `dockerfix explain` on a text, in memory. Throws an Error with `line`/`column` for input it cannot read. */
export function explainText(raw: string, o: ExplainTextOptions): ExplainResult {
  const { text, bom } = stripBom(raw);
  const change = o.change ?? { kind: 'any-source' };
  const doc = new DockerfileDocument(text, bom);
  const before = analyze(doc, o.buildContext, change);
  const run = runTransforms(text, { transforms: o.transforms, options: o.options, buildContext: o.buildContext, path: o.path ?? 'Dockerfile' }, bom);
  if (run.error) throw Object.assign(new Error(run.error.message), { line: run.error.line, column: run.error.column });
  const after = run.changed ? analyze(new DockerfileDocument(run.output, bom), o.buildContext, change) : null;
  const applied = o.transforms.map((t) => t.meta.id).filter((id) => run.edits.some((e) => e.transforms.includes(id)));
  const files = o.buildContext.files();
  return {
    path: o.path ?? 'Dockerfile',
    change,
    contextLine: o.contextLine ?? (o.buildContext.available ? `build context: ${o.buildContext.describe()} (${files?.length ?? '?'} files)` : 'build context: unknown; COPY sources are judged by their names'),
    changeLine: describeChange(change, o.buildContext),
    before,
    after,
    applied,
  };
}

export type Mark = 'same' | 'changed' | 'moved' | 'added';

export interface StepPair {
  before?: StepInfo;
  after?: StepInfo;
  /** How the rewrite treated the step: kept as is, edited in place, moved (maybe edited too), added; removed when `after` is absent. */
  mark: Mark | 'removed';
  /** Moved and edited. */
  changed?: boolean;
}

export interface StagePair {
  index: number;
  name?: string;
  base: string;
  before?: StageInfo;
  after?: StageInfo;
  /** In `after` order, each removed step right after the step that preceded it. */
  steps: StepPair[];
}

export interface ExplainView {
  result: ExplainResult;
  headline: string;
  stages: StagePair[];
  /** Build steps re-run before and after (after = before when dockerfix changes nothing). */
  counts: { before: { rerun: number; total: number }; after: { rerun: number; total: number } };
}

const exact = (s: StepInfo): string => `${s.keyword} ${s.summary}`;
/** The step without the flags dockerfix adds or drops (cache mounts, --no-cache-dir, ...). */
const loose = (s: StepInfo): string =>
  `${s.keyword} ${s.summary
    .replace(/--mount=\S+\s*/g, '')
    .replace(/\s--no-cache(-dir)?\b/g, '')
    .replace(/\s+/g, ' ')
    .trim()}`;

/** Pair the steps of one stage across the rewrite: a longest common subsequence of identical steps, then moved/edited ones. */
export function pairSteps(a: readonly StepInfo[], b: readonly StepInfo[]): StepPair[] {
  const n = a.length;
  const m = b.length;
  const L: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) L[i][j] = exact(a[i]) === exact(b[j]) ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
  const matchB = new Array<number>(m).fill(-1);
  const usedA = new Array<boolean>(n).fill(false);
  for (let i = 0, j = 0; i < n && j < m; ) {
    if (exact(a[i]) === exact(b[j])) {
      matchB[j] = i;
      usedA[i] = true;
      i++;
      j++;
    } else if (L[i + 1][j] >= L[i][j + 1]) i++;
    else j++;
  }
  const marks: StepPair[] = b.map((s, j) => (matchB[j] >= 0 ? { before: a[matchB[j]], after: s, mark: 'same' as Mark } : { after: s, mark: 'added' as Mark }));
  // The gap of the before list an unmatched after step sits in (between the kept neighbours).
  const gap = (j: number): [number, number] => {
    let lo = -1;
    for (let k = j - 1; k >= 0; k--) if (matchB[k] >= 0) { lo = matchB[k]; break; }
    let hi = n;
    for (let k = j + 1; k < m; k++) if (matchB[k] >= 0) { hi = matchB[k]; break; }
    return [lo, hi];
  };
  const take = (j: number, pred: (i: number) => boolean): number => {
    for (let i = 0; i < n; i++) if (!usedA[i] && pred(i)) return (usedA[i] = true), i;
    return -1;
  };
  for (let j = 0; j < m; j++) {
    if (matchB[j] >= 0) continue;
    const [lo, hi] = gap(j);
    const inGap = (i: number): boolean => i > lo && i < hi;
    let i = take(j, (x) => exact(a[x]) === exact(b[j]));
    if (i >= 0) {
      marks[j] = { before: a[i], after: b[j], mark: 'moved' };
      continue;
    }
    i = take(j, (x) => loose(a[x]) === loose(b[j]));
    if (i < 0) i = take(j, (x) => inGap(x) && a[x].keyword === b[j].keyword);
    if (i >= 0) marks[j] = inGap(i) ? { before: a[i], after: b[j], mark: 'changed' } : { before: a[i], after: b[j], mark: 'moved', changed: true };
  }
  // Removed steps go after the pair holding the before step that preceded them.
  const out: StepPair[] = [];
  const removed = a.map((s, i) => ({ s, i })).filter(({ i }) => !usedA[i]);
  const placed = new Set<number>();
  const flushUpTo = (limit: number): void => {
    for (const r of removed) if (!placed.has(r.i) && r.i <= limit) { out.push({ before: r.s, mark: 'removed' }); placed.add(r.i); }
  };
  for (const p of marks) {
    const bi = p.before ? a.indexOf(p.before) : -1;
    if (bi >= 0 && p.mark === 'same') flushUpTo(bi - 1);
    out.push(p);
  }
  flushUpTo(n);
  return out;
}

function changeWords(c: Change): string {
  if (c.kind === 'any-source') return 'a source edit';
  if (c.kind === 'path') return `a change to ${c.path}`;
  return `a new value of build arg ${c.name}`;
}

function count(r: ChainReport): { rerun: number; total: number } {
  return { rerun: r.rerun.length, total: r.buildSteps };
}

export function explainView(r: ExplainResult): ExplainView {
  const before = count(r.before);
  const after = r.after ? count(r.after) : before;
  const steps = (n: { rerun: number; total: number }): string => `${n.rerun} of ${n.total} build step${n.total === 1 ? '' : 's'}`;
  const headline = r.after
    ? `${changeWords(r.change)} re-runs ${steps(after)} instead of ${before.rerun} of ${before.total}`
    : `${changeWords(r.change)} re-runs ${steps(before)} (dockerfix leaves this file as it is)`;
  const stages: StagePair[] = [];
  const afterStages = r.after?.stages ?? r.before.stages;
  const n = Math.max(r.before.stages.length, afterStages.length);
  for (let k = 0; k < n; k++) {
    const b = r.before.stages[k];
    const a = r.after ? r.after.stages[k] : b;
    const ref = a ?? b;
    stages.push({
      index: ref.index,
      name: ref.name,
      base: ref.base,
      before: b,
      after: r.after ? a : undefined,
      steps: r.after ? pairSteps(b?.steps ?? [], a?.steps ?? []) : (b?.steps ?? []).map((s) => ({ before: s, after: s, mark: 'same' as const })),
    });
  }
  return { result: r, headline: headline.charAt(0).toUpperCase() + headline.slice(1), stages, counts: { before, after } };
}

/** The status of a step in words. */
export function statusWord(s: StepInfo | undefined): string {
  if (!s) return '';
  if (s.kind === 'base') return s.status === 'cached' ? 'base' : 're-runs';
  return s.status === 'cached' ? 'cached' : s.status === 'rerun' ? (s.kind === 'metadata' ? 're-runs (metadata)' : 're-runs') : 'may re-run';
}

export function markWord(p: StepPair): string {
  if (p.mark === 'moved') return p.changed ? `moved from L${p.before!.line}, changed` : `moved from L${p.before!.line}`;
  if (p.mark === 'changed') return 'changed';
  if (p.mark === 'added') return 'added';
  if (p.mark === 'removed') return 'removed';
  return '';
}
