/**
 * The machinery every `*-cache-mount` transform shares: find a tool's commands in RUN steps,
 * resolve where the tool keeps its cache for the user and environment of that step, add a
 * `--mount=type=cache` for it (relocated outside the home, with `uid`/`gid`, for non-root users),
 * drop the flags/variables that disable the cache, and drop only the cleanup that would empty
 * (or, for `rm -rf <mount point>`, fail on) the mount.
 *
 * A transform describes its tool in a `CacheMountSpec`; `runCacheMounts` does the rest. Every
 * RUN is handled all-or-nothing: either all of its edits are made or none, with a `skipped`
 * finding that says why.
 */
import { commandAssignments, programIndex, basename, nestedCommands, type ShellCommand, type Word } from '../core/shell.js';
import { expandVars, normalizePath, overlayEnv, type DockerfileDocument, type Instruction } from '../core/document.js';
import { editInsideData, insertFlagsEdit, mountTargets, removeWordEdit, trimSlash } from '../core/edit-helpers.js';
import { osFamily, userAt, whyWindows, type OsFamily } from './images.js';
import type { Diagnostic, Edit, FixKind, TransformContext, TransformResult } from '../core/types.js';
import { buildModel, type BuildModel } from './build-model.js';
import { laterStoreUse, offlineRead, type OfflineRead } from './offline.js';

import type { CacheDir, CacheKnowledge, CacheMountSpec, Env, ToolHit } from '../ecosystems/types.js';
import { cacheKnowledgeFor } from '../ecosystems/index.js';

export type { CacheDir, CacheMountSpec, Env, ToolHit };
export { xdgCacheHome, envDir, joinDir, program, subcommandIndex, dirFromVar, baseImageIs } from '../ecosystems/helpers.js';

/**
 * The spec a `*-cache-mount` transform runs: the cache knowledge of every descriptor that names
 * the transform (src/ecosystems/), combined: the first descriptor whose `detect` recognises a
 * command handles it, any descriptor's cleanup counts. `label` overrides the tool name used in
 * messages (node-cache-mount covers npm, yarn, pnpm and bun).
 */
const specs = new Map<string, CacheMountSpec>();

export function cacheMountSpec(id: string, label?: string): CacheMountSpec {
  // The descriptors are fixed: each transform's spec (and its combined regular expressions) is
  // built once, not on every run.
  const key = label === undefined ? id : `${id}\0${label}`;
  let spec = specs.get(key);
  if (!spec) specs.set(key, (spec = buildSpec(id, label)));
  return spec;
}

function buildSpec(id: string, label?: string): CacheMountSpec {
  const parts = cacheKnowledgeFor(id);
  const first = parts[0];
  if (!first) throw new Error(`no ecosystem descriptor names the transform ${id}`);
  if (parts.length === 1) return { ...first, id, label: label ?? first.label };
  const union = (pick: (k: CacheKnowledge) => RegExp): RegExp => new RegExp(parts.map((k) => `(?:${pick(k).source})`).join('|'));
  return {
    id,
    label: label ?? parts.map((k) => k.label).join('/'),
    quick: union((k) => k.quick),
    execForm: union((k) => k.execForm),
    disablingEnv: Object.assign({}, ...parts.map((k) => k.disablingEnv ?? {})),
    detect(cmd, instr, ctx) {
      for (const k of parts) {
        const hit = k.detect(cmd, instr, ctx);
        if (hit) return hit;
      }
      return null;
    },
    isCleanup: (cmd) => parts.some((k) => k.isCleanup?.(cmd) ?? false),
  };
}

interface PlannedMount {
  target: string;
  options: string;
  dir: CacheDir;
}

/** Run one cache-mount spec over the document. */
export function runCacheMounts(doc: DockerfileDocument, ctx: TransformContext, spec: CacheMountSpec): TransformResult {
  const diagnostics: Diagnostic[] = [];
  // The candidates are in document order (quickMatches scans the text once, forwards): only
  // they are visited, not every instruction once per cache-mount transform.
  for (const index of quickMatches(doc, spec.quick)) {
    const instr = doc.instructions[index]!;
    if (instr.upper !== 'RUN' || !instr.stage) continue;
    const r = planRun(doc, ctx, spec, instr);
    if (!r) continue;
    const range = { start: instr.keywordStart, end: instr.keywordEnd };
    if ('skip' in r) {
      diagnostics.push({ kind: 'skipped', code: 'not-mounted', range, message: r.skip });
      continue;
    }
    if (r.edits.length === 0) continue;
    diagnostics.push({ kind: 'change', code: 'cache-mount', range, message: r.message, fix: { applicability: r.fixKind, edits: r.edits } });
  }
  return { diagnostics };
}

