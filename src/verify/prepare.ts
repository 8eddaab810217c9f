/**
 * Preparing a verify run: which targets to build, the cache-mount ids that keep the run's mounts
 * apart from the user's (legacy client), the copy of the context the rebuild edits go to, the
 * files those edits touch, and the mounts the rewrite adds (their contents leave the image by
 * design).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DirectoryContext, excludesTree } from '../core/context.js';
import { DockerfileDocument, type Stage } from '../core/document.js';
import { mountOptions } from '../core/edit-helpers.js';
import { isManifest } from '../cli/explain.js';
import type { ExcludeRule } from './compare.js';

export interface Target {
  /** `--target` value, or null for the default build (the last stage, built without --target). */
  target: string | null;
  /** For titles and tags. */
  label: string;
  /** Why it is built. */
  why: string;
}

function stageDeps(doc: DockerfileDocument, s: Stage): Stage[] {
  const deps: Stage[] = [];
  if (s.parent) deps.push(s.parent);
  for (const i of s.instructions) {
    const from = i.upper === 'COPY' || i.upper === 'ADD' ? i.flag('from')?.value : undefined;
    if (from) {
      const d = doc.stageByRef(from, s.index);
      if (d) deps.push(d);
    }
    if (i.upper === 'RUN') {
      for (const f of i.flagsNamed('mount')) {
        const m = mountOptions(f).get('from');
        const d = m ? doc.stageByRef(m, s.index) : undefined;
        if (d) deps.push(d);
      }
    }
  }
  return deps;
}

/**
 * The targets a project may build: the default build (last stage), every named stage no other
 * stage builds on (a leaf: `--target` is its only use), every named stage with its own CMD or
 * ENTRYPOINT, and the targets the repository's build definitions or `--target` name.
 */
export function findTargets(text: string, requested: readonly string[] = [], found: readonly string[] = []): Target[] {
  const doc = new DockerfileDocument(text.replace(/^\uFEFF/, ''));
  const stages = doc.stages;
  if (requested.length) {
    return requested.map((t) => {
      const s = doc.stageByRef(t);
      if (!s || !s.name) throw new Error(`--target ${t}: no stage named ${JSON.stringify(t)} in the Dockerfile`);
      return { target: s.name, label: s.name, why: '--target' };
    });
  }
  const used = new Set<number>();
  for (const s of stages) for (const d of stageDeps(doc, s)) used.add(d.index);
  const out: Target[] = [];
  const last = stages[stages.length - 1];
  for (const s of stages) {
    if (s === last) continue;
    if (!s.name) continue;
    const fromDefs = found.some((f) => f.toLowerCase() === s.name!.toLowerCase());
    const leaf = !used.has(s.index);
    const runs = s.instructions.some((i) => i.upper === 'CMD' || i.upper === 'ENTRYPOINT');
    if (fromDefs || leaf || runs) out.push({ target: s.name, label: s.name, why: fromDefs ? 'named by a build definition' : leaf ? 'a stage nothing else builds on' : 'a stage with its own CMD/ENTRYPOINT' });
  }
  if (last) out.push({ target: null, label: last.name ?? 'default', why: 'the default build (last stage)' });
  return out;
}

/**
 * Give every `RUN --mount=type=cache` its own `id=` (prefixing an existing one), so the run's
 * cache mounts are new ones: nothing of the user's mounts is read, filled or emptied. The
 * mount id is part of a step's cache key, so these steps run at least once in the run.
 */
