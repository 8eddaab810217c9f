/**
 * sink-volatile — move `ARG`s that change on every build (BUILD_DATE, VCS_REF, GIT_SHA,
 * VERSION, CACHEBUST, BUILD_NUMBER, ...) and the LABEL/ENV/ARG steps whose value comes from
 * them below the last build step of their stage.
 *
 * What it does: per stage, every ARG that declares such a name starts a group; every later
 * LABEL, ENV or ARG that references a name of the group (`$BUILD_DATE`, `${VCS_REF}`) joins it,
 * and an ENV's own names join too (`ENV APP_VERSION=$VERSION` makes `$APP_VERSION` part of the
 * group). The whole group moves, in its order and with the comment lines directly above each
 * step, to just after the last RUN/COPY/ADD/WORKDIR of the stage (so CMD, ENTRYPOINT, EXPOSE
 * and the like stay where they are). Members that are already after that point stay put.
 *
 * Why: BuildKit hands every ARG and ENV in effect to each later RUN, so a value that changes on
 * every build makes every RUN after it miss the cache (and an ENV or LABEL with a new value
 * changes the config of every later layer). At the end of the stage they cost nothing.
 *
 * Not moved (a `skipped` finding says why) when a step in between uses a name of the group
 * (`RUN curl .../v$VERSION`, `COPY --chown=$X`), sets a name a member reads or sets, or sets
 * the same LABEL key; when the group has a cache-busting name (CACHEBUST) and a RUN follows:
 * busting that RUN's cache is its purpose; when an ARG of the group is read by no step at all
 * (`ARG TIMESTAMP` before a download: a cache buster under another name); when a RUN in
 * between runs something `src/analysis/dataflow.ts` does not model (a script such as `/build.sh`,
 * `make`, `npm run`, `cargo build`, a wrapper), or a modelled tool that compiles with make
 * (`docker-php-ext-install`, `pecl`): it sees every ARG and ENV in effect and may
 * read any of them (vergen reads `VERGEN_GIT_SHA`, Makefiles read `VERSION`, and an
 * `ENV X=$X` right before such a step is there so that it can); or when a `# dockerfix-ignore`
 * pragma keeps a step of the group or in between in place.
 *
 * Child stages (`FROM <this stage>`) and ONBUILD triggers see the stage's final ENV and LABELs,
 * which moving inside the stage does not change; CMD, ENTRYPOINT and HEALTHCHECK expand their
 * variables at run time from that same final config. So neither blocks a move.
 *
 * Fix safety: **safe**. It moves only past RUN steps that are fully modelled (package
 * managers, file tools: they do not read build variables they are not given) and past steps
 * that read no variable they do not name (COPY, ADD, WORKDIR, LABEL, ...).
 */
import { definesOf, describeInstruction, effectsOf, envReader, envUsesOf, isEnvAgnostic, isInfluentialEnv } from '../src/analysis/dataflow.js';
import { pinnedInstructions, pinnedReason, reorderEdits } from '../src/core/reorder.js';
import { parseArgDecls, type DockerfileDocument, type Instruction } from '../src/core/document.js';
import type { Diagnostic, Fix, Transform, TransformContext, TransformResult } from '../src/core/types.js';

/** ARG names commonly set to a new value by CI on every build. */
export const VOLATILE =
  /^(BUILD_?(DATE|TIME|TIMESTAMP|NUMBER|ID|VERSION|REF|SHA|REVISION|COMMIT)|VCS_(REF|REVISION|COMMIT|SHA)|GIT_(SHA|COMMIT|REF|REV|REVISION|HASH|DESCRIBE|COMMIT_SHA|SHORT_SHA|TAG)|COMMIT(_SHA|_HASH|_REF|_DATE|_ID)?|SOURCE_COMMIT|REVISION|CACHE_?BUST(ER)?|TIMESTAMP|VERSION|RELEASE_VERSION|IMAGE_VERSION|CI_COMMIT_SHA|CI_PIPELINE_ID|GITHUB_SHA|GITHUB_RUN_(ID|NUMBER))$/i;
/** Names whose only purpose is to invalidate the cache of what follows. */
const CACHE_BUSTER = /^CACHE_?BUST(ER)?$/i;

