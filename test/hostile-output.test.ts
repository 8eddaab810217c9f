/**
 * Issue #13, output half: what dockerfix prints stays output. Dockerfile text and path names are
 * data: they never run in a shell (`dockerfix ci`), never become a GitHub workflow command, never
 * reach the terminal as an escape sequence, never forge a diff header, never close the job
 * summary's code fence. And size: huge files finish, linear, with the right exit code.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { applyPatch } from 'diff';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ciCommands, isValidRepository, isValidStageName } from '../src/cli/ci-commands.js';
import { DockerfileDocument, overlayEnv } from '../src/core/document.js';
import { quotePath, renderDiff } from '../src/report/diff.js';
import { processText } from '../src/pipeline/engine.js';
import { displayPath, escapeControls, guardText } from '../src/report/escape.js';
import type { Transform } from '../src/core/types.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

const NAIVE = 'FROM python:3.12-slim\nCOPY . .\nRUN pip install --no-cache-dir -r requirements.txt\n';

/** Lines of printed output that the GitHub runner would take as a workflow command. */
function commandLines(s: string): string[] {
  return s.split('\n').filter((l) => /^[\s\u0085]*::/.test(l));
}

/** Characters a terminal acts on: anything but tab and LF, CR only right before LF. */
function rawControls(s: string): string[] {
  return [...s.replace(/\r\n/g, '\n').matchAll(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g)].map((m) => JSON.stringify(m[0]));
}

/** Create `rel` (may hold newlines and control characters) under `dir`. */
function put(dir: string, rel: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
}

