/**
 * A build context that writes down every question the analysis asks it and the answer it gave
 * (`RecordingContext`), and the check that a real context still gives the same answers
 * (`replayContextLog`). The result cache (src/cli/result-cache.ts) stores the log with a file's
 * outcome and serves the outcome only when every answer is the same again: the analysis is a
 * function of the Dockerfile's text, its options and these answers, so the same answers give
 * the same outcome.
 *
 * Answers are stored as they are (booleans) or as hashes (file texts, listings, notes). A
 * question asked twice is written down once (the first answer): replay asks each question once,
 * in the order they were first asked, so a context that reads `.dockerignore` on first use does
 * so at the same point. The notes (`notes()`) are part of the log: they are output.
 */
import { createHash } from 'node:crypto';
import { excludesTree, type BuildContext } from '../core/context.js';
import { contextFor, processFile, type FileOutcome, type ProcessOptions } from '../pipeline/engine.js';

/**
 * One question and its answer: [op, argument, answer].
 * `h`: header (kind, available, describe), `e` exists, `r` read, `f` files, `i` ignored,
 * `x` excludesTree, `n` notes. Hashed answers are hex strings; `null` is "undefined".
 */
export type ContextOp = [string, string, boolean | string | null];
export type ContextLog = ContextOp[];

const hash = (s: string): string => createHash('sha256').update(s).digest('base64');

function answer(ctx: BuildContext, op: string, arg: string): boolean | string | null {
  switch (op) {
    case 'h':
      return hash(JSON.stringify([ctx.kind, ctx.available, ctx.describe()]));
    case 'e':
      return ctx.exists(arg);
    case 'r': {
      const t = ctx.read(arg);
      return t === undefined ? null : hash(t);
    }
    case 'f': {
      const l = ctx.files();
      return l === undefined ? null : hash(JSON.stringify(l));
    }
    case 'i':
      return ctx.ignored(arg);
    case 'x':
      return excludesTree(ctx, arg);
    case 'n':
      return hash(JSON.stringify(ctx.notes?.() ?? []));
    default:
      throw new Error(`unknown context question ${op}`);
  }
}

export class RecordingContext implements BuildContext {
  readonly kind: BuildContext['kind'];
  readonly available: boolean;
  private readonly seen = new Set<string>();
  readonly log: ContextLog = [];

  constructor(private readonly inner: BuildContext) {
    this.kind = inner.kind;
    this.available = inner.available;
    this.note('h', '', answer(inner, 'h', ''));
  }

  private note(op: string, arg: string, a: boolean | string | null): void {
    const k = `${op}\0${arg}`;
    if (this.seen.has(k)) return;
    this.seen.add(k);
    this.log.push([op, arg, a]);
  }

  describe(): string {
    return this.inner.describe();
  }
  exists(rel: string): boolean {
    const a = this.inner.exists(rel);
    this.note('e', rel, a);
    return a;
  }
  read(rel: string): string | undefined {
    const t = this.inner.read(rel);
    this.note('r', rel, t === undefined ? null : hash(t));
    return t;
  }
  files(): string[] | undefined {
    const l = this.inner.files();
    this.note('f', '', l === undefined ? null : hash(JSON.stringify(l)));
    return l;
  }
  ignored(rel: string): boolean {
    const a = this.inner.ignored(rel);
    this.note('i', rel, a);
    return a;
  }
  excludesTree(rel: string): boolean {
    const a = excludesTree(this.inner, rel);
    this.note('x', rel, a);
    return a;
  }
  notes(): string[] {
    const n = this.inner.notes?.() ?? [];
    // Asked at the end by the engine; the last answer is the one that counts.
    const k = 'n\0';
    if (this.seen.has(k)) {
      const i = this.log.findIndex((o) => o[0] === 'n');
      this.log.splice(i, 1);
    }
    this.seen.add(k);
    this.log.push(['n', '', hash(JSON.stringify(n))]);
    return n;
  }
}

/** Whether `ctx` (a fresh context) gives every answer of `log` again, asked in the same order. */
export function replayContextLog(ctx: BuildContext, log: ContextLog): boolean {
  if (!Array.isArray(log) || log.length === 0 || log[0][0] !== 'h') return false;
  for (const op of log) {
    if (!Array.isArray(op) || op.length !== 3 || typeof op[0] !== 'string' || typeof op[1] !== 'string') return false;
    let a: boolean | string | null;
    try {
      a = answer(ctx, op[0], op[1]);
    } catch {
      return false;
    }
    if (a !== op[2]) return false;
  }
  return true;
}

/** `processFile`, recording the build context's answers when asked to (the context is the one the engine would pick). */
export function processRecorded(file: string, opts: ProcessOptions, record: boolean | undefined): { outcome: FileOutcome; log?: ContextLog } {
  if (!record) return { outcome: processFile(file, opts) };
  const ctx = new RecordingContext(contextFor(file, opts, true));
  const outcome = processFile(file, { ...opts, buildContext: ctx });
  return { outcome, log: ctx.log };
}
