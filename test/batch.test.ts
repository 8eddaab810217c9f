/**
 * src/cli/batch.ts (worker pool, input order, in-thread path) and src/cli/progress.ts (TTY progress).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoWorkers, MIN_FILES_PER_WORKER, prewarmWorkers, processFiles, processFilesOrdered } from '../src/cli/batch.js';
import { main, type Io } from '../src/cli/main.js';
import type { ProcessOptions } from '../src/pipeline/engine.js';
import { Progress, PROGRESS_MIN_FILES } from '../src/cli/progress.js';
import { loadTransforms } from '../transforms/index.js';

const PIP = (i: number): string => `FROM python:3.12-slim\nRUN pip install --no-cache-dir pkg${i}\n`;
const PLAIN = (i: number): string => `FROM alpine:3.20\nRUN echo ${i}\n`;

let dir: string;
let files: string[];
let opts: ProcessOptions;

beforeAll(async () => {
  opts = { transforms: await loadTransforms() };
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-batch-'));
  files = [];
  for (let i = 0; i < 300; i++) {
    const f = path.join(dir, `Dockerfile.${String(i).padStart(3, '0')}`);
    fs.writeFileSync(f, i % 3 === 0 ? PIP(i) : PLAIN(i));
    files.push(f);
  }
  files.splice(150, 0, path.join(dir, 'missing.Dockerfile'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('processFiles', () => {
  it('pool size: min(cores - 1, files / N), none below two workers', () => {
    expect(autoWorkers(1, 8)).toBe(0);
    expect(autoWorkers(MIN_FILES_PER_WORKER * 2 - 1, 8)).toBe(0);
    expect(autoWorkers(MIN_FILES_PER_WORKER * 2, 8)).toBe(2);
    expect(autoWorkers(MIN_FILES_PER_WORKER * 100, 8)).toBe(7);
    expect(autoWorkers(MIN_FILES_PER_WORKER * 100, 3)).toBe(2);
    // Two cores: one thread (V8's own background threads already use the second core).
    expect(autoWorkers(MIN_FILES_PER_WORKER * 100, 2)).toBe(0);
    expect(autoWorkers(MIN_FILES_PER_WORKER * 100, 1)).toBe(0);
  });

  it('workers and the calling thread give the same outcomes, in input order', async () => {
    const inThread = await processFiles(files, opts, { workers: 0 });
    const pooled = processFilesOrdered(files, opts, { workers: 2 });
    expect(pooled.workers).toBe(2);
    const out = [];
    for await (const item of pooled) {
      expect(item.index).toBe(out.length);
      expect(item.file).toBe(files[item.index]);
      out.push(item.outcome);
    }
    expect(out.length).toBe(files.length);
    expect(out.map((o) => o.path)).toEqual(files);
    expect(JSON.stringify(out)).toBe(JSON.stringify(inThread));
    // Real outcomes: pip files change, plain ones do not, the missing one is an error.
    expect(out[0].changed).toBe(true);
    expect(out[0].after).toContain('RUN --mount=type=cache,target=/root/.cache/pip pip install pkg0');
    expect(out[1].changed).toBe(false);
    expect(out[1].after).toBe(PLAIN(1));
    expect(out[150].error?.format()).toBe(`${files[150]}: no such file or directory`);
    expect(out.filter((o) => o.changed).length).toBe(100);
  });

  it('few files never start a worker', () => {
    expect(processFilesOrdered(files.slice(0, 5), opts).workers).toBe(0);
    expect(processFilesOrdered(files.slice(0, 1), opts, { workers: 'auto' }).workers).toBe(0);
  });

  it('custom transforms (not in the registry) run in the calling thread', async () => {
    const custom = { ...opts, transforms: [{ ...opts.transforms[0], meta: { ...opts.transforms[0].meta, id: 'my-own' } }] };
    const b = processFilesOrdered(files, custom, { workers: 2 });
    expect(b.workers).toBe(0);
    b.stop();
  });

  it('stop() ends the iteration early and reports it', async () => {
    const b = processFilesOrdered(files, opts, { workers: 2 });
    let n = 0;
    for await (const _ of b) {
      if (++n === 10) b.stop();
    }
    expect(n).toBe(10);
    expect(b.interrupted).toBe(true);
    expect(b.handed).toBe(10);
  });

  it('prewarmed workers are adopted by the next batch, or released when it needs none', async () => {
    const reference = await processFiles(files, opts, { workers: 0 });
    prewarmWorkers(opts, 2);
    const b = processFilesOrdered(files, opts, { workers: 2 });
    expect(b.workers).toBe(2);
    const out = [];
    for await (const item of b) out.push(item.outcome);
    expect(JSON.stringify(out)).toBe(JSON.stringify(reference));
    prewarmWorkers(opts, 2);
    const few = await processFiles(files.slice(0, 3), opts);
    expect(few.map((o) => o.changed)).toEqual([true, false, false]);
  });

  it('workers are kept for the next call with the same options (warm pool), results unchanged', async () => {
    const reference = await processFiles(files, opts, { workers: 0 });
    for (let call = 0; call < 3; call++) {
      const out = await processFiles(files, opts, { workers: 2 });
      expect(JSON.stringify(out)).toBe(JSON.stringify(reference));
    }
  }, 30_000);

  it('reports progress up to the total', async () => {
    const seen: number[] = [];
    await processFiles(files.slice(0, 20), opts, { onProgress: (done, total) => seen.push(done * 1000 + total) });
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) * 1000 + 20));
  });
});

describe('progress', () => {
  const stream = (tty: boolean): { s: PassThrough & { isTTY?: boolean }; text: () => string } => {
    const s = new PassThrough() as PassThrough & { isTTY?: boolean };
    s.isTTY = tty;
    let t = '';
    s.on('data', (d) => (t += d));
    return { s, text: () => t };
  };

  it('draws on a TTY after the delay, at most once per interval, and erases itself', () => {
    const { s, text } = stream(true);
    let now = 0;
    const p = Progress.create(s, 1000, { now: () => now, delay: 250, interval: 100 })!;
    p.update(10); // before the delay: nothing
    now = 300;
    p.update(100);
    now = 350;
    p.update(150); // within the interval: nothing
    now = 420;
    p.update(400);
    p.clear();
    p.clear(); // already erased: nothing
    expect(text()).toBe('\r\x1b[Kdockerfix: 100/1000 files (10%)\r\x1b[Kdockerfix: 400/1000 files (40%)\r\x1b[K');
  });

  it('is silent off a TTY, for few files, with --quiet, in CI and on dumb terminals', () => {
    expect(Progress.create(stream(false).s, 5000)).toBeUndefined();
    expect(Progress.create(stream(true).s, PROGRESS_MIN_FILES - 1)).toBeUndefined();
    expect(Progress.create(stream(true).s, 5000, { quiet: true })).toBeUndefined();
    expect(Progress.create(stream(true).s, 5000, { env: { CI: 'true' } })).toBeUndefined();
    expect(Progress.create(stream(true).s, 5000, { env: { TERM: 'dumb' } })).toBeUndefined();
    expect(Progress.create(stream(true).s, 5000)).toBeInstanceOf(Progress);
  });

  it('the CLI leaves no progress text in piped output', async () => {
    const out = stream(false);
    const err = stream(false);
    const io: Io = { stdout: out.s, stderr: err.s, stdin: new PassThrough(), env: { NO_COLOR: '1' }, cwd: dir };
    const code = await main(['node', 'dockerfix', '--check', '.'], io);
    expect(code).toBe(1);
    expect(out.text().split('\n').filter(Boolean).length).toBe(100);
    expect(err.text()).toBe('');
  });
});