export function isolateCacheMounts(text: string, prefix: string): { text: string; count: number } {
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  const body = bom ? text.slice(1) : text;
  const doc = new DockerfileDocument(body);
  const edits: { start: number; end: number; text: string }[] = [];
  for (const i of doc.instructions) {
    if (i.upper !== 'RUN') continue;
    for (const f of i.flagsNamed('mount')) {
      const o = mountOptions(f);
      if (o.get('type') !== 'cache') continue;
      const raw = body.slice(f.start, f.end);
      const eq = raw.indexOf('=');
      let value = raw.slice(eq + 1);
      const quoted = /^["']/.test(value) && value.endsWith(value[0]) ? value[0] : '';
      if (quoted) value = value.slice(1, -1);
      const parts = value.split(',');
      const idAt = parts.findIndex((p) => /^id=/i.test(p.trim()));
      const base = o.get('id') ?? o.get('target') ?? 'cache';
      const id = `${prefix}${base.replace(/[^A-Za-z0-9_./-]/g, '_')}`;
      if (idAt >= 0) parts[idAt] = `id=${id}`;
      else parts.push(`id=${id}`);
      edits.push({ start: f.start, end: f.end, text: `${raw.slice(0, eq + 1)}${quoted}${parts.join(',')}${quoted}` });
    }
  }
  let out = body;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return { text: bom + out, count: edits.length };
}

/** Cache-mount targets of a Dockerfile's RUN steps. */
export function cacheMountTargets(text: string): Set<string> {
  const doc = new DockerfileDocument(text.replace(/^\uFEFF/, ''));
  const out = new Set<string>();
  for (const i of doc.instructions) {
    if (i.upper !== 'RUN') continue;
    for (const f of i.flagsNamed('mount')) {
      const o = mountOptions(f);
      const t = o.get('target');
      if (o.get('type') === 'cache' && t) out.add(t.length > 1 ? t.replace(/\/+$/, '') : t);
    }
  }
  return out;
}

/**
 * The cache mounts the rewrite adds: what the original left in the image there (package caches,
 * downloaded archives, package lists the step deletes anyway) stays in the mount instead: the
 * purpose of the mount. Their subtrees are left out of the comparison, and named in the report.
 */
export function addedMountRules(original: string, rewrite: string): ExcludeRule[] {
  const before = cacheMountTargets(original);
  return [...cacheMountTargets(rewrite)]
    .filter((t) => !before.has(t) && t.startsWith('/'))
    .sort()
    .map((t) => ({ pattern: t, reason: 'cache mount added by the rewrite: its contents stay in the mount instead of the image' }));
}

export interface MountSignature {
  target: string;
  /** The start of the step's command, whitespace collapsed, as BuildKit's record description shows it. */
  command: string;
}

/**
 * What identifies the build-cache records of a Dockerfile's cache mounts: BuildKit describes one
 * as `cached mount <target> from exec <command>` (the id is not shown).
 */
export function cacheMountSignatures(text: string): MountSignature[] {
  const doc = new DockerfileDocument(text.replace(/^\uFEFF/, ''));
  const out: MountSignature[] = [];
  for (const i of doc.instructions) {
    if (i.upper !== 'RUN') continue;
    const cmd = collapse(i.json ? i.json.join(' ') : i.argsText()).slice(0, 40);
    for (const f of i.flagsNamed('mount')) {
      const o = mountOptions(f);
      const t = o.get('target');
      if (o.get('type') === 'cache' && t) out.push({ target: t, command: cmd });
    }
  }
  return out;
}

export function collapse(s: string): string {
  return s.replace(/\\\r?\n/g, ' ').replace(/\s+/g, ' ').trim();
}

/** Does a build-cache record's description belong to one of these mounts? */
export function matchesMountRecord(description: string, sigs: readonly MountSignature[]): boolean {
  const d = collapse(description);
  return sigs.some((s) => (d.startsWith(`cached mount ${s.target} from exec `) || d.startsWith(`cached mount ${s.target.replace(/\/+$/, '')} from exec `)) && d.includes(s.command));
}

/** `--mount=type=secret|ssh` ids the Dockerfile uses: the build needs `--secret`/`--ssh`. */
export function secretMounts(text: string): { secrets: string[]; ssh: string[] } {
  const doc = new DockerfileDocument(text.replace(/^\uFEFF/, ''));
  const secrets = new Set<string>();
  const ssh = new Set<string>();
  for (const i of doc.instructions) {
    if (i.upper !== 'RUN') continue;
    for (const f of i.flagsNamed('mount')) {
      const o = mountOptions(f);
      if (o.get('type') === 'secret') secrets.add(o.get('id') ?? path.posix.basename(o.get('target') ?? 'secret'));
      if (o.get('type') === 'ssh') ssh.add(o.get('id') ?? 'default');
    }
  }
  return { secrets: [...secrets], ssh: [...ssh] };
}

/** Copy the build context for the rebuild edits (the user's files are never edited). Trees .dockerignore excludes are left out. */
export function copyContext(src: string, dest: string, dockerfile?: string): void {
  const ctx = new DirectoryContext(src, dockerfile);
  fs.cpSync(src, dest, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (from) => {
      const rel = path.relative(src, from).split(path.sep).join('/');
      if (!rel) return true;
      let st: fs.Stats;
      try {
        st = fs.lstatSync(from);
      } catch {
        return false;
      }
      if (!st.isFile() && !st.isDirectory() && !st.isSymbolicLink()) return false;
      if (st.isDirectory() && excludesTree(ctx, rel)) return false;
      return true;
    },
  });
}

/** The comment line appended to a file to change its bytes, by its type; null when its format takes none. */
export function editLine(rel: string, tag: string): string | null {
  const base = rel.split('/').pop() ?? rel;
  const ext = path.extname(base).toLowerCase();
  if (ext === '.json') return '\n'; // stays valid JSON, the bytes change
  if (['.js', '.mjs', '.cjs', '.ts', '.tsx', '.jsx', '.go', '.java', '.c', '.h', '.cc', '.cpp', '.rs', '.cs', '.kt', '.scala', '.swift', '.php', '.mod'].includes(ext)) return `\n// dockerfix verify edit ${tag}\n`;
  if (['.html', '.xml', '.md', '.csproj', '.fsproj', '.vbproj', '.props', '.targets'].includes(ext)) return `\n<!-- dockerfix verify edit ${tag} -->\n`;
  if (['.py', '.sh', '.bash', '.rb', '.pl', '.txt', '.toml', '.yaml', '.yml', '.cfg', '.ini', '.conf', '.r', '.in', '.lock'].includes(ext)) return `\n# dockerfix verify edit ${tag}\n`;
  if (['Gemfile', 'Makefile', 'Pipfile', 'Dockerfile'].includes(base)) return `\n# dockerfix verify edit ${tag}\n`;
  return null;
}

