/** The programmatic API, imported from the BUILT package as a user would (`import ... from "dockerfix"`). */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers/cli.js';

function consumer(): string {
  const dir = tempDir({});
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(ROOT, path.join(dir, 'node_modules', 'dockerfix'), 'dir');
  return dir;
}

function node(dir: string, code: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('import { fix, format, transforms } from "dockerfix"', () => {
  it('fix rewrites text and returns output, changed, findings, diff', () => {
    const dir = consumer();
    const r = node(
      dir,
      `import { fix, transforms } from 'dockerfix';
       const r = await fix('FROM python:3.12\\nRUN pip install --no-cache-dir flask\\n', { syntax: 'none' });
       const same = await fix('FROM alpine\\n');
       const ctx = await fix('FROM python:3.12\\n# dockerfix-ignore\\nRUN pip install flask\\n', { context: { 'a.txt': 'x' } });
       let err = '';
       try { await fix('FROM a\\n', { only: ['nope'] }); } catch (e) { err = e.message; }
       console.log(JSON.stringify({ out: r.output, changed: r.changed, kinds: r.findings.map((f) => f.kind + ' ' + f.transform + ' ' + f.line), diff: r.diff,
         edits: r.edits.length, same: [same.changed, same.diff, same.findings.length], ignored: ctx.changed, err,
         ids: transforms.map((t) => t.id), frozen: Object.isFrozen(transforms) }));`,
    );
    expect(r.stderr).toBe('');
    const j = JSON.parse(r.stdout);
    expect(j.out).toBe('FROM python:3.12\nRUN --mount=type=cache,target=/root/.cache/pip pip install flask\n');
    expect(j.changed).toBe(true);
    expect(j.kinds).toEqual(['change pip-cache-mount 2']);
    expect(j.diff).toBe(
      '--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,2 +1,2 @@\n FROM python:3.12\n-RUN pip install --no-cache-dir flask\n+RUN --mount=type=cache,target=/root/.cache/pip pip install flask\n',
    );
    expect(j.edits).toBe(2);
    expect(j.same).toEqual([false, '', 0]);
    expect(j.ignored).toBe(false);
    expect(j.err).toMatch(/unknown transform id: nope/);
    expect(j.ids).toEqual(expect.arrayContaining(['pip-cache-mount', 'syntax-directive']));
    expect(j.frozen).toBe(true);
  });

  it('format formats', () => {
    const r = node(consumer(), `import { format } from 'dockerfix'; console.log(JSON.stringify(format('from alpine\\nrun echo hi\\n')));`);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ output: 'FROM alpine\nRUN echo hi\n', changed: true });
  });

  it('ships type declarations a TypeScript consumer compiles against', () => {
    const dir = consumer();
    fs.writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, types: [], skipLibCheck: true }, files: ['ok.ts'] }),
    );
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    fs.writeFileSync(
      path.join(dir, 'ok.ts'),
      `import { fix, format, transforms, type FixResult, type Finding, type FormatResult } from 'dockerfix';
       const formatted: FormatResult = format('FROM a\\n', { indent: 2 });
       const r: FixResult = await fix('FROM a\\n', { only: ['pip-cache-mount'], unsafe: false, syntax: 'none', context: { 'x': '' } });
       const f: Finding | undefined = r.findings[0];
       const ids: string[] = transforms.map((t) => t.id + t.fixKind);
       export { f, ids, formatted };\n`,
    );
    const tsc = path.join(ROOT, 'node_modules/.bin/tsc');
    const ok = spawnSync(tsc, ['-p', dir], { encoding: 'utf8' });
    expect(ok.stdout + ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    fs.writeFileSync(path.join(dir, 'ok.ts'), `import { fix } from 'dockerfix';\nawait fix('FROM a', { unsafe: 'yes' });\nexport {};\n`);
    const bad = spawnSync(tsc, ['-p', dir], { encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toMatch(/ok\.ts\(2,\d+\): error TS2322: Type 'string' is not assignable to type 'boolean \| undefined'/);
  });
});
