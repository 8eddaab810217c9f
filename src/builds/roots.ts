/**
 * `gitRoot` (src/pipeline/fsio.ts) with one memory for a planning pass over many Dockerfiles.
 */
import { gitRoot } from '../pipeline/fsio.js';

export type RootOf = (dir: string) => string | undefined;

export function rootCache(): RootOf {
  const memo = new Map<string, string | null>();
  return (dir) => gitRoot(dir, memo);
}
