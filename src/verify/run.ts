/**
 * `dockerfix verify`: rewrite a Dockerfile in memory, build the original and the rewrite with the
 * user's Docker for every target, compare the final images, measure rebuilds, and clean up
 * everything the run created (also on Ctrl-C). Nothing here prints: progress goes to a callback,
 * the result is a VerifyResult (src/verify/report.ts renders it).
 *
 * Isolation:
 * - with buildx: a dedicated builder `dockerfix-verify-<run>` (docker-container driver), removed
 *   at the end with its state. Its cache mounts are emptied for the CI case with
 *   `docker buildx prune --builder <it> --filter type=exec.cachemount`.
 * - without buildx (a 20.10 client with BuildKit built in), or when that builder cannot start:
 *   the daemon's own BuildKit, with every `RUN --mount=type=cache` of the two temporary
 *   Dockerfiles given a run-unique `id=` (src/verify/prepare.ts), so the run neither reads nor
 *   fills nor empties any of the user's cache mounts. The CI case empties exactly the cache-mount
 *   records this run created (new since the run started, and described by BuildKit as a mount of
 *   one of the run's targets in one of its steps' commands; pruned one by one with
 *   `--filter id=`); they are pruned again at the end. The layer cache is shared with
 *   the user's builds (never pruned): timings of the first builds may profit from layers the user
 *   built before; the scenario builds each follow a build of the same side.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { processText, type ProcessOptions } from '../pipeline/engine.js';
import { FileError, readDockerfile } from '../pipeline/fsio.js';
import { FileOptions, newResolver } from '../pipeline/file-options.js';
import { planBuilds } from '../builds/plan.js';
import { analyseEachContext } from '../builds/contexts.js';
import type { Transform } from '../core/types.js';
import { renderDiff } from '../report/diff.js';
import { detectDocker, dockerSync, runBuild, stepCounts, DockerEnvError, type BuildRun, type DockerInfo } from './docker.js';
import { TarLister, type FileTree } from './image-fs.js';
import { ALWAYS_EXCLUDED, diffConfigs, diffTrees, dropMountParents, keepFilter, type ConfigDiff, type ExcludeRule, type PathDiff } from './compare.js';
import { addedMountRules, applyEdit, cacheMountSignatures, chooseTouches, copyContext, findTargets, isolateCacheMounts, matchesMountRecord, secretMounts, type MountSignature, type Target } from './prepare.js';

export const VERIFY_SCHEMA_VERSION = 1;
export const TAG_PREFIX = 'dockerfix-verify-';

export type ScenarioName = 'source-edit' | 'dependency-edit' | 'ci-source-edit' | 'ci-dependency-edit';

export interface VerifyOptions {
  /** Absolute path of the Dockerfile. */
  dockerfile: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  contextDir?: string;
  noContext?: boolean;
  targets?: string[];
  touch?: string;
  touchDependency?: string;
  only?: string[];
  skip?: string[];
  unsafe?: boolean;
  syntax?: string;
  config?: string | false;
  docker?: string;
  network?: string;
  buildArgs?: string[];
  secrets?: string[];
  ssh?: string[];
  /** Per build. */
  timeoutMs?: number;
  /** Which rebuilds to measure (default: all that apply). */
  scenarios?: ('source' | 'dependency' | 'ci')[];
  /** Force the isolation (default: a builder when buildx exists, else unique cache ids). */
  isolation?: 'auto' | 'builder' | 'cache-ids';
  /** Test hook (API only): transforms run after the selected ones, e.g. a deliberately broken one. */
  extraTransforms?: Transform[];
  onProgress?: (message: string) => void;
  signal?: AbortSignal;
}

export interface BuildInfo {
  ok: boolean;
  seconds: number;
  steps: { total: number; cached: number; run: number };
  failedStep?: string;
  error?: string;
  logTail?: string[];
  timedOut?: boolean;
}

export interface TargetResult {
  label: string;
  target: string | null;
  why: string;
  original: BuildInfo;
  rewrite?: BuildInfo;
  comparison?: {
    equivalent: boolean;
    files: { original: number; rewrite: number };
    differenceCount: number;
    differences: PathDiff[];
    config: ConfigDiff[];
  };
}

