/**
 * `.editorconfig` (https://editorconfig.org) for the formatter, read the way prettier reads it:
 * the files from the Dockerfile's directory upward, stopping at one with `root = true` or at the
 * repository root (the directory holding `.git`), nearer files and later sections winning.
 *
 *   indent_style = tab | space   -> useTabs
 *   indent_size = <n> | tab      -> indent (tab: tab_width, and useTabs)
 *   tab_width = <n>              -> indent when indent_size is not a number
 *   end_of_line = lf | crlf      -> endOfLine (cr is not a Dockerfile line ending: ignored)
 *
 * A section's glob without `/` matches the file name at any depth below the .editorconfig; with
 * `/` it is relative to the .editorconfig's directory. `unset` removes a value.
 */
import fs from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
/** Layout settings for the formatter (dockerfix fmt, --fmt, the prettier plugin). */
export interface FormatSettings {
  /** Spaces for continuation lines (0-16). */
  indent?: number;
  /** Indent continuation lines with a tab. */
  useTabs?: boolean;
  endOfLine?: 'auto' | 'lf' | 'crlf';
}

type Props = Record<string, string>;

interface Section {
  glob: string;
  props: Props;
}

interface EditorConfigFile {
  dir: string;
  root: boolean;
  sections: Section[];
}

const MAX_BYTES = 1024 * 1024;
const cache = new Map<string, EditorConfigFile | null>();

export function parseEditorConfig(text: string): { root: boolean; sections: Section[] } {
  let root = false;
  const sections: Section[] = [];
  let current: Section | null = null;
  for (const raw of text.replace(/^\ufeff/, '').split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const sec = /^\[(.*)\]$/.exec(line);
    if (sec) {
      current = { glob: sec[1], props: {} };
      sections.push(current);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim().toLowerCase();
    const value = line.slice(eq + 1).trim();
    if (current) current.props[key] = value;
    else if (key === 'root') root = value.toLowerCase() === 'true';
  }
  return { root, sections };
}

function readAt(dir: string): EditorConfigFile | null {
  if (cache.has(dir)) return cache.get(dir)!;
  let found: EditorConfigFile | null = null;
  const file = path.join(dir, '.editorconfig');
  try {
    // A regular file only, never waited on (a FIFO), and small.
    const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    try {
      const st = fs.fstatSync(fd);
      if (st.isFile() && st.size <= MAX_BYTES) {
        const buf = Buffer.alloc(st.size);
        let n = 0;
        while (n < st.size) {
          const r = fs.readSync(fd, buf, n, st.size - n, n);
          if (r === 0) break;
          n += r;
        }
        found = { dir, ...parseEditorConfig(buf.subarray(0, n).toString('utf8')) };
      }
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    found = null;
  }
  cache.set(dir, found);
  return found;
}

/** Forget what was read (tests change files between runs in one process). */
export function clearEditorConfigCache(): void {
  cache.clear();
}

function sectionMatches(glob: string, rel: string): boolean {
  const anchored = glob.includes('/');
  const pattern = glob.startsWith('/') ? glob.slice(1) : glob;
  try {
    return picomatch(pattern, { dot: true, basename: !anchored })(rel);
  } catch {
    return false;
  }
}

/** The EditorConfig properties that apply to `file` (absolute or cwd-relative). */
export function editorConfigProps(file: string): Props {
  const abs = path.resolve(file);
  const chain: EditorConfigFile[] = [];
  for (let dir = path.dirname(abs); ; ) {
    const ec = readAt(dir);
    if (ec) chain.push(ec);
    if (ec?.root || fs.existsSync(path.join(dir, '.git'))) break;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  const props: Props = {};
  for (const ec of chain.reverse()) {
    const rel = path.relative(ec.dir, abs).split(path.sep).join('/');
    for (const s of ec.sections) {
      if (!sectionMatches(s.glob, rel)) continue;
      for (const [k, v] of Object.entries(s.props)) {
        if (v.toLowerCase() === 'unset') delete props[k];
        else props[k] = v;
      }
    }
  }
  return props;
}

const int = (v: string | undefined): number | undefined => (v !== undefined && /^\d+$/.test(v) && Number(v) <= 16 ? Number(v) : undefined);

/** The formatter settings `.editorconfig` gives `file` (as prettier maps them). */
export function editorConfigFormat(file: string): FormatSettings {
  const p = editorConfigProps(file);
  const out: FormatSettings = {};
  const style = p.indent_style?.toLowerCase();
  if (style === 'tab') out.useTabs = true;
  else if (style === 'space') out.useTabs = false;
  const size = p.indent_size?.toLowerCase();
  if (size === 'tab') out.useTabs = true;
  const width = int(size) ?? int(p.tab_width);
  if (width !== undefined) out.indent = width;
  const eol = p.end_of_line?.toLowerCase();
  if (eol === 'lf' || eol === 'crlf') out.endOfLine = eol;
  return out;
}
