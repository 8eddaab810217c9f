/**
 * hoist-stable — move a RUN step that does not depend on the files a COPY/ADD brings in above
 * that COPY/ADD, so editing those files no longer re-runs it.
 *
 * What it does: for each RUN (in file order), look at the instructions directly above it, up to
 * the previous RUN, USER, WORKDIR, SHELL, VOLUME or FROM. If it can be moved above one or more
 * COPY/ADD steps there, it moves to just above the highest of them, together with the comment
 * lines directly above it. It never crosses a RUN (the relative order of RUN steps is kept),
 * USER, WORKDIR, SHELL or VOLUME, nor an ENV/ARG whose variable it uses.
 *
 * Why: once a step misses the layer cache, every later step in the stage misses too. An
 * `apt-get install` after `COPY . /app` re-runs on every source edit although it reads nothing
 * from /app.
 *
 * Fix safety (decided per move, from the model in `src/analysis/dataflow.ts`):
 * - **safe** when every step it jumps over is proven independent: COPY/ADD whose destination
 *   is disjoint from every path the RUN reads or writes (e.g. a package install, which touches
 *   the system directories /etc, /usr, /var, ..., above `COPY . /app`), and metadata (LABEL,
 *   EXPOSE, CMD, ENTRYPOINT, HEALTHCHECK, STOPSIGNAL, MAINTAINER, ONBUILD).
 * - **unsafe** (only with `--unsafe`) when the proof rests on a convention: jumping over an
 *   ENV/ARG the RUN does not mention (it still sees the variable in its environment), or a
 *   COPY whose destination is one the RUN only *possibly* writes (a package install and
 *   `/opt`, `/usr/local`, `/usr/src`, `/home`, `/root`, `/tmp`).
 * - **not moved** when a path may overlap for certain (`COPY . /` or `COPY . .` with WORKDIR
 *   `/`, a relative path in the RUN below the COPY destination, `COPY --chown=user` after a
 *   `useradd`), when the RUN runs something the model does not know (`npm`, `make`, a pipe
 *   into `sh`, a command substitution), or when a variable it uses, or one of the variables
 *   common tools read from the environment (`DEBIAN_FRONTEND`, `PATH`, proxies, ...), is set
 *   in between. RUN steps with a package-manager or system-setup command get a `skipped`
 *   finding with the reason; others are left alone silently.
 */
import { classOf, describeInstruction, describePaths, describeRun, effectsOf, isInfluentialEnv, overlap, type Effects } from '../src/analysis/dataflow.js';
import { isWindowsStage } from '../src/analysis/images.js';
import { pinnedInstructions, pinnedReason, reorderEdits } from '../src/core/reorder.js';
import type { DockerfileDocument, Instruction } from '../src/core/document.js';
import type { Diagnostic, Fix, FixKind, Transform, TransformContext, TransformResult } from '../src/core/types.js';

type Verdict = { kind: 'safe' } | { kind: 'unsafe'; reason: string; env?: string[] } | { kind: 'blocked'; reason: string };

const q = (s: string): string => '`' + s + '`';

/**
 * May the RUN move above `other`? `runEffects` is called only when the answer depends on the
 * RUN's file access (a COPY/ADD), so long files of back-to-back RUN steps stay linear.
 */
/** Variables read by (nearly) every program, and those read by some tools: name -> program pattern. */
const READ_BY_ALL = /^(PATH|HOME|USER|SHELL|TMPDIR|LANG|LANGUAGE|LC_[A-Z]+|LD_[A-Z_]+|(HTTPS?|FTP|NO|ALL)_PROXY|SSL_CERT_(FILE|DIR))$/i;
const READERS: Array<[RegExp, RegExp]> = [
  [/^(DEBIAN_FRONTEND|DEBCONF_[A-Z_]+|APT_[A-Z_]+)$/i, /^(apt|apt-get|aptitude|dpkg|dpkg-reconfigure|debconf-set-selections)$/],
  [/^APK_[A-Z_]+$/i, /^apk$/],
  [/^TZ$/i, /^(date|dpkg-reconfigure)$/],
  [/^(PIP_[A-Z_]+|PYTHON[A-Z_]*)$/i, /^(pip|pip3|python|python3|poetry|pipenv|uv)$/],
  [/^(NPM_CONFIG_[A-Z_]+|NODE_[A-Z_]+|YARN_[A-Z_]+)$/i, /^(npm|npx|node|yarn|pnpm|corepack)$/],
  [/^GO[A-Z0-9_]*$/i, /^go$/],
  [/^(CARGO_[A-Z_]+|RUSTUP_[A-Z_]+)$/i, /^(cargo|rustup|rustc)$/],
  [/^(JAVA_[A-Z_]+|MAVEN_[A-Z_]+|GRADLE_[A-Z_]+)$/i, /^(java|mvn|gradle|gradlew|\.\/gradlew|\.\/mvnw)$/],
  [/^(CC|CXX|CFLAGS|CXXFLAGS|CPPFLAGS|LDFLAGS|MAKEFLAGS)$/i, /^(make|cmake|gcc|g\+\+|cc|c\+\+|configure|\.\/configure|pip|pip3|cargo|go|npm)$/],
  [/^(CURL_CA_BUNDLE|REQUESTS_CA_BUNDLE)$/i, /^(curl|pip|pip3|python|python3)$/],
];

