/**
 * apk-cache-mount — give RUN steps that `apk add` a BuildKit cache mount on `/var/cache/apk`
 * (`sharing=locked`: apk locks its cache), and make apk use it.
 *
 * Why: `apk add --no-cache` downloads the indexes and every package on every rebuild of the step.
 *
 * How: `--no-cache` is replaced by `--update` (without `--no-cache` apk reads the indexes from
 * the cache, which is empty on a fresh builder; `--update` fetches them first, as `--no-cache`
 * did). apk only keeps downloaded packages when `/etc/apk/cache` points at a cache directory
 * (apk-cache(5)); creating that link for good would add a file to the image, so the step creates
 * it at its start and removes it at its end, in the same RUN (`[ -e /etc/apk/cache ] || ln -s
 * /var/cache/apk /etc/apk/cache; <step> && { remove the link if it is ours; }`): the restore runs
 * exactly when the step succeeds and keeps its exit status. When an earlier step of the stage
 * already deals with `/etc/apk/cache`, only the mount is added. `rm -rf /var/cache/apk/*` and
 * `apk cache clean` are removed from the mounted step only. Stages known not to be Alpine-like,
 * non-root steps, Windows stages and exec form are left alone with a reason.
 *
 * Fix safety: safe. The mount and the link exist only while the step runs, so the image has
 * the same files; the indexes and packages that `apk add` without `--no-cache` would have left
 * in `/var/cache/apk` go to the mount instead. (The lab has no Alpine images: this recipe is
 * from apk's documentation, not measured here; see docs/cache-mounts.md.)
 */
import { runCacheMounts, program, subcommandIndex } from '../src/analysis/cache-mount.js';
import type { ShellCommand } from '../src/core/shell.js';
import type { DockerfileDocument, Instruction, Stage } from '../src/core/document.js';
import type { Transform, TransformContext, TransformResult } from '../src/core/types.js';

const WITH_VALUE = new Set(['-X', '--repository', '-p', '--root', '--arch', '--cache-dir', '--keys-dir', '--repositories-file', '-t', '--virtual']);
const LINK = '/etc/apk/cache';

function apkSub(cmd: ShellCommand): { sub: string; i: number } | null {
  const p = program(cmd);
  if (!p || p.name !== 'apk') return null;
  const i = subcommandIndex(cmd.words, p.index + 1, WITH_VALUE);
  const sub = cmd.words[i]?.value;
  return sub ? { sub, i } : null;
}

/**
 * The command that leaves apk's package indexes in /var/cache/apk of the image (`apk update`, or
 * `apk add` without `--no-cache`), when the step does not delete them afterwards; null when the
 * original image has no indexes there (every `apk add` uses `--no-cache`, or the step removes
 * /var/cache/apk/* at its end), so a mount takes away nothing anything can read.
 */
function indexesKept(cmds: ShellCommand[]): string | null {
  let keeper: string | null = null;
  for (const c of cmds) {
    const a = apkSub(c);
    if (a && (a.sub === 'update' || ((a.sub === 'add' || a.sub === 'upgrade' || a.sub === 'fix') && !c.words.some((w) => w.value === '--no-cache')))) {
      keeper = a.sub === 'update' ? '`apk update` keeps' : `\`apk ${a.sub}\` without --no-cache uses and keeps`;
    }
    const p = program(c);
    if (p?.name === 'rm' && c.words.slice(p.index + 1).some((w) => /^\/var\/cache\/apk(\/\*?)?$/.test(w.value))) keeper = null;
  }
  return keeper;
}

/** The step already has a cache mount on /var/cache/apk (ours from an earlier pass, or the author's). */
function hasApkMount(instr: Instruction): boolean {
  return instr.flagsNamed('mount').some((f) => /(^|,)(target|dst|destination)=\/var\/cache\/apk\/?(,|$)/.test(f.value ?? ''));
}

const linkCache = new WeakMap<Stage, number>();

