/**
 * Real-build proof (issues 3, 4 and 8): for every bundled example under examples/, rewrite its
 * Dockerfile with dockerfix (all transforms, default = safe fixes), then with the docker lab
 * (../shared/docker-lab, real BuildKit):
 *   1. the rewrite changed the file, and both the original and the rewrite build;
 *   2. `lab diff-images` finds the same final file tree and image config (cache dirs excluded);
 *   3. `lab compare` (both files, same run, each from a pruned cache): after a source edit the
 *      rewrite rebuilds at least 10x faster for the examples whose original copies the whole
 *      context before installing dependencies; after a dependency edit, the cache mount is proven
 *      used (build log) and, for pip, the rebuild is at least 2x faster;
 *   4. on a simulated ordinary network (a throttling proxy, 2 MB/s shared, 40 ms round trip; see
 *      throttle-proxy.mjs) `lab compare` again for apt-app, python-app and node-app: the rewrite's
 *      dependency-edit rebuild downloads a small fraction of what the original's downloads (bytes
 *      counted by the proxy) and is measurably faster (apt >= 1.5x, pip >= 2x). For npm only
 *      measured (see the node-app entry in harness.mjs: npm cannot reuse its cache on this
 *      machine's registry unless the rewrite asks for --prefer-offline).
 *   5. (issue 12) every build target: the stages a project builds (the last one, named leaf stages,
 *      named stages with their own CMD/ENTRYPOINT; H.buildTargets) are declared per example and
 *      found; each non-default target builds before and after the rewrite with `--target` and gives
 *      the same image (H.diffTarget: diff-images' own listing and config comparison);
 *   6. (issue 12) empty cache mounts with warm layers, as on a CI runner that imports the layer
 *      cache: for every target, after the rewrite's build, only the cache mounts are pruned, a
 *      source file is edited and the rewrite rebuilt: it must succeed with every step before the
 *      first one reading the edited file CACHED (H.cachedUntil/checkCachedSteps); then the same
 *      after a dependency edit.
 * If the lab cannot start: fails when CI=true, skips with the reason otherwise.
 * Run: npm run test:e2e   (set DOCKERFIX_E2E_ONLY=python-app,go-app to run a subset)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JS module shared with bench/builds.mjs (no type declarations)
import * as H from './harness.mjs';

interface Example {
  name: string;
  touch: string;
  touchDep: string | null;
  splitCopy: boolean;
  cacheMount: 'pip' | 'npm' | 'apt' | null;
  depProof?: { before: RegExp; after: RegExp; afterAbsent: boolean };
  minDepSpeedup?: number;
  diffExclude?: string[];
  throttled?: { minSpeedup: number; maxByteShare: number; minBeforeBytes: number; gainWhen?: RegExp };
  noDepEdit?: string;
  noThrottle?: string;
  targets?: string[];
}
interface Target {
  index: number;
  name: string | null;
  label: string;
  target: string | null;
  last: boolean;
}

/** `it`, or, when `why` is given, a skipped test whose title says why. */
function itUnless(why: string | null | undefined, title: string, fn: () => unknown): void {
  if (why) it.skip(`${title} (skipped: ${why})`, () => {});
  else it(title, fn);
}
interface Row {
  label: string;
  phase: string;
  ok: boolean;
  wall_s: number;
  steps_cached: number;
  steps_total: number;
  log_file: string;
  net_bytes?: number;
}

const inCI = process.env.CI === 'true' || process.env.CI === '1';
const only = (process.env.DOCKERFIX_E2E_ONLY ?? '').split(',').filter(Boolean);
const examples = (H.EXAMPLES as Example[]).filter((e) => !only.length || only.includes(e.name));

const lab = H.ensureLab({ log: (m: string) => console.log(`[e2e] ${m}`) }) as { ok: boolean; lab?: any; reason?: string };
if (!lab.ok) {
  if (inCI) throw new Error(`e2e: the docker lab is required in CI but could not start: ${lab.reason}`);
  console.log(`[e2e] SKIPPED: docker lab unavailable: ${lab.reason}`);
}

const summary: string[] = [];
afterAll(() => {
  if (summary.length) console.log(`\n[e2e] results\n${summary.join('\n')}\n`);
});

const throttle = H.throttleSettings() as { rate: number; latency: number };
const MB = (n: number | undefined): string => `${((n ?? 0) / 1e6).toFixed(2)} MB`;
const fmt = (r: Row | null): string => (r ? `${r.wall_s.toFixed(2)} s (${r.steps_cached}/${r.steps_total} cached)` : 'n/a');

