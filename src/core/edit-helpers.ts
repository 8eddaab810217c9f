/**
 * Building minimal edits: inserting flags after a keyword, removing a word together with the
 * whitespace (or the whole continuation line) that only existed for it.
 */
import type { DockerfileDocument, Instruction } from './document.js';
import type { Flag } from './lexer.js';
import { nestedScript, type ShellCommand, type Word } from './shell.js';
import type { Edit } from './types.js';

/** Parse `--mount=type=cache,target=/x,sharing=locked` into its key/value options. */
export function mountOptions(flag: Flag): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of splitCsv(flag.value ?? '')) {
    const eq = part.indexOf('=');
    const k = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    const v = eq === -1 ? 'true' : part.slice(eq + 1).trim();
    out.set(k === 'dst' || k === 'destination' ? 'target' : k, unquote(v));
  }
  if (!out.has('type')) out.set('type', 'bind');
  return out;
}

function splitCsv(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = '';
  for (const c of s) {
    if (q) {
      if (c === q) q = '';
      cur += c;
    } else if (c === '"' || c === "'") {
      q = c;
      cur += c;
    } else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur) out.push(cur);
  return out;
}

function unquote(s: string): string {
  return s.length >= 2 && (s[0] === '"' || s[0] === "'") && s.endsWith(s[0]) ? s.slice(1, -1) : s;
}

/** Targets of the RUN's existing `--mount` flags, normalised (no trailing slash). */
export function mountTargets(instr: Instruction): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const f of instr.flagsNamed('mount')) {
    const o = mountOptions(f);
    const t = o.get('target');
    if (t) out.set(trimSlash(t), o);
  }
  return out;
}

export function trimSlash(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

/**
 * Insert flags after the keyword and any existing flags. One flag, or a RUN on a single line:
 * inline (`RUN --mount=... cmd`). Several flags on a RUN already spread over lines: one flag a
 * line, continued with the file's escape character, indented like the next line.
 */
export function insertFlagsEdit(doc: DockerfileDocument, instr: Instruction, flags: string[]): Edit {
  const at = instr.flagsInsert;
  const text = doc.text;
  const nl = text.indexOf('\n', at);
  const multiline = nl !== -1 && nl < instr.node.logicalEnd;
  let restStart = at;
  while (restStart < text.length && (text[restStart] === ' ' || text[restStart] === '\t')) restStart++;
  const restIsContinuation = text[restStart] === doc.escape && /^[ \t]*\r?\n/.test(text.slice(restStart + 1, restStart + 3));
  if (flags.length === 1 || !multiline || restIsContinuation) {
    return { start: at, end: at, text: flags.map((f) => ' ' + f).join('') };
  }
  const eol = doc.eolAt(at);
  const nextLineIndent = doc.indentAt(nl + 1) || '    ';
  const sep = ` ${doc.escape}${eol}${nextLineIndent}`;
  return { start: at, end: restStart, text: ' ' + flags.join(sep) + sep };
}

/**
 * Remove a word of a command. When it is alone on a continuation line, the whole line goes;
 * otherwise the word and the blanks before it (or after it, when it starts its line).
 */
export function removeWordEdit(doc: DockerfileDocument, word: Word): Edit {
  const text = doc.text;
  const lineStart = doc.lineStart(word.start);
  let lineEnd = text.indexOf('\n', word.end);
  if (lineEnd === -1) lineEnd = text.length;
  const contentEnd = text[lineEnd - 1] === '\r' ? lineEnd - 1 : lineEnd;
  const before = text.slice(lineStart, word.start);
  const after = text.slice(word.end, contentEnd);
  const esc = doc.escape;
  const afterTrim = after.trim();
  if (/^[ \t]*$/.test(before) && afterTrim === esc && lineEnd < text.length) {
    // The word is alone on a continued line: drop the line.
    return { start: lineStart, end: lineEnd + 1, text: '' };
  }
  let s = word.start;
  while (s > lineStart && (text[s - 1] === ' ' || text[s - 1] === '\t')) s--;
  if (s === lineStart) {
    // First on its line: take the blanks after it instead, keep the indentation.
    let e = word.end;
    while (e < contentEnd && (text[e] === ' ' || text[e] === '\t')) e++;
    return { start: word.start, end: e, text: '' };
  }
  return { start: s, end: word.end, text: '' };
}

/**
 * Text of a step that is data, not commands of the step: the bodies of here-documents (a
 * Dockerfile heredoc that is not the step's script, a shell `cat > f <<'X'` inside the script),
 * here-strings, the script strings of `sh -c` / `su -c` / `eval`, and any quoted word. `block`
 * ranges (here-document bodies with their delimiter line) may not be touched at all; `word`
 * ranges may be replaced or removed whole, never edited inside.
 */
export interface ProtectedRange {
  start: number;
  end: number;
  block: boolean;
  what: string;
}

export function protectedRanges(instr: Instruction): ProtectedRange[] {
  const out: ProtectedRange[] = [];
  if (instr.json !== null) return out;
  const cmds = instr.commands();
  const script = instr.scriptHeredoc();
  for (const h of instr.heredocs) {
    if (h === script) continue;
    out.push({ start: h.bodyStart, end: h.terminatorEnd === -1 ? h.bodyEnd : h.terminatorEnd, block: true, what: `the heredoc <<${h.name}, which is data of the step, not its commands` });
  }
  for (const c of cmds) addCommandRanges(c, out);
  return out;
}

function addCommandRanges(c: ShellCommand, out: ProtectedRange[]): void {
  for (const h of c.heredocs ?? []) {
    out.push({ start: h.bodyStart, end: h.end, block: true, what: `the here-document <<${h.delimiter} (text the command reads, not commands of the step)` });
  }
  const nested = nestedScript(c);
  if (nested) {
    for (const w of nested.words) out.push({ start: w.start, end: w.end, block: false, what: `the \`${nested.via}\` string (another shell's script)` });
  }
  for (let k = 0; k < c.redirects.length; k++) {
    const r = c.redirects[k];
    if (/^\d*<<<$/.test(r.value) && c.redirects[k + 1]) {
      const t = c.redirects[k + 1];
      out.push({ start: t.start, end: t.end, block: false, what: 'a here-string' });
    }
  }
  for (const w of [...c.words, ...c.redirects]) if (w.quoted && w.end - w.start > 1) out.push({ start: w.start, end: w.end, block: false, what: 'a quoted string' });
}

/** Does `edit` change text inside `r` (see ProtectedRange)? */
function touches(edit: Edit, r: ProtectedRange): boolean {
  const { start: s, end: e } = edit;
  if (r.block) return s === e ? r.start <= s && s <= r.end : s < r.end && e >= r.start;
  if (s === e) return r.start < s && s < r.end;
  return s < r.end && e > r.start && !(s <= r.start && e >= r.end);
}

/**
 * The first of `edits` that would change data of the step (see protectedRanges), with what it
 * would change; null when every edit stays on the step's own commands. A transform that gets
 * one leaves the step alone (the safety net under the tokenizer's reading of the step).
 */
export function editInsideData(instr: Instruction, edits: Edit[]): { edit: Edit; what: string } | null {
  if (edits.length === 0) return null;
  const ranges = protectedRanges(instr);
  for (const edit of edits) {
    const r = ranges.find((x) => touches(edit, x));
    if (r) return { edit, what: r.what };
  }
  return null;
}
