/**
 * Text from a Dockerfile, its build context or a path name is data: it must never act on the
 * terminal or on a CI log. Everything dockerfix prints for people goes through these helpers:
 *
 * - control characters (C0 but tab, DEL, C1), line and paragraph separators and bidi overrides
 *   are shown escaped (`\x1b`, `\r`, `\n`, `\u202e`), so an escape sequence cannot set the
 *   window title, write the clipboard or move the cursor, and a newline or carriage return in a
 *   name cannot start or overwrite a line;
 * - a printed line never starts with `::` taken from user data, not even after blanks (the
 *   GitHub Actions runner trims leading white space, then runs a line that starts with `::` as a
 *   workflow command): a path that would is printed as `./…`, other text gets `\x3a:`.
 */

/** Starts like a workflow command once the runner has trimmed leading white space. */
export const WORKFLOW_COMMAND_START = /^[\s\u0085]*::/;

// C0 controls except tab and line feed handled below, DEL, C1, U+2028/2029, bidi controls.
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\u0000': '\\0' };

function escapeChar(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `s` with every control character escaped (one line, nothing a terminal acts on). */
export function escapeControls(s: string): string {
  CONTROL.lastIndex = 0;
  return CONTROL.test(s) ? s.replace(CONTROL, escapeChar) : s;
}

/** True when `s` holds a character escapeControls would escape. */
export function hasControls(s: string): boolean {
  CONTROL.lastIndex = 0;
  return CONTROL.test(s);
}

/**
 * A path (or any text that begins a printed line) made safe to print: controls escaped, and
 * `./` in front when it would start the line with `::`.
 */
export function displayPath(p: string): string {
  const e = escapeControls(p);
  return WORKFLOW_COMMAND_START.test(e) ? `./${e}` : e;
}

/** A whole printed line that starts with user data (a path): see displayPath. */
export const safeLine = displayPath;

/** Neutralize a leading (after blanks) `::` as `\x3a:`. */
function defuseCommand(s: string): string {
  return WORKFLOW_COMMAND_START.test(s) ? s.replace(':', '\\x3a') : s;
}

/**
 * One line of a diff body (` `, `-` or `+` and the file's line): controls escaped, except a
 * carriage return at the very end (a CRLF line ending: harmless, and needed for the diff to
 * apply); a context line that would read as a workflow command gets `\x3a:`.
 */
export function escapeContentLine(s: string): string {
  let out = s;
  if (hasControls(out)) out = out.endsWith('\r') ? escapeControls(out.slice(0, -1)) + '\r' : escapeControls(out);
  return defuseCommand(out);
}

// What the guard lets through: SGR colour sequences (ours), tab, line feed, CR before LF.
const SGR = /^\x1b\[[0-9;]*m/;

/**
 * Text about to be printed, made harmless as a whole: control characters escaped except line
 * feeds, tabs, colour (SGR) sequences and a CR right before a LF; a line that would start with
 * `::` (after blanks) starts with `\x3a:` instead. `atLineStart` says whether the text begins a line; the
 * result's last character tells the next call.
 */
export function guardText(s: string, atLineStart: boolean): string {
  let out = '';
  let lineStart = atLineStart;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (lineStart && WORKFLOW_COMMAND_START.test(s.slice(i, i + 64))) {
      // Copy the blanks, then write the first colon escaped.
      const colon = s.indexOf(':', i);
      out += escapeControls(s.slice(i, colon)) + '\\x3a';
      i = colon;
      lineStart = false;
      continue;
    }
    if (ch === '\n' || ch === '\t') out += ch;
    else if (ch === '\r' && s[i + 1] === '\n') out += ch;
    else if (ch === '\x1b') {
      const m = SGR.exec(s.slice(i, i + 32));
      if (m) {
        out += m[0];
        i += m[0].length - 1;
        continue;
      } else out += escapeChar(ch);
    } else if (CONTROL_ONE.test(ch)) out += escapeChar(ch);
    else out += ch;
    lineStart = ch === '\n';
  }
  return out;
}

const CONTROL_ONE = new RegExp(CONTROL.source);

interface Stream {
  write(s: string | Uint8Array, ...rest: unknown[]): boolean;
}

/** A stream whose string writes go through guardText (state kept across writes). */
export function guardStream<T extends Stream>(stream: T): T {
  let atLineStart = true;
  const write = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    const s = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (s.length === 0) return stream.write(chunk, ...rest);
    const g = guardText(s, atLineStart);
    atLineStart = g.endsWith('\n');
    return stream.write(g, ...rest);
  };
  return new Proxy(stream, {
    get(target, prop, receiver) {
      if (prop === 'write') return write;
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** The Io of a subcommand with guarded stdout (unless it carries data) and stderr. */
export function guardIo<T extends { stdout: Stream; stderr: Stream }>(io: T, stdoutIsData = false): T {
  return { ...io, stdout: stdoutIsData ? io.stdout : guardStream(io.stdout), stderr: guardStream(io.stderr) };
}
