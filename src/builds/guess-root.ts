/**
 * When no build definition names a Dockerfile's context: do its COPY/ADD sources exist in its own
 * folder? If some do not, but all of them exist in a parent folder (up to the git root), the
 * context is probably that folder. Only a hint for a note; never used as the context.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DockerfileDocument } from '../core/document.js';
import { gitRoot } from '../pipeline/fsio.js';

export interface ContextGuess {
  /** The folder where every source exists. */
  dir: string;
  /** The first source missing from the Dockerfile's folder, as written, and its line. */
  source: string;
  line: number;
  keyword: string;
}

function exists(p: string): boolean {
  try {
    fs.statSync(p);
    return true;
  } catch {
    return false;
  }
}

/** Local COPY/ADD sources (no --from, no URL, no variable or glob, no heredoc), with their lines. */
function localSources(doc: DockerfileDocument): Array<{ source: string; line: number; keyword: string }> {
  const out: Array<{ source: string; line: number; keyword: string }> = [];
  for (const instr of doc.instructions) {
    if (instr.upper !== 'COPY' && instr.upper !== 'ADD') continue;
    if (instr.flags.some((f) => f.name === 'from')) continue;
    const words = instr.json ?? instr.args().map((w) => (w.dynamic ? '\0' : w.value));
    for (const s of words.slice(0, -1)) {
      if (s.includes('\0') || s.startsWith('<<') || /^[a-z]+:\/\//i.test(s) || /^git@/.test(s) || /[*?[$]/.test(s)) continue;
      const clean = path.posix.normalize(s.replace(/^\/+/, '') || '.');
      if (clean === '.' || clean.startsWith('..')) continue;
      out.push({ source: s, line: instr.line, keyword: instr.upper });
    }
  }
  return out;
}

/** `root`: the git root of the Dockerfile's folder, when the caller knows it. */
export function guessContext(dockerfile: string, text: string, root = gitRoot(path.dirname(dockerfile))): ContextGuess | null {
  const dir = path.dirname(dockerfile);
  if (!root || root === dir) return null;
  let doc: DockerfileDocument;
  try {
    doc = new DockerfileDocument(text);
  } catch {
    return null;
  }
  const sources = localSources(doc);
  const rel = (s: string): string => path.posix.normalize(s.replace(/^\/+/, ''));
  const missing = sources.filter((s) => !exists(path.join(dir, rel(s.source))));
  if (missing.length === 0) return null;
  let d = path.dirname(dir);
  for (;;) {
    if (sources.every((s) => exists(path.join(d, rel(s.source))))) return { dir: d, source: missing[0].source, line: missing[0].line, keyword: missing[0].keyword };
    if (d === root) return null;
    const parent = path.dirname(d);
    if (parent === d) return null;
    d = parent;
  }
}
