/**
 * Does the repository run hadolint? A `.hadolint.y(a)ml` (at a folder from the Dockerfile's up to
 * the git root), a hadolint step in a GitHub Actions workflow (`hadolint/hadolint-action`, or a
 * `hadolint` command in a `run:` step) or a hadolint hook in `.pre-commit-config.yaml` (hook id
 * `hadolint` / `hadolint-docker`). Its `ignored` list is read too: a rule it ignores needs no
 * inline ignore comment. Used by pip-cache-mount (Options.hadolint): removing `--no-cache-dir`
 * makes hadolint's DL3042 fire, so the step gets `# hadolint ignore=DL3042`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { get, isSeq, pairs, parseYaml, str } from './yaml-util.js';
import { readRegular } from './read.js';

export interface HadolintUse {
  /** The file that shows it (absolute). */
  source: string;
  /** Rules the hadolint config ignores for the whole repository. */
  ignored: string[];
}

function list(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

function configIgnored(text: string): string[] {
  const y = parseYaml(text);
  if ('error' in y) return [];
  const ig = get(y.doc.contents, 'ignored')?.value;
  return isSeq(ig) ? ig.items.map((i) => str(i) ?? '').filter(Boolean) : [];
}

function workflowRunsHadolint(text: string): boolean {
  if (!/hadolint/i.test(text)) return false;
  const y = parseYaml(text);
  if ('error' in y) return false;
  for (const job of pairs(get(y.doc.contents, 'jobs')?.value)) {
    const steps = get(job.value, 'steps')?.value;
    if (!isSeq(steps)) continue;
    for (const step of steps.items) {
      if (/^hadolint\/hadolint-action@/.test(str(get(step, 'uses')?.value) ?? '')) return true;
      if (/(^|[\s/;&|])hadolint(\s|$)/m.test(str(get(step, 'run')?.value) ?? '')) return true;
    }
  }
  return false;
}

function preCommitRunsHadolint(text: string): boolean {
  if (!/hadolint/i.test(text)) return false;
  const y = parseYaml(text);
  if ('error' in y) return false;
  const repos = get(y.doc.contents, 'repos')?.value;
  if (!isSeq(repos)) return false;
  for (const r of repos.items) {
    const hooks = get(r, 'hooks')?.value;
    if (isSeq(hooks) && hooks.items.some((h) => /^hadolint(-docker)?$/.test(str(get(h, 'id')?.value) ?? ''))) return true;
  }
  return false;
}

/** From the Dockerfile's folder up to `root` (inclusive). */
export function findHadolint(dockerfile: string, root: string): HadolintUse | null {
  let found: HadolintUse | null = null;
  let ignored: string[] | null = null;
  let d = path.dirname(dockerfile);
  for (;;) {
    const names = new Set(list(d));
    for (const n of ['.hadolint.yaml', '.hadolint.yml']) {
      if (!names.has(n) || ignored !== null) continue;
      const text = readRegular(path.join(d, n));
      if (text === null) continue;
      ignored = configIgnored(text);
      found ??= { source: path.join(d, n), ignored: [] };
    }
    if (!found && names.has('.pre-commit-config.yaml')) {
      const f = path.join(d, '.pre-commit-config.yaml');
      const text = readRegular(f);
      if (text !== null && preCommitRunsHadolint(text)) found = { source: f, ignored: [] };
    }
    if (!found && names.has('.github')) {
      const wf = path.join(d, '.github', 'workflows');
      for (const n of list(wf).sort()) {
        if (!/\.ya?ml$/.test(n)) continue;
        const text = readRegular(path.join(wf, n));
        if (text !== null && workflowRunsHadolint(text)) {
          found = { source: path.join(wf, n), ignored: [] };
          break;
        }
      }
    }
    const r = path.relative(root, d);
    if (r === '' || r.startsWith('..') || path.isAbsolute(r)) break;
    const parent = path.dirname(d);
    if (parent === d) break;
    d = parent;
  }
  return found ? { ...found, ignored: ignored ?? [] } : null;
}
