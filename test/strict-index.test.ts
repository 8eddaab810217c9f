// src/ecosystems/ and src/analysis/ are checked with noUncheckedIndexedAccess
// (tsconfig.strict-index.json). The compiler also reports the core files they import, which are
// not clean under that flag yet: only errors in the strict folders fail this test.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const STRICT = [/^src\/ecosystems\//, /^src\/analysis\//];

describe('noUncheckedIndexedAccess', () => {
  it('src/ecosystems/ and src/analysis/ have no unchecked index access', () => {
    let out = '';
    try {
      execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.strict-index.json'], { cwd: root, encoding: 'utf8' });
    } catch (e) {
      out = String((e as { stdout?: string }).stdout ?? '');
    }
    const errors = out.split('\n').filter((l) => /error TS/.test(l) && STRICT.some((re) => re.test(l)));
    expect(errors).toEqual([]);
  }, 120_000);
});
