/** The before/after example in docs/formatter.md is real formatter output. */
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { format } from '../src/format/index.js';

it('docs/formatter.md example: "After" is format("Before")', () => {
  const md = fs.readFileSync(path.resolve(import.meta.dirname, '../docs/formatter.md'), 'utf8');
  const blocks = [...md.matchAll(/```dockerfile\n([\s\S]*?)```/g)].map((m) => m[1]);
  expect(blocks.length).toBe(2);
  expect(format(blocks[0]).output).toBe(blocks[1]);
  expect(format(blocks[1]).changed).toBe(false);
});
