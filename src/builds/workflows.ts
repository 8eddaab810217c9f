/**
 * GitHub Actions workflows: `docker/build-push-action` steps (`context`, `file`, `target`,
 * `build-args`), `docker/bake-action` steps and `docker build`-style commands in `run:` steps.
 * Paths are taken from the repository root (the workspace), or a step's / job's
 * `working-directory` for `run:` steps. `${{ matrix.<key> }}` takes each value of the job's matrix
 * (src/builds/matrix.ts): a step that uses the matrix gives a definition per distinct combination
 * of the keys it uses. A job that calls a reusable workflow of the repository
 * (`uses: ./.github/workflows/x.yml`) and a step that uses a composite action of the repository
 * (`uses: ./path`) are read with the `with:` values they pass as `${{ inputs.<name> }}` (else the
 * input's `default`). Any other `${{ … }}` expression is never known: such an entry gets a note.
 */
import fs from 'node:fs';
import path from 'node:path';
import { interpolate } from './interpolate.js';
import { scanCommands } from './command.js';
import { readBakeInvocation } from './bake.js';
import { describeCombination, jobMatrix, matrixRefs, stepCombinations, substituteInputs, substituteMatrix, type Combination } from './matrix.js';
import { insideRoot, readRegular } from './read.js';
import { get, isScalar, isSeq, keyOf, pairs, parseYaml, str, type YamlFile } from './yaml-util.js';
import type { Sink } from './types.js';

/** Calls of reusable workflows and composite actions followed at most this deep. */
const MAX_CALL_DEPTH = 5;

/** What `${{ … }}` can be in the steps being read, and who called them. */
interface Scope {
  matrix: Combination | null;
  /** The inputs of a called workflow or composite action (null: read on its own, inputs unknown). */
  inputs: Record<string, string> | null;
  /** How the definitions name the call that led here (` (via ci.yml:12)`), or ''. */
  via: string;
  depth: number;
  /** The files on the call chain (a call back into one of them is not followed). */
  stack: ReadonlySet<string>;
  /** Calls still followed from this workflow file (shared: matrices fan calls out), and the files they read, parsed once. */
  budget: { left: number; noted: boolean; parsed: Map<string, YamlFile | null> };
}

/** Calls followed at most from one workflow file, over all matrix combinations and depths. */
const MAX_CALLS = 500;

/** Take one call from the budget, or say (once) that no more are followed. */
function spend(scope: Scope, sink: Sink, file: string, line: number): boolean {
  if (scope.budget.left > 0) {
    scope.budget.left--;
    return true;
  }
  if (!scope.budget.noted) {
    scope.budget.noted = true;
    sink.note(file, line, `more than ${MAX_CALLS} calls of workflows and actions from one workflow; the rest are not followed`);
  }
  return false;
}

/** ` (via ci.yml:12, matrix target=dev)`: the call that led to a called workflow's or action's definitions. */
function viaText(sink: Sink, file: string, line: number, combo: Combination | null): string {
  const m = describeCombination(combo).replace(/^ \((.*)\)$/, ', $1');
  return ` (via ${path.relative(sink.root, file).split(path.sep).join('/')}:${line}${m})`;
}

/** The values a call passes (`with:`, substituted in the caller's scope; a value still holding an expression is not known), over the callee's input defaults. */
function callInputs(declared: unknown, withNode: unknown, sub: (s: string) => string): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const p of pairs(declared)) {
    const k = keyOf(p);
    const d = str(get(p.value, 'default')?.value);
    if (k !== undefined && d !== undefined && !d.includes('${{')) out[k] = d;
  }
  for (const p of pairs(withNode)) {
    const k = keyOf(p);
    const v = isScalar(p.value) ? str(p.value) : undefined;
    if (k === undefined || v === undefined) continue;
    const value = sub(v);
    if (value.includes('${{')) delete out[k];
    else out[k] = value;
  }
  return out;
}

