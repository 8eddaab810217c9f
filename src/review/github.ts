/**
 * A pull-request review with GitHub suggested changes, through the REST API (`postReview`).
 *
 * Each group of changed lines (src/report/suggestions.ts) whose lines all lie in one hunk of the
 * pull request's diff (right side) becomes a review comment holding a ```suggestion block on
 * exactly those lines, so "Commit suggestion" applies it. The others (lines the pull request did
 * not touch: GitHub refuses comments there) go into the review body as a diff, with each changed
 * file's explain headline and picture. The body stays under GitHub's 65,536-character limit:
 * pictures go first, then diffs, with a note saying what was left out.
 *
 * One review per pull request: the previous dockerfix review is found by a marker in its body
 * (listing every page of reviews). GitHub cannot add comments to a submitted review, so on a new
 * push: comments that still apply are kept, stale ones are deleted, and when nothing new is to
 * be suggested the previous review's body is updated in place; otherwise one new review carries
 * the new comments and the previous one's body is shortened to a pointer to it.
 */
import type { AppliedEdit } from '../core/runner.js';
import type { Finding } from '../core/types.js';
import { lineSuggestions, type LineSuggestion } from '../report/suggestions.js';

export const REVIEW_MARKER = '<!-- dockerfix-review -->';
export const SUPERSEDED_MARKER = '<!-- dockerfix-review:superseded -->';
export const BODY_LIMIT = 65_536;

export interface ReviewFile {
  /** Repository-relative, `/`-separated (as in the pull request's file list). */
  path: string;
  before: string;
  after: string;
  findings: readonly Finding[];
  edits?: readonly AppliedEdit[];
  /** `dockerfix explain --format markdown` of the file, shown in the body (optional). */
  explainMarkdown?: string;
  /** The explain headline, kept when the picture does not fit. */
  headline?: string;
}

export interface PostReviewOptions {
  token: string;
  /** `owner/name`. */
  repository: string;
  pullNumber: number;
  files: readonly ReviewFile[];
  /** The commit the suggestions are for; default the pull request's head. */
  commitId?: string;
  /** Default `GITHUB_API_URL` conventions: https://api.github.com. */
  apiUrl?: string;
  /** Page size for listings (GitHub's maximum, 100, by default). */
  perPage?: number;
  /** Build the review and return it without writing anything (GETs only). */
  dryRun?: boolean;
  fetch?: typeof fetch;
  /** A line for the footer, e.g. "dockerfix 0.1.0". */
  toolLine?: string;
}

export interface ReviewComment {
  path: string;
  body: string;
  line: number;
  side: 'RIGHT';
  start_line?: number;
  start_side?: 'RIGHT';
}

export interface PostReviewResult {
  action: 'created' | 'updated' | 'replaced' | 'none';
  reviewId: number | null;
  /** Comments posted now, kept from the previous review, deleted as stale. */
  posted: number;
  kept: number;
  deleted: number;
  /** Changes shown in the body as a diff (outside the pull request's diff). */
  outside: number;
  body: string;
  comments: ReviewComment[];
}

export class GitHubApiError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    detail: string,
  ) {
    super(`GitHub API ${method} ${url}: ${status} ${detail}`);
    this.name = 'GitHubApiError';
  }
}

/** The right-side line ranges of a unified diff `patch` (as the pull-request files API gives it). */
export function patchRanges(patch: string | undefined): Array<[number, number]> {
  if (!patch) return [];
  const out: Array<[number, number]> = [];
  for (const m of patch.matchAll(/^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/gm)) {
    const start = Number(m[1]);
    const count = m[2] === undefined ? 1 : Number(m[2]);
    if (count > 0) out.push([start, start + count - 1]);
  }
  return out;
}

