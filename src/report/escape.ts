/**
 * Text from a Dockerfile, its build context or a path name is data: it must never act on the
 * terminal or on a CI log. Everything dockerfix prints for people goes through these helpers:
 *
 * - control characters (C0 but tab, DEL, C1), line and paragraph separators and bidi overrides
 *   are shown escaped (`\x1b`, `\r`, `\n`, `\u202e`), so an escape sequence cannot set the
 *   window title, write the clipboard or move the cursor, and a newline or carriage return in a
 *   name cannot start or overwrite a line;
 * - a printed line never starts with `::` taken from user data (GitHub Actions would run it as a
 *   workflow command): a path that starts with `::` is printed as `./::…`.
 */

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
  return e.startsWith('::') ? `./${e}` : e;
}

/** A whole printed line that starts with user data (a path): see displayPath. */
export const safeLine = displayPath;

/**
 * Content of one line of a file shown in a diff: controls escaped, except a carriage return at
 * the very end (a CRLF line ending: harmless, and needed for the diff to apply).
 */
export function escapeContentLine(s: string): string {
  if (!hasControls(s)) return s;
  if (s.endsWith('\r')) return escapeControls(s.slice(0, -1)) + '\r';
  return escapeControls(s);
}
