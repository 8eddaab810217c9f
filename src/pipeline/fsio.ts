/**
 * Reading Dockerfiles with clear errors, and writing them atomically: the new text goes to a
 * temporary file in the same directory (same mode), is flushed, then renamed over the original,
 * so a reader never sees a half-written file, even if the process is killed mid-write.
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readWhole, realPath } from '../core/files.js';
import { decode, InputError, type DecodedSource } from '../core/source.js';

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

/**
 * The nearest directory at or above `dir` that holds `.git` (undefined outside a repository).
 * With `memo` (one planning pass over many Dockerfiles), the walk up stops at the first folder
 * already answered and every folder walked is remembered: a tree of 800 folders costs one `.git`
 * lookup per folder instead of one per folder and level. The file system is taken as unchanging
 * for as long as the memo lives.
 */
export function gitRoot(dir: string, memo?: Map<string, string | null>, exists: (p: string) => boolean = fs.existsSync): string | undefined {
  const walked: string[] = [];
  let root: string | null = null;
  for (let d = path.resolve(dir); ; ) {
    const known = memo?.get(d);
    if (known !== undefined) {
      root = known;
      break;
    }
    walked.push(d);
    if (exists(path.join(d, '.git'))) {
      root = d;
      break;
    }
    const up = path.dirname(d);
    if (up === d) break;
    d = up;
  }
  if (memo) for (const d of walked) memo.set(d, root);
  return root ?? undefined;
}

function inside(root: string, p: string): boolean {
  const r = path.relative(root, p);
  return r === '' || (!r.startsWith('..' + path.sep) && r !== '..' && !path.isAbsolute(r));
}

/**
 * A Dockerfile reached through a symbolic link must stay in the repository it is named in (or,
 * outside a repository, in the directory of the name): `Dockerfile -> /etc/shadow` is refused.
 */
function checkLinkTarget(file: string): void {
  const abs = path.resolve(file);
  let real: string;
  try {
    // One realpath(3) call (not a walk with an lstat per path component): this runs for every file.
    real = realPath(abs);
  } catch {
    return; // reported by the open below
  }
  if (real === abs) return;
  const base = gitRoot(path.dirname(abs)) ?? path.dirname(abs);
  let realBase = base;
  try {
    realBase = realPath(base);
  } catch {
    // keep the name as given
  }
  if (!inside(realBase, real) && !inside(base, real)) {
    throw new FileError(file, `is a symbolic link to ${real}, outside ${gitRoot(path.dirname(abs)) ? 'the repository' : 'its directory'} (${base}); not read`);
  }
}

/**
 * `file` is no link out of its repository (or, outside one, its folder): the rule Dockerfiles are
 * read by, for the other files a repository's files name (compose includes, `.env`, templates).
 */
export function linkStaysInside(file: string): boolean {
  try {
    checkLinkTarget(file);
    return true;
  } catch {
    return false;
  }
}

/** `linkFree`: the caller knows `file` is its own real path (src/core/listings.ts): no link to check. */
export function readDockerfile(file: string, linkFree = false): DecodedSource {
  if (!linkFree) checkLinkTarget(file);
  let fd: number;
  try {
    // Non-blocking: opening a FIFO must not wait for a writer.
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw new FileError(file, describeErrno(e as NodeJS.ErrnoException));
  }
  let bytes: Buffer;
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) throw new FileError(file, 'is a directory, not a Dockerfile');
    if (!stat.isFile()) throw new FileError(file, 'not a regular file');
    if (stat.size > MAX_FILE_BYTES) throw new FileError(file, `file is ${stat.size} bytes, more than the ${MAX_FILE_BYTES} a Dockerfile may have`);
    try {
      bytes = readAllFd(fd, MAX_FILE_BYTES, stat.size);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code) throw new FileError(file, describeErrno(e as NodeJS.ErrnoException));
      throw new FileError(file, `file grew past the ${MAX_FILE_BYTES} bytes a Dockerfile may have`);
    }
  } finally {
    fs.closeSync(fd);
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

/**
 * Standard input, capped like a Dockerfile on disk: past MAX_FILE_BYTES the stream is destroyed
 * and a FileError says so (`--stdin < /dev/zero` ends at once instead of exhausting memory).
 */
export async function readStdinCapped(stream: NodeJS.ReadableStream, label = 'standard input', cap = MAX_FILE_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const c of stream) {
    const b = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
    total += b.length;
    if (total > cap) {
      (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      throw new FileError(label, `larger than ${cap} bytes, more than a Dockerfile may have; not read`);
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks, total);
}

export interface WriteOptions {
  /**
   * The content the file had when it was read (BOM included, as `FileOutcome.before`): the write
   * is refused when the file no longer holds exactly this (someone else changed it meanwhile).
   */
  expected?: string;
}

export interface WriteResult {
  /** The path written: `file` itself, or the target of the symbolic link(s) it is. */
  target: string;
  /** `replaced`: a new file renamed over the old; `in-place`: the same inode rewritten. */
  how: 'replaced' | 'in-place';
}

function errnoMessage(e: unknown, verb: 'read' | 'write'): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'EACCES':
    case 'EPERM':
      return `permission denied (cannot ${verb})`;
    case 'ENOSPC':
      return 'no space left on device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'EROFS':
      return 'read-only file system';
    case 'EIO':
      return 'input/output error';
    default:
      return err.message;
  }
}

