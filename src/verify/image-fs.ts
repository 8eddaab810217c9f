/**
 * An image's file tree, from the tar stream `docker export` writes: per path its type, mode,
 * owner, size, content hash (sha256) and link target. mtimes are not kept (every build sets new
 * ones). Streaming: a multi-GB image is never held in memory.
 *
 * Hard links are listed as the file they name (tar writes the content under whichever name comes
 * first, which depends on layer order).
 *
 * `.pyc` files: CPython's timestamp-based header (PEP 552, flags == 0) holds the source file's
 * mtime in bytes 8-11, so two builds that install the same package compile byte-identical code
 * under different headers. Those four bytes are zeroed before hashing (and only those: the magic
 * number, flags, source size and the code itself are compared); hash-based .pyc (flags != 0) are
 * hashed as they are.
 */
import { createHash, type Hash } from 'node:crypto';
import { Writable } from 'node:stream';

export interface FileEntry {
  type: 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo' | 'other';
  /** Permission bits and setuid/setgid/sticky, octal string (e.g. "0755"). */
  mode: string;
  uid: number;
  gid: number;
  size: number;
  sha256?: string;
  link?: string;
}

export type FileTree = Map<string, FileEntry>;

const TYPES: Record<string, FileEntry['type']> = { '0': 'file', '\0': 'file', '7': 'file', '1': 'hardlink', '2': 'symlink', '3': 'char', '4': 'block', '5': 'dir', '6': 'fifo' };

function str(b: Buffer, off: number, len: number): string {
  const s = b.subarray(off, off + len);
  const z = s.indexOf(0);
  return (z === -1 ? s : s.subarray(0, z)).toString('utf8');
}

function num(b: Buffer, off: number, len: number): number {
  const f = b.subarray(off, off + len);
  if (f[0] & 0x80) {
    // base-256 (GNU) for large values
    let v = 0;
    for (let i = 1; i < f.length; i++) v = v * 256 + f[i];
    return v;
  }
  const s = str(b, off, len).trim();
  return s ? parseInt(s, 8) : 0;
}

