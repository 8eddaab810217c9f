/**
 * `docker build` / `docker buildx build` / `docker image build` / `podman build` command lines in
 * shell text (workflow `run:` steps, Makefile recipes, scripts, package.json scripts): the flags
 * that decide how the Dockerfile is built (`-f/--file`, `--target`, `--build-arg`) and the
 * positional context (`-`: no context). `docker buildx bake` / `docker bake` lines: the bake
 * files (`-f`, else the default ones in the folder) and the targets they name. `cd <dir>` earlier
 * in the same text moves the base.
 */
import fs from 'node:fs';
import path from 'node:path';
import { tokenize, type Word } from '../core/shell.js';
import { readBakeInvocation } from './bake.js';
import { readComposeCommand } from './compose.js';
import { interpolate } from './interpolate.js';
import type { Sink } from './types.js';

/** Flags of `docker build` that take a value (the next word unless written `--flag=value`). */
const VALUE_FLAGS = new Set([
  '-t', '--tag', '--platform', '--label', '--cache-from', '--cache-to', '--secret', '--ssh', '-o', '--output', '--network',
  '--progress', '--build-context', '--iidfile', '--metadata-file', '--add-host', '--ulimit', '--shm-size', '-m', '--memory',
  '--memory-swap', '--cpu-shares', '--cpu-period', '--cpu-quota', '--cpuset-cpus', '--cpuset-mems', '--isolation', '--attest',
  '--sbom', '--provenance', '--annotation', '--allow', '--builder', '--cgroup-parent', '--security-opt', '--format', '--call',
  '--check', '--authfile', '--creds', '--jobs', '--layers', '--manifest', '--os', '--arch', '--variant', '--volume', '-v',
  '--env', '--ignorefile', '--cache-ttl', '--timestamp', '--userns', '--secret-id',
]);

export interface CommandSite {
  /** The file the text comes from (for sources and notes). */
  file: string;
  /** Line of the text's first character in `file`. */
  line: number;
  /** Directory relative paths are taken from. */
  cwd: string;
  what: string;
  /** Each line runs in a shell of its own (make recipes): a `cd` does not carry to the next line. */
  linePerShell?: boolean;
}

/** Index of the program a command runs, past `VAR=x` assignments and `sudo`. */
function programAt(words: string[]): number {
  let i = 0;
  while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i])) i++; // VAR=x docker build
  if (words[i] === 'sudo') i++;
  return i;
}

/** Is `words[i..]` a build command? Returns the index of its first argument. */
function buildStart(words: string[]): number {
  const i = programAt(words);
  const prog = path.basename(words[i] ?? '');
  if (prog === 'executor' && /kaniko/.test(words[i])) return -(i + 2); // kaniko: flags from i+1
  if (prog === 'podman' || prog === 'buildah') {
    return words[i + 1] === 'build' || words[i + 1] === 'bud' ? i + 2 : -1;
  }
  if (prog !== 'docker') return -1;
  if (words[i + 1] === 'build') return i + 2;
  if ((words[i + 1] === 'buildx' || words[i + 1] === 'image') && words[i + 2] === 'build') return i + 3;
  return -1;
}

/** Is `words[i..]` `docker buildx bake` / `docker bake`? Returns the index of its first argument. */
function bakeStart(words: string[]): number {
  const i = programAt(words);
  if (path.basename(words[i] ?? '') !== 'docker') return -1;
  if (words[i + 1] === 'bake') return i + 2;
  if (words[i + 1] === 'buildx' && words[i + 2] === 'bake') return i + 3;
  return -1;
}

/** Is `words[i..]` `docker compose` / `docker-compose` / `podman compose`? Returns the index of its first argument. */
function composeStart(words: string[]): number {
  const i = programAt(words);
  const prog = path.basename(words[i] ?? '');
  if (prog === 'docker-compose' || prog === 'podman-compose') return i + 1;
  if ((prog === 'docker' || prog === 'podman') && words[i + 1] === 'compose') return i + 2;
  return -1;
}

