/**
 * apt (`apt-get install`, `apt install`; Debian and Ubuntu stages, root only). Caches:
 * `/var/cache/apt` (downloaded .debs) and, only when the step itself runs `apt-get update` and
 * deletes the lists afterwards, `/var/lib/apt/lists`; both `sharing=locked`. The official images'
 * `docker-clean` hook is moved aside for the step (see transforms/apt-cache-mount.ts for why
 * this form keeps the image identical). Cleanup: `apt-get clean`/`autoclean`/`dist-clean`.
 */
import type { CacheDir, DockerfileDocument, EcosystemDescriptor, Instruction, ShellCommand } from './types.js';
import type { Stage } from '../core/document.js';
import { program, subcommandIndex } from './helpers.js';
const WITH_VALUE = new Set(['-o', '-c', '-t', '--option', '--config-file', '--target-release', '-a', '--host-architecture']);
const DOWNLOADS = new Set(['install', 'upgrade', 'dist-upgrade', 'full-upgrade', 'build-dep', 'reinstall']);
/** The end of the wrap note; apt-cache-mount gives it once per file (explainOnce). */
export const WRAP_NOTE_TAIL = ', so apt keeps the downloaded packages in the mount while the image keeps the file';
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

export const apt: EcosystemDescriptor = {
  id: 'apt',
  programs: /^(apt-get|apt|aptitude)$/,
  valued: WITH_VALUE,
  roles: { install: 'install', upgrade: 'install', 'dist-upgrade': 'install', 'full-upgrade': 'install', 'build-dep': 'install', reinstall: 'install', update: 'fetch-only', clean: 'cleanup', autoclean: 'cleanup', 'dist-clean': 'cleanup' },
  system: {
    'apt-get': new Set(['install', 'update', 'upgrade', 'dist-upgrade', 'full-upgrade', 'clean', 'autoclean', 'autoremove', 'remove', 'purge', 'build-dep']),
    apt: new Set(['install', 'update', 'upgrade', 'dist-upgrade', 'full-upgrade', 'clean', 'autoclean', 'autoremove', 'remove', 'purge']),
    aptitude: new Set(['install', 'update', 'upgrade', 'clean', 'remove', 'purge']),
  },
  cache: {
    transform: 'apt-cache-mount',
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
      const word = cmd.words[p.index]!;
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
  },
};
