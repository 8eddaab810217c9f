/**
 * The self-check's cross-check (src/core/validate.ts) builds RUN/COPY/ADD with dockerfile-ast's
 * classes but without their exec-form analysis. It must see exactly what the public parser sees:
 * the same instructions, keywords and flags, on every instruction of the corpus and of the
 * fixtures' expected outputs (which hold every kind of mount dockerfix writes).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { DockerfileDocument } from '../src/core/document.js';
import { crossCheck, flagSearchEnd, lightParser } from '../src/core/validate.js';
import { CORPUS_CASES, corpusAvailable, corpusCaseIds } from './helpers/corpus.js';

const { DockerfileParser } = createRequire(import.meta.url)('dockerfile-ast') as typeof import('dockerfile-ast');

type Parsed = ReturnType<typeof DockerfileParser.parse>;
function view(d: Parsed): string[] {
  return d.getInstructions().map((i) => {
    const flags = (i as unknown as { getFlags?: () => Array<{ getName(): string; getValue(): string | null }> }).getFlags;
    const f = typeof flags === 'function' ? flags.call(i).map((x) => `--${x.getName()}=${x.getValue()}`) : [];
    return [i.getKeyword(), ...f].join(' ');
  });
}

function texts(): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const id of corpusCaseIds()) out.push([`corpus ${id}`, fs.readFileSync(path.join(CORPUS_CASES, id, 'Dockerfile'), 'utf8')]);
  const fixtures = path.resolve(import.meta.dirname, '../fixtures');
  for (const t of fs.readdirSync(fixtures)) {
    for (const c of fs.readdirSync(path.join(fixtures, t))) {
      const f = path.join(fixtures, t, c, 'expected.Dockerfile');
      if (fs.existsSync(f)) out.push([`fixture ${t}/${c}`, fs.readFileSync(f, 'utf8')]);
    }
  }
  return out;
}

describe('cross-check parser', () => {
  const light = lightParser();

  it('uses the light parser (dockerfile-ast internals as expected)', () => {
    expect(light).not.toBeNull();
  });

  it('sees the same instructions and flags as the public dockerfile-ast parser', () => {
    let checked = 0;
    let cutChecked = 0;
    let heredocsChecked = 0;
    const differ: string[] = [];
    for (const [name, raw] of texts()) {
      let doc: DockerfileDocument;
      try {
        doc = new DockerfileDocument(raw.replace(/^\ufeff/, ''));
      } catch {
        continue;
      }
      const prefix = doc.escape === '`' ? '# escape=`\n' : '';
      for (const instr of doc.instructions) {
        const text = prefix + doc.text.slice(instr.keywordStart, instr.end).replace(/\r\n/g, '\n');
        const a = view(light!(text));
        const b = view(DockerfileParser.parse(text));
        checked++;
        if (instr.heredocs.length) heredocsChecked++;
        if (a.join('\n') !== b.join('\n')) differ.push(`${name} line ${instr.line}: ${a.join(' | ')} vs ${b.join(' | ')}`);
        // The flags read from the instruction cut after its first argument.
        const cut = instr.flags.length ? flagSearchEnd(doc, instr) : -1;
        if (cut !== -1) {
          cutChecked++;
          const c = view(light!(prefix + doc.text.slice(instr.keywordStart, cut).replace(/\r\n/g, '\n')));
          if (c.join('\n') !== b.join('\n')) differ.push(`${name} line ${instr.line} (cut): ${c.join(' | ')} vs ${b.join(' | ')}`);
        }
      }
    }
    expect(differ).toEqual([]);
    if (corpusAvailable()) expect(checked).toBeGreaterThan(10_000);
    else expect(checked).toBeGreaterThan(500);
    expect(cutChecked).toBeGreaterThan(corpusAvailable() ? 300 : 100);
    expect(heredocsChecked).toBeGreaterThan(corpusAvailable() ? 100 : 10);
  });

  it('still rejects a rewrite whose flags dockerfile-ast reads differently', () => {
    const input = new DockerfileDocument('FROM a\nRUN x\n');
    // BuildKit (and our lexer) read flags only before the first argument; dockerfile-ast keeps
    // looking past an argument that holds `--`, so it sees a flag here where we see none.
    const bad = new DockerfileDocument('FROM a\nRUN --mount=type=cache,target=/x x--y --network=none echo\n');
    expect(bad.instructions[1].flags.map((f) => f.name)).toEqual(['mount']);
    const problem = crossCheck(bad, input);
    expect(problem?.message ?? 'none').toBe('flags of the rewritten RUN differ: dockerfile-ast sees [mount, network], dockerfix [mount]');
  });
});
