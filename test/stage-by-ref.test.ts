/**
 * DockerfileDocument.stageByRef (an index of stage names since the linear search back over all
 * stages made files with thousands of stages quadratic): the latest stage of that name before
 * `before`, names compared without case, a number as an index when no stage has that name.
 */
import { describe, expect, it } from 'vitest';
import { DockerfileDocument } from '../src/core/document.js';

const doc = new DockerfileDocument(
  ['FROM alpine AS base', 'FROM base AS Build', 'FROM debian AS base', 'FROM base AS 3', 'FROM build', 'FROM scratch', ''].join('\n'),
);

/** The old definition, for comparison. */
function linear(ref: string, before = doc.stages.length) {
  const lower = ref.toLowerCase();
  for (let i = Math.min(before, doc.stages.length) - 1; i >= 0; i--) if (doc.stages[i]!.name?.toLowerCase() === lower) return doc.stages[i];
  if (/^\d+$/.test(ref)) return doc.stages[Number(ref)];
  return undefined;
}

describe('stageByRef', () => {
  it('answers as the search back over the stages did', () => {
    for (const ref of ['base', 'BASE', 'build', 'Build', '0', '1', '3', '4', '9', 'nope', '']) {
      for (const before of [undefined, 0, 1, 2, 3, 4, 5, 6, 99, -1]) {
        expect(doc.stageByRef(ref, before)?.index, `${ref} before ${before}`).toBe(linear(ref, before)?.index);
      }
    }
  });

  it('links each stage to the right parent', () => {
    expect(doc.stages.map((s) => s.parent?.index ?? null)).toEqual([null, 0, null, 2, 1, null]);
  });
});