/** Position in its stage of the first step that mentions /etc/apk/cache, or Infinity. */
function firstLinkMention(s: Stage): number {
  let v = linkCache.get(s);
  if (v === undefined) {
    const k = s.instructions.findIndex((i) => i.text.includes(LINK));
    v = k === -1 ? Infinity : k;
    linkCache.set(s, v);
  }
  return v;
}

function cacheLinkHandledBefore(instr: Instruction): boolean {
  const stage = instr.stage!;
  if (firstLinkMention(stage) < instr.index - stage.from.index) return true;
  const seen = new Set<Stage>([stage]);
  for (let s = stage.parent; s && !seen.has(s); s = s.parent) {
    seen.add(s);
    if (firstLinkMention(s) !== Infinity) return true;
  }
  return false;
}

export const apkCacheMount: Transform = {
  meta: {
    id: 'apk-cache-mount',
    summary: 'Add a sharing=locked cache mount on /var/cache/apk to apk add steps and make apk use it',
    description:
      'Adds `--mount=type=cache,target=/var/cache/apk,sharing=locked` to RUN steps that run `apk add`, replaces ' +
      '`--no-cache` by `--update`, and links `/etc/apk/cache` to the mount for the duration of the step (removed again ' +
      'at its end, so the image keeps the same files). `rm -rf /var/cache/apk/*` is removed from that step only.',
    fixKind: 'safe',
    unsafeFixes: 'when the step may run as a user other than root (its home and cache directory are then not known)',
    order: 23,
    docsUrl: 'docs/cache-mounts.md#apk-cache-mount',
  },
  run(doc: DockerfileDocument, ctx: TransformContext): TransformResult {
    return runCacheMounts(doc, ctx, {
      id: 'apk-cache-mount',
      label: 'apk add',
      quick: /\bapk\b/,
      execForm: /(^|\s|\/)apk\s+(\S+\s+)*add\b/,
      families: ['alpine'],
      needsRoot: true,
      detect(cmd, instr) {
        const a = apkSub(cmd);
        if (!a || (a.sub !== 'add' && a.sub !== 'upgrade' && a.sub !== 'fix')) return null;
        if (cmd.words.some((w) => w.value === '--cache-dir' || w.value.startsWith('--cache-dir=') || w.value === '-p' || w.value === '--root')) return null;
        const noCache = cmd.words.filter((w) => w.value === '--no-cache');
        const hasUpdate = cmd.words.some((w) => w.value === '--update' || w.value === '-U' || (/^-[a-zA-Z]+$/.test(w.value) && w.value.includes('U')));
        return {
          cmd,
          tool: 'apk',
          rewrite: noCache.slice(0, hasUpdate ? 0 : 1).map((word) => ({ word, text: '--update', why: 'replaces --no-cache (which turns the cache off) by --update, which fetches the package indexes as --no-cache did' })),
          disable: noCache.slice(hasUpdate ? 0 : 1),
          dirs: () => {
            const keeps = hasApkMount(instr) ? null : indexesKept(instr.commands());
            if (keeps) return { skip: `left \`apk\` without a cache mount: ${keeps} the package indexes in /var/cache/apk of the image, where a later step, script or child stage may install from them; a cache mount would hide them from this step and take them out of the image` };
            return [{ name: 'apk', dir: '/var/cache/apk', locked: true }];
          },
        };
      },
      isCleanup(cmd) {
        const a = apkSub(cmd);
        return a?.sub === 'cache' && ['clean', 'purge'].includes(cmd.words[a.i + 1]?.value ?? '');
      },
      wrap(instr) {
        if (cacheLinkHandledBefore(instr)) return null;
        return {
          prefix: `[ -e ${LINK} ] || ln -s /var/cache/apk ${LINK};`,
          suffix: `{ [ "$(readlink ${LINK})" != /var/cache/apk ] || rm ${LINK}; }`,
          note: `linked ${LINK} to the mount for this step only (apk caches packages only through that link), so the image does not gain the link`,
          present: (cmds) => cmds.some((c) => program(c)?.name === 'ln' && c.words.some((w) => w.value === LINK)),
        };
      },
    });
  },
};

export default apkCacheMount;
