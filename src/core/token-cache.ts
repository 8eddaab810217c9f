/**
 * Shell tokens of instructions, shared between documents: a transform's rewrite makes a new
 * document version in which most instructions are the same text as before (often at another
 * offset), and an editor re-runs nearly the same file on every keystroke. An instruction's
 * tokens depend only on its own text (keyword to the end of its last heredoc body) and the
 * escape character, so they are kept under that text, with the offset they were made at; a
 * document at another offset gets a copy shifted by the difference (no new words, values or
 * strings: only the positions move).
 *
 * Memory: the cache shared by all documents holds at most SHARED_MAX_CHARS characters of
 * instruction text (least recently used first out), and only instructions of documents up to
 * SHARED_MAX_DOC characters use it. Bigger documents use none: most rewritten steps of a big
 * file differ between versions, and keeping every version's tokens cost more than it saved.
 */
import type { ShellCommand, ShellHeredoc, Tokenized, Word } from './shell.js';

/** Per part, the tokens and the offset of the instruction they were made for. */
interface Entry {
  /** The tokens of the arguments after the flags (Instruction.tokens). */
  args?: Made;
  /** The tokens of the heredoc body run as the step's script (Instruction.commands). */
  script?: Made;
}

interface Made {
  base: number;
  tokens: Tokenized;
}

export type TokenPart = 'args' | 'script';

export class TokenCache {
  private readonly entries = new Map<string, Entry>();
  private chars = 0;

  constructor(private readonly maxChars = Number.POSITIVE_INFINITY) {}

  /** The tokens of `part` of the instruction with text `key` at offset `base`, if known. */
  get(key: string, part: TokenPart, base: number): Tokenized | undefined {
    const e = this.entries.get(key);
    const m = e?.[part];
    if (!e || !m) return undefined;
    if (this.maxChars !== Number.POSITIVE_INFINITY) {
      // Most recently used last.
      this.entries.delete(key);
      this.entries.set(key, e);
    }
    return m.base === base ? m.tokens : shiftTokens(m.tokens, base - m.base);
  }

  set(key: string, part: TokenPart, base: number, tokens: Tokenized): void {
    let e = this.entries.get(key);
    if (!e) {
      if (key.length > this.maxChars) return;
      e = {};
      this.entries.set(key, e);
      this.chars += key.length;
      while (this.chars > this.maxChars) {
        const oldest = this.entries.keys().next().value as string;
        this.entries.delete(oldest);
        this.chars -= oldest.length;
      }
    }
    e[part] = { base, tokens };
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
    this.chars = 0;
  }
}

/** Characters of instruction text the shared cache holds at most. */
export const SHARED_MAX_CHARS = 1 << 20;
/** Documents longer than this do not use the shared cache (the runner gives them their own). */
export const SHARED_MAX_DOC = 256 * 1024;

/** The cache every document of at most SHARED_MAX_DOC characters uses unless given another. */
export const sharedTokenCache = new TokenCache(SHARED_MAX_CHARS);

/**
 * The key of an instruction's text: the escape character and its characters, as a string of
 * its own. A slice (or a concatenation holding one) would keep the whole document text alive
 * while cached; slicing a concatenation makes V8 copy it flat first, and the copy is all the
 * key holds.
 */
export function instructionKey(text: string, start: number, end: number, escape: string): string {
  return (escape + text.slice(start, end) + '\n').slice(0, -1);
}

/** `t` with every offset moved by `d` (same values; words shared between lists stay shared). */
export function shiftTokens(t: Tokenized, d: number): Tokenized {
  const words = new Map<Word, Word>();
  const docs = new Map<ShellHeredoc, ShellHeredoc>();
  const word = (w: Word): Word => {
    let x = words.get(w);
    if (!x) {
      x = { ...w, start: w.start + d, end: w.end + d };
      words.set(w, x);
    }
    return x;
  };
  const heredoc = (h: ShellHeredoc): ShellHeredoc => {
    let x = docs.get(h);
    if (!x) {
      x = { ...h, marker: word(h.marker), bodyStart: h.bodyStart === -1 ? -1 : h.bodyStart + d, bodyEnd: h.bodyEnd === -1 ? -1 : h.bodyEnd + d, end: h.end === -1 ? -1 : h.end + d };
      docs.set(h, x);
    }
    return x;
  };
  const command = (c: ShellCommand): ShellCommand => {
    const x: ShellCommand = { ...c, words: c.words.map(word), redirects: c.redirects.map(word) };
    if (c.heredocs) x.heredocs = c.heredocs.map(heredoc);
    return x;
  };
  return { commands: t.commands.map(command), words: t.words.map(word), heredocs: t.heredocs.map(heredoc) };
}
