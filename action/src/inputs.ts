/**
 * The Action's inputs, parsed without a shell: `args` is split into words as a POSIX shell
 * would (quotes group, backslash escapes; nothing is expanded), `paths` is one path or glob per
 * line (spaces belong to the path), and globs are expanded as prettier and eslint expand them:
 * a path that exists is taken literally, otherwise a pattern is matched (dot files included)
 * against the workspace, skipping node_modules, .git and the other directories the CLI skips.
 */
import fs from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import { DOCKERFILE_PATTERNS, NOT_DOCKERFILES, SKIPPED_DIRS } from '../../src/cli/discover.js';

export class InputError extends Error {}

/** Split `args` into words: single quotes literal, double quotes with `\"` and `\\`, backslash outside quotes. */
export function splitArgs(s: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw new InputError('args: a single quote is not closed');
      word += s.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) {
        if (s[j] === '\\' && (s[j + 1] === '"' || s[j + 1] === '\\' || s[j + 1] === '$' || s[j + 1] === '`')) j++;
        word += s[j];
      }
      if (j >= s.length) throw new InputError('args: a double quote is not closed');
      i = j;
      inWord = true;
    } else if (c === '\\' && i + 1 < s.length) {
      if (s[i + 1] !== '\n') word += s[i + 1];
      i++;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** Options the action sets itself: given in `args` they would break how it reads the result. */
const RESERVED = new Map([
  ['--format', 'the format input'],
  ['-f', 'the format input'],
  ['--output', 'nothing (the action writes the job summary)'],
  ['-o', 'nothing (the action writes the job summary)'],
  ['--write', 'nothing: the action only checks (commit the result of dockerfix --write instead)'],
  ['-w', 'nothing: the action only checks (commit the result of dockerfix --write instead)'],
  ['--check', 'nothing (the action always checks)'],
  ['-c', 'nothing (the action always checks)'],
  ['--stdin', 'the paths input'],
  ['-', 'the paths input'],
  ['--stdin-filepath', 'the paths input'],
]);

/** The `args` words, refusing the options the action owns. */
export function parseArgs(s: string): string[] {
  const words = splitArgs(s);
  for (const w of words) {
    const name = w.startsWith('--') ? w.split('=')[0] : w.startsWith('-') && w.length > 2 && !w.startsWith('--') ? w.slice(0, 2) : w;
    const use = RESERVED.get(name);
    if (use) throw new InputError(`args: ${name} is set by the action; use ${use}`);
  }
  return words;
}

/** `paths`: one path or glob per line; blank lines and `#` comment lines are skipped. */
export function parsePathLines(s: string): string[] {
  const lines = s
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  return lines.length ? lines : ['.'];
}

const GLOB = /[*?[\]{}]|^!|\(.*\|.*\)/;
const SKIP = new Set(SKIPPED_DIRS);
const isDockerfile = picomatch([...DOCKERFILE_PATTERNS], { dot: true, ignore: [...NOT_DOCKERFILES] });

/** Expand the lines of `paths` against `cwd`: existing paths as they are, patterns to the Dockerfiles they match (sorted). */
export function expandPaths(lines: readonly string[], cwd: string): string[] {
  const out: string[] = [];
  for (const line of lines) {
    if (fs.existsSync(path.resolve(cwd, line)) || !GLOB.test(line)) {
      out.push(line);
      continue;
    }
    const pattern = line.replace(/\\/g, '/').replace(/^\.\//, '');
    const matches = picomatch(pattern, { dot: true });
    const base = picomatch.scan(pattern).base;
    const found: string[] = [];
    const walk = (rel: string): void => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(path.join(cwd, rel), { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        const p = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) {
          if (SKIP.has(e.name)) continue;
          if (matches(p)) found.push(p);
          else walk(p);
        } else if (e.isFile() && matches(p) && isDockerfile(p)) found.push(p);
      }
    };
    walk(base && base !== '.' ? base : '');
    if (found.length === 0) throw new InputError(`paths: no Dockerfile or directory matches the pattern ${JSON.stringify(line)}`);
    out.push(...found);
  }
  return out;
}

/** A boolean input as @actions/core reads one (true/True/TRUE, false/False/FALSE). */
export function parseBoolean(name: string, value: string): boolean {
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  if (['false', 'False', 'FALSE'].includes(value)) return false;
  throw new InputError(`${name} must be true or false, not ${JSON.stringify(value)}`);
}

/** One of `choices`. */
export function parseChoice<T extends string>(name: string, value: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new InputError(`${name} must be ${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}, not ${JSON.stringify(value)}`);
}
