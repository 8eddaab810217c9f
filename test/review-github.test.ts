/**
 * `postReview` and `dockerfix review` against a local fake of the GitHub REST API
 * (test/helpers/fake-github.ts) that records every call: suggestions on lines of the diff,
 * other changes in the body as a diff, pagination of existing reviews, update instead of a
 * duplicate, stale comments deleted, and the 65,536-character body limit.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, ROOT, tempDir } from './helpers/cli.js';
import { startFakeGitHub, type FakeGitHub, type FakeReview } from './helpers/fake-github.js';
import { fix } from '../src/index.js';
import { BODY_LIMIT, patchRanges, planReview, postReview, reviewBody, REVIEW_MARKER, SUPERSEDED_MARKER, type ReviewFile } from '../src/review/github.js';
import { applyLineSuggestions } from '../src/report/suggestions.js';

const REPO = 'acme/shop';
const TOKEN = 'test-token';
const SHA = 'abcdef0123456789abcdef0123456789abcdef01';
const NODE = fs.readFileSync(path.join(ROOT, 'examples/node-app/Dockerfile'), 'utf8');
// The pull request touched lines 5-7 of the file (right side).
const PATCH = '@@ -5,3 +5,3 @@\n \n-COPY ./ .\n+COPY . .\n RUN npm ci --omit=dev';

let gh: FakeGitHub | undefined;
afterEach(async () => {
  await gh?.close();
  gh = undefined;
});

const others = (n: number): FakeReview[] => Array.from({ length: n }, (_, i) => ({ id: i + 1, body: `LGTM ${i}`, user: { login: `dev${i}` } }));

async function nodeFile(only?: string[]): Promise<ReviewFile> {
  const r = await fix(NODE, { context: path.join(ROOT, 'examples/node-app'), path: 'app/Dockerfile', only });
  return { path: 'app/Dockerfile', before: NODE, after: r.output, findings: r.findings, edits: r.edits, headline: 'A source edit re-runs 1 of 4 build steps instead of 2 of 3' };
}

describe('planning', () => {
  it('reads the right-side ranges of a patch', () => {
    expect(patchRanges('@@ -1,2 +1,3 @@\n a\n+b\n c\n@@ -10 +11 @@\n-x\n+y\n@@ -20,2 +22,0 @@\n-p\n-q')).toEqual([[1, 3], [11, 11]]);
  });

  it('suggestions inside the diff become comments, the rest a diff in the body', async () => {
    const file = await nodeFile();
    const [plan] = planReview([file], new Map([['app/Dockerfile', patchRanges(PATCH)]]));
    expect(plan.comments.map((x) => [x.c.start_line, x.c.line])).toEqual([[5, 7]]);
    expect(plan.outside.map((x) => [x.s.startLine, x.s.endLine])).toEqual([[1, 1]]);
    // Comment + body hunks together are exactly dockerfix's change.
    expect(applyLineSuggestions(NODE, [...plan.comments, ...plan.outside].map((x) => x.s))).toBe(file.after);
  });
});

describe('postReview against a fake GitHub', () => {
  it('creates one review with a ```suggestion on the exact lines; finds nothing to update across 3 pages of reviews', async () => {
    gh = await startFakeGitHub({ repo: REPO, pull: 7, headSha: SHA, token: TOKEN, files: [{ filename: 'app/Dockerfile', patch: PATCH }, { filename: 'README.md', patch: '@@ -1 +1 @@\n-a\n+b' }], reviews: others(5) });
    const r = await postReview({ token: TOKEN, repository: REPO, pullNumber: 7, files: [await nodeFile()], apiUrl: gh.url, perPage: 2 });
    expect(r).toMatchObject({ action: 'created', posted: 1, kept: 0, deleted: 0, outside: 1 });
    expect(gh.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /repos/acme/shop/pulls/7',
      'GET /repos/acme/shop/pulls/7/files?per_page=2',
      'GET /repos/acme/shop/pulls/7/reviews?per_page=2',
      'GET /repos/acme/shop/pulls/7/reviews?per_page=2&page=2',
      'GET /repos/acme/shop/pulls/7/reviews?per_page=2&page=3',
      'POST /repos/acme/shop/pulls/7/reviews',
    ]);
    const post = gh.calls.at(-1)!.body as { commit_id: string; event: string; body: string; comments: Array<{ path: string; line: number; start_line: number; side: string; body: string }> };
    expect(post.commit_id).toBe(SHA);
    expect(post.event).toBe('COMMENT');
    expect(post.comments).toHaveLength(1);
    expect(post.comments[0]).toMatchObject({ path: 'app/Dockerfile', start_line: 5, line: 7, side: 'RIGHT', start_side: 'RIGHT' });
    expect(post.comments[0].body).toContain('```suggestion\n\nCOPY package.json package-lock.json ./\nRUN --mount=type=cache,target=/root/.npm npm ci --omit=dev\nCOPY . .\n```');
    expect(post.comments[0].body).toContain('`split-copy`: copies package.json and package-lock.json before');
    expect(post.body.startsWith(REVIEW_MARKER)).toBe(true);
    expect(post.body).toContain('**A source edit re-runs 1 of 4 build steps instead of 2 of 3**');
    expect(post.body).toContain("Changes outside this pull request's diff:\n\n```diff\n--- a/app/Dockerfile\n+++ b/app/Dockerfile\n@@ -1,1 +1,2 @@\n-FROM node:20-slim\n+# syntax=docker/dockerfile:1\n+FROM node:20-slim\n```");
    expect(gh.reviews).toHaveLength(6);
  });

  it('a second run with the same changes updates the previous review (found on the last page) instead of adding one', async () => {
    gh = await startFakeGitHub({ repo: REPO, pull: 7, headSha: SHA, token: TOKEN, files: [{ filename: 'app/Dockerfile', patch: PATCH }], reviews: others(3) });
    const file = await nodeFile();
    await postReview({ token: TOKEN, repository: REPO, pullNumber: 7, files: [file], apiUrl: gh.url });
    gh.reviews.push(...others(4).map((x) => ({ ...x, id: x.id + 100 })));
    gh.calls.length = 0;
    const again = await postReview({ token: TOKEN, repository: REPO, pullNumber: 7, files: [file], apiUrl: gh.url, perPage: 3 });
    expect(again).toMatchObject({ action: 'updated', posted: 0, kept: 1, deleted: 0 });
    const writes = gh.calls.filter((c) => c.method !== 'GET').map((c) => `${c.method} ${c.path}`);
    const ours = gh.reviews.find((x) => x.body.includes(REVIEW_MARKER))!;
    expect(writes).toEqual([`PUT /repos/acme/shop/pulls/7/reviews/${ours.id}`]);
    expect(gh.calls.filter((c) => c.path.includes('/reviews?')).length).toBe(3);
    expect(gh.reviews.filter((x) => x.body.includes(REVIEW_MARKER))).toHaveLength(1);
    expect(gh.comments).toHaveLength(1);
  });

  it('new changes: stale comments are deleted, one new review, the old one points to it; clean code: the review says so', async () => {
    gh = await startFakeGitHub({ repo: REPO, pull: 7, headSha: SHA, token: TOKEN, files: [{ filename: 'app/Dockerfile', patch: PATCH }] });
    await postReview({ token: TOKEN, repository: REPO, pullNumber: 7, files: [await nodeFile()], apiUrl: gh.url });
    const first = gh.reviews[0];
    const r = await postReview({ token: TOKEN, repository: REPO, pullNumber: 7, files: [await nodeFile(['split-copy'])], apiUrl: gh.url });
    expect(r).toMatchObject({ action: 'replaced', posted: 1, kept: 0, deleted: 1 });
    expect(gh.reviews).toHaveLength(2);
    expect(gh.reviews[0].body.startsWith(SUPERSEDED_MARKER)).toBe(true);
    expect(gh.reviews[1].body.startsWith(REVIEW_MARKER)).toBe(true);
    expect(gh.comments.map((c) => c.pull_request_review_id)).toEqual([gh.reviews[1].id]);
    expect(gh.calls.some((c) => c.method === 'DELETE')).toBe(true);
    expect(first.id).not.toBe(gh.reviews[1].id);
    // The Dockerfile was fixed: nothing to suggest; the newest review is updated, its comment deleted.
    const fixed = await fix(NODE, { context: path.join(ROOT, 'examples/node-app'), path: 'app/Dockerfile' });
    const clean = await postReview({ token: TOKEN, repository: REPO, pullNumber: 7, files: [{ path: 'app/Dockerfile', before: fixed.output, after: fixed.output, findings: [] }], apiUrl: gh.url });
    expect(clean).toMatchObject({ action: 'updated', deleted: 1, posted: 0 });
    expect(gh.reviews[1].body).toContain('nothing to change');
    expect(gh.comments).toHaveLength(0);
  });

  it('nothing to change and no earlier review: posts nothing', async () => {
    gh = await startFakeGitHub({ repo: REPO, pull: 7, headSha: SHA, token: TOKEN, files: [] });
    const r = await postReview({ token: TOKEN, repository: REPO, pullNumber: 7, files: [{ path: 'Dockerfile', before: 'FROM a\n', after: 'FROM a\n', findings: [] }], apiUrl: gh.url });
    expect(r.action).toBe('none');
    expect(gh.calls.filter((c) => c.method !== 'GET')).toEqual([]);
  });

  it('a bad token is an error that names the call', async () => {
    gh = await startFakeGitHub({ repo: REPO, pull: 7, headSha: SHA, token: TOKEN, files: [] });
    await expect(postReview({ token: 'wrong', repository: REPO, pullNumber: 7, files: [], apiUrl: gh.url })).rejects.toThrow('GitHub API GET /repos/acme/shop/pulls/7: 401 Bad credentials');
  });
});

describe('the 65,536-character body limit', () => {
  // 400 pip installs, each changed, none in the pull request's diff: a body far over the limit.
  const big = 'FROM python:3.12-slim\n' + Array.from({ length: 400 }, (_, i) => `RUN pip install --no-cache-dir package-with-a-long-name-number-${i}\nENV STEP_${i}=1\nENV MORE_${i}=1\nENV EVEN_MORE_${i}=1\n`).join('');

  it('drops the explain pictures first, then the diffs, and says so; GitHub accepts it', async () => {
    const r = await fix(big, { only: ['pip-cache-mount'], syntax: 'none' });
    const file: ReviewFile = { path: 'big/Dockerfile', before: big, after: r.output, findings: r.findings, edits: r.edits, headline: 'H', explainMarkdown: 'x'.repeat(70_000) };
    const small: ReviewFile = { path: 'small/Dockerfile', before: 'FROM a\nRUN pip install --no-cache-dir x\n', after: 'FROM a\nRUN --mount=type=cache,target=/root/.cache/pip pip install x\n', findings: [], headline: 'S', explainMarkdown: 'picture of small ' + 'p'.repeat(400) };
    const plans = planReview([small, file], new Map());
    expect(plans[1].outside.length).toBe(400);
    const body = reviewBody(plans);
    expect(body.length).toBeLessThanOrEqual(BODY_LIMIT);
    expect(body).not.toContain('x'.repeat(100));
    // The small file's picture, dropped first, fits again once the big diff is out: it is back.
    expect(body).toContain('400 changes outside this pull request\'s diff left out (review body limit): run `dockerfix big/Dockerfile`');
    expect(body).toContain('picture of small');
    expect(body).toContain('+RUN --mount=type=cache,target=/root/.cache/pip pip install x');
    expect(body).toMatch(/GitHub limits a review body to 65,536 characters: 1 explain picture and 1 diff left out/);
    // Under a smaller limit the small file's picture goes too, before its diff.
    const full = reviewBody(planReview([small], new Map()));
    const limit = full.length - 10;
    const tight = reviewBody(planReview([small], new Map()), { limit });
    expect(tight.length).toBeLessThanOrEqual(limit);
    expect(tight).not.toContain('picture of small');
    expect(tight).toContain('+RUN --mount=type=cache,target=/root/.cache/pip pip install x');
    gh = await startFakeGitHub({ repo: REPO, pull: 7, headSha: SHA, token: TOKEN, files: [] });
    const posted = await postReview({ token: TOKEN, repository: REPO, pullNumber: 7, files: [small, file], apiUrl: gh.url });
    expect(posted.action).toBe('created');
    expect((gh.calls.at(-1)!.body as { body: string }).body.length).toBeLessThanOrEqual(BODY_LIMIT);
  });

  it('the fake refuses an over-long body like GitHub does (the check can fail)', async () => {
    gh = await startFakeGitHub({ repo: REPO, pull: 7, headSha: SHA, token: TOKEN, files: [] });
    const res = await fetch(`${gh.url}/repos/${REPO}/pulls/7/reviews`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ body: 'x'.repeat(BODY_LIMIT + 1), comments: [] }) });
    expect(res.status).toBe(422);
  });
});

function runAsync(args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('dockerfix review (the CLI, as the Action runs it)', () => {
  it('reads the pull request from GITHUB_EVENT_PATH, posts the review with the explain picture, then updates it', async () => {
    const dir = tempDir({ 'event.json': JSON.stringify({ pull_request: { number: 7, head: { sha: SHA } } }) });
    fs.cpSync(path.join(ROOT, 'examples/node-app'), path.join(dir, 'app'), { recursive: true });
    gh = await startFakeGitHub({ repo: REPO, pull: 7, headSha: SHA, token: TOKEN, files: [{ filename: 'app/Dockerfile', patch: PATCH }] });
    const env = { GITHUB_REPOSITORY: REPO, GITHUB_EVENT_PATH: path.join(dir, 'event.json'), GITHUB_API_URL: gh.url, GITHUB_TOKEN: TOKEN };
    const r = await runAsync(['review', 'app'], dir, env);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^dockerfix review: created review \d+ on acme\/shop#7: 1 suggestion posted, 0 kept, 0 stale deleted, 1 change shown in the body\n$/);
    const post = gh.calls.find((c) => c.method === 'POST')!.body as { body: string; commit_id: string };
    expect(post.commit_id).toBe(SHA);
    expect(post.body).toContain('**A source edit re-runs 1 of 4 build steps instead of 2 of 3**');
    expect(post.body).toContain('```mermaid\nflowchart LR\n');
    expect(gh.calls.some((c) => c.path === '/repos/acme/shop/pulls/7')).toBe(false);
    const again = await runAsync(['review', 'app'], dir, env);
    expect(again.stdout).toMatch(/updated review \d+ .*0 suggestions posted, 1 kept/);
    expect(gh.reviews).toHaveLength(1);
    const missing = await runAsync(['review', 'app'], dir, { ...env, GITHUB_TOKEN: '' });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('dockerfix review: no token in $GITHUB_TOKEN\n');
  }, 60_000);
});
