/**
 * Finding Dockerfiles under the paths a user gives: files are taken as they are (unless a
 * `.dockerfixignore` excludes them), directories are searched recursively for the Dockerfile
 * names (src/core/names.ts), honouring `.gitignore` and `.dockerfixignore` files (those in the
 * searched tree and those between it and the repository root, with git's precedence; the
 * `ignore` package does the pattern semantics) and the repository's `.git/info/exclude`, and
 * skipping dependency and VCS directories. Symbolic links are not followed.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Ignore } from 'ignore';
import { FileError } from '../pipeline/fsio.js';
import { isDockerfileName } from '../core/names.js';
import type { Listings } from '../core/listings.js';
import { realPath } from '../core/files.js';

/** The names searched for: the one list in src/core/names.ts (also the prettier plugin's and pre-commit's). */
export { DOCKERFILE_PATTERNS, NOT_DOCKERFILES } from '../core/names.js';

/** Directories never searched, at any depth. */
export const SKIPPED_DIRS = ['node_modules', '.git', 'vendor', '.hg', '.svn', 'bower_components'];
/**
 * Template directories (cookiecutter's `{{cookiecutter.project_slug}}/`, Jinja `{%...%}`): what
 * they hold is rendered by a generator, not built. As ignore globs (braces escaped).
 */
export const TEMPLATE_DIRS = ['**/*\\{\\{*/**', '**/*\\{%*/**'];
const isTemplateDir = (name: string): boolean => name.includes('{{') || name.includes('{%');

const SKIP = new Set(SKIPPED_DIRS);

/** What the directory search takes: DOCKERFILE_PATTERNS without NOT_DOCKERFILES. */
const searched = isDockerfileName;

export interface Discovered {
  files: string[];
  errors: FileError[];
}

/** `listings`: keeps every directory listing the search reads, for the rest of the run (src/core/listings.ts). */
export async function discover(paths: readonly string[], cwd = process.cwd(), listings?: Listings): Promise<Discovered> {
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
      // A file named on the command line (pre-commit names every staged file): .dockerfixignore
      // applies to it; .gitignore does not (git itself takes a file named explicitly).
      if (!(await dockerfixIgnored(path.resolve(cwd, p)))) add(p);
      continue;
    }
    let found: string[];
    const unreadable: string[] = [];
    const unsearchable: { dir: string; why: string }[] = [];
    try {
      found = await searchDirectory(path.resolve(cwd, p), unreadable, unsearchable, listings);
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
    for (const u of unsearchable) {
      const rel = path.relative(root, u.dir);
      errors.push(new FileError(rel ? path.join(p, rel) : p, u.why));
    }
  }
  return { files, errors };
}

/** .gitignore rules of one directory; their patterns are relative to it. */
interface Rules {
  base: string;
  ig: Ignore;
}

let makeIgnore: (() => Ignore) | undefined;

/**
 * The Dockerfiles under `root` (relative paths with `/`, sorted): one walk, no symbolic links
 * followed, skipped and git-ignored directories not entered. Directories that cannot be read are
 * added to `unreadable`; other unreadable entries are passed over.
 */
export async function searchDirectory(root: string, unreadable: string[], unsearchable: { dir: string; why: string }[] = [], listings?: Listings): Promise<string[]> {
  // Loaded only when a directory is searched (a run on files never pays for it).
  makeIgnore ??= ((await import('ignore')) as unknown as { default: () => Ignore }).default;
  const out: string[] = [];
  // Below a root that is its own real path, every directory the walk enters is too (it enters no link).
  const linkFree = listings !== undefined && realIs(root);
  const visit = (dir: string, rel: string, rules: Rules[]): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') unreadable.push(dir);
      // Never silent: a path longer than the system allows, or a name that is not UTF-8 (Node
      // turns its bytes into U+FFFD, so the name read back does not exist).
      else if (code === 'ENAMETOOLONG') unsearchable.push({ dir, why: 'path longer than the system allows (PATH_MAX); its files were not checked' });
      else if (code === 'ENOENT' && dir.includes('\ufffd')) unsearchable.push({ dir, why: 'directory name is not valid UTF-8; its files were not checked' });
      return;
    }
    listings?.seed(dir, entries, linkFree);
    const own = IGNORE_FILES.filter((n) => entries.some((e) => e.name === n && !e.isDirectory())).map((n) => ignoreFileAt(dir, n)).filter((r): r is Rules => r !== null);
    const here = own.length ? [...rules, ...own] : rules;
    for (const e of entries) {
      const name = e.name;
      if (e.isDirectory()) {
        if (SKIP.has(name) || isTemplateDir(name)) continue;
        const abs = path.join(dir, name);
        if (here.length && ignored(here, abs, true)) continue;
        visit(abs, rel ? `${rel}/${name}` : name, here);
      } else if (e.isFile() && searched(name)) {
        const abs = path.join(dir, name);
        if (name.includes('\ufffd') && !fs.existsSync(abs)) {
          unsearchable.push({ dir: abs, why: 'file name is not valid UTF-8; not checked' });
          continue;
        }
        if (here.length && ignored(here, abs, false)) continue;
        out.push(rel ? `${rel}/${name}` : name);
      }
    }
  };
  visit(root, '', parentRules(root));
  return out.sort();
}

