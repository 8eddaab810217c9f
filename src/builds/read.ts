import fs from 'node:fs';

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