function fence(text: string): string {
  let n = 3;
  for (const m of text.matchAll(/`{3,}/g)) n = Math.max(n, m[0].length + 1);
  return '`'.repeat(n);
}

function commentBody(s: LineSuggestion): string {
  const reasons = s.findings.length
    ? s.findings.map((f) => `- \`${f.transform}\`${f.fixKind === 'unsafe' ? ' (unsafe)' : ''}: ${f.message}`).join('\n')
    : `- dockerfix rewrites these lines (${s.transforms.join(', ') || 'formatting'})`;
  const f = fence(s.text);
  return `**dockerfix**\n${reasons}\n\n${f}suggestion\n${s.text === '' ? '' : s.text + '\n'}${f}`;
}

/** A suggestion as a unified-diff hunk (line numbers in the new file shifted by the hunks above). */
function hunkText(s: LineSuggestion, shift: number): string {
  const old = s.oldText.split('\n');
  const neu = s.text === '' ? [] : s.text.split('\n');
  return [`@@ -${s.startLine},${old.length} +${s.startLine + shift},${neu.length} @@`, ...old.map((l) => '-' + l), ...neu.map((l) => '+' + l)].join('\n');
}

interface FilePlan {
  file: ReviewFile;
  comments: Array<{ s: LineSuggestion; c: ReviewComment }>;
  outside: Array<{ s: LineSuggestion; hunk: string }>;
  skipped: Finding[];
}

/** Split each file's changes into review comments (in the diff) and body hunks (outside it). */
export function planReview(files: readonly ReviewFile[], ranges: ReadonlyMap<string, Array<[number, number]>>): FilePlan[] {
  const plans: FilePlan[] = [];
  for (const file of files) {
    const plan: FilePlan = { file, comments: [], outside: [], skipped: file.findings.filter((f) => f.kind === 'skipped') };
    const inDiff = ranges.get(file.path) ?? [];
    let shift = 0;
    for (const s of lineSuggestions(file.before, file.after, file.findings, file.edits)) {
      const body = commentBody(s);
      const fits = inDiff.some(([a, b]) => s.startLine >= a && s.endLine <= b);
      if (fits && body.length <= BODY_LIMIT) {
        const c: ReviewComment = { path: file.path, body, line: s.endLine, side: 'RIGHT' };
        if (s.startLine !== s.endLine) Object.assign(c, { start_line: s.startLine, start_side: 'RIGHT' });
        plan.comments.push({ s, c });
      } else plan.outside.push({ s, hunk: hunkText(s, shift) });
      shift += (s.text === '' ? 0 : s.text.split('\n').length) - s.oldText.split('\n').length;
    }
    if (plan.comments.length || plan.outside.length || plan.skipped.length) plans.push(plan);
  }
  return plans;
}

/** The review body, within `limit` characters: explain pictures are dropped first, then diffs. */
export function reviewBody(plans: readonly FilePlan[], opts: { commitId?: string; toolLine?: string; limit?: number } = {}): string {
  const limit = opts.limit ?? BODY_LIMIT;
  const changed = plans.filter((p) => p.comments.length || p.outside.length);
  const nComments = plans.reduce((n, p) => n + p.comments.length, 0);
  const nOutside = plans.reduce((n, p) => n + p.outside.length, 0);
  const head =
    `${REVIEW_MARKER}\n### dockerfix: ${changed.length} Dockerfile${changed.length === 1 ? '' : 's'} would change\n\n` +
    `${nComments} suggested change${nComments === 1 ? '' : 's'} on lines of this pull request` +
    (nOutside ? `; ${nOutside} change${nOutside === 1 ? '' : 's'} to lines outside its diff shown below as a diff (apply with \`dockerfix --write\`)` : '') +
    '.\n';
  const foot = `\n---\n<sub>${opts.toolLine ?? 'dockerfix'}${opts.commitId ? ` · commit ${opts.commitId.slice(0, 12)}` : ''} · this review is updated on every push</sub>\n`;
  // Per file: [headline, picture, diff, notes]; what may be dropped: picture, then diff.
  const parts = plans.map((p) => {
    const title = `\n#### \`${p.file.path}\`\n`;
    const headline = p.file.headline ? `\n**${p.file.headline}**\n` : '';
    const picture = p.file.explainMarkdown ? `\n<details><summary>Which steps re-run, before and after</summary>\n\n${p.file.explainMarkdown.trim()}\n\n</details>\n` : '';
    const diff = p.outside.length ? `\nChanges outside this pull request's diff:\n\n\`\`\`diff\n--- a/${p.file.path}\n+++ b/${p.file.path}\n${p.outside.map((o) => o.hunk).join('\n')}\n\`\`\`\n` : '';
    const notes = p.skipped.length ? `\nLeft alone:\n${p.skipped.map((f) => `- line ${f.line} \`${f.transform}\`: ${f.message}`).join('\n')}\n` : '';
    return { title, headline, picture, diff, notes, outside: p.outside.length };
  });
  const total = (): number => head.length + foot.length + parts.reduce((n, x) => n + x.title.length + x.headline.length + x.picture.length + x.diff.length + x.notes.length, 0);
  const pictures = parts.map((x) => x.picture);
  // Room for the note that says what was left out.
  const budget = total() > limit ? limit - 200 : limit;
  let droppedPictures = 0;
  let droppedDiffs = 0;
  for (let i = parts.length - 1; i >= 0 && total() > budget; i--) {
    if (parts[i].picture) {
      parts[i].picture = '';
      droppedPictures++;
    }
  }
  for (let i = parts.length - 1; i >= 0 && total() > budget; i--) {
    if (parts[i].diff) {
      parts[i].diff = `\n${parts[i].outside} change${parts[i].outside === 1 ? '' : 's'} outside this pull request's diff left out (review body limit): run \`dockerfix ${parts[i].title.trim().replace(/^#### /, '').replace(/`/g, '')}\` to see them.\n`;
      droppedDiffs++;
    }
  }
  // Pictures dropped before the diffs went may fit again now: put back those that do, in order.
  for (let i = 0; i < parts.length && droppedPictures; i++) {
    const pic = pictures[i];
    if (pic && !parts[i].picture && total() + pic.length <= budget) {
      parts[i].picture = pic;
      droppedPictures--;
    }
  }
  let note = '';
  if (droppedPictures || droppedDiffs) note = `\n> GitHub limits a review body to ${limit.toLocaleString('en-US')} characters: ${[droppedPictures ? `${droppedPictures} explain picture${droppedPictures === 1 ? '' : 's'}` : '', droppedDiffs ? `${droppedDiffs} diff${droppedDiffs === 1 ? '' : 's'}` : ''].filter(Boolean).join(' and ')} left out.\n`;
  let body = head + note + parts.map((x) => x.title + x.headline + x.picture + x.diff + x.notes).join('') + foot;
  if (body.length > limit) {
    // Still too long (thousands of skipped notes): cut, keeping the footer.
    const cut = `\n\n… (cut at GitHub's ${limit.toLocaleString('en-US')}-character limit)\n`;
    body = body.slice(0, limit - foot.length - cut.length) + cut + foot;
  }
  return body;
}

