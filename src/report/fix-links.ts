/**
 * A fix can belong to several findings: hoist-stable reorders a stage in one fix, one finding per
 * moved step. Each finding lists the fix's edits (`Finding.edits`, the same array), so a report
 * that repeats the list per finding grows with findings x edits: a stage of 5,000 moves is 5,000
 * findings sharing 10,000 edits, 50 million links (the JSON report exceeded V8's string limit,
 * SARIF ran out of memory). Above SHARED_LINKS_LIMIT links for one fix, the reports list the
 * edits on the first finding of the fix only and point the others at it.
 */
import type { Finding } from '../core/types.js';

/** Links (findings x edits) of one shared fix up to which every finding lists the edits. */
export const SHARED_LINKS_LIMIT = 10_000;

/**
 * For each finding: the index of the finding that lists its fix's edits instead of it, or -1
 * (it lists them itself, or has none). Findings share a fix when they share the `edits` array
 * (as the runner makes them, and as they cross worker threads and the result cache).
 */
export function editsOwners(findings: readonly Finding[]): Int32Array {
  const owners = new Int32Array(findings.length).fill(-1);
  const groups = new Map<readonly number[], number[]>();
  findings.forEach((f, i) => {
    if (!f.edits?.length) return;
    const g = groups.get(f.edits);
    if (g) g.push(i);
    else groups.set(f.edits, [i]);
  });
  for (const [edits, members] of groups) {
    if (members.length < 2 || members.length * edits.length <= SHARED_LINKS_LIMIT) continue;
    for (const i of members.slice(1)) owners[i] = members[0];
  }
  return owners;
}
