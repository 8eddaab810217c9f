/**
 * apt-cache-mount — give RUN steps that `apt-get install` / `apt install` BuildKit cache mounts
 * on `/var/cache/apt` (downloaded .debs) and `/var/lib/apt/lists` (package indexes), both
 * `sharing=locked` because apt takes a lock in each.
 *
 * Why: every rebuild of such a step downloads the indexes and every package again. With the
 * mounts they stay on the builder between builds and never enter the image.
 *
 * How, and why this form: official Debian/Ubuntu images ship
 * `/etc/apt/apt.conf.d/docker-clean`, which deletes downloaded .debs after every run, so a
 * mount on `/var/cache/apt` would stay empty. Docker's documented recipe deletes that file for
 * good and mounts all of `/var/lib/apt`; measured in ../shared/docker-lab, that image has a
 * different `/etc/apt/apt.conf.d` and lacks `/var/lib/apt/extended_states` (apt's record of
 * auto-installed packages). Here the step instead moves `docker-clean` aside at its start and
 * puts it back at its end, in the same RUN (`mv ... 2>/dev/null || true; <step> && { mv back ||
 * true; }`): the restore runs exactly when the step succeeds, so the exit status is the step's,
 * and a failing step fails the build as before. Only `/var/lib/apt/lists` is mounted, never all of
 * `/var/lib/apt`. The lists are mounted only when the step runs `apt-get update` and deletes the
 * lists itself afterwards (`rm -rf /var/lib/apt/lists/*`, `apt-get dist-clean`): only then did the
 * original image have no lists, so no later step, script, child stage or running container can
 * rely on them (a script that runs `apt-get install` without an update is invisible here); a
 * mount hides the lists from the image. `apt-get clean`/`autoclean` and `rm -rf` of the mounted
 * directories are removed from the mounted step only (they would empty the cache; the mounts are
 * not stored in the image, so it stays as small); the rest of the step (`&&`/`;` chains,
 * continuation lines, comments) is kept. Stages whose base is known not to be Debian-like
 * (alpine, rhel, distroless, scratch, windows) and non-root steps are left alone.
 *
 * Fix safety: safe. `lab diff-images` of the original and the rewritten step (bookworm, `apt-get
 * update && apt-get install jq && rm -rf /var/lib/apt/lists/*`) reports the images equivalent;
 * a full listing without the lab's default exclusions differs only in apt's own lock file and
 * the mode of `/var/cache/apt/archives/partial` (apt's cache bookkeeping) plus log timestamps.
 * See docs/cache-mounts.md.
 */
import { cacheMountSpec, runCacheMounts } from '../src/analysis/cache-mount.js';
import { WRAP_NOTE_TAIL } from '../src/ecosystems/apt.js';
import type { DockerfileDocument } from '../src/core/document.js';
import type { Transform, TransformContext, TransformResult } from '../src/core/types.js';

// What the tool is, where its cache lives and what disables or empties it: src/ecosystems/.
export const aptCacheMount: Transform = {
  meta: {
    id: 'apt-cache-mount',
    summary: 'Add sharing=locked cache mounts on /var/cache/apt and /var/lib/apt/lists to apt-get install steps, keeping the image identical',
    description:
      'Adds `--mount=type=cache,target=/var/cache/apt,sharing=locked` and (when the step runs `apt-get update` itself) ' +
      '`--mount=type=cache,target=/var/lib/apt/lists,sharing=locked` to RUN steps that run `apt-get install`/`apt install`. ' +
      "The official images' `docker-clean` apt hook, which would keep the mount empty, is moved aside for the duration of " +
      'the step and restored at its end, so the image files stay the same (checked with `lab diff-images`). `apt-get clean` ' +
      'and `rm -rf /var/lib/apt/lists/*` are removed from that step only. Non-Debian stages, non-root steps, Windows ' +
      'stages and exec form are left alone with a reason.',
    fixKind: 'safe',
    unsafeFixes: 'when the step may run as a user other than root (its home and cache directory are then not known)',
    order: 22,
    docsUrl: 'docs/cache-mounts.md#apt-cache-mount',
  },
  run(doc: DockerfileDocument, ctx: TransformContext): TransformResult {
    return explainOnce(doc, runCacheMounts(doc, ctx, cacheMountSpec('apt-cache-mount')));
  },
};

/**
 * The long explanation of the docker-clean wrap is given once per file, on its first change;
 * every later step says only what it does and where the reason is.
 */
function explainOnce(doc: DockerfileDocument, result: TransformResult): TransformResult {
  let firstLine: number | undefined;
  for (const f of result.diagnostics) {
    if (f.kind !== 'change' || !f.message.includes(WRAP_NOTE_TAIL)) continue;
    if (firstLine === undefined) {
      // Looked up only until found (a search per finding made big files quadratic).
      firstLine = doc.instructions.find((i) => i.keywordStart === f.range.start)?.line;
      continue;
    }
    f.message = f.message.replace(WRAP_NOTE_TAIL, ` (why: see the apt-cache-mount change at line ${firstLine})`);
  }
  return result;
}

export default aptCacheMount;

export { DOCKER_CLEAN, aptSubcommand } from '../src/ecosystems/apt.js';
