/**
 * `dockerfix ci <Dockerfile>`: ready-to-use commands that keep the layer cache across CI runs,
 * whose builders start empty (cache-recipes.md, "CI-side caching"): a `type=registry` cache
 * export with `mode=max` for buildx (every stage in one cache), per-stage `--target` builds with
 * `BUILDKIT_INLINE_CACHE=1` and several `--cache-from` for plain docker, the GitHub Actions `gha`
 * cache, and a local cache directory when there is no registry.
 */
import path from 'node:path';
import { Command } from 'commander';
import { parseSubcommandArgs } from './cli-parse.js';
import type { Io } from './cli.js';
import { DockerfileDocument, type Stage } from './document.js';
import { mountOptions } from './edit-helpers.js';
import { FileError, readDockerfile } from './fsio.js';

export interface CiOptions {
  /** Image repository for cache and result images, without a tag. */
  registry: string;
  /** Dockerfile path as it should appear in the commands. */
  file: string;
  /** Build context as it should appear in the commands. */
  context: string;
  tag: string;
}

export const DEFAULT_REGISTRY = 'registry.example.com/app';

/** Single-quote for POSIX shells when needed. */
export function shq(s: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function label(s: Stage): string {
  return s.name ? `"${s.name}"` : `${s.index}`;
}

/** Stages the last stage needs (FROM chain, COPY --from, RUN --mount from=). */
export function neededStages(doc: DockerfileDocument): Set<Stage> {
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
  visit(doc.stages[doc.stages.length - 1]);
  return need;
}

export function ciCommands(doc: DockerfileDocument, o: CiOptions): string {
  const reg = o.registry;
  const f = shq(o.file);
  const ctx = shq(o.context);
  const stages = doc.stages;
  const final = stages[stages.length - 1];
  const need = neededStages(doc);
  const lines: string[] = [];
  const L = (s = ''): number => lines.push(s);
  L(`# dockerfix ci: layer-cache commands for ${o.file} (build context ${o.context})`);
  L(`# stages: ${stages.map((s) => `${label(s)} (FROM ${s.baseImage})`).join(', ') || 'none'}`);
  if (reg === DEFAULT_REGISTRY) L(`# ${reg} is a placeholder: give your image repository with --registry <image>`);
  const unnamed = stages.filter((s) => s !== final && !s.name && need.has(s));
  const targets = stages.filter((s) => s !== final && s.name && need.has(s));
  for (const s of stages) if (!need.has(s)) L(`# stage ${label(s)} is not needed for the final stage: BuildKit skips it, so no cache is kept for it`);
  L('# CI builders start with an empty cache: RUN --mount=type=cache directories do not survive them,');
  L('# so import the layer cache of earlier runs from a registry (or a saved directory) instead.');
  L();
  L('## 1. docker buildx with a registry cache (recommended: mode=max exports the layers of every stage)');
  L('docker buildx build \\');
  L(`  --file ${f} \\`);
  L(`  --cache-from type=registry,ref=${reg}:buildcache \\`);
  L(`  --cache-to type=registry,ref=${reg}:buildcache,mode=max \\`);
  L(`  --tag ${reg}:${o.tag} \\`);
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
    for (const c of froms) L(`  --cache-from ${c} \\`);
    L('  --build-arg BUILDKIT_INLINE_CACHE=1 \\');
    L(`  --tag ${image} ${ctx}`);
    L(`docker push ${image}`);
  }
  froms.push(`${reg}:${o.tag}`);
  L(`docker build --file ${f} \\`);
  for (const c of froms) L(`  --cache-from ${c} \\`);
  L('  --build-arg BUILDKIT_INLINE_CACHE=1 \\');
  L(`  --tag ${reg}:${o.tag} ${ctx}`);
  L(`docker push ${reg}:${o.tag}`);
  for (const s of unnamed) L(`# stage ${s.index} has no name, so it cannot be built with --target: add "AS <name>" to its FROM, or use option 1`);
  L();
  L('## 3. GitHub Actions: docker/build-push-action with the GitHub cache (type=gha)');
  L('- uses: docker/setup-buildx-action@v3');
  L('- uses: docker/build-push-action@v6');
  L('  with:');
  L(`    context: ${o.context}`);
  L(`    file: ${o.file}`);
  L(`    tags: ${reg}:${o.tag}`);
  L('    push: true');
  L('    cache-from: type=gha');
  L('    cache-to: type=gha,mode=max');
  L();
  L('## 4. no registry: a local cache directory that your CI saves and restores between runs');
  L('docker buildx build \\');
  L(`  --file ${f} \\`);
  L('  --cache-from type=local,src=.buildx-cache \\');
  L('  --cache-to type=local,dest=.buildx-cache-new,mode=max \\');
  L(`  --tag ${reg}:${o.tag} --load \\`);
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
    .option('--context <dir>', 'build context as used in the commands (default: the Dockerfile\'s directory)')
    .option('--tag <tag>', 'tag of the final image', 'latest')
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  const stop = parseSubcommandArgs(program, args, io, 'dockerfix ci');
  if (stop !== null) return stop;
  const o = program.opts<{ registry: string; context?: string; tag: string }>();
  const file = program.args[0];
  if (!/^[a-z0-9][a-z0-9._\-/:]*$/.test(o.registry) || /:[^/]*$/.test(o.registry.replace(/^[^/]*\//, '/'))) {
    io.stderr.write(`dockerfix ci: --registry ${o.registry}: give an image repository in lower case without a tag, e.g. ghcr.io/org/app\n`);
    return 2;
  }
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(o.tag)) {
    io.stderr.write(`dockerfix ci: --tag ${o.tag}: not a valid image tag\n`);
    return 2;
  }
  let doc: DockerfileDocument;
  try {
    const d = readDockerfile(path.resolve(io.cwd, file));
    doc = new DockerfileDocument(d.text, d.bom);
  } catch (e) {
    if (e instanceof FileError) {
      io.stderr.write(`dockerfix ci: ${new FileError(file, e.message, e.line, e.column).format()}\n`);
      return 2;
    }
    if (e instanceof Error && e.name === 'InputError') {
      io.stderr.write(`dockerfix ci: ${file}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (doc.stages.length === 0) {
    io.stderr.write(`dockerfix ci: ${file}: no FROM instruction, nothing to build\n`);
    return 2;
  }
  const context = o.context ?? (path.dirname(file) || '.');
  io.stdout.write(ciCommands(doc, { registry: o.registry, file, context, tag: o.tag }));
  return 0;
}
