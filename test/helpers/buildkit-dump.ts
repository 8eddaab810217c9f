/**
 * dockerfix's parse of a Dockerfile rendered in BuildKit's parser dump format (`Node.Dump()` in
 * moby/buildkit frontend/dockerfile/parser/parser.go, the format of its testfiles' `result`):
 * one line per instruction, `(keyword ["--flag" ...] "arg" ...)`, the keyword lower-cased, the
 * arguments split as BuildKit's line parsers split them (line_parsers.go) and Go-quoted.
 *
 * Everything comes from dockerfix's own model: the instruction boundaries, keyword, flags,
 * exec-form array and argument text (continuations and inner comments removed) from the lexer
 * and document, ENV/LABEL pairs from the document's `rawNameValues` (what its build state reads),
 * ARG words from `buildkitWords` (what `parseArgDecls` splits with). Only the per-keyword layout
 * of the dump is written here.
 */
import { DockerfileDocument, rawNameValues, type Instruction } from '../../src/core/document.js';
import { buildkitWords, lex, logicalView, type InstructionNode } from '../../src/core/lexer.js';

/** Go's strconv.Quote for the strings that occur in the test files. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\v') out += '\\v';
    else if (ch === '\x07') out += '\\a';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

const WS_RUN = /[\t\v\f\r ]+/;

/** The dump lines of `text` (BOM removed), or throws dockerfix's InputError. */
export function buildkitDump(text: string): string[] {
  const doc = new DockerfileDocument(text);
  return doc.instructions.map((i) => `(${dumpNode(text, i.node, doc.escape, i)})`);
}

function dumpNode(text: string, node: InstructionNode, escape: string, instr?: Instruction): string {
  let out = node.keyword.toLowerCase();
  if (node.flags.length) out += ' [' + node.flags.map((f) => goQuote(f.value === null ? `--${f.name}` : `--${f.name}=${f.value}`)).join(' ') + ']';
  const view = logicalView(text, node);
  const rest = view.text.slice(view.index(node.argsStart)).trim();
  const args = argsOf(node, rest, escape, instr ?? new DockerfileDocument(text.slice(node.start, node.next)).instructions[0]);
  if (args === null) return out;
  if (typeof args === 'string') return `${out} ${args}`;
  return [out, ...args.map(goQuote)].join(' ');
}

/** The arguments as BuildKit's line parser for the keyword splits them; a string for a nested node. */
function argsOf(node: InstructionNode, rest: string, escape: string, instr: Instruction): string[] | string | null {
  const split = (s: string): string[] | null => (s === '' ? null : s.split(WS_RUN));
  switch (node.upper) {
    case 'ADD':
    case 'COPY':
    case 'VOLUME':
      return node.json ?? split(rest);
    case 'CMD':
    case 'ENTRYPOINT':
    case 'RUN':
    case 'SHELL':
      if (node.json) return node.json.length ? node.json : null;
      return rest === '' ? null : [rest];
    case 'EXPOSE':
    case 'FROM':
      return split(rest);
    case 'MAINTAINER':
    case 'STOPSIGNAL':
    case 'USER':
    case 'WORKDIR':
      return rest === '' ? null : [rest];
    case 'ARG': {
      const words = buildkitWords(rest, escape);
      return words.length ? words : null;
    }
    case 'ENV':
    case 'LABEL': {
      const pairs = rawNameValues(instr);
      return pairs.length ? pairs.flatMap((p) => [p.key, p.value, p.sep]) : null;
    }
    case 'HEALTHCHECK': {
      if (rest === '') return null;
      const m = /\s/.exec(rest);
      const type = m ? rest.slice(0, m.index) : rest;
      const cmd = m ? rest.slice(m.index).trimStart() : '';
      // The command is exec form when dockerfix's lexer reads it as JSON in a CMD.
      const inner = cmd === '' ? [] : cmdArgs(cmd);
      return [type, ...inner];
    }
    case 'ONBUILD': {
      if (rest === '') return null;
      // The trigger is an instruction of its own: dockerfix's lexer reads it.
      const sub = lex(rest, escape).nodes.find((n): n is InstructionNode => n.type === 'instruction');
      return sub ? `(${dumpNode(rest, sub, escape)})` : null;
    }
    default:
      // parseIgnore: an empty node.
      return [''];
  }
}

function cmdArgs(cmd: string): string[] {
  const probe = `CMD ${cmd}`;
  const node = lex(probe).nodes.find((n): n is InstructionNode => n.type === 'instruction')!;
  if (node.json) return node.json;
  return [cmd];
}
