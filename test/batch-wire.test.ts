import { describe, expect, it } from 'vitest';
import { fromWire, toWire } from '../src/cli/batch-wire.js';
import type { FileOutcome } from '../src/pipeline/engine.js';
import type { Finding } from '../src/core/types.js';

const finding = (line: number, edits?: number[]): Finding => ({
  transform: 'hoist-stable', kind: 'change', severity: 'info', message: `m${line}`, line, column: 1, endLine: line, endColumn: 2, fixKind: 'safe', code: 'moved', ...(edits ? { edits } : {}),
});

describe('outcomes on the wire (worker threads, the result cache)', () => {
  it('a fix shared by several findings crosses as one list, restored as one shared array in the same field order', () => {
    const shared = Array.from({ length: 1000 }, (_, k) => k);
    const own = [7];
    const o = { path: '/x/Dockerfile', before: 'a', after: 'b', changed: true, findings: [finding(1, shared), finding(2, own), finding(3, shared), finding(4), finding(5, shared)] } as FileOutcome;
    const json = JSON.stringify(toWire(o));
    // Once on the wire, not three times.
    expect(json.split('999').length - 1).toBe(1);
    const back = fromWire(JSON.parse(json));
    expect(JSON.stringify(back)).toBe(JSON.stringify(o));
    expect(back.findings[2].edits).toBe(back.findings[0].edits);
    expect(back.findings[4].edits).toBe(back.findings[0].edits);
    expect(back.findings[1].edits).toEqual([7]);
    expect(back.findings[3].edits).toBeUndefined();
    // The outcome given is not changed.
    expect(o.findings[2].edits).toBe(shared);
  });
});
