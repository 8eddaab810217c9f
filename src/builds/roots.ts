/**
 * `gitRoot` (src/pipeline/fsio.ts) with a memory, for one planning pass over many Dockerfiles:
 * the walk up from each folder stops at the first folder already answered, so a tree of 800
 * folders costs one `.git` lookup per folder instead of one per folder and level, several times
 * per file. The file system is taken as unchanging during the pass (as everywhere in a run).
 */
import fs from 'node:fs';
import path from 'node:path';

export type RootOf = (dir: string) => string | undefined;

export function rootCache(): RootOf {
  const memo = new Map<string, string | null>();
  const of = (dir: string): string | undefined => {
    const d = path.resolve(dir);
    const known = memo.get(d);
    if (known !== undefined) return known ?? undefined;
    let root: string | null;
    if (fs.existsSync(path.join(d, '.git'))) root = d;
    else {
      const up = path.dirname(d);
      root = up === d ? null : (of(up) ?? null);
    }
    memo.set(d, root);
    return root ?? undefined;
  };
  return of;
}