/** Lock files whose format checks its own contents: never edited automatically. */
const NO_EDIT = /(^|\/)(package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|poetry\.lock|Pipfile\.lock|Cargo\.lock|go\.sum|composer\.lock|Gemfile\.lock|uv\.lock|pdm\.lock|bun\.lockb?|packages\.lock\.json)$/;

/** COPY/ADD sources from the context (no --from), as written. */
function copySources(doc: DockerfileDocument): string[] {
  const out: string[] = [];
  for (const i of doc.instructions) {
    if ((i.upper !== 'COPY' && i.upper !== 'ADD') || i.flag('from')) continue;
    const json = i.json;
    const words = json ?? i.argsText().trim().split(/\s+/);
    out.push(...words.slice(0, -1));
  }
  return out;
}

function covered(src: string, file: string): boolean {
  const s = src.replace(/^\.?\/+/, '').replace(/\/+$/, '').replace(/^\.$/, '');
  if (s === '') return true;
  if (!/[*?[]/.test(s)) return file === s || file.startsWith(`${s}/`);
  const re = new RegExp(`^${s.split('/').map((seg) => seg.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')).join('/')}(/.*)?$`);
  return re.test(file);
}

/** Files of the context (relative, `/`), breadth-first, without trees .dockerignore excludes, at most `max`. */
function listContext(root: string, dockerfile: string | undefined, max = 20000): string[] {
  const ctx = new DirectoryContext(root, dockerfile);
  const out: string[] = [];
  let level = [''];
  while (level.length && out.length < max) {
    const next: string[] = [];
    for (const dir of level) {
      let names: fs.Dirent[];
      try {
        names = fs.readdirSync(path.join(root, dir), { withFileTypes: true });
      } catch {
        continue;
      }
      names.sort((a, b) => (a.name < b.name ? -1 : 1));
      for (const d of names) {
        const rel = dir ? `${dir}/${d.name}` : d.name;
        if (d.isDirectory()) {
          if (d.name === '.git' || d.name === 'node_modules' || excludesTree(ctx, rel)) continue;
          next.push(rel);
        } else if (d.isFile() && !ctx.ignored(rel)) out.push(rel);
      }
    }
    level = next;
  }
  return out;
}

export interface TouchChoice {
  source?: string;
  dependency?: string;
  /** Why a phase has no file. */
  sourceWhy?: string;
  dependencyWhy?: string;
}

/**
 * Choose the files the rebuild scenarios edit: a source file (not a dependency manifest) that
 * the Dockerfile copies from the context and whose format takes a comment line, the shallowest
 * first; a dependency manifest it copies that takes one (lock files are never edited).
 */
export function chooseTouches(contextDir: string, dockerfileText: string, dockerfile?: string): TouchChoice {
  const doc = new DockerfileDocument(dockerfileText.replace(/^\uFEFF/, ''));
  const sources = copySources(doc);
  const files = listContext(contextDir, dockerfile).filter((f) => sources.some((s) => covered(s, f)));
  const dfRel = dockerfile ? path.relative(contextDir, dockerfile).split(path.sep).join('/') : 'Dockerfile';
  const editable = files.filter((f) => f !== dfRel && !/(^|\/)\.dockerignore$|\.dockerignore$/.test(f) && editLine(f, 'x') !== null);
  const CODE = /\.(py|js|mjs|cjs|ts|tsx|jsx|go|java|c|cc|cpp|rs|cs|rb|php|sh|kt|scala|swift)$/i;
  const source = editable.find((f) => !isManifest(f) && CODE.test(f)) ?? editable.find((f) => !isManifest(f));
  const dependency = editable.find((f) => isManifest(f) && !NO_EDIT.test(f));
  return {
    ...(source ? { source } : { sourceWhy: 'no source file the Dockerfile copies takes a comment line; pass --touch <path>' }),
    ...(dependency ? { dependency } : { dependencyWhy: 'no dependency manifest the Dockerfile copies takes a comment line; pass --touch-dependency <path>' }),
  };
}

/** Append the edit to a file of the context copy. */
export function applyEdit(contextCopy: string, rel: string, tag: string): void {
  const line = editLine(rel, tag) ?? `\n# dockerfix verify edit ${tag}\n`;
  fs.appendFileSync(path.join(contextCopy, rel), line);
}
