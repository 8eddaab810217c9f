/**
 * Turning bytes into text without losing anything: BOM, invalid UTF-8 and binary files are
 * detected here, and line/column lookups are answered from a line-start index.
 */

export class InputError extends Error {
  constructor(
    message: string,
    readonly line = 1,
    readonly column = 1,
  ) {
    super(message);
    this.name = 'InputError';
  }
}

export interface DecodedSource {
  /** Text without the BOM. */
  text: string;
  bom: boolean;
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A UTF-16 text: its byte order mark (FF FE / FE FF), or without one the NUL byte beside every
 * ASCII character that UTF-16 puts there (checked on the first characters).
 */
export function isUtf16(bytes: Uint8Array): boolean {
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) return true;
  const pairs = Math.min(16, bytes.length >> 1);
  if (pairs < 2) return false;
  let le = true;
  let be = true;
  for (let k = 0; k < pairs; k++) {
    const a = bytes[2 * k];
    const b = bytes[2 * k + 1];
    if (!(a !== 0 && a < 0x80 && b === 0)) le = false;
    if (!(a === 0 && b !== 0 && b < 0x80)) be = false;
  }
  return le || be;
}

/** Decode a file's bytes; throws `InputError` for binary content, UTF-16 or invalid UTF-8. */
export function decode(bytes: Uint8Array): DecodedSource {
  if (isUtf16(bytes)) throw new InputError('UTF-16 is not supported; save the file as UTF-8', 1, 1);
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    const { line, column } = positionOfByte(bytes, nul);
    throw new InputError('binary file (NUL byte); not a Dockerfile', line, column);
  }
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    const bad = firstInvalidUtf8(bytes);
    const { line, column } = positionOfByte(bytes, bad);
    throw new InputError('invalid UTF-8; dockerfix reads Dockerfiles as UTF-8', line, column);
  }
  return stripBom(text);
}

export function stripBom(text: string): DecodedSource {
  if (text.charCodeAt(0) === 0xfeff) return { text: text.slice(1), bom: true };
  return { text, bom: false };
}

function positionOfByte(bytes: Uint8Array, index: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < index; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: index - lineStart + 1 };
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    let n = 0;
    if (b < 0x80) n = 0;
    else if (b >= 0xc2 && b <= 0xdf) n = 1;
    else if (b >= 0xe0 && b <= 0xef) n = 2;
    else if (b >= 0xf0 && b <= 0xf4) n = 3;
    else return i;
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    i += n + 1;
  }
  return Math.max(0, bytes.length - 1);
}

/** Offsets of the first character of every line. */
export class LineIndex {
  readonly starts: number[];
  constructor(readonly text: string) {
    const starts = [0];
    let i = text.indexOf('\n');
    while (i !== -1) {
      starts.push(i + 1);
      i = text.indexOf('\n', i + 1);
    }
    this.starts = starts;
  }

  /** 1-based line and column of an offset. */
  position(offset: number): { line: number; column: number } {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo] + 1 };
  }

  lineCount(): number {
    return this.starts.length;
  }
}

/** The line ending used by the line containing `offset`, else the file's most common one. */
export function eolAt(text: string, offset: number): string {
  const nl = text.indexOf('\n', offset);
  if (nl > 0) return text[nl - 1] === '\r' ? '\r\n' : '\n';
  return dominantEol(text);
}

export function dominantEol(text: string): string {
  let crlf = 0;
  let lf = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
    if (i > 0 && text[i - 1] === '\r') crlf++;
    else lf++;
  }
  return crlf > lf ? '\r\n' : '\n';
}
