/**
 * Finding Dockerfiles under the paths a user gives: files are taken as they are, directories
 * are searched recursively for the usual Dockerfile names, honouring .gitignore (globby does the
 * .gitignore semantics, nested files included) and skipping dependency and VCS directories.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FileError } from './fsio.js';

export const DOCKERFILE_PATTERNS = [
  '**/Dockerfile',
  '**/Dockerfile.*',
  '**/*.Dockerfile',
  '**/*.dockerfile',
  '**/Containerfile',
  '**/Containerfile.*',
];

const IGNORED_DIRS = ['**/node_modules/**', '**/.git/**', '**/vendor/**', '**/.hg/**', '**/.svn/**', '**/bower_components/**'];
const NOT_DOCKERFILES = ['**/*.dockerignore', '**/*.md', '**/*.orig', '**/*.rej', '**/*.dockerfix-*.tmp'];

export function isDockerfileName(name: string): boolean {
  const base = path.basename(name);
  if (/\.dockerignore$|\.md$/.test(base)) return false;
  return /^(Dockerfile|Containerfile)(\..+)?$/.test(base) || /\.(Dockerfile|dockerfile)$/.test(base);
}

export interface Discovered {
  files: string[];
  errors: FileError[];
}

export async function discover(paths: readonly string[], cwd = process.cwd()): Promise<Discovered> {
  const files: string[] = [];
  const errors: FileError[] = [];
  const seen = new Set<string>();
  const add = (f: string): void => {
    const key = path.resolve(cwd, f);
    if (seen.has(key)) return;
    seen.add(key);
    files.push(f);
  };
  for (const p of paths) {
    let st: fs.Stats;
    try {
      st = fs.statSync(path.resolve(cwd, p));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      errors.push(
        new FileError(
          p,
          code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : code === 'ELOOP' ? 'too many levels of symbolic links' : (e as Error).message,
        ),
      );
      continue;
    }
    if (!st.isDirectory()) {
      add(p);
      continue;
    }
    let found: string[];
    const unreadable: string[] = [];
    // globby is loaded only when a directory is searched (a run on files never pays for it).
    const { globbySync } = await import('globby');
    try {
      // The synchronous walk is 3-4x faster than the async one on big trees (no callback per entry).
      found = globbySync(DOCKERFILE_PATTERNS, {
        fs: recordingFs(unreadable),
        cwd: path.resolve(cwd, p),
        gitignore: true,
        ignore: [...IGNORED_DIRS, ...NOT_DOCKERFILES],
        dot: true,
        onlyFiles: true,
        followSymbolicLinks: false,
        suppressErrors: true,
      });
    } catch (e) {
      errors.push(new FileError(p, `cannot search directory: ${(e as Error).message}`));
      continue;
    }
    for (const f of found.sort()) add(path.join(p, f));
    // Directories the walk could not read are reported (their Dockerfiles were not checked).
    const root = path.resolve(cwd, p);
    for (const d of [...new Set(unreadable)].sort()) {
      const rel = path.relative(root, d);
      errors.push(new FileError(rel ? path.join(p, rel) : p, 'permission denied (cannot read directory); its files were not checked'));
    }
  }
  return { files, errors };
}

/** `fs` for the walk that remembers directories it was not allowed to read (errors are still suppressed). */
function recordingFs(unreadable: string[]): typeof fs {
  const readdirSync = ((dir: fs.PathLike, options?: unknown) => {
    try {
      return fs.readdirSync(dir, options as never);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') unreadable.push(String(dir));
      throw e;
    }
  }) as typeof fs.readdirSync;
  return { ...fs, readdirSync };
}