/** `'*'` when every program reads `name`, else the first of `programs` known to read it. */
function readerOf(name: string, programs: string[]): string | undefined {
  if (READ_BY_ALL.test(name)) return '*';
  for (const [vars, progs] of READERS) if (vars.test(name)) return programs.find((p) => progs.test(p));
  return undefined;
}

export function hoistVerdict(runEffects: () => Effects, other: Instruction): Verdict {
  const what = q(describeInstruction(other));
  switch (classOf(other)) {
    case 'metadata':
      return { kind: 'safe' };
    case 'run':
      return { kind: 'blocked', reason: `${what} comes first, and RUN steps keep their order` };
    case 'from':
      return { kind: 'blocked', reason: 'the stage starts there' };
    case 'state':
      return { kind: 'blocked', reason: `${what} changes how the steps after it run` };
    case 'unknown':
      return { kind: 'blocked', reason: `${what} is not an instruction dockerfix knows` };
    case 'variables': {
      const o = effectsOf(other);
      const run = runEffects();
      const used = [...o.defines].filter((n) => run.envUses.has(n));
      if (used.length) return { kind: 'blocked', reason: `it uses $${used[0]}, which ${what} sets` };
      const influential = [...o.defines].filter(isInfluentialEnv);
      if (influential.length) {
        // Name the variable this step's programs read (DEBIAN_FRONTEND for apt-get), not the
        // first one the line sets; a variable no program of the step is known to read is named
        // as what it is: one any program may read.
        const programs = run.programs.map((p) => p.split(' ')[0]);
        const hit = influential.map((n) => ({ n, reader: readerOf(n, programs) })).find((x) => x.reader);
        if (hit) return { kind: 'blocked', reason: `${what} sets ${hit.n}, which ${hit.reader === '*' ? 'every program' : q(hit.reader!)} reads from its environment` };
        return { kind: 'blocked', reason: `${what} sets ${influential.join(', ')}, which a program may read from its environment (none of this step's programs is known not to)` };
      }
      return { kind: 'unsafe', reason: `it does not mention ${[...o.defines].join(', ')}, but would no longer see ${o.defines.size > 1 ? 'them' : 'it'} in its environment (${what})`, env: [...o.defines] };
    }
    case 'copy': {
      const o = effectsOf(other);
      const run = runEffects();
      if (run.unknown.length) {
        // `unknown` holds program names and phrases (`the path … is not known`): each said as what it is.
        const unique = [...new Set(run.unknown)];
        const programs = unique.filter((u) => !/\s/.test(u));
        const phrases = unique.filter((u) => /\s/.test(u));
        const cut = (u: string): string => (u.length > 60 ? u.slice(0, 59) + '…' : u);
        const parts: string[] = [];
        if (programs.length) {
          const list = programs.slice(0, 3).map((u) => (u === '.' ? '`.` (source)' : q(cut(u)))).join(', ') + (programs.length > 3 ? ` and ${programs.length - 3} more` : '');
          parts.push(`it runs ${list}, whose file access dockerfix does not model`);
        }
        if (phrases.length) parts.push(cut(phrases[0]) + (phrases.length > 1 ? ` (and ${phrases.length - 1} more like it)` : ''));
        return { kind: 'blocked', reason: `${parts.join('; ')}, so it may read what ${what} writes` };
      }
      const checks: Array<[string, ReturnType<typeof overlap>]> = [
        ['reads', overlap(run.reads, o.writes)],
        ['writes', overlap(run.writes, o.writes)],
        ['writes', overlap(run.writes, o.reads)],
      ];
      let best: { verb: string; ov: NonNullable<ReturnType<typeof overlap>> } | null = null;
      for (const [verb, ov] of checks) if (ov && (!best || (ov.level === 'certain' && best.ov.level !== 'certain'))) best = { verb, ov };
      if (!best) {
        const args = [...run.argDependent, ...o.argDependent];
        if (args.length === 0) return { kind: 'safe' };
        const shown = [...new Set(args)].map((n) => (n === 'WORKDIR' ? 'the WORKDIR (set from a build argument)' : n));
        return { kind: 'unsafe', reason: `the paths were worked out from the default value of ${shown.join(', ')}, which --build-arg can change` };
      }
      if (best.ov.level === 'certain') return { kind: 'blocked', reason: `it ${best.verb} ${best.ov.a}, which overlaps ${best.ov.b} touched by ${what}` };
      return {
        kind: 'unsafe',
        reason: `${what} writes ${best.ov.b === best.ov.a ? best.ov.a : `${best.ov.a} (${best.ov.b})`}, where ${q(describeRun(run.instr))} could write only by breaking packaging conventions`,
      };
    }
  }
}

