/**
 * The semantic dump: what a Dockerfile means to BuildKit, with layout removed. Two files with
 * equal dumps build the same. The formatter compares the dump of its input and its output and
 * refuses to change a file when they differ.
 *
 * Per instruction: the upper-case keyword, each flag as written, the argument words as BuildKit
 * (or the shell) sees them after joining continuation lines (whitespace between words dropped,
 * every other character kept), the raw strings of an exec-form array, and each heredoc's
 * delimiter, kind and exact body. Also the parser directives and the text of every comment (not
 * semantic, but the formatter promises to keep them).
 */
import { lex, type Node } from '../lexer.js';
import { buildLogicalLine, freeWords, jsonStrings, trimmedEnd } from './scan.js';

export interface DumpItem {
  kind: 'directive' | 'comment' | 'instruction';
  keyword?: string;
  flags?: string[];
  args?: string[];
  json?: string[];
  heredocs?: Array<{ name: string; stripTabs: boolean; quoted: boolean; body: string }>;
  text?: string;
}

/** @throws InputError when the text does not lex. */
export function semanticDump(text: string): DumpItem[] {
  const r = lex(text);
  return dumpNodes(text, r.nodes, r.escape);
}

export function dumpNodes(text: string, nodes: Node[], escape: string): DumpItem[] {
  const out: DumpItem[] = [];
  for (const node of nodes) {
    if (node.type === 'blank') continue;
    if (node.type === 'directive') {
      out.push({ kind: 'directive', text: `${node.directive.name}=${node.directive.value}` });
      continue;
    }
    if (node.type === 'comment') {
      out.push({ kind: 'comment', text: text.slice(node.start, node.end).trim() });
      continue;
    }
    const l = buildLogicalLine(text, node, escape);
    for (const [s, e] of node.innerComments) out.push({ kind: 'comment', text: text.slice(s, e).trim() });
    const end = trimmedEnd(l.text, l.argsIdx);
    out.push({
      kind: 'instruction',
      keyword: node.upper,
      flags: l.flags.map(([s, e]) => l.text.slice(s, e)),
      ...(node.json !== null ? { json: jsonStrings(l.text, l.argsIdx) } : { args: freeWords(l, l.argsIdx, end) }),
      heredocs: node.heredocs.map((h) => ({ name: h.name, stripTabs: h.stripTabs, quoted: h.quoted, body: text.slice(h.bodyStart, h.bodyEnd) })),
    });
  }
  return out;
}

/** A readable description of the first difference between two dumps, or null when equal. */
export function dumpDifference(a: DumpItem[], b: DumpItem[]): string | null {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = JSON.stringify(a[i] ?? null);
    const y = JSON.stringify(b[i] ?? null);
    if (x !== y) return `item ${i + 1}: ${x} became ${y}`;
  }
  return null;
}
