/**
 * split-copy — copy the dependency manifests before the install and the rest of the source
 * after it.
 *
 * What: in each stage, a `COPY . <dest>` (or `ADD`, `./`, the context root) followed by a
 * dependency install (`npm ci`, `pip install -r requirements.txt`, `go mod download`,
 * `dotnet restore`, `bundle install`, ...) becomes
 *     COPY <manifests> <dest>/     (where the whole copy was)
 *     ...the steps up to and including the install...
 *     COPY . <dest>                (the original line, moved after the install)
 * The manifests come from the install command (`-r` files and what they include) and the build
 * context (lockfiles, `.npmrc`, workspace members, project references), honouring
 * `.dockerignore`. Installs that also need the source get the documented dependency-only form
 * (`poetry install --no-root`, `uv sync --no-install-project`, `composer install --no-scripts
 * --no-autoloader`) before the copy and the original command after it.
 *
 * Why: a COPY's cache key includes the checksum of every copied file, so with the whole source
 * copied first, any source edit re-runs the install. Copying only the manifests first keeps the
 * install cached until a manifest changes.
 *
 * Fix safety: safe when the final files are provably the same: the later `COPY .` writes the
 * manifests again with identical bytes and flags; the install reads only the copied manifests
 * (no lifecycle scripts, `-e .`, `gemspec`, local path dependencies); the steps moved before the
 * source do not read or write it; and `.dockerignore` keeps what the install writes inside the
 * project (node_modules, vendor, obj, .venv) out of the context: otherwise a working tree that has
 * it (a local install, another platform's binaries) would be copied over the installed one. That
 * is decided from `.dockerignore` alone, never from whether the directory exists today; without
 * the line the split is `unsafe` and the message names the line to add. Installs that may rewrite
 * a lockfile present in the context (`npm install`, `yarn` without `--frozen-lockfile`, `bundle
 * install` without frozen) are `unsafe`:
 * after the split the context's lockfile replaces the rewritten one. Without a build context
 * (stdin, `--no-context`) the glob form (`COPY package.json package-lock.json* ./`) is emitted
 * as `unsafe`, since scripts and includes could not be checked. Everything else is skipped
 * with the reason, among them: a copy or step marked `# dockerfix-ignore`; a build that already
 * keeps its packages in a cache mount (a `go mod download`/`dotnet restore` step would be an empty
 * layer); an install that fills a cache mount which a step after the moved copy reads offline
 * (`dotnet publish --no-restore`, `mvn -o`), which would fail on a builder with warm layers and
 * empty mounts.
 */
import { buildModel, type BuildModel } from '../src/analysis/build-model.js';
import path from 'node:path';
import { expandVars, joinPath, type DockerfileDocument, type Instruction, type Stage } from '../src/core/document.js';
import { classifyCommand, has, readsOffline, values, withShellScripts, type InstallCommand } from '../src/analysis/install-commands.js';
import { planManifests, type ManifestPlan } from '../src/analysis/manifests.js';
import { ecosystem } from '../src/ecosystems/index.js';
import { mountOptions } from '../src/core/edit-helpers.js';
import { isWindowsStage } from '../src/analysis/images.js';
import { danglingEscape } from '../src/core/reorder.js';
import type { ShellCommand } from '../src/core/shell.js';
import { excludesTree, type BuildContext } from '../src/core/context.js';
import { ignoredInstructions, readPragmas } from '../src/core/pragmas.js';
import type { Diagnostic, Edit, Transform, TransformContext, TransformResult } from '../src/core/types.js';

const posix = path.posix;
const ALLOWED_FLAGS = new Set(['chown', 'chmod', 'link']);
const INERT_INSTRUCTIONS = new Set(['USER', 'LABEL', 'EXPOSE', 'CMD', 'ENTRYPOINT', 'HEALTHCHECK', 'STOPSIGNAL', 'SHELL', 'MAINTAINER', 'ONBUILD', 'WORKDIR']);

interface CopyArgs {
  sources: string[];
  dest: string;
  /** Context-relative directory the copy takes its files from ('' for the whole context). */
  prefix: string;
  /** Source range of the destination word (shell form only). */
  destRange?: [number, number];
}

function copyArgs(instr: Instruction): CopyArgs | null {
  if (instr.json) {
    if (instr.json.length < 2) return null;
    return { sources: instr.json.slice(0, -1), dest: instr.json[instr.json.length - 1], prefix: '' };
  }
  const words = instr.args();
  if (words.length < 2) return null;
  const last = words[words.length - 1];
  return { sources: words.slice(0, -1).map((w) => w.value), dest: last.value, prefix: '', destRange: [last.start, last.end] };
}

/**
 * `COPY . x`, `COPY ./ x`, `ADD . x`: the whole build context; with a known context also a
 * single directory of it (`COPY web/ /app`), whose contents map onto the destination the same way.
 */
