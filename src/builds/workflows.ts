/**
 * GitHub Actions workflows: `docker/build-push-action` steps (`context`, `file`, `target`,
 * `build-args`) and `docker build`-style commands in `run:` steps. Paths are taken from the
 * repository root (the workspace), or a step's / job's `working-directory` for `run:` steps.
 * `${{ matrix.<key> }}` takes each value of the job's matrix (src/builds/matrix.ts): a step that
 * uses the matrix gives a definition per distinct combination of the keys it uses. Any other
 * `${{ … }}` expression is never known: such an entry gets a note.
 */
import fs from 'node:fs';
import path from 'node:path';
import { interpolate } from './interpolate.js';
import { scanCommands } from './command.js';
import { BAKE_FILES, readBakeSet } from './bake.js';
import { describeCombination, jobMatrix, matrixRefs, stepCombinations, substituteMatrix, type Combination } from './matrix.js';
import { get, isScalar, isSeq, keyOf, pairs, parseYaml, str } from './yaml-util.js';
import type { Sink } from './types.js';

export function readWorkflow(file: string, text: string, sink: Sink): void {
  const y = parseYaml(text);
  if ('error' in y) {
    sink.note(file, y.line, `does not parse as YAML (${y.error}); not used`);
    return;
  }
  const root = sink.root;
  const jobs = get(y.doc.contents, 'jobs');
  const defaultWd = str(get(get(get(y.doc.contents, 'defaults')?.value, 'run')?.value, 'working-directory')?.value);
  for (const job of pairs(jobs?.value)) {
    const jobName = keyOf(job) ?? '?';
    const jobWd = str(get(get(get(job.value, 'defaults')?.value, 'run')?.value, 'working-directory')?.value) ?? defaultWd;
    const steps = get(job.value, 'steps')?.value;
    if (!isSeq(steps)) continue;
    const readStep = (step: unknown, combo: Combination | null): void => {
      /** A scalar's text with the combination's matrix values in it. */
      const S = (node: unknown): string | undefined => {
        const s = str(node);
        return s === undefined ? undefined : substituteMatrix(s, combo);
      };
      const stepName = (S(get(step, 'name')?.value) ?? S(get(step, 'id')?.value) ?? jobName) + describeCombination(combo);
      const uses = str(get(step, 'uses')?.value);
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
        const wdRaw = S(get(w, 'workdir')?.value) ?? '.';
        const wd = interpolate(wdRaw, sink.env);
        if (files === null || targets === null || !wd.ok) {
          if (!wd.ok) sink.note(file, line, `${what}: workdir ${wdRaw}: cannot resolve ${wd.variable}; entry not used`);
          return;
        }
        const dir = path.resolve(root, wd.value);
        const paths = files.length ? files.map((f) => path.resolve(dir, f)) : BAKE_FILES.map((f) => path.join(dir, f));
        const bakeFiles = paths.filter((f) => !/\.ya?ml$/.test(f) || !files.length);
        if (files.some((f) => /\.ya?ml$/.test(f))) sink.note(file, line, `${what}: compose files given to bake are read as compose files where dockerfix finds them, not through bake`);
        sink.defer(() => readBakeSet(files.length ? bakeFiles.filter((f) => !/\.ya?ml$/.test(f)) : bakeFiles.filter((f) => fs.existsSync(f)), sink, { ...(targets.length ? { only: targets } : {}), source: { file, line, what }, cwd: dir }));
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
        scanCommands(substituteMatrix(run.value.value, combo), { file, line: y.line(run.value) + (block ? 1 : 0), cwd: path.resolve(root, wd.value), what: `workflow step ${stepName}` }, sink);
      }
    };
    const matrix = jobMatrix(job.value);
    let matrixNoted = false;
    for (const step of steps.items) {
      const combos = stepCombinations(matrix, step);
      if (matrix.kind === 'unknown' && !matrixNoted && matrixRefs(step).size) {
        matrixNoted = true;
        sink.note(file, y.line(matrix.line), `job ${jobName}: ${matrix.reason}; steps that use it are read without it`);
      }
      for (const combo of combos) readStep(step, combo);
    }
  }
}