describe('dockerfix ci: Dockerfile text never runs in the shell', () => {
  const EVIL = [
    'FROM alpine AS $(touch${IFS}pwned)',
    'RUN echo a',
    'FROM alpine AS good',
    'COPY --from=$(touch${IFS}pwned) /x /x',
    'FROM alpine',
    'COPY --from=good /x /x',
    '',
  ].join('\n');

  it('running the printed shell commands runs no command from the Dockerfile', () => {
    const dir = tempDir({ 'app/Dockerfile': EVIL });
    const r = runCli(['ci', 'app/Dockerfile', '--registry', 'ghcr.io/acme/web'], dir);
    expect(r.code).toBe(0);
    // The stage with an invalid name is left out with a note; the valid one is built.
    expect(r.stdout).toMatch(/# stage 0 is left out: its name "\$\(touch\$\{IFS\}pwned\)" is not a valid stage name/);
    expect(r.stdout).toContain('docker build --file app/Dockerfile --target good \\\n');
    expect(r.stdout).not.toMatch(/^[^#].*touch/m);
    // Source every shell section with docker/rm/mv stubbed out.
    // Everything but the YAML of section 3, comments included (a newline must not end one).
    const lines = r.stdout.split('\n');
    const shell = [...lines.slice(0, lines.indexOf('## 3. GitHub Actions: docker/build-push-action with the GitHub cache (type=gha)')), ...lines.slice(lines.findIndex((l) => l.startsWith('## 4.')))].join('\n');
    const run = spawnSync('bash', ['-c', `docker() { echo "docker $*" >> calls.log; }; rm() { :; }; mv() { :; }\n${shell}`], { cwd: dir, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(fs.existsSync(path.join(dir, 'pwned'))).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'calls.log'), 'utf8')).toContain('docker push ghcr.io/acme/web:cache-good');
  });

  it('quotes every interpolated value and writes the workflow step with a YAML library', () => {
    const context = 'a: b #c\'d $(x)';
    const out = ciCommands(new DockerfileDocument('FROM alpine AS base\nRUN true\nFROM base\n'), {
      registry: 'ghcr.io/acme/web',
      file: `${context}/Dockerfile`,
      context,
      tag: 'v1',
    });
    expect(out).toContain(`  --file 'a: b #c'\\''d $(x)/Dockerfile' \\\n`);
    expect(out).toContain(`  --tag ghcr.io/acme/web:v1 'a: b #c'\\''d $(x)'\n`);
    const yamlText = out.split('\n## 3.')[1].split('\n## ')[0].split('\n').slice(1).join('\n');
    const steps = parseYaml(yamlText) as Array<{ uses: string; with?: Record<string, unknown> }>;
    expect(steps[1].with).toEqual({ context, file: `${context}/Dockerfile`, tags: 'ghcr.io/acme/web:v1', push: true, 'cache-from': 'type=gha', 'cache-to': 'type=gha,mode=max' });
  });

  it('validates stage names and image references against Docker\'s grammar', () => {
    for (const ok of ['build', 'Build-2', 'a.b_c']) expect(isValidStageName(ok), ok).toBe(true);
    for (const bad of ['2build', '$(x)', 'a b', 'a;b', '']) expect(isValidStageName(bad), bad).toBe(false);
    for (const ok of ['ghcr.io/acme/web', 'localhost:5000/app', 'app', 'registry.example.com:443/a/b-c__d']) expect(isValidRepository(ok), ok).toBe(true);
    for (const bad of ['ghcr.io/Acme/web', 'a/$(x)', 'a//b', 'a b', '-a', 'a/b:tag', 'a\nb']) expect(isValidRepository(bad), bad).toBe(false);
  });

  it('a path with a newline is refused (exit 2, one escaped line), never printed across lines', () => {
    const dir = tempDir({});
    put(dir, 'x\n::error::forged/Dockerfile', 'FROM alpine\n');
    const r = runCli(['ci', 'x\n::error::forged/Dockerfile'], dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('dockerfix ci: the Dockerfile path "x\\\\n::error::forged/Dockerfile" holds control characters; rename it or pass a path without them\n');
    expect(commandLines(r.stdout + r.stderr)).toEqual([]);
  });
});

describe('printed lines: no workflow command, no terminal escape from user data', () => {
  const names = ['::error file=a::forged', 'x\n::add-mask::secret', 't\x1b]0;title\x07u', '  ::warning::indented', 'c\rd'];
  const content = '# \x1b]52;c;ZXZpbA==\x07 clipboard\n' + NAIVE + 'RUN echo a \\\n::error::forged\n';

  function project(): string {
    const dir = tempDir({});
    for (const n of names) {
      put(dir, `${n}/Dockerfile`, content);
      put(dir, `${n}/requirements.txt`, 'flask\n');
    }
    put(dir, 'bad\x1b[2J/Dockerfile', 'FROM alpine\nRUN <<EOF\n'); // a parse error names the path on stderr
    return dir;
  }

  for (const args of [[], ['--check'], ['--write'], ['--format', 'github'], ['--format', 'github', '--check'], ['--format', 'json'], ['--format', 'sarif']]) {
    it(`dockerfix ${args.join(' ') || '(dry run)'}`, () => {
      const dir = project();
      const r = runCli([...args, '.'], dir);
      expect(r.code).toBe(2); // the file that does not parse
      expect(rawControls(r.stdout), r.stdout).toEqual([]);
      expect(rawControls(r.stderr), r.stderr).toEqual([]);
      const own = /^::(warning|notice|error) [^\n]*title=dockerfix[^\n]*::/;
      expect(commandLines(r.stderr)).toEqual([]);
      expect(commandLines(r.stdout).filter((l) => !(args.includes('github') && own.test(l)))).toEqual([]);
      if (args.includes('github')) {
        // Our annotations still name the files, escaped.
        expect(r.stdout).toContain('file=%3A%3Aerror file=a%3A%3Aforged/Dockerfile');
        expect(r.stdout).toContain('file=x\\n%3A%3Aadd-mask%3A%3Asecret/Dockerfile');
      }
      if (args[0] === '--check') expect(r.stdout.split('\n')).toContain('./::error file=a::forged/Dockerfile');
      if (args.length === 0) {
        expect(r.stdout).toContain('--- "a/x\\n::add-mask::secret/Dockerfile"\n');
        expect(r.stdout).toContain(' \\x3a:error::forged\n');
        expect(r.stdout).toContain(' # \\x1b]52;c;ZXZpbA==\\x07 clipboard\n');
        expect(r.stderr).toContain('bad\\x1b[2J/Dockerfile');
      }
    });
  }

  it('escape helpers', () => {
    expect(escapeControls('a\x1b[31mb\r\nc\u202ed\x9b')).toBe('a\\x1b[31mb\\r\\nc\\u202ed\\x9b');
    expect(displayPath('::set-output name=x::y')).toBe('./::set-output name=x::y');
    expect(displayPath(' \t::x')).toBe('./ \t::x');
    expect(displayPath('a::b')).toBe('a::b');
    expect(guardText('ok \x1b[1mbold\x1b[0m\n  ::stop-commands::x\n\x1b]0;t\x07\r\n', true)).toBe('ok \x1b[1mbold\x1b[0m\n  \\x3a:stop-commands::x\n\\x1b]0;t\\x07\r\n');
  });
});

describe('diff headers of odd path names', () => {
  // Nested directories whose names spell a second file's diff.
  const forged = 'x\n--- a/victim.txt\n+++ b/victim.txt\n@@ -1 +1 @@\n-old\n+pwned\n';
  const rel = `${forged}/sub dir/"q"\\é/Dockerfile`;

  function setup(): { dir: string; expected: string; diff: string } {
    const dir = tempDir({ 'victim.txt': 'old\n' });
    put(dir, rel, NAIVE);
    const w = tempDir({ 'Dockerfile': NAIVE });
    expect(runCli(['--write', '--no-context', 'Dockerfile'], w).code).toBe(0);
    const expected = fs.readFileSync(path.join(w, 'Dockerfile'), 'utf8');
    const r = runCli(['--no-context', '.'], dir);
    expect(r.code).toBe(0);
    return { dir, expected, diff: r.stdout };
  }

  it('quotes them the way git does', () => {
    expect(quotePath('a/plain-name_1.txt')).toBe('a/plain-name_1.txt');
    expect(quotePath('a/x\ny\t"z"\\é')).toBe('"a/x\\ny\\t\\"z\\"\\\\\\303\\251"');
    expect(quotePath('a/with space')).toBe('"a/with space"');
  });

  it('git apply changes only the Dockerfile', () => {
    const { dir, expected, diff } = setup();
    expect(diff.split('\n').filter((l) => l.startsWith('--- ')).length).toBe(1);
    const r = spawnSync('git', ['apply', '-v'], { cwd: dir, input: diff, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'victim.txt'), 'utf8')).toBe('old\n');
    expect(fs.readFileSync(path.join(dir, rel), 'utf8')).toBe(expected);
  });

  it('GNU patch -p1 changes only the Dockerfile', () => {
    const { dir, expected, diff } = setup();
    const r = spawnSync('patch', ['-p1', '--batch', '--forward'], { cwd: dir, input: diff, encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'victim.txt'), 'utf8')).toBe('old\n');
    expect(fs.readFileSync(path.join(dir, rel), 'utf8')).toBe(expected);
  });
});

// The Action's job summary fence: test/action.test.ts.

describe('size: cost linear in the number of instructions, errors exit 2', () => {
  it('130,000 identical RUN lines: a proper result and exit code, no stack overflow', { timeout: 240_000 }, () => {
    const dir = tempDir({ Dockerfile: 'FROM python:3.12\n' + 'RUN pip install a\n'.repeat(130_000) });
    const r = runCli(['--exit-code', '--no-context', '--quiet', '--output', 'out.diff', 'Dockerfile'], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const diff = fs.readFileSync(path.join(dir, 'out.diff'), 'utf8');
    expect(diff.split('\n').filter((l) => l.startsWith('+RUN --mount=type=cache')).length).toBe(130_000);
  });

  it('a diff of 20,000 changed lines among 60,000 applies and is minimal', { timeout: 60_000 }, () => {
    const before: string[] = [];
    const after: string[] = [];
    for (let i = 0; i < 60_000; i++) {
      before.push(i % 3 === 0 ? `RUN pip install p${i}` : i % 7 === 0 ? 'RUN echo same' : `COPY f${i} /f${i}`);
      after.push(i % 3 === 0 ? `RUN --mount=type=cache,target=/root/.cache/pip pip install p${i}` : i % 7 === 0 ? 'RUN echo same' : `COPY f${i} /f${i}`);
    }
    const a = before.join('\n') + '\n';
    const b = after.join('\n') + '\n';
    const d = renderDiff('Dockerfile', a, b, []);
    expect(applyPatch(a, d)).toBe(b);
    expect(d.split('\n').filter((l) => l.startsWith('-RUN')).length).toBe(20_000);
    expect(d.split('\n').filter((l) => l.startsWith('-COPY') || l.startsWith('+COPY')).length).toBe(0);
  });

  it('an exception outside a transform\'s run is an internal error of the file (exit 2), not a crash', () => {
    const throwing: Transform = {
      meta: { id: 'boom', summary: 'x', description: 'x', fixKind: 'safe', order: 1 },
      run: () => ({
        get diagnostics(): never {
          throw new RangeError('Maximum call stack size exceeded');
        },
      }),
    } as unknown as Transform;
    const o = processText('FROM alpine\n', 'Dockerfile', { transforms: [throwing], noContext: true });
    expect(o.changed).toBe(false);
    expect(o.internal).toBe(true);
    expect(o.error?.message).toBe('internal error (file left unchanged): RangeError: Maximum call stack size exceeded');
  });

  it('the build state of a stage with thousands of ENV lines is right at every step', () => {
    const lines = ['FROM alpine'];
    for (let i = 0; i < 3000; i++) lines.push(i % 2 ? `ENV V${i}=$V${i - 1}x` : `ARG A${i}=${i}`, 'RUN true');
    lines.push('FROM scratch AS child', 'FROM 0', 'RUN true');
    const doc = new DockerfileDocument(lines.join('\n') + '\n');
    const s = doc.stages[0];
    const at = (i: number) => s.instructions[i].state();
    expect(at(4).env.get('V1')).toBe('$V0x'); // V0 is not set: left as written
    expect(at(6).env.get('A2')).toBe('2');
    expect(at(6).args.has('A2')).toBe(true);
    expect(at(6).env.has('V3')).toBe(false);
    expect(at(6000).env.get('V2999')).toBe('$V2998x');
    expect([...at(6000).env.keys()].length).toBe(3000);
    // A child stage inherits ENV, not ARG.
    const child = doc.stages[2].instructions[1].state();
    expect(child.env.get('V1')).toBe('$V0x');
    expect(child.env.has('A0')).toBe(false);
    expect(() => at(6).env.set('X', 'y')).toThrow(/read-only/);
    const o = overlayEnv(at(6).env, [['V1', 'own']]);
    expect([o.get('V1'), o.get('A2'), o.has('V3')]).toEqual(['own', '2', false]);
  });
});