/** Global flags of `docker compose` that take a value. */
const COMPOSE_VALUE_FLAGS = new Set(['-f', '--file', '--project-directory', '-p', '--project-name', '--profile', '--env-file', '--ansi', '--parallel', '--progress']);

/** `docker compose [-f …] [--project-directory …] build|up|run|create …`: the compose files it reads (src/builds/compose.ts). Other subcommands build nothing. */
function parseCompose(words: Word[], site: CommandSite, sink: Sink): void {
  const note = (m: string): void => sink.note(site.file, site.line, `${site.what}: ${m}`);
  const files: string[] = [];
  let projectDir: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const w = words[i].value;
    const eq = w.startsWith('--') ? w.indexOf('=') : -1;
    const flag = eq === -1 ? w : w.slice(0, eq);
    if (COMPOSE_VALUE_FLAGS.has(flag)) {
      const v = eq === -1 ? words[++i]?.value : w.slice(eq + 1);
      if (v === undefined) return;
      if (flag !== '-f' && flag !== '--file' && flag !== '--project-directory') continue;
      const r = interpolate(v, sink.env);
      if (!r.ok) return note(`compose ${flag} ${v}: cannot resolve ${r.variable}; not used`);
      if (r.value === '-') return note('compose file from standard input (-f -); not used');
      if (flag === '--project-directory') projectDir = r.value;
      else files.push(r.value);
      continue;
    }
    if (w.startsWith('-')) continue;
    // The subcommand: only these build images.
    if (['build', 'up', 'run', 'create'].includes(w)) readComposeCommand(files, projectDir, site.cwd, sink, { file: site.file, line: site.line, what: site.what });
    return;
  }
}

/** Flags of `docker buildx bake` that take a value. */
const BAKE_VALUE_FLAGS = new Set(['-f', '--file', '--set', '--progress', '--builder', '--metadata-file', '--provenance', '--sbom', '--allow', '--call', '--list', '--var']);

/**
 * A bake command: `-f/--file` (repeatable; without one, the default bake files of the folder),
 * the targets and groups named (none: bake's default group), `--set` overrides of the context,
 * Dockerfile, target, args and named contexts applied. Compose files given to bake are read as compose files where dockerfix finds them.
 */
function parseBake(words: Word[], site: CommandSite, sink: Sink): void {
  const note = (m: string): void => sink.note(site.file, site.line, `${site.what}: ${m}`);
  const files: string[] = [];
  const targets: string[] = [];
  const sets: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i].value;
    const eq = w.startsWith('--') ? w.indexOf('=') : -1;
    let flag = eq === -1 ? w : w.slice(0, eq);
    let value = eq === -1 ? undefined : w.slice(eq + 1);
    if (/^-f./.test(w)) {
      flag = '-f';
      value = w.slice(2);
    }
    if (BAKE_VALUE_FLAGS.has(flag)) {
      const v = value ?? words[++i]?.value;
      if (v === undefined) return;
      if (flag === '-f' || flag === '--file') {
        const r = interpolate(v, sink.env);
        if (!r.ok) return note(`bake --file ${v}: cannot resolve ${r.variable}; entry not used`);
        if (r.value === '-') return note('bake file from standard input (-f -); not used');
        files.push(path.resolve(site.cwd, r.value));
      } else if (flag === '--set') sets.push(v);
    } else if (w.startsWith('-')) {
      // a boolean flag (--load, --push, --print, --pull, --no-cache, …)
    } else {
      const r = interpolate(w, sink.env);
      if (!r.ok) return note(`bake target ${w}: cannot resolve ${r.variable}; entry not used`);
      targets.push(r.value);
    }
  }
  readBakeInvocation(files, site.cwd, sink, { targets, set: sets, source: { file: site.file, line: site.line, what: site.what } });
}

