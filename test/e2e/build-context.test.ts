/**
 * Real-build proof for issue 14 (how each Dockerfile is built): examples/compose-docker-dir keeps
 * its Dockerfile in docker/ and its compose.yaml builds it with the repository root as the context.
 * `dockerfix --write .` run at the root (no --context) must find that, split the `COPY . .` with the
 * root's manifests, and the image must stay the same (`lab diff-images`, the original Dockerfile
 * against the rewrite, both built from the root).
 * If the lab cannot start: fails when CI=true, skips with the reason otherwise.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JS module shared with bench/builds.mjs (no type declarations)
import * as H from './harness.mjs';

const NAME = 'compose-docker-dir';
const inCI = process.env.CI === 'true' || process.env.CI === '1';
const only = (process.env.DOCKERFIX_E2E_ONLY ?? '').split(',').filter(Boolean);
const wanted = !only.length || only.includes(NAME);
const lab = wanted ? (H.ensureLab({ log: (m: string) => console.log(`[e2e] ${m}`) }) as { ok: boolean; lab?: any; reason?: string }) : { ok: false, reason: `DOCKERFIX_E2E_ONLY does not name ${NAME}` };
if (!lab.ok) {
  if (inCI && wanted) throw new Error(`e2e: the docker lab is required in CI but could not start: ${lab.reason}`);
  console.log(`[e2e] ${NAME}: SKIPPED: ${lab.reason}`);
}

describe.skipIf(!lab.ok)(`${NAME}: the context named by compose.yaml, found with no flags`, () => {
  let dir: string;
  let repo: string;
  let before: string;
  let after: string;
  let out: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), `dockerfix-e2e-${NAME}-`));
    repo = path.join(dir, 'repo');
    fs.cpSync(path.join(H.EXAMPLES_DIR, NAME), repo, { recursive: true });
    execFileSync('git', ['init', '-q', repo]);
    fs.mkdirSync(path.join(dir, 'before'));
    before = path.join(dir, 'before', 'Dockerfile');
    after = path.join(repo, 'docker', 'Dockerfile');
    fs.copyFileSync(after, before);
    const r = spawnSync(process.execPath, [path.join(H.ROOT, 'dist/bin/dockerfix.js'), '--write', '--no-color', '.'], { cwd: repo, encoding: 'utf8' });
    out = r.stdout + r.stderr;
    expect(r.status, out).toBe(0);
    console.log(`[e2e] ${NAME}: dockerfix --write .:\n${out}\n${H.lineDiff(fs.readFileSync(before, 'utf8'), fs.readFileSync(after, 'utf8'))}`);
  });
  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('dockerfix --write . splits COPY . . with the manifests at the root, and says where the context came from', () => {
    const text = fs.readFileSync(after, 'utf8');
    const lines = text.split('\n');
    const manifests = lines.findIndex((l) => /^COPY package\.json package-lock\.json \.\/$/.test(l));
    const install = lines.findIndex((l) => /npm ci/.test(l));
    const copyAll = lines.findIndex((l) => /^COPY \. \.$/.test(l));
    expect(manifests, text).toBeGreaterThanOrEqual(0);
    expect(install, text).toBeGreaterThan(manifests);
    expect(copyAll, text).toBeGreaterThan(install);
    expect(text).toMatch(/--mount=type=cache,target=\/root\/\.npm/);
    // --write prints the changes; a dry run afterwards names where the context came from.
    const again = spawnSync(process.execPath, [path.join(H.ROOT, 'dist/bin/dockerfix.js'), '--no-color', '.'], { cwd: repo, encoding: 'utf8' });
    expect(again.stdout).toContain('docker/Dockerfile:1:1: info [context] context . (compose.yaml:3, service web)\n');
  });

  it('the original and the rewrite give the same image (lab diff-images, context = the repository root)', () => {
    let d = lab.lab.diffImages(repo, before, after);
    if (!d.equivalent) {
      console.log(`[e2e] ${NAME}: images differ; running diff-images again to rule out a concurrent lab user`);
      d = lab.lab.diffImages(repo, before, after);
    }
    const detail = JSON.stringify({ error: d.error, only_in_original: d.only_in_a, only_in_rewrite: d.only_in_b, differ: d.differ, config_differ: d.config_differ }, null, 1);
    console.log(`[e2e] ${NAME}: diff-images ${d.equivalent ? 'equivalent' : 'DIFFERENT ' + detail.slice(0, 600)}`);
    expect(d.equivalent, `images differ (a = original, b = rewrite):\n${detail}`).toBe(true);
  });
});
