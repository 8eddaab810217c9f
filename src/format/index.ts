/**
 * `format(text, options)`: the dockerfix formatter. It prints the file in dockerfix style (see
 * `printer.ts`) and then proves it changed nothing BuildKit cares about: the semantic dump of the
 * output must equal the dump of the input (`dump.ts`), else the input is returned unchanged with
 * an internal error.
 */
import { lex } from '../core/lexer.js';
import { InputError, dominantEol } from '../core/source.js';
import { dumpDifference, dumpNodes, sameDump, type DumpItem } from './dump.js';
import { printDockerfile, type Printer } from './printer.js';
import { FREE_MAP_RING_BYTES, type LogicalLine } from './scan.js';

export { semanticDump, dumpDifference, type DumpItem, type DumpLevel } from './dump.js';
export { printDockerfile, type Printer, type PrintInput, type PrintOptions } from './printer.js';

export interface FormatOptions {
  /** Spaces of indentation for continuation lines (default 4). */
  indent?: number;
  /** Indent continuation lines with a tab. */
  useTabs?: boolean;
  /** Line endings of the output: `auto` keeps the file's most common one (default). */
  endOfLine?: 'auto' | 'lf' | 'crlf';
}

export interface FormatError {
  kind: 'parse' | 'internal';
  message: string;
  line: number;
  column: number;
}

export interface FormatResult {
  /** The formatted text (the input itself when nothing changed or on error). A BOM is kept. */
  output: string;
  changed: boolean;
  error?: FormatError;
}

export const DEFAULT_INDENT = 4;

/** Format a Dockerfile. Never throws for bad input: parse problems come back as `error`. */
export function format(text: string, options: FormatOptions = {}): FormatResult {
  return formatWith(text, options, printDockerfile);
}

/** `format` with another printer (tests use a broken one to prove the guard works). */
export function formatWith(input: string, options: FormatOptions, printer: Printer): FormatResult {
  const bom = input.charCodeAt(0) === 0xfeff;
  const text = bom ? input.slice(1) : input;
  const unchanged = (error?: FormatError): FormatResult => ({ output: input, changed: false, ...(error ? { error } : {}) });
  let lexed;
  try {
    lexed = lex(text);
  } catch (e) {
    if (e instanceof InputError) return unchanged({ kind: 'parse', message: e.message, line: e.line, column: e.column });
    throw e;
  }
  const indentWidth = options.indent ?? DEFAULT_INDENT;
  const indent = options.useTabs ? '\t' : ' '.repeat(Math.max(0, Math.min(16, Math.floor(indentWidth))));
  const eol = options.endOfLine === 'lf' ? '\n' : options.endOfLine === 'crlf' ? '\r\n' : text.indexOf('\r') === -1 ? '\n' : dominantEol(text);
  let printed: string;
  // The printer's logical lines of the input, reused by its semantic dump. Their free maps live
  // in a ring buffer (scan.ts) that a text this long cannot wrap around before the dump.
  const lines: Array<LogicalLine | undefined> = [];
  const reuse = text.length < FREE_MAP_RING_BYTES / 2;
  try {
    printed = printer({ text, nodes: lexed.nodes, escape: lexed.escape, ...(reuse ? { lines } : {}) }, { indent, eol });
  } catch (e) {
    return unchanged({ kind: 'internal', message: `formatter crashed: ${(e as Error).message}`, line: 1, column: 1 });
  }
  if (printed === text) return unchanged();
  let problem: string | null;
  try {
    const out = lex(printed);
    // The usual case first: the dumps shown equal without building them in full. The input's
    // logical lines from the printer stay valid while the maps built since (at most both texts'
    // length; a wrap of the ring wastes less than a sixteenth of it) cannot come round to them.
    const inputLines = reuse && text.length + printed.length < FREE_MAP_RING_BYTES / 2 ? lines : undefined;
    if (out.escape === lexed.escape && sameDump({ text, nodes: lexed.nodes, lines: inputLines }, { text: printed, nodes: out.nodes }, out.escape)) {
      return { output: bom ? '\ufeff' + printed : printed, changed: true };
    }
    if (out.escape !== lexed.escape) {
      problem = dumpDifference(dumpNodes(text, lexed.nodes, lexed.escape), dumpNodes(printed, out.nodes, out.escape)) ?? 'the escape character changed';
    } else {
      // Instructions printed exactly as written have the same items on both sides: the output's
      // dump takes them from the input's instead of building them again.
      const record = new Map<string, DumpItem[]>();
      // Not the printer's lines: building the output's above may have reused their maps' memory.
      const before = dumpNodes(text, lexed.nodes, lexed.escape, 'strict', { record });
      problem = dumpDifference(before, dumpNodes(printed, out.nodes, out.escape, 'strict', { reuse: record }));
    }
  } catch (e) {
    problem = `the formatted text does not parse: ${(e as Error).message}`;
  }
  if (problem) {
    return unchanged({
      kind: 'internal',
      message: `formatter self-check failed, file left unchanged (${problem})`,
      line: 1,
      column: 1,
    });
  }
  return { output: bom ? '\ufeff' + printed : printed, changed: true };
}
