/**
 * A one-line progress indicator for long runs: only on a terminal (stderr is a TTY), only for
 * many files, redrawn at most every `interval` ms, erased before anything else is printed and at
 * the end. Anywhere else (pipes, CI logs, --quiet) it prints nothing.
 */

export const PROGRESS_MIN_FILES = 200;

export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
}

export class Progress {
  private shown = false;
  private last = -Infinity;
  private done = 0;
  private readonly started: number;

  private constructor(
    private readonly stream: ProgressStream,
    private readonly total: number,
    private readonly interval: number,
    private readonly delay: number,
    private readonly now: () => number,
  ) {
    this.started = now();
  }

  /** A progress line for `total` files, or undefined when none should be shown. */
  static create(
    stream: ProgressStream,
    total: number,
    opts: { quiet?: boolean; env?: NodeJS.ProcessEnv; interval?: number; delay?: number; now?: () => number } = {},
  ): Progress | undefined {
    if (!stream.isTTY || opts.quiet || total < PROGRESS_MIN_FILES) return undefined;
    if (opts.env?.CI || opts.env?.TERM === 'dumb') return undefined;
    return new Progress(stream, total, opts.interval ?? 100, opts.delay ?? 250, opts.now ?? (() => performance.now()));
  }

  /** Record progress; draws once the run has taken `delay` ms, then at most every `interval` ms. */
  update(done: number): void {
    this.done = done;
    if (done >= this.total) return;
    const t = this.now();
    if (t - this.started < this.delay || t - this.last < this.interval) return;
    this.last = t;
    this.shown = true;
    const pct = Math.floor((done / this.total) * 100);
    this.stream.write(`\r\x1b[Kdockerfix: ${done}/${this.total} files (${pct}%)`);
  }

  /** Erase the line (before other output, and at the end); the next update redraws it. */
  clear(): void {
    if (!this.shown) return;
    this.shown = false;
    this.stream.write('\r\x1b[K');
  }

  get count(): number {
    return this.done;
  }
}
