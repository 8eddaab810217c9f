/**
 * `--format sarif` against the official SARIF 2.1.0 schema (OASIS errata 01, test/schemas/) with
 * format validation ON (`uri`, `uri-reference`, …), and against SARIF Multitool's own schema and
 * validation rules, GitHub's upload rules (GH10xx) included, when `.ci/setup.d/sarif-multitool.sh`
 * has installed the Multitool (the test says so when it has not).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import AjvDraft04 from 'ajv-draft-04';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { ROOT, runCli, tempDir } from './helpers/cli.js';
import { buildSarif, linksFromPackage } from '../src/report/sarif.js';
import { processText } from '../src/pipeline/engine.js';
import { loadTransforms } from '../transforms/index.js';

const OFFICIAL = JSON.parse(fs.readFileSync(path.join(ROOT, 'test/schemas/sarif-schema-2.1.0.json'), 'utf8'));
const MULTITOOL_DIR = process.env.SARIF_MULTITOOL_DIR ?? path.join(os.homedir(), '.cache/dockerfix-ci/sarif-multitool');
const MULTITOOL_PKG = path.join(MULTITOOL_DIR, 'node_modules/@microsoft/sarif-multitool-linux');
const MULTITOOL = path.join(MULTITOOL_PKG, 'Sarif.Multitool');

function officialValidator() {
  // The official schema is draft-04; every `format` it names is checked (unknown ones are errors).
  const ajv = new AjvDraft04({ allErrors: true, strict: false, validateFormats: true });
  addFormats(ajv);
  return ajv.compile(OFFICIAL);
}

const FILES = {
  'Dockerfile': 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install --no-cache-dir -r requirements.txt\n',
  'requirements.txt': 'flask\n',
  'svc/Dockerfile': 'FROM python:3.12-slim\nUSER app\nRUN pip install flask\n',
  'bad/Dockerfile': 'FROM a\n\0\n',
};

async function inProcessLog(links: { informationUri?: string; docsBase?: string } | undefined): Promise<{ log: Record<string, any>; rules: Awaited<ReturnType<typeof loadTransforms>> }> {
  const all = await loadTransforms();
  const outcome = processText(FILES['Dockerfile'], 'Dockerfile', { transforms: all });
  const log = buildSarif(
    { tool: { name: 'dockerfix', version: '0.1.0' }, ...(links ? { links } : {}), mode: 'dry-run', files: [{ path: 'Dockerfile', outcome, written: false }], errors: [] },
    all.map((t) => t.meta),
  ) as Record<string, any>;
  return { log, rules: all };
}

function uris(log: Record<string, any>): string[] {
  const driver = log.runs[0].tool.driver;
  return [driver.informationUri, ...driver.rules.map((r: { helpUri?: string }) => r.helpUri)].filter((u): u is string => u !== undefined);
}

describe('SARIF: the official 2.1.0 schema with formats on', () => {
  it('the CLI output validates (every link absolute or absent), file errors included', () => {
    const dir = tempDir(FILES);
    const r = runCli(['--format', 'sarif', '.'], dir);
    expect(r.code).toBe(2); // bad/Dockerfile is binary
    const log = JSON.parse(r.stdout);
    const validate = officialValidator();
    expect(validate(log), JSON.stringify(validate.errors?.slice(0, 5), null, 1)).toBe(true);
    for (const u of uris(log)) expect(u).toMatch(/^https?:\/\//);
    // The validator does check formats: a relative helpUri (what 0.1.0 printed) is rejected.
    const broken = structuredClone(log);
    broken.runs[0].tool.driver.rules[0].helpUri = 'docs/cache-mounts.md#apt-cache-mount';
    expect(validate(broken)).toBe(false);
    expect(JSON.stringify(validate.errors)).toContain('"format":"uri"');
  });

  it('with a repository known, informationUri and every rule with docs get absolute links', async () => {
    const { log, rules } = await inProcessLog(linksFromPackage({ repository: { url: 'git+https://github.com/example/dockerfix.git' } }));
    const validate = officialValidator();
    expect(validate(log), JSON.stringify(validate.errors?.slice(0, 5), null, 1)).toBe(true);
    const driver = log.runs[0].tool.driver;
    expect(driver.informationUri).toBe('https://github.com/example/dockerfix');
    const withDocs = rules.filter((t) => t.meta.docsUrl);
    expect(withDocs.length).toBeGreaterThan(10);
    for (const t of withDocs) {
      const rule = driver.rules.find((r: { id: string }) => r.id === t.meta.id);
      expect(rule.helpUri).toBe(`https://github.com/example/dockerfix/blob/HEAD/${t.meta.docsUrl}`);
    }
  });

  it('package metadata to links: GitHub shorthands, GitLab, other hosts, nothing', () => {
    expect(linksFromPackage({ repository: 'github:o/r' })).toEqual({ informationUri: 'https://github.com/o/r', docsBase: 'https://github.com/o/r/blob/HEAD/' });
    expect(linksFromPackage({ repository: 'o/r', homepage: 'https://example.org/dockerfix' })).toEqual({ informationUri: 'https://example.org/dockerfix', docsBase: 'https://github.com/o/r/blob/HEAD/' });
    expect(linksFromPackage({ repository: { url: 'git+ssh://git@gitlab.com/g/r.git' } })).toEqual({ informationUri: 'https://gitlab.com/g/r', docsBase: 'https://gitlab.com/g/r/-/blob/HEAD/' });
    expect(linksFromPackage({ repository: 'https://git.example.org/o/r.git' })).toEqual({ informationUri: 'https://git.example.org/o/r' });
    expect(linksFromPackage({ homepage: 'not a url' })).toEqual({});
    expect(linksFromPackage({})).toEqual({});
  });
});

const multitoolMissing = fs.existsSync(MULTITOOL) ? undefined : `SARIF Multitool not installed at ${MULTITOOL_DIR} (run .ci/setup.d/sarif-multitool.sh, or set SARIF_MULTITOOL_DIR)`;

interface MultitoolResult {
  ruleId: string;
  level?: string;
  message: { text?: string };
}

/** `Sarif.Multitool validate` with the SARIF and GitHub rule sets; the results it reports. */
function multitool(log: object): MultitoolResult[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfix-sarif-'));
  fs.writeFileSync(path.join(dir, 'in.sarif'), JSON.stringify(log, null, 2));
  const r = spawnSync(MULTITOOL, ['validate', 'in.sarif', '-o', 'out.sarif', '--log', 'ForceOverwrite', '--rule-kind', 'Sarif;Gh', '--level', 'Error;Warning;Note'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1' },
  });
  expect(r.error, String(r.error)).toBeUndefined();
  expect(fs.existsSync(path.join(dir, 'out.sarif')), r.stdout + r.stderr).toBe(true);
  const out = JSON.parse(fs.readFileSync(path.join(dir, 'out.sarif'), 'utf8'));
  fs.rmSync(dir, { recursive: true, force: true });
  return out.runs[0].results ?? [];
}