export interface ScenarioResult {
  name: ScenarioName;
  target: string;
  file: string;
  original: BuildInfo;
  rewrite: BuildInfo;
  /** original seconds / rewrite seconds (both built). */
  speedup?: number;
}

export type Verdict = 'equivalent' | 'different' | 'rewrite-fails' | 'original-fails' | 'unchanged' | 'interrupted';

export interface VerifyResult {
  schemaVersion: number;
  tool: { name: 'dockerfix'; version: string };
  dockerfile: string;
  context: string | null;
  verdict: Verdict;
  /** One line: `equivalent`, `DIFFERENT (3 paths)`, `rewrite does not build: …`. */
  summary: string;
  exitCode: 0 | 1 | 2 | 130;
  docker?: { client: string; server: string; isolation: 'builder' | 'cache-ids'; builder?: string };
  rewrite: { changes: { transform: string; line: number; message: string }[]; diff: string };
  targets: TargetResult[];
  excluded: ExcludeRule[];
  scenarios: ScenarioResult[];
  skippedScenarios: { name: ScenarioName; reason: string }[];
  notes: string[];
  /** What the run removed at the end. */
  cleanup: { images: number; containers: number; builder: boolean; cacheMounts: number; tempDir: boolean; problems: string[] };
}

export class VerifyUsageError extends Error {}

class Interrupted extends Error {}

function info(run: BuildRun): BuildInfo {
  const counts = stepCounts(run.parsed);
  const b: BuildInfo = { ok: run.ok, seconds: Math.round(run.wallMs / 10) / 100, steps: counts };
  if (!run.ok) {
    if (run.timedOut) {
      b.timedOut = true;
      b.error = 'timed out (--timeout); the build was stopped';
    }
    const f = run.parsed.failed;
    if (f) {
      b.failedStep = f.name;
      b.error ??= f.error;
      b.logTail = [...f.output.slice(-15), ...run.parsed.trailer.filter((l) => /error|failed/i.test(l)).slice(-3)];
    } else {
      b.error ??= run.envError?.message ?? run.parsed.trailer.filter((l) => /error/i.test(l)).slice(-1)[0] ?? `exit code ${run.code}`;
      b.logTail = run.parsed.trailer.slice(-10);
    }
  }
  return b;
}

/** The rewrite the main command would make (same options, config files and build definitions). */
export async function rewriteInMemory(o: VerifyOptions): Promise<{ before: string; after: string; changed: boolean; findings: { transform: string; line: number; message: string; kind: string; code?: string }[]; contextDir: string | null; foundTargets: string[]; processOpts: ProcessOptions }> {
  let raw: string;
  try {
    const d = readDockerfile(o.dockerfile);
    raw = (d.bom ? '\ufeff' : '') + d.text;
  } catch (e) {
    if (e instanceof FileError) throw new VerifyUsageError(e.format());
    throw e;
  }
  const explicit = o.contextDir !== undefined || o.noContext === true;
  const plan = await planBuilds([o.dockerfile], [o.dockerfile], o.cwd, explicit);
  const fb = plan.files.get(o.dockerfile);
  const fileOptions = new FileOptions(newResolver(o.cwd, o.config), {
    only: o.only,
    skip: o.skip,
    syntax: o.syntax,
    unsafe: o.unsafe ? true : undefined,
    ...(o.targets?.length ? { targets: o.targets } : {}),
    contextDir: o.contextDir,
    noContext: o.noContext,
  });
  const po = await fileOptions.for(o.dockerfile, fb);
  const processOpts: ProcessOptions = o.extraTransforms?.length ? { ...po, transforms: [...po.transforms, ...o.extraTransforms] } : po;
  // Several contexts (two compose files, a workflow and a Makefile, …): the rewrite the main
  // command makes is the one every context agrees on (src/builds/contexts.ts).
  const first = processText(raw, o.dockerfile, processOpts, o.dockerfile);
  const out = analyseEachContext(o.dockerfile, processOpts, fb, first, (_f, opts) => processText(raw, o.dockerfile, opts, o.dockerfile));
  if (out.error) throw new VerifyUsageError(out.error.format());
  const contextDir = processOpts.noContext ? null : (processOpts.contextDir ?? path.dirname(o.dockerfile));
  return { before: raw, after: out.after, changed: out.changed, findings: out.findings, contextDir, foundTargets: fb?.targets ?? [], processOpts };
}

