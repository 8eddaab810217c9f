/**
 * pip-cache-mount — give `pip install` a BuildKit cache mount on pip's cache directory.
 *
 * Why: without it every rebuild of the install step downloads every package again and rebuilds
 * every sdist into a wheel. With `RUN --mount=type=cache,target=/root/.cache/pip` the cache
 * survives between builds on the same builder and never enters the image.
 * `--no-cache-dir` is removed from those commands: it would make pip ignore the mount.
 *
 * Fix safety: safe. A cache mount does not change what ends up in the image: the directory is
 * mounted only while the step runs (pip's cache lives outside site-packages). Steps run by a
 * user other than root are skipped unless that user's home is known, because a mount target
 * that does not exist is created owned by root and the user could not write its own cache.
 */
import { basename, programIndex, type ShellCommand, type Word } from '../src/shell.js';
import { hasMountCovering, insertFlagsEdit, removeWordEdit } from '../src/edit-helpers.js';
import { isWindowsStage, userAt } from '../src/images.js';
import type { DockerfileDocument, Instruction } from '../src/document.js';
import type { Edit, Transform, TransformContext, TransformFinding, TransformResult } from '../src/types.js';

const PIP_SUBCOMMANDS = new Set(['install', 'wheel', 'download']);

/** The words of a pip invocation starting at its subcommand, or null when it is not pip. */
export function pipInvocation(cmd: ShellCommand): { sub: Word; args: Word[] } | null {
  const w = cmd.words;
  const p = programIndex(w);
  if (p === -1) return null;
  const prog = basename(w[p].value);
  let i = p + 1;
  if (/^pip(3(\.\d+)?)?$/.test(prog)) {
    // pip [global options] <subcommand>
  } else if (/^python(3(\.\d+)?)?$/.test(prog)) {
    while (i < w.length && w[i].value.startsWith('-') && w[i].value !== '-m') i++;
    if (w[i]?.value !== '-m' || w[i + 1]?.value !== 'pip') return null;
    i += 2;
  } else return null;
  while (i < w.length && w[i].value.startsWith('-')) i++;
  const sub = w[i];
  if (!sub || !PIP_SUBCOMMANDS.has(sub.value)) return null;
  return { sub, args: w.slice(i + 1) };
}

export const pipCacheMount: Transform = {
  meta: {
    id: 'pip-cache-mount',
    summary: 'Add a BuildKit cache mount for pip to RUN steps that pip install, and drop --no-cache-dir',
    description:
      'Adds `--mount=type=cache,target=/root/.cache/pip` (or the directory `PIP_CACHE_DIR` names) to RUN ' +
      'steps that run `pip install`/`pip wheel`/`pip download` (also `pip3`, `python -m pip`), and removes ' +
      '`--no-cache-dir` from those commands so pip uses the cache. The mount is not part of the image, so the ' +
      'image is unchanged; rebuilds reuse downloaded and built wheels. Steps run as a non-root user, in Windows ' +
      'stages, in exec form, or with `PIP_NO_CACHE_DIR` set are skipped with a reason.',
    fixKind: 'safe',
    order: 20,
  },
  run(doc: DockerfileDocument, _ctx: TransformContext): TransformResult {
    const edits: Edit[] = [];
    const findings: TransformFinding[] = [];
    for (const instr of doc.instructions) {
      if (instr.upper !== 'RUN' || !instr.stage) continue;
      const where = { start: instr.keywordStart, end: instr.keywordEnd };
      if (instr.json) {
        if (/(^|\s|\/)pip3?(\.\d+)?\s+install\b|-m\s+pip\s+install/.test(instr.json.join(" "))) {
          findings.push({ kind: 'skipped', ...where, message: 'pip install in exec (JSON) form: not rewritten, the cache mount would need the shell form' });
        }
        continue;
      }
      const pips = instr.commands().map(pipInvocation).filter((x): x is NonNullable<typeof x> => x !== null);
      if (pips.length === 0) continue;
      if (isWindowsStage(instr.stage)) {
        findings.push({ kind: 'skipped', ...where, message: 'pip install in a Windows stage: Linux cache paths do not apply' });
        continue;
      }
      const state = instr.state();
      const noCache = state.env.get('PIP_NO_CACHE_DIR');
      if (noCache !== undefined) {
        findings.push({ kind: 'skipped', ...where, message: `PIP_NO_CACHE_DIR=${noCache} is set for this step, so pip would not use a cache mount; left unchanged` });
        continue;
      }
      const target = cacheTarget(instr);
      if (typeof target !== 'string') {
        findings.push({ kind: 'skipped', ...where, message: target.reason });
        continue;
      }
      const changes: string[] = [];
      const stepEdits: Edit[] = [];
      if (!hasMountCovering(instr, target)) {
        stepEdits.push(insertFlagsEdit(doc, instr, [`--mount=type=cache,target=${target}`]));
        changes.push(`added a cache mount at ${target} so pip reuses downloaded and built wheels across builds (the mount is not stored in the image)`);
      }
      const noCacheWords = pips.flatMap((p) => p.args.filter((a) => a.value === '--no-cache-dir' && !a.dynamic));
      for (const w of noCacheWords) stepEdits.push(removeWordEdit(doc, w));
      if (noCacheWords.length) changes.push('removed --no-cache-dir, which would make pip ignore the cache');
      if (stepEdits.length === 0) continue;
      edits.push(...stepEdits);
      findings.push({ kind: 'change', ...where, message: changes.join('; ') });
    }
    return { edits, findings };
  },
};

function cacheTarget(instr: Instruction): string | { reason: string } {
  const state = instr.state();
  const dir = state.env.get('PIP_CACHE_DIR');
  if (dir !== undefined) {
    if (!dir.startsWith('/') || dir.includes('$')) return { reason: `PIP_CACHE_DIR=${dir} is not a known absolute path; left unchanged` };
    return dir;
  }
  const user = userAt(instr);
  if (user.root) return '/root/.cache/pip';
  return {
    reason: `runs as user ${user.name}: a cache mount in its home would be created owned by root; left unchanged`,
  };
}

export default pipCacheMount;