/**
 * Indexes of the instructions whose text (heredoc bodies included) matches `quick`: one regex
 * scan over the document instead of slicing every instruction (5 MB files have 60k steps).
 */
const globalRegExps = new Map<string, RegExp>();
/** The same, by the spec's own expression (specs are built once: no key string per call). */
const globalOf = new WeakMap<RegExp, RegExp>();

function quickMatches(doc: DockerfileDocument, quick: RegExp): Set<number> {
  const out = new Set<number>();
  let re = globalOf.get(quick);
  if (!re) {
    const flags = quick.flags.includes('g') ? quick.flags : quick.flags + 'g';
    const key = `${flags}/${quick.source}`;
    re = globalRegExps.get(key);
    if (!re) globalRegExps.set(key, (re = new RegExp(quick.source, flags)));
    globalOf.set(quick, re);
  }
  re.lastIndex = 0;
  const ins = doc.instructions;
  let k = 0;
  for (const m of doc.text.matchAll(re)) {
    const at = m.index ?? 0;
    while (k < ins.length && Math.max(ins[k]!.next, ins[k]!.end) <= at) k++;
    if (k >= ins.length) break;
    if (ins[k]!.start <= at) out.add(ins[k]!.index);
  }
  return out;
}

type Plan = { skip: string } | { edits: Edit[]; message: string; fixKind: FixKind };

