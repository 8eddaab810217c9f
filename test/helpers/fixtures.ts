/**
 * Fixture cases: `fixtures/<transform-id>/<case>/` holds
 *   Dockerfile               the input (bytes as they are: CRLF, BOM, escape kept)
 *   expected.Dockerfile      the expected output; absent means "must stay byte-identical"
 *   context/                 the build context (optional; absent means no context is known)
 *   expected-findings.txt    optional: one finding a line, `<line> <kind> <transform>/<code>`; a
 *                            line may add `: <message>` to pin the prose too (golden cases:
 *                            `_combined`, so rewording a message churns few files)
 *   options.json             optional: { transforms?: string[], unsafe?: boolean, syntax?: string }
 * `<transform-id>` selects that transform (plus syntax-directive unless options say otherwise);
 * `fixtures/_combined/<case>` runs every transform.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DirectoryContext, NoContext } from '../../src/core/context.js';
import { processText, type FileOutcome } from '../../src/pipeline/engine.js';
import type { Finding } from '../../src/core/types.js';
import { withOption } from '../../src/core/transform-options.js';
import { loadTransforms, transformIds } from '../../transforms/index.js';
import type { Options } from '../../src/core/types.js';

export const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures');

export interface FixtureCase {
  group: string;
  name: string;
  dir: string;
  input: string;
  expected: string | null;
  expectedFindings: string[] | null;
  options: { transforms?: string[]; unsafe?: boolean; syntax?: string; targets?: string[]; transformOptions?: Options['transformOptions'] };
}

export function listFixtureCases(root = FIXTURES): FixtureCase[] {
  const out: FixtureCase[] = [];
  if (!fs.existsSync(root)) return out;
  for (const group of fs.readdirSync(root).sort()) {
    const gdir = path.join(root, group);
    if (!fs.statSync(gdir).isDirectory() || group === 'demo') continue;
    for (const name of fs.readdirSync(gdir).sort()) {
      const dir = path.join(gdir, name);
      const input = path.join(dir, 'Dockerfile');
      if (!fs.existsSync(input)) continue;
      const read = (f: string): string | null => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), 'utf8') : null);
      const findings = read('expected-findings.txt');
      out.push({
        group,
        name,
        dir,
        input: fs.readFileSync(input, 'utf8'),
        expected: read('expected.Dockerfile'),
        expectedFindings: findings === null ? null : findings.split('\n').filter((l) => l.trim() !== ''),
        options: JSON.parse(read('options.json') ?? '{}'),
      });
    }
  }
  return out;
}

/** Runs a case through the same pipeline as the CLI and the API (src/pipeline/engine.ts). */
export async function runFixture(c: FixtureCase, input = c.input): Promise<FileOutcome & { text: string; findings: Finding[] }> {
  const ids = c.options.transforms ?? (c.group === '_combined' ? transformIds() : [c.group, 'syntax-directive'].filter((x, i, a) => a.indexOf(x) === i));
  const transforms = await loadTransforms(ids);
  const ctxDir = path.join(c.dir, 'context');
  const buildContext = fs.existsSync(ctxDir) ? new DirectoryContext(ctxDir, path.join(ctxDir, 'Dockerfile')) : new NoContext();
  const r = processText(input, 'Dockerfile', {
    transforms,
    buildContext,
    options: {
      unsafe: c.options.unsafe ?? false,
      ...(c.options.targets ? { targets: c.options.targets } : {}),
      // `syntax` in options.json is syntax-directive's option.
      transformOptions: c.options.syntax ? withOption(c.options.transformOptions ?? {}, 'syntax-directive', 'syntax', c.options.syntax) : (c.options.transformOptions ?? {}),
    },
  });
  return { ...r, text: r.after };
}

/** `<line> <kind> <transform>/<code>`, and `: <message>` with `prose`. */
export function formatFinding(f: { line: number; kind: string; transform: string; code: string; message: string }, prose = false): string {
  return `${f.line} ${f.kind} ${f.transform}/${f.code}${prose ? `: ${f.message}` : ''}`;
}

/** Whether an expected-findings line pins the message too. */
export function hasProse(line: string): boolean {
  return /^\d+ \S+ \S+: /.test(line);
}
