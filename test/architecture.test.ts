import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const script = path.join(root, 'scripts/check-architecture.mjs');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-arch-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function check(dir: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [script, dir], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

/** A copy of the repository's sources (src, transforms, bin) to plant violations in. */
function copyOfSources(name: string): string {
  const dir = path.join(tmp, name);
  for (const top of ['src', 'transforms', 'bin']) fs.cpSync(path.join(root, top), path.join(dir, top), { recursive: true });
  return dir;
}

describe('architecture rules (scripts/check-architecture.mjs)', () => {
  it('the sources keep them', () => {
    const r = check(root);
    expect(r.out).toContain('no violations');
    expect(r.status).toBe(0);
  });

  it('fails on a core module importing the CLI', () => {
    const dir = copyOfSources('core-cli');
    fs.writeFileSync(path.join(dir, 'src/core/planted.ts'), "import { main } from '../cli/main.js';\nexport const m = main;\n");
    const r = check(dir);
    expect(r.status).toBe(1);
    expect(r.out).toContain('src/core/planted.ts: imports src/cli/main.ts (cli): core is pure');
  });

  it('fails on a transform importing commander or another transform', () => {
    const dir = copyOfSources('transform');
    const f = path.join(dir, 'transforms/sink-volatile.ts');
    fs.writeFileSync(f, "import { Command } from 'commander';\nimport type { hoistStable } from './hoist-stable.js';\n" + fs.readFileSync(f, 'utf8'));
    const r = check(dir);
    expect(r.status).toBe(1);
    expect(r.out).toContain('transforms/sink-volatile.ts: imports commander');
    expect(r.out).toContain('transforms/sink-volatile.ts: imports transforms/hoist-stable.ts (transform)');
  });

  it('fails on an import cycle made only of type imports', () => {
    const dir = copyOfSources('cycle');
    const f = path.join(dir, 'src/cli/io.ts');
    fs.writeFileSync(f, "import type { Options } from './main.js';\n" + fs.readFileSync(f, 'utf8'));
    const r = check(dir);
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/import cycle \(type-only imports included\): .*src\/cli\/io\.ts/);
  });
});
