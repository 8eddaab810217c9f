/**
 * Cross-check rewritten instructions with dockerfile-ast, the reference parser: every
 * instruction a transform wrote must parse there as one instruction with the same keyword and
 * flags. Only changed instructions are checked, one at a time, so the cost stays linear
 * (dockerfile-ast parses whole large files superlinearly).
 */
import { createRequire } from 'node:module';
import type { DockerfileParser as Parser } from 'dockerfile-ast';
import type { DockerfileDocument } from './document.js';

// Loaded on the first changed file: runs that change nothing never pay for it.
let parser: typeof Parser | undefined;
function dockerfileParser(): typeof Parser {
  return (parser ??= (createRequire(import.meta.url)('dockerfile-ast') as typeof import('dockerfile-ast')).DockerfileParser);
}

export interface ValidationProblem {
  offset: number;
  message: string;
}

export function crossCheck(output: DockerfileDocument, input: DockerfileDocument): ValidationProblem | null {
  const before = new Set(input.instructions.map((i) => i.text));
  const prefix = output.escape === '`' ? '# escape=`\n' : '';
  for (const instr of output.instructions) {
    if (before.has(instr.text)) continue;
    // From the keyword on: lines holding only the escape character before it belong to the
    // instruction under BuildKit's rules (and our lexer's), but dockerfile-ast would read them
    // as an instruction of their own.
    const text = output.text.slice(instr.keywordStart, instr.end);
    let parsed;
    try {
      parsed = dockerfileParser().parse(prefix + text.replace(/\r\n/g, '\n'));
    } catch (e) {
      return { offset: instr.start, message: `dockerfile-ast could not parse the rewritten ${instr.upper}: ${(e as Error).message}` };
    }
    const list = parsed.getInstructions();
    if (instr.heredocs.length > 0) {
      // dockerfile-ast does not know quoted heredoc delimiters; the keyword must still match.
      if (list.length < 1 || list[0].getKeyword() !== instr.upper) {
        return { offset: instr.start, message: `rewritten ${instr.upper} does not parse as one instruction` };
      }
      continue;
    }
    if (list.length !== 1 || list[0].getKeyword() !== instr.upper) {
      return { offset: instr.start, message: `rewritten ${instr.upper} parses as ${list.length} instruction(s) in dockerfile-ast` };
    }
    const getFlags = (list[0] as unknown as { getFlags?: () => Array<{ getName(): string }> }).getFlags;
    if (typeof getFlags === 'function' && instr.flags.length > 0) {
      const theirs = getFlags.call(list[0]).map((f) => f.getName());
      const ours = instr.flags.map((f) => f.name);
      if (theirs.join(' ') !== ours.join(' ')) {
        return { offset: instr.start, message: `flags of the rewritten ${instr.upper} differ: dockerfile-ast sees [${theirs.join(', ')}], dockerfix [${ours.join(', ')}]` };
      }
    }
  }
  return null;
}
