/**
 * `dockerfix ci <Dockerfile>`: ready-to-use commands that keep the layer cache across CI runs,
 * whose builders start empty (cache-recipes.md, "CI-side caching"): a `type=registry` cache
 * export with `mode=max` for buildx (every stage in one cache), per-stage `--target` builds with
 * `BUILDKIT_INLINE_CACHE=1` and several `--cache-from` for plain docker, the GitHub Actions `gha`
 * cache, and a local cache directory when there is no registry.
 */
import path from 'node:path';
import { Command } from 'commander';
import { stringify as yamlStringify } from 'yaml';
import { parseSubcommandArgs } from './parse.js';
import type { Io } from './io.js';
import { DockerfileDocument, type Stage } from '../core/document.js';
import { mountOptions } from '../core/edit-helpers.js';
import { FileError, readDockerfile } from '../pipeline/fsio.js';
import { escapeControls, hasControls } from '../report/escape.js';
import { planBuilds } from '../builds/plan.js';

export interface CiOptions {
  /** Image repository for cache and result images, without a tag. */
  registry: string;
  /** Dockerfile path as it should appear in the commands. */
  file: string;
  /** Build context as it should appear in the commands. */
  context: string;
  tag: string;
  /** The stage built (`--target`, from the repository's build definitions); default: the last. */
  target?: string;
  /** Where the context / target came from (printed as comments). */
  sources?: string[];
}

export const DEFAULT_REGISTRY = 'registry.example.com/app';

/**
 * Single-quote for POSIX shells when needed: a word of only these characters means the same
 * quoted or not; anything else goes in '…' (a ' inside as '\''), where the shell expands nothing.
 */
export function shq(s: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * A build stage name as BuildKit accepts it (`FROM … AS <name>`, compared in lower case): a
 * letter, then letters, digits, `-`, `_` and `.`.
 */
export function isValidStageName(name: string): boolean {
  return /^[a-z][a-z0-9\-_.]*$/i.test(name);
}

/** An image tag (distribution/reference): a word character, then up to 127 of `\w . -`. */
export function isValidTag(tag: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag);
}

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/**
 * An image repository without tag or digest, per Docker's reference grammar
 * (distribution/reference): an optional registry host (with a `.` or a port, or `localhost`),
 * then lower-case path components separated by `/`; at most 255 characters.
 */
export function isValidRepository(ref: string): boolean {
  if (ref.length === 0 || ref.length > 255) return false;
  const parts = ref.split('/');
  if (parts.length > 1 && DOMAIN.test(parts[0]) && (/[.:]/.test(parts[0]) || parts[0] === 'localhost')) parts.shift();
  return parts.length > 0 && parts.every((p) => PATH_COMPONENT.test(p));
}

/** Text from the Dockerfile or a path, for a comment line: one line, nothing a terminal acts on. */
const c = escapeControls;

function label(s: Stage): string {
  return s.name ? `"${c(s.name)}"` : `${s.index}`;
}

/** Stages the last stage needs (FROM chain, COPY --from, RUN --mount from=). */
export function neededStages(doc: DockerfileDocument, final: Stage | undefined = doc.stages[doc.stages.length - 1]): Set<Stage> {
  const need = new Set<Stage>();
  const visit = (s: Stage | undefined | null): void => {
    if (!s || need.has(s)) return;
    need.add(s);
    visit(s.parent);
    for (const i of s.instructions) {
      const from = i.upper === 'COPY' || i.upper === 'ADD' ? i.flag('from')?.value : undefined;
      if (from) visit(doc.stageByRef(from, s.index));
      if (i.upper === 'RUN') {
        for (const f of i.flagsNamed('mount')) {
          const m = mountOptions(f).get('from');
          if (m) visit(doc.stageByRef(m, s.index));
        }
      }
    }
  };
  visit(final);
  return need;
}

