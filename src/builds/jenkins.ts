/**
 * Jenkins pipelines (`Jenkinsfile`, `Jenkinsfile.<name>`): the shell steps (`sh '…'`,
 * `sh """…"""`, `sh(script: '…')`) go through the same command scanner as scripts (docker build,
 * buildx bake, kaniko), and the Docker Pipeline plugin's `docker.build('image', '<docker build
 * arguments>')` is read as `docker build <arguments>` (without them: `docker build .`).
 * `dir('sub') { … }` moves the working directory for the steps inside it. Groovy is not
 * evaluated: comments are skipped, string literals are read with their escapes, and `${…}` in a
 * double-quoted string stays an unknown variable (the entry gets a note).
 */
import path from 'node:path';
import { LineIndex } from '../core/source.js';
import { scanCommands } from './command.js';
import type { Sink } from './types.js';

export const JENKINS_FILE = /^Jenkinsfile(\.[A-Za-z0-9_.-]+)?$/;

interface Literal {
  value: string;
  /** Offset of the literal's first content character. */
  start: number;
  /** Offset after the closing quote. */
  end: number;
}

/** The string literal starting at `i` (a quote), or null. */
function literalAt(text: string, i: number): Literal | null {
  const q = text[i];
  if (q !== "'" && q !== '"') return null;
  const triple = text.startsWith(q.repeat(3), i);
  const open = triple ? 3 : 1;
  let out = '';
  let j = i + open;
  for (;;) {
    if (j >= text.length) return null;
    const c = text[j];
    if (c === '\\' && j + 1 < text.length) {
      const n = text[j + 1];
      out += n === 'n' ? '\n' : n === 't' ? '\t' : n === '\n' ? '' : n;
      j += 2;
      continue;
    }
    if (triple ? text.startsWith(q.repeat(3), j) : c === q) return { value: out, start: i + open, end: j + open };
    if (!triple && c === '\n') return null;
    out += c;
    j++;
  }
}

/** Offset after the comment starting at `i`, or `i` when none starts there. */
function skipComment(text: string, i: number): number {
  if (text.startsWith('//', i)) {
    const nl = text.indexOf('\n', i);
    return nl === -1 ? text.length : nl;
  }
  if (text.startsWith('/*', i)) {
    const end = text.indexOf('*/', i + 2);
    return end === -1 ? text.length : end + 2;
  }
  return i;
}

function skipSpace(text: string, i: number): number {
  for (;;) {
    while (i < text.length && /\s/.test(text[i])) i++;
    const j = skipComment(text, i);
    if (j === i) return i;
    i = j;
  }
}

const WORD = /[A-Za-z_][A-Za-z0-9_.]*/y;

export function readJenkinsfile(file: string, text: string, sink: Sink): void {
  const root = path.dirname(file);
  const base = path.basename(file);
  const what = base === 'Jenkinsfile' ? 'Jenkinsfile' : `Jenkinsfile ${base}`;
  // Binary search over line starts: a big file with many steps stays linear.
  const lines = new LineIndex(text);
  const lineOf = (offset: number): number => lines.position(offset).line;
  /** Open `dir(…) {` blocks: the brace depth they close at and the folder they set. */
  const dirs: Array<{ depth: number; cwd: string }> = [];
  const cwd = (): string => dirs.at(-1)?.cwd ?? root;
  let depth = 0;
  /** A `dir('x')` just read, waiting for its `{`. */
  let pendingDir: string | null = null;
  let i = 0;
  while (i < text.length) {
    const skipped = skipComment(text, i);
    if (skipped !== i) {
      i = skipped;
      continue;
    }
    const c = text[i];
    if (c === "'" || c === '"') {
      // A literal not read as a step's argument: skip it whole (braces inside do not count).
      const lit = literalAt(text, i);
      i = lit ? lit.end : i + 1;
      continue;
    }
    if (c === '{') {
      depth++;
      if (pendingDir !== null) dirs.push({ depth, cwd: pendingDir });
      pendingDir = null;
      i++;
      continue;
    }
    if (c === '}') {
      if (dirs.length && dirs[dirs.length - 1].depth === depth) dirs.pop();
      depth--;
      i++;
      continue;
    }
    WORD.lastIndex = i;
    const word = WORD.exec(text);
    if (!word || (i > 0 && /[A-Za-z0-9_.$]/.test(text[i - 1]))) {
      i++;
      continue;
    }
    const name = word[0];
    let j = skipSpace(text, i + name.length);
    const paren = text[j] === '(';
    if (paren) j = skipSpace(text, j + 1);
    if (name === 'sh' && paren && text.startsWith('script', j)) {
      // sh(script: '…', returnStdout: true)
      const k = skipSpace(text, j + 'script'.length);
      if (text[k] === ':') j = skipSpace(text, k + 1);
    }
    if (name === 'sh' || name === 'dir' || name === 'docker.build') {
      const lit = literalAt(text, j);
      if (!lit) {
        i += name.length;
        continue;
      }
      const line = lineOf(lit.start);
      if (name === 'sh') {
        scanCommands(lit.value, { file, line, cwd: cwd(), what }, sink);
      } else if (name === 'dir') {
        pendingDir = path.resolve(cwd(), lit.value);
      } else {
        // docker.build('image'[, 'args']): the args are docker build's, context included.
        let k = skipSpace(text, lit.end);
        let args = '.';
        if (text[k] === ',') {
          k = skipSpace(text, k + 1);
          const second = literalAt(text, k);
          if (second) args = second.value;
        }
        scanCommands(`docker build ${args}`, { file, line, cwd: cwd(), what: `${what} docker.build` }, sink);
      }
      i = lit.end;
      continue;
    }
    i += name.length;
  }
}
