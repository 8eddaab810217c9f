/**
 * Unified diffs for review: `a/` and `b/` paths relative to the cwd, with the reason for every
 * change, coloured on a TTY.
 */
import { createRequire } from 'node:module';
import type { Finding } from './types.js';

// Loaded on the first diff: runs that change nothing (or --check) never pay for it.
let diffLib: typeof import('diff') | undefined;
function structuredPatch(...args: Parameters<typeof import('diff').structuredPatch>): import('diff').StructuredPatch {
  diffLib ??= createRequire(import.meta.url)('diff') as typeof import('diff');
  return diffLib.structuredPatch(...args) as import('diff').StructuredPatch;
}

export interface Colors {
  red(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
  yellow(s: string): string;
}

export const noColors: Colors = { red: (s) => s, green: (s) => s, cyan: (s) => s, bold: (s) => s, dim: (s) => s, yellow: (s) => s };

export interface DiffOptions {
  colors?: Colors;
  /** Print the reasons before each hunk (default true). */
  reasons?: boolean;
  context?: number;
}

/**
 * The unified diff of one file; '' when nothing changed. The reasons come first, one line per
 * change in line order (`# line N [transform] message`), then the diff; every hunk header names
 * the transforms whose changes it holds. `git apply` and `patch` skip the text before `---` and
 * after `@@ ... @@`, so the output stays applicable (tested).
 */
export function renderDiff(relPath: string, before: string, after: string, findings: readonly Finding[], opts: DiffOptions = {}): string {
  if (before === after) return '';
  const c = opts.colors ?? noColors;
  const patch = structuredPatch(`a/${relPath}`, `b/${relPath}`, before, after, '', '', { context: opts.context ?? 3 });
  const changes = findings.filter((f) => f.kind === 'change');
  const lines: string[] = [];
  if (opts.reasons !== false) {
    for (const f of changes) lines.push(c.yellow(`# line ${f.line} [${f.transform}] ${f.message}`));
  }
  lines.push(c.bold(`--- a/${relPath}`), c.bold(`+++ b/${relPath}`));
  patch.hunks.forEach((h, idx) => {
    const next = patch.hunks[idx + 1];
    const ids = new Set<string>();
    for (const f of changes) {
      const inHunk = f.line >= h.oldStart - 1 && f.line <= h.oldStart + Math.max(h.oldLines, 1);
      const beforeNext = !next || f.line < next.oldStart;
      if (inHunk || (beforeNext && f.line >= h.oldStart)) ids.add(f.transform);
    }
    const tag = opts.reasons !== false && ids.size ? ' ' + [...ids].join(', ') : '';
    lines.push(c.cyan(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`) + tag);
    for (const l of h.lines) {
      if (l.startsWith('+')) lines.push(c.green(l));
      else if (l.startsWith('-')) lines.push(c.red(l));
      else lines.push(l);
    }
  });
  return lines.join('\n') + '\n';
}
