/**
 * Finding Dockerfiles under the paths a user gives: files are taken as they are, directories
 * are searched recursively for the usual Dockerfile names, honouring .gitignore (globby does the
 * .gitignore semantics, nested files included) and skipping dependency and VCS directories.
 */
import fs from 'node:fs';
import path from 'node:path';
import { globbySync } from 'globby';
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
      errors.push(new FileError(p, code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message));
      continue;
    }
    if (!st.isDirectory()) {
      add(p);
      continue;
    }
    let found: string[];
    try {
      // The synchronous walk is 3-4x faster than the async one on big trees (no callback per entry).
      found = globbySync(DOCKERFILE_PATTERNS, {
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
  }
  return { files, errors };
}
