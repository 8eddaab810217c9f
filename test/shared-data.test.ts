/**
 * Suites that need the shared data (../shared: corpus/, buildkit-parser-tests/) say so when it is
 * missing, and DOCKERFIX_SHARED points them at it. Runs those suites in a child vitest with
 * DOCKERFIX_SHARED naming a folder that does not exist (four of them used to skip silently).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';

const SUITES: Record<string, string> = {
  'test/check-mode.test.ts': 'check-mode corpus test',
  'test/discover.test.ts': 'discover: globby parity on the corpus',
  'test/edit-compose.test.ts': 'edit-compose corpus suite',
  'test/lexer.test.ts': 'lexer vs dockerfile-ast corpus suite',
  'test/corpus.test.ts': 'corpus suite',
  'test/buildkit-parser.test.ts': 'BuildKit parser suite',
  'test/split-copy-corpus.test.ts': 'split-copy corpus suite',
  'test/reorder-corpus.test.ts': 'reorder corpus suite',
};

describe('without the shared data', () => {
  it('every suite that needs it says it skips, where it looked and how to point it there', () => {
    const missing = '/nonexistent-dockerfix-shared';
    const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', ...Object.keys(SUITES)], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 300_000,
      env: { ...process.env, DOCKERFIX_SHARED: missing, DOCKERFIX_CORPUS: '', NO_COLOR: '1', FORCE_COLOR: '0', CI: 'true' },
    });
    const out = `${r.stdout}${r.stderr}`;
    expect(r.status, out.slice(-2000)).toBe(0);
    for (const [file, suite] of Object.entries(SUITES)) {
      expect(out, file).toMatch(new RegExp(`${suite.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} skipped: ${missing}/\\S+ does not exist \\(the shared data is not here; set DOCKERFIX_SHARED=`));
    }
  }, 320_000);
});
