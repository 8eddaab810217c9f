/**
 * What crosses the thread boundary between `src/cli/batch.ts` and its workers: plain data only
 * (FileError instances become {file, message, line, column}; an unchanged file's text is sent
 * once).
 */
import { FileError } from '../pipeline/fsio.js';
import type { FileOutcome } from '../pipeline/engine.js';
import type { Finding, Options } from '../core/types.js';
import type { ContextLog } from './context-recorder.js';

export interface WorkerInit {
  transformIds: string[];
  options?: Partial<Options>;
  contextDir?: string;
  noContext?: boolean;
  firstChange?: boolean;
  /** Record the build context's answers (the result cache): replies carry the log. */
  record?: boolean;
}

export interface WorkerRequest {
  /** [index in the batch, absolute path, key of its option set] */
  files: Array<[number, string, string]>;
  /** Option sets this worker has not seen yet, by key (files may differ, e.g. per-path config). */
  sets?: Record<string, WorkerInit>;
}

/** The key of an option set (its JSON). */
export const initKey = (init: WorkerInit): string => JSON.stringify(init);

/** A FileOutcome as plain data (any further fields of FileOutcome pass through as they are). */
export type WireOutcome = Omit<FileOutcome, 'after' | 'error' | 'findings'> & {
  findings: WireFinding[];
  /** null: same as before. */
  after: string | null;
  error?: { file: string; message: string; line?: number; column?: number };
};

export interface WorkerReply {
  /** [index, outcome, what the build context was asked (with `record`)] */
  results: Array<[number, WireOutcome, ContextLog?]>;
  /** The worker could not start (e.g. a transform failed to load). */
  fatal?: string;
}

// Field order is kept as it is (outcomes compare equal to in-thread ones, also as JSON).
/**
 * Findings that share one fix share its `edits` array (src/report/fix-links.ts): on the wire the
 * later ones carry `edits: { of: i }` (the index of the first finding with that array), so the
 * result cache's JSON and the thread messages stay linear in size, and fromWire restores one
 * shared array.
 */
type WireFinding = Omit<Finding, 'edits'> & { edits?: number[] | { of: number } };

function findingsToWire(findings: readonly Finding[]): WireFinding[] {
  const first = new Map<readonly number[], number>();
  return findings.map((f, i) => {
    if (!f.edits) return f;
    const j = first.get(f.edits);
    if (j === undefined) {
      first.set(f.edits, i);
      return f;
    }
    const g: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(f)) g[k] = k === 'edits' ? { of: j } : v;
    return g as WireFinding;
  });
}

function findingsFromWire(findings: readonly WireFinding[]): Finding[] {
  const out: Finding[] = [];
  for (const f of findings) {
    const e = f.edits;
    if (e === undefined || Array.isArray(e)) out.push(f as Finding);
    else {
      const g: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(f)) g[k] = k === 'edits' ? out[e.of]?.edits : v;
      out.push(g as unknown as Finding);
    }
  }
  return out;
}

export function toWire(o: FileOutcome): WireOutcome {
  const w: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === 'after') w.after = v === o.before ? null : v;
    else if (k === 'findings') w.findings = findingsToWire(v as Finding[]);
    else if (k === 'error') {
      const e = v as FileError | undefined;
      if (e) w.error = { file: e.file, message: e.message, line: e.line, column: e.column };
    } else w[k] = v;
  }
  return w as WireOutcome;
}

export function fromWire(w: WireOutcome): FileOutcome {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(w)) {
    if (k === 'after') o.after = v ?? w.before;
    else if (k === 'findings') o.findings = findingsFromWire(v as WireFinding[]);
    else if (k === 'error') {
      const e = v as WireOutcome['error'];
      if (e) o.error = new FileError(e.file, e.message, e.line, e.column);
    } else o[k] = v;
  }
  return o as unknown as FileOutcome;
}
