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
  /** A quote in it is never closed (the shell would reject the script). */
  unterminated?: boolean;
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

const REDIRECT_RE = /^(\d*)(>>|>&|>\||>|<&|<<<|<>|<(?!<))/;

/** The control operator (`&&` `||` `;;` `;` `|` `&` `(` `)`) that starts at `i` (char code `c`), or undefined. */
function operatorAt(text: string, i: number, c: number): string | undefined {
  switch (c) {
    case 38: // &
      return text.charCodeAt(i + 1) === 38 ? '&&' : '&';
    case 124: // |
      return text.charCodeAt(i + 1) === 124 ? '||' : '|';
    case 59: // ;
      return text.charCodeAt(i + 1) === 59 ? ';;' : ';';
    case 40:
      return '(';
    case 41:
      return ')';
    default:
      return undefined;
  }
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
    const cc = text.charCodeAt(i);
    if (cc === 32 || cc === 9 || cc === 13) {
      i++;
      continue;
    }
    if (cc === 92 && text.charCodeAt(i + 1) === 10) {
      i += 2;
      continue;
    }
    if (cc === 10) {
      finish('\n');
      i++;
      continue;
    }
    if (cc === 35 /* # */) {
      // A comment runs to the end of the line.
      const nl = text.indexOf('\n', i);
      i = nl === -1 ? n : nl;
      continue;
    }
    const op = operatorAt(text, i, cc);
    if (op) {
      if (op === '(') depth++;
      finish(op);
      if (op === ')') depth = Math.max(0, depth - 1);
      i += op.length;
      continue;
    }
    // Redirections: [n]> [n]>> < <& >& &> <<< (here-doc markers are words of their own).
    const redir =
      (cc >= 48 && cc <= 57) || cc === 60 || cc === 62
        ? REDIRECT_RE.exec(text.slice(i, i + 6)) ?? (text.startsWith('&>', i) ? ['&>'] : null)
        : null;
    if (redir) {
      const s = i;
      i += redir[0].length;
      redirects.push({ value: text.slice(s, i), start: offset(s), end: offset(i - 1) + 1, quoted: false, dynamic: false });
      pendingRedirect = true;
      continue;
    }
    let w: ReturnType<typeof readWord>;
    if (cc === 60 && text.charCodeAt(i + 1) === 60) {
      // A heredoc marker (`<<EOF`, `<<-'EOF'`) is a word of its own.
      let e = i + 2;
      if (text[e] === '-') e++;
      const rest = readWord(text, e);
      w = { value: text.slice(i, e) + rest.value, end: Math.max(rest.end, e), quoted: rest.quoted, dynamic: false };
    } else {
      w = readWord(text, i);
      // Never stall on a character no rule consumes.
      if (w.end <= i) w = { value: text[i], end: i + 1, quoted: false, dynamic: false };
    }
    const word: Word = {
      value: w.value,
      start: offset(i),
      end: offset(w.end - 1) + 1,
      quoted: w.quoted,
      dynamic: w.dynamic,
      ...(w.unterminated ? { unterminated: true } : {}),
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

function readWord(text: string, i: number): { value: string; end: number; quoted: boolean; dynamic: boolean; unterminated?: boolean } {
  // Plain characters are collected as runs and sliced once (no per-character concatenation:
  // that builds long cons-string chains on big RUN steps).
  let value = '';
  let quoted = false;
  let dynamic = false;
  let unterminated = false;
  const n = text.length;
  let run = i;
  while (i < n) {
    const c = text.charCodeAt(i);
    // blank, newline, ; | & ) ( < > end the word
    if (c === 32 || c === 9 || c === 13 || c === 10 || c === 59 || c === 124 || c === 38 || c === 41 || c === 40 || c === 60 || c === 62) break;
    if (c === 92 /* \ */) {
      if (i > run) value += text.slice(run, i);
      if (text.charCodeAt(i + 1) === 10) {
        i += 2;
        run = i;
        continue;
      }
      if (i + 1 < n) value += text[i + 1];
      i += 2;
      run = i;
      continue;
    }
    if (c === 39 /* ' */) {
      if (i > run) value += text.slice(run, i);
      quoted = true;
      const close = text.indexOf("'", i + 1);
      const e = close === -1 ? n : close;
      if (close === -1) unterminated = true;
      value += text.slice(i + 1, e);
      i = e + 1;
      run = i;
      continue;
    }
    if (c === 34 /* " */) {
      if (i > run) value += text.slice(run, i);
      quoted = true;
      i++;
      run = i;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 34) break;
        if (d === 92 && i + 1 < n && isDqEscapable(text.charCodeAt(i + 1))) {
          if (i > run) value += text.slice(run, i);
          if (text.charCodeAt(i + 1) !== 10) value += text[i + 1];
          i += 2;
          run = i;
          continue;
        }
        if (d === 36 /* $ */ || d === 96 /* ` */) {
          dynamic = true;
          if (d === 36 && text.charCodeAt(i + 1) === 40) {
            // `$(...)` is kept as written: the run simply extends over it.
            i = skipBalanced(text, i + 1);
            continue;
          }
        }
        i++;
      }
      if (i > run) value += text.slice(run, Math.min(i, n));
      if (i >= n) unterminated = true;
      i++;
      run = i;
      continue;
    }
    if (c === 36 /* $ */) {
      dynamic = true;
      const d = text.charCodeAt(i + 1);
      if (d === 40 || d === 123) {
        // `$(...)` / `${...}` kept as written.
        i = skipBalanced(text, i + 1);
        continue;
      }
    } else if (c === 96 /* ` */) {
      dynamic = true;
      const close = text.indexOf('`', i + 1);
      i = close === -1 ? n : close + 1;
      continue;
    } else if (c === 42 || c === 63 || c === 91) dynamic = true; // * ? [
    i++;
  }
  if (Math.min(i, n) > run) value += text.slice(run, Math.min(i, n));
  // An unterminated quote or a trailing backslash steps past the text: the word ends with it.
  const end = Math.min(Math.max(i, 0), n);
  return unterminated ? { value, end, quoted, dynamic, unterminated } : { value, end, quoted, dynamic };
}

/** Characters a backslash escapes inside double quotes: $ ` " \ and newline. */
function isDqEscapable(c: number): boolean {
  return c === 36 || c === 96 || c === 34 || c === 92 || c === 10;
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