class Api {
  constructor(
    private readonly o: PostReviewOptions,
    private readonly base: string,
  ) {}

  async call<T>(method: string, url: string, body?: unknown): Promise<{ data: T; link: string | null }> {
    const full = url.startsWith('http') ? url : this.base + url;
    const res = await (this.o.fetch ?? fetch)(full, {
      method,
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${this.o.token}`,
        'x-github-api-version': '2022-11-28',
        'user-agent': 'dockerfix',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) {
      let detail = text.slice(0, 300);
      try {
        const j = JSON.parse(text) as { message?: string; errors?: unknown };
        detail = [j.message, j.errors ? JSON.stringify(j.errors) : ''].filter(Boolean).join(' ');
      } catch {
        /* not JSON */
      }
      throw new GitHubApiError(method, full.replace(this.base, ''), res.status, detail);
    }
    return { data: (text ? JSON.parse(text) : null) as T, link: res.headers.get('link') };
  }

  /** Every page of a listing, following `Link: <...>; rel="next"`. */
  async all<T>(url: string): Promise<T[]> {
    const out: T[] = [];
    let next: string | null = `${url}${url.includes('?') ? '&' : '?'}per_page=${this.o.perPage ?? 100}`;
    for (let pages = 0; next && pages < 1000; pages++) {
      const page: { data: T[]; link: string | null } = await this.call<T[]>('GET', next);
      out.push(...page.data);
      next = page.link?.split(',').map((l: string) => /<([^>]+)>\s*;\s*rel="next"/.exec(l)?.[1]).find(Boolean) ?? null;
    }
    return out;
  }
}

interface ApiReview {
  id: number;
  body: string | null;
  state?: string;
}
interface ApiComment {
  id: number;
  path: string;
  body: string;
  line: number | null;
  start_line?: number | null;
  pull_request_review_id?: number | null;
}

const sameComment = (a: ApiComment, c: ReviewComment): boolean => a.path === c.path && a.line === c.line && (a.start_line ?? undefined) === c.start_line && a.body === c.body;

/** Post (or update) dockerfix's review of a pull request. */
export async function postReview(o: PostReviewOptions): Promise<PostReviewResult> {
  const base = (o.apiUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  const api = new Api(o, base);
  const repo = o.repository.split('/').map(encodeURIComponent).join('/');
  const pr = `/repos/${repo}/pulls/${o.pullNumber}`;
  const commitId = o.commitId ?? (await api.call<{ head: { sha: string } }>('GET', pr)).data.head.sha;
  const prFiles = await api.all<{ filename: string; patch?: string }>(`${pr}/files`);
  const ranges = new Map(prFiles.map((f) => [f.filename, patchRanges(f.patch)]));
  const plans = planReview(o.files, ranges);
  const comments = plans.flatMap((p) => p.comments.map((x) => x.c));
  const outside = plans.reduce((n, p) => n + p.outside.length, 0);
  const hasChanges = plans.some((p) => p.comments.length || p.outside.length);
  const body = hasChanges || plans.length ? reviewBody(plans, { commitId, toolLine: o.toolLine }) : `${REVIEW_MARKER}\n### dockerfix: nothing to change\n\nEvery Dockerfile in this pull request already uses the layer cache the way dockerfix would set it up.\n`;
  const reviews = await api.all<ApiReview>(`${pr}/reviews`);
  const previous = [...reviews].reverse().find((r) => r.body?.includes(REVIEW_MARKER));
  // Comments of every dockerfix review (superseded ones may still hold kept suggestions).
  const ours = reviews.filter((r) => r.body?.includes(REVIEW_MARKER) || r.body?.includes(SUPERSEDED_MARKER));
  const result: PostReviewResult = { action: 'none', reviewId: previous?.id ?? null, posted: 0, kept: 0, deleted: 0, outside, body, comments };
  if (!previous) {
    if (!hasChanges) return result;
    if (o.dryRun) return { ...result, action: 'created', posted: comments.length };
    const { data } = await api.call<{ id: number }>('POST', `${pr}/reviews`, { commit_id: commitId, body, event: 'COMMENT', comments });
    return { ...result, action: 'created', reviewId: data.id, posted: comments.length };
  }
  const existing: ApiComment[] = [];
  for (const r of ours) existing.push(...(await api.all<ApiComment>(`${pr}/reviews/${r.id}/comments`)));
  const keep = existing.filter((a) => a.line !== null && comments.some((c) => sameComment(a, c)));
  const stale = existing.filter((a) => !keep.includes(a));
  const fresh = comments.filter((c) => !keep.some((a) => sameComment(a, c)));
  if (o.dryRun) return { ...result, action: fresh.length ? 'replaced' : 'updated', posted: fresh.length, kept: keep.length, deleted: stale.length, comments: fresh };
  for (const a of stale) await api.call('DELETE', `/repos/${repo}/pulls/comments/${a.id}`);
  if (!fresh.length) {
    await api.call('PUT', `${pr}/reviews/${previous.id}`, { body });
    return { ...result, action: 'updated', reviewId: previous.id, kept: keep.length, deleted: stale.length, comments: [] };
  }
  const { data } = await api.call<{ id: number }>('POST', `${pr}/reviews`, { commit_id: commitId, body, event: 'COMMENT', comments: fresh });
  await api.call('PUT', `${pr}/reviews/${previous.id}`, {
    body: `${SUPERSEDED_MARKER}\ndockerfix: superseded by a newer review (commit ${commitId.slice(0, 12)})${keep.length ? `; the ${keep.length} suggestion${keep.length === 1 ? '' : 's'} still shown here still apply` : ''}.`,
  });
  return { ...result, action: 'replaced', reviewId: data.id, posted: fresh.length, kept: keep.length, deleted: stale.length, comments: fresh };
}