/** Line (in the text) of offset `at`. */
function lineAt(text: string, at: number): number {
  let n = 0;
  for (let i = 0; i < at && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/** Find the build commands in `text` and report them to `sink`. */
export function scanCommands(text: string, site: CommandSite, sink: Sink): number {
  // A backslash-newline joins lines; same length, so offsets still count lines of the original.
  const joined = text.replace(/\\\r?\n/g, (m) => ' '.repeat(m.length));
  let tok;
  try {
    tok = tokenize(joined, (i) => i);
  } catch {
    return 0;
  }
  let cwd = site.cwd;
  let found = 0;
  let lineEnded = false;
  for (const cmd of tok.commands) {
    if (lineEnded) cwd = site.cwd;
    lineEnded = site.linePerShell === true && cmd.terminator === '\n';
    const words = cmd.words.map((w) => w.value);
    if (words[0] === 'cd' && words.length === 2 && cmd.depth === 0) {
      const r = interpolate(words[1], sink.env);
      if (r.ok && !r.value.startsWith('~') && r.value !== '-') cwd = path.resolve(cwd, r.value);
      continue;
    }
    const compose = composeStart(words);
    if (compose !== -1) {
      found++;
      parseCompose(cmd.words.slice(compose), { ...site, line: site.line + lineAt(text, cmd.words[0].start), cwd }, sink);
      continue;
    }
    const bake = bakeStart(words);
    if (bake !== -1) {
      found++;
      parseBake(cmd.words.slice(bake), { ...site, line: site.line + lineAt(text, cmd.words[0].start), cwd }, sink);
      continue;
    }
    const start = buildStart(words);
    if (start === -1) continue;
    found++;
    const line = site.line + lineAt(text, cmd.words[0].start);
    if (start < -1) parseKaniko(cmd.words.slice(-start - 1), { ...site, line, cwd }, sink);
    else parseBuild(cmd.words.slice(start), { ...site, line, cwd }, sink);
  }
  return found;
}

function parseBuild(words: Word[], site: CommandSite, sink: Sink): void {
  let file: string | undefined;
  let target: string | undefined;
  const args: Record<string, string> = {};
  const positional: string[] = [];
  const note = (m: string): void => sink.note(site.file, site.line, m);
  const resolve = (raw: string, what: string): string | null => {
    const r = interpolate(raw, sink.env);
    if (r.ok) return r.value;
    note(`${what} ${raw}: cannot resolve ${r.variable}; entry not used`);
    return null;
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i].value;
    let flag = w;
    let value: string | undefined;
    if (w.startsWith('--') && w.includes('=')) {
      flag = w.slice(0, w.indexOf('='));
      value = w.slice(w.indexOf('=') + 1);
    } else if (/^-[ft]./.test(w)) {
      flag = w.slice(0, 2);
      value = w.slice(2);
    }
    const takeValue = (): string | undefined => value ?? words[++i]?.value;
    if (flag === '-f' || flag === '--file') {
      const v = takeValue();
      if (v === undefined) return;
      const r = resolve(v, '--file');
      if (r === null) return;
      file = r;
    } else if (flag === '--target') {
      const v = takeValue();
      if (v === undefined) return;
      const r = resolve(v, '--target');
      if (r === null) return;
      target = r;
    } else if (flag === '--build-arg') {
      const v = takeValue();
      if (v === undefined) return;
      const eq = v.indexOf('=');
      if (eq === -1) {
        note(`--build-arg ${v} takes its value from the environment; not known`);
        continue;
      }
      const r = interpolate(v.slice(eq + 1), sink.env);
      if (r.ok) args[v.slice(0, eq)] = r.value;
      else note(`--build-arg ${v}: cannot resolve ${r.variable}; arg left out`);
    } else if (VALUE_FLAGS.has(flag)) {
      if (value === undefined) i++;
    } else if (w.startsWith('-') && w !== '-') {
      // a boolean flag (or one this parser does not know)
    } else {
      positional.push(w);
    }
  }
  if (positional.length !== 1) {
    note(positional.length === 0 ? 'build command without a context argument; not used' : `build command with ${positional.length} positional arguments; not used`);
    return;
  }
  const ctxRaw = positional[0];
  if (file === '-') {
    note('the Dockerfile comes from standard input (-f -); not used');
    return;
  }
  if (/^(https?:|git@|git:|ssh:)/.test(ctxRaw) || ctxRaw.endsWith('.git')) {
    note(`context ${ctxRaw} is a URL; not used`);
    return;
  }
  let context: string | null = null;
  if (ctxRaw !== '-') {
    const r = resolve(ctxRaw, 'context');
    if (r === null) return;
    context = path.resolve(site.cwd, r);
  } else if (file === undefined) {
    // `docker build - < Dockerfile`: the Dockerfile comes from standard input.
    note('the Dockerfile comes from standard input (docker build -); not used');
    return;
  }
  sink.add({
    dockerfile: file !== undefined ? path.resolve(site.cwd, file) : undefined,
    context,
    ...(target !== undefined ? { target } : {}),
    args,
    source: { file: site.file, line: site.line, what: site.what },
  });
}

/**
 * Kaniko's executor (`/kaniko/executor --context … --dockerfile … --target … --build-arg K=V`):
 * `--context` a folder (`dir://` allowed; other schemes are not local), `--dockerfile` as given
 * when that file exists, else from the context (kaniko's own order).
 */
function parseKaniko(words: Word[], site: CommandSite, sink: Sink): void {
  const note = (m: string): void => sink.note(site.file, site.line, m);
  let ctxRaw: string | undefined;
  let file: string | undefined;
  let target: string | undefined;
  const args: Record<string, string> = {};
  for (let i = 0; i < words.length; i++) {
    const w = words[i].value;
    const eq = w.startsWith('--') ? w.indexOf('=') : -1;
    const flag = eq === -1 ? w : w.slice(0, eq);
    const take = (): string | undefined => (eq === -1 ? words[++i]?.value : w.slice(eq + 1));
    if (flag === '--context' || flag === '-c') ctxRaw = take();
    else if (flag === '--dockerfile' || flag === '-f') file = take();
    else if (flag === '--target') target = take();
    else if (flag === '--build-arg') {
      const v = take() ?? '';
      const e = v.indexOf('=');
      if (e === -1) note(`--build-arg ${v} takes its value from the environment; not known`);
      else {
        const r = interpolate(v.slice(e + 1), sink.env);
        if (r.ok) args[v.slice(0, e)] = r.value;
        else note(`--build-arg ${v}: cannot resolve ${r.variable}; arg left out`);
      }
    }
  }
  const resolve = (raw: string, what: string): string | null => {
    const r = interpolate(raw, sink.env);
    if (r.ok) return r.value;
    note(`kaniko ${what} ${raw}: cannot resolve ${r.variable}; entry not used`);
    return null;
  };
  const ctx = ctxRaw === undefined ? '.' : resolve(ctxRaw, '--context');
  if (ctx === null) return;
  if (/^[a-z0-9]+:\/\//.test(ctx) && !ctx.startsWith('dir://')) {
    note(`kaniko context ${ctx} is not a local folder; not used`);
    return;
  }
  const context = path.resolve(site.cwd, ctx.replace(/^dir:\/\//, ''));
  let dockerfile: string | undefined;
  if (file !== undefined) {
    const f = resolve(file, '--dockerfile');
    if (f === null) return;
    const asGiven = path.resolve(site.cwd, f);
    dockerfile = fs.existsSync(asGiven) ? asGiven : path.resolve(context, f);
  }
  let t: string | undefined;
  if (target !== undefined) {
    const r = resolve(target, '--target');
    if (r === null) return;
    t = r;
  }
  sink.add({ dockerfile, context, ...(t !== undefined ? { target: t } : {}), args, source: { file: site.file, line: site.line, what: site.what } });
}
