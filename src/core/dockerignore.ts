/**
 * `.dockerignore` matching with Docker's rules (moby/patternmatcher and its ignorefile reader),
 * in time linear in the path for every pattern: a pattern is compiled to a small automaton and
 * simulated state-set by state-set, so no pattern can make matching slow (`*a*a*a*…c`,
 * `**\/` repeated, `(a|a)+c`). What Docker does, and what this does the same way:
 *
 * - lines starting with `#` are comments; lines are trimmed; a leading `!` re-includes; every
 *   pattern is cleaned like Go's `filepath.Clean`, and a leading `/` is dropped;
 * - `*` matches any run of characters but `/`, `?` one character but `/`, `**` any number of
 *   directories (`**\/` and a trailing `**` likewise), `[...]` a character class, `\x` the
 *   character x;
 * - the regular-expression characters `.+()|{}$` are literal (Docker escapes them);
 * - a path is excluded when a pattern matches it or one of its parent directories, and the last
 *   pattern that matches decides (exclusions are only tested once a path is excluded).
 *
 * A pattern using regular-expression syntax Docker passes through but this matcher does not
 * model (`[[:alpha:]]`, `\p{L}`, …) never matches, and is listed in `unsupported`.
 */

type Token =
  | { t: 'lit'; c: string }
  | { t: 'any' }
  | { t: 'star' }
  | { t: 'dotstar' }
  | { t: 'globstar' }
  | { t: 'bol' }
  | { t: 'class'; neg: boolean; test: (c: string) => boolean };

interface Compiled {
  exclusion: boolean;
  text: string;
  kind: 'exact' | 'prefix' | 'suffix' | 'automaton' | 'never';
  tokens: Token[];
}

/** Go's filepath.Clean for `/`-separated paths. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const s = (rooted ? '/' : '') + out.join('/');
  return s === '' ? '.' : s;
}

/** The patterns of a `.dockerignore` text, as Docker's reader normalises them. */
export function readPatterns(text: string | undefined): string[] {
  const out: string[] = [];
  const lines = (text ?? '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    if (i === 0 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (line.startsWith('#')) continue;
    let p = line.trim();
    if (p === '') continue;
    const invert = p.startsWith('!');
    if (invert) p = p.slice(1).trim();
    if (p.length > 0) {
      p = cleanPath(p);
      if (p.length > 1 && p.startsWith('/')) p = p.slice(1);
    }
    out.push(invert ? `!${p}` : p);
  }
  return out;
}

const ESCAPED = new Set(['.', '+', '(', ')', '|', '{', '}', '$']);
const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isWord = (c: string): boolean => /^[0-9A-Za-z_]$/.test(c);
const isSpace = (c: string): boolean => /^[\t\n\f\r ]$/.test(c);
const CONTROL: Record<string, string> = { a: '\x07', f: '\f', t: '\t', n: '\n', r: '\r', v: '\v' };

class Unsupported extends Error {}

/** `\x` after a backslash, in the meaning Go's regexp gives it. */
function escapeTest(c: string): ((ch: string) => boolean) | string {
  if (!/[0-9A-Za-z]/.test(c)) return c;
  if (c in CONTROL) return CONTROL[c];
  switch (c) {
    case 'd':
      return isDigit;
    case 'D':
      return (ch) => !isDigit(ch);
    case 'w':
      return isWord;
    case 'W':
      return (ch) => !isWord(ch);
    case 's':
      return isSpace;
    case 'S':
      return (ch) => !isSpace(ch);
    default:
      throw new Unsupported(`\\${c}`);
  }
}