/** Write every byte of `buf` at `position`: `writeSync` may write fewer bytes than asked. */
function writeAll(fd: number, buf: Uint8Array, position: number): void {
  let done = 0;
  while (done < buf.length) {
    const n = fs.writeSync(fd, buf, done, buf.length - done, position + done);
    if (n <= 0) throw Object.assign(new Error('no space left on device (short write)'), { code: 'ENOSPC' });
    done += n;
  }
}

/** Read a whole regular file through `fd` (see readWhole), at most `cap` bytes: more is an error. */
function readAllFd(fd: number, cap: number, sizeHint = 0): Buffer {
  const bytes = readWhole(fd, cap, sizeHint);
  if (bytes === undefined) throw new Error(`larger than ${cap} bytes`);
  return bytes;
}

/** A name no other process uses: pid plus random bytes (a pid alone repeats across namespaces). */
function scratchName(target: string, suffix: 'tmp' | 'bak'): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.dockerfix-${process.pid}-${crypto.randomBytes(6).toString('hex')}.${suffix}`);
}

/** Create a new file (never an existing one), write `bytes`, fsync. Removes only what it created. */
function createNew(file: string, bytes: Uint8Array, mode: number): number {
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW ?? 0), mode);
  try {
    writeAll(fd, bytes, 0);
    fs.fsyncSync(fd);
    return fd;
  } catch (e) {
    fs.closeSync(fd);
    removeQuietly(file);
    throw e;
  }
}

function removeQuietly(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    // already gone
  }
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // not supported everywhere (and not needed for correctness, only durability)
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * The bytes now on disk equal what was read; otherwise the file was changed by someone else and
 * is left alone. 'done' when the disk already holds exactly the new content (another run wrote
 * the same result): nothing would be lost, nothing is left to do.
 */
function checkUnchanged(file: string, target: string, current: Buffer, expected: Buffer | undefined, next: Buffer): 'write' | 'done' {
  if (!expected || current.equals(expected)) return 'write';
  if (current.equals(next)) return 'done';
  throw new FileError(file, `changed on disk since dockerfix read it${target !== file ? ` (${target})` : ''}; not written (run dockerfix again)`);
}

/**
 * Copy extended attributes (ACLs, SELinux labels, user.*) from `from` to `to`. Node has no xattr
 * call, so GNU cp copies them (attributes only, no data). False when that is not possible.
 */
function copyXattrs(from: string, to: string): boolean {
  if (process.platform !== 'linux') return false;
  // An absolute path: never a `cp` found through PATH (it may name the checked-out repository).
  cpPath ??= ['/usr/bin/cp', '/bin/cp'].find((p) => fs.existsSync(p)) ?? null;
  if (!cpPath) return false;
  const r = spawnSync(cpPath, ['--attributes-only', '--preserve=xattr', '--', from, to], { stdio: 'ignore', timeout: 10_000 });
  return r.status === 0;
}
let cpPath: string | null | undefined;

/**
 * Replace `file` with `content` without ever losing the old content:
 *
 * - a symbolic link is written through (the link stays, its target gets the new content);
 * - the file must still hold `opts.expected` (when given), checked again just before the switch;
 * - normally the new content goes to a new file beside the target (every byte written and
 *   checked, fsynced, owner, group, mode and extended attributes copied), renamed over it
 *   only when all of that succeeded: a reader never sees a half-written file;
 * - a file with several hard links, or whose owner or attributes cannot be carried over to a new
 *   file, is rewritten in place (same inode): the space for the longer content is reserved
 *   first, a backup copy is kept until the rewrite is done, and on failure the old content is
 *   put back;
 * - on any failure the original stays as it was, scratch files dockerfix made are removed (never
 *   another process's), and a FileError says why.
 */
export function writeFileAtomic(file: string, content: string, opts: WriteOptions = {}): WriteResult {
  let target = file;
  let st: fs.Stats | undefined;
  try {
    target = fs.realpathSync(file);
    st = fs.statSync(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new FileError(file, describeErrno(e as NodeJS.ErrnoException));
    if (fs.lstatSync(file, { throwIfNoEntry: false })?.isSymbolicLink()) throw new FileError(file, 'is a symbolic link to a missing file; not written');
  }
  if (st && !st.isFile()) throw new FileError(file, 'not a regular file; not written');
  const mode = st ? st.mode & 0o7777 : 0o644;
  if (st && (mode & 0o222) === 0) throw new FileError(file, 'file is read-only; not written');
  const bytes = Buffer.from(content, 'utf8');
  const expected = opts.expected !== undefined ? Buffer.from(opts.expected, 'utf8') : undefined;
  try {
    if (st && st.nlink > 1) return { target, how: writeInPlace(file, target, bytes, expected) };
    const replaced = st ? replaceFile(file, target, st, bytes, expected) : replaceFile(file, target, undefined, bytes, undefined);
    return { target, how: replaced ? 'replaced' : writeInPlace(file, target, bytes, expected) };
  } catch (e) {
    if (e instanceof FileError) throw e;
    throw new FileError(file, errnoMessage(e, 'write'));
  }
}

/** The temp-file-and-rename write. False (and nothing changed) when attributes cannot be kept. */
function replaceFile(file: string, target: string, st: fs.Stats | undefined, bytes: Buffer, expected: Buffer | undefined): boolean {
  const tmp = scratchName(target, 'tmp');
  let fd: number | undefined;
  let created = false;
  try {
    fd = createNew(tmp, bytes, 0o600);
    created = true;
    if (st) {
      try {
        fs.fchownSync(fd, st.uid, st.gid);
      } catch {
        // Not root and not our file: a new file would change its owner; rewrite it in place.
        return false;
      }
      fs.fchmodSync(fd, st.mode & 0o7777);
      const after = fs.fstatSync(fd);
      if (after.uid !== st.uid || after.gid !== st.gid || (after.mode & 0o7777) !== (st.mode & 0o7777)) return false;
      fs.closeSync(fd);
      fd = undefined;
      if (!copyXattrs(target, tmp)) return false;
      if (checkUnchanged(file, target, readRegular(target), expected, bytes) === 'done') return true;
    } else {
      fs.fchmodSync(fd, 0o644 & ~currentUmask());
      fs.closeSync(fd);
      fd = undefined;
    }
    fs.renameSync(tmp, target);
    created = false;
    fsyncDir(path.dirname(target));
    return true;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
    if (created) removeQuietly(tmp);
  }
}

function currentUmask(): number {
  // process.umask() without an argument is deprecated in workers; 022 is the usual default.
  try {
    return process.umask();
  } catch {
    return 0o022;
  }
}

/** Read a regular file whole (no FIFOs or devices), for the unchanged check. */
function readRegular(file: string): Buffer {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  try {
    if (!fs.fstatSync(fd).isFile()) throw new Error('no longer a regular file');
    return readAllFd(fd, MAX_FILE_BYTES);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Rewrite the same inode (keeps hard links, owner, mode, attributes). Order: check the content,
 * keep a backup copy, grow the file to the new length (a full disk fails here, before any old
 * byte is touched; the file is cut back), overwrite, cut to length, fsync, drop the backup.
 */
function writeInPlace(file: string, target: string, bytes: Buffer, expected: Buffer | undefined): 'in-place' {
  const fd = fs.openSync(target, fs.constants.O_RDWR | (fs.constants.O_NONBLOCK ?? 0));
  let backup: string | undefined;
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new FileError(file, 'not a regular file; not written');
    const old = readAllFd(fd, MAX_FILE_BYTES);
    if (checkUnchanged(file, target, old, expected, bytes) === 'done') return 'in-place';
    try {
      backup = scratchName(target, 'bak');
      fs.closeSync(createNew(backup, old, 0o600));
    } catch (e) {
      backup = undefined;
      throw new FileError(file, `cannot keep a backup copy before rewriting in place (${errnoMessage(e, 'write')}); not written`);
    }
    if (bytes.length > old.length) {
      try {
        writeAll(fd, bytes.subarray(old.length), old.length);
      } catch (e) {
        fs.ftruncateSync(fd, old.length);
        throw e;
      }
    }
    try {
      writeAll(fd, bytes.subarray(0, Math.min(bytes.length, old.length)), 0);
      if (bytes.length < old.length) fs.ftruncateSync(fd, bytes.length);
      fs.fsyncSync(fd);
    } catch (e) {
      // Put the old content back (its space is allocated); the backup stays if that fails too.
      try {
        writeAll(fd, old, 0);
        fs.ftruncateSync(fd, old.length);
        fs.fsyncSync(fd);
      } catch {
        const kept = backup;
        backup = undefined;
        throw new FileError(file, `${errnoMessage(e, 'write')}; the old content is in ${kept}`);
      }
      throw e;
    }
    return 'in-place';
  } finally {
    fs.closeSync(fd);
    if (backup) removeQuietly(backup);
  }
}