export const hoistStable: Transform = {
  meta: {
    id: 'hoist-stable',
    summary: 'Move RUN steps that do not read the copied files (apt-get install, ...) above COPY/ADD',
    description:
      'A RUN step that reads and writes nothing a COPY/ADD above it writes (for example `apt-get install` after ' +
      '`COPY . /app`) moves above that COPY/ADD, so a source edit no longer re-runs it. It never moves across another ' +
      'RUN, USER, WORKDIR, SHELL, VOLUME, or an ENV/ARG it uses. Safe when the file model proves the paths disjoint; ' +
      'unsafe (needs --unsafe) when it also crosses an ENV/ARG it does not mention or a destination a package ' +
      'manager could write by convention only (/opt, /usr/local, /home, ...).',
    fixKind: 'safe',
    unsafeFixes: 'when the move crosses an ENV/ARG the step does not mention, or its paths come from a --build-arg default',
    order: 200,
  },
  run(doc: DockerfileDocument, _ctx: TransformContext): TransformResult {
    // The farthest moves, unsafe ones included; when some are unsafe, the safe rewrite is a
    // different plan (each step moves only as far as it safely can), which the runner takes
    // when unsafe fixes are not applied.
    const diagnostics = plan(doc, true);
    if (!diagnostics.some((d) => d.fix?.applicability === 'unsafe')) return { diagnostics };
    return { diagnostics, withoutUnsafe: plan(doc, false) };
  },
};

