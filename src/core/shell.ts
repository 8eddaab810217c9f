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

/**
 * A here-document opened by a command (`cat > f <<'X'`), whose body follows the line of the
 * command. The body is data fed to the command, never commands of the script: nothing may edit
 * inside it (see `protectedRanges` in src/core/edit-helpers.ts).
 */
export interface ShellHeredoc {
  /** The `<<X` / `<<-'X'` / `<< X` word (also one of the command's words). */
  marker: Word;
  /** The delimiter after quote removal. */
  delimiter: string;
  /** Part of the delimiter was quoted: the body is not expanded. */
  quoted: boolean;
  /** `<<-`: leading tabs are stripped from the body lines and the delimiter line. */
  stripTabs: boolean;
  /** Source offsets: first body line start .. end of the last body line (empty body: equal). */
  bodyStart: number;
  bodyEnd: number;
  /** End of the delimiter line's content (the end of the whole here-document). */
  end: number;
  /** No line closes it: the body runs to the end of the text. */
  unterminated?: boolean;
}

export interface ShellCommand {
  /** Words of the simple command, without redirections. */
  words: Word[];
  /** Redirection operators and their targets, e.g. `> /dev/null`. */
  redirects: Word[];
  /**
   * Here-documents this command opens whose body lines follow in the text. A marker at the very
   * end of the text (a RUN's logical line, whose body the Dockerfile lexer owns) has none.
   */
  heredocs?: ShellHeredoc[];
  /** The operator that ends this command (`&&`, `||`, `;`, `|`, `&`, newline or `` at the end). */
  terminator: string;
  /** Nesting depth inside `( )` / `{ }` / `$( )` constructs; 0 for top level. */
  depth: number;
}

export interface Tokenized {
  commands: ShellCommand[];
  /** All words including redirect targets, in order. */
  words: Word[];
  /** Every here-document body found (in text order). */
  heredocs: ShellHeredoc[];
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
  const allHeredocs: ShellHeredoc[] = [];
  let words: Word[] = [];
  let redirects: Word[] = [];
  let heredocs: ShellHeredoc[] = [];
  /** Here-documents opened on the current line: their bodies start after its newline. */
  let pending: ShellHeredoc[] = [];
  let depth = 0;
  let pendingRedirect = false;
  const n = text.length;
  let i = 0;

