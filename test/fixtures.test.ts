import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatFinding, hasProse, listFixtureCases, runFixture } from './helpers/fixtures.js';

// UPDATE_FIXTURES=1 rewrites expected.Dockerfile / expected-findings.txt from the current output
// (review the result with git diff before committing it).
const update = process.env.UPDATE_FIXTURES === '1';

const cases = listFixtureCases();

describe('fixtures', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThan(0);
  });
  for (const c of cases) {
    it(`${c.group}/${c.name}`, async () => {
      const r = await runFixture(c);
      expect(r.error, r.error?.message).toBeUndefined();
      if (update) {
        const exp = path.join(c.dir, 'expected.Dockerfile');
        if (r.text === c.input) fs.rmSync(exp, { force: true });
        else fs.writeFileSync(exp, r.text);
        // Golden cases (_combined, or a file that already pins prose) keep the messages.
        const prose = c.group === '_combined' || (c.expectedFindings?.some(hasProse) ?? false);
        if (c.expectedFindings) fs.writeFileSync(path.join(c.dir, 'expected-findings.txt'), r.findings.map((f) => formatFinding(f, prose)).join('\n') + '\n');
        return;
      }
      expect(r.text).toBe(c.expected ?? c.input);
      // Findings by `line kind transform/code`; lines that add `: message` pin the prose too.
      if (c.expectedFindings) expect(r.findings.map((f, k) => formatFinding(f, hasProse(c.expectedFindings?.[k] ?? '')))).toEqual(c.expectedFindings);
      // Idempotent: a second run changes nothing.
      const again = await runFixture(c, r.text);
      expect(again.error).toBeUndefined();
      expect(again.text).toBe(r.text);
    });
  }
});