/** Run a verification. Throws VerifyUsageError / DockerEnvError for exit-2 conditions (nothing is left behind). */
export async function verify(o: VerifyOptions, version = '0.0.0'): Promise<VerifyResult> {
  const progress = o.onProgress ?? (() => undefined);
  const rw = await rewriteInMemory(o);
  const result: VerifyResult = {
    schemaVersion: VERIFY_SCHEMA_VERSION,
    tool: { name: 'dockerfix', version },
    dockerfile: rel(o.cwd, o.dockerfile),
    context: rw.contextDir === null ? null : rel(o.cwd, rw.contextDir),
    verdict: 'unchanged',
    summary: '',
    exitCode: 0,
    rewrite: {
      changes: rw.findings.filter((f) => f.kind === 'change').map((f) => ({ transform: f.transform, line: f.line, message: f.message })),
      diff: rw.changed ? renderDiff(rel(o.cwd, o.dockerfile), rw.before, rw.after, [], { reasons: false }) : '',
    },
    targets: [],
    excluded: [],
    scenarios: [],
    skippedScenarios: [],
    notes: rw.findings.filter((f) => f.transform === 'context' && f.code === 'build-definitions').map((f) => f.message),
    cleanup: { images: 0, containers: 0, builder: false, cacheMounts: 0, tempDir: false, problems: [] },
  };
  let targets: Target[];
  try {
    targets = findTargets(rw.before, o.targets ?? [], rw.foundTargets);
  } catch (e) {
    throw new VerifyUsageError((e as Error).message);
  }
  if (!rw.changed) {
    result.summary = 'unchanged: dockerfix does not rewrite this Dockerfile, nothing to verify';
    return result;
  }
  if (o.touch && rw.contextDir && !isFile(path.join(rw.contextDir, o.touch))) throw new VerifyUsageError(`--touch ${o.touch}: no such file in the build context ${rel(o.cwd, rw.contextDir)}`);
  if (o.touchDependency && rw.contextDir && !isFile(path.join(rw.contextDir, o.touchDependency))) throw new VerifyUsageError(`--touch-dependency ${o.touchDependency}: no such file in the build context ${rel(o.cwd, rw.contextDir)}`);

  const cli = o.docker ?? o.env.DOCKERFIX_DOCKER ?? 'docker';
  const docker: DockerInfo = detectDocker(cli, o.env);
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const prefix = `${TAG_PREFIX}${runId}`;
  const env: NodeJS.ProcessEnv = { ...o.env, DOCKER_BUILDKIT: '1' };
  const timeoutMs = o.timeoutMs ?? 30 * 60_000;

  // Everything created is recorded here first, and removed in `finally`.
  const created = { tags: [] as string[], containers: [] as string[], builder: undefined as string | undefined, tmp: undefined as string | undefined, mountsBefore: undefined as Set<string> | undefined, signatures: [] as MountSignature[] };
  const interrupted = (): boolean => Boolean(o.signal?.aborted);
  const check = (): void => {
    if (interrupted()) throw new Interrupted();
  };
  try {
    created.tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix + '-'));
    const tmp = created.tmp;
    // Isolation.
    let isolation: 'builder' | 'cache-ids' = 'cache-ids';
    const want = o.isolation ?? 'auto';
    if (docker.buildx && want !== 'cache-ids') {
      const name = prefix;
      progress(`creating the isolated builder ${name} (docker-container driver)`);
      created.builder = name;
      const args = ['buildx', 'create', '--name', name, '--driver', 'docker-container'];
      if (o.network === 'host') args.push('--buildkitd-flags', '--allow-insecure-entitlement network.host');
      const c = dockerSync(cli, args, env, 120_000);
      const boot = c.code === 0 ? dockerSync(cli, ['buildx', 'inspect', '--bootstrap', '--builder', name], env, 10 * 60_000) : c;
      if (boot.code === 0) isolation = 'builder';
      else {
        dockerSync(cli, ['buildx', 'rm', '--builder', name], env, 120_000);
        created.builder = undefined;
        if (want === 'builder') throw new DockerEnvError(`cannot start an isolated buildx builder: ${(boot.stderr || boot.stdout).trim().split('\n').slice(-1)[0]}`, 'other');
        result.notes.push(`the isolated buildx builder could not start (${(boot.stderr || boot.stdout).trim().split('\n').slice(-1)[0]}); used unique cache-mount ids on the default builder instead`);
      }
    } else if (want === 'builder') {
      throw new DockerEnvError('--isolation builder needs the docker buildx plugin', 'no-buildkit');
    }
    result.docker = { client: docker.clientVersion, server: docker.serverVersion, isolation, ...(created.builder && isolation === 'builder' ? { builder: created.builder } : {}) };

    // The two Dockerfiles (outside the context) and one context copy per side.
    const sides = { a: { name: 'original', text: rw.before }, b: { name: 'rewrite', text: rw.after } } as const;
    const files: Record<'a' | 'b', string> = { a: '', b: '' };
    const ctxs: Record<'a' | 'b', string> = { a: path.join(tmp, 'ctx-original'), b: path.join(tmp, 'ctx-rewrite') };
    for (const s of ['a', 'b'] as const) {
      let text = sides[s].text;
      if (isolation === 'cache-ids') text = isolateCacheMounts(text, `${prefix}-${s}-`).text;
      fs.mkdirSync(path.join(tmp, s));
      files[s] = path.join(tmp, s, 'Dockerfile');
      fs.writeFileSync(files[s], text);
      created.signatures.push(...cacheMountSignatures(text));
      const ignore = `${o.dockerfile}.dockerignore`;
      if (isFile(ignore)) fs.copyFileSync(ignore, `${files[s]}.dockerignore`);
      if (rw.contextDir) {
        progress(`copying the build context for the ${sides[s].name}`);
        copyContext(rw.contextDir, ctxs[s], o.dockerfile);
      } else fs.mkdirSync(ctxs[s]);
    }
    if (isolation === 'cache-ids') {
      const listed = listMountRecords(cli, env);
      created.mountsBefore = listed ? new Set(listed.keys()) : undefined;
      if (!created.mountsBefore) result.notes.push('the build cache could not be listed (`docker system df -v`): the CI scenario is not run and this run\'s cache mounts are left to the daemon\'s garbage collection');
    }

    const sec = secretMounts(rw.after);
    const missingSecrets = sec.secrets.filter((id) => !(o.secrets ?? []).some((s) => new RegExp(`(^|,)id=${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(,|$)`).test(s)));
    if (missingSecrets.length) result.notes.push(`the build mounts secrets (${missingSecrets.join(', ')}) that were not passed: give --secret id=<id>,src=<file> if a step needs them`);
    if (sec.ssh.length && !(o.ssh ?? []).length) result.notes.push(`the build mounts SSH agent sockets (${sec.ssh.join(', ')}): give --ssh default (or --ssh <id>=<socket>) if a step needs them`);

    const buildArgs = (s: 'a' | 'b', target: string | null, tag: string | null): string[] => {
      const a: string[] = isolation === 'builder' ? ['buildx', 'build', '--builder', created.builder!] : ['build'];
      a.push('--progress=plain', '-f', files[s]);
      if (tag) a.push('-t', tag);
      if (tag && isolation === 'builder') a.push('--load');
      if (target) a.push('--target', target);
      if (o.network) a.push('--network', o.network);
      if (o.network === 'host' && isolation === 'builder') a.push('--allow', 'network.host');
      for (const b of o.buildArgs ?? []) a.push('--build-arg', b);
      for (const x of o.secrets ?? []) a.push('--secret', x);
      for (const x of o.ssh ?? []) a.push('--ssh', x);
      a.push(ctxs[s]);
      return a;
    };
    let tagCount = 0;
    const build = async (s: 'a' | 'b', target: Target, what: string, keep: boolean): Promise<{ run: BuildRun; tag: string | null }> => {
      check();
      const tag = keep || isolation === 'cache-ids' ? `${prefix}-${s === 'a' ? 'original' : 'rewrite'}:${sanitizeTag(target.label)}-${++tagCount}` : null;
      if (tag) created.tags.push(tag);
      const t0 = Date.now();
      progress(`${what}: building the ${sides[s].name} (target ${target.label})`);
      const run = await runBuild({
        cli,
        env,
        args: buildArgs(s, target.target, tag),
        timeoutMs,
        signal: o.signal,
        onStep: (step) => progress(`${what}: building the ${sides[s].name} (target ${target.label}) ${Math.round((Date.now() - t0) / 1000)}s ${step}`),
      });
      if (run.aborted || interrupted()) throw new Interrupted();
      if (!run.ok && run.envError) throw run.envError;
      return { run, tag };
    };

    // 1. Build and compare every target.
    const added = addedMountRules(rw.before, rw.after);
    const rules: ExcludeRule[] = [...ALWAYS_EXCLUDED, ...added];
    result.excluded = rules;
    const keep = keepFilter(rules);
    let verdict: Verdict = 'equivalent';
    let differing = 0;
    for (const t of targets) {
      const a = await build('a', t, 'compare', true);
      const tr: TargetResult = { label: t.label, target: t.target, why: t.why, original: info(a.run) };
      result.targets.push(tr);
      if (!a.run.ok) {
        verdict = 'original-fails';
        break;
      }
      const b = await build('b', t, 'compare', true);
      tr.rewrite = info(b.run);
      if (!b.run.ok) {
        verdict = 'rewrite-fails';
        break;
      }
      progress(`compare: reading both images of target ${t.label}`);
      const [ia, ib] = [await readImage(cli, env, a.tag!, keep, created.containers, o.signal), await readImage(cli, env, b.tag!, keep, created.containers, o.signal)];
      check();
      const { diffs: differences, dropped } = dropMountParents(diffTrees(ia.tree, ib.tree), ib.tree, added.map((r) => r.pattern));
      for (const d of dropped) {
        if (!result.excluded.some((e) => e.pattern === d)) result.excluded.push({ pattern: d, reason: 'only in the rewrite, empty: the parent directory BuildKit creates for the mount point of a cache mount the rewrite added' });
      }
      const config = diffConfigs(ia.config, ib.config);
      tr.comparison = {
        equivalent: differences.length === 0 && config.length === 0,
        files: { original: ia.tree.size, rewrite: ib.tree.size },
        differenceCount: differences.length,
        differences: differences.slice(0, 500),
        config,
      };
      if (!tr.comparison.equivalent) {
        verdict = 'different';
        differing += differences.length + config.length;
      }
    }

    // 2. Rebuilds, on the main target (the default build when it is one), only when both build.
    if (verdict === 'equivalent' || verdict === 'different') {
      const main = targets.find((t) => t.target === null) ?? targets[0];
      const want = new Set(o.scenarios ?? ['source', 'dependency', 'ci']);
      const touches = rw.contextDir ? chooseTouches(rw.contextDir, rw.before, o.dockerfile) : { sourceWhy: 'built without a context', dependencyWhy: 'built without a context' };
      const src = o.touch ?? touches.source;
      const dep = o.touchDependency ?? touches.dependency;
      const plan: { name: ScenarioName; file?: string; ci: boolean; why?: string }[] = [];
      if (want.has('source')) plan.push({ name: 'source-edit', file: src, ci: false, why: touches.sourceWhy });
      if (want.has('dependency')) plan.push({ name: 'dependency-edit', file: dep, ci: false, why: touches.dependencyWhy });
      if (want.has('ci')) {
        const ciWhy = isolation === 'cache-ids' && !created.mountsBefore ? 'the build cache cannot be listed, so this run\'s cache mounts cannot be emptied alone' : undefined;
        plan.push({ name: 'ci-source-edit', file: ciWhy ? undefined : src, ci: true, why: ciWhy ?? touches.sourceWhy });
        plan.push({ name: 'ci-dependency-edit', file: ciWhy ? undefined : dep, ci: true, why: ciWhy ?? touches.dependencyWhy });
      }
      const byName = new Map<ScenarioName, Partial<ScenarioResult>>();
      // Scenario by scenario, each for both sides: emptying the mounts for a CI build must not
      // reach a warm build of the other side.
      for (const p of plan) {
        for (const s of ['a', 'b'] as const) {
          if (!p.file) continue;
          if (p.ci) {
            progress(`${p.name}: emptying the cache mounts of this run`);
            result.cleanup.cacheMounts += emptyMounts(cli, env, isolation, created.builder, created.mountsBefore, created.signatures);
          }
          applyEdit(ctxs[s], p.file, `${runId} ${p.name}`);
          const r = await build(s, main, p.name, false);
          const e = byName.get(p.name) ?? { name: p.name, target: main.label, file: p.file };
          e[s === 'a' ? 'original' : 'rewrite'] = info(r.run);
          byName.set(p.name, e);
        }
      }
      for (const p of plan) {
        if (!p.file) {
          result.skippedScenarios.push({ name: p.name, reason: p.why ?? 'no file to edit' });
          continue;
        }
        const e = byName.get(p.name) as ScenarioResult;
        if (e.original.ok && e.rewrite.ok && e.rewrite.seconds > 0) e.speedup = Math.round((e.original.seconds / e.rewrite.seconds) * 10) / 10;
        result.scenarios.push(e);
      }
      const ciFail = result.scenarios.find((s) => s.original.ok && !s.rewrite.ok);
      if (ciFail && verdict === 'equivalent') verdict = 'rewrite-fails';
    }
    result.verdict = verdict;
    result.summary = summarize(result, differing);
    result.exitCode = verdict === 'equivalent' ? 0 : verdict === 'original-fails' ? 2 : 1;
    return result;
  } catch (e) {
    if (e instanceof Interrupted) {
      result.verdict = 'interrupted';
      result.summary = 'interrupted: every image, container, builder and temporary file of the run was removed';
      result.exitCode = 130;
      return result;
    }
    throw e;
  } finally {
    cleanup(cli, env, created, result);
  }
}