export function ciCommands(doc: DockerfileDocument, o: CiOptions): string {
  const reg = o.registry;
  const f = shq(o.file);
  const ctx = shq(o.context);
  const stages = doc.stages;
  const chosen = o.target !== undefined ? stages.find((s) => s.name?.toLowerCase() === o.target!.toLowerCase()) : undefined;
  const final = chosen ?? stages[stages.length - 1];
  const need = neededStages(doc, final);
  const lines: string[] = [];
  const L = (s = ''): number => lines.push(s);
  // One target of several: its own cache ref and tag, and --target on every build of it.
  const tt = chosen ? ` --target ${shq(chosen.name!)}` : '';
  const cacheRef = chosen ? `buildcache-${chosen.name}` : 'buildcache';
  if (chosen) o = { ...o, tag: `${o.tag}-${chosen.name}` };
  L(`# dockerfix ci: layer-cache commands for ${c(o.file)}${chosen ? `, target ${c(chosen.name!)}` : ''} (build context ${c(o.context)})`);
  for (const src of o.sources ?? []) L(`# ${c(src)}`);
  L(`# stages: ${stages.map((s) => `${label(s)} (FROM ${c(s.baseImage)})`).join(', ') || 'none'}`);
  if (reg === DEFAULT_REGISTRY) L(`# ${reg} is a placeholder: give your image repository with --registry <image>`);
  // Only names Docker accepts become --target values and image tags; the others are left out with a note.
  const badName = stages.filter((s) => s !== final && s.name && need.has(s) && !(isValidStageName(s.name) && isValidTag(`cache-${s.name}`)));
  const unnamed = stages.filter((s) => s !== final && !s.name && need.has(s));
  const targets = stages.filter((s) => s !== final && s.name && need.has(s) && isValidStageName(s.name) && isValidTag(`cache-${s.name}`));
  for (const s of stages) if (!need.has(s)) L(`# stage ${label(s)} is not needed for the final stage: BuildKit skips it, so no cache is kept for it`);
  L('# CI builders start with an empty cache: RUN --mount=type=cache directories do not survive them,');
  L('# so import the layer cache of earlier runs from a registry (or a saved directory) instead.');
  L();
  L('## 1. docker buildx with a registry cache (recommended: mode=max exports the layers of every stage)');
  L('docker buildx build \\');
  L(`  --file ${f}${tt} \\`);
  L(`  --cache-from ${shq(`type=registry,ref=${reg}:${cacheRef}`)} \\`);
  L(`  --cache-to ${shq(`type=registry,ref=${reg}:${cacheRef},mode=max`)} \\`);
  L(`  --tag ${shq(`${reg}:${o.tag}`)} \\`);
  L('  --push \\');
  L(`  ${ctx}`);
  L();
  L('## 2. plain docker build with inline cache (BuildKit, Docker 23+ or DOCKER_BUILDKIT=1):');
  L('##    inline cache only holds the stage that is built, so build and push each stage with --target');
  L('export DOCKER_BUILDKIT=1');
  const froms: string[] = [];
  for (const s of targets) {
    const image = `${reg}:cache-${s.name}`;
    froms.push(image);
    L(`docker build --file ${f} --target ${shq(s.name!)} \\`);
    for (const from of froms) L(`  --cache-from ${shq(from)} \\`);
    L('  --build-arg BUILDKIT_INLINE_CACHE=1 \\');
    L(`  --tag ${shq(image)} ${ctx}`);
    L(`docker push ${shq(image)}`);
  }
  froms.push(`${reg}:${o.tag}`);
  L(`docker build --file ${f}${tt} \\`);
  for (const from of froms) L(`  --cache-from ${shq(from)} \\`);
  L('  --build-arg BUILDKIT_INLINE_CACHE=1 \\');
  L(`  --tag ${shq(`${reg}:${o.tag}`)} ${ctx}`);
  L(`docker push ${shq(`${reg}:${o.tag}`)}`);
  for (const s of badName) {
    L(`# stage ${s.index} is left out: its name ${JSON.stringify(c(s.name!))} is not a valid stage name (a letter, then letters, digits, "-", "_", "."), so Docker does not build this file as it is`);
  }
  for (const s of unnamed) L(`# stage ${s.index} has no name, so it cannot be built with --target: add "AS <name>" to its FROM, or use option 1`);
  L();
  L('## 3. GitHub Actions: docker/build-push-action with the GitHub cache (type=gha)');
  const steps = [
    { uses: 'docker/setup-buildx-action@v3' },
    {
      uses: 'docker/build-push-action@v6',
      with: { context: o.context, file: o.file, ...(chosen ? { target: chosen.name } : {}), tags: `${reg}:${o.tag}`, push: true, 'cache-from': chosen ? `type=gha,scope=${chosen.name}` : 'type=gha', 'cache-to': chosen ? `type=gha,scope=${chosen.name},mode=max` : 'type=gha,mode=max' },
    },
  ];
  // A YAML library writes the values: quoted where YAML needs it, control characters escaped.
  for (const l of yamlStringify(steps, { lineWidth: 0 }).trimEnd().split('\n')) L(l);
  L();
  L('## 4. no registry: a local cache directory that your CI saves and restores between runs');
  L('docker buildx build \\');
  L(`  --file ${f}${tt} \\`);
  L('  --cache-from type=local,src=.buildx-cache \\');
  L('  --cache-to type=local,dest=.buildx-cache-new,mode=max \\');
  L(`  --tag ${shq(`${reg}:${o.tag}`)} --load \\`);
  L(`  ${ctx}`);
  L('rm -rf .buildx-cache && mv .buildx-cache-new .buildx-cache');
  return lines.join('\n') + '\n';
}

