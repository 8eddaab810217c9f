/**
 * Processing many files: a pool of worker threads for big runs, the calling thread for small
 * ones (a run over one or a few files never pays for a worker start-up). Results come back in
 * input order whatever order the workers finish in, as an async iterable (so the CLI prints while
 * later files are still being processed) or all at once (`processFiles`).
 *
 * Nothing here writes files: the caller writes, on its own thread, so an interrupt between two
 * results can never leave a file half-written.
 */
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FileOutcome, ProcessOptions } from '../pipeline/engine.js';
import { fromWire, initKey, type WorkerInit, type WorkerReply, type WorkerRequest } from './batch-wire.js';
import { processRecorded, type ContextLog } from './context-recorder.js';
import { transformIds } from '../../transforms/index.js';

/** A worker is started only for at least this many files (start-up costs ~30-60 ms of CPU). */
export const MIN_FILES_PER_WORKER = 96;

export interface BatchOptions {
  /**
   * Worker threads: 'auto' (default) = min(cores - 1, files / MIN_FILES_PER_WORKER), and none
   * when that is below 2; a number forces that many (0 = process in the calling thread). Without
   * this option, the environment variable DOCKERFIX_WORKERS=<n> does the same.
   */
  workers?: number | 'auto';
  /** Called whenever more files are done (`done` counts files in any order). */
  onProgress?: (done: number, total: number) => void;
  /**
   * Outcomes already known (the result cache's hits, src/cli/result-cache.ts), by index: handed
   * out in their place, never processed.
   */
  known?: ReadonlyArray<FileOutcome | undefined>;
  /**
   * Record what the analysis asks each file's build context (src/cli/context-recorder.ts): the
   * log comes with the item (`BatchItem.log`), for the result cache.
   */
  record?: boolean;
}

export interface BatchItem {
  index: number;
  /** The path as given. */
  file: string;
  outcome: FileOutcome;
  /** With `record`: what the analysis asked the build context (absent for `known` outcomes). */
  log?: ContextLog;
}

const OPTION_KEYS = new Set(['transforms', 'options', 'contextDir', 'noContext', 'firstChange']);

/**
 * The pool size `auto` picks for `count` files: one worker per core but one, and none when that
 * is below 2. A run in one thread already keeps about 1.4 cores busy (V8 collects garbage and
 * compiles on background threads), and every worker repeats the start-up and the just-in-time
 * compilation: measured on this project's 2-core machine, 2 workers took 6.0 s of wall time
 * (10.3 s CPU) for 6,432 files where one thread took 5.4 s (7.4 s CPU). See docs/performance.md.
 */
export function autoWorkers(count: number, cores = availableCores()): number {
  const n = Math.min(cores - 1, Math.floor(count / MIN_FILES_PER_WORKER));
  return n >= 2 ? n : 0;
}

function availableCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

let workerUrlCache: URL | null | undefined;

/** Files this thread has processed itself (not in workers), over every batch. */
let processedHere = 0;

/**
 * Tell the bundle's launcher (bin/launch.ts) that this thread has processed many files: its code
 * cache then holds what a big run compiles (written once). Nothing outside the bundle.
 */
function manyFilesHere(): void {
  (globalThis as { __dockerfixManyFiles?: () => void }).__dockerfixManyFiles?.();
}

/** The compiled worker script, or null when there is none (e.g. running from TypeScript sources without a build). */
function workerUrl(): URL | null {
  if (workerUrlCache !== undefined) return workerUrlCache;
  const candidates = [new URL('./batch-worker.js', import.meta.url)];
  // Tests run the TypeScript sources; the worker then comes from the build (`npm test` builds first).
  if (import.meta.url.endsWith('.ts')) candidates.push(new URL('../../dist/src/cli/batch-worker.js', import.meta.url));
  workerUrlCache = candidates.find((u) => fs.existsSync(fileURLToPath(u))) ?? null;
  return workerUrlCache;
}

