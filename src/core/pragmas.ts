/**
 * Inline suppression comments, applied centrally by the runner (hadolint-style: transforms need
 * not see them; the runner drops their edits and findings on ignored instructions, and applies
 * none of a change whose remaining edits would break the file or not settle). The reordering
 * transforms also read them (src/core/reorder.ts pinnedInstructions), to move nothing across or next
 * to an ignored instruction and to say so.
 *
 *   # dockerfix-ignore                       the next instruction: no transform touches it
 *   # dockerfix-ignore pip-cache-mount,x     the next instruction, for these transforms only
 *   # dockerfix-ignore-file                  the whole file is left alone
 *   # dockerfix-ignore-file pip-cache-mount  these transforms do not run on this file
 *
 * A pragma is a whole comment line (not a comment inside a continuation, not heredoc text). The
 * "next instruction" is the first instruction after the comment; blank lines and other comments
 * may stand between them. Ids may be separated by commas and/or spaces.
 */
import type { DockerfileDocument, Instruction } from './document.js';

export interface Pragmas {
  /** `# dockerfix-ignore-file` without ids: the file is left alone. */
  ignoreFile: boolean;
  /** Transform ids disabled for the whole file. */
  fileIds: Set<string>;
  /** Instruction index -> 'all' or the transform ids ignored on it. */
  instructions: Map<number, 'all' | Set<string>>;
}

const PRAGMA = /^#\s*dockerfix-ignore(-file)?(?:\s+(.*?))?\s*$/;

/** Parse one comment line; null when it is not a pragma. */
export function parsePragma(line: string): { file: boolean; ids: string[] } | null {
  const m = PRAGMA.exec(line.trim());
  if (!m) return null;
  const ids = (m[2] ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  return { file: m[1] !== undefined, ids };
}

/** Pragmas per document: read once (the runner, split-copy and every stage of the reordering transforms ask). */
const pragmasOf = new WeakMap<DockerfileDocument, Pragmas>();

/** The document's pragmas (computed once per document; treat the result as read-only). */
export function readPragmas(doc: DockerfileDocument): Pragmas {
  let p = pragmasOf.get(doc);
  if (!p) pragmasOf.set(doc, (p = scanPragmas(doc)));
  return p;
}

function scanPragmas(doc: DockerfileDocument): Pragmas {
  const out: Pragmas = { ignoreFile: false, fileIds: new Set(), instructions: new Map() };
  if (!doc.text.includes('dockerfix-ignore')) return out;
  let pending: 'all' | Set<string> | null = null;
  let instrIndex = 0;
  for (const node of doc.nodes) {
    if (node.type === 'comment') {
      const p = parsePragma(doc.text.slice(node.start, node.end));
      if (!p) continue;
      if (p.file) {
        if (p.ids.length === 0) out.ignoreFile = true;
        for (const id of p.ids) out.fileIds.add(id);
      } else if (p.ids.length === 0 || pending === 'all') pending = 'all';
      else {
        pending ??= new Set();
        for (const id of p.ids) pending.add(id);
      }
    } else if (node.type === 'instruction') {
      if (pending) out.instructions.set(instrIndex, pending);
      pending = null;
      instrIndex++;
    }
  }
  return out;
}

export function hasPragmas(p: Pragmas): boolean {
  return p.ignoreFile || p.fileIds.size > 0 || p.instructions.size > 0;
}

/** Instructions a transform must leave alone. */
export function ignoredInstructions(doc: DockerfileDocument, p: Pragmas, transformId: string): Instruction[] {
  const out: Instruction[] = [];
  for (const [i, ids] of p.instructions) {
    if (ids === 'all' || ids.has(transformId)) {
      const instr = doc.instructions[i];
      if (instr) out.push(instr);
    }
  }
  return out;
}

/** Whether [start, end) touches the instruction (its lines including heredoc bodies and EOL). */
export function touches(instr: Instruction, start: number, end: number): boolean {
  const a = instr.start;
  const b = instr.next;
  // An insertion at the very start of the instruction adds lines before it: not a change to it.
  // At its end it is one when the instruction has no line ending (the last line of a file
  // without a final newline): the text would continue that line.
  if (start === end) return (start > a && start < b) || (start === b && instr.end === b);
  return start < b && end > a;
}