/** A called file's YAML, parsed once per workflow read (a matrix calls it once per combination). */
function loadYaml(file: string, sink: Sink, scope: Scope): YamlFile | null {
  const known = scope.budget.parsed.get(file);
  if (known !== undefined) return known;
  const y = parseFile(file, sink);
  scope.budget.parsed.set(file, y);
  return y;
}

function parseFile(file: string, sink: Sink): YamlFile | null {
  const text = readRegular(file);
  if (text === null) return null;
  const y = parseYaml(text);
  if ('error' in y) {
    sink.note(file, y.line, `does not parse as YAML (${y.error}); not used`);
    return null;
  }
  return y;
}

/** A local `uses:` path (`./…`) inside the repository, or null (with a note when it points outside). */
function localPath(uses: string, sink: Sink, file: string, line: number): string | null {
  if (!uses.startsWith('./')) return null;
  const p = path.resolve(sink.root, uses.replace(/@.*$/, ''));
  if (!insideRoot(sink.root, p)) {
    sink.note(file, line, `uses ${uses} is outside the repository; not followed`);
    return null;
  }
  return p;
}

export function readWorkflow(file: string, text: string, sink: Sink): void {
  const y = parseYaml(text);
  if ('error' in y) {
    sink.note(file, y.line, `does not parse as YAML (${y.error}); not used`);
    return;
  }
  // Read on its own, a reusable workflow's inputs are their defaults (the callers pass the rest).
  const declared = get(get(get(y.doc.contents, 'on')?.value, 'workflow_call')?.value, 'inputs')?.value;
  readJobs(file, y, sink, { matrix: null, inputs: declared ? callInputs(declared, undefined, (s) => s) : null, via: '', depth: 0, stack: new Set([file]), budget: { left: MAX_CALLS, noted: false, parsed: new Map() } });
}

function readJobs(file: string, y: YamlFile, sink: Sink, scope: Scope): void {
  const jobs = get(y.doc.contents, 'jobs');
  const defaultWd = str(get(get(get(y.doc.contents, 'defaults')?.value, 'run')?.value, 'working-directory')?.value);
  for (const job of pairs(jobs?.value)) {
    const jobName = keyOf(job) ?? '?';
    const jobWd = str(get(get(get(job.value, 'defaults')?.value, 'run')?.value, 'working-directory')?.value) ?? defaultWd;
    const matrix = jobMatrix(job.value);
    const calls = str(get(job.value, 'uses')?.value);
    if (calls) {
      // A call of a reusable workflow: its jobs, with the inputs this job passes (per matrix combination).
      const line = y.line(get(job.value, 'uses')!.key);
      const callee = localPath(calls, sink, file, line);
      if (!callee) continue;
      if (scope.stack.has(callee) || scope.depth + 1 > MAX_CALL_DEPTH) {
        sink.note(file, line, `job ${jobName}: ${calls} ${scope.stack.has(callee) ? 'calls back into a workflow that calls it' : `is nested deeper than ${MAX_CALL_DEPTH} calls`}; not followed`);
        continue;
      }
      const cy = loadYaml(callee, sink, scope);
      if (!cy) {
        sink.note(file, line, `job ${jobName}: ${calls} cannot be read; not followed`);
        continue;
      }
      const declared = get(get(get(cy.doc.contents, 'on')?.value, 'workflow_call')?.value, 'inputs')?.value;
      const withNode = get(job.value, 'with')?.value;
      for (const combo of stepCombinations(matrix, withNode)) {
        if (!spend(scope, sink, file, line)) break;
        const sub = (s: string): string => substituteInputs(substituteMatrix(s, combo), scope.inputs);
        readJobs(callee, cy, sink, {
          matrix: null,
          inputs: callInputs(declared, withNode, sub),
          via: viaText(sink, file, line, combo),
          depth: scope.depth + 1,
          stack: new Set([...scope.stack, callee]),
          budget: scope.budget,
        });
      }
      continue;
    }
    const steps = get(job.value, 'steps')?.value;
    if (!isSeq(steps)) continue;
    let matrixNoted = false;
    for (const step of steps.items) {
      const combos = stepCombinations(matrix, step);
      if (matrix.kind === 'unknown' && !matrixNoted && matrixRefs(step).size) {
        matrixNoted = true;
        sink.note(file, y.line(matrix.line), `job ${jobName}: ${matrix.reason}; steps that use it are read without it`);
      }
      for (const combo of combos) readStep(file, y, sink, step, { ...scope, matrix: combo }, jobName, jobWd);
    }
  }
}

