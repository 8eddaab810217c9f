/**
 * `dockerfix review [paths...]`: post dockerfix's changes to a GitHub pull request as one review
 * with suggested changes (src/review/github.ts), each changed Dockerfile's explain headline and
 * picture in the body. Run from the repository root (paths in the review are relative to it).
 * In GitHub Actions the repository, pull request, head commit, API URL and token come from the
 * environment (GITHUB_REPOSITORY, GITHUB_EVENT_PATH, GITHUB_API_URL, GITHUB_TOKEN).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { parseSubcommandArgs } from './parse.js';
import { main, packageVersion, type Io } from './main.js';
import { explainFile } from './explain.js';
import { explainView } from '../explain/model.js';
import { renderMarkdown } from '../explain/render-markdown.js';
import { FileOptions, newResolver } from '../pipeline/file-options.js';
import type { AppliedEdit } from '../core/runner.js';
import type { Finding } from '../core/types.js';
import { postReview, GitHubApiError, type ReviewFile } from '../review/github.js';

const list = (v: string, prev: string[] = []): string[] => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];

interface JsonFile {
  path: string;
  changed: boolean;
  edits: Array<{ transform: string; transforms: string[]; fixKind: 'safe' | 'unsafe'; range: { start: { offset: number; line: number; column: number }; end: { offset: number; line: number; column: number } }; text: string }>;
  findings: Array<{ transform: string; kind: Finding['kind']; severity: Finding['severity']; fixKind: Finding['fixKind'] | null; message: string; range: { start: { line: number; column: number }; end: { line: number; column: number } } }>;
  error: unknown;
}

function capture(io: Io): { io: Io; out: () => string; err: () => string } {
  const o: string[] = [];
  const e: string[] = [];
  const sink = (into: string[]): Writable =>
    new Writable({
      write(chunk, _enc, cb) {
        into.push(String(chunk));
        cb();
      },
    });
  const so = sink(o);
  const se = sink(e);
  return { io: { ...io, stdout: so, stderr: se }, out: () => o.join(''), err: () => e.join('') };
}

export async function reviewCommand(args: string[], io: Io): Promise<number> {
  const program = new Command()
    .name('dockerfix review')
    .description(
      'Post dockerfix\'s changes to a GitHub pull request as one review: suggested changes on the lines the pull request touched, ' +
        'the other changes as a diff in the review body with each file\'s explain headline and picture. Updates its previous review instead of adding another.',
    )
    .argument('[paths...]', 'Dockerfiles or directories (default: .)')
    .option('--repo <owner/name>', 'the repository (default: $GITHUB_REPOSITORY)')
    .option('--pr <number>', 'the pull request number (default: from $GITHUB_EVENT_PATH)')
    .option('--commit <sha>', 'the commit reviewed (default: the pull request\'s head)')
    .option('--api-url <url>', 'GitHub API URL (default: $GITHUB_API_URL or https://api.github.com)')
    .option('--token-env <name>', 'environment variable holding the token', 'GITHUB_TOKEN')
    .option('--no-explain', 'leave the explain headline and picture out of the body')
    .option('--dry-run', 'print the review (body and comments as JSON) without posting it')
    .option('--only <ids>', 'run only these transforms (comma-separated)', list)
    .option('--skip <ids>', 'do not run these transforms', list)
    .option('--unsafe', 'include unsafe fixes')
    .option('--syntax <ref>', 'the # syntax= reference, or "none"')
    .option('--context <dir>', 'build context directory')
    .option('--no-context', 'do not look at the build context')
    .option('--config <file>', 'config file (default: searched upward)')
    .option('--no-config', 'ignore config files')
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  const stop = parseSubcommandArgs(program, args, io, 'dockerfix review');
  if (stop !== null) return stop;
  const o = program.opts<{ repo?: string; pr?: string; commit?: string; apiUrl?: string; tokenEnv: string; explain: boolean; dryRun?: boolean; only?: string[]; skip?: string[]; unsafe?: boolean; syntax?: string; context?: string | false; config?: string | false }>();
  const fail = (m: string): number => {
    io.stderr.write(`dockerfix review: ${m}\n`);
    return 2;
  };
  let event: { pull_request?: { number?: number; head?: { sha?: string } } } = {};
  if (io.env.GITHUB_EVENT_PATH) {
    try {
      event = JSON.parse(fs.readFileSync(io.env.GITHUB_EVENT_PATH, 'utf8'));
    } catch (e) {
      return fail(`cannot read GITHUB_EVENT_PATH: ${(e as Error).message}`);
    }
  }
  const repository = o.repo ?? io.env.GITHUB_REPOSITORY;
  const pullNumber = Number(o.pr ?? event.pull_request?.number);
  const token = io.env[o.tokenEnv];
  if (!repository || !/^[^/\s]+\/[^/\s]+$/.test(repository)) return fail('no repository: pass --repo owner/name (or set GITHUB_REPOSITORY)');
  if (!Number.isInteger(pullNumber) || pullNumber <= 0) return fail('no pull request: pass --pr <number> (or run on a pull_request event)');
  if (!token && !o.dryRun) return fail(`no token in $${o.tokenEnv}`);

  // The changes, from the main command's JSON report.
  const sel: string[] = [];
  if (o.only) sel.push('--only', o.only.join(','));
  if (o.skip) sel.push('--skip', o.skip.join(','));
  if (o.unsafe) sel.push('--unsafe');
  if (o.syntax) sel.push('--syntax', o.syntax);
  if (typeof o.context === 'string') sel.push('--context', o.context);
  if (o.context === false) sel.push('--no-context');
  if (typeof o.config === 'string') sel.push('--config', o.config);
  if (o.config === false) sel.push('--no-config');
  const paths = program.args.length ? program.args : ['.'];
  const c = capture(io);
  const code = await main(['node', 'dockerfix', '--format', 'json', '--no-color', ...sel, ...paths], c.io);
  await new Promise((resolve) => setImmediate(resolve));
  let report: { files: JsonFile[] };
  try {
    report = JSON.parse(c.out());
  } catch {
    io.stderr.write(c.err());
    return code || 2;
  }
  io.stderr.write(c.err());
  const fileOptions = new FileOptions(newResolver(io.cwd, o.config), {
    only: o.only,
    skip: o.skip,
    syntax: o.syntax,
    unsafe: o.unsafe ? true : undefined,
    contextDir: typeof o.context === 'string' ? path.resolve(io.cwd, o.context) : undefined,
    noContext: o.context === false,
  });
  const files: ReviewFile[] = [];
  for (const f of report.files) {
    if (f.error) continue;
    const raw = fs.readFileSync(path.resolve(io.cwd, f.path), 'utf8');
    const bom = raw.startsWith('\ufeff') ? '\ufeff' : '';
    const text = raw.slice(bom.length);
    let after = text;
    for (const e of [...f.edits].sort((x, y) => y.range.start.offset - x.range.start.offset)) after = after.slice(0, e.range.start.offset) + e.text + after.slice(e.range.end.offset);
    const findings: Finding[] = f.findings.map((x) => ({
      transform: x.transform,
      kind: x.kind,
      severity: x.severity,
      message: x.message,
      line: x.range.start.line,
      column: x.range.start.column,
      endLine: x.range.end.line,
      endColumn: x.range.end.column,
      ...(x.fixKind ? { fixKind: x.fixKind } : {}),
      code: (x as { code?: string }).code ?? 'unknown',
      ...((x as { edits?: number[] }).edits?.length ? { edits: (x as { edits?: number[] }).edits } : {}),
    }));
    const edits: AppliedEdit[] = f.edits.map((e) => ({
      transform: e.transform,
      transforms: e.transforms,
      fixKind: e.fixKind,
      start: e.range.start.offset,
      end: e.range.end.offset,
      line: e.range.start.line,
      column: e.range.start.column,
      endLine: e.range.end.line,
      endColumn: e.range.end.column,
      text: e.text,
    }));
    const file: ReviewFile = { path: f.path, before: raw, after: bom + after, findings, edits };
    if (f.changed && o.explain) {
      try {
        const v = explainView(await explainFile(f.path, { change: { kind: 'any-source' }, fileOptions, contextDir: typeof o.context === 'string' ? path.resolve(io.cwd, o.context) : undefined, noContext: o.context === false, cwd: io.cwd }));
        file.headline = v.headline;
        file.explainMarkdown = renderMarkdown(v, { heading: '#####' });
      } catch {
        /* the review goes on without the picture */
      }
    }
    files.push(file);
  }
  try {
    const r = await postReview({
      token: token ?? '',
      repository,
      pullNumber,
      files,
      commitId: o.commit ?? event.pull_request?.head?.sha,
      apiUrl: o.apiUrl ?? io.env.GITHUB_API_URL,
      dryRun: o.dryRun,
      toolLine: `dockerfix ${packageVersion()}`,
    });
    if (o.dryRun) io.stdout.write(JSON.stringify({ action: r.action, body: r.body, comments: r.comments }, null, 2) + '\n');
    else
      io.stdout.write(
        `dockerfix review: ${r.action === 'none' ? 'nothing to post' : `${r.action} review ${r.reviewId}`} on ${repository}#${pullNumber}: ` +
          `${r.posted} suggestion${r.posted === 1 ? '' : 's'} posted, ${r.kept} kept, ${r.deleted} stale deleted, ${r.outside} change${r.outside === 1 ? '' : 's'} shown in the body\n`,
      );
    return code === 2 ? 2 : 0;
  } catch (e) {
    if (e instanceof GitHubApiError || e instanceof TypeError) return fail((e as Error).message);
    throw e;
  }
}