function isWholeContextCopy(instr: Instruction, ctx?: BuildContext): CopyArgs | null {
  if ((instr.upper !== 'COPY' && instr.upper !== 'ADD') || instr.heredocs.length || instr.flag('from')) return null;
  const a = copyArgs(instr);
  if (!a || a.sources.length !== 1) return null;
  const s = a.sources[0];
  if (s === '.' || s === './' || s === '/' || posix.normalize(s) === '.' || posix.normalize(s) === '/') return a;
  if (!ctx?.available || /[*?[$\\]/.test(s)) return null;
  const rel = posix.normalize(s).replace(/^\/+/, '').replace(/\/+$/, '').replace(/^\.\//, '');
  if (!rel || rel.startsWith('..') || !ctx.exists(rel) || !isDirectory(ctx, rel)) return null;
  return { ...a, prefix: rel };
}

function isUnder(p: string, dir: string): boolean {
  return p === dir || dir === '/' || p.startsWith(dir + '/');
}

interface Found {
  inst: InstallCommand;
  run: Instruction;
}

interface RunAnalysis {
  installs: InstallCommand[];
  blocker?: string;
  /** Context-relative paths only read or tested (`test -f x`): fine when they are manifests. */
  reads: Array<{ rel: string; what: string; step?: number }>;
  /** Index of the step that set `blocker` (-1: a mount, before any step). */
  blockedAt?: number;
  /** Builds of the project that also fetch dependencies (`go build`, `dotnet publish`). */
  builds: InstallCommand[];
  /** Every command with its classification, in order (shell form only). */
  steps: Array<{ cmd: ShellCommand; c: ReturnType<typeof classifyCommand> }>;
}

class SplitAnalysis {
  constructor(
    readonly ctx: BuildContext,
    /** Absolute destination of the whole-context copy. */
    readonly dest: string,
    /** Context-relative directory copied there ('' for the whole context). */
    readonly prefix = '',
  ) {}

  /** The context-relative path whose copy lands at `abs`, or null when `abs` is outside the copy. */
  toRel(abs: string): string | null {
    const p = posix.normalize(abs);
    let rel: string | null;
    if (p === this.dest) rel = '';
    else if (this.dest === '/') rel = p.slice(1);
    else rel = p.startsWith(this.dest + '/') ? p.slice(this.dest.length + 1) : null;
    if (rel === null || !this.prefix) return rel;
    return rel ? `${this.prefix}/${rel}` : this.prefix;
  }

  /** Could writing or reading `abs` meet files of the whole-context copy? */
  touchesCopy(abs: string): boolean {
    if (isUnder(this.dest, abs)) return true;
    const rel = this.toRel(abs);
    if (rel === null) return false;
    return !this.ctx.available || this.ctx.exists(rel);
  }

  analyzeRun(run: Instruction): RunAnalysis {
    const state = run.state();
    let blocker: string | undefined;
    let blockedAt: number | undefined;
    for (const f of run.flagsNamed('mount')) {
      const o = mountOptions(f);
      const target = o.get('target');
      if ((o.get('type') ?? 'bind') === 'bind' && target && this.touchesCopy(joinPath(state.workdir, expandVars(target, state.env)))) {
        blocker ??= `line ${run.line} bind-mounts over ${target} in the copied directory`;
        blockedAt ??= -1;
      }
    }
    const commands: ShellCommand[] = run.json
      ? [{ words: run.json.map((v) => ({ value: v, start: run.start, end: run.start, quoted: false, dynamic: false })), redirects: [], terminator: '', depth: 0 }]
      : withShellScripts(run.commands(), (w) => doc(run, w));
    const installs: InstallCommand[] = [];
    const reads: RunAnalysis['reads'] = [];
    const builds: InstallCommand[] = [];
    const steps: RunAnalysis['steps'] = [];
    let cwd = state.workdir;
    for (const raw of commands) {
      const cmd: ShellCommand = {
        ...raw,
        words: raw.words.map((w) => {
          const value = w.dynamic ? expandVars(w.value, state.env) : w.value;
          return { ...w, value, dynamic: w.dynamic && /[$`*?[]/.test(value) };
        }),
        redirects: raw.redirects.map((w) => ({ ...w, value: w.dynamic ? expandVars(w.value, state.env) : w.value })),
      };
      const c = classifyCommand(cmd, cwd);
      const nested = (raw as { nested?: string }).nested;
      if (nested && c.kind === 'install') c.install.nested = nested;
      steps.push({ cmd, c });
      if (blocker !== undefined) blockedAt ??= steps.length - 2;
      // A command substitution runs a command the classification does not see (`$(cat VERSION)`).
      const subst = [...raw.words, ...raw.redirects].find((w) => /\$\(|`/.test(doc(run, w)));
      if (subst && c.kind !== 'source') {
        blocker ??= `\`${doc(run, subst)}\` at line ${run.line} runs a command substitution that may read the copied source`;
        continue;
      }
      if (c.kind === 'cd') {
        if (c.dir === null || cmd.depth > 0) {
          blocker ??= `\`cd\` at line ${run.line} changes to a directory that cannot be followed`;
          continue;
        }
        cwd = c.dir;
      } else if (c.kind === 'sourced') {
        if (this.touchesCopy(c.file) || !sourcesOnlyAssignments(run, c.file)) blocker ??= `\`. ${c.file}\` at line ${run.line} runs a script that may read the copied source`;
      } else if (c.kind === 'source') {
        blocker ??= c.reason;
        // A build inside a `sh -c` string: its words are another shell's script, not copied from.
        if (c.build && !nested) builds.push(c.build);
      }
      else if (c.kind === 'install') installs.push(c.install);
      else {
        for (const p of c.paths) {
          if (/[$`]/.test(p)) {
            if (p.includes('/') || this.touchesCopy(cwd)) blocker ??= `\`${p}\` at line ${run.line} is a path that cannot be resolved`;
            continue;
          }
          let abs = p.startsWith('/') ? posix.normalize(p) : joinPath(cwd, p);
          const g = abs.search(/[*?[]/);
          if (g !== -1) abs = posix.dirname(abs.slice(0, g) + 'x');
          const rel = this.toRel(abs);
          if (c.readOnly && rel !== null && rel !== '' && this.touchesCopy(abs)) {
            reads.push({ rel, what: `\`${cmd.words.map((w) => w.value).join(' ').slice(0, 60)}\` at line ${run.line}`, step: steps.length - 1 });
          } else if (this.touchesCopy(abs)) {
            blocker ??= `\`${cmd.words.map((w) => w.value).join(' ').slice(0, 60)}\` at line ${run.line} uses ${p}, which the whole-context copy provides`;
          }
        }
      }
    }
    if (blocker !== undefined) blockedAt ??= steps.length - 1;
    return { installs, blocker, reads, builds, steps, blockedAt };
  }
}

/** The source text of a word (quotes and escapes as written); exec-form words have no range. */
function doc(run: Instruction, w: { start: number; end: number; value: string }): string {
  return w.end > w.start ? run.doc.slice(w.start, w.end) : w.value;
}

/**
 * `. /tmp/env` is harmless when every earlier step that writes the file only echoes variable
 * assignments into it (`echo "RID=$RID" > /tmp/rid.txt`).
 */
function sourcesOnlyAssignments(run: Instruction, file: string): boolean {
  const chain: Stage[] = [];
  for (let s: Stage | null = run.stage; s && !chain.includes(s); s = s.parent) chain.unshift(s);
  let writers = 0;
  for (const stage of chain) {
    for (const i of stage.instructions) {
      if (i === run) break;
      if (i.upper === 'COPY' || i.upper === 'ADD') {
        const t = copyTargets(i);
        if (!t || t.some((x) => isUnder(file, x))) return false;
      }
      if (i.upper !== 'RUN') continue;
      const st = i.state();
      for (const c of i.commands()) {
        const targets = c.redirects.filter((r) => !/^\d*[<>&|]+$/.test(r.value)).map((r) => joinPath(st.workdir, r.value));
        const mentions = c.words.some((w) => w.value.includes(file)) || targets.includes(file);
        if (!mentions) continue;
        const prog = c.words[0]?.value;
        const ok = (prog === 'echo' || prog === 'printf') && targets.includes(file) && c.words.slice(1).every((w) => /^-[ne]$/.test(w.value) || /^[A-Za-z_][A-Za-z0-9_]*=[^;&|()<>`]*$/.test(w.value) && !w.value.includes('$('));
        if (!ok) return false;
        writers++;
      }
    }
  }
  return writers > 0;
}

function varsIn(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) out.add(m[1]);
  return out;
}

function declaredNames(instr: Instruction): string[] {
  return instr.args().map((w) => w.value.split('=')[0]);
}

/** Written targets of a COPY/ADD (absolute), conservatively: the destination itself for directories. */
function copyTargets(instr: Instruction): string[] | null {
  const a = copyArgs(instr);
  if (!a) return null;
  const st = instr.state();
  const dest = expandVars(a.dest, st.env);
  if (dest.includes('$')) return null;
  const abs = joinPath(st.workdir, dest);
  if (a.dest.endsWith('/') && !instr.flag('from') && instr.heredocs.length === 0) {
    const files = a.sources.map((s) => posix.basename(s));
    if (files.every((f) => /\.[A-Za-z0-9]+$/.test(f) && !/[*?[]/.test(f))) return files.map((f) => posix.join(abs, f));
  }
  return [abs];
}

/**
 * A COPY of context files to the very place the whole-context copy put them, with the same
 * flags (`COPY . /app` then `COPY requirements.txt .` in /app): it writes identical bytes, so
 * moving the whole copy after it changes nothing.
 */
function rewritesSameFiles(j: Instruction, copy: Instruction, an: SplitAnalysis, ctx: BuildContext): boolean {
  if (j.upper !== 'COPY' || j.flag('from') || j.heredocs.length || !ctx.available) return false;
  const flagText = (i: Instruction): string => i.flags.map((f) => `${f.name}=${f.value ?? ''}`).sort().join(' ');
  if (flagText(j) !== flagText(copy)) return false;
  const a = copyArgs(j);
  if (!a) return false;
  const st = j.state();
  const dest = expandVars(a.dest, st.env);
  if (dest.includes('$')) return false;
  const abs = joinPath(st.workdir, dest);
  const intoDir = a.dest.endsWith('/') || a.dest === '.' || abs === an.dest || a.sources.length > 1;
  return a.sources.every((s) => {
    if (/[*?[$]/.test(s)) return false;
    const rel = posix.normalize(s).replace(/^\/+/, '').replace(/\/+$/, '');
    if (rel.startsWith('..') || rel === '.' || !ctx.exists(rel)) return false;
    const target = isDirectory(ctx, rel) ? abs : intoDir ? posix.join(abs, posix.basename(rel)) : abs;
    return an.toRel(target) === rel;
  });
}

function listNames(paths: string[]): string {
  const names = paths.length > 4 ? [...paths.slice(0, 3), `${paths.length - 3} more files`] : paths;
  if (names.length === 1) return names[0];
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

function destFor(dest: string, dir: string): string {
  if (!dir) return dest.endsWith('/') ? dest : dest === '.' ? './' : `${dest}/`;
  const base = dest === '.' || dest === './' ? '.' : dest.replace(/\/+$/, '');
  return `${base}/${dir}/`;
}

export const splitCopy: Transform = {
  meta: {
    id: 'split-copy',
    summary: 'Copy dependency manifests before the install and the rest of the source after it',
    description:
      'Rewrites `COPY . <dest>` (or a copy of one context directory) followed by a dependency install into ' +
      '`COPY <manifests> <dest>/`, the install, then the original copy, so a source edit no longer re-runs the ' +
      'install. Manifests are inferred from the install command and the build context (honouring .dockerignore): ' +
      'requirements includes, lockfiles, workspace packages at their paths, project references. Installs that need ' +
      'the whole source use the dependency-only form when it exists (`poetry install --no-root`, `uv sync ' +
      '--no-install-project`, composer `--no-scripts --no-autoloader`), `RUN install && build` is cut after the ' +
      'install, and a build without a separate install gets `go mod download` / `dotnet restore` with its manifests ' +
      'before the copy; anything else is skipped with the reason. Safe when the final files are provably the same; ' +
      'installs that may rewrite a lockfile of the context, dependency steps whose cache can reach the final image, ' +
      'and splits without a build context are unsafe.',
    fixKind: 'safe',
    unsafeFixes: 'when the build context is not available, or the files the install reads could not all be checked',
    order: 100,
    docsUrl: 'docs/split-copy.md',
  },
  run(doc: DockerfileDocument, ctx: TransformContext): TransformResult {
    const diagnostics: Diagnostic[] = [];
    // `# dockerfix-ignore` on the copy or a step it would move past: no split around it (the
    // runner drops edits that touch an ignored step, but the split also inserts next to it).
    const ignored = new Set(doc.text.includes('dockerfix-ignore') ? ignoredInstructions(doc, readPragmas(doc), 'split-copy') : []);
    for (const stage of doc.stages) {
      for (let i = 0; i < stage.instructions.length; i++) {
        const res = splitAt(doc, stage, i, ctx.buildContext, ignored, buildModel(doc, { targets: ctx.options.targets }));
        if (!res) continue;
        diagnostics.push(res);
        if (res.fix?.edits.length) break; // One split per stage and pass; the runner re-runs for more.
      }
    }
    return { diagnostics };
  },
};

function splitAt(doc: DockerfileDocument, stage: Stage, i: number, ctx: BuildContext, ignored: ReadonlySet<Instruction>, model: BuildModel): Diagnostic | null {
  const copy = stage.instructions[i];
  const args = isWholeContextCopy(copy, ctx);
  if (!args) return null;
  const where = { start: copy.keywordStart, end: copy.keywordEnd };
  const after = stage.instructions.slice(i + 1);
  const state = copy.state();
  // A copy of one directory of the context is split when it can be, silently left otherwise:
  // it is often not the project's whole source (`COPY config ./config`).
  const skip = (label: string, reason: string): Diagnostic | null =>
    args?.prefix ? null : { kind: 'skipped', code: 'not-split', range: where, message: `did not split this copy before \`${label}\`: ${reason}` };

  // Find the installs that follow, with a throw-away analysis, to decide whether to speak at all.
  const destExpanded = expandVars(args.dest, state.env);
  const destAbs = destExpanded.includes('$') || state.workdir.includes('$') ? null : joinPath(state.workdir, destExpanded);
  const probe = new SplitAnalysis(ctx, destAbs ?? '/', args.prefix);
  const laterInstalls: Found[] = [];
  const laterBuilds: Found[] = [];
  for (const j of after) {
    if (j.upper !== 'RUN') continue;
    const r = probe.analyzeRun(j);
    for (const inst of r.installs) laterInstalls.push({ inst, run: j });
    for (const inst of r.builds) laterBuilds.push({ inst, run: j });
  }
  if (laterInstalls.length === 0 && laterBuilds.length === 0) return null;
  // Already manifests-first: the same install ran before this copy (e.g. `poetry install
  // --no-root`, copy, `poetry install`), so the install after it is the second half.
  const before = stage.instructions.slice(0, i).filter((x) => x.upper === 'RUN');
  const earlier = before.flatMap((r) => probe.analyzeRun(r).installs);
  const first = laterInstalls[0] ?? laterBuilds[0];
  const firstLabel = first.inst.label;
  if (earlier.some((e) => e.eco === first.inst.eco && (e.cwd === first.inst.cwd || !laterInstalls.length))) return null;
  if (ignored.has(copy)) {
    // The runner keeps quiet about the ignored copy itself: say it on the step that would have
    // moved (unless that one is ignored too).
    if (args.prefix) return null;
    const at = { start: first.run.keywordStart, end: first.run.keywordEnd };
    return { kind: 'skipped', code: 'pinned', range: at, message: `did not split the copy at line ${copy.line} before \`${firstLabel}\`: that copy is marked \`# dockerfix-ignore\`, so no step is added or moved around it` };
  }
  if (isWindowsStage(stage)) return skip(firstLabel, 'a Windows stage: its paths are not modelled');
  const badFlag = copy.flags.find((f) => !ALLOWED_FLAGS.has(f.name));
  if (badFlag) return skip(firstLabel, `the copy has the flag --${badFlag.name}, which the manifest copy cannot reproduce`);
  if (destAbs === null) return skip(firstLabel, `the destination \`${args.dest}\` cannot be resolved`);
  const an = new SplitAnalysis(ctx, destAbs, args.prefix);
  const copyVars = varsIn(copy.text);

  // Walk the steps after the copy up to the last install that needs only manifests.
  const found: Found[] = [];
  let lastInstall = -1;
  let blocker: string | undefined;
  let workdirChanged = false;
  let workdirBeforeInstall = false;
  const reads: RunAnalysis['reads'] = [];
  let buildStep: Found | undefined;
  let runSplit: RunSplit | undefined;
  for (let k = 0; k < after.length && blocker === undefined; k++) {
    const j = after[k];
    if (j.upper === 'RUN') {
      const r = an.analyzeRun(j);
      if (!r.blocker) reads.push(...r.reads);
      if (r.installs.length && !r.blocker) {
        lastInstall = k;
        found.push(...r.installs.map((inst) => ({ inst, run: j })));
        if (workdirChanged) workdirBeforeInstall = true;
        continue;
      }
      if (r.installs.length) {
        const split = splitRunAfterInstalls(doc, j, r);
        if (typeof split === 'string') {
          blocker = `the install step at line ${j.line} also runs a command that needs the source (${r.blocker})${split ? `, and ${split}` : ''}`;
          break;
        }
        lastInstall = k;
        runSplit = split;
        reads.push(...r.reads.filter((x) => (x.step ?? 0) < split.cutStep));
        found.push(...split.installs.map((inst) => ({ inst, run: j })));
        if (workdirChanged) workdirBeforeInstall = true;
        break;
      }
      if (r.blocker) {
        blocker = r.blocker.includes(`line ${j.line}`) ? r.blocker : `${r.blocker} (line ${j.line})`;
        if (lastInstall === -1 && r.builds.length) buildStep = { inst: r.builds[0], run: j };
      }
      continue;
    }
    if (j.upper === 'COPY' || j.upper === 'ADD') {
      if (isWholeContextCopy(j, ctx)) break;
      if (rewritesSameFiles(j, copy, an, ctx)) continue;
      const targets = copyTargets(j);
      if (!targets) blocker = `the ${j.upper} at line ${j.line} has a destination that cannot be resolved`;
      else if (targets.some((t) => an.touchesCopy(t))) blocker = `the ${j.upper} at line ${j.line} writes into the copied directory, and the moved copy would overwrite it`;
      continue;
    }
    if (j.upper === 'ENV' || j.upper === 'ARG') {
      const changed = declaredNames(j).find((n) => copyVars.has(n));
      if (changed) blocker = `${j.upper} ${changed} at line ${j.line} changes a variable the copy uses`;
      continue;
    }
    if (j.upper === 'VOLUME') {
      blocker = `VOLUME at line ${j.line} between the copy and the install`;
      continue;
    }
    if (j.upper === 'WORKDIR') workdirChanged = true;
    if (INERT_INSTRUCTIONS.has(j.upper)) continue;
    blocker = `${j.upper} at line ${j.line} between the copy and the install`;
  }
  if (lastInstall === -1 && buildStep) {
    // Already done: the same toolchain's dependency step runs before this copy (an install of
    // another ecosystem later on made `first` above name that one instead).
    if (earlier.some((e) => e.eco === buildStep!.inst.eco)) return null;
    return dependencyStep(doc, stage, copy, args, an, buildStep, ctx, reads, model);
  }
  if (lastInstall === -1) return skip(firstLabel, blocker ?? 'no install step follows that could run before the source');
  const installRun = after[lastInstall];
  const kept = after.slice(0, lastInstall + 1).find((x) => ignored.has(x));
  if (kept) return skip(firstLabel, `line ${kept.line} is marked \`# dockerfix-ignore\`, and the split would move the copy past it`);
  const labels = [...new Set(found.map((f) => `\`${f.inst.label}\``))].join(' and ');

  const plans: Array<[Found, ManifestPlan]> = found.map((f) => [f, planManifests({ inst: f.inst, ctx, toRel: (a) => an.toRel(a), env: f.run.state().env })]);
  const blocked = plans.find(([, p]) => p.block);
  if (blocked) return skip(blocked[0].inst.label, blocked[1].block!);
  const dep = plans.filter(([, p]) => p.depOnly);
  if (dep.length) {
    const [f, p] = dep[0];
    if (f.inst.nested) {
      return skip(f.inst.label, `\`${f.inst.label}\` also installs the project itself, and its dependency-only form (${p.depOnly!.flags.join(' ')}) would go inside the \`${f.inst.nested}\` string, another shell's script that dockerfix does not edit`);
    }
    if (dep.length > 1 || found.length > 1 || f.run !== installRun || installRun.json || runSplit) {
      return skip(f.inst.label, `\`${f.inst.label}\` also installs the project itself, and its dependency-only form (${p.depOnly!.flags.join(' ')}) only applies to a step that runs nothing but that command`);
    }
  }
  const exposed = ctx.available ? plans.map(([f, p]) => exposedOutputs(f.inst.label, p.outputs, ctx)).find((x) => x !== undefined) : undefined;
  const paths = [...new Set(plans.flatMap(([, p]) => p.paths))];
  const unread = reads.find((r) => !paths.some((p) => r.rel === p || r.rel.startsWith(p + '/')));
  if (unread) return skip(firstLabel, `${unread.what} reads ${unread.rel}, which the whole-context copy provides`);
  const patterns = [...new Set(plans.flatMap(([, p]) => p.patterns))];
  const all = ctx.available ? paths : patterns;
  if (all.length === 0) return skip(firstLabel, 'the install reads no manifest from the copied directory');
  const bad = all.find((x) => /[\s"'\\$`]/.test(x) || x.startsWith('-'));
  if (bad) return skip(firstLabel, `the manifest path \`${bad}\` would need quoting`);
  const outside = args.prefix ? all.find((x) => !x.startsWith(args.prefix + '/')) : undefined;
  if (outside) return skip(firstLabel, `the install reads ${outside}, outside the copied directory ${args.prefix}`);

  // The moved copy keeps its meaning: a relative destination becomes absolute when a WORKDIR
  // between the copy and the install changed the directory it resolves against.
  let moved = doc.slice(copy.start, copy.end);
  const needAbs = workdirBeforeInstall && !args.dest.startsWith('/') && !/^\$/.test(args.dest);
  if (needAbs) {
    if (!args.destRange) return skip(firstLabel, 'a WORKDIR change between the copy and the install would need the JSON-form destination rewritten');
    const [s, e] = args.destRange;
    moved = moved.slice(0, s - copy.start) + destAbs + (args.dest.endsWith('/') ? '/' : '') + moved.slice(e - copy.start);
  }

  const lines = manifestLines(doc, copy, args, all, ctx);
  const eol = doc.eolAt(copy.start);
  const indent = doc.indentAt(copy.keywordStart);
  const offline = offlineReader(model, found, installRun, runSplit);
  if (offline) return skip(offline.label, offline.reason);
  const unsafe = [plans.map(([, p]) => p.unsafe).find((u) => u !== undefined), exposed].filter((u) => u !== undefined).join('; ') || (ctx.available ? undefined : 'the build context is not available');
  const fixKind = unsafe ? 'unsafe' : 'safe';
  const edits: Edit[] = [{ start: copy.keywordStart, end: copy.end, text: lines.join(eol + indent) }];
  const insEol = doc.eolAt(installRun.start);
  const depPlan = dep[0]?.[1].depOnly;
  // A last step that ends in the escape character would take in what goes after it: the escape goes.
  const open = danglingEscape(installRun);
  if (open && !depPlan && !runSplit) edits.push({ start: open.start, end: open.end, text: '' });
  if (depPlan) {
    const f = dep[0][0];
    const w = f.inst.cmd.words[depPlan.afterWord];
    const runText = doc.slice(installRun.start, open?.start ?? installRun.end);
    const at = w.end - installRun.start;
    const first = runText.slice(0, at) + depPlan.flags.map((x) => ' ' + x).join('') + runText.slice(at);
    edits.push({ start: installRun.start, end: installRun.start, text: first + insEol + moved + insEol });
  } else if (runSplit) {
    // `RUN install && build`: end the step after the install, copy, and run the rest in a new step.
    const flags = installRun.flags.map((f) => ' ' + doc.slice(f.start, f.end)).join('');
    const text = `${insEol}${moved}${insEol}${doc.indentAt(installRun.keywordStart)}${installRun.keyword}${flags} ${runSplit.prefix}`;
    edits.push({ start: runSplit.cut[0], end: runSplit.cut[1], text });
  } else if (installRun.next > installRun.end) {
    edits.push({ start: installRun.next, end: installRun.next, text: moved + insEol });
  } else {
    edits.push({ start: installRun.end, end: installRun.end, text: insEol + moved });
  }

  const described = plans.length === 1 && plans[0][1].describe ? plans[0][1].describe : listNames(all);
  let message = `copies ${described} before ${labels} and the rest of the source after it, so a source edit no longer re-runs the install`;
  if (depPlan) message += `; ${depPlan.what}`;
  if (runSplit) message += `; the step at line ${installRun.line} is split after the install so \`${runSplit.rest}\` runs after the full copy`;
  if (needAbs) message += `; the moved copy names ${destAbs} because a WORKDIR changed the directory in between`;
  if (!ctx.available) {
    const glob = patterns.find((x) => x.endsWith('*'));
    message += `; the build context is not available (stdin or --no-context)${glob ? `, so optional files are copied with globs such as \`${glob}\`` : ''}; unsafe: ${plans.map(([, p]) => p.unsafe).find((u) => u !== undefined) ?? 'the files the install reads could not be checked'}`;
  }
  else if (unsafe) message += `; unsafe: ${unsafe}`;
  return { kind: 'change', code: 'split', range: where, message, fix: { applicability: fixKind, edits } };
}

/**
 * The copy is followed by a build that fetches dependencies itself (`go build`, `dotnet
 * publish`) and no separate install: add the dependency-only step the toolchain has (`go mod
 * download`, `dotnet restore`) with its manifests right before the copy, and leave the copy and
 * the build as they are. The new step can fetch more than the build needs (test dependencies),
 * so it is safe only when the package cache cannot reach the final image: a cache mount covers
 * it, or the stage is a build stage whose files are used only through `COPY --from` of paths
 * outside the cache.
 */
function dependencyStep(
  doc: DockerfileDocument,
  stage: Stage,
  copy: Instruction,
  args: CopyArgs,
  an: SplitAnalysis,
  build: Found,
  ctx: BuildContext,
  reads: RunAnalysis['reads'],
  model: BuildModel,
): Diagnostic | null {
  const where = { start: copy.keywordStart, end: copy.keywordEnd };
  const b = build.inst;
  const skip = (reason: string): Diagnostic | null =>
    args.prefix ? null : { kind: 'skipped', code: 'not-split', range: where, message: `did not split this copy before \`${b.label}\`: ${reason}` };
  // Which tools have a dependency-only step, and what it fetches: src/ecosystems/ (go, dotnet).
  const eco = ecosystem(b.eco);
  if (eco.noDependencyOnly) return skip(eco.noDependencyOnly);
  const depOnly = eco.dependencyOnly;
  if (!depOnly) return skip(`\`${b.label}\` builds the project and fetches its dependencies in one step, and no equivalent dependency-only step is known for it`);
  void reads; // The new step goes before the copy: the steps in between keep their input.
  const state = copy.state();
  const buildState = build.run.state();
  // It runs where the copy is: as the same user, with the same tool settings as the build.
  if (buildState.user !== state.user) return skip(`\`${b.label}\` runs as another user (${buildState.user || 'root'}) than the copy, so the new step would leave files it cannot write`);
  for (const name of new Set([...buildState.env.keys(), ...state.env.keys()])) {
    if (depOnly.toolEnv.test(name) && buildState.env.get(name) !== state.env.get(name)) return skip(`${name} changes between the copy and \`${b.label}\``);
  }
  const runText = (w: { start: number; end: number }): string => doc.slice(w.start, w.end);
  const words = b.cmd.words;
  const prog = words.findIndex((w) => eco.programs.test(w.value));
  const refused = depOnly.refuse?.(b, state.env);
  if (refused) return skip(refused);
  // What the new step runs, from the build's own words (variables kept as written).
  const parts: string[] = [];
  const assigns = words.slice(0, Math.max(prog, 0)).filter((w) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(w.value));
  for (const a of assigns) if (depOnly.keepAssignments?.test(a.value)) parts.push(runText(a));
  const target = depOnly.projectFile && b.positional[0] && depOnly.projectFile.test(b.positional[0].value) ? b.positional[0] : undefined;
  const extra: string[] = target ? [runText(target)] : [];
  for (const o of depOnly.carryOptions ?? []) {
    const at = words.findIndex((w) => w.value === o || w.value.startsWith(o + '='));
    const w = words[at];
    if (at === -1 || !w) continue;
    const next = words[at + 1];
    extra.push(w.value.includes('=') || !next ? runText(w) : `${runText(w)} ${runText(next)}`);
  }
  const step = [depOnly.command, ...extra].join(' ');
  parts.push(step);
  const fake: InstallCommand = { eco: b.eco, label: step, cmd: { words: [], redirects: [], terminator: '', depth: 0 }, subIndex: 0, opts: new Map(), positional: target ? [target] : [], cwd: b.cwd };
  const cacheDir = depOnly.store(state.env);
  // Variables the new step uses must already be set where it goes (before the copy).
  const used = new Set([...varsIn(parts.join(' '))]);
  const between = stage.instructions.slice(stage.instructions.indexOf(copy) + 1, stage.instructions.indexOf(build.run));
  const redefined = between.filter((x) => x.upper === 'ENV' || x.upper === 'ARG').flatMap(declaredNames).find((n) => used.has(n));
  if (redefined) return skip(`\`${b.label}\` uses ${redefined}, which is set only after the copy`);
  const plan = planManifests({ inst: fake, ctx, toRel: (a) => an.toRel(a), env: build.run.state().env });
  if (plan.block) return skip(plan.block);
  const all = ctx.available ? plan.paths : plan.patterns;
  if (all.length === 0) return skip('no manifest to copy');
  const bad = all.find((x) => /[\s"'\\$`]/.test(x) || x.startsWith('-'));
  if (bad) return skip(`the manifest path \`${bad}\` would need quoting`);
  const outside = args.prefix ? all.find((x) => !x.startsWith(args.prefix + '/')) : undefined;
  if (outside) return skip(`the build reads ${outside}, outside the copied directory ${args.prefix}`);
  const mounts = build.run.flagsNamed('mount').filter((f) => /^(cache|secret|ssh)$/.test(mountOptions(f).get('type') ?? 'bind'));
  if (build.run.flagsNamed('mount').length !== mounts.length) return skip(`\`${b.label}\` has bind mounts the dependency step would need`);
  const tool = depOnly.what;
  // A build that keeps the packages in a cache mount: the new step would download into the same
  // mount, and its layer would hold none of them. A warm mount already spares the build the
  // download; an empty one (a CI runner with an imported layer cache) stays empty while the new
  // step is cached. No gain, so no step.
  const store = mounts
    .map((f) => mountOptions(f))
    .filter((o) => o.get('type') === 'cache')
    .map((o) => o.get('target') ?? o.get('dst') ?? o.get('destination'))
    .filter((t): t is string => t !== undefined)
    .map((t) => joinPath(buildState.workdir, expandVars(t, buildState.env)))
    .find((t) => isUnder(cacheDir, t));
  if (store) {
    return skip(
      `\`${b.label}\` keeps the ${tool} in a cache mount at ${store}: a \`${fake.label}\` step before the copy would download them into that mount, not into its layer, and save no download (a warm mount already has them; an empty one, as on a CI runner that imports the layer cache, stays empty while that step is cached)`,
    );
  }
  // Secrets and SSH agents (private modules) go on the new step too, and for a restore the other
  // cache mounts (NuGet's HTTP cache); Go's build cache does nothing for a download.
  const carried = mounts.filter((f) => mountOptions(f).get('type') !== 'cache' || depOnly.carryCacheMounts);
  const cd = b.cwd === state.workdir ? '' : `cd ${b.cwd} && `;
  if (cd && /[\s"'$`]/.test(b.cwd)) return skip(`the build directory ${b.cwd} would need quoting`);
  // Is anything of this stage, beyond named build outputs, part of the final image?
  const consumer = model.dirReachesOutput(stage, cacheDir);
  const exposed = ctx.available ? exposedOutputs(fake.label, plan.outputs, ctx) : undefined;
  const unsafe = !ctx.available ? plan.unsafe ?? 'the build context is not available' : consumer;
  const fixKind = unsafe ? 'unsafe' : 'safe';
  const eol = doc.eolAt(copy.start);
  const indent = doc.indentAt(copy.keywordStart);
  const runKw = copy.keyword === copy.keyword.toLowerCase() ? 'run' : 'RUN';
  // Several mounts: one a line, continued with the file's escape character, like the build step.
  const cont = ` ${doc.escape}${eol}${indent}    `;
  const texts = carried.map((f) => doc.slice(f.start, f.end));
  const mountText = texts.length === 0 ? ' ' : texts.length === 1 ? ` ${texts[0]} ` : ` ${texts.join(cont)}${cont}`;
  const lines = [...manifestLines(doc, copy, args, all, ctx), `${runKw}${mountText}${cd}${parts.join(' ')}`];
  const edits: Edit[] = [{ start: copy.keywordStart, end: copy.keywordStart, text: lines.join(eol + indent) + eol + indent }];
  let message = `copy ${listNames(all)} and run \`${fake.label}\` before the rest of the source, so a source edit no longer re-downloads the ${tool} for \`${b.label}\``;
  if (!ctx.available) message += `; the build context is not available (stdin or --no-context), so optional files are copied with globs; unsafe: ${unsafe}`;
  else if (unsafe) message += `; unsafe: the new step may fetch more than the build needs into ${cacheDir}, and ${unsafe}`;
  if (exposed) message += `${unsafe ? ';' : '; unsafe:'} ${exposed}`;
  return { kind: 'change', code: 'dependency-step', range: where, message, fix: { applicability: exposed ? 'unsafe' : fixKind, edits } };
}

/**
 * The install's outputs inside the project that `.dockerignore` does not keep out of the context,
 * as the reason the split is unsafe (undefined when every one is excluded). Decided from
 * `.dockerignore` alone: a directory absent from the working tree today can be there tomorrow.
 */
function exposedOutputs(label: string, outputs: string[], ctx: BuildContext): string | undefined {
  const open = outputs.filter((o) => !excludesTree(ctx, o));
  if (open.length === 0) return undefined;
  const lines = [...new Set(open.map(ignoreLine))].map((l) => `\`${l}\``);
  const list = lines.length === 1 ? lines[0] : `${lines.slice(0, -1).join(', ')} and ${lines[lines.length - 1]}`;
  return (
    `\`${label}\` writes ${listNames(open)} in the project and .dockerignore does not exclude ${open.length > 1 ? 'them' : 'it'}: ` +
    `whatever a working tree has there (left by a local install or build, possibly for another platform) would be copied over what the install wrote, ` +
    `which the original order was immune to (the install ran after the copy); add ${list} to .dockerignore to make the split safe`
  );
}

/** The .dockerignore line to suggest: `**\/name` for the usual per-project directories below the root. */
function ignoreLine(rel: string): string {
  const base = posix.basename(rel);
  return rel.includes('/') && /^(node_modules|obj|\.venv)$/.test(base) ? `**/${base}` : rel;
}

/**
 * An install that keeps its downloads in a cache mount, and a step after the moved copy that
 * mounts the same cache and reads it offline (`dotnet publish --no-restore`, `mvn -o`): before
 * the split every source edit re-ran both; after it the install stays cached while the mount may
 * be empty (a CI runner that imports the layer cache), and the offline step fails.
 */
function offlineReader(model: BuildModel, found: Found[], installRun: Instruction, runSplit: RunSplit | undefined): { label: string; reason: string } | undefined {
  const caches = (run: Instruction): Array<{ id: string; target: string }> => {
    const st = run.state();
    return run
      .flagsNamed('mount')
      .map((f) => mountOptions(f))
      .filter((o) => o.get('type') === 'cache' && (o.get('target') ?? o.get('dst') ?? o.get('destination')) !== undefined)
      .map((o) => {
        const target = joinPath(st.workdir, expandVars((o.get('target') ?? o.get('dst') ?? o.get('destination'))!, st.env));
        return { id: o.get('id') ?? target, target };
      });
  };
  const consumers: Array<{ run: Instruction; cmds: ShellCommand[] }> = [];
  if (runSplit) consumers.push({ run: installRun, cmds: installRun.commands().slice(runSplit.cutStep) });
  // The rest of the stage, and the stages built FROM it (they see the same mounts' state).
  for (const x of model.laterSteps(installRun)) if (x.upper === 'RUN' && !x.json) consumers.push({ run: x, cmds: x.commands() });
  for (const f of found) {
    const produced = caches(f.run);
    if (produced.length === 0) continue;
    for (const c of consumers) {
      const shared = caches(c.run).find((m) => produced.some((p) => p.id === m.id));
      if (!shared) continue;
      const env = c.run.state().env;
      for (const cmd of c.cmds) {
        const reader = readsOffline(cmd, env);
        if (!reader) continue;
        return {
          label: f.inst.label,
          reason:
            `\`${f.inst.label}\` keeps what it downloads in the cache mount at ${shared.target}, and \`${reader}\` at line ${c.run.line} reads it offline: ` +
            `after the split a source edit re-runs that step but not the install, so on a builder whose cache mounts are empty while its layers are cached (a CI runner that imports the layer cache) it would find nothing`,
        };
      }
    }
  }
  return undefined;
}

interface RunSplit {
  /** The text between the install part and the rest (` && \\\n    `), replaced by the copy. */
  cut: [number, number];
  installs: InstallCommand[];
  /** Index of the first step after the cut. */
  cutStep: number;
  /** `cd dir && ` commands the rest needs again. */
  prefix: string;
  /** The first command of the rest, for the message. */
  rest: string;
}

/** Commands that change the state of the shell for the commands after them. */
const SHELL_STATE = /^(cd|set|export|unset|source|\.|alias|umask|trap|shopt|ulimit|pushd|popd|eval|exec|read|declare|typeset|local)$/;

/**
 * `RUN npm ci && npm run build`: can the step end after the installs, with the rest in a new
 * RUN after the full copy? Only when every command before the cut is an install or neutral, at
 * top level, joined by `&&`/`;`, changes no shell state (cd, set, export, variables) the rest could
 * use, the cut is an `&&` (a failure still fails the build) and nothing is joined by `||`, `|`
 * across it or `&`. Returns the reason when it cannot (empty when no cut point exists).
 */
function splitRunAfterInstalls(doc: DockerfileDocument, run: Instruction, r: RunAnalysis): RunSplit | string {
  if (run.json || run.heredocs.length || r.steps.length === 0) return '';
  // Leading `cd dir &&` commands are repeated in front of the rest.
  let cds = 0;
  while (cds < r.steps.length && r.steps[cds].c.kind === 'cd' && (r.steps[cds].c as { dir: string | null }).dir !== null && r.steps[cds].cmd.terminator === '&&') cds++;
  const m = r.steps.findIndex((s, i) => i >= cds && s.c.kind !== 'install' && s.c.kind !== 'neutral');
  if (m <= 0) return '';
  if (r.blockedAt !== m) return '';
  const head = r.steps.slice(0, m);
  if (!head.some((s) => s.c.kind === 'install')) return '';
  if (r.steps.some((s) => s.cmd.depth > 0 || s.cmd.terminator === '||' || s.cmd.terminator === '&')) return 'the step groups its commands or joins them with `||`';
  if (head.some((s) => s.cmd.terminator === '|')) return 'the install is piped';
  for (const s of head.slice(cds)) {
    const w = s.cmd.words;
    if (w.length && (SHELL_STATE.test(w[0].value) || w.every((x) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(x.value)))) return `\`${w.map((x) => x.value).join(' ')}\` changes the shell for the commands after it`;
  }
  const last = head[head.length - 1].cmd;
  if (last.terminator !== '&&') return 'the install is not joined to the rest with `&&`';
  const ends = [...last.words, ...last.redirects].map((x) => x.end);
  const a = Math.max(...ends);
  const next = r.steps[m].cmd;
  const starts = [...next.words, ...next.redirects].map((x) => x.start);
  const b = Math.min(...starts);
  const between = doc.slice(a, b);
  const esc = doc.escape === '`' ? '`' : '\\\\';
  const cont = `(${esc}[ \\t]*\\r?\\n[ \\t]*)*`;
  if (!new RegExp(`^[ \\t]*${cont}&&[ \\t]*${cont}$`).test(between)) return 'comments or other text sit between the install and the rest';
  const prefix = r.steps
    .slice(0, cds)
    .map((s) => doc.slice(s.cmd.words[0].start, s.cmd.words[s.cmd.words.length - 1].end) + ' && ')
    .join('');
  if (/[\r\n]/.test(prefix)) return 'the `cd` spans lines';
  return { cut: [a, b], cutStep: m, prefix, installs: head.flatMap((s) => (s.c.kind === 'install' ? [s.c.install] : [])), rest: next.words.map((x) => x.value).join(' ').slice(0, 40) };
}

/** `COPY <files> <dest>/dir/` lines: one per directory of files, one per copied directory; same flags. */
function manifestLines(doc: DockerfileDocument, copy: Instruction, args: CopyArgs, all: string[], ctx: BuildContext): string[] {
  const dest = args.dest;
  // Destination directories are relative to the copied directory.
  const under = (p: string): string => (args.prefix ? posix.relative(args.prefix, p) : p);
  const groups = new Map<string, string[]>();
  const dirSources: string[] = [];
  for (const p of all) {
    if (ctx.available && isDirectory(ctx, p)) dirSources.push(p);
    else {
      const d = posix.dirname(under(p)) === '.' ? '' : posix.dirname(under(p));
      groups.set(d, [...(groups.get(d) ?? []), p]);
    }
  }
  const kw = copy.keyword === copy.keyword.toLowerCase() ? 'copy' : copy.keyword === copy.keyword.toUpperCase() ? 'COPY' : 'Copy';
  const flags = copy.flags.map((f) => ' ' + doc.slice(f.start, f.end)).join('');
  const lines: string[] = [];
  const keys = [...groups.keys()].sort((a, b) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b)));
  for (const d of keys) lines.push(`${kw}${flags} ${groups.get(d)!.join(' ')} ${destFor(dest, d)}`);
  for (const d of dirSources.sort()) lines.push(`${kw}${flags} ${d} ${destFor(dest, under(d))}`);
  return lines;
}

// The directories of a context listing (every proper prefix of a listed file), per listing.
const listedDirs = new WeakMap<readonly string[], Set<string>>();

function isDirectory(ctx: BuildContext, rel: string): boolean {
  const files = ctx.files();
  if (!files) return false;
  let dirs = listedDirs.get(files);
  if (!dirs) {
    dirs = new Set();
    for (const f of files) for (let i = f.indexOf('/'); i !== -1; i = f.indexOf('/', i + 1)) dirs.add(f.slice(0, i));
    listedDirs.set(files, dirs);
  }
  return dirs.has(rel);
}

export default splitCopy;
