/**
 * `gitRoot` (src/pipeline/fsio.ts) with one memory for a planning pass over many Dockerfiles.
 */
import { gitRoot } from '../pipeline/fsio.js';
import type { FsQueries } from '../core/listings.js';

export type RootOf = (dir: string) => string | undefined;

/** `listings`: the run's directory listings answer "is there a `.git` here". */
export function rootCache(listings?: FsQueries): RootOf {
  const memo = new Map<string, string | null>();
  const exists = listings ? (p: string) => listings.exists(p) : undefined;
  return (dir) => gitRoot(dir, memo, exists);
}