/** Parse a class starting after `[`; returns the token and the index after `]`. */
function parseClass(chars: string[], start: number): { token: Token; next: number } {
  let i = start;
  let neg = false;
  if (chars[i] === '^') {
    neg = true;
    i++;
  }
  const tests: ((c: string) => boolean)[] = [];
  let first = true;
  for (;;) {
    if (i >= chars.length) throw new Unsupported('unterminated [');
    const c = chars[i];
    if (c === ']' && !first) {
      i++;
      break;
    }
    first = false;
    if (c === '[' && chars[i + 1] === ':') throw new Unsupported('[:class:]');
    let single: string | ((ch: string) => boolean) = c;
    if (c === '\\') {
      if (i + 1 >= chars.length) throw new Unsupported('trailing \\');
      single = escapeTest(chars[i + 1]);
      i += 2;
    } else i++;
    if (typeof single === 'string' && chars[i] === '-' && i + 1 < chars.length && chars[i + 1] !== ']') {
      let hi = chars[i + 1];
      i += 2;
      if (hi === '\\') {
        const e = escapeTest(chars[i] ?? '');
        if (typeof e !== 'string') throw new Unsupported('class range');
        hi = e;
        i++;
      }
      const lo = single;
      if (hi < lo) throw new Unsupported('bad range');
      tests.push((ch) => ch >= lo && ch <= hi);
      continue;
    }
    if (typeof single === 'string') {
      const s = single;
      tests.push((ch) => ch === s);
    } else tests.push(single);
  }
  return { token: { t: 'class', neg, test: (ch) => tests.some((f) => f(ch)) }, next: i };
}

function compile(raw: string): Compiled {
  let text = cleanPath(raw.trim());
  let exclusion = false;
  if (text.startsWith('!')) {
    exclusion = true;
    text = text.slice(1);
  }
  const chars = Array.from(text);
  const tokens: Token[] = [];
  let kind: Compiled['kind'] = 'exact';
  try {
    for (let i = 0; i < chars.length; ) {
      const first = i === 0;
      const ch = chars[i++];
      if (ch === '*') {
        if (chars[i] === '*') {
          i++;
          if (chars[i] === '/') i++;
          if (i >= chars.length) {
            if (kind === 'exact') kind = 'prefix';
            else {
              tokens.push({ t: 'dotstar' });
              kind = 'automaton';
            }
          } else {
            tokens.push({ t: 'globstar' });
            kind = 'automaton';
          }
          if (first) kind = 'suffix';
        } else {
          tokens.push({ t: 'star' });
          kind = 'automaton';
        }
      } else if (ch === '?') {
        tokens.push({ t: 'any' });
        kind = 'automaton';
      } else if (ESCAPED.has(ch)) {
        tokens.push({ t: 'lit', c: ch });
      } else if (ch === '\\') {
        if (i < chars.length) {
          const e = escapeTest(chars[i++]);
          tokens.push(typeof e === 'string' ? { t: 'lit', c: e } : { t: 'class', neg: false, test: e });
          kind = 'automaton';
        } else tokens.push({ t: 'lit', c: '\\' });
      } else if (ch === '[') {
        const { token, next } = parseClass(chars, i);
        tokens.push(token);
        i = next;
        kind = 'automaton';
      } else if (ch === ']') {
        // A lone `]` is literal in the regular expression, and makes Docker use one.
        tokens.push({ t: 'lit', c: ch });
        kind = 'automaton';
      } else if (ch === '^') {
        // Passed through to the regular expression by Docker: a start-of-text anchor.
        tokens.push({ t: 'bol' });
      } else {
        tokens.push({ t: 'lit', c: ch });
      }
    }
  } catch (e) {
    if (e instanceof Unsupported) return { exclusion, text, kind: 'never', tokens: [] };
    throw e;
  }
  // Like Docker: `^` only acts as an anchor when the pattern is matched as a regular expression;
  // an exact, prefix or suffix pattern compares its text, `^` included.
  return { exclusion, text, kind, tokens };
}