function planRun(doc: DockerfileDocument, ctx: TransformContext, spec: CacheMountSpec, instr: Instruction): Plan | null {
  const stage = instr.stage!;
  if (instr.json) {
    if (spec.execForm.test(instr.json.join(' '))) {
      return { skip: `${spec.label} in exec (JSON) form: not rewritten, a cache mount for it needs the shell form` };
    }
    return null;
  }
  const cmds = instr.commands();
  const hits: ToolHit[] = [];
  for (const c of cmds) {
    const h = spec.detect(c, instr, ctx);
    if (h) hits.push(h);
  }
  const nested = nestedSkip(spec, cmds, hits.length > 0, instr, ctx);
  if (nested) return { skip: nested };
  if (hits.length === 0) return null;
  const tools = [...new Set(hits.map((h) => h.tool))].join('/');
  const family = osFamily(stage);
  if (family === 'windows') {
    const sign = whyWindows(stage);
    return { skip: `${tools} in a Windows stage${sign ? ` (${sign})` : ''}: the Linux cache paths and RUN --mount do not apply` };
  }
  if (doc.escape === '`' && /powershell|pwsh/i.test(instr.text)) {
    return { skip: `${tools} run through PowerShell in a backtick-escaped file: left unchanged` };
  }
  if (spec.families && family !== 'unknown' && !spec.families.includes(family)) {
    return { skip: `${tools} in a stage whose base image is ${family}, not ${spec.families.join('/')}: left unchanged` };
  }
  const user = userAt(instr);
  // Plan as for root when root is proven, or for tools that only run as root (apt, apk): such a
  // step builds only as root. With an unknown user the plan is root's, but the fix is unsafe.
  const unknownUser = !user.certain && !spec.needsRoot;
  const planRoot = user.root || !user.certain;
  if (!planRoot && spec.needsRoot) return { skip: `${tools} runs as user ${user.name} here, not root: left unchanged` };
  if (!planRoot && user.uid === undefined) {
    return {
      skip: `runs as user ${user.name}, whose uid is unknown${user.uidUnknown ? ` (${user.uidUnknown})` : ''}: a cache mount needs uid= so that user can write it; left unchanged`,
    };
  }
  const homeDependent = new Set<CacheDir>();
  let otherHome: string | undefined;
  if (cmds.some((c) => c.words.some((w) => w.unterminated) || c.redirects.some((w) => w.unterminated))) {
    return { skip: `${tools} in a step with a quote that is never closed (the shell would reject it): left unchanged` };
  }
  if (cmds.some((c) => c.terminator === '&' )) return { skip: `${tools} in a step that starts background jobs: left unchanged` };

  const state = instr.state();
  const planned = new Map<string, PlannedMount>();
  const existing = mountTargets(instr);
  const covered = (t: string): boolean => {
    for (const m of existing.keys()) if (t === m || t.startsWith(m + '/') || m.startsWith(t + '/')) return true;
    return false;
  };
  const relocations: Array<{ at: number; text: string[] }> = [];
  const blanks: Array<{ at: number; text: string[] }> = [];
  const notes: string[] = [];
  const removeWords: Word[] = [];
  const rewrites: Array<{ word: Word; text: string; why: string }> = [];
  let relocatedAny = false;
  let alreadyMounted = 0;
  const uidOpts = planRoot ? '' : `,uid=${user.uid}${user.gid !== undefined ? `,gid=${user.gid}` : ''}`;
  const exported = exportedNames(cmds);

  for (const hit of hits) {
    const own = commandAssignments(hit.cmd.words);
    // A view, not a copy: a file with thousands of steps and variables stays linear.
    const env: Env = overlayEnv(state.env, own);
    const home = env.get('HOME') ?? (planRoot ? user.home ?? '/root' : user.home);
    const dirs = hit.dirs(env, home);
    if (!Array.isArray(dirs)) return { skip: dirs.skip };
    if (unknownUser && !env.has('HOME')) {
      // Would the directories be others for a user whose home is not /root?
      const alt = hit.dirs(env, undefined);
      dirs.forEach((d, k) => {
        if (!Array.isArray(alt) || alt[k]?.dir !== d.dir) homeDependent.add(d);
      });
    }
    const assign: string[] = [];
    const blank: string[] = [];
    for (const d of dirs) {
      if (d.envVar && exported.has(d.envVar)) return { skip: `${d.envVar} is exported inside this RUN: the cache directory cannot be known; left unchanged` };
      let target: string | undefined;
      let relocate = false;
      if (planRoot) {
        // Root with HOME set to a user's home below /home (jupyter's USER root keeps
        // HOME=/home/jovyan): a mount there would leave root-owned directories in that home.
        const h = home === undefined ? undefined : trimSlash(normalizePath(home));
        const inOtherHome = h !== undefined && h.startsWith('/home/') && d.dir !== undefined && (d.dir === h || d.dir.startsWith(h + '/'));
        if (d.dir !== undefined && !inOtherHome) target = d.dir;
        else if (d.envVar) {
          target = `/root/.cache/${d.name}`;
          relocate = true;
          if (inOtherHome) otherHome = h;
        } else if (inOtherHome) {
          return { skip: `runs as root with HOME=${h}: a cache mount in that home would leave root-owned directories there, and ${d.name} has no variable to move its cache; left unchanged` };
        } else return { skip: d.unknown ?? `the ${d.name} cache directory is unknown here; left unchanged` };
      } else if (d.noRelocate) {
        return { skip: `runs as user ${user.name}: ${d.noRelocate}; left unchanged` };
      } else if (d.dir !== undefined && (d.dir.startsWith('/tmp/') || d.dir.startsWith('/var/tmp/'))) {
        target = d.dir;
      } else if (d.envVar) {
        target = `/tmp/${d.name}-cache`;
        relocate = true;
      } else {
        return { skip: `runs as user ${user.name}: ${d.name} has no variable to move its cache out of the home, and a mount there would leave root-owned directories in the image; left unchanged` };
      }
      if (!target.startsWith('/') || target.includes('$') || /[,"'\s]/.test(target)) {
        return { skip: `the ${d.name} cache directory "${target}" is not a plain absolute path; left unchanged` };
      }
      target = trimSlash(normalizePath(target));
      if (target === '/') return { skip: `the ${d.name} cache directory resolves to /; left unchanged` };
      if (relocate) {
        const cur = own.get(d.envVar!);
        if (cur !== undefined && cur !== target) {
          return { skip: `${d.envVar} is set on the command to ${cur}, which would have to move for user ${user.name}; left unchanged` };
        }
        if (cur === undefined && !assign.includes(`${d.envVar}=${target}`)) assign.push(`${d.envVar}=${target}`);
        relocatedAny = true;
      }
      if (covered(target)) alreadyMounted++;
      if (covered(target) || planned.has(target)) continue;
      const id = planRoot ? '' : `id=${d.name}-${user.uid},`;
      const opts = `type=cache,${id}target=${target}${d.locked ? ',sharing=locked' : ''}${uidOpts}`;
      planned.set(target, { target, options: opts, dir: d });
    }
    for (const [name, why] of Object.entries(spec.disablingEnv ?? {})) {
      const v = env.get(name);
      if (v !== undefined && v !== '') {
        blank.push(`${name}=`);
        notes.push(`set ${name} to empty for this command: ${name}=${v} is in effect and ${why}`);
      }
    }
    for (const w of hit.disable ?? []) if (!w.dynamic) removeWords.push(w);
    rewrites.push(...(hit.rewrite ?? []));
    if (assign.length || blank.length) {
      const p = programIndex(hit.cmd.words);
      const pre = hit.cmd.words.slice(0, p === -1 ? 0 : p);
      if (pre.some((w) => w.value === 'sudo' || w.value === 'su' || w.value === 'time')) {
        return { skip: `${hit.tool} runs through ${pre.find((w) => ['sudo', 'su', 'time'].includes(w.value))!.value} here, which would not pass on the variables a cache mount needs; left unchanged` };
      }
      let j = 0;
      while (j < hit.cmd.words.length - 1 && LEADING_RESERVED.has(hit.cmd.words[j]!.value) && !hit.cmd.words[j]!.quoted) j++;
      const at = hit.cmd.words[j]!.start;
      if (assign.length) relocations.push({ at, text: assign });
      if (blank.length) blanks.push({ at, text: blank });
    }
  }

  // The empty-mount rule (see src/analysis/offline.ts): a mount may take away from the layers
  // only what no step can miss. A store that a step reads without the network stays in the image.
  // The build model (every stage's reads of the others) only for the questions that need it: a
  // store read without the network, a directory holding the dependencies. apt, apk and pip
  // mounts ask neither, and a --check that stops at their change never builds it.
  let model: BuildModel | undefined;
  const theModel = (): BuildModel => (model ??= buildModel(doc, { targets: ctx.options.targets }));
  const unsafeWhy: string[] = [];
  const dropped: string[] = [];
  const byStore = new Map<string, string[]>();
  for (const [target, m] of planned) {
    const store = m.dir.offlineStore;
    if (store) byStore.set(store, [...(byStore.get(store) ?? []), target]);
  }
  // What the step itself discards (cleanup, a flag that turns the cache off, `rm` of the
  // directory) was never in the original image: no later step can miss it.
  const discards = (t: string): boolean =>
    removeWords.length > 0 ||
    cmds.some((c) => {
      if (spec.isCleanup?.(c)) return true;
      return (rmOperands(c) ?? []).some((w) => {
        const o = operandPath(w.value, state.env, state.env.get('HOME') ?? user.home);
        return o !== null && (o.path === t || t.startsWith(o.path + '/'));
      });
    });
  for (const [store, targets] of byStore) {
    if (targets.every(discards)) continue;
    const where = targets.join(' and ');
    const own = ownOfflineRead(cmds, hits, store, state.env);
    const later = own ? undefined : laterStoreUse(theModel(), instr, store);
    if (own) {
      dropped.push(`${own.what} in this step reads ${where} without the network: it needs what an earlier step left there in the image, which a cache mount would hide`);
    } else if (later?.offline) {
      const l = later.offline;
      dropped.push(
        `${l.read.what} at line ${l.instr.line}${l.instr.upper === 'RUN' ? '' : ` (the container's ${l.instr.upper})`} reads ${where} without the network, so it needs what this step downloads there in the image's layers; ` +
          'on a CI runner that imports the layer cache (cache mounts are never exported) or after the cache mounts are pruned, this step is a cache hit while the mount is empty, and that step would fail',
      );
    } else {
      if (later?.opaque) unsafeWhy.push(`${later.opaque.what} at line ${later.opaque.instr.line} runs a script that may read ${where} without the network, which would fail when the layer cache is warm and the mount empty (on a CI runner)`);
      continue;
    }
    for (const t of targets) planned.delete(t);
  }
  if (dropped.length) {
    // Mounts of ours already on the step (an earlier pass added the others): nothing more to say.
    if (planned.size === 0 && alreadyMounted > 0) return null;
    const hasCleanup = cmds.some((c) => spec.isCleanup?.(c));
    if (planned.size === 0 || hasCleanup || removeWords.length || rewrites.length || relocatedAny) {
      return { skip: `left ${cmdLabel(hits[0]!.cmd)} without a cache mount: ${dropped.join('; ')}` };
    }
  }

  const edits: Edit[] = [];
  const changes: string[] = [];
  let fixKind: FixKind = 'safe';
  const prefixes = new Map<number, string[]>();
  const addPrefix = (p: { at: number; text: string[] }): void => {
    prefixes.set(p.at, [...(prefixes.get(p.at) ?? []), ...p.text]);
  };
  if (planned.size > 0) {
    const mounts = [...planned.values()];
    // Cleanup that would empty the new mounts (or fail on their mount points) goes, only here.
    const targets = mounts.map((m) => m.target);
    const home = state.env.get('HOME') ?? (planRoot ? user.home ?? '/root' : user.home);
    const cleanup = planCleanup(doc, instr, cmds, spec, targets, state.env, home);
    if ('skip' in cleanup) return cleanup;
    const wrap = spec.wrap?.(instr) ?? null;
    if (wrap && !wrap.present(cmds)) {
      const w = planWrap(cmds, cleanup, wrap.prefix, wrap.suffix);
      if ('skip' in w) return w;
      edits.push(...w.edits);
      changes.push(wrap.note);
    }
    edits.push(...cleanup.edits);
    edits.push(insertMountFlags(doc, instr, mounts.map((m) => `--mount=${m.options}`)));
    const list = mounts.map((m) => m.target).join(' and ');
    changes.unshift(
      `adds ${mounts.length > 1 ? 'cache mounts' : 'a cache mount'} at ${list} so ${tools} reuses ${reuses(mounts, spec)} across builds (${mounts.length > 1 ? 'the mounts are' : 'the mount is'} not stored in the image)` +
        (planRoot ? '' : `, owned by uid ${user.uid} because the step runs as ${user.name}`),
    );
    if (relocatedAny) {
      changes.push(
        otherHome
          ? `points ${tools} at the mount with a variable on the command: its cache directory is in ${otherHome} (HOME), and a mount there would leave root-owned directories in that home`
          : planRoot
          ? `points ${tools} at the mount with a variable on the command because its default cache directory is not known here`
          : `points ${tools} at the mount with a variable on the command: a mount inside the home of ${user.name} would leave root-owned directories there in the image`,
      );
    }
    changes.push(...cleanup.notes);
    for (const m of mounts) {
      if (!m.dir.holdsDeps || spec.depsFixKind !== 'unsafe') continue;
      const why = theModel().dirReachesOutput(stage, m.target);
      if (why) {
        fixKind = 'unsafe';
        changes.push(`unsafe: ${m.target} holds the downloaded dependencies, and with the mount they are no longer in this stage's files, which a built image may read (${why})`);
      }
    }
    for (const why of unsafeWhy) {
      fixKind = 'unsafe';
      changes.push(`unsafe: ${why}`);
    }
    for (const why of dropped) changes.push(`no cache mount where ${why}`);
    relocations.forEach(addPrefix);
  }
  blanks.forEach(addPrefix);
  for (const [at, text] of prefixes) edits.push({ start: at, end: at, text: text.join(' ') + ' ' });
  for (const w of removeWords) edits.push(removeWordEdit(doc, w));
  for (const r of rewrites) edits.push({ start: r.word.start, end: r.word.end, text: r.text });
  for (const why of new Set(rewrites.map((r) => r.why))) changes.push(why);
  if (removeWords.length) changes.push(`removes ${[...new Set(removeWords.map((w) => w.value))].join(', ')}, which would make ${tools} ignore the cache`);
  changes.push(...notes);
  if (unknownUser && edits.length > 0) {
    // Not proven root: the home (and so the cache directory) may be another, and a mount owned
    // by root may not be writable by the user that runs the step.
    fixKind = 'unsafe';
    const targets = [...planned.values()].filter((m) => homeDependent.has(m.dir)).map((m) => m.target).join(' and ');
    const off = [...new Set([...removeWords.map((w) => w.value), ...blanks.flatMap((b) => b.text.map((t) => t.replace(/=$/, '')))])].join(', ');
    changes.push(
      targets
        ? `${user.unknown}: the cache directory may not be ${targets}${off ? `, and without ${off} ${tools} would then keep its cache in the image` : ''}`
        : planned.size > 0
          ? `${user.unknown}: a user other than root could not write the cache mount, which root owns`
          : `${user.unknown}: without ${off}, ${tools} would keep its cache in the image if that user's cache directory is not the mount`,
    );
  }
  if (edits.length === 0) return null;
  const inside = editInsideData(instr, edits);
  if (inside) return { skip: `${tools}: the change would edit inside ${inside.what}; left unchanged` };
  return { edits, message: [...new Set(changes.filter((c) => c))].join('; '), fixKind };
}

/** What the mounted directories give back, for the change message. */
function reuses(mounts: PlannedMount[], spec: CacheMountSpec): string {
  if (mounts.every((m) => m.dir.reuses)) return [...new Set(mounts.map((m) => m.dir.reuses))].join(' and ');
  return spec.reuses ?? (mounts.length > 1 ? 'their downloads' : 'its downloads');
}

/**
 * Commands of the tool (or cleanup) inside a `sh -c` / `su -c` / `eval` string are another
 * shell's script: not rewritten. Without a command outside the string the step is left alone
 * (the finding says why); with one, only when the string also holds cleanup or `rm`, which the
 * mount would need changed.
 */
function nestedSkip(spec: CacheMountSpec, cmds: ShellCommand[], outside: boolean, instr: Instruction, ctx: TransformContext): string | undefined {
  for (const { via, cmd } of nestedCommands(cmds)) {
    const hit = outside ? null : spec.detect(cmd, instr, ctx);
    const a = via === 'eval' ? 'an' : 'a';
    if (hit) return `${hit.tool} inside ${a} \`${via}\` string: not rewritten (that string is another shell's script, which dockerfix does not edit); left unchanged`;
    const p = programIndex(cmd.words);
    if (outside && (spec.isCleanup?.(cmd) || (p !== -1 && basename(cmd.words[p]!.value) === 'rm'))) {
      return `${spec.label} step that runs \`${cmd.words.map((w) => w.value).join(' ')}\` inside ${a} \`${via}\` string: a cache mount may need that cleanup changed (it could empty the mount or fail on its mount point), and dockerfix does not edit another shell's script; left unchanged`;
    }
  }
  return undefined;
}

const LEADING_RESERVED = new Set(['then', 'do', 'else', 'elif', 'if', 'while', 'until', '!', '{']);

/**
 * Like insertFlagsEdit, but when the step's existing flags already sit one per continued line
 * (`RUN --mount=a \` / `    --mount=b \`), the new ones follow that layout instead of being
 * appended to the last flag's line.
 */
function insertMountFlags(doc: DockerfileDocument, instr: Instruction, flags: string[]): Edit {
  const last = instr.flags[instr.flags.length - 1];
  if (last) {
    const text = doc.text;
    const after = text.slice(last.end, instr.argsStart);
    const m = new RegExp(`^[ \\t]*${escapeRe(doc.escape)}[ \\t]*\\r?\\n`).exec(after);
    if (m && last.end === instr.flagsInsert) {
      const eol = doc.eolAt(last.end);
      const indent = doc.indentAt(last.start);
      const lineStart = doc.lineStart(last.start);
      // Only when the last flag starts its own line (after indentation).
      if (/^[ \t]+$/.test(text.slice(lineStart, last.start))) {
        return { start: last.end, end: last.end, text: flags.map((f) => ` ${doc.escape}${eol}${indent}${f}`).join('') };
      }
    }
  }
  return insertFlagsEdit(doc, instr, flags);
}

/** Names that `export NAME=...` sets inside the step. */
function exportedNames(cmds: ShellCommand[]): Set<string> {
  const out = new Set<string>();
  for (const c of cmds) {
    const w = c.words;
    if (w[0]?.value !== 'export' && w[0]?.value !== 'declare') continue;
    for (const x of w.slice(1)) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(=|$)/.exec(x.value);
      if (m) out.add(m[1]!);
    }
  }
  return out;
}

/** An offline read of `store` in the step that no earlier command of the tool in it fetches for. */
function ownOfflineRead(cmds: ShellCommand[], hits: ToolHit[], store: string, env: Env): OfflineRead | null {
  let fetched = false;
  for (const c of cmds) {
    const r = offlineRead(c, env);
    if (r && r.store === store) {
      if (!fetched) return r;
    } else if (hits.some((h) => h.cmd === c)) fetched = true;
  }
  return null;
}

/** `dotnet restore`, `cargo fetch`: a command as a reviewer recognises it. */
function cmdLabel(c: ShellCommand): string {
  const p = Math.max(0, programIndex(c.words));
  const prog = basename(c.words[p]?.value ?? '');
  const subs = c.words.slice(p + 1).map((x) => x.value).filter((x) => !x.startsWith('-'));
  const n = (prog === 'go' || prog === 'dotnet') && ['mod', 'work', 'nuget'].includes(subs[0] ?? '') ? 2 : 1;
  return '`' + [prog, ...subs.slice(0, n)].join(' ') + '`';
}

// ---------------------------------------------------------------------------------------------
// Cleanup removal

interface CleanupPlan {
  edits: Edit[];
  notes: string[];
  /** Commands removed entirely (by index into cmds). */
  removed: Set<number>;
}

function planCleanup(
  doc: DockerfileDocument,
  instr: Instruction,
  cmds: ShellCommand[],
  spec: CacheMountSpec,
  targets: string[],
  env: Env,
  home: string | undefined,
): CleanupPlan | { skip: string } {
  const edits: Edit[] = [];
  const notes: string[] = [];
  const removed = new Set<number>();
  let fail: string | undefined;
  const kept: string[] = [];
  cmds.forEach((c, k) => {
    if (spec.isCleanup?.(c)) {
      removed.add(k);
      return;
    }
    const operands = rmOperands(c);
    if (!operands) return;
    const drop: Word[] = [];
    for (const w of operands) {
      const o = operandPath(w.value, env, home);
      if (!o) continue;
      for (const t of targets) {
        if ((!o.glob && o.path === t) || o.path === t || o.path.startsWith(t + '/')) {
          // The mount itself or entries inside it: deleting them only empties the cache.
          drop.push(w);
          break;
        }
        if (t.startsWith(o.path + '/')) {
          if (o.glob) {
            fail ??= `\`rm ${w.value}\` may match the mount point ${t}, where rm would fail; left unchanged`;
          } else {
            drop.push(w);
            kept.push(`kept what else is in ${o.path} (rm would fail on the mount point ${t} inside it)`);
          }
          break;
        }
      }
    }
    if (drop.length === 0) return;
    if (drop.length === operands.length) removed.add(k);
    else for (const w of drop) edits.push(removeWordEdit(doc, w));
    notes.push(`no longer deletes ${drop.map((w) => w.value).join(' ')}: that would empty the cache mount or fail on its mount point, and the mount is not stored in the image anyway`);
  });
  if (fail) return { skip: fail };
  notes.push(...kept);
  for (const k of removed) {
    const c = cmds[k]!;
    if (spec.isCleanup?.(c)) notes.push(`removes \`${c.words.filter((w, i) => i > 0 || !LEADING_RESERVED.has(w.value)).map((w) => w.value).join(' ')}\`, which would empty the cache mount (the mount is not stored in the image, so the image stays as small)`);
  }
  // The last command is replaced by the wrap suffix when there is one (see planWrap).
  const lastRemoved = removed.has(cmds.length - 1) && spec.wrap?.(instr) != null;
  for (const k of removed) {
    if (lastRemoved && k === cmds.length - 1) continue;
    const e = removeCommandEdit(doc, instr, cmds, k, removed);
    if (!e) return { skip: `could not remove \`${cmds[k]!.words.map((w) => w.value).join(' ')}\` cleanly from this step (it would empty the cache mount); left unchanged` };
    edits.push(...e);
  }
  return { edits, notes, removed };
}

/** The operands (not the options) of an `rm` command; null for any other command. */
function rmOperands(c: ShellCommand): Word[] | null {
  const p = programIndex(c.words);
  if (p === -1 || basename(c.words[p]!.value) !== 'rm') return null;
  return c.words.slice(p + 1).filter((w) => !w.value.startsWith('-'));
}

/** The absolute path an rm operand names (`~`/`$HOME` expanded); a glob names its directory. */
function operandPath(v: string, env: Env, home: string | undefined): { path: string; glob: boolean } | null {
  let s = v;
  if (s === '~' || s.startsWith('~/')) {
    if (!home) return null;
    s = home + s.slice(1);
  }
  const withHome = overlayEnv(env);
  if (home && !withHome.has('HOME')) withHome.set('HOME', home);
  s = expandVars(s, withHome);
  if (s.includes('$') || !s.startsWith('/')) return null;
  const star = s.search(/[*?[]/);
  if (star === -1) return { path: trimSlash(normalizePath(s)), glob: false };
  // `dir/*`, `dir/.*`, `dir/*.deb` name entries of dir: `path` is that directory.
  const slash = s.lastIndexOf('/', star);
  return { path: trimSlash(normalizePath(s.slice(0, slash) || '/')), glob: true };
}

/** Physical-line helpers. */
function lineEndAt(text: string, off: number): number {
  const nl = text.indexOf('\n', off);
  return nl === -1 ? text.length : nl;
}

function isCommentLineBetween(doc: DockerfileDocument, a: number, b: number): boolean {
  const seg = doc.text.slice(a, b);
  return /\n[ \t]*#/.test(seg);
}

function cmdStart(c: ShellCommand): number {
  return Math.min(...c.words.map((w) => w.start), ...c.redirects.map((w) => w.start));
}

function cmdEnd(c: ShellCommand): number {
  return Math.max(...c.words.map((w) => w.end), ...c.redirects.map((w) => w.end));
}

function inHeredoc(instr: Instruction, off: number): boolean {
  return instr.heredocs.some((h) => off >= h.bodyStart && off <= h.bodyEnd);
}

/**
 * Edits that remove command k from its list, keeping the logic of the rest: `x && k` becomes
 * `x` (k, a cleanup, always succeeds), `k && y` / `k; y` become `y`. Lines, continuations and
 * comments around it stay. Null when the layout is not one we can edit safely.
 */
function removeCommandEdit(doc: DockerfileDocument, instr: Instruction, cmds: ShellCommand[], k: number, removed: Set<number>): Edit[] | null {
  const text = doc.text;
  const c = cmds[k]!;
  const prev = k > 0 ? cmds[k - 1] : undefined;
  const next = k + 1 < cmds.length ? cmds[k + 1] : undefined;
  // Adjacent removals must each take the operator on their left (`x && a && b` -> `x`).
  if (removed.has(k - 1) && prev?.terminator !== '&&') return null;
  const op1 = prev?.terminator ?? 'start';
  const op2 = c.terminator || 'end';
  if (c.depth !== 0 || (prev && prev.depth !== c.depth) || (next && next.depth !== c.depth && op2 !== 'end')) return null;
  if (['|', '(', ')', '{', '}', '&', '||'].includes(op1) || ['|', '(', ')', '{', '}', '&'].includes(op2)) return null;
  // `then apt-get clean && ...`: the reserved word belongs to the compound command and stays.
  let lead = 0;
  while (lead < c.words.length - 1 && LEADING_RESERVED.has(c.words[lead]!.value) && !c.words[lead]!.quoted) lead++;
  const s = lead > 0 ? c.words[lead]!.start : cmdStart(c);
  const e = cmdEnd(c);
  const heredoc = inHeredoc(instr, s);
  const esc = heredoc ? '\\' : doc.escape;
  const ls = doc.lineStart(s);
  const le = lineEndAt(text, e);
  const before = text.slice(ls, s);
  const after = text.slice(e, le).replace(/\r$/, '');
  if (lead === 0 && prev && (op1 === '&&' || ((op1 === ';' || op1 === '\n') && (op2 === ';' || op2 === '\n' || op2 === 'end')))) {
    // Here-document bodies between the previous command and this one stay.
    const pe = Math.max(cmdEnd(prev), ...cmds.flatMap((x) => x.heredocs ?? []).map((h) => h.end).filter((x) => x <= s));
    // Leading-operator layout: `    && rm -rf x \` alone on its line: drop the line.
    if (!heredoc && /^[ \t]*(&&|;)[ \t]*$/.test(before) && after.trim() === esc && le < text.length) {
      return [{ start: ls, end: le + 1, text: '' }];
    }
    if (!isCommentLineBetween(doc, pe, s)) return [{ start: pe, end: e, text: '' }];
    // Comments between: the removed command was last; keep the comments as plain lines after
    // the step by ending the step at the previous command.
    if (op2 === 'end' && !heredoc && after.trim() === '') {
      const prevLineEnd = lineEndAt(text, pe);
      const prevRest = text.slice(pe, prevLineEnd).replace(/\r$/, '');
      if (/^[ \t]*(&&|;)?[ \t]*$/.test(before) && new RegExp(`^[ \\t]*(&&|;)?[ \\t]*${escapeRe(esc)}[ \\t]*$`).test(prevRest)) {
        const prevLineStartOfS = ls === 0 ? 0 : ls - 1;
        const lineStartNl = text[prevLineStartOfS - 1] === '\r' ? prevLineStartOfS - 1 : prevLineStartOfS;
        return [
          { start: pe, end: pe + prevRest.length, text: '' },
          { start: lineStartNl, end: le, text: '' },
        ];
      }
    }
    return null;
  }
  if ((lead > 0 || op1 === 'start' || op1 === ';' || op1 === '\n') && next && (op2 === '&&' || op2 === ';' || op2 === '\n')) {
    const ns = cmdStart(next);
    if (removed.has(k + 1) || isCommentLineBetween(doc, e, ns)) return null;
    // `then apt-get clean; fi` would leave an empty body.
    if (['fi', 'done', 'else', 'elif', 'esac', '}'].includes(next.words[0]?.value ?? '')) return null;
    return [{ start: s, end: ns, text: '' }];
  }
  return null;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---------------------------------------------------------------------------------------------
// Wrapping a step (apt's docker-clean)

function planWrap(cmds: ShellCommand[], cleanup: CleanupPlan, prefix: string, suffix: string): { edits: Edit[] } | { skip: string } {
  // `exit 1` only ends a failing build; `exit`/`exit 0`/`exec` would skip the restore.
  const ends = (c: ShellCommand): boolean => {
    const p = programIndex(c.words);
    const v = c.words[p]?.value;
    if (v === 'exec') return true;
    return v === 'exit' && !/^[1-9]\d*$/.test(c.words[p + 1]?.value ?? '');
  };
  if (cmds.some(ends)) {
    return { skip: 'the step calls exit/exec, so the apt configuration could not be restored at its end; left unchanged' };
  }
  const edits: Edit[] = [];
  let first = 0;
  while (cleanup.removed.has(first) && first < cmds.length - 1) first++;
  if (first > 0) return { skip: 'the step starts with cleanup commands; left unchanged' };
  edits.push({ start: cmdStart(cmds[first]!), end: cmdStart(cmds[first]!), text: prefix + ' ' });
  const lastIdx = cmds.length - 1;
  const last = cmds[lastIdx]!;
  if (cleanup.removed.has(lastIdx)) {
    const op1 = lastIdx > 0 ? cmds[lastIdx - 1]!.terminator : 'start';
    if (op1 !== '&&' && op1 !== ';' && op1 !== '\n') return { skip: 'the cleanup at the end of this step is not joined by && or ;, so it cannot be replaced safely; left unchanged' };
    if (lastIdx === first) return { skip: 'nothing but cleanup in this step; left unchanged' };
    // The final cleanup is replaced by the restore: same place in the chain, same logic.
    edits.push({ start: cmdStart(last), end: cmdEnd(last), text: suffix });
  } else {
    edits.push({ start: cmdEnd(last), end: cmdEnd(last), text: ' && ' + suffix });
  }
  return { edits };
}
