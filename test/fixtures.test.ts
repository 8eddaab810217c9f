import { describe, expect, it } from 'vitest';
import { formatFinding, listFixtureCases, runFixture } from './helpers/fixtures.js';

const cases = listFixtureCases();

describe('fixtures', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThan(0);
  });
  for (const c of cases) {
    it(`${c.group}/${c.name}`, async () => {
      const r = await runFixture(c);
      expect(r.error, r.error?.message).toBeUndefined();
      expect(r.text).toBe(c.expected ?? c.input);
      if (c.expectedFindings) expect(r.findings.map(formatFinding)).toEqual(c.expectedFindings);
      // Idempotent: a second run changes nothing.
      const again = await runFixture(c, r.text);
      expect(again.error).toBeUndefined();
      expect(again.text).toBe(r.text);
    });
  }
});
