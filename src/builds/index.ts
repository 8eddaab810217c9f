/**
 * How the repository says its Dockerfiles are built. `findBuildDefinitions` looks in the folders
 * from each path given up to the git root (never above it; with no git root, only the folders
 * given) for compose files (also under `docker/` and `deploy/`), GitHub Actions workflows,
 * Makefiles, Jenkinsfiles, Taskfiles, justfiles, CircleCI, Azure Pipelines and Bitbucket Pipelines
 * files, scripts under `scripts/` and `build/`, package.json scripts, devcontainers and bake
 * JSON files, and returns one entry per Dockerfile built, with its context, target and args, and
 * notes (`path:line`) for entries it could not use. It reads files and never runs anything.
 */
import fs from 'node:fs';
import path from 'node:path';
import { gitRoot } from '../pipeline/fsio.js';
import { direct, type FsQueries } from '../core/listings.js';
import { COMPOSE_FILE, readCompose } from './compose.js';
import { readWorkflow } from './workflows.js';
import { readMakefile, readPackageJson, readScript } from './scripts.js';
import { readDevcontainer } from './devcontainer.js';
import { readGitlabCi, readSkaffold } from './ci-files.js';
import { readAzurePipelines, readBitbucketPipelines, readCircleCi } from './ci-services.js';
import { JENKINS_FILE, readJenkinsfile } from './jenkins.js';
import { JUSTFILES, TASKFILES, readJustfile, readTaskfile } from './task-runners.js';
import { BAKE_FILES, readBakeSet } from './bake.js';
import { insideRoot as inside, readRegular } from './read.js';
import type { BuildDefinition, BuildDefinitions, BuildNote, FindOptions, RawDefinition, Sink } from './types.js';

export type { BuildDefinition, BuildDefinitions, BuildNote, BuildSource, FindOptions } from './types.js';

const MAX_BYTES = 1 << 20;

/** Control characters from repository files (service names, values) shown escaped, never sent to a terminal raw. */
export function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}


/** Folders from `start` up to `root`, nearest first. */
function upward(start: string, root: string): string[] {
  const out: string[] = [];
  let d = start;
  for (;;) {
    out.push(d);
    if (d === root) break;
    const parent = path.dirname(d);
    if (parent === d || !inside(root, parent)) break;
    d = parent;
  }
  return out;
}

type Reader = (file: string, text: string, sink: Sink) => void;