/** Can these options be rebuilt inside a worker (registry transforms, plain-data options)? */
function workerSafe(opts: ProcessOptions, record?: boolean): WorkerInit | null {
  if (Object.keys(opts).some((k) => !OPTION_KEYS.has(k))) return null;
  const known = new Set(transformIds());
  const ids = opts.transforms.map((t) => t.meta.id);
  if (!ids.every((id) => known.has(id))) return null;
  try {
    structuredClone(opts.options);
  } catch {
    return null;
  }
  return { transformIds: ids, options: opts.options, contextDir: opts.contextDir, noContext: opts.noContext, ...(opts.firstChange ? { firstChange: true } : {}), ...(record ? { record: true } : {}) };
}

/**
 * Process `files` (paths; relative ones against the current directory) with `opts`, yielding
 * the outcomes in input order. `stop()` ends the run early: no more files are dispatched and the
 * iteration ends after the item being handled.
 */
export class Batch implements AsyncIterable<BatchItem> {
  /** Worker threads in use (0: this thread). */
  readonly workers: number;
  private readonly results: Array<FileOutcome | undefined>;
  private readonly logs: Array<ContextLog | undefined>;
  /** Indices of outcomes known before the run (never dispatched). */
  private readonly skip: Uint8Array;
  private next = 0;
  private done = 0;
  private stopped = false;
  private wake: (() => void) | null = null;
  private readonly pool: Worker[] = [];
  private readonly idle = new Set<Worker>();
  private key = '';
  private cursor = 0;
  /** Per file: its options, and the key of their worker form. */
  private readonly optsOf: (i: number) => ProcessOptions;
  private readonly keys: string[] = [];
  private readonly inits = new Map<string, WorkerInit>();

  /**
   * `opts`: the options of every file, or one entry per file (e.g. from per-path configuration;
   * files sharing an options object share its transforms).
   */
  constructor(
    readonly files: readonly string[],
    opts: ProcessOptions | readonly ProcessOptions[],
    private readonly batchOpts: BatchOptions = {},
  ) {
    const perFile = Array.isArray(opts) ? (opts as readonly ProcessOptions[]) : null;
    const single = perFile ? null : (opts as ProcessOptions);
    this.optsOf = (i) => (perFile ? perFile[i] : single!);
    this.results = new Array(files.length);
    this.logs = new Array(files.length);
    this.skip = new Uint8Array(files.length);
    let todo = files.length;
    for (let i = 0; i < files.length; i++) {
      const k = batchOpts.known?.[i];
      if (!k) continue;
      this.results[i] = k;
      this.skip[i] = 1;
      this.done++;
      todo--;
    }
    // DOCKERFIX_WORKERS=<n> overrides the automatic choice (0: never use workers).
    const env = process.env.DOCKERFIX_WORKERS;
    const want = batchOpts.workers ?? (env !== undefined && /^\d+$/.test(env) ? Number(env) : 'auto');
    let n = want === 'auto' ? autoWorkers(todo) : Math.max(0, Math.floor(want));
    n = Math.min(n, todo);
    let init: WorkerInit | null = null;
    if (n > 0) {
      // Every distinct option set must be rebuildable in a worker.
      const seen = new Map<ProcessOptions, string | null>();
      for (let i = 0; i < files.length; i++) {
        const o = this.optsOf(i);
        let key = seen.get(o);
        if (key === undefined) {
          const w = workerSafe(o, batchOpts.record);
          key = w ? initKey(w) : null;
          if (w && key) this.inits.set(key, w);
          seen.set(o, key);
        }
        if (key === null) {
          this.inits.clear();
          break;
        }
        this.keys.push(key);
      }
      init = this.inits.size ? this.inits.get(this.keys[0])! : null;
    }
    const url = init ? workerUrl() : null;
    this.workers = init && url ? n : 0;
    if (this.workers > 0) this.startPool(url!, init!);
    else releasePrewarmed();
  }

  /** True when `stop()` ended the run before every file was handed out. */
  get interrupted(): boolean {
    return this.stopped && this.next < this.files.length;
  }

  /** How many outcomes the iteration has handed out so far. */
  get handed(): number {
    return this.next;
  }

