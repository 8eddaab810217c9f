/**
 * explain's step pairing (src/explain/model.ts pairSteps) against the implementation it replaced
 * (kept below as the reference: a full n x m table and linear scans per step, which took 3.7 GB
 * and 100 s on a stage of 20,000 steps): the same pairs on random stages with repeated,
 * moved, edited, added and removed steps. Stages over the table limit use a different common
 * subsequence; for them the test checks the pairing is complete and consistent.
 */
import { describe, expect, it } from 'vitest';
import { pairSteps, type StepPair } from '../src/explain/model.js';
import type { StepInfo } from '../src/explain/analyze.js';

type Mark = 'same' | 'changed' | 'moved' | 'added';
const exact = (s: StepInfo): string => `${s.keyword} ${s.summary}`;
/** The step without the flags dockerfix adds or drops (cache mounts, --no-cache-dir, ...). */
const loose = (s: StepInfo): string =>
  `${s.keyword} ${s.summary
    .replace(/--mount=\S+\s*/g, '')
    .replace(/\s--no-cache(-dir)?\b/g, '')
    .replace(/\s+/g, ' ')
    .trim()}`;

/** Pair the steps of one stage across the rewrite: a longest common subsequence of identical steps, then moved/edited ones. */
function referencePairSteps(a: readonly StepInfo[], b: readonly StepInfo[]): StepPair[] {
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


let seed = 12345;
const rnd = (n: number): number => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};
const KEYWORDS = ['RUN', 'COPY', 'ENV', 'WORKDIR'];
function step(line: number, keyword: string, summary: string): StepInfo {
  return { line, keyword, summary, kind: 'command', key: [], status: 'cached' } as unknown as StepInfo;
}
/** A stage and a rewrite of it: some steps moved, some edited (a cache mount added), some added or removed. */
function stages(len: number, alphabet: number): [StepInfo[], StepInfo[]] {
  const a = Array.from({ length: len }, (_, i) => step(i + 1, KEYWORDS[rnd(KEYWORDS.length)], `cmd${rnd(alphabet)}`));
  const b: StepInfo[] = a.map((s) => ({ ...s }));
  for (let k = rnd(4); k > 0 && b.length > 1; k--) {
    const [x] = b.splice(rnd(b.length), 1);
    b.splice(rnd(b.length + 1), 0, x);
  }
  for (let k = rnd(3); k > 0 && b.length; k--) {
    const i = rnd(b.length);
    b[i] = { ...b[i], summary: rnd(2) ? `--mount=type=cache,target=/c ${b[i].summary}` : `${b[i].summary} x` };
  }
  if (rnd(2)) b.splice(rnd(b.length + 1), 0, step(0, 'RUN', `new${rnd(alphabet)}`));
  if (rnd(2) && b.length) b.splice(rnd(b.length), 1);
  for (let i = 0; i < b.length; i++) b[i].line = i + 1;
  return [a, b];
}
const shape = (ps: StepPair[], a: StepInfo[], b: StepInfo[]) => ps.map((p) => [p.mark, p.changed ?? false, p.before ? a.indexOf(p.before) : -1, p.after ? b.indexOf(p.after) : -1]);

describe('explain: pairing the steps of a stage across the rewrite', () => {
  it('gives the pairs the full-table implementation gave, on 3,000 random stages', () => {
    for (let t = 0; t < 3000; t++) {
      const [a, b] = stages(1 + rnd(25), 2 + rnd(12));
      expect(shape(pairSteps(a, b), a, b), `case ${t}`).toEqual(shape(referencePairSteps(a, b), a, b));
    }
  });

  it('a stage of 20,000 steps with 5,000 moves: every step paired once, in the rewrite order, moves found', () => {
    const a: StepInfo[] = [];
    for (let i = 0; i < 20_000; i++) a.push(step(i + 1, i % 2 ? 'RUN' : 'COPY', i % 2 ? `echo ${i}` : `f${i} /app/f${i}`));
    const b = a.map((s) => ({ ...s }));
    for (let i = 0; i + 1 < b.length; i += 4) [b[i], b[i + 1]] = [b[i + 1], b[i]];
    const ps = pairSteps(a, b);
    expect(ps.filter((p) => p.after).map((p) => b.indexOf(p.after!))).toEqual(b.map((_, j) => j));
    expect(new Set(ps.filter((p) => p.before).map((p) => p.before)).size).toBe(a.length);
    expect(ps.filter((p) => p.mark === 'moved').length).toBe(5000);
    expect(ps.filter((p) => p.mark === 'same').length).toBe(15_000);
  });
});
