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
import { runCacheMounts, program, subcommandIndex, type CacheDir } from '../src/analysis/cache-mount.js';
import type { ShellCommand } from '../src/core/shell.js';
import type { DockerfileDocument, Instruction, Stage } from '../src/core/document.js';
import type { Transform, TransformContext, TransformResult } from '../src/core/types.js';

const WITH_VALUE = new Set(['-o', '-c', '-t', '--option', '--config-file', '--target-release', '-a', '--host-architecture']);
const DOWNLOADS = new Set(['install', 'upgrade', 'dist-upgrade', 'full-upgrade', 'build-dep', 'reinstall']);
export const DOCKER_CLEAN = '/etc/apt/apt.conf.d/docker-clean';
const PARKED = '/etc/apt/docker-clean.off';
const PREFIX = `mv ${DOCKER_CLEAN} ${PARKED} 2>/dev/null || true;`;
const SUFFIX = `{ mv ${PARKED} ${DOCKER_CLEAN} 2>/dev/null || true; }`;

/** `apt-get <sub>` / `apt <sub>`: the subcommand, or null. */
export function aptSubcommand(cmd: ShellCommand): string | null {
  const p = program(cmd);
  if (!p || (p.name !== 'apt-get' && p.name !== 'apt')) return null;
  const i = subcommandIndex(cmd.words, p.index + 1, WITH_VALUE);
  return cmd.words[i]?.value ?? null;
}

interface StageFacts {
  /** cleanRemovedAt: position of the first RUN that removes docker-clean, or Infinity. */
  cleanRemovedAt: number;
}

// Per-document facts, computed once: big files have tens of thousands of steps.
const factsCache = new WeakMap<DockerfileDocument, Map<Stage, StageFacts>>();

function stageFacts(doc: DockerfileDocument): Map<Stage, StageFacts> {
  let m = factsCache.get(doc);
  if (m) return m;
  m = new Map();
  for (const s of doc.stages) {
    const cleanRemovedAt = s.instructions.findIndex(
      (i) => i.upper === 'RUN' && i.mayHold('docker-clean') && i.commands().some((c) => program(c)?.name === 'rm' && c.words.some((w) => w.value === DOCKER_CLEAN)),
    );
    m.set(s, { cleanRemovedAt: cleanRemovedAt === -1 ? Infinity : cleanRemovedAt });
  }
  factsCache.set(doc, m);
  return m;
}

const LISTS = '/var/lib/apt/lists';

/** Does `rm` (or `apt-get dist-clean`) delete the package lists? */
function deletesLists(c: ShellCommand): boolean {
  const sub = aptSubcommand(c);
  if (sub === 'dist-clean' || sub === 'distclean') return true;
  const p = program(c);
  if (!p || p.name !== 'rm') return false;
  return c.words.slice(p.index + 1).some((w) => {
    const v = w.value.replace(/\/+$/, '');
    return v === LISTS || v === `${LISTS}/*` || v === '/var/lib/apt' || v === '/var/lib/apt/*';
  });
}

/**
 * Does the step delete the package lists after its last `apt-get update`? Only then did the
 * original image have no lists, so nothing later (a step, a script, a child stage, the running
 * container) can rely on them, and a cache mount may keep them instead. Otherwise the lists stay
 * in the image: a script or child stage may install without its own update.
 */
function listsDeletedAfterUpdate(cmds: ShellCommand[]): boolean {
  let lastUpdate = -1;
  let lastDelete = -1;
  cmds.forEach((c, k) => {
    if (aptSubcommand(c) === 'update') lastUpdate = k;
    if (deletesLists(c)) lastDelete = k;
  });
  return lastUpdate !== -1 && lastDelete > lastUpdate;
}

/** Was docker-clean removed by an earlier step of the stage chain? Then there is nothing to park. */
function dockerCleanRemovedBefore(instr: Instruction): boolean {
  const facts = stageFacts(instr.doc);
  const stage = instr.stage!;
  if (facts.get(stage)!.cleanRemovedAt < instr.index - stage.from.index) return true;
  const seen = new Set<Stage>([stage]);
  for (let s = stage.parent; s && !seen.has(s); s = s.parent) {
    seen.add(s);
    if (facts.get(s)!.cleanRemovedAt !== Infinity) return true;
  }
  return false;
}

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
    return explainOnce(doc, runCacheMounts(doc, ctx, {
      id: 'apt-cache-mount',
      label: 'apt-get install',
      quick: /\bapt(-get)?\b/,
      execForm: /(^|\s|\/)apt(-get)?\s+(\S+\s+)*(install|upgrade|dist-upgrade)\b/,
      families: ['debian'],
      needsRoot: true,
      detect(cmd, instr) {
        const sub = aptSubcommand(cmd);
        if (!sub || !DOWNLOADS.has(sub)) return null;
        // `apt` (unlike apt-get) deletes the packages it downloaded unless told to keep them.
        const p = program(cmd)!;
        const keep = p.name === 'apt' && !cmd.words.some((w) => /^APT::Keep-Downloaded-Packages=/i.test(w.value));
        const word = cmd.words[p.index];
        return {
          cmd,
          tool: 'apt',
          rewrite: keep
            ? [{ word, text: `${instr.doc.slice(word.start, word.end)} -o APT::Keep-Downloaded-Packages=true`, why: 'tells apt to keep the packages it downloads (the apt command, unlike apt-get, deletes them by default), so they stay in the cache mount' }]
            : [],
          dirs(): CacheDir[] {
            const dirs: CacheDir[] = [{ name: 'apt', dir: '/var/cache/apt', locked: true }];
            if (listsDeletedAfterUpdate(instr.commands())) dirs.push({ name: 'apt-lists', dir: LISTS, locked: true });
            return dirs;
          },
        };
      },
      isCleanup(cmd) {
        const sub = aptSubcommand(cmd);
        return sub === 'clean' || sub === 'autoclean' || sub === 'dist-clean';
      },
      wrap(instr) {
        if (dockerCleanRemovedBefore(instr)) return null;
        return {
          prefix: PREFIX,
          suffix: SUFFIX,
          note: `moves ${DOCKER_CLEAN} aside for this step and back at its end${WRAP_NOTE_TAIL}`,
          present: (cmds) => cmds.some((c) => program(c)?.name === 'mv' && c.words.some((w) => w.value === DOCKER_CLEAN)),
        };
      },
    }));
  },
};

const WRAP_NOTE_TAIL = ', so apt keeps the downloaded packages in the mount while the image keeps the file';

/**
 * The long explanation of the docker-clean wrap is given once per file, on its first change;
 * every later step says only what it does and where the reason is.
 */
function explainOnce(doc: DockerfileDocument, result: TransformResult): TransformResult {
  let firstLine: number | undefined;
  for (const f of result.diagnostics) {
    if (f.kind !== 'change' || !f.message.includes(WRAP_NOTE_TAIL)) continue;
    const line = doc.instructions.find((i) => i.keywordStart === f.range.start)?.line;
    if (firstLine === undefined) {
      firstLine = line;
      continue;
    }
    f.message = f.message.replace(WRAP_NOTE_TAIL, ` (why: see the apt-cache-mount change at line ${firstLine})`);
  }
  return result;
}

export default aptCacheMount;
