/**
 * A Dockerfile built with several contexts (two compose files, a workflow and a Makefile, …):
 * the engine analyses it once per context; when every context gives the same result that result
 * is used, otherwise only what does not depend on the context is done (the file analysed without
 * a context), and a note says which contexts disagreed.
 */
import { processFile, type FileOutcome, type ProcessOptions } from '../pipeline/engine.js';
import type { Finding } from '../core/types.js';
import type { FileBuild } from './plan.js';

const info = (message: string): Finding => ({ transform: 'context', kind: 'info', severity: 'info', message, line: 1, column: 1, endLine: 1, endColumn: 1, code: 'build-definitions' });

/** Lines (1-based, in the input) where the outcome changes something. */
function changedLines(o: FileOutcome): string {
  const lines = [...new Set((o.edits ?? []).map((e) => e.line))].sort((a, b) => a - b);
  return lines.length ? `changes line${lines.length === 1 ? '' : 's'} ${lines.join(', ')}` : o.changed ? 'changes it' : 'changes nothing';
}

/**
 * `first`: the outcome with the plan's first context (`opts` are the options it was made with).
 * Returns it, or the outcome that is safe for every context, with a note.
 */
export function analyseEachContext(file: string, opts: ProcessOptions, fb: FileBuild | undefined, first: FileOutcome, process: (f: string, o: ProcessOptions) => FileOutcome = processFile): FileOutcome {
  if (!fb?.otherContexts?.length || first.error) return first;
  // A --check run stops at the first change: compare whole results, then answer as asked.
  const full = { ...opts, firstChange: undefined };
  const base = first.partial ? process(file, full) : first;
  if (base.error) return first;
  const runs = [{ label: fb.contextLabel ?? 'context', outcome: base }];
  for (const c of fb.otherContexts) {
    const o = process(file, { ...full, contextDir: c.dir ?? undefined, noContext: c.dir === null ? true : undefined });
    if (o.error) return first;
    runs.push({ label: c.label, outcome: o });
  }
  const labels = runs.map((r) => r.label).join(', ');
  if (runs.every((r) => r.outcome.after === base.after)) {
    return { ...first, findings: [info(`analysed with each context (${labels}): same result`), ...first.findings] };
  }
  const safe = process(file, { ...opts, contextDir: undefined, noContext: true });
  if (safe.error) return first;
  const why = runs.map((r) => `${r.label} ${changedLines(r.outcome)}`).join('; ');
  return { ...safe, findings: [info(`the contexts give different results (${why}): only the changes that do not depend on the context were made (analysed without a context)`), ...safe.findings] };
}
