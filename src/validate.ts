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

type ParseFn = (text: string) => ReturnType<typeof Parser.parse>;
let light: ParseFn | null | undefined;

/**
 * dockerfile-ast's own parser with one change: RUN, COPY and ADD are built without the
 * exec-form (JSON) analysis their constructors run eagerly. That analysis splits the whole
 * argument text into positioned words three to four times over; the cross-check reads only the
 * instruction boundaries (the parser's scan, unchanged), the keyword and the flags (the
 * instruction classes' own `getFlags`, unchanged), so it costs most of the time and the garbage
 * of the check for nothing. Built on the package's internal modules (dockerfile-ast has no
 * `exports` map); when they are not as expected, the public parser is used.
 */
export function lightParser(): ParseFn | null {
  if (light !== undefined) return light;
  light = null;
  try {
    const req = createRequire(import.meta.url);
    const { Parser: Internal } = req('dockerfile-ast/lib/parser');
    const { ModifiableInstruction } = req('dockerfile-ast/lib/modifiableInstruction');
    const classes: Record<string, unknown> = {
      RUN: req('dockerfile-ast/lib/instructions/run').Run,
      COPY: req('dockerfile-ast/lib/instructions/copy').Copy,
      ADD: req('dockerfile-ast/lib/instructions/add').Add,
    };
    const { Range } = req('vscode-languageserver-types');
    const base = Internal.prototype.createInstruction;
    if (typeof base !== 'function' || typeof ModifiableInstruction !== 'function' || Object.values(classes).some((c) => typeof c !== 'function')) return null;
    class LightParser extends Internal {
      createInstruction(this: any, dockerfile: unknown, instruction: string, start: number, instructionEnd: number, end: number): unknown {
        const cls = classes[instruction.toUpperCase()];
        if (!cls) return base.call(this, dockerfile, instruction, start, instructionEnd, end);
        const startPosition = this.document.positionAt(start);
        const instructionRange = Range.create(startPosition, this.document.positionAt(instructionEnd));
        const lineRange = Range.create(startPosition, this.document.positionAt(end));
        // The prototype (and so getFlags and the flag rules) is the keyword's class; only the
        // JSON analysis of its constructor is skipped.
        return Reflect.construct(ModifiableInstruction, [this.document, lineRange, dockerfile, this.escapeChar, instruction, instructionRange], cls as new () => unknown);
      }
    }
    light = (text) => new LightParser().parse(text);
  } catch {
    light = null;
  }
  return light;
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
      const source = prefix + text.replace(/\r\n/g, '\n');
      // Heredoc instructions go through the public parser: its heredoc pass reads more of the
      // instruction than the light one builds.
      const fast = instr.heredocs.length === 0 ? lightParser() : null;
      parsed = fast ? fast(source) : dockerfileParser().parse(source);
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