/** The definition files in one folder, with their readers (one readdir per folder in most cases). */
function candidates(dir: string, q: FsQueries): { files: Array<[string, Reader]>; bake: string[] } {
  const out: Array<[string, Reader]> = [];
  const list = (d: string): string[] => q.names(d).sort();
  const isFile = (f: string): boolean => q.isFile(f);
  const names = list(dir);
  const has = new Set(names);
  for (const name of names) if (COMPOSE_FILE.test(name)) out.push([path.join(dir, name), readCompose]);
  for (const sub of ['docker', 'deploy']) {
    if (!has.has(sub)) continue;
    for (const name of list(path.join(dir, sub))) if (COMPOSE_FILE.test(name)) out.push([path.join(dir, sub, name), readCompose]);
  }
  if (has.has('.github')) {
    const wf = path.join(dir, '.github', 'workflows');
    for (const name of list(wf)) if (/\.ya?ml$/.test(name)) out.push([path.join(wf, name), readWorkflow]);
  }
  for (const name of ['GNUmakefile', 'makefile', 'Makefile']) if (has.has(name)) out.push([path.join(dir, name), readMakefile]);
  for (const name of names) if (JENKINS_FILE.test(name)) out.push([path.join(dir, name), readJenkinsfile]);
  for (const name of TASKFILES) if (has.has(name)) out.push([path.join(dir, name), readTaskfile]);
  for (const name of JUSTFILES) if (has.has(name)) out.push([path.join(dir, name), readJustfile]);
  for (const sub of ['scripts', 'build']) {
    if (!has.has(sub)) continue;
    const d = path.join(dir, sub);
    for (const name of list(d)) {
      const f = path.join(d, name);
      if (/\.(sh|bash)$/.test(name) || (!name.includes('.') && isFile(f) && /^#!.*\b(ba|z|da)?sh\b/.test(head(f)))) out.push([f, (file, text, sink) => readScript(file, text, sink, dir)]);
    }
  }
  if (has.has('.gitlab-ci.yml')) out.push([path.join(dir, '.gitlab-ci.yml'), readGitlabCi]);
  if (has.has('.circleci')) out.push([path.join(dir, '.circleci', 'config.yml'), readCircleCi]);
  for (const name of ['azure-pipelines.yml', '.azure-pipelines.yml']) if (has.has(name)) out.push([path.join(dir, name), readAzurePipelines]);
  if (has.has('bitbucket-pipelines.yml')) out.push([path.join(dir, 'bitbucket-pipelines.yml'), readBitbucketPipelines]);
  for (const name of ['skaffold.yaml', 'skaffold.yml']) if (has.has(name)) out.push([path.join(dir, name), readSkaffold]);
  if (has.has('package.json')) out.push([path.join(dir, 'package.json'), readPackageJson]);
  if (has.has('.devcontainer.json')) out.push([path.join(dir, '.devcontainer.json'), readDevcontainer]);
  if (has.has('.devcontainer')) {
    out.push([path.join(dir, '.devcontainer', 'devcontainer.json'), readDevcontainer]);
    for (const name of list(path.join(dir, '.devcontainer'))) {
      const f = path.join(dir, '.devcontainer', name, 'devcontainer.json');
      if (isFile(f)) out.push([f, readDevcontainer]);
    }
  }
  const bake = BAKE_FILES.filter((name) => has.has(name)).map((name) => path.join(dir, name)).filter(isFile);
  return { files: out.filter(([f]) => isFile(f)), bake };
}

function head(file: string): string {
  try {
    const fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(128);
    const n = fs.readSync(fd, buf, 0, 128, 0);
    fs.closeSync(fd);
    return buf.subarray(0, n).toString('utf8').split('\n')[0];
  } catch {
    return '';
  }
}

/**
 * Search from `paths` (files or folders) up to the git root. Paths outside that root (or not
 * existing) are ignored.
 */
export async function findBuildDefinitions(paths: string | readonly string[], opts: FindOptions = {}): Promise<BuildDefinitions> {
  const starts = (typeof paths === 'string' ? [paths] : [...paths]).map((p) => path.resolve(p));
  const first = starts[0] ?? process.cwd();
  const q = opts.listings ?? direct;
  const isDirectory = (p: string): boolean => q.isDirectory(p);
  const isFile = (p: string): boolean => q.isFile(p);
  const firstDir = isDirectory(first) ? first : path.dirname(first);
  const root = (opts.gitRoot ?? gitRoot)(firstDir) ?? firstDir;
  const definitions: BuildDefinition[] = [];
  const notes: BuildNote[] = [];
  const rel = (p: string): string => path.relative(root, p).split(path.sep).join('/') || '.';
  const deferred: Array<() => Promise<void>> = [];
  const added = new Set<string>();
  const noted = new Set<string>();
  const sink: Sink = {
    root,
    defer: (task) => void deferred.push(task),
    env: opts.env ?? {},
    note: (file, line, message) => {
      const n = { file, line, message: printable(message) };
      const key = JSON.stringify(n);
      if (noted.has(key)) return;
      noted.add(key);
      notes.push(n);
    },
    add: (d: RawDefinition) => {
      const note = (m: string): void => void notes.push({ file: d.source.file, line: d.source.line, message: printable(`${d.source.what}: ${m}`) });
      if (d.context !== null) {
        if (!inside(root, d.context)) return note(`context ${d.context} is outside the repository; not used`);
        if (!isDirectory(d.context)) return note(`context ${rel(d.context)} is not a folder; not used`);
      }
      const dockerfile = d.dockerfile ?? (d.context !== null ? path.join(d.context, 'Dockerfile') : undefined);
      if (!dockerfile) return;
      if (!inside(root, dockerfile)) return note(`Dockerfile ${dockerfile} is outside the repository; not used`);
      if (!isFile(dockerfile)) return note(`Dockerfile ${rel(dockerfile)} not found; not used`);
      const def: BuildDefinition = { dockerfile, context: d.context, ...(d.target !== undefined ? { target: d.target } : {}), args: d.args, ...(d.additionalContexts ? { additionalContexts: d.additionalContexts } : {}), source: { ...d.source, what: printable(d.source.what) } };
      // The same entry read twice (a compose file found in its folder and included by another) counts once.
      const key = JSON.stringify(def);
      if (added.has(key)) return;
      added.add(key);
      definitions.push(def);
    },
  };
  const seenDirs = new Set<string>();
  const seenFiles = new Set<string>();
  for (const start of starts) {
    const dir = isDirectory(start) ? start : path.dirname(start);
    if (!inside(root, dir)) continue;
    for (const d of upward(dir, root)) {
      if (seenDirs.has(d)) continue;
      seenDirs.add(d);
      const c = candidates(d, q);
      for (const [file, read] of c.files) {
        if (seenFiles.has(file)) continue;
        seenFiles.add(file);
        const text = readRegular(file, MAX_BYTES);
        if (text === null) {
          if (isFile(file)) sink.note(file, 1, 'larger than 1 MiB; not read');
          continue;
        }
        read(file, text, sink);
      }
      if (c.bake.length) sink.defer(() => readBakeSet(c.bake, sink));
    }
  }
  for (let i = 0; i < deferred.length; i++) await deferred[i]();
  return { root, definitions, notes };
}

/** The definitions per Dockerfile (absolute path), in the order found. */
export function byDockerfile(defs: readonly BuildDefinition[]): Map<string, BuildDefinition[]> {
  const m = new Map<string, BuildDefinition[]>();
  for (const d of defs) {
    const list = m.get(d.dockerfile);
    if (list) list.push(d);
    else m.set(d.dockerfile, [d]);
  }
  return m;
}

/** `docker/docker-compose.yml:14, service web`, paths relative to `cwd`. */
export function describeSource(d: BuildDefinition, cwd: string): string {
  const file = printable(path.relative(cwd, d.source.file).split(path.sep).join('/') || d.source.file);
  const what = d.source.what.replace(/^compose /, '');
  // `Makefile:6`, not `Makefile:6, Makefile`.
  return what === path.basename(d.source.file) ? `${file}:${d.source.line}` : `${file}:${d.source.line}, ${what}`;
}
