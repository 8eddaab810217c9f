/** The README's transform table and docs/transforms.md must match the transforms' meta. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTransforms, transformIds } from '../transforms/index.js';

const ROOT = path.resolve(import.meta.dirname, '..');

describe('docs', () => {
  it('README transform table and docs/transforms.md are up to date (npm run docs)', async () => {
    const { render } = (await import(path.join(ROOT, 'scripts/gen-docs.mjs'))) as { render: () => Promise<{ table: string; doc: string }> };
    const { table, doc } = await render();
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(`<!-- transforms:start -->\n${table}\n<!-- transforms:end -->`);
    expect(fs.readFileSync(path.join(ROOT, 'docs/transforms.md'), 'utf8')).toBe(doc);
  });

  it('every transform has a unique id equal to its file name, a summary, a description and a fix kind', async () => {
    const ts = await loadTransforms();
    expect(ts.map((t) => t.meta.id).sort()).toEqual([...transformIds()].sort());
    for (const t of ts) {
      expect(t.meta.summary.length).toBeGreaterThan(10);
      expect(t.meta.description.length).toBeGreaterThan(t.meta.summary.length);
      expect(['safe', 'unsafe']).toContain(t.meta.fixKind);
      expect(Number.isFinite(t.meta.order)).toBe(true);
    }
  });
});

describe('README example', () => {
  it('shows exactly what `dockerfix examples/python-app` prints', async () => {
    const { spawnSync } = await import('node:child_process');
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const m = /What the first command prints[^\n]*\n\n```diff\n([\s\S]*?)\n```/.exec(readme);
    expect(m, 'README has the example block').not.toBeNull();
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist/bin/dockerfix.js'), '--no-color', 'examples/python-app'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trimEnd()).toBe(m![1]);
  });
});
