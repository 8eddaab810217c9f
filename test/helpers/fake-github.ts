/**
 * A local HTTP server that answers the GitHub REST calls `dockerfix review` makes and records
 * them: pull request, its files (with patches), reviews and review comments, with `per_page` /
 * `page` pagination and `Link` headers, and GitHub's checks that matter here (a bearer token; a
 * review body of at most 65,536 characters; comment lines inside the diff).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeReview {
  id: number;
  body: string;
  commit_id?: string;
  user: { login: string };
}
export interface FakeComment {
  id: number;
  pull_request_review_id: number;
  path: string;
  body: string;
  line: number | null;
  start_line: number | null;
  side: string;
}

export interface FakeGitHub {
  url: string;
  calls: Array<{ method: string; path: string; body?: unknown }>;
  reviews: FakeReview[];
  comments: FakeComment[];
  files: Array<{ filename: string; patch?: string }>;
  close(): Promise<void>;
}

const LIMIT = 65_536;

function rightRanges(patch: string | undefined): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const m of (patch ?? '').matchAll(/^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/gm)) out.push([Number(m[1]), Number(m[1]) + (m[2] === undefined ? 1 : Number(m[2])) - 1]);
  return out;
}

export async function startFakeGitHub(opts: { repo: string; pull: number; headSha: string; files: FakeGitHub['files']; reviews?: FakeReview[]; token: string }): Promise<FakeGitHub> {
  let nextId = 1000;
  const state: Omit<FakeGitHub, 'url' | 'close'> = { calls: [], reviews: [...(opts.reviews ?? [])], comments: [], files: opts.files };
  const pr = `/repos/${opts.repo}/pulls/${opts.pull}`;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = raw ? JSON.parse(raw) : undefined;
      state.calls.push({ method: req.method ?? '', path: u.pathname + u.search, ...(body !== undefined ? { body } : {}) });
      const send = (status: number, data: unknown, headers: Record<string, string> = {}): void => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(data === undefined ? '' : JSON.stringify(data));
      };
      if (req.headers.authorization !== `Bearer ${opts.token}`) return send(401, { message: 'Bad credentials' });
      const page = <T>(items: T[]): void => {
        const per = Number(u.searchParams.get('per_page') ?? 30);
        const p = Number(u.searchParams.get('page') ?? 1);
        const last = Math.max(1, Math.ceil(items.length / per));
        const link: string[] = [];
        const at = (n: number): string => {
          const q = new URL(u.toString());
          q.searchParams.set('page', String(n));
          return `<${base}${q.pathname}${q.search}>`;
        };
        if (p < last) link.push(`${at(p + 1)}; rel="next"`, `${at(last)}; rel="last"`);
        send(200, items.slice((p - 1) * per, p * per), link.length ? { link: link.join(', ') } : {});
      };
      const m = (re: RegExp): RegExpExecArray | null => re.exec(u.pathname);
      let r: RegExpExecArray | null;
      if (req.method === 'GET' && u.pathname === pr) return send(200, { number: opts.pull, head: { sha: opts.headSha } });
      if (req.method === 'GET' && u.pathname === `${pr}/files`) return page(state.files);
      if (req.method === 'GET' && u.pathname === `${pr}/reviews`) return page(state.reviews);
      if (req.method === 'GET' && (r = m(new RegExp(`^${pr}/reviews/(\\d+)/comments$`)))) return page(state.comments.filter((c) => c.pull_request_review_id === Number(r![1])));
      if (req.method === 'POST' && u.pathname === `${pr}/reviews`) {
        if (typeof body.body === 'string' && body.body.length > LIMIT) return send(422, { message: 'Validation Failed', errors: ['body is too long (maximum is 65536 characters)'] });
        const review: FakeReview = { id: nextId++, body: body.body, commit_id: body.commit_id, user: { login: 'github-actions[bot]' } };
        const made: FakeComment[] = [];
        for (const c of body.comments ?? []) {
          const ranges = rightRanges(state.files.find((f) => f.filename === c.path)?.patch);
          const start = c.start_line ?? c.line;
          if (!ranges.some(([a, b]) => start >= a && c.line <= b)) return send(422, { message: 'Unprocessable Entity', errors: ['Line could not be resolved'] });
          if (c.body.length > LIMIT) return send(422, { message: 'comment body is too long' });
          made.push({ id: nextId++, pull_request_review_id: review.id, path: c.path, body: c.body, line: c.line, start_line: c.start_line ?? null, side: c.side });
        }
        state.reviews.push(review);
        state.comments.push(...made);
        return send(200, review);
      }
      if (req.method === 'PUT' && (r = m(new RegExp(`^${pr}/reviews/(\\d+)$`)))) {
        const review = state.reviews.find((x) => x.id === Number(r![1]));
        if (!review) return send(404, { message: 'Not Found' });
        if (body.body.length > LIMIT) return send(422, { message: 'Validation Failed', errors: ['body is too long (maximum is 65536 characters)'] });
        review.body = body.body;
        return send(200, review);
      }
      if (req.method === 'DELETE' && (r = m(new RegExp(`^/repos/${opts.repo}/pulls/comments/(\\d+)$`)))) {
        const i = state.comments.findIndex((c) => c.id === Number(r![1]));
        if (i < 0) return send(404, { message: 'Not Found' });
        state.comments.splice(i, 1);
        return send(204, undefined);
      }
      send(404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, { url: base, close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
}