function summarize(r: VerifyResult, differing: number): string {
  switch (r.verdict) {
    case 'equivalent':
      return `equivalent: ${r.targets.length} target${r.targets.length === 1 ? '' : 's'} (${r.targets.map((t) => t.label).join(', ')}) build to the same files and config`;
    case 'different':
      return `DIFFERENT (${differing} path${differing === 1 ? '' : 's'}): ${r.targets
        .filter((t) => t.comparison && !t.comparison.equivalent)
        .map((t) => `target ${t.label}: ${[...t.comparison!.differences.slice(0, 3).map((d) => d.path), ...t.comparison!.config.map((c) => `config ${c.key}`)].join(', ')}`)
        .join('; ')}`;
    case 'original-fails': {
      const t = r.targets[r.targets.length - 1];
      return `original does not build (target ${t.label}${t.original.failedStep ? `, step ${t.original.failedStep}` : ''}): nothing to compare`;
    }
    case 'rewrite-fails': {
      const t = r.targets.find((x) => x.rewrite && !x.rewrite.ok);
      if (t) return `rewrite does not build (target ${t.label}${t.rewrite!.failedStep ? `, step ${t.rewrite!.failedStep}` : ''})`;
      const s = r.scenarios.find((x) => x.original.ok && !x.rewrite.ok)!;
      return `rewrite does not build in the ${s.name} scenario${s.name.startsWith('ci') ? ' (cache mounts empty, layers warm)' : ''}${s.rewrite.failedStep ? `, step ${s.rewrite.failedStep}` : ''}; the original does`;
    }
    default:
      return r.verdict;
  }
}

