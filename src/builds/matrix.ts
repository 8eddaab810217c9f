/**
 * GitHub Actions job matrices (`strategy.matrix`): the combinations a job runs with, worked out
 * as GitHub does (the product of the value lists, minus the `exclude` entries, then the `include`
 * entries: added to every combination whose original values they do not change, or a
 * combination of their own when they fit none), so that `${{ matrix.<key> }}` in a step's inputs
 * and commands is known. A matrix given by an expression (`${{ fromJSON(...) }}`) is not known; a
 * key whose list is an expression, or holds mappings, is not known either (its references stay
 * unresolved, and the step says so).
 */
import type { Pair } from 'yaml';
import { get, isMap, isScalar, isSeq, keyOf, pairs, str } from './yaml-util.js';

/** More combinations than this (a hostile or generated workflow) are not expanded. */
export const MAX_COMBINATIONS = 256;

export type Combination = Record<string, string>;

export type Matrix =
  /** The job has no matrix. */
  | { kind: 'none' }
  | { kind: 'known'; combos: Combination[] }
  | { kind: 'unknown'; reason: string; line?: unknown };

/** `${{ <context>.<key> }}` references of one expression context (`matrix`, `inputs`). */
const refsOf = (context: string): RegExp => new RegExp(`\\$\\{\\{\\s*${context}\\.([A-Za-z_][A-Za-z0-9_-]*)\\s*\\}\\}`, 'g');
const REF = refsOf('matrix');
const INPUT_REF = refsOf('inputs');

/** `s` with each reference `re` matches replaced by its key's value; keys not in `values` stay as written. */
function substituteRefs(s: string, re: RegExp, values: Record<string, string> | null): string {
  if (!values) return s;
  return s.replace(re, (whole, k: string) => (Object.hasOwn(values, k) ? values[k] : whole));
}

/** A matrix value as GitHub's expressions print it (a YAML number or boolean as its value). */
function scalarValue(node: unknown): string | undefined {
  if (!isScalar(node) || node.value === null) return undefined;
  const v = node.value;
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : str(node);
}

/** The entries of a mapping node whose values are scalars; undefined when one is not. */
function scalarMap(node: unknown): Combination | undefined {
  if (!isMap(node)) return undefined;
  const out: Combination = {};
  for (const p of pairs(node)) {
    const k = keyOf(p);
    const v = scalarValue(p.value);
    if (k === undefined || k === '__proto__' || v === undefined) return undefined;
    out[k] = v;
  }
  return out;
}

/** The matrix of a job node (`jobs.<id>`). */
export function jobMatrix(job: unknown): Matrix {
  const m = get(get(job, 'strategy')?.value, 'matrix');
  if (!m) return { kind: 'none' };
  if (!isMap(m.value)) return { kind: 'unknown', reason: `the matrix${str(m.value) ? ` ${str(m.value)}` : ''} is not known here`, line: m.key };
  const lists: Array<[string, string[]]> = [];
  const unknown = new Set<string>();
  let include: unknown;
  let exclude: unknown;
  for (const p of pairs(m.value) as Pair<unknown, unknown>[]) {
    const k = keyOf(p);
    if (k === undefined) continue;
    if (k === '__proto__') unknown.add(k);
    else if (k === 'include') include = p.value;
    else if (k === 'exclude') exclude = p.value;
    else if (!isSeq(p.value)) unknown.add(k);
    else {
      const values = p.value.items.map(scalarValue);
      if (values.some((v) => v === undefined)) unknown.add(k);
      else lists.push([k, values as string[]]);
    }
  }
  // A key whose values are not known still multiplies the combinations: their number is not known.
  if (unknown.size) return { kind: 'unknown', reason: `matrix ${[...unknown].join(', ')}: values not known here`, line: m.key };
  let size = lists.length ? 1 : 0;
  for (const [, values] of lists) size *= values.length;
  const includes = isSeq(include) ? include.items.map(scalarMap) : include === undefined ? [] : [undefined];
  if (includes.some((i) => i === undefined)) return { kind: 'unknown', reason: 'matrix include: entries not known here', line: m.key };
  if (size + includes.length > MAX_COMBINATIONS) return { kind: 'unknown', reason: `the matrix has ${size + includes.length} combinations or more (over ${MAX_COMBINATIONS}); not expanded`, line: m.key };
  let combos: Combination[] = size === 0 ? [] : [{}];
  for (const [k, values] of lists) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [k]: v })));
  const excludes = isSeq(exclude) ? exclude.items.map(scalarMap).filter((e): e is Combination => e !== undefined) : [];
  combos = combos.filter((c) => !excludes.some((e) => Object.entries(e).every(([k, v]) => c[k] === v)));
  const original = new Set(lists.map(([k]) => k));
  const originalCount = combos.length;
  for (const inc of includes as Combination[]) {
    let added = false;
    for (let i = 0; i < originalCount; i++) {
      const c = combos[i];
      if (Object.entries(inc).every(([k, v]) => !original.has(k) || c[k] === v)) {
        Object.assign(c, inc);
        added = true;
      }
    }
    if (!added) combos.push({ ...inc });
  }
  return { kind: 'known', combos };
}

/** The matrix keys `${{ matrix.<key> }}` references in any string under `node`. */
export function matrixRefs(node: unknown, out = new Set<string>()): Set<string> {
  if (isScalar(node)) {
    const s = str(node);
    if (s) for (const m of s.matchAll(REF)) out.add(m[1]);
  } else if (isMap(node)) {
    for (const p of pairs(node)) matrixRefs(p.value, out);
  } else if (isSeq(node)) {
    for (const i of node.items) matrixRefs(i, out);
  }
  return out;
}

/**
 * The distinct combinations of the keys `step` references (each once), or `[null]` when it
 * references none or the matrix is not known (then nothing is substituted).
 */
export function stepCombinations(matrix: Matrix, step: unknown): Array<Combination | null> {
  if (matrix.kind !== 'known') return [null];
  const refs = matrixRefs(step);
  if (!refs.size) return [null];
  const seen = new Map<string, Combination>();
  for (const c of matrix.combos) {
    const projected: Combination = {};
    for (const k of refs) projected[k] = Object.hasOwn(c, k) ? c[k] : '';
    const key = JSON.stringify(projected);
    if (!seen.has(key)) seen.set(key, projected);
  }
  return seen.size ? [...seen.values()] : [null];
}

/** `s` with each `${{ matrix.<key> }}` of `combo` replaced by its value (a key the combination lacks is empty, as in GitHub). */
export function substituteMatrix(s: string, combo: Combination | null): string {
  return substituteRefs(s, REF, combo);
}

/** `s` with each `${{ inputs.<name> }}` of `inputs` replaced by its value (a called workflow's or composite action's). */
export function substituteInputs(s: string, inputs: Record<string, string> | null): string {
  return substituteRefs(s, INPUT_REF, inputs);
}

/** How a combination is named in a definition's source (`matrix target=dev, file=Dockerfile.dev`; empty values left out). */
export function describeCombination(combo: Combination | null): string {
  if (!combo) return '';
  const parts = Object.entries(combo)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `${k}=${v}`);
  return parts.length ? ` (matrix ${parts.join(', ')})` : '';
}
