/**
 * Cross-check rewritten instructions with dockerfile-ast, the reference parser: every
 * instruction a transform wrote must parse there as one instruction with the same keyword and
 * flags. Only changed instructions are checked, one at a time, so the cost stays linear
 * (dockerfile-ast parses whole large files superlinearly).
 */
import { createRequire } from 'node:module';
import type { DockerfileParser as Parser } from 'dockerfile-ast';
import type { DockerfileDocument, Instruction } from './document.js';

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
    // Heredoc instructions too: dockerfile-ast's heredoc pass reads the keyword and the
    // arguments (getArguments, the class's own), never the exec-form analysis the light parser
    // skips (test/validate.test.ts compares both parsers on every heredoc instruction as well).
    const fast = lightParser();
    try {
      const source = prefix + text.replace(/\r\n/g, '\n');
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
    let flagged = list[0];
    // The flags are read from the instruction cut after its first argument when that word
    // ends dockerfile-ast's flag search on its own (see flagSearchEnd): it splits every word of
    // the instruction into positioned arguments to find them, which is most of the check's
    // cost on a long install step.
    const cut = instr.flags.length > 0 && fast ? flagSearchEnd(output, instr) : -1;
    if (cut !== -1) {
      const head = fast!(prefix + output.text.slice(instr.keywordStart, cut).replace(/\r\n/g, '\n')).getInstructions();
      if (head.length === 1) flagged = head[0];
    }
    const getFlags = (flagged as unknown as { getFlags?: () => Array<{ getName(): string }> }).getFlags;
    if (typeof getFlags === 'function' && instr.flags.length > 0) {
      const theirs = getFlags.call(flagged).map((f) => f.getName());
      const ours = instr.flags.map((f) => f.name);
      if (theirs.join(' ') !== ours.join(' ')) {
        return { offset: instr.start, message: `flags of the rewritten ${instr.upper} differ: dockerfile-ast sees [${theirs.join(', ')}], dockerfix [${ours.join(', ')}]` };
      }
    }
  }
  return null;
}

/**
 * Where dockerfile-ast's flag search over this instruction certainly ends: after its first
 * argument, when that word is plain (no quote, no escape character, no `--`). dockerfile-ast
 * reads flags from the words after the keyword until the first word without `--` (RUN, COPY,
 * ADD), splitting words at whitespace, so the instruction cut there has the same flags.
 * -1 when the word is not plain (then the whole instruction is read).
 */
export function flagSearchEnd(doc: DockerfileDocument, instr: Instruction): number {
  const text = doc.text;
  const start = instr.node.argsStart;
  if (start >= instr.node.logicalEnd) return -1;
  let i = start;
  while (i < instr.end) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) break;
    if (c === 34 || c === 39 || text[i] === doc.escape || (c === 45 && text.charCodeAt(i + 1) === 45)) return -1;
    i++;
  }
  return i > start ? i : -1;
}

/**
 * The rewritten file's instruction list against the intended one, for one set of edits: every
 * instruction of `before` that no edit touches (an insertion right before or after it does not
 * touch it) must be an instruction of its own in `after`, at its shifted place, with the same
 * keyword and the same text. This catches what the per-instruction cross-check cannot see: an
 * edit that leaves a line continuation or a heredoc open, so that the lexer (and BuildKit) read
 * the next, unchanged instruction as words of the rewritten one. An instruction an edit touches
 * is compared by `crossCheck`. Linear: one walk over both instruction lists.
 * `edits` are sorted and do not overlap (normalizeEdits).
 */
export function checkUntouched(before: DockerfileDocument, edits: readonly { start: number; end: number; text: string }[], after: DockerfileDocument): ValidationProblem | null {
  let k = 0;
  let delta = 0;
  let j = 0;
  const theirs = after.instructions;
  for (const instr of before.instructions) {
    const s = instr.start;
    while (k < edits.length && edits[k].end <= s) {
      delta += edits[k].text.length - (edits[k].end - edits[k].start);
      k++;
    }
    if (k < edits.length && edits[k].start < instr.next) continue; // touched
    const at = s + delta;
    while (j < theirs.length && theirs[j].next <= at) j++;
    const other = theirs[j];
    // Its line ending is part of it; the last line of a file without one gains one when text is added after it.
    const eolKept = other && (other.next - other.end === instr.next - instr.end || (instr.next === instr.end && other.next - other.end <= 2));
    if (other && other.start === at && other.upper === instr.upper && other.end - other.start === instr.end - s && eolKept) continue;
    const what = `${instr.keyword} ${instr.argsText().trim()}`.replace(/\s+/g, ' ').slice(0, 40);
    const where =
      other && other.start < at
        ? `it became words of the ${other.upper} before it`
        : other && other.start === at && other.end - other.start > instr.end - s
          ? 'it now takes in the text after it'
          : 'it is not an instruction of its own there';
    return { offset: s, message: `the rewritten file does not keep \`${what}\` (line ${before.lineOf(instr.keywordStart)}) as it was: ${where} (a line continuation or heredoc left open)` };
  }
  return null;
}