function realIs(p: string): boolean {
  try {
    return realPath(p) === p;
  } catch {
    return false;
  }
}

/** Ignore files read in every directory, in this order (a later one can re-include with `!`). */
const IGNORE_FILES = ['.gitignore', '.dockerfixignore'];

function ignoreFileAt(dir: string, name: string, base = dir): Rules | null {
  let text: string;
  try {
    const file = path.join(dir, name);
    if (!fs.statSync(file).isFile()) return null;
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  return { base, ig: makeIgnore!().add(text) };
}

/** The repository root at or above `dir` (the directory holding `.git`), or undefined. */
function repoRootOf(dir: string): string | undefined {
  for (let d = dir; ; ) {
    if (fs.existsSync(path.join(d, '.git'))) return d;
    const up = path.dirname(d);
    if (up === d) return undefined;
    d = up;
  }
}

/**
 * The ignore files above `root` that apply to it: the repository's `.git/info/exclude`, then
 * from the repository root (the nearest directory holding `.git`) down to root's parent, each
 * directory's .gitignore and .dockerfixignore. Outside a repository: none.
 */
function parentRules(root: string): Rules[] {
  const top = repoRootOf(root);
  if (!top) return [];
  const chain: string[] = [];
  for (let d = root; ; d = path.dirname(d)) {
    chain.push(d);
    if (d === top) break;
  }
  const rules: Rules[] = [];
  const info = ignoreFileAt(path.join(top, '.git', 'info'), 'exclude', top);
  if (info) rules.push(info);
  // chain: root, its parent, ..., the repository root; root's own files are read by the walk.
  for (let k = chain.length - 1; k >= 1; k--) {
    for (const n of IGNORE_FILES) {
      const r = ignoreFileAt(chain[k], n);
      if (r) rules.push(r);
    }
  }
  return rules;
}

/** Does a `.dockerfixignore` (from the repository root, or the file's directory outside one, down) exclude `abs`? */
export async function dockerfixIgnored(abs: string): Promise<boolean> {
  const dir = path.dirname(abs);
  const top = repoRootOf(dir) ?? dir;
  const dirs: string[] = [];
  for (let d = dir; ; d = path.dirname(d)) {
    dirs.push(d);
    if (d === top || path.dirname(d) === d) break;
  }
  const present = dirs.filter((d) => fs.existsSync(path.join(d, '.dockerfixignore')));
  if (!present.length) return false;
  makeIgnore ??= ((await import('ignore')) as unknown as { default: () => Ignore }).default;
  const rules = present.reverse().map((d) => ignoreFileAt(d, '.dockerfixignore')).filter((r): r is Rules => r !== null);
  // A directory pattern (`gen/`) excludes what is below it.
  for (let d = dir; rules.length; d = path.dirname(d)) {
    if (ignored(rules.filter((r) => inside(r.base, d) && r.base !== d), d, true)) return true;
    if (d === top || path.dirname(d) === d) break;
  }
  return ignored(rules, abs, false);
}

function inside(base: string, p: string): boolean {
  const r = path.relative(base, p);
  return r === '' || (!r.startsWith('..') && !path.isAbsolute(r));
}

/** Git's rule: the last matching pattern wins, and deeper .gitignore files come later. */
function ignored(rules: Rules[], abs: string, dir: boolean): boolean {
  let out = false;
  for (const r of rules) {
    let rel = path.relative(r.base, abs);
    if (path.sep !== '/') rel = rel.split(path.sep).join('/');
    const t = r.ig.test(dir ? `${rel}/` : rel);
    if (t.ignored) out = true;
    else if (t.unignored) out = false;
  }
  return out;
}
