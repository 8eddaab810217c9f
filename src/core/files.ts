/**
 * File access shared by the build context (src/core/context.ts) and the CLI's reads and writes
 * (src/pipeline/fsio.ts): one place for how a path is resolved and a file is read whole.
 */
import fs from 'node:fs';

/** One realpath(3) call (not a walk with an lstat per path component in JavaScript); Windows keeps the JavaScript one. */
export function realPath(p: string): string {
  return process.platform === 'win32' ? fs.realpathSync(p) : fs.realpathSync.native(p);
}

/**
 * Read a whole regular file through `fd`, at most `cap` bytes: undefined when it holds more.
 * `sizeHint` (the size fstat gave) sizes the first buffer one byte larger, so a file that did not
 * grow is read in one call (the short read is its end), without 64 KB chunks and a copy per file.
 */
export function readWhole(fd: number, cap: number, sizeHint = 0): Buffer | undefined {
  let buf = Buffer.allocUnsafe(Math.min(Math.max(sizeHint, 0), cap) + 1);
  let total = 0;
  for (;;) {
    if (total === buf.length) {
      if (total > cap) return undefined;
      const bigger = Buffer.allocUnsafe(Math.min(Math.max(buf.length * 2, 64 * 1024), cap + 1));
      buf.copy(bigger, 0, 0, total);
      buf = bigger;
    }
    const want = buf.length - total;
    const n = fs.readSync(fd, buf, total, want, total);
    total += n;
    // A regular file reads short only at its end: no second call to see 0 bytes.
    if (n < want) break;
  }
  return total > cap ? undefined : buf.subarray(0, total);
}
