/**
 * Reading Dockerfiles with clear errors, and writing them atomically: the new text goes to a
 * temporary file in the same directory (same mode), is flushed, then renamed over the original,
 * so a reader never sees a half-written file, even if the process is killed mid-write.
 */
import fs from 'node:fs';
import path from 'node:path';
import { decode, InputError, type DecodedSource } from './source.js';

export class FileError extends Error {
  constructor(
    readonly file: string,
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
    this.name = 'FileError';
  }

  /** `path:line:col: message` (line and column only when known). */
  format(): string {
    const where = this.line !== undefined ? `${this.file}:${this.line}:${this.column ?? 1}` : this.file;
    return `${where}: ${this.message}`;
  }
}

/** Largest Dockerfile we read (a 5 MB file must work; 64 MB is surely not a Dockerfile). */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;

function describeErrno(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied (cannot read)';
    case 'EISDIR':
      return 'is a directory, not a Dockerfile';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    default:
      return e.message;
  }
}

export function readDockerfile(file: string): DecodedSource {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (e) {
    throw new FileError(file, describeErrno(e as NodeJS.ErrnoException));
  }
  if (stat.isDirectory()) throw new FileError(file, 'is a directory, not a Dockerfile');
  if (!stat.isFile()) throw new FileError(file, 'not a regular file');
  if (stat.size > MAX_FILE_BYTES) throw new FileError(file, `file is ${stat.size} bytes, more than the ${MAX_FILE_BYTES} a Dockerfile may have`);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new FileError(file, describeErrno(e as NodeJS.ErrnoException));
  }
  return decodeFile(file, bytes);
}

export function decodeFile(file: string, bytes: Uint8Array): DecodedSource {
  try {
    return decode(bytes);
  } catch (e) {
    if (e instanceof InputError) throw new FileError(file, e.message, e.line, e.column);
    throw e;
  }
}

let tmpCounter = 0;

/** Replace `file` with `content` atomically, keeping its mode. Refuses read-only files. */
export function writeFileAtomic(file: string, content: string): void {
  let mode = 0o644;
  try {
    const st = fs.statSync(file);
    mode = st.mode & 0o7777;
    if ((mode & 0o222) === 0) throw new FileError(file, 'file is read-only; not written');
  } catch (e) {
    if (e instanceof FileError) throw e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new FileError(file, describeErrno(e as NodeJS.ErrnoException));
  }
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.dockerfix-${process.pid}-${++tmpCounter}.tmp`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', mode);
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.chmodSync(tmp, mode);
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    try {
      fs.unlinkSync(tmp);
    } catch {
      // already gone
    }
    if (e instanceof FileError) throw e;
    const err = e as NodeJS.ErrnoException;
    throw new FileError(file, err.code === 'EACCES' || err.code === 'EPERM' ? 'permission denied (cannot write)' : err.message);
  }
}