const q = (s: string): string => '`' + s + '`';

interface Group {
  members: Instruction[];
  names: Set<string>;
  /** The ARG names that started the group. */
  seeds: Set<string>;
}

export const sinkVolatile: Transform = {
  meta: {
    id: 'sink-volatile',
    summary: 'Move per-build ARGs (BUILD_DATE, VCS_REF, ...) and the LABEL/ENV fed by them to the end of the stage',
    description:
      'An ARG that CI sets to a new value on every build (BUILD_DATE, VCS_REF, GIT_SHA, VERSION, ...) makes ' +
      'every RUN after it miss the cache. It moves, with the LABEL/ENV/ARG steps that use it, below the last ' +
      'RUN/COPY/ADD/WORKDIR of its stage, when nothing in between uses those names and every RUN in between is fully ' +
      'modelled (package managers, file tools). Never past a script, make or another program that could read the ' +
      'variable from its environment, and never an ARG that no step reads (a cache buster).',
    fixKind: 'safe',
    order: 210,
  },
  run(doc: DockerfileDocument, _ctx: TransformContext): TransformResult {
    const diagnostics: Diagnostic[] = [];
    const pinned = pinnedInstructions(doc, 'sink-volatile');
    for (const stage of doc.stages) {
      const items = stage.instructions.slice(1);
      const groups = findGroups(items);
      if (groups.length === 0) continue;
      let ip = -1;
      items.forEach((x, k) => {
        if (/^(RUN|COPY|ADD|WORKDIR)$/.test(x.upper)) ip = k;
      });
      const moved = new Set<Instruction>();
      // One reorder of the stage makes every move of it: the moves share this fix.
      const fix: Fix = { applicability: 'safe', edits: [] };
      for (const g of groups) {
        const toMove = g.members.filter((m) => items.indexOf(m) < ip);
        if (toMove.length === 0) continue;
        const first = g.members[0];
        const where = { start: first.keywordStart, end: first.keywordEnd };
        const blocked = checkGroup(g, toMove, items, ip, pinned);
        const names = [...g.seeds].join(', ');
        if (blocked) {
          diagnostics.push({ kind: 'skipped', code: 'blocked', range: where, message: `${q(describeInstruction(first))} not moved to the end of the stage: ${blocked}` });
          continue;
        }
        const list = toMove.map((m) => q(describeInstruction(m, 40)));
        const shown = list.length > 3 ? `${list.slice(0, 3).join(', ')} and ${list.length - 3} more` : list.join(list.length === 2 ? ' and ' : ', ');
        const message = `moves ${shown} below ${q(describeInstruction(items[ip], 40))}, the last build step of the stage: ${names} ${g.seeds.size > 1 ? 'usually change' : 'usually changes'} on every build and would make every step after ${g.seeds.size > 1 ? 'them' : 'it'} miss the cache; nothing in between uses ${g.seeds.size > 1 ? 'them' : 'it'}`;
        diagnostics.push({ kind: 'change', code: 'moved', range: where, message, fix });
        for (const m of toMove) moved.add(m);
      }
      if (moved.size === 0) continue;
      const staying = items.filter((x) => !moved.has(x));
      const anchor = staying.indexOf(items[ip]);
      const final = [...staying.slice(0, anchor + 1), ...items.filter((x) => moved.has(x)), ...staying.slice(anchor + 1)];
      for (const e of reorderEdits(doc, items, final, moved, () => 'safe', 'previous')) fix.edits.push({ start: e.start, end: e.end, text: e.text });
    }
    return { diagnostics };
  },
};