const problems = (rs: MultitoolResult[]) => rs.filter((x) => x.level === 'error' || x.level === 'warning' || x.level === undefined).map((x) => `${x.ruleId}: ${x.message.text}`);

describe('SARIF: SARIF Multitool (its schema, SARIF rules and GitHub rules)', () => {
  it('no error or warning for a log with links, nor for the CLI output (informationUri only when package.json has a home)', async (ctx) => {
    if (multitoolMissing) {
      console.log(`sarif-official: Multitool checks skipped: ${multitoolMissing}`);
      ctx.skip();
    }
    const { log } = await inProcessLog(linksFromPackage({ repository: 'github:example/dockerfix' }));
    expect(problems(multitool(log))).toEqual([]);
    // The Multitool's own copy of the schema, formats on, agrees.
    const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: true });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(fs.readFileSync(path.join(MULTITOOL_PKG, 'sarif-2.1.0.json'), 'utf8')));
    expect(validate(log), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);

    const dir = tempDir(FILES);
    const cli = JSON.parse(runCli(['--format', 'sarif', '.'], dir).stdout);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const found = problems(multitool(cli));
    // SARIF2005 asks for informationUri: given whenever package.json names a homepage or repository.
    expect(found.filter((p) => !(p.startsWith('SARIF2005') && !pkg.homepage && !pkg.repository))).toEqual([]);
    // And it does catch what 0.1.0 printed.
    const old = structuredClone(log);
    old.runs[0].tool.driver.rules[0].helpUri = 'docs/cache-mounts.md#apt-cache-mount';
    delete old.runs[0].tool.driver.informationUri;
    expect(problems(multitool(old)).map((p) => p.split(':')[0]).sort()).toEqual(['SARIF1002', 'SARIF2005']);
  }, 240_000);
});
