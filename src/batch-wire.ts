/**
 * What crosses the thread boundary between `src/batch.ts` and its workers: plain data only
 * (FileError instances become {file, message, line, column}; an unchanged file's text is sent
 * once).
 */
import { FileError } from './fsio.js';
import type { FileOutcome } from './engine.js';
import type { Options } from './types.js';

export interface WorkerInit {
  transformIds: string[];
  options?: Partial<Options>;
  contextDir?: string;
  noContext?: boolean;
}

export interface WorkerRequest {
  /** [index in the batch, absolute path] */
  files: Array<[number, string]>;
}

export interface WireOutcome {
  path: string;
  before: string;
  /** null: same as before. */
  after: string | null;
  changed: boolean;
  findings: FileOutcome['findings'];
  error?: { file: string; message: string; line?: number; column?: number };
  internal?: boolean;
}

export interface WorkerReply {
  results: Array<[number, WireOutcome]>;
  /** The worker could not start (e.g. a transform failed to load). */
  fatal?: string;
}

export function toWire(o: FileOutcome): WireOutcome {
  const w: WireOutcome = { path: o.path, before: o.before, after: o.after === o.before ? null : o.after, changed: o.changed, findings: o.findings };
  if (o.error) w.error = { file: o.error.file, message: o.error.message, line: o.error.line, column: o.error.column };
  if (o.internal) w.internal = true;
  return w;
}

export function fromWire(w: WireOutcome): FileOutcome {
  const o: FileOutcome = { path: w.path, before: w.before, after: w.after ?? w.before, changed: w.changed, findings: w.findings };
  if (w.error) o.error = new FileError(w.error.file, w.error.message, w.error.line, w.error.column);
  if (w.internal) o.internal = true;
  return o;
}