  const finish = (terminator: string): void => {
    // Nothing read since the last one: the lists are still empty (a heredoc marker is always
    // one of the words or redirects), no new ones.
    if (!words.length && !redirects.length) return;
    commands.push(heredocs.length ? { words, redirects, terminator, depth, heredocs } : { words, redirects, terminator, depth });
    words = [];
    redirects = [];
    heredocs = [];
  };
  /** `i` is the start of the line after the one that opened `pending`: read their bodies. */
  const readBodies = (): void => {
    for (const h of pending) {
      const body = readHeredocBody(text, i, h.delimiter, h.stripTabs, h.quoted);
      h.bodyStart = offset(i);
      h.bodyEnd = body.bodyEnd > i ? offset(body.bodyEnd - 1) + 1 : h.bodyStart;
      h.end = body.end > i ? offset(body.end - 1) + 1 : h.bodyStart;
      if (body.unterminated) h.unterminated = true;
      allHeredocs.push(h);
      i = body.next;
    }
    pending = [];
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
      if (pending.length) readBodies();
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
    // readWord leaves its result in `rw` (no object per word).
    let value: string;
    let wordEnd: number;
    let quoted: boolean;
    let dynamic: boolean;
    let unterminated = false;
    let opened: { delimiter: string; stripTabs: boolean; quoted: boolean } | undefined;
    if (cc === 60 && text.charCodeAt(i + 1) === 60) {
      // A heredoc marker (`<<EOF`, `<<-'EOF'`, `<< EOF`) is a word of its own.
      let e = i + 2;
      const stripTabs = text[e] === '-';
      if (stripTabs) e++;
      let d = e;
      while (d < n && (text.charCodeAt(d) === 32 || text.charCodeAt(d) === 9)) d++;
      readWord(text, d);
      value = text.slice(i, e) + rw.value;
      wordEnd = Math.max(rw.end, e);
      quoted = rw.quoted;
      dynamic = false;
      // Any quoting in the delimiter (`'X'`, `"X"`, `\X`, `X"Y"`) turns expansions off in the body.
      if (rw.end > d && rw.value !== '') opened = { delimiter: rw.value, stripTabs, quoted: /['"\\]/.test(text.slice(d, rw.end)) };
    } else {
      readWord(text, i);
      if (rw.end <= i) {
        // Never stall on a character no rule consumes.
        value = text[i];
        wordEnd = i + 1;
        quoted = false;
        dynamic = false;
      } else {
        value = rw.value;
        wordEnd = rw.end;
        quoted = rw.quoted;
        dynamic = rw.dynamic;
        unterminated = rw.unterminated;
      }
    }
    const start = offset(i);
    const end = offset(wordEnd - 1) + 1;
    const word: Word = unterminated ? { value, start, end, quoted, dynamic, unterminated: true } : { value, start, end, quoted, dynamic };
    i = wordEnd;
    allWords.push(word);
    if (opened) {
      const h: ShellHeredoc = { marker: word, delimiter: opened.delimiter, quoted: opened.quoted, stripTabs: opened.stripTabs, bodyStart: -1, bodyEnd: -1, end: -1 };
      heredocs.push(h);
      pending.push(h);
    }
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
  // Markers whose line is the last of the text have no body here (a RUN's logical line: the
  // Dockerfile lexer reads those bodies); they stay markers only.
  for (const c of commands) {
    if (!c.heredocs) continue;
    const read = c.heredocs.filter((h) => h.bodyStart !== -1);
    if (read.length) c.heredocs = read;
    else delete c.heredocs;
  }
  return { commands, words: allWords, heredocs: allHeredocs };
}

/**
 * The body of a here-document starting at line `i`: lines up to the one that is exactly the
 * delimiter (after leading tabs for `<<-`). In an unquoted body a line ending in an odd number
 * of backslashes continues on the next, which therefore cannot close it.
 */
function readHeredocBody(text: string, i: number, delimiter: string, stripTabs: boolean, quoted: boolean): { bodyEnd: number; end: number; next: number; unterminated?: boolean } {
  const n = text.length;
  let bodyEnd = i;
  let continued = false;
  let s = i;
  while (s < n) {
    let e = text.indexOf('\n', s);
    if (e === -1) e = n;
    const contentEnd = e > s && text.charCodeAt(e - 1) === 13 ? e - 1 : e;
    let c = s;
    if (stripTabs) while (c < contentEnd && text.charCodeAt(c) === 9) c++;
    if (!continued && contentEnd - c === delimiter.length && text.startsWith(delimiter, c)) {
      return { bodyEnd, end: contentEnd, next: Math.min(e + 1, n) };
    }
    if (!quoted) {
      let k = contentEnd;
      while (k > s && text.charCodeAt(k - 1) === 92) k--;
      continued = (contentEnd - k) % 2 === 1;
    }
    bodyEnd = contentEnd;
    s = e + 1;
  }
  return { bodyEnd, end: n, next: n, unterminated: true };
}

/** readWord's result (one object, rewritten by every call). */
const rw = { value: '', end: 0, quoted: false, dynamic: false, unterminated: false };

function readWord(text: string, i: number): void {
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
    if (c === 36 /* $ */ && text.charCodeAt(i + 1) === 39 /* ' */) {
      // `$'...'` (ANSI-C quoting): backslash escapes, `\'` does not close it; not an expansion.
      if (i > run) value += text.slice(run, i);
      quoted = true;
      const a = ansiC(text, i + 2);
      value += a.value;
      if (a.unterminated) unterminated = true;
      i = a.end;
      run = i;
      continue;
    }
    if (c === 36 /* $ */ && text.charCodeAt(i + 1) === 34 /* " */) {
      // `$"..."` (a translatable string) reads like "...".
      if (i > run) value += text.slice(run, i);
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
  rw.value = value;
  rw.end = Math.min(Math.max(i, 0), n);
  rw.quoted = quoted;
  rw.dynamic = dynamic;
  rw.unterminated = unterminated;
}

const ANSI_C: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', v: '\v', '\\': '\\', "'": "'", '"': '"', '?': '?' };

/** The body of a `$'...'` string from `i` (after the quote): its value and the offset after the closing quote. */
function ansiC(text: string, i: number): { value: string; end: number; unterminated?: boolean } {
  let value = '';
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === "'") return { value, end: i + 1 };
    if (c === '\\' && i + 1 < n) {
      const d = text[i + 1];
      let m: RegExpExecArray | null;
      if (d in ANSI_C) {
        value += ANSI_C[d];
        i += 2;
      } else if ((m = /^x([0-9A-Fa-f]{1,2})/.exec(text.slice(i + 1, i + 4)))) {
        value += String.fromCharCode(parseInt(m[1], 16));
        i += 1 + m[0].length;
      } else if ((m = /^[0-7]{1,3}/.exec(text.slice(i + 1, i + 4)))) {
        value += String.fromCharCode(parseInt(m[0], 8) & 0xff);
        i += 1 + m[0].length;
      } else {
        // Unknown escapes (and \u, \c) stay as written.
        value += c + d;
        i += 2;
      }
      continue;
    }
    value += c;
    i++;
  }
  return { value, end: n, unterminated: true };
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

const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'mksh']);

/**
 * A script another program runs from a string argument of this command: `sh -c '...'`,
 * `bash -lc "..."`, `su user -c '...'`, `eval "..."`. `via` names the form for messages
 * (`sh -c`, `su -c`, `eval`); `words` are the string argument(s). Null when there is none.
 * Such text is another shell's script: transforms must not edit inside it.
 */
export function nestedScript(cmd: ShellCommand): { via: string; words: Word[] } | null {
  const w = cmd.words;
  let p = programIndex(w);
  if (p === -1) return null;
  // `sudo -u app sh -c ...`: programIndex takes sudo's option value for the program.
  if (p > 0 && w[p - 1].value.startsWith('-') && w.slice(0, p).some((x) => x.value === 'sudo') && w[p + 1] && SHELLS.has(basename(w[p + 1].value))) p++;
  const prog = basename(w[p].value);
  if (prog === 'eval') return w.length > p + 1 ? { via: 'eval', words: w.slice(p + 1) } : null;
  if (!SHELLS.has(prog) && prog !== 'su' && prog !== 'runuser') return null;
  const isShell = SHELLS.has(prog);
  for (let k = p + 1; k < w.length; k++) {
    const v = w[k].value;
    if (v === '-c' || v === '--command' || (isShell && /^-[A-Za-z]*c[A-Za-z]*$/.test(v))) {
      const arg = w[k + 1];
      return arg ? { via: `${prog} -c`, words: [arg] } : null;
    }
    if (v.startsWith('--command=')) return { via: `${prog} -c`, words: [{ ...w[k], value: v.slice('--command='.length) }] };
    // `-o pipefail` takes a value; a shell's first operand (a script file) ends its options.
    if (isShell && /^[-+][A-Za-z]*o$/.test(v)) k++;
    else if (isShell && !v.startsWith('-') && !v.startsWith('+')) return null;
  }
  return null;
}

/**
 * The commands of the scripts nested in `commands` (see nestedScript), recursively, each with
 * the form that runs it. Their word offsets all point at the string argument that holds them.
 */
export function nestedCommands(commands: ShellCommand[], depth = 0): Array<{ via: string; cmd: ShellCommand }> {
  const out: Array<{ via: string; cmd: ShellCommand }> = [];
  if (depth > 3) return out;
  for (const c of commands) {
    const s = nestedScript(c);
    if (!s) continue;
    const start = s.words[0].start;
    const end = s.words[s.words.length - 1].end;
    const script = s.words.map((x) => x.value).join(' ');
    const inner = tokenize(script, (k) => Math.min(start + k, end - 1)).commands;
    for (const cmd of inner) out.push({ via: s.via, cmd });
    for (const n of nestedCommands(inner, depth + 1)) out.push({ via: s.via, cmd: n.cmd });
  }
  return out;
}