  /** Stop early (e.g. on SIGINT): nothing more is dispatched; workers are terminated. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const w of this.pool) void w.terminate();
    this.pool.length = 0;
    this.signal();
  }

  private signal(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private chunkSize(): number {
    const remaining = this.files.length - this.cursor;
    // (Known outcomes count as remaining: chunks only get smaller.)
    return Math.max(1, Math.min(32, Math.ceil(remaining / (this.workers * 4))));
  }

  private take(): Array<[number, string, string]> {
    const size = this.chunkSize();
    const out: Array<[number, string, string]> = [];
    while (out.length < size && this.cursor < this.files.length) {
      const i = this.cursor++;
      if (this.skip[i]) continue;
      out.push([i, this.files[i], this.keys[i]]);
    }
    return out;
  }

  private startPool(url: URL, init: WorkerInit): void {
    this.key = initKey(init);
    const warm = adoptPrewarmed(init, this.workers);
    for (let k = 0; k < this.workers; k++) {
      const worker = warm[k] ?? new Worker(url, { workerData: init });
      this.pool.push(worker);
      const inFlight = new Map<number, string>();
      // Option sets this worker has (it was started with one; others are sent on first use).
      const known = new Set<string>([this.key]);
      const send = (): void => {
        if (this.stopped) return;
        const files = this.take();
        if (files.length === 0) return;
        let sets: Record<string, WorkerInit> | undefined;
        for (const [i, f, key] of files) {
          inFlight.set(i, f);
          if (!known.has(key)) {
            known.add(key);
            (sets ??= {})[key] = this.inits.get(key)!;
          }
        }
        worker.postMessage({ files, ...(sets ? { sets } : {}) } satisfies WorkerRequest);
      };
      listen(worker, 'message', (reply: WorkerReply) => {
        if (reply.fatal) {
          this.rescue(worker, inFlight, new Error(reply.fatal));
          return;
        }
        for (const [i, w, log] of reply.results) {
          inFlight.delete(i);
          if (log) this.logs[i] = log;
          this.deliver(i, fromWire(w));
        }
        send();
        if (inFlight.size === 0) this.idle.add(worker);
      });
      listen(worker, 'error', (e: Error) => this.rescue(worker, inFlight, e));
      listen(worker, 'exit', () => {
        if (inFlight.size) this.rescue(worker, inFlight, new Error('worker exited'));
      });
      // Two chunks in flight per worker: it never waits for the main thread between chunks.
      send();
      send();
    }
  }

  /** A worker failed: its unfinished files are processed here instead. */
  private rescue(worker: Worker, inFlight: Map<number, string>, _e: unknown): void {
    if (this.stopped) return;
    const idx = this.pool.indexOf(worker);
    if (idx !== -1) this.pool.splice(idx, 1);
    void worker.terminate();
    for (const [i, f] of [...inFlight]) {
      inFlight.delete(i);
      if (!this.results[i]) this.deliverRecorded(i, f);
    }
    // If no worker is left, the iterator processes the rest itself.
    this.signal();
  }

  private deliverRecorded(i: number, f: string): void {
    const r = processRecorded(f, this.optsOf(i), this.batchOpts.record);
    if (r.log) this.logs[i] = r.log;
    this.deliver(i, r.outcome);
  }