function rel(cwd: string, p: string): string {
  const r = path.relative(cwd, p);
  return (r || '.').split(path.sep).join('/');
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

export function sanitizeTag(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9_.-]/g, '_').replace(/^[.-]/, '_').slice(0, 100) || 'default';
}

/** The build cache's cache-mount records (id -> description), or null when they cannot be listed. */
function listMountRecords(cli: string, env: NodeJS.ProcessEnv): Map<string, string> | null {
  const r = dockerSync(cli, ['system', 'df', '-v', '--format', '{{json .BuildCache}}'], env, 120_000);
  if (r.code !== 0) return null;
  try {
    const list = JSON.parse(r.stdout.trim() || '[]') as { ID?: string; CacheType?: string; Type?: string; Description?: string }[];
    return new Map(list.filter((x) => (x.CacheType ?? x.Type) === 'exec.cachemount' && x.ID).map((x) => [x.ID!, x.Description ?? '']));
  } catch {
    return null;
  }
}

/**
 * Empty the cache mounts this run created. Returns how many records were removed. Without a
 * builder of its own, a record is this run's when it appeared during the run and its description
 * names one of the run's mount targets and that step's command: a mount another build creates
 * meanwhile on the same daemon is left alone (unless it mounts the same target in a step with
 * the same command).
 */