/** Groups of volatile ARGs and the LABEL/ENV/ARG steps derived from them, in file order. */
function findGroups(items: Instruction[]): Group[] {
  const groups: Group[] = [];
  const byName = new Map<string, Group>();
  const merge = (a: Group, b: Group): Group => {
    if (a === b) return a;
    for (const m of b.members) if (!a.members.includes(m)) a.members.push(m);
    for (const n of b.names) a.names.add(n);
    for (const n of b.seeds) a.seeds.add(n);
    for (const [n, g] of byName) if (g === b) byName.set(n, a);
    groups.splice(groups.indexOf(b), 1);
    return a;
  };
  for (const x of items) {
    const declared = x.upper === 'ARG' ? parseArgDecls(x).map(([k]) => k) : [];
    const volatile = declared.filter((n) => VOLATILE.test(n));
    if (volatile.length === 0 && byName.size === 0) continue;
    const refs = [...envUsesOf(x)].filter((n) => byName.has(n));
    const joins = volatile.length > 0 || (refs.length > 0 && (x.upper === 'LABEL' || x.upper === 'ENV' || x.upper === 'ARG'));
    if (!joins) continue;
    let g: Group | null = null;
    for (const n of refs) g = g ? merge(g, byName.get(n)!) : byName.get(n)!;
    if (!g) {
      g = { members: [], names: new Set(), seeds: new Set() };
      groups.push(g);
    }
    g.members.push(x);
    for (const n of volatile) g.seeds.add(n);
    for (const n of definesOf(x)) {
      const other = byName.get(n);
      if (other && other !== g) g = merge(g, other);
      g.names.add(n);
      byName.set(n, g);
    }
  }
  for (const g of groups) g.members.sort((a, b) => a.index - b.index);
  return groups;
}

function checkGroup(g: Group, toMove: Instruction[], items: Instruction[], ip: number, pinned: Map<Instruction, 'ignored' | 'detached'>): string | null {
  const memberSet = new Set(g.members);
  for (const m of toMove) {
    const pin = pinned.get(m);
    if (pin) return pinnedReason(m, pin, q(describeInstruction(m, 40)));
  }
  for (const m of toMove) {
    const me = effectsOf(m);
    const from = items.indexOf(m);
    const label = q(describeInstruction(m, 40));
    for (let k = from + 1; k <= ip; k++) {
      const s = items[k];
      if (memberSet.has(s)) continue;
      const what = q(describeInstruction(s, 40));
      const sPin = pinned.get(s);
      if (sPin) return pinnedReason(s, sPin, what);
      const se = effectsOf(s);
      const used = [...me.defines].filter((n) => se.envUses.has(n));
      if (used.length) return `${what} uses $${used[0]}`;
      const resets = [...se.defines].filter((n) => me.defines.has(n) || me.envUses.has(n));
      if (resets.length) return `${what} sets ${resets[0]}, which ${label} ${me.defines.has(resets[0]) ? 'also sets' : 'reads'}`;
      const labels = [...se.labels].filter((l) => me.labels.has(l));
      if (labels.length) return `${what} sets the label ${labels[0]} again`;
      if (se.implicitEnv && me.defines.size) {
        const buster = [...me.defines].find((n) => CACHE_BUSTER.test(n));
        if (buster) return `${buster} is there to make the RUN steps after it re-run, such as ${what}`;
        const influential = [...me.defines].find(isInfluentialEnv);
        if (influential) return `${label} sets ${influential}, which ${what} reads from its environment`;
        if (!isEnvAgnostic(s)) {
          // A script, `make`, a build tool or a wrapper sees every ARG and ENV in effect and may
          // read any of them (an `ENV X=$X` before such a step is there so that it can).
          const names = [...me.defines].join(', ');
          const prog = envReader(s) ?? 'a command';
          const kind = se.unknown.length ? ', a program dockerfix does not model, which' : ', which builds with make and';
          return `${what} runs ${q(prog.length > 40 ? prog.slice(0, 39) + '…' : prog)}${kind} could read ${names} from its environment`;
        }
      }
    }
    if (m.upper === 'ARG') {
      // An ARG that nothing reads by name is there for its effect on the steps after it: a
      // cache buster (`ARG TIMESTAMP` before a download) re-runs them when its value changes.
      const unused = [...me.defines].filter((n) => !items.some((x) => x !== m && envUsesOf(x).has(n)));
      if (unused.length) {
        return `nothing in the stage reads ${unused.join(', ')} by name; an ARG no step reads is usually there to make the steps after it re-run when its value changes (a cache buster), and moving it would stop that`;
      }
    }
  }
  return null;
}

export default sinkVolatile;
