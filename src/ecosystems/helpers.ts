/** Small helpers the descriptors share: option parsing, program lookup, cache-directory rules. */
import { basename, programIndex, type ShellCommand, type Word } from '../core/shell.js';
import { normalizePath, type Instruction } from '../core/document.js';
import type { Env, Role } from './types.js';

export interface Parsed {
  opts: Map<string, string[]>;
  positional: Word[];
}

/** Split words into options and positional arguments; `valued` lists options that take a value. */
export function parseOptions(words: Word[], valued: ReadonlySet<string>): Parsed {
  const opts = new Map<string, string[]>();
  const positional: Word[] = [];
  const add = (k: string, v: string): void => {
    const list = opts.get(k) ?? [];
    list.push(v);
    opts.set(k, list);
  };
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const v = word.value;
    if (v === '--') {
      positional.push(...words.slice(i + 1));
      break;
    }
    if (v.startsWith('--') && v.includes('=')) {
      const eq = v.indexOf('=');
      add(v.slice(0, eq), v.slice(eq + 1));
    } else if (v.startsWith('-') && v.length > 1 && !word.quoted) {
      const next = words[i + 1];
      if (valued.has(v) && next !== undefined) {
        add(v, next.value);
        i++;
      } else if (/^-[A-Za-z]$/.test(v.slice(0, 2)) && valued.has(v.slice(0, 2)) && v.length > 2 && !v.startsWith('--')) add(v.slice(0, 2), v.slice(2));
      else add(v, 'true');
    } else positional.push(word);
  }
  return { opts, positional };
}

export function has(opts: Map<string, string[]>, ...names: string[]): boolean {
  return names.some((n) => opts.has(n));
}

export function values(opts: Map<string, string[]>, ...names: string[]): string[] {
  return names.flatMap((n) => opts.get(n) ?? []);
}

/** Short text of a command from word `from` for messages (the first two words when long). */
export function label(words: Word[], from: number): string {
  const text = words
    .slice(from)
    .map((w) => w.value)
    .join(' ');
  if (text.length <= 60) return text;
  return words
    .slice(from, from + 2)
    .map((w) => w.value)
    .join(' ');
}

/** Does this word look like a path (rather than a package name)? */
export function looksLikePath(v: string): boolean {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v) || /^git\+|^git@/.test(v)) return false;
  return v.startsWith('.') || v.startsWith('/') || v.includes('/') || v.startsWith('~') || v.startsWith('$') || /\.(whl|tar\.gz|tgz|zip|deb|rpm|gem|jar)$/.test(v);
}

/** The program word of a command and its index (`/usr/bin/pip3` -> `pip3`). */
export function program(cmd: ShellCommand): { name: string; index: number } | null {
  const p = programIndex(cmd.words);
  const word = cmd.words[p];
  if (p === -1 || word === undefined) return null;
  return { name: basename(word.value), index: p };
}

/** Index of the first non-option word at or after `i` (options taking a value listed in `withValue`). */
export function subcommandIndex(words: Word[], i: number, withValue: ReadonlySet<string> = new Set()): number {
  for (let w = words[i]; w !== undefined && w.value.startsWith('-'); w = words[i]) {
    if (withValue.has(w.value)) i++;
    i++;
  }
  return i;
}

/** Does any word of the command spell one of these options (`--cache`, `--cache=x`)? */
export function hasFlag(cmd: ShellCommand, ...names: string[]): boolean {
  return cmd.words.some((w) => names.some((n) => w.value === n || w.value.startsWith(n + '=')));
}

/** The subcommands whose role is one of `roles`. */
export function subsWithRole(table: Readonly<Record<string, Role>>, ...roles: Role[]): Set<string> {
  return new Set(Object.entries(table).filter(([, r]) => roles.includes(r)).map(([s]) => s));
}

/** A variable set to a true value (1, true, yes, on). */
export const truthy = (v: string | undefined): boolean => v !== undefined && /^(1|true|yes|on)$/i.test(v);

/** `$XDG_CACHE_HOME` or `<home>/.cache`; undefined when neither is known. */
export function xdgCacheHome(env: Env, home: string | undefined): string | undefined {
  const x = env.get('XDG_CACHE_HOME');
  if (x) return x;
  return home === undefined ? undefined : joinDir(home, '.cache');
}

/** The value of a variable that moves a cache, or undefined when unset; `null` when it is unknown (ARG without default). */
export function envDir(env: Env, name: string): string | undefined | null {
  if (!env.has(name)) return undefined;
  const v = env.get(name);
  if (v === undefined) return null;
  return v;
}

export function joinDir(a: string, b: string): string {
  return normalizePath((a.endsWith('/') ? a : a + '/') + b);
}

/**
 * A cache directory given by a variable (or its default): the variable's value when set to a
 * plain absolute path; a skip reason when set but unusable.
 */
export function dirFromVar(env: Env, name: string, fallback: string | undefined, tool: string): string | undefined | { skip: string } {
  const v = envDir(env, name);
  if (v === null) return { skip: `${name} is a build argument without a default, so the ${tool} cache directory is unknown; left unchanged` };
  if (v === undefined || v === '') return fallback;
  if (!v.startsWith('/') || v.includes('$')) return { skip: `${name}=${v} is not a known absolute path; left unchanged` };
  return v;
}

/** Does the stage chain of `instr` start from an image whose name matches `re` (e.g. golang)? */
export function baseImageIs(instr: Instruction, re: RegExp): boolean {
  return instr.stage !== null && re.test(instr.stage.root().resolvedBaseImage.toLowerCase());
}