/** Every stage's moves: to the farthest COPY/ADD (`farthest`), or the farthest one that is safe. */
function plan(doc: DockerfileDocument, farthest: boolean): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const stage of doc.stages) {
    if (isWindowsStage(stage)) continue;
    const items = stage.instructions.slice(1);
    const order = [...items];
    const moved = new Set<Instruction>();
    const fix = new Map<Instruction, FixKind>();
    // One reorder of the stage makes all its moves: the safe ones share one fix, the unsafe ones another.
    const fixes: Record<FixKind, Fix> = { safe: { applicability: 'safe', edits: [] }, unsafe: { applicability: 'unsafe', edits: [] } };
    const index = new Map(order.map((x, k) => [x, k]));
    const pinned = pinnedInstructions(doc, 'hoist-stable');
    for (const run of items) {
      // Ignored for hoist-stable: the runner would drop the move and its finding anyway.
      if (run.upper !== 'RUN' || pinned.get(run) === 'ignored') continue;
      const i = index.get(run)!;
      // Fast path: nothing to jump over.
      if (i === 0 || /^(RUN|USER|WORKDIR|SHELL|VOLUME)$/.test(order[i - 1].upper)) continue;
      // No COPY/ADD above it before the previous RUN: nothing to move above and nothing to
      // report (both need one), so its file access need not be worked out.
      if (!firstCopyAbove(order, i - 1)) continue;
      const eff = effectsOf(run);
      const verdicts: Verdict[] = [];
      let blocker: { instr: Instruction; reason: string } | null = null;
      let safeTarget = -1;
      let anyTarget = -1;
      let worst: FixKind = 'safe';
      for (let k = i - 1; k >= 0; k--) {
        const pin = pinned.get(order[k]);
        const v: Verdict = pin ? { kind: 'blocked', reason: pinnedReason(order[k], pin, q(describeInstruction(order[k]))) } : hoistVerdict(() => eff, order[k]);
        if (v.kind === 'blocked') {
          blocker = { instr: order[k], reason: v.reason };
          break;
        }
        verdicts[k] = v;
        if (v.kind === 'unsafe') worst = 'unsafe';
        if (isCopy(order[k])) {
          anyTarget = k;
          if (worst === 'safe') safeTarget = k;
        }
      }
      const where = { start: run.keywordStart, end: run.keywordEnd };
      const label = q(describeRun(run));
      const target = farthest ? anyTarget : safeTarget;
      if (target === -1 && anyTarget === -1) {
        // Report only when a COPY/ADD above would have been worth jumping.
        // An instruction kept in place by a pragma is reported when it is the COPY/ADD itself.
        const copy = blocker && (eff.systemSetup || (pinned.has(blocker.instr) && isCopy(blocker.instr))) ? firstCopyAbove(order, index.get(blocker.instr)!) : null;
        if (blocker && copy) diagnostics.push({ kind: 'skipped', code: 'blocked', range: where, message: `${label} not moved above ${q(describeInstruction(copy))}: ${blocker.reason}` });
        continue;
      }
      const pin = pinned.get(run);
      if (pin) {
        diagnostics.push({
          kind: 'skipped',
          code: 'pinned',
          range: where,
          message: `${label} not moved above ${q(describeInstruction(order[target === -1 ? anyTarget : target]))}: ${pinnedReason(run, pin, q(describeInstruction(run)))}`,
        });
        continue;
      }
      const t = target === -1 ? anyTarget : target;
      const jumped = order.slice(t, i);
      const unsafeVerdicts = verdicts.slice(t, i).filter((v): v is Extract<Verdict, { kind: 'unsafe' }> => v?.kind === 'unsafe');
      const env = unsafeVerdicts.flatMap((v) => v.env ?? []);
      const reasons = unsafeVerdicts.filter((v) => !v.env).map((v) => v.reason);
      if (env.length) reasons.unshift(`it does not mention ${env.join(', ')}, but would no longer see ${env.length > 1 ? 'them' : 'it'} in its environment (set by the ENV/ARG it moves above)`);
      const kind: FixKind = reasons.length ? 'unsafe' : 'safe';
      const message = moveMessage(label, eff, jumped, reasons);
      if (target === -1) {
        // Unsafe only, and this is the safe plan: reported with a fix the runner does not apply.
        diagnostics.push({ kind: 'change', code: 'moved', range: where, message, fix: { applicability: 'unsafe', edits: [] } });
        continue;
      }
      diagnostics.push({ kind: 'change', code: 'moved', range: where, message, fix: fixes[kind] });
      order.splice(i, 1);
      order.splice(t, 0, run);
      for (let k = t; k <= i; k++) index.set(order[k], k);
      moved.add(run);
      fix.set(run, kind);
    }
    if (!moved.size) continue;
    for (const e of reorderEdits(doc, items, order, moved, (x) => fix.get(x) ?? 'safe')) fixes[e.fixKind].edits.push({ start: e.start, end: e.end, text: e.text });
  }
  return diagnostics;
}

function isCopy(i: Instruction): boolean {
  return i.upper === 'COPY' || i.upper === 'ADD';
}

/** The first COPY/ADD at or above `from`, before any RUN. */
function firstCopyAbove(order: Instruction[], from: number): Instruction | null {
  for (let k = from; k >= 0; k--) {
    const u = order[k].upper;
    if (isCopy(order[k])) return order[k];
    if (u === 'RUN') return null;
  }
  return null;
}

function moveMessage(label: string, eff: Effects, jumped: Instruction[], unsafeReasons: string[]): string {
  const copies = jumped.filter(isCopy);
  const names = copies.slice(0, 2).map((c) => q(describeInstruction(c)));
  const above = names.join(' and ') + (copies.length > 2 ? ` and ${copies.length - 2} more` : '');
  const dests = copies.map((c) => describePaths(effectsOf(c).writes, 2)).filter((x, k, a) => a.indexOf(x) === k);
  const touched = describePaths(eff.writes);
  let msg = `moves ${label} above ${above}: it ${touched === 'no files' ? 'touches no files' : `touches only ${touched}`} and ${copies.length > 1 ? 'those steps write' : 'the copy writes'} only ${dests.join(', ')}, so editing the copied files no longer re-runs it`;
  if (unsafeReasons.length) msg += `; unsafe because ${unsafeReasons.join('; ')}`;
  return msg;
}

export default hoistStable;