function readStep(file: string, y: YamlFile, sink: Sink, step: unknown, scope: Scope, jobName: string, jobWd: string | undefined): void {
  const root = sink.root;
  const combo = scope.matrix;
  const sub = (s: string): string => substituteInputs(substituteMatrix(s, combo), scope.inputs);
  /** A scalar's text with the values of the scope (matrix combination, inputs) in it. */
  const S = (node: unknown): string | undefined => {
    const s = str(node);
    return s === undefined ? undefined : sub(s);
  };
  const stepName = (S(get(step, 'name')?.value) ?? S(get(step, 'id')?.value) ?? jobName) + describeCombination(combo) + scope.via;
  const uses = str(get(step, 'uses')?.value);
  if (uses?.startsWith('./')) {
    // A composite action of the repository: its steps, with the inputs this step passes.
    const line = y.line(get(step, 'uses')!.key);
    const dir = localPath(uses, sink, file, line);
    if (!dir) return;
    const actionFile = ['action.yml', 'action.yaml'].map((n) => path.join(dir, n)).find((f) => fs.existsSync(f));
    if (!actionFile) return;
    if (scope.stack.has(actionFile) || scope.depth + 1 > MAX_CALL_DEPTH) {
      sink.note(file, line, `workflow step ${stepName}: ${uses} ${scope.stack.has(actionFile) ? 'uses itself' : `is nested deeper than ${MAX_CALL_DEPTH} calls`}; not followed`);
      return;
    }
    if (!spend(scope, sink, file, line)) return;
    const ay = loadYaml(actionFile, sink, scope);
    const runs = ay && get(ay.doc.contents, 'runs')?.value;
    if (!ay || str(get(runs, 'using')?.value) !== 'composite') return;
    const steps = get(runs, 'steps')?.value;
    if (!isSeq(steps)) return;
    const inner: Scope = {
      matrix: null,
      inputs: callInputs(get(ay.doc.contents, 'inputs')?.value, get(step, 'with')?.value, sub),
      via: viaText(sink, file, line, combo),
      depth: scope.depth + 1,
      stack: new Set([...scope.stack, actionFile]),
      budget: scope.budget,
    };
    // The action's steps without a name of their own go by the step that uses the action.
    const callerName = S(get(step, 'name')?.value) ?? S(get(step, 'id')?.value) ?? jobName;
    for (const s of steps.items) readStep(actionFile, ay, sink, s, inner, callerName, undefined);
    return;
  }
  if (uses && /^docker\/build-push-action@/.test(uses)) {
    const usesPair = get(step, 'uses')!;
    const line = y.line(usesPair.key);
    const what = `workflow step ${stepName}`;
    const w = get(step, 'with')?.value;
    const note = (m: string): void => sink.note(file, line, `workflow step ${stepName}: ${m}`);
    const val = (key: string): string | null | undefined => {
      const raw = S(get(w, key)?.value);
      // An empty input is an input not given (a matrix key a combination lacks is empty).
      if (raw === undefined || raw.trim() === '') return undefined;
      const r = interpolate(raw, sink.env);
      if (r.ok) return r.value;
      note(`${key}: cannot resolve ${r.variable}; entry not used`);
      return null;
    };
    const ctx = val('context');
    const fileIn = val('file');
    const target = val('target');
    if (ctx === null || fileIn === null || target === null) return;
    if (ctx !== undefined && /^(https?:|git@|git:|ssh:)/.test(ctx)) {
      note(`context ${ctx} is a URL; not used`);
      return;
    }
    // Without `context`, the action builds the Git context: the repository at its root.
    const context = path.resolve(root, ctx ?? '.');
    const args: Record<string, string> = {};
    const rawArgs = get(w, 'build-args')?.value;
    const lines = isSeq(rawArgs) ? rawArgs.items.map((i) => S(i) ?? '') : (S(rawArgs) ?? '').split(/\r?\n/);
    for (const l of lines.map((s) => s.trim()).filter(Boolean)) {
      const eq = l.indexOf('=');
      if (eq === -1) continue;
      const r = interpolate(l.slice(eq + 1), sink.env);
      if (r.ok) args[l.slice(0, eq)] = r.value;
      else note(`build-arg ${l.slice(0, eq)}: cannot resolve ${r.variable}; arg left out`);
    }
    sink.add({
      // `file` is relative to the workspace with a path context, to the context otherwise.
      dockerfile: fileIn !== undefined ? path.resolve(ctx === undefined ? context : root, fileIn) : undefined,
      context,
      ...(target !== undefined ? { target } : {}),
      args,
      source: { file, line, what },
    });
    return;
  }
  if (uses && /^docker\/bake-action@/.test(uses)) {
    const line = y.line(get(step, 'uses')!.key);
    const what = `workflow step ${stepName}`;
    const w = get(step, 'with')?.value;
    const listOf = (key: string): string[] | null => {
      const node = get(w, key)?.value;
      const items = isSeq(node) ? node.items.map((i) => S(i) ?? '') : (S(node) ?? '').split(/[\r\n,]+/);
      const out: string[] = [];
      for (const raw of items.map((x) => x.trim()).filter(Boolean)) {
        const r = interpolate(raw, sink.env);
        if (!r.ok) {
          sink.note(file, line, `${what}: ${key} ${raw}: cannot resolve ${r.variable}; entry not used`);
          return null;
        }
        out.push(r.value);
      }
      return out;
    };
    const files = listOf('files');
    const targets = listOf('targets');
    // `set:` one override per line (or list item), as `--set`.
    const setNode = get(w, 'set')?.value;
    const sets = (isSeq(setNode) ? setNode.items.map((i) => S(i) ?? '') : (S(setNode) ?? '').split(/\r?\n/)).map((x) => x.trim()).filter(Boolean);
    const wdRaw = S(get(w, 'workdir')?.value) ?? '.';
    const wd = interpolate(wdRaw, sink.env);
    if (files === null || targets === null || !wd.ok) {
      if (!wd.ok) sink.note(file, line, `${what}: workdir ${wdRaw}: cannot resolve ${wd.variable}; entry not used`);
      return;
    }
    const dir = path.resolve(root, wd.value);
    readBakeInvocation(
      files.map((f) => path.resolve(dir, f)),
      dir,
      sink,
      { targets, set: sets, source: { file, line, what } },
    );
    return;
  }
  const run = get(step, 'run');
  if (run && isScalar(run.value) && typeof run.value.value === 'string') {
    const block = run.value.type === 'BLOCK_LITERAL' || run.value.type === 'BLOCK_FOLDED';
    const wdRaw = S(get(step, 'working-directory')?.value) ?? jobWd;
    const wd = wdRaw !== undefined ? interpolate(wdRaw, sink.env) : { ok: true as const, value: '.' };
    if (!wd.ok) {
      sink.note(file, y.line(run.key), `workflow step ${stepName}: working-directory ${wdRaw}: cannot resolve ${wd.variable}; not used`);
      return;
    }
    scanCommands(sub(run.value.value), { file, line: y.line(run.value) + (block ? 1 : 0), cwd: path.resolve(root, wd.value), what: `workflow step ${stepName}` }, sink);
  }
}
