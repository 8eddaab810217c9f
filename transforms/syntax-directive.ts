/**
 * syntax-directive — add `# syntax=docker/dockerfile:1` when this run introduced BuildKit-only
 * syntax (cache mounts, heredocs, COPY --link ...) to a file that had none.
 *
 * Why: older builders (Docker < 23 without BuildKit defaults) only understand such syntax when
 * the Dockerfile asks for the newer frontend. The directive makes the builder pull that frontend
 * image, which fails offline, so it is configurable: `--syntax <ref>` to pin a reference,
 * `--syntax none` to never add one. An existing directive is kept as it is. The directive goes on
 * the very first line: below any comment it would be an ordinary comment. A file with a Windows
 * stage (a Windows image name, a cmd/powershell SHELL, `C:\\` paths) never gets the directive:
 * it names a Linux frontend image, which Windows builders cannot run.
 *
 * Fix safety: safe. Only the frontend that parses the file changes.
 */
import { buildkitFeatures } from '../src/core/buildkit.js';
import { isWindowsStage, whyWindows } from '../src/analysis/images.js';
import type { DockerfileDocument } from '../src/core/document.js';
import type { Transform, TransformContext, TransformResult } from '../src/core/types.js';
import { optionOf } from '../src/core/transform-options.js';

export const syntaxDirective: Transform = {
  meta: {
    id: 'syntax-directive',
    summary: 'Add a # syntax= directive when the rewrite introduces BuildKit-only syntax (configurable, --syntax none)',
    description:
      'When the rewritten file uses BuildKit-only syntax (RUN --mount, heredocs, COPY --link/--chmod, ...) that the ' +
      'input did not use, and the file has no `# syntax=` directive, inserts `# syntax=<ref>` as the first line. ' +
      '`--syntax <ref>` chooses the reference (default `docker/dockerfile:1`), `--syntax none` disables it. ' +
      'Files that already used BuildKit syntax without a directive are left alone: they already build where the user builds them.',
    fixKind: 'safe',
    order: 1000,
    options: {
      syntax: {
        type: 'string',
        default: 'docker/dockerfile:1',
        description: 'The `# syntax=` reference to add when needed, or `none` to never add one.',
        flag: '--syntax',
      },
    },
  },
  run(doc: DockerfileDocument, ctx: TransformContext): TransformResult {
    const ref = optionOf<string>(ctx, syntaxDirective.meta, 'syntax');
    if (!ref || ref === 'none' || doc.directive('syntax')) return { diagnostics: [] };
    const now = buildkitFeatures(doc);
    if (now.length === 0) return { diagnostics: [] };
    const before = new Set(buildkitFeatures(ctx.original));
    if (before.size > 0) return { diagnostics: [] };
    const win = doc.stages.find((s) => isWindowsStage(s));
    if (win) {
      // The directive names a Linux frontend image, which Windows builders do not use; a file
      // that mixes Windows and Linux stages is built by both, so it does not get it either.
      const sign = whyWindows(win);
      return {
        diagnostics: [
          {
            kind: 'skipped',
            code: 'windows-stage',
            range: { start: 0, end: 0 },
            message: `no "# syntax=" directive added for the ${now.join(', ')} the file now uses: the stage at line ${win.from.line} is a Windows stage${sign ? ` (${sign})` : ''}, and Windows builders do not use the BuildKit frontend image the directive names`,
          },
        ],
      };
    }
    const eol = doc.text.length ? doc.eolAt(0) : '\n';
    return {
      diagnostics: [
        {
          kind: 'change',
          code: 'added',
          range: { start: 0, end: 0 },
          fix: { applicability: 'safe', edits: [{ start: 0, end: 0, text: `# syntax=${ref}${eol}` }] },
          message: `adds "# syntax=${ref}" because the file now uses ${now.join(', ')}, which older builders only accept with the BuildKit frontend; use --syntax none to leave it out (Docker 23+ builds it without) or --syntax <ref> to pin one`,
        },
      ],
    };
  },
};

export default syntaxDirective;
