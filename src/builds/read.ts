import fs from 'node:fs';
import path from 'node:path';

/** Is `p` `root` or under it (the repository's files; nothing a definition names outside it is read or used)? */
export function insideRoot(root: string, p: string): boolean {
  const r = path.relative(root, p);
  return r === '' || (!r.startsWith('..') && !path.isAbsolute(r));
}

/**
 * A regular file's text, or null (missing, a FIFO or device, a folder, larger than `max`): never
 * blocks on a FIFO.
 */
export function readRegular(file: string, max = 1 << 20): string | null {
  try {
    const st = fs.statSync(file);
    if (!st.isFile() || st.size > max) return null;
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}