/** Simulate the automaton: states 2i (before token i) and 2i+1 (inside globstar i). */
function runAutomaton(tokens: Token[], input: string): boolean {
  const chars = Array.from(input);
  const n = tokens.length;
  let cur = new Uint8Array(2 * n + 2);
  let nxt = new Uint8Array(2 * n + 2);
  const stack: number[] = [];
  const close = (set: Uint8Array, pos: number): void => {
    while (stack.length) {
      const s = stack.pop()!;
      if (s & 1 || s / 2 >= n) continue;
      const tok = tokens[s / 2];
      const skip = (): void => {
        const to = s + 2;
        if (!set[to]) {
          set[to] = 1;
          stack.push(to);
        }
      };
      if (tok.t === 'star' || tok.t === 'dotstar') skip();
      else if (tok.t === 'globstar') {
        skip();
        if (!set[s + 1]) set[s + 1] = 1;
      } else if (tok.t === 'bol' && pos === 0) skip();
    }
  };
  const add = (set: Uint8Array, s: number): void => {
    if (!set[s]) {
      set[s] = 1;
      stack.push(s);
    }
  };
  add(cur, 0);
  close(cur, 0);
  for (let p = 0; p < chars.length; p++) {
    const c = chars[p];
    nxt.fill(0);
    let any = false;
    for (let s = 0; s < 2 * n; s++) {
      if (!cur[s]) continue;
      const i = s >> 1;
      const tok = tokens[i];
      if (s & 1) {
        // inside `(.*/)?`: any character stays; a `/` may also end the group
        add(nxt, s);
        if (c === '/') add(nxt, 2 * (i + 1));
        any = true;
        continue;
      }
      switch (tok.t) {
        case 'lit':
          if (c === tok.c) add(nxt, s + 2);
          break;
        case 'any':
          if (c !== '/') add(nxt, s + 2);
          break;
        case 'class':
          if (tok.test(c) !== tok.neg) add(nxt, s + 2);
          break;
        case 'star':
          if (c !== '/') add(nxt, s);
          break;
        case 'dotstar':
          add(nxt, s);
          break;
        default:
          break;
      }
    }
    close(nxt, p + 1);
    [cur, nxt] = [nxt, cur];
    if (!any && !cur.some((v) => v === 1)) return false;
  }
  return cur[2 * n] === 1;
}

function matchOne(p: Compiled, path: string): boolean {
  switch (p.kind) {
    case 'exact':
      return path === p.text;
    case 'prefix':
      return path.startsWith(p.text.slice(0, -2));
    case 'suffix': {
      const suffix = p.text.slice(2);
      return path.endsWith(suffix) || (suffix.startsWith('/') && path === suffix.slice(1));
    }
    case 'automaton':
      return runAutomaton(p.tokens, path);
    default:
      return false;
  }
}

export interface DockerignoreMatcher {
  /** Docker's decision for a cleaned, `/`-separated path relative to the context root. */
  ignores(path: string): boolean;
  /** Patterns this matcher cannot model (they never match). */
  unsupported: string[];
}

/** A matcher for `.dockerignore` patterns (as `readPatterns` returns them). */
export function dockerignoreMatcher(patterns: readonly string[]): DockerignoreMatcher {
  const compiled = patterns.filter((p) => p.trim() !== '' && p.trim() !== '!').map(compile);
  return {
    unsupported: compiled.filter((c) => c.kind === 'never').map((c) => (c.exclusion ? '!' : '') + c.text),
    ignores(file: string): boolean {
      const clean = cleanPath(file);
      if (clean === '.') return false;
      const slash = clean.lastIndexOf('/');
      const parentDirs = slash === -1 ? [] : clean.slice(0, slash).split('/');
      let matched = false;
      for (const p of compiled) {
        if (p.exclusion !== matched) continue;
        let match = matchOne(p, clean);
        if (!match) {
          for (let i = 0; i < parentDirs.length && !match; i++) match = matchOne(p, parentDirs.slice(0, i + 1).join('/'));
        }
        if (match) matched = !p.exclusion;
      }
      return matched;
    },
  };
}
