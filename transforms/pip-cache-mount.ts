/**
 * pip-cache-mount — give `pip install` (`pip`, `pip3`, `python -m pip`, `pip wheel`,
 * `pip download`, also `--user`) a BuildKit cache mount on pip's cache directory.
 *
 * Why: without it every rebuild of the install step downloads every package again and rebuilds
 * every sdist into a wheel. With `RUN --mount=type=cache,target=/root/.cache/pip` the cache
 * survives between builds on the same builder and never enters the image.
 *
 * What else changes: `--no-cache-dir` is removed from those commands, and when
 * `PIP_NO_CACHE_DIR` is in effect (ENV or ARG) the command gets `PIP_NO_CACHE_DIR=` (empty):
 * pip treats *any* valid value of that variable, even `0`/`false`, as "no cache", and ignores
 * empty values (measured with pip 23.0.1 in ../shared/docker-lab). The ENV itself stays, so the
 * image config is unchanged. The target follows `PIP_CACHE_DIR`, `XDG_CACHE_HOME` and `HOME`
 * (ENV/ARG of the stage and its parent stages, and `VAR=x` on the command). For a non-root
 * `USER` with a known uid the mount goes to `/tmp/pip-cache` (`uid=`/`gid=` set) and the command
 * gets `PIP_CACHE_DIR=/tmp/pip-cache`; with an unknown uid the step is skipped. `pip cache purge`
 * and `rm -rf` of the cache directory are removed from the mounted step only.
 *
 * Fix safety: safe. The mount is only present while the step runs and pip's cache lives outside
 * site-packages, so the image files are the same (checked with `lab diff-images`, see
 * docs/cache-mounts.md); only the cache no longer lands in the image.
 */
import { cacheMountSpec, runCacheMounts } from '../src/analysis/cache-mount.js';
import type { DockerfileDocument } from '../src/core/document.js';
import { optionOf } from '../src/core/transform-options.js';
import type { Transform, TransformContext, TransformResult } from '../src/core/types.js';

// What the tool is, where its cache lives and what disables or empties it: src/ecosystems/.
export const pipCacheMount: Transform = {
  meta: {
    id: 'pip-cache-mount',
    summary: 'Add a BuildKit cache mount for pip to RUN steps that pip install, and drop --no-cache-dir',
    description:
      'Adds `--mount=type=cache,target=/root/.cache/pip` (or the directory `PIP_CACHE_DIR`/`XDG_CACHE_HOME`/`HOME` give) to RUN ' +
      'steps that run `pip install`/`pip wheel`/`pip download` (also `pip3`, `python -m pip`, `--user`), removes ' +
      '`--no-cache-dir` and neutralises `PIP_NO_CACHE_DIR` for those commands so pip uses the cache. The mount is not part ' +
      'of the image, so the image files are unchanged; rebuilds reuse downloaded and built wheels. Non-root users get a ' +
      'mount outside their home with uid/gid and PIP_CACHE_DIR on the command; Windows stages, exec form and users with an ' +
      'unknown uid are skipped with a reason.',
    fixKind: 'safe',
    unsafeFixes: 'when the step may run as a user other than root (its home and cache directory are then not known)',
    order: 30,
    docsUrl: 'docs/cache-mounts.md#pip-cache-mount',
    options: {
      hadolintIgnore: {
        type: 'boolean',
        default: true,
        description: 'When the repository runs hadolint, add `# hadolint ignore=DL3042` above pip steps whose --no-cache-dir is removed.',
      },
    },
  },
  run(doc: DockerfileDocument, ctx: TransformContext): TransformResult {
    return hadolintIgnore(doc, ctx, runCacheMounts(doc, ctx, cacheMountSpec('pip-cache-mount')));
  },
};

/**
 * The repository runs hadolint (Options.hadolint, found by src/builds): a step whose
 * `--no-cache-dir` this change removes would make hadolint's DL3042 fire (hadolint does not
 * recognise pip cache mounts), so `# hadolint ignore=DL3042` goes on the line above it (added to
 * an ignore comment already there). Not when the hadolint config ignores DL3042, nor with
 * transformOptions `{"pip-cache-mount": {"hadolintIgnore": false}}`.
 */
function hadolintIgnore(doc: DockerfileDocument, ctx: TransformContext, r: TransformResult): TransformResult {
  const h = ctx.options.hadolint;
  if (!h || h.ignored.includes('DL3042') || !optionOf<boolean>(ctx, pipCacheMount.meta, 'hadolintIgnore')) return r;
  const diagnostics = r.diagnostics.map((f) => {
    if (f.kind !== 'change' || !f.fix) return f;
    const instr = doc.instructions.find((i) => i.keywordStart === f.range.start);
    if (!instr) return f;
    const edits = [...f.fix.edits];
    const removes = edits.some((e) => e.start >= instr.start && e.end <= instr.end && /--no-cache-dir/.test(doc.text.slice(e.start, e.end)));
    if (!removes) return f;
    const lineStart = doc.text.lastIndexOf('\n', instr.start - 1) + 1;
    const prevStart = lineStart > 0 ? doc.text.lastIndexOf('\n', lineStart - 2) + 1 : -1;
    const prev = prevStart >= 0 ? doc.text.slice(prevStart, lineStart).replace(/\r?\n$/, '') : '';
    const m = /^(\s*#\s*hadolint\s+ignore=)([A-Za-z0-9_,\s]*?)(\s*)$/.exec(prev);
    const source = h.source;
    if (m) {
      if (m[2].split(/[\s,]+/).includes('DL3042')) return f;
      const at = prevStart + m[1].length + m[2].length;
      edits.push({ start: at, end: at, text: ',DL3042' });
    } else {
      const indent = /^[ \t]*/.exec(doc.text.slice(lineStart, instr.start))![0];
      edits.push({ start: lineStart, end: lineStart, text: `${indent}# hadolint ignore=DL3042${doc.eol}` });
    }
    return { ...f, fix: { applicability: f.fix.applicability, edits }, message: `${f.message}; added \`# hadolint ignore=DL3042\` above it: this repository runs hadolint (${source}), whose DL3042 asks for --no-cache-dir and does not yet recognise a pip cache mount` };
  });
  return { diagnostics };
}

export default pipCacheMount;

export { pipInvocation, pipCacheDir } from '../src/ecosystems/pip.js';