function parsePax(buf: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < buf.length) {
    const sp = buf.indexOf(0x20, i);
    if (sp === -1) break;
    const len = Number(buf.subarray(i, sp).toString('ascii'));
    if (!len) break;
    const rec = buf.subarray(sp + 1, i + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

/** Normalise a tar path to `/a/b` (no trailing slash). */
export function normPath(p: string): string {
  let s = p.replace(/^\.?\/*/, '').replace(/\/+$/, '');
  s = `/${s}`;
  return s;
}

/**
 * A Writable that reads a tar stream and fills `tree`. `keep(path)` decides which entries are
 * hashed and kept (excluded subtrees are skipped without hashing).
 */
export class TarLister extends Writable {
  readonly tree: FileTree = new Map();
  private buf: Buffer = Buffer.alloc(0);
  private state: 'header' | 'data' | 'pad' | 'meta' | 'end' = 'header';
  private remaining = 0;
  private pad = 0;
  private cur: { path: string; entry: FileEntry; hash?: Hash; pyc?: Buffer[]; keep: boolean } | null = null;
  private meta: { kind: 'pax' | 'longname' | 'longlink' | 'global'; chunks: Buffer[] } | null = null;
  private pax: Record<string, string> = {};
  private longName?: string;
  private longLink?: string;

  constructor(private readonly keep: (path: string) => boolean = () => true) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    try {
      this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
      this.consume();
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  override _final(cb: (e?: Error | null) => void): void {
    if (this.state === 'data' || this.state === 'meta') cb(new Error('tar stream ended inside an entry'));
    else cb();
  }

  private consume(): void {
    for (;;) {
      if (this.state === 'end') {
        this.buf = Buffer.alloc(0);
        return;
      }
      if (this.state === 'header') {
        if (this.buf.length < 512) return;
        const h = this.buf.subarray(0, 512);
        this.buf = this.buf.subarray(512);
        if (h.every((x) => x === 0)) {
          this.state = 'end';
          continue;
        }
        this.header(h);
        continue;
      }
      if (this.state === 'data' || this.state === 'meta') {
        if (this.remaining > 0) {
          if (this.buf.length === 0) return;
          const n = Math.min(this.remaining, this.buf.length);
          const part = this.buf.subarray(0, n);
          this.buf = this.buf.subarray(n);
          this.remaining -= n;
          if (this.state === 'meta') this.meta!.chunks.push(Buffer.from(part));
          else if (this.cur?.pyc) this.cur.pyc.push(Buffer.from(part));
          else this.cur?.hash?.update(part);
          if (this.remaining > 0) return;
        }
        this.finishEntry();
        this.state = 'pad';
      }
      if (this.state === 'pad') {
        if (this.pad > 0) {
          const n = Math.min(this.pad, this.buf.length);
          this.buf = this.buf.subarray(n);
          this.pad -= n;
          if (this.pad > 0) return;
        }
        this.state = 'header';
      }
    }
  }

  private header(h: Buffer): void {
    const flag = String.fromCharCode(h[156]);
    const size = num(h, 124, 12);
    this.remaining = size;
    this.pad = (512 - (size % 512)) % 512;
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      this.meta = { kind: flag === 'x' ? 'pax' : flag === 'g' ? 'global' : flag === 'L' ? 'longname' : 'longlink', chunks: [] };
      this.state = 'meta';
      return;
    }
    const magic = str(h, 257, 6);
    const prefix = magic.startsWith('ustar') ? str(h, 345, 155) : '';
    let name = this.pax.path ?? this.longName ?? (prefix ? `${prefix}/${str(h, 0, 100)}` : str(h, 0, 100));
    const link = this.pax.linkpath ?? this.longLink ?? str(h, 157, 100);
    const type = TYPES[flag] ?? 'other';
    const realSize = this.pax.size !== undefined ? Number(this.pax.size) : size;
    if (this.pax.size !== undefined) {
      this.remaining = realSize;
      this.pad = (512 - (realSize % 512)) % 512;
    }
    const entry: FileEntry = {
      type,
      mode: (num(h, 100, 8) & 0o7777).toString(8).padStart(4, '0'),
      uid: this.pax.uid !== undefined ? Number(this.pax.uid) : num(h, 108, 8),
      gid: this.pax.gid !== undefined ? Number(this.pax.gid) : num(h, 116, 8),
      size: type === 'file' ? realSize : 0,
    };
    if (type === 'symlink' || type === 'hardlink') entry.link = type === 'hardlink' ? normPath(link) : link;
    name = normPath(name);
    this.pax = {};
    this.longName = undefined;
    this.longLink = undefined;
    const keep = this.keep(name);
    this.cur = { path: name, entry, keep };
    if (keep && type === 'file') {
      if (name.endsWith('.pyc') && realSize <= 64 << 20) this.cur.pyc = [];
      else this.cur.hash = createHash('sha256');
    }
    this.state = 'data';
  }

  private finishEntry(): void {
    if (this.meta) {
      const data = Buffer.concat(this.meta.chunks);
      if (this.meta.kind === 'pax') this.pax = parsePax(data);
      else if (this.meta.kind === 'longname') this.longName = str(data, 0, data.length);
      else if (this.meta.kind === 'longlink') this.longLink = str(data, 0, data.length);
      this.meta = null;
      return;
    }
    const c = this.cur;
    this.cur = null;
    if (!c || !c.keep) return;
    if (c.pyc) c.entry.sha256 = pycHash(Buffer.concat(c.pyc));
    else if (c.hash) c.entry.sha256 = c.hash.digest('hex');
    // A hard link is the same file under a second name; which name tar writes first depends on
    // layer order, so the link is listed as the file it names (type, mode, owner, size, hash).
    const target = c.entry.type === 'hardlink' && c.entry.link ? this.tree.get(c.entry.link) : undefined;
    this.tree.set(c.path, target ? { ...target } : c.entry);
  }
}

/** sha256 of a .pyc with the source-mtime field of a timestamp-based header zeroed (see top). */
export function pycHash(data: Buffer): string {
  if (data.length >= 16 && data.readUInt32LE(4) === 0) {
    const copy = Buffer.from(data);
    copy.fill(0, 8, 12);
    return createHash('sha256').update(copy).digest('hex');
  }
  return createHash('sha256').update(data).digest('hex');
}

/** One line describing an entry, for reports. */
export function describeEntry(e: FileEntry): string {
  const parts = [e.type, e.mode, `${e.uid}:${e.gid}`];
  if (e.type === 'file') parts.push(`${e.size} B`, `sha256:${(e.sha256 ?? '').slice(0, 12)}`);
  if (e.link !== undefined) parts.push(`-> ${e.link}`);
  return parts.join(' ');
}
