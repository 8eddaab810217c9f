/**
 * A small POSIX-shell tokenizer: enough to find the simple commands in a RUN step
 * (`apt-get install`, `pip install -r x`) and the source range of every word, so transforms
 * can make minimal edits. It does not evaluate anything; words with expansions are marked.
 */

export interface Word {
  /** Value with quotes removed and backslash escapes applied (expansions left as written). */
  value: string;
  /** Source offsets of the word (mapped through the logical line). */
  start: number;
  end: number;
  quoted: boolean;
  /** Contains `$`, a backtick or a glob character outside single quotes. */
  dynamic: boolean;
}

export interface ShellCommand {
  /** Words of the simple command, without redirections. */
  words: Word[];
  /** Redirection operators and their targets, e.g. `> /dev/null`. */
  redirects: Word[];
  /** The operator that ends this command (`&&`, `||`, `;`, `|`, `&`, newline or `` at the end). */
  terminator: string;
  /** Nesting depth inside `( )` / `{ }` / `$( )` constructs; 0 for top level. */
  depth: number;
}

export interface Tokenized {
  commands: ShellCommand[];
  /** All words including redirect targets, in order. */
  words: Word[];
}

const OPERATORS = ['&&', '||', ';;', ';', '|', '&', '(', ')'];

function isBlank(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r';
}

/**
 * Tokenize `text`, whose character `i` sits at source offset `offset(i)`.
 * `escape` is the shell escape (always backslash: the Dockerfile escape has been removed).
 */
export function tokenize(text: string, offset: (i: number) => number): Tokenized {
  const commands: ShellCommand[] = [];
  const allWords: Word[] = [];
  let words: Word[] = [];
  let redirects: Word[] = [];
  let depth = 0;
  let pendingRedirect = false;
  const n = text.length;
  let i = 0;

  const finish = (terminator: string): void => {
    if (words.length || redirects.length) commands.push({ words, redirects, terminator, depth });
    words = [];
    redirects = [];
  };

  while (i < n) {
    const c = text[i];
    if (isBlank(c)) {
      i++;
      continue;
    }
    if (c === '\\' && text[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (c === '\n') {
      finish('\n');
      i++;
      continue;
    }
    if (c === '#') {
      // A comment runs to the end of the line.
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op) {
      if (op === '(') depth++;
      finish(op);
      if (op === ')') depth = Math.max(0, depth - 1);
      i += op.length;
      continue;
    }
    // Redirections: [n]> [n]>> < <& >& &> <<< (here-doc markers are words of their own).
    const redir = /^(\d*)(>>|>&|>\||>|<&|<<<|<>|<(?!<))/.exec(text.slice(i, i + 6)) ?? (text.startsWith('&>', i) ? ['&>'] : null);
    if (redir) {
      const s = i;
      i += redir[0].length;
      redirects.push({ value: text.slice(s, i), start: offset(s), end: offset(i - 1) + 1, quoted: false, dynamic: false });
      pendingRedirect = true;
      continue;
    }
    let w = readWord(text, i);
    if (text.startsWith('<<', i)) {
      // A heredoc marker (`<<EOF`, `<<-'EOF'`) is a word of its own.
      let e = i + 2;
      if (text[e] === '-') e++;
      const rest = readWord(text, e);
      w = { value: text.slice(i, e) + rest.value, end: Math.max(rest.end, e), quoted: rest.quoted, dynamic: false };
    } else if (w.end <= i) {
      // Never stall on a character no rule consumes.
      w = { value: text[i], end: i + 1, quoted: false, dynamic: false };
    }
    const word: Word = {
      value: w.value,
      start: offset(i),
      end: offset(w.end - 1) + 1,
      quoted: w.quoted,
      dynamic: w.dynamic,
    };
    i = w.end;
    allWords.push(word);
    if (pendingRedirect) {
      redirects.push(word);
      pendingRedirect = false;
      continue;
    }
    if (words.length === 0 && (word.value === '{' || word.value === '}') && !word.quoted) {
      finish(word.value);
      continue;
    }
    words.push(word);
  }
  finish('');
  return { commands, words: allWords };
}

function readWord(text: string, i: number): { value: string; end: number; quoted: boolean; dynamic: boolean } {
  let value = '';
  let quoted = false;
  let dynamic = false;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (isBlank(c) || c === '\n' || c === ';' || c === '|' || c === '&' || c === ')' || c === '(' || c === '<' || c === '>') {
      if ((c === '(' || c === '<' || c === '>') && value.endsWith('$')) {
        // `$(` handled below; `<`/`>` end the word.
      }
      if (c !== '(') break;
      // `foo(` ends the word too, except after `$` or `=` (array assignment).
      break;
    }
    if (c === '\\') {
      if (text[i + 1] === '\n') {
        i += 2;
        continue;
      }
      if (i + 1 < n) value += text[i + 1];
      i += 2;
      continue;
    }
    if (c === "'") {
      quoted = true;
      const close = text.indexOf("'", i + 1);
      const e = close === -1 ? n : close;
      value += text.slice(i + 1, e);
      i = e + 1;
      continue;
    }
    if (c === '"') {
      quoted = true;
      i++;
      while (i < n && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < n && '$`"\\\n'.includes(text[i + 1])) {
          if (text[i + 1] !== '\n') value += text[i + 1];
          i += 2;
          continue;
        }
        if (text[i] === '$' || text[i] === '`') {
          dynamic = true;
          if (text[i] === '$' && text[i + 1] === '(') {
            const e = skipBalanced(text, i + 1);
            value += text.slice(i, e);
            i = e;
            continue;
          }
        }
        value += text[i];
        i++;
      }
      i++;
      continue;
    }
    if (c === '$') {
      dynamic = true;
      if (text[i + 1] === '(' || text[i + 1] === '{') {
        const e = skipBalanced(text, i + 1);
        value += text.slice(i, e);
        i = e;
        continue;
      }
    }
    if (c === '`') {
      dynamic = true;
      const close = text.indexOf('`', i + 1);
      const e = close === -1 ? n : close + 1;
      value += text.slice(i, e);
      i = e;
      continue;
    }
    if (c === '*' || c === '?' || c === '[') dynamic = true;
    value += c;
    i++;
  }
  return { value, end: Math.max(i, 0), quoted, dynamic };
}

