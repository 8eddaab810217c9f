/**
 * The formatter over every Dockerfile of the shared corpus: no crash, no error, the semantic
 * dump unchanged, and formatting the output again changes nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import { format, semanticDump } from '../src/format/index.js';
import { decode } from '../src/core/source.js';
import { CORPUS_CASES, corpusFor } from './helpers/corpus.js';

// The shared corpus (test/helpers/corpus.ts says where; DOCKERFIX_SHARED / DOCKERFIX_CORPUS).
const CASES = CORPUS_CASES;
const present = corpusFor('format corpus suite');
if (!present) console.log(`format corpus: skipped, ${CASES} is absent`);

describe.skipIf(!present)('formatter over the shared corpus', () => {
  it('is idempotent, keeps the semantic dump and never crashes', () => {
    let files = 0;
    let changed = 0;
    let parseErrors = 0;
    const problems: string[] = [];
    for (const id of fs.readdirSync(CASES).sort()) {
      const file = path.join(CASES, id, 'Dockerfile');
      if (!fs.existsSync(file)) continue;
      files++;
      let text: string;
      try {
        text = decode(fs.readFileSync(file)).text;
      } catch {
        parseErrors++;
        continue;
      }
      let r;
      try {
        r = format(text);
      } catch (e) {
        problems.push(`${id}: crash ${(e as Error).message}`);
        continue;
      }
      if (r.error?.kind === 'parse') {
        parseErrors++;
        continue;
      }
      if (r.error) {
        problems.push(`${id}: ${r.error.message}`);
        continue;
      }
      if (r.changed) changed++;
      if (JSON.stringify(semanticDump(r.output)) !== JSON.stringify(semanticDump(text))) problems.push(`${id}: semantic dump changed`);
      // Independent check with dockerfile-ast: same instructions, flags and argument values.
      if (r.changed && JSON.stringify(astView(r.output)) !== JSON.stringify(astView(text))) problems.push(`${id}: dockerfile-ast sees a difference`);
      const again = format(r.output);
      if (again.changed || again.error) problems.push(`${id}: not idempotent`);
    }
    console.log(
      `format corpus: ${files} files, ${changed} reformatted, ${files - changed - parseErrors - problems.length} already formatted, ` +
        `${parseErrors} parse errors (left as is), ${problems.length} problems`,
    );
    expect(problems).toEqual([]);
    expect(files).toBeGreaterThan(0);
  });
});

describe.skipIf(!present)('formatter over re-laid-out corpus files', () => {
  it('stays safe and idempotent when indentation, trailing blanks, keyword case and line endings vary', () => {
    let seed = 42;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    let variants = 0;
    const problems: string[] = [];
    for (const id of fs.readdirSync(CASES).sort()) {
      const file = path.join(CASES, id, 'Dockerfile');
      if (!fs.existsSync(file)) continue;
      const lines = fs.readFileSync(file, 'utf8').split('\n').map((l) => {
        const r = rnd();
        if (r < 0.15) return ' '.repeat(Math.floor(rnd() * 6)) + l.trimStart();
        if (r < 0.25) return l + (rnd() < 0.5 ? '  ' : '\t');
        if (r < 0.3) return '\t' + l;
        if (r < 0.35) return l.replace(/^(\s*)([A-Z]+)\b/, (_m, a: string, b: string) => a + b.toLowerCase());
        return l;
      });
      const text = lines.join(rnd() < 0.2 ? '\r\n' : '\n');
      const r = format(text);
      if (r.error?.kind === 'parse') continue; // e.g. an indented heredoc terminator
      variants++;
      if (r.error) problems.push(`${id}: ${r.error.message}`);
      else if (format(r.output).changed) problems.push(`${id}: not idempotent`);
      else if (JSON.stringify(semanticDump(r.output)) !== JSON.stringify(semanticDump(text))) problems.push(`${id}: semantic dump changed`);
    }
    console.log(`format corpus variants: ${variants} re-laid-out files formatted, ${problems.length} problems`);
    expect(problems).toEqual([]);
    expect(variants).toBeGreaterThan(0);
  });
});

/** Instructions as dockerfile-ast sees them; exec-form arrays compared as parsed JSON. */
function astView(text: string): string[][] {
  return DockerfileParser.parse(text)
    .getInstructions()
    .map((i) => {
      const args = i.getArguments().map((a) => a.getValue());
      const getFlags = (i as unknown as { getFlags?: () => Array<{ getName(): string; getValue(): string | null }> }).getFlags;
      const flags = getFlags ? getFlags.call(i).map((f) => `${f.getName()}=${f.getValue()}`) : [];
      let a = args.join(' | ');
      if (args[0]?.startsWith('[')) {
        try {
          a = JSON.stringify(JSON.parse(args.join(' ')));
        } catch {
          // shell form starting with '['
        }
      }
      return [i.getKeyword(), flags.join(' '), a];
    });
}