  private deliver(i: number, o: FileOutcome): void {
    if (i < this.next || this.results[i]) return;
    this.results[i] = o;
    this.done++;
    this.batchOpts.onProgress?.(this.done, this.files.length);
    if (i === this.next) this.signal();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<BatchItem> {
    // Let timers and signals (SIGINT) in at least every ~20 ms, also while buffered results are
    // handed out without any real wait (the consumer may be writing files).
    let lastTurn = performance.now();
    const turn = async (): Promise<void> => {
      if (performance.now() - lastTurn < 20) return;
      await new Promise((r) => setImmediate(r));
      lastTurn = performance.now();
    };
    try {
      while (this.next < this.files.length && !this.stopped) {
        const i = this.next;
        let o = this.results[i];
        if (!o) {
          if (this.workers > 0 && this.pool.length > 0) {
            await new Promise<void>((r) => (this.wake = r));
            lastTurn = performance.now();
            continue;
          }
          // In this thread (no pool, or every worker failed).
          this.cursor = Math.max(this.cursor, i + 1);
          this.deliverRecorded(i, this.files[i]);
          if (++processedHere === MIN_FILES_PER_WORKER) manyFilesHere();
          o = this.results[i]!;
        }
        const log = this.logs[i];
        this.results[i] = undefined; // collectable once handed out
        this.logs[i] = undefined;
        this.next++;
        yield { index: i, file: this.files[i], outcome: o, ...(log ? { log } : {}) };
        await turn();
      }
    } finally {
      this.close();
    }
  }

  /** End of the iteration: a complete run parks its idle workers for the next batch; otherwise they are terminated. */
  private close(): void {
    if (!this.stopped && this.next >= this.files.length && this.pool.length > 0 && this.pool.every((w) => this.idle.has(w))) {
      this.stopped = true;
      park(this.key, this.pool.splice(0));
      return;
    }
    this.stop();
  }
}

// Our own listeners on a worker, so a worker handed from one batch to the next drops exactly
// those (removeAllListeners would also reset the message port's own bookkeeping).
type Listener = (...a: unknown[]) => void;
const listeners = new WeakMap<Worker, Array<[string, Listener]>>();

function listen<A extends unknown[]>(w: Worker, event: string, fn: (...a: A) => void): void {
  const f = fn as unknown as Listener;
  w.on(event, f);
  let l = listeners.get(w);
  if (!l) listeners.set(w, (l = []));
  l.push([event, f]);
}

function unlisten(w: Worker): void {
  for (const [event, fn] of listeners.get(w) ?? []) w.off(event, fn);
  listeners.delete(w);
}

// Workers started ahead of time (while the caller is still looking for files), for the next
// Batch with the same options.
let prewarmed: { key: string; workers: Worker[] } | null = null;

/**
 * Start the worker pool ahead of the batch (e.g. while directories are searched): a worker's
 * start-up (loading the engine and transforms) then overlaps the search. The next Batch with the
 * same options adopts them; workers it does not need are terminated. No-op when these options
 * cannot run in workers.
 */
export function prewarmWorkers(opts: ProcessOptions, count = Math.min(2, availableCores() - 1), record?: boolean): void {
  const init = workerSafe(opts, record);
  const url = init ? workerUrl() : null;
  const env = process.env.DOCKERFIX_WORKERS;
  if (!init || !url || count < 2 || env === '0') return;
  if (prewarmed && prewarmed.key === JSON.stringify(init) && prewarmed.workers.length >= count) return;
  releasePrewarmed();
  park(JSON.stringify(init), Array.from({ length: count }, () => new Worker(url, { workerData: init })));
}

/** Keep workers (started ahead of time, or idle after a batch) for the next batch with the same options. */
function park(key: string, workers: Worker[]): void {
  releasePrewarmed();
  const entry = { key, workers };
  for (const w of workers) {
    unlisten(w);
    // Never keep the process alive just for a parked worker.
    w.unref();
    // One that dies while parked is dropped (the batch starts a fresh one instead).
    const drop = (): void => {
      const i = entry.workers.indexOf(w);
      if (i !== -1) entry.workers.splice(i, 1);
    };
    listen(w, 'error', drop);
    listen(w, 'exit', drop);
  }
  prewarmed = entry;
}

function adoptPrewarmed(init: WorkerInit, n: number): Worker[] {
  if (!prewarmed || prewarmed.key !== JSON.stringify(init)) {
    releasePrewarmed();
    return [];
  }
  const take = prewarmed.workers.splice(0, n);
  releasePrewarmed();
  for (const w of take) {
    unlisten(w);
    w.ref();
  }
  return take;
}

/** Terminate the parked workers (started ahead of time or kept from the last batch), e.g. to free their memory. */
export function releasePrewarmed(): void {
  if (!prewarmed) return;
  for (const w of prewarmed.workers) void w.terminate();
  prewarmed = null;
}

/** Start processing; iterate the result for the outcomes in input order. */
export function processFilesOrdered(files: readonly string[], opts: ProcessOptions | readonly ProcessOptions[], batchOpts?: BatchOptions): Batch {
  return new Batch(files, opts, batchOpts);
}

/** Process all files and return their outcomes in input order. */
export async function processFiles(files: readonly string[], opts: ProcessOptions | readonly ProcessOptions[], batchOpts?: BatchOptions): Promise<FileOutcome[]> {
  const out: FileOutcome[] = [];
  for await (const item of new Batch(files, opts, batchOpts)) out.push(item.outcome);
  return out;
}