/** From an opening `(` or `{` at `i`, the offset after its matching close (quotes respected). */
function skipBalanced(text: string, i: number): number {
  const open = text[i];
  const close = open === '(' ? ')' : '}';
  let level = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === "'") {
      const e = text.indexOf("'", i + 1);
      i = e === -1 ? n : e + 1;
      continue;
    }
    if (c === '"') {
      i++;
      while (i < n && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      continue;
    }
    if (c === open) level++;
    else if (c === close) {
      level--;
      if (level === 0) return i + 1;
    }
    i++;
  }
  return n;
}

const RESERVED = new Set(['then', 'do', 'else', 'elif', 'if', 'while', 'until', '!', 'time', '{', '}', 'exec']);
const WRAPPERS = new Set(['sudo', 'nice', 'nohup', 'command', 'builtin', 'stdbuf', 'timeout', 'xargs']);

/**
 * Index of the word that names the program of a simple command, skipping `VAR=x` prefixes,
 * reserved words (`then`, `do`, ...) and wrappers (`sudo`, `env X=y`). -1 if none.
 */
export function programIndex(words: Word[]): number {
  let i = 0;
  while (i < words.length) {
    const v = words[i].value;
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(v) && !words[i].quoted) {
      i++;
      continue;
    }
    if (RESERVED.has(v)) {
      i++;
      continue;
    }
    if (v === 'env') {
      i++;
      while (i < words.length && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i].value) || words[i].value.startsWith('-'))) i++;
      continue;
    }
    if (WRAPPERS.has(v)) {
      i++;
      while (i < words.length && words[i].value.startsWith('-')) i++;
      // `timeout 10 cmd`
      if (v === 'timeout' && i < words.length && /^\d/.test(words[i].value)) i++;
      continue;
    }
    return i;
  }
  return -1;
}

/** `VAR=value` assignments that prefix a simple command (before its program word). */
export function commandAssignments(words: Word[]): Map<string, string> {
  const out = new Map<string, string>();
  const p = programIndex(words);
  for (let i = 0; i < (p === -1 ? words.length : p); i++) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(words[i].value);
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

/** The program name without its directory (`/usr/bin/pip3` -> `pip3`). */
export function basename(v: string): string {
  const k = v.lastIndexOf('/');
  return k === -1 ? v : v.slice(k + 1);
}
