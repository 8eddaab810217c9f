/**
 * Fuzz (issue #13, output): corpus Dockerfiles with hostile mutations — control characters and
 * escape sequences in text and in directory names, `::` workflow-command lines, newlines in
 * names — go through the CLI in-process. Whatever the input:
 * - no output line on either stream reads as a GitHub workflow command, except dockerfix's own
 *   annotations in `--format github`;
 * - no raw ESC, CR (other than a CRLF line ending) or other control character reaches stdout or
 *   stderr;
 * - the dry-run diff applies with `git apply` to exactly the `--write` result (unless it says
 *   that it shows lines escaped).
 *
 * Seeded and bounded for CI: HOSTILE_FUZZ_SEED, HOSTILE_FUZZ_RUNS.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORPUS_CASES, corpusFor } from './helpers/corpus.js';
import { main, type Io } from '../src/cli/main.js';

const SEED = Number(process.env.HOSTILE_FUZZ_SEED ?? 20261203);
const RUNS = Number(process.env.HOSTILE_FUZZ_RUNS ?? 30);
const CORPUS = corpusFor('hostile fuzz corpus suite') ? CORPUS_CASES : undefined;

const corpusFiles: string[] = CORPUS
  ? fs
      .readdirSync(CORPUS)
      .sort()
      .map((id) => path.join(CORPUS, id, 'Dockerfile'))
      .filter((f) => fs.existsSync(f))
  : [];

const HOSTILE = [
  '\x1b]0;pwned title\x07',
  '\x1b]52;c;ZXZpbA==\x07',
  '\x1b[2J\x1b[H',
  '\x1b[31mred',
  '\x9b1;1H',
  '\r',
  'a\rb',
  '\u202e',
  '\u2028',
  '\x08\x08\x08',
  '::error file=Dockerfile,line=1::forged',
  '::add-mask::secret',
  '::stop-commands::tok',
  '  ::warning::indented',
  '%0A::error::encoded',
];

/** Text that might end up in a name or a line. */
const hostilePiece = fc.oneof(fc.constantFrom(...HOSTILE), fc.stringMatching(/^[a-z ."\\-]{0,6}$/));
const hostileText = fc.array(hostilePiece, { minLength: 1, maxLength: 3 }).map((xs) => xs.join(''));
/** A directory name: hostile pieces, newlines too (no `/`, no NUL, not `.`/`..`). */
const dirName = fc
  .array(fc.oneof(hostilePiece, fc.constantFrom('\n', '\n::error::line', '\n--- a/x\n+++ b/x\n@@ -1 +1 @@')), { minLength: 1, maxLength: 3 })
  .map((xs) => 'd' + xs.join('').replace(/\//g, '_').replace(/\0/g, ''));

type Mutation = { kind: 'comment' | 'run' | 'continuation' | 'heredoc' | 'label'; at: number; text: string };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('comment', 'run', 'continuation', 'heredoc', 'label'),
  at: fc.nat(),
  text: hostileText,
});

function mutate(src: string, ms: Mutation[]): string {
  const eol = src.includes('\r\n') ? '\r\n' : '\n';
  const lines = src.split(/\r?\n/);
  for (const m of ms) {
    // Insert after a line that is not a continuation (ends without a backslash) and not in a heredoc.
    const ok = lines.map((l, i) => i > 0 && !/\\\s*$/.test(lines[i - 1]) && !/<<-?['"]?\w+/.test(lines[i - 1])).map((v, i) => (v ? i : -1)).filter((i) => i > 0);
    const at = ok.length ? ok[m.at % ok.length] : lines.length;
    const t = m.text.replace(/\n/g, ' ');
    const add =
      m.kind === 'comment'
        ? [`# ${t}`]
        : m.kind === 'run'
          ? [`RUN echo '${t.replace(/'/g, '')}'`]
          : m.kind === 'continuation'
            ? ['RUN echo start \\', t.trim() ? t : '::error::x']
            : m.kind === 'heredoc'
              ? ['RUN <<EOT', t, '::error::in heredoc', 'EOT']
              : [`LABEL x="${t.replace(/["\\]/g, '')}"`];
    lines.splice(at, 0, ...add);
  }
  return lines.join(eol);
}

function capture(cwd: string): { io: Io; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (d) => (o += d));
  stderr.on('data', (d) => (e += d));
  return { io: { stdout, stderr, stdin: new PassThrough(), env: { NO_COLOR: '1' }, cwd }, out: () => o, err: () => e };
}

async function run(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const c = capture(cwd);
  const code = await main(['node', 'dockerfix', ...args], c.io);
  return { code, stdout: c.out(), stderr: c.err() };
}

const OWN_ANNOTATION = /^::(warning|notice|error) [^\n]*title=dockerfix[^\n]*::/;

function commandLines(s: string, github: boolean): string[] {
  return s.split('\n').filter((l) => /^[\s\u0085]*::/.test(l) && !(github && OWN_ANNOTATION.test(l)));
}

function rawControls(s: string): string[] {
  return [...s.replace(/\r\n/g, '\n').matchAll(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g)].map((m) => JSON.stringify(m[0]));
}

describe.skipIf(corpusFiles.length === 0)('hostile fuzz over the corpus (skipped when ../shared/corpus is missing)', () => {
  let root: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-hostile-'));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('no workflow command, no raw control character, and the diff applies', { timeout: 600_000 }, async () => {
    let n = 0;
    let applied = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat(corpusFiles.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }), dirName, async (fileIndex, ms, name) => {
        const dir = path.join(root, String(n++));
        const text = mutate(fs.readFileSync(corpusFiles[fileIndex], 'utf8'), ms);
        const rel = `${name}/Dockerfile`;
        fs.mkdirSync(path.join(dir, name), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), text);
        for (const args of [['--format', 'github'], [], ['--check'], ['--format', 'github', '--check']]) {
          const r = await run([...args, '--no-context', '.'], dir);
          const github = args.includes('github');
          expect(commandLines(r.stdout, github), `stdout of ${args.join(' ')}`).toEqual([]);
          expect(commandLines(r.stderr, false), `stderr of ${args.join(' ')}`).toEqual([]);
          expect(rawControls(r.stdout), `stdout of ${args.join(' ')}`).toEqual([]);
          expect(rawControls(r.stderr), `stderr of ${args.join(' ')}`).toEqual([]);
          if (args.length === 0 && r.code === 0 && (r.stdout.startsWith('--- ') || r.stdout.includes('\n--- ')) && !r.stdout.includes('are shown escaped')) {
            const diff = r.stdout.startsWith('--- ') ? r.stdout : r.stdout.slice(r.stdout.indexOf('\n--- ') + 1);
            const patched = spawnSync('git', ['apply'], { cwd: dir, input: diff, encoding: 'utf8' });
            expect(patched.status, patched.stderr).toBe(0);
            const after = fs.readFileSync(path.join(dir, rel), 'utf8');
            fs.writeFileSync(path.join(dir, rel), text);
            expect((await run(['--write', '--no-context', '.'], dir)).code).toBe(0);
            expect(after).toBe(fs.readFileSync(path.join(dir, rel), 'utf8'));
            applied++;
          }
        }
        fs.rmSync(dir, { recursive: true, force: true });
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    // The diff property is not vacuous: some runs changed their file and applied the diff.
    expect(applied).toBeGreaterThan(0);
  });
});
