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

/** Above this many table cells the exact longest-common-subsequence table is not built (memory n x m). */
const LCS_CELLS = 4_000_000;

/**
 * Indexes into `b` matched to indexes into `a` (-1: unmatched) along a common subsequence of
 * identical steps. Up to LCS_CELLS: the longest one, from the dynamic-programming table. Bigger
 * stages (thousands of steps: the table alone would take gigabytes): the common start and end,
 * then in between each step of `b` is paired with the first unused identical step of `a` and the
 * longest increasing run of those pairs is kept (O(n log n); the longest common subsequence when
 * no step repeats).
 */
function commonSteps(a: readonly string[], b: readonly string[]): number[] {
  const n = a.length;
  const m = b.length;
  const matchB = new Array<number>(m).fill(-1);
  if ((n + 1) * (m + 1) <= LCS_CELLS) {
    const L: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
    for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) L[i][j] = a[i] === b[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
    for (let i = 0, j = 0; i < n && j < m; ) {
      if (a[i] === b[j]) {
        matchB[j] = i;
        i++;
        j++;
      } else if (L[i + 1][j] >= L[i][j + 1]) i++;
      else j++;
    }
    return matchB;
  }
  let lo = 0;
  while (lo < n && lo < m && a[lo] === b[lo]) matchB[lo] = lo++;
  let hiA = n;
  let hiB = m;
  while (hiA > lo && hiB > lo && a[hiA - 1] === b[hiB - 1]) matchB[--hiB] = --hiA;
  const queues = new Map<string, number[]>();
  for (let i = hiA - 1; i >= lo; i--) {
    const q = queues.get(a[i]);
    if (q) q.push(i);
    else queues.set(a[i], [i]);
  }
  // Candidate pairs in b order; the longest run whose a indexes increase (patience sorting).
  const cand: Array<[number, number]> = [];
  for (let j = lo; j < hiB; j++) {
    const i = queues.get(b[j])?.pop();
    if (i !== undefined) cand.push([j, i]);
  }
  const tails: number[] = [];
  const prev = new Array<number>(cand.length).fill(-1);
  for (let k = 0; k < cand.length; k++) {
    let x = 0;
    let y = tails.length;
    while (x < y) {
      const mid = (x + y) >> 1;
      if (cand[tails[mid]][1] < cand[k][1]) x = mid + 1;
      else y = mid;
    }
    if (x > 0) prev[k] = tails[x - 1];
    tails[x] = k;
  }
  for (let k = tails.length ? tails[tails.length - 1] : -1; k >= 0; k = prev[k]) matchB[cand[k][0]] = cand[k][1];
  return matchB;
}

/** Pair the steps of one stage across the rewrite: a longest common subsequence of identical steps, then moved/edited ones. */
export function pairSteps(a: readonly StepInfo[], b: readonly StepInfo[]): StepPair[] {
  const n = a.length;
  const m = b.length;
  const exactA = a.map(exact);
  const exactB = b.map(exact);
  const matchB = commonSteps(exactA, exactB);
  const usedA = new Array<boolean>(n).fill(false);
  for (const i of matchB) if (i >= 0) usedA[i] = true;
  const marks: StepPair[] = b.map((s, j) => (matchB[j] >= 0 ? { before: a[matchB[j]], after: s, mark: 'same' as Mark } : { after: s, mark: 'added' as Mark }));
  // The gap of the before list an unmatched after step sits in (between the kept neighbours).
  const lowOf = new Array<number>(m);
  const highOf = new Array<number>(m);
  for (let j = 0, last = -1; j < m; j++) {
    lowOf[j] = last;
    if (matchB[j] >= 0) last = matchB[j];
  }
  for (let j = m - 1, next = n; j >= 0; j--) {
    highOf[j] = next;
    if (matchB[j] >= 0) next = matchB[j];
  }
  // The first unused step of `a` with a key: one queue per key, in order, used ones skipped.
  const firstUnused = (keys: readonly string[]): ((key: string) => number) => {
    const queues = new Map<string, { at: number; list: number[] }>();
    keys.forEach((k, i) => {
      const q = queues.get(k);
      if (q) q.list.push(i);
      else queues.set(k, { at: 0, list: [i] });
    });
    return (key) => {
      const q = queues.get(key);
      if (!q) return -1;
      while (q.at < q.list.length && usedA[q.list[q.at]]) q.at++;
      if (q.at === q.list.length) return -1;
      const i = q.list[q.at++];
      usedA[i] = true;
      return i;
    };
  };
  const takeExact = firstUnused(exactA);
  let takeLoose: ((key: string) => number) | undefined;
  for (let j = 0; j < m; j++) {
    if (matchB[j] >= 0) continue;
    const lo = lowOf[j];
    const hi = highOf[j];
    const inGap = (i: number): boolean => i > lo && i < hi;
    let i = takeExact(exactB[j]);
    if (i >= 0) {
      marks[j] = { before: a[i], after: b[j], mark: 'moved' };
      continue;
    }
    takeLoose ??= firstUnused(a.map(loose));
    i = takeLoose(loose(b[j]));
    if (i < 0) {
      for (let x = lo + 1; x < hi; x++)
        if (!usedA[x] && a[x].keyword === b[j].keyword) {
          usedA[x] = true;
          i = x;
          break;
        }
    }
    if (i >= 0) marks[j] = inGap(i) ? { before: a[i], after: b[j], mark: 'changed' } : { before: a[i], after: b[j], mark: 'moved', changed: true };
  }
  // Removed steps go after the pair holding the before step that preceded them.
  const out: StepPair[] = [];
  const removed: number[] = [];
  for (let i = 0; i < n; i++) if (!usedA[i]) removed.push(i);
  let r = 0;
  const flushUpTo = (limit: number): void => {
    for (; r < removed.length && removed[r] <= limit; r++) out.push({ before: a[removed[r]], mark: 'removed' });
  };
  const indexOfA = new Map<StepInfo, number>();
  a.forEach((s, i) => {
    if (!indexOfA.has(s)) indexOfA.set(s, i);
  });
  for (const p of marks) {
    const bi = p.before ? (indexOfA.get(p.before) ?? -1) : -1;
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
