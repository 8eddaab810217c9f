import fs from 'node:fs';
import path from 'node:path';
import { linkStaysInside } from '../pipeline/fsio.js';

/** Is `p` `root` or under it (the repository's files; nothing a definition names outside it is read or used)? */
export function insideRoot(root: string, p: string): boolean {
  const r = path.relative(root, p);
  return r === '' || (!r.startsWith('..') && !path.isAbsolute(r));
}

/**
 * A regular file's text, or null (missing, a FIFO or device, a folder, larger than `max`, or a
 * link out of the repository: a pull request's `.env -> ~/secrets.env` would otherwise put the
 * secrets in notes): never blocks on a FIFO.
 */
export function readRegular(file: string, max = 1 << 20): string | null {
  if (!linkStaysInside(file)) return null;
  try {
    const st = fs.statSync(file);
    if (!st.isFile() || st.size > max) return null;
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}
