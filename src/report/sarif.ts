/**
 * `--format sarif`: SARIF 2.1.0 for GitHub code scanning (`github/codeql-action/upload-sarif`)
 * and other SARIF viewers. One rule per transform, one result per finding; a change carries the
 * edits its fix made (linked by the runner, `Finding.edits`) as a SARIF `fix` (artifactChanges/replacements with line/column regions, end exclusive,
 * columns in UTF-16 code units as declared by `columnKind`). File errors become tool
 * execution notifications, so a broken file does not masquerade as a code finding.
 */
import type { Finding } from '../core/types.js';
import type { ReportInput, RuleInfo } from './types.js';
import { editsOwners } from './fix-links.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

type Level = 'error' | 'warning' | 'note';

function level(f: Finding): Level {
  return f.kind === 'error' ? 'error' : f.kind === 'change' ? 'warning' : 'note';
}

function region(startLine: number, startColumn: number, endLine: number, endColumn: number): Record<string, number> {
  return { startLine, startColumn, endLine, endColumn };
}

/** An absolute http(s) URI, or undefined (SARIF requires `helpUri`/`informationUri` absolute). */
export function absoluteUri(ref: string | undefined, base?: string): string | undefined {
  if (!ref) return undefined;
  try {
    const u = base ? new URL(ref, base.endsWith('/') ? base : base + '/') : new URL(ref);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

export interface PackageMeta {
  homepage?: string;
  repository?: string | { url?: string };
}

/**
 * SARIF links from package metadata: `informationUri` = homepage (else the repository's web
 * page); docs links resolve against the repository's files on GitHub or GitLab (`blob/HEAD/`).
 * Nothing known, nothing linked.
 */
export function linksFromPackage(pkg: PackageMeta): { informationUri?: string; docsBase?: string } {
  const raw = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  let web: string | undefined;
  if (raw) {
    // github:o/r and o/r are GitHub shorthands; git+https://host/o/r.git, git://, ssh://git@host/o/r
    const short = /^(?:github:)?([\w.-]+\/[\w.-]+)$/.exec(raw);
    const full = short ? null : /^(?:git\+)?(?:https?|ssh|git):\/\/(?:git@)?([^/:]+)(?::\d+)?\/(.+?)(?:\.git)?\/?$/.exec(raw);
    if (short) web = `https://github.com/${short[1].replace(/\.git$/, '')}`;
    else if (full) web = `https://${full[1]}/${full[2]}`;
  }
  web = absoluteUri(web);
  const docsBase = web && /^https:\/\/(github\.com|gitlab\.com)\//.test(web) ? `${web}${web.startsWith('https://gitlab.com/') ? '/-' : ''}/blob/HEAD/` : undefined;
  const informationUri = absoluteUri(pkg.homepage) ?? web;
  return { ...(informationUri ? { informationUri } : {}), ...(docsBase ? { docsBase } : {}) };
}

function helpUri(docsUrl: string | undefined, docsBase: string | undefined): { helpUri?: string } {
  const uri = absoluteUri(docsUrl, docsBase);
  return uri ? { helpUri: uri } : {};
}

export function buildSarif(input: ReportInput, rules: readonly RuleInfo[]): object {
  const ruleIds = new Set(rules.map((r) => r.id));
  const used = new Set(input.files.flatMap((f) => f.outcome.findings.map((x) => x.transform)));
  const extra = [...used].filter((id) => !ruleIds.has(id)).map((id) => ({ id, summary: id, description: id, fixKind: 'safe' as const }));
  const allRules: RuleInfo[] = [...rules, ...extra];
  const informationUri = absoluteUri(input.links?.informationUri);
  const docsBase = absoluteUri(input.links?.docsBase);
  const ruleIndex = new Map(allRules.map((r, i) => [r.id, i]));
  const results: object[] = [];
  const notifications: object[] = [];
  for (const e of input.errors) {
    notifications.push({ level: 'error', message: { text: `${e.path}: ${e.message}` } });
  }
  for (const { path, outcome } of input.files) {
    const uri = path.split('/').map(encodeURIComponent).join('/');
    if (outcome.error) {
      notifications.push({
        level: 'error',
        message: { text: `${path}: ${outcome.error.message}` },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri, uriBaseId: '%SRCROOT%' },
              ...(outcome.error.line ? { region: { startLine: outcome.error.line, startColumn: outcome.error.column ?? 1 } } : {}),
            },
          },
        ],
      });
      continue;
    }
    // Each applied change names the edits its fix made (the runner links them).
    const edits = outcome.edits ?? [];
    // A fix shared by many findings goes on the first one's result only (src/report/fix-links.ts).
    const owners = editsOwners(outcome.findings);
    const resultOf: number[] = [];
    for (const [i, f] of outcome.findings.entries()) {
      const owner = owners[i];
      resultOf.push(results.length);
      const mine = owner >= 0 ? [] : (f.edits ?? []).flatMap((k) => (edits[k] ? [edits[k]] : []));
      results.push({
        ruleId: f.transform,
        ruleIndex: ruleIndex.get(f.transform),
        level: level(f),
        message: { text: f.message },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri, uriBaseId: '%SRCROOT%' },
              region: region(f.line, f.column, f.endLine, Math.max(f.endColumn, f.line === f.endLine ? f.column : 1)),
            },
          },
        ],
        ...(mine.length
          ? {
              fixes: [
                {
                  description: { text: `${f.transform}: ${f.message}` },
                  artifactChanges: [
                    {
                      artifactLocation: { uri, uriBaseId: '%SRCROOT%' },
                      replacements: mine.map((e) => ({
                        deletedRegion: region(e.line, e.column, e.endLine, e.endColumn),
                        ...(e.text ? { insertedContent: { text: e.text } } : {}),
                      })),
                    },
                  ],
                },
              ],
            }
          : {}),
        properties: { kind: f.kind, code: `${f.transform}/${f.code}`, ...(f.fixKind ? { fixKind: f.fixKind } : {}), ...(owner >= 0 ? { fixInResult: resultOf[owner] } : {}) },
      });
    }
  }
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: input.tool.name,
            version: input.tool.version,
            semanticVersion: input.tool.version,
            ...(informationUri ? { informationUri } : {}),
            rules: allRules.map((r) => ({
              id: r.id,
              name: r.id.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase()),
              shortDescription: { text: r.summary },
              fullDescription: { text: r.description },
              // Absolute or absent: a relative link means nothing in a code-scanning UI.
              ...helpUri(r.docsUrl, docsBase),
              help: { text: r.description },
              defaultConfiguration: { level: 'warning' },
              properties: { fixKind: r.fixKind, tags: ['dockerfile', 'build-cache'] },
            })),
          },
        },
        invocations: [{ executionSuccessful: notifications.length === 0, toolExecutionNotifications: notifications }],
        columnKind: 'utf16CodeUnits',
        originalUriBaseIds: { '%SRCROOT%': { description: { text: 'The directory dockerfix was run in' } } },
        results,
      },
    ],
  };
}

export function renderSarif(input: ReportInput, rules: readonly RuleInfo[]): string {
  return JSON.stringify(buildSarif(input, rules), null, 2) + '\n';
}
