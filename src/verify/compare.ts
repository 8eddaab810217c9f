/**
 * Comparing the original's and the rewrite's final images: the file trees (type, mode, owner,
 * size, content hash, link target) and the image config. What is left out is listed here, each
 * with the reason it differs between any two builds or by design of the rewrite; the report
 * names the rules applied.
 */
import { describeEntry, type FileEntry, type FileTree } from './image-fs.js';

export interface ExcludeRule {
  /** A path (its subtree too) or a glob with `*` (one segment) / `**` (any depth). */
  pattern: string;
  reason: string;
}

/**
 * Paths that differ between two builds of the same Dockerfile, or that `docker create` makes:
 * never evidence of a rewrite's effect.
 */
export const ALWAYS_EXCLUDED: readonly ExcludeRule[] = [
  { pattern: '/.dockerenv', reason: 'created by docker create for the exported container' },
  { pattern: '/etc/hostname', reason: 'created by docker create for the exported container' },
  { pattern: '/etc/hosts', reason: 'created by docker create for the exported container' },
  { pattern: '/etc/resolv.conf', reason: 'created by docker create for the exported container' },
  { pattern: '/proc', reason: 'mount point of the container runtime' },
  { pattern: '/sys', reason: 'mount point of the container runtime' },
  { pattern: '/dev', reason: 'mount point of the container runtime' },
  { pattern: '/var/log', reason: 'apt, dpkg and installers log with timestamps: differs between any two builds' },
  { pattern: '/var/cache/ldconfig/aux-cache', reason: "ldconfig's cache of file mtimes: differs between any two builds" },
  { pattern: '/var/cache/debconf/*-old', reason: 'debconf backup written at install time (timestamps)' },
  { pattern: '/var/lib/dpkg/*-old', reason: 'dpkg backup written at install time' },
];

function globToRegExp(g: string): RegExp {
  let re = '';
  for (let i = 0; i < g.length; i++) {
    const c = g[i];
    if (c === '*' && g[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}(/.*)?$`);
}

/** A predicate for TarLister: false for excluded paths. */
export function keepFilter(rules: readonly ExcludeRule[]): (path: string) => boolean {
  const plain = rules.filter((r) => !/[*?]/.test(r.pattern)).map((r) => r.pattern.replace(/\/+$/, ''));
  const globs = rules.filter((r) => /[*?]/.test(r.pattern)).map((r) => globToRegExp(r.pattern));
  return (p: string) => {
    for (const x of plain) if (p === x || p.startsWith(`${x}/`)) return false;
    for (const g of globs) if (g.test(p)) return false;
    return true;
  };
}

export interface PathDiff {
  path: string;
  /** Only in the original / only in the rewrite / in both, different. */
  kind: 'only-original' | 'only-rewrite' | 'differs';
  original?: string;
  rewrite?: string;
  /** Which attributes differ (type, mode, owner, size, content, link). */
  fields?: string[];
}

export interface ConfigDiff {
  key: string;
  original: unknown;
  rewrite: unknown;
}

/** The image config keys compared (`docker image inspect`'s `.Config`). */
export const CONFIG_KEYS = ['Env', 'Entrypoint', 'Cmd', 'User', 'WorkingDir', 'Labels', 'ExposedPorts', 'Volumes', 'Healthcheck', 'StopSignal', 'Shell', 'OnBuild'] as const;

function entryFields(a: FileEntry, b: FileEntry): string[] {
  const f: string[] = [];
  if (a.type !== b.type) f.push('type');
  if (a.mode !== b.mode) f.push('mode');
  if (a.uid !== b.uid || a.gid !== b.gid) f.push('owner');
  if (a.size !== b.size) f.push('size');
  if (a.sha256 !== b.sha256) f.push('content');
  if (a.link !== b.link) f.push('link');
  return f;
}

export function diffTrees(a: FileTree, b: FileTree): PathDiff[] {
  const out: PathDiff[] = [];
  for (const [p, ea] of a) {
    const eb = b.get(p);
    if (!eb) out.push({ path: p, kind: 'only-original', original: describeEntry(ea) });
    else {
      const fields = entryFields(ea, eb);
      if (fields.length) out.push({ path: p, kind: 'differs', original: describeEntry(ea), rewrite: describeEntry(eb), fields });
    }
  }
  for (const [p, eb] of b) if (!a.has(p)) out.push({ path: p, kind: 'only-rewrite', rewrite: describeEntry(eb) });
  return out.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

/** Normalise for comparison: null/undefined/empty collections are the same ("not set"). */
function norm(v: unknown): unknown {
  if (v === undefined || v === null || v === '') return null;
  if (Array.isArray(v)) return v.length ? v : null;
  if (typeof v === 'object') {
    const keys = Object.keys(v as object).sort();
    if (!keys.length) return null;
    return Object.fromEntries(keys.map((k) => [k, (v as Record<string, unknown>)[k]]));
  }
  return v;
}

export function diffConfigs(a: Record<string, unknown>, b: Record<string, unknown>): ConfigDiff[] {
  const out: ConfigDiff[] = [];
  for (const k of CONFIG_KEYS) {
    let va = norm(a[k]);
    let vb = norm(b[k]);
    if (k === 'Env' && Array.isArray(va) && Array.isArray(vb)) {
      // Order of ENV entries is not meaningful to a process; a changed value is.
      va = [...(va as string[])].sort();
      vb = [...(vb as string[])].sort();
    }
    if (JSON.stringify(va) !== JSON.stringify(vb)) out.push({ key: k, original: norm(a[k]), rewrite: norm(b[k]) });
  }
  return out;
}

/**
 * BuildKit creates a cache mount's mount point, and its missing parent directories, in the
 * step's result: a `--mount=type=cache,target=/root/.cache/pip` leaves an empty `/root/.cache`
 * in the image where the original (`pip --no-cache-dir`) had none. Such a directory, only in the
 * rewrite, an ancestor of a mount the rewrite added and holding nothing else, is not a
 * difference. Returns the remaining differences and the paths dropped.
 */
export function dropMountParents(diffs: PathDiff[], rewrite: FileTree, addedTargets: readonly string[]): { diffs: PathDiff[]; dropped: string[] } {
  const dropped: string[] = [];
  const kept = diffs.filter((d) => {
    if (d.kind !== 'only-rewrite' || rewrite.get(d.path)?.type !== 'dir') return true;
    const under = addedTargets.filter((t) => t.startsWith(`${d.path}/`));
    if (!under.length) return true;
    // Anything else below it (apart from the mount subtrees, not listed) makes it a real difference.
    for (const p of rewrite.keys()) {
      if (!p.startsWith(`${d.path}/`)) continue;
      if (under.some((t) => t === p || t.startsWith(`${p}/`))) continue;
      return true;
    }
    dropped.push(d.path);
    return false;
  });
  return { diffs: kept, dropped };
}
