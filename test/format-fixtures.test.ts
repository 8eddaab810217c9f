/**
 * Formatter fixtures: `test/format-fixtures/<case>/input.Dockerfile` and `output.Dockerfile`
 * (absent: the input is already formatted and must stay byte-identical), optional
 * `options.json` with FormatOptions. Every output must also be a fixed point.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { format, semanticDump, type FormatOptions } from '../src/format/index.js';

const ROOT = path.resolve(import.meta.dirname, 'format-fixtures');
const cases = fs.readdirSync(ROOT).filter((c) => fs.existsSync(path.join(ROOT, c, 'input.Dockerfile'))).sort();

const read = (p: string): string | null => (fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : null);

describe('format fixtures', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });
  for (const c of cases) {
    it(c, () => {
      const dir = path.join(ROOT, c);
      const input = read(path.join(dir, 'input.Dockerfile')) as string;
      const expected = read(path.join(dir, 'output.Dockerfile'));
      const options = JSON.parse(read(path.join(dir, 'options.json')) ?? '{}') as FormatOptions;
      const r = format(input, options);
      expect(r.error).toBeUndefined();
      expect(r.output).toBe(expected ?? input);
      expect(r.changed).toBe(expected !== null && expected !== input);
      const again = format(r.output, options);
      expect(again.changed).toBe(false);
      expect(again.output).toBe(r.output);
      expect(semanticDump(r.output.replace(/^\ufeff/, ''))).toEqual(semanticDump(input.replace(/^\ufeff/, '')));
    });
  }
});