function emptyMounts(cli: string, env: NodeJS.ProcessEnv, isolation: 'builder' | 'cache-ids', builder: string | undefined, before: Set<string> | undefined, sigs: readonly MountSignature[] = []): number {
  if (isolation === 'builder') {
    const r = dockerSync(cli, ['buildx', 'prune', '--builder', builder!, '-f', '--filter', 'type=exec.cachemount'], env, 5 * 60_000);
    return r.code === 0 ? (r.stdout.match(/^[a-z0-9]{20,}$/gm) ?? []).length : 0;
  }
  if (!before) return 0;
  const now = listMountRecords(cli, env);
  if (!now) return 0;
  let n = 0;
  for (const [id, description] of now) {
    if (before.has(id) || !matchesMountRecord(description, sigs)) continue;
    const r = dockerSync(cli, ['builder', 'prune', '-f', '--filter', 'type=exec.cachemount', '--filter', `id=${id}`], env, 5 * 60_000);
    if (r.code === 0) n++;
  }
  return n;
}

/** `docker create` + `docker export` into a TarLister, and the image config. */
async function readImage(cli: string, env: NodeJS.ProcessEnv, tag: string, keep: (p: string) => boolean, containers: string[], signal?: AbortSignal): Promise<{ tree: FileTree; config: Record<string, unknown> }> {
  const i = dockerSync(cli, ['image', 'inspect', '--format', '{{json .Config}}', tag], env, 120_000);
  if (i.code !== 0) throw new Error(`docker image inspect ${tag} failed: ${i.stderr.trim()}`);
  const config = JSON.parse(i.stdout) as Record<string, unknown>;
  const c = dockerSync(cli, ['create', tag, 'dockerfix-verify-never-run'], env, 120_000);
  const cid = c.stdout.trim();
  if (c.code !== 0 || !cid) throw new Error(`docker create ${tag} failed: ${c.stderr.trim()}`);
  containers.push(cid);
  const lister = new TarLister(keep);
  await new Promise<void>((resolve, reject) => {
    const child = spawn(cli, ['export', cid], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.pipe(lister);
    const onAbort = (): void => void child.kill('SIGTERM');
    signal?.addEventListener('abort', onAbort, { once: true });
    let exitCode: number | null = null;
    let finished = false;
    const done = (): void => {
      if (exitCode === null || !finished) return;
      signal?.removeEventListener('abort', onAbort);
      if (exitCode !== 0) reject(new Error(`docker export ${tag} failed: ${err.trim()}`));
      else resolve();
    };
    lister.on('finish', () => {
      finished = true;
      done();
    });
    lister.on('error', (e) => reject(e));
    child.on('error', reject);
    child.on('close', (code) => {
      exitCode = code ?? -1;
      if (exitCode !== 0) finished = true;
      done();
    });
  });
  return { tree: lister.tree, config };
}

/** Remove what the run created; failures are listed, never thrown. */
function cleanup(cli: string, env: NodeJS.ProcessEnv, created: { tags: string[]; containers: string[]; builder?: string; tmp?: string; mountsBefore?: Set<string>; signatures: MountSignature[] }, result: VerifyResult): void {
  const c = result.cleanup;
  for (const id of created.containers) {
    const r = dockerSync(cli, ['rm', '-f', id], env, 120_000);
    if (r.code === 0) c.containers++;
    else c.problems.push(`docker rm ${id}: ${r.stderr.trim()}`);
  }
  for (const tag of created.tags) {
    // By tag, never by id: an image the user also tagged keeps their tag.
    const r = dockerSync(cli, ['rmi', tag], env, 120_000);
    if (r.code === 0) c.images++;
    else if (!/No such image/i.test(r.stderr)) c.problems.push(`docker rmi ${tag}: ${r.stderr.trim()}`);
  }
  if (created.builder) {
    const r = dockerSync(cli, ['buildx', 'rm', '--builder', created.builder], env, 5 * 60_000);
    if (r.code === 0) c.builder = true;
    else c.problems.push(`docker buildx rm ${created.builder}: ${r.stderr.trim()}`);
  } else if (created.mountsBefore) {
    c.cacheMounts += emptyMounts(cli, env, 'cache-ids', undefined, created.mountsBefore, created.signatures);
  }
  if (created.tmp) {
    try {
      fs.rmSync(created.tmp, { recursive: true, force: true });
      c.tempDir = true;
    } catch (e) {
      c.problems.push(`removing ${created.tmp}: ${(e as Error).message}`);
    }
  }
}