export async function ciCommand(args: string[], io: Io): Promise<number> {
  const program = new Command()
    .name('dockerfix ci')
    .description('Print CI commands that reuse the layer cache across runs: buildx registry cache (mode=max), per-stage --target builds with inline cache and several --cache-from, the GitHub Actions cache, a local cache directory.')
    .argument('<Dockerfile>', 'the Dockerfile')
    .option('--registry <image>', 'image repository for the cache and the result, without a tag', DEFAULT_REGISTRY)
    .option('--context <dir>', 'build context as used in the commands (default: the one the repository\'s build definitions name, else the Dockerfile\'s directory)')
    .option('--tag <tag>', 'tag of the final image', 'latest')
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  const stop = parseSubcommandArgs(program, args, io, 'dockerfix ci');
  if (stop !== null) return stop;
  const o = program.opts<{ registry: string; context?: string; tag: string }>();
  const file = program.args[0];
  if (!isValidRepository(o.registry)) {
    io.stderr.write(`dockerfix ci: --registry ${c(o.registry)}: give an image repository in lower case without a tag, e.g. ghcr.io/org/app\n`);
    return 2;
  }
  if (!isValidTag(o.tag)) {
    io.stderr.write(`dockerfix ci: --tag ${c(o.tag)}: not a valid image tag\n`);
    return 2;
  }
  for (const [what, value] of [['the Dockerfile path', file], ['--context', o.context ?? '']] as const) {
    // A newline in a path would put the rest of it on a line of its own in the printed commands.
    if (hasControls(value)) {
      io.stderr.write(`dockerfix ci: ${what} ${JSON.stringify(c(value))} holds control characters; rename it or pass a path without them\n`);
      return 2;
    }
  }
  let doc: DockerfileDocument;
  try {
    const d = readDockerfile(path.resolve(io.cwd, file));
    doc = new DockerfileDocument(d.text, d.bom);
  } catch (e) {
    if (e instanceof FileError) {
      io.stderr.write(`dockerfix ci: ${c(new FileError(file, e.message, e.line, e.column).format())}\n`);
      return 2;
    }
    if (e instanceof Error && e.name === 'InputError') {
      io.stderr.write(`dockerfix ci: ${c(file)}: ${c(e.message)}\n`);
      return 2;
    }
    throw e;
  }
  if (doc.stages.length === 0) {
    io.stderr.write(`dockerfix ci: ${c(file)}: no FROM instruction, nothing to build\n`);
    return 2;
  }
  // How the repository builds it (src/builds): its context unless --context, one set per target.
  const abs = path.resolve(io.cwd, file);
  const fb = (await planBuilds([abs], [abs], io.cwd, o.context !== undefined)).files.get(abs);
  const relCtx = fb?.contextDir ? path.relative(io.cwd, fb.contextDir).split(path.sep).join('/') || '.' : undefined;
  const context = o.context ?? relCtx ?? (path.dirname(file) || '.');
  const sources = (fb?.findings ?? []).map((f) => f.message);
  const targets = (fb?.targets ?? []).filter((t) => doc.stages.some((s) => s.name?.toLowerCase() === t.toLowerCase()) && isValidStageName(t) && isValidTag(`${o.tag}-${t}`));
  if (targets.length === 0) io.stdout.write(ciCommands(doc, { registry: o.registry, file, context, tag: o.tag, sources }));
  else io.stdout.write(targets.map((target, i) => ciCommands(doc, { registry: o.registry, file, context, tag: o.tag, target, sources: i === 0 ? sources : [] })).join('\n'));
  return 0;
}