for (const ex of examples) {
  describe.skipIf(!lab.ok)(ex.name, () => {
    let prep: any;
    let compare: any;
    const getCompare = (): any => {
      if (!compare) compare = lab.lab.compare(prep.ctx, prep.before, prep.after, ex.touch, ex.touchDep);
      return compare;
    };

    beforeAll(async () => {
      prep = await H.prepareExample(ex.name);
      console.log(`[e2e] ${ex.name}: dockerfix (${prep.fix.via}) diff:\n${H.lineDiff(prep.original, prep.rewritten)}\n${prep.fix.log}`);
    });
    afterAll(() => {
      if (prep) fs.rmSync(prep.dir, { recursive: true, force: true });
    });

    it('dockerfix rewrites the Dockerfile', () => {
      expect(prep.fix.changed, `dockerfix left examples/${ex.name}/Dockerfile unchanged:\n${prep.fix.log}`).toBe(true);
      expect(prep.rewritten).not.toBe(prep.original);
      if (ex.cacheMount) expect(prep.rewritten, `no cache mount for ${ex.cacheMount} in:\n${prep.rewritten}`).toMatch(/--mount=type=cache/);
      if (ex.splitCopy) {
        // The whole-context COPY must come after the dependency install, with a manifest COPY before it.
        const lines = prep.rewritten.split('\n');
        const copyAll = lines.findIndex((l: string) => /^\s*COPY\s+(--\S+\s+)*\.\/?\s+\S+\s*$/i.test(l));
        const install = lines.findIndex((l: string) => /\b(pip install|npm ci|npm install|go mod download)\b/.test(l));
        expect(install, `no dependency install found in:\n${prep.rewritten}`).toBeGreaterThanOrEqual(0);
        expect(copyAll, `split-copy did not move \`COPY . …\` below the dependency install:\n${prep.rewritten}`).toBeGreaterThan(install);
      }
    });

    it('the original and the rewrite both build', () => {
      const a = lab.lab.build(prep.ctx, prep.before);
      expect(a.ok, `original failed to build:\n${a.stderrTail}`).toBe(true);
      const b = lab.lab.build(prep.ctx, prep.after);
      expect(b.ok, `rewritten Dockerfile failed to build:\n${prep.rewritten}\n${b.stderrTail}`).toBe(true);
    });

    it('both produce the same image (lab diff-images)', () => {
      let d = lab.lab.diffImages(prep.ctx, prep.before, prep.after, ex.diffExclude ?? []);
      if (!d.equivalent) {
        // diff-images tags lab-diff/a and lab-diff/b: another user of the same daemon can retag them
        // between build and export. A real difference shows again.
        console.log(`[e2e] ${ex.name}: images differ; running diff-images again to rule out a concurrent lab user`);
        d = lab.lab.diffImages(prep.ctx, prep.before, prep.after, ex.diffExclude ?? []);
      }
      const detail = JSON.stringify(
        { error: d.error, only_in_original: d.only_in_a, only_in_rewrite: d.only_in_b, differ: d.differ, config_differ: d.config_differ },
        null,
        1,
      );
      summary.push(`${ex.name}: diff-images ${d.equivalent ? 'equivalent' : 'DIFFERENT ' + detail.slice(0, 600)}`);
      expect(d.equivalent, `images differ (a = original, b = rewrite):\n${detail}`).toBe(true);
    });

    // ---- issue 12: every target a project builds, and rebuilds with empty cache mounts ----
    const targets = H.buildTargets(fs.readFileSync(path.join(H.EXAMPLES_DIR, ex.name, 'Dockerfile'), 'utf8')) as Target[];
    const labels = targets.map((t) => t.label);

    it(`build targets found: ${labels.join(', ')}`, () => {
      // Declared per example, so a harness that finds no targets fails instead of testing nothing.
      const stages = (H.readStages(prep.original) as { name: string | null }[]).length;
      const expected = ex.targets ?? [`stage-${stages - 1}`];
      expect(labels, 'the stages this Dockerfile can build (leaf stages, stages with CMD/ENTRYPOINT, the last)').toEqual(expected);
      // The rewrite keeps every target (a renamed or dropped stage would break `--target`).
      expect((H.buildTargets(prep.rewritten) as Target[]).map((t) => t.label), `the rewrite changed the build targets:\n${prep.rewritten}`).toEqual(labels);
    });

    for (const t of targets) {
      itUnless(
        t.last ? 'the last stage is the default build, compared by "both produce the same image"' : null,
        `target ${t.label}: the original and the rewrite build with ${t.target ? `--target ${t.target}` : 'no --target'} and give the same image`,
        () => {
          const diff = () => H.diffTarget(lab.lab, prep.ctx, prep.before, prep.after, t.target, { exclude: ex.diffExclude ?? [], tagPrefix: `dockerfix-e2e/${ex.name}` });
          let d = diff();
          if (!d.equivalent && !d.error) {
            console.log(`[e2e] ${ex.name} target ${t.label}: images differ; comparing again to rule out a concurrent lab user`);
            d = diff();
          }
          const detail = JSON.stringify({ error: d.error, only_in_original: d.only_in_a, only_in_rewrite: d.only_in_b, differ: d.differ, config_differ: d.config_differ }, null, 1);
          summary.push(`${ex.name} target ${t.label}: ${d.error ? 'BUILD FAILED' : d.equivalent ? 'equivalent' : 'DIFFERENT ' + detail.slice(0, 600)}`);
          expect(d.build_a?.ok, `the original does not build with --target ${t.target}:\n${d.error}`).toBe(true);
          expect(d.build_b?.ok, `the rewrite does not build with --target ${t.target}:\n${prep.rewritten}\n${d.error}`).toBe(true);
          expect(d.equivalent, `target ${t.label}: images differ (a = original, b = rewrite):\n${detail}`).toBe(true);
        },
      );
    }

    /**
     * A CI runner that imports the layer cache has warm layers and empty cache mounts. For every
     * target: build the rewrite (warm), empty only the cache mounts
     * (`docker builder prune --filter type=exec.cachemount`), edit a file and rebuild. The rebuild
     * must succeed, with every step before the first one that reads the edited file CACHED (a
     * cached download step whose mount is now empty is exactly the trap: a later step that needs
     * what it downloaded must still work).
     */
    for (const t of targets) {
      let coldDir: string | null = null;
      let coldReady = false;
      const edits: [string, string | null, string | undefined][] = [
        ['source', ex.touch, undefined],
        ['dependency', ex.touchDep, ex.noDepEdit ?? 'no dependency manifest to edit'],
      ];
      for (const [kind, file, noEdit] of edits) {
        itUnless(
          file ? null : noEdit,
          `target ${t.label}: with empty cache mounts (warm layers) the rewrite rebuilds after a ${kind} edit (${file ?? '-'}), steps before it CACHED`,
          () => {
            if (!coldDir) {
              coldDir = fs.mkdtempSync(path.join(os.tmpdir(), `dockerfix-e2e-cold-${ex.name}-`));
              fs.cpSync(prep.ctx, coldDir, { recursive: true });
            }
            if (!coldReady) {
              const warm = lab.lab.buildTarget(coldDir, prep.after, t.target);
              expect(warm.ok, `the rewrite does not build (target ${t.label}, warm cache mounts):\n${prep.rewritten}\n${warm.stderrTail}`).toBe(true);
              coldReady = true;
            }
            const expected = H.cachedUntil(prep.rewritten, file);
            const attempt = (): { b: any; problems: string[] } => {
              lab.lab.pruneCacheMounts();
              H.appendEdit(path.join(coldDir!, file!));
              const b = lab.lab.buildTarget(coldDir, prep.after, t.target);
              return { b, problems: b.ok ? (H.checkCachedSteps(b, expected, t.label) as string[]) : [] };
            };
            let { b, problems } = attempt();
            if (b.ok && problems.length) {
              // Another lab user's prune empties the layer cache too; a real regression shows again.
              console.log(`[e2e] ${ex.name} target ${t.label} ${kind} edit with empty mounts: ${problems[0]}; measuring again`);
              summary.push(`${ex.name} target ${t.label} cold-mount ${kind} edit: first measurement failed, re-measured`);
              ({ b, problems } = attempt());
            }
            const steps = (b.steps ?? []).map((s: { step: string; cached: boolean }) => `${s.cached ? 'CACHED ' : 'ran    '}${s.step}`).join('\n');
            summary.push(`${ex.name} target ${t.label} cold-mount ${kind} edit: ${b.ok ? `built, ${b.steps_cached}/${b.steps_total} cached${problems.length ? ', CACHE PROBLEMS' : ''}` : 'BUILD FAILED'}`);
            expect(
              b.ok,
              `the rewrite fails to rebuild (target ${t.label}) after a ${kind} edit with empty cache mounts and warm layers:\n${prep.rewritten}\n${b.stderrTail}`,
            ).toBe(true);
            expect(problems, `target ${t.label}, ${kind} edit of ${file} with empty cache mounts:\n${steps}`).toEqual([]);
          },
        );
      }
      afterAll(() => {
        if (coldDir) fs.rmSync(coldDir, { recursive: true, force: true });
      });
    }

    /**
     * Run `check` on the `lab compare` result; if it fails, measure once more and check again.
     * Wall-clock timings on a shared 2-core machine are disturbed by load spikes, and `lab compare`
     * run by anyone else on the same daemon prunes the build cache mid-run (seen here: a source-edit
     * rebuild with 0 cached steps). A real regression fails both measurements.
     */
    const measuredAsync = async (label: string, get: () => Promise<any>, check: (c: any) => void): Promise<void> => {
      try {
        check(await get());
      } catch (e) {
        console.log(`[e2e] ${ex.name} ${label}: ${String((e as Error).message).split('\n')[0]}; measuring again`);
        summary.push(`${ex.name} ${label}: first measurement failed, re-measured`);
        check(await get());
      }
    };
    const measured = (label: string, check: (c: any) => void): void => {
      try {
        check(getCompare());
      } catch (e) {
        // A build that fails is not a disturbed measurement: another run would fail the same way.
        if (compare?.rows?.some((r: Row) => !r.ok)) {
          summary.push(`${ex.name} ${label}: a build failed in lab compare (not re-measured)`);
          throw e;
        }
        console.log(`[e2e] ${ex.name} ${label}: ${String((e as Error).message).split('\n')[0]}; measuring again`);
        summary.push(`${ex.name} ${label}: first measurement failed, re-measured`);
        compare = undefined;
        check(getCompare());
      }
    };

    it(`after a source edit the rewrite rebuilds ${ex.splitCopy ? `>= ${H.MIN_SOURCE_SPEEDUP}x faster` : 'no slower'} (lab compare)`, () => {
      measured('source-edit', (c) => {
        expect(c.summary, `lab compare failed (exit ${c.code}):\n${c.stderrTail}`).not.toBeNull();
        expect(c.summary.ok, `a build in lab compare failed:\n${c.stderrTail}`).toBe(true);
        for (const phase of Object.keys(c.summary.phases)) {
          const p = c.summary.phases[phase];
          summary.push(`${ex.name} ${phase}: before ${p.before_s} s (${p.before_cached}) after ${p.after_s} s (${p.after_cached}) = ${p.speedup}x`);
        }
        const b = H.row(c, 'before', 'source-edit') as Row;
        const a = H.row(c, 'after', 'source-edit') as Row;
        const ratio = b.wall_s / Math.max(a.wall_s, 0.01);
        if (ex.splitCopy) {
          expect(a.steps_cached, `the rewrite should reuse the dependency layer after a source edit: original ${fmt(b)}, rewrite ${fmt(a)}`).toBeGreaterThan(
            b.steps_cached,
          );
          expect(
            ratio,
            `source-edit rebuild: original ${fmt(b)}, rewrite ${fmt(a)}: only ${ratio.toFixed(1)}x faster, need >= ${H.MIN_SOURCE_SPEEDUP}x\n${prep.rewritten}`,
          ).toBeGreaterThanOrEqual(H.MIN_SOURCE_SPEEDUP);
        } else {
          // Already manifest-first: no speedup expected; guard against a regression (generous for noise).
          expect(a.steps_cached, `source-edit rebuild: original ${fmt(b)}, rewrite ${fmt(a)}`).toBeGreaterThanOrEqual(b.steps_cached);
          expect(a.wall_s, `source-edit rebuild: original ${fmt(b)}, rewrite ${fmt(a)}`).toBeLessThanOrEqual(b.wall_s * 1.5 + 1);
        }
      });
    });

    itUnless(ex.touchDep ? null : ex.noDepEdit ?? 'no dependency manifest to edit', 'after a dependency edit the cache mount is used (lab compare)', () => {
      measured('dep-edit', (c) => {
        const b = H.row(c, 'before', 'dep-edit') as Row;
        const a = H.row(c, 'after', 'dep-edit') as Row;
        expect(b?.ok && a?.ok, `dep-edit builds failed:\n${c.stderrTail}`).toBe(true);
        const ratio = b.wall_s / Math.max(a.wall_s, 0.01);
        console.log(`[e2e] ${ex.name} dep-edit: original ${fmt(b)}, rewrite ${fmt(a)}: ${ratio.toFixed(2)}x`);
        if (ex.depProof) {
          const logB = H.readLog(b.log_file);
          const logA = H.readLog(a.log_file);
          expect(logB, `original dep-edit log (${b.log_file}) lacks ${ex.depProof.before}`).toMatch(ex.depProof.before);
          if (ex.depProof.afterAbsent) expect(logA, `rewrite dep-edit log (${a.log_file}): the cache mount was not reused`).not.toMatch(ex.depProof.after);
          else expect(logA, `rewrite dep-edit log (${a.log_file}): the cache mount was not reused`).toMatch(ex.depProof.after);
        }
        if (ex.minDepSpeedup) {
          expect(ratio, `dep-edit rebuild: original ${fmt(b)}, rewrite ${fmt(a)}`).toBeGreaterThanOrEqual(ex.minDepSpeedup);
        }
        // Timing of network-bound installs (npm, apt) is too noisy here to assert a gain; never much slower though.
        expect(a.wall_s, `dep-edit rebuild: original ${fmt(b)}, rewrite ${fmt(a)}`).toBeLessThanOrEqual(b.wall_s * 1.5 + 2);
      });
    });

    const throttledTitle = ex.throttled?.gainWhen
      ? `on a throttled network (${H.describeThrottle(throttle)}) the dependency-edit rebuild is measured (gain asserted when the rewrite matches ${ex.throttled.gainWhen})`
      : `on a throttled network (${H.describeThrottle(throttle)}) the dependency-edit rebuild downloads far less and is faster`;
    const noThrottle = !ex.touchDep ? ex.noDepEdit ?? 'no dependency manifest to edit' : !ex.throttled ? ex.noThrottle ?? 'not measured on the throttled network' : null;
    itUnless(noThrottle, throttledTitle, async () => {
      const t = ex.throttled!;
      const expectGain = !t.gainWhen || t.gainWhen.test(prep.rewritten);
      const get = () =>
        H.compareThrottled(lab.lab, prep.ctx, prep.before, prep.after, ex.touch, ex.touchDep, { ...throttle, log: (m: string) => console.log(`[e2e] ${m}`) });
      await measuredAsync('throttled dep-edit', get, (c) => {
        expect(c.summary, `throttled lab compare failed (exit ${c.code}):\n${c.stderrTail}`).not.toBeNull();
        expect(c.summary.ok, `a build in the throttled lab compare failed:\n${c.stderrTail}`).toBe(true);
        for (const phase of Object.keys(c.summary.phases)) {
          const p = c.summary.phases[phase];
          const nb = MB(c.net.bytes[`before/${phase}`]);
          const na = MB(c.net.bytes[`after/${phase}`]);
          summary.push(`${ex.name} throttled ${phase}: before ${p.before_s} s (${p.before_cached}, ${nb}) after ${p.after_s} s (${p.after_cached}, ${na}) = ${p.speedup}x`);
        }
        const b = H.row(c, 'before', 'dep-edit') as Row;
        const a = H.row(c, 'after', 'dep-edit') as Row;
        const ratio = b.wall_s / Math.max(a.wall_s, 0.01);
        const what = `throttled dep-edit rebuild: original ${fmt(b)}, ${MB(b.net_bytes)} downloaded; rewrite ${fmt(a)}, ${MB(a.net_bytes)}: ${ratio.toFixed(2)}x`;
        console.log(`[e2e] ${ex.name} ${what}`);
        // The proxy carried the original's downloads (else the numbers below prove nothing).
        expect(b.net_bytes ?? 0, `${what}: the proxy saw too little traffic (are the proxy settings reaching the build?)`).toBeGreaterThanOrEqual(t.minBeforeBytes);
        if (!expectGain) {
          summary.push(`${ex.name} throttled dep-edit: measured only (the rewrite has no --prefer-offline; see harness.mjs)`);
          expect(a.wall_s, what).toBeLessThanOrEqual(b.wall_s * 1.5 + 2);
          return;
        }
        expect(a.net_bytes ?? 0, `${what}: the rewrite should fetch at most 1/${t.maxByteShare} of the original's bytes`).toBeLessThanOrEqual(
          (b.net_bytes ?? 0) / t.maxByteShare,
        );
        expect(ratio, `${what}: need >= ${t.minSpeedup}x`).toBeGreaterThanOrEqual(t.minSpeedup);
      });
    });
  });
}
