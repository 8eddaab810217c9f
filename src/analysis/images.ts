/**
 * What we know about base images and users: the OS family of a stage, whether it is Windows,
 * and the user that runs a step (its uid, gid and home). Conservative: unknown means unknown,
 * and an image that src/core/base-images.ts does not know is not taken for root.
 */
import type { Instruction, Stage } from '../core/document.js';
import { expandVars } from '../core/document.js';
import { imageFacts, isWindowsImageName, type ImageFacts, type OsFamily } from '../core/base-images.js';

export type { OsFamily } from '../core/base-images.js';

const DEBIAN = /(^|\/)(debian|ubuntu|buildpack-deps|python|node|golang|rust|ruby|php|openjdk|eclipse-temurin|amazoncorretto|maven|gradle|composer|elixir|perl|r-base|bitnami\/[a-z-]+)(:|@|$)/;

const familyCache = new WeakMap<Stage, OsFamily>();

/** The OS family of the image a stage starts from, following FROM <stage> chains. */
export function osFamily(stage: Stage): OsFamily {
  let f = familyCache.get(stage);
  if (f === undefined) {
    f = computeOsFamily(stage);
    familyCache.set(stage, f);
  }
  return f;
}

function computeOsFamily(stage: Stage): OsFamily {
  const root = stage.root();
  if (windowsSigns(stage) !== null) return 'windows';
  const image = root.resolvedBaseImage.toLowerCase();
  if (image === 'scratch') return 'scratch';
  if (/alpine/.test(image)) return 'alpine';
  if (/distroless|chainguard|wolfi/.test(image)) return 'distroless';
  if (/(^|\/)(centos|fedora|rockylinux|almalinux|amazonlinux|oraclelinux|redhat|ubi\d*)(:|\/|@|$)|\/ubi\d/.test(image)) return 'rhel';
  if (/(^|\/)(debian|ubuntu)(:|@|$)|bookworm|bullseye|buster|jammy|noble|focal|trixie/.test(image)) return 'debian';
  if (DEBIAN.test(image) && !/alpine|windows|nanoserver/.test(image)) return 'debian';
  // A backtick escape on an image we cannot place is almost always a Windows file.
  if (stage.doc.escape === '`') return 'windows';
  return 'unknown';
}

/** A Windows path: `C:\app`, `c:/app`. */
const WIN_PATH = /^[A-Za-z]:[\\/]/;

/**
 * Why a stage is a Windows stage (the first sign found along its FROM chain), or null: a
 * Windows image name, a `SHELL ["cmd"...]`/`["powershell"...]`, or a `C:\` path in WORKDIR,
 * a COPY/ADD destination or an ENV value.
 */
export function windowsSigns(stage: Stage): string | null {
  const chain: Stage[] = [];
  for (let s: Stage | null = stage; s && !chain.includes(s); s = s.parent) chain.unshift(s);
  const image = chain[0]!.resolvedBaseImage;
  if (isWindowsImageName(image)) return `its base image \`${image}\` is a Windows image`;
  for (const s of chain) {
    for (const i of s.instructions) {
      if (i.upper === 'SHELL' && (i.json ?? []).some((a) => /powershell|pwsh|cmd(\.exe)?$/i.test(a))) return 'it sets a Windows SHELL';
      if (i.upper === 'WORKDIR' && WIN_PATH.test(i.argsText().trim().replace(/^["']/, ''))) return 'its WORKDIR is a Windows path';
      if (i.upper === 'COPY' || i.upper === 'ADD') {
        const dest = (i.json ? i.json.at(-1) : i.args().at(-1)?.value) ?? '';
        if (WIN_PATH.test(dest)) return `${i.upper} writes to a Windows path`;
      }
      if (i.upper === 'ENV' && /(^|[\s="'])[A-Za-z]:\\/.test(i.argsText())) return 'an ENV value is a Windows path';
    }
  }
  return null;
}

/** Why a stage is taken for Windows (for messages), or null when it is not. */
export function whyWindows(stage: Stage): string | null {
  if (osFamily(stage) !== 'windows') return null;
  return windowsSigns(stage) ?? 'the file uses the backtick escape of Windows Dockerfiles and its base image is not known to be Linux';
}

export function isWindowsStage(stage: Stage): boolean {
  return osFamily(stage) === 'windows';
}

/** The facts about the image a stage chain starts from (null: not known, or named by a variable). */
export function baseImageFacts(stage: Stage): ImageFacts | null {
  // Asked for every step whose user matters: once per stage.
  let f = factsCache.get(stage);
  if (f === undefined) factsCache.set(stage, (f = imageFacts(stage.root().resolvedBaseImage)));
  return f;
}

const factsCache = new WeakMap<Stage, ImageFacts | null>();

export interface UserInfo {
  /** true when the step is proven to run as root (`USER root`/`0`, or no USER on a base image known to run as root). */
  root: boolean;
  /**
   * false when the user is not known: no USER was set and the base image is not known to run
   * as root (an image dockerfix does not know, or one named by a build argument). Then `root`
   * is false too, and `unknown` says why.
   */
  certain: boolean;
  /** The user as written in USER (expanded), or the image's default user; '' for none. */
  name: string;
  /** Home directory when known. */
  home?: string;
  uid?: number;
  gid?: number;
  /** Why the user is not known (certain: false), for messages: "the base image `x` is not known to run as root". */
  unknown?: string;
  /** Why the uid is not known although the user is (e.g. renumbered by `usermod -u ${UID}`). */
  uidUnknown?: string;
  /** Where the user comes from when it is the image's default ("the default user of jupyter/base-notebook"). */
  source?: string;
}

/** The three-valued root fact: proven root, a known non-root user, or not known. */
export function rootness(u: UserInfo): 'root' | 'non-root' | 'unknown' {
  return u.root ? 'root' : u.certain ? 'non-root' : 'unknown';
}

/**
 * The user that runs `instr` and what we can prove about it: root, a user the base image ships
 * or runs as (src/core/base-images.ts), or a user created in the same stage chain by
 * `useradd`/`adduser` (its uid and home, renumbered by `usermod`/`groupmod`), or a numeric uid.
 */
export function userAt(instr: Instruction): UserInfo {
  const state = instr.state();
  const facts = instr.stage ? baseImageFacts(instr.stage) : null;
  let spec = state.user.trim();
  if (spec.includes('$') && facts) spec = expandVars(spec, new Map(Object.entries(facts.env)));
  if (spec === '') {
    const image = instr.stage?.root().resolvedBaseImage ?? '';
    const d = facts?.defaultUser;
    if (d === 'root') return { root: true, certain: true, name: '', home: '/root', uid: 0, gid: 0 };
    if (d) {
      // The image's own user, unless this stage chain renumbered it.
      const k = knownUsers(instr, facts).get(d.name);
      const u = k ?? { uid: d.uid, gid: d.gid, home: d.home };
      return { root: false, certain: true, name: d.name, uid: u.uid, gid: u.gid, home: u.home, uidUnknown: k?.renumbered, source: `the default user of ${image}` };
    }
    const why = image.includes('$')
      ? `the base image \`${image}\` is named by a build argument, so it is not known to run as root`
      : `the base image \`${image}\` is not known to run as root`;
    return { root: false, certain: false, name: '', unknown: why };
  }
  const [name = '', group] = spec.split(':');
  if (name === 'root' || name === '0') {
    return { root: true, certain: true, name: spec, home: '/root', uid: 0, gid: group === undefined || group === '' || group === 'root' || group === '0' ? 0 : undefined };
  }
  const known = knownUsers(instr, facts);
  if (/^\d+$/.test(name)) {
    const uid = Number(name);
    const byUid = [...known.values()].find((u) => u.uid === uid);
    return { root: false, certain: true, name: spec, uid, gid: group && /^\d+$/.test(group) ? Number(group) : byUid?.gid, home: byUid?.home };
  }
  const u = known.get(name);
  if (u) return { root: false, certain: true, name: spec, uid: u.uid, gid: group && /^\d+$/.test(group) ? Number(group) : u.gid, home: u.home, uidUnknown: u.renumbered };
  return { root: false, certain: true, name: spec };
}

interface KnownUser {
  uid?: number;
  gid?: number;
  home?: string;
  /** Set when a usermod/groupmod gave the user an id we cannot know (a build argument). */
  renumbered?: string;
}

type UserEvent =
  | { index: number; kind: 'create'; name: string; user: KnownUser }
  | { index: number; kind: 'usermod'; name: string; uid?: string; gid?: string; home?: string; login?: string; text: string }
  | { index: number; kind: 'groupmod'; name: string; gid?: string; text: string };

const eventsCache = new WeakMap<Stage, UserEvent[]>();

/** useradd/adduser/usermod/groupmod in a stage's RUN steps, in order (computed once per stage). */
function userEventsIn(stage: Stage): UserEvent[] {
  const cached = eventsCache.get(stage);
  if (cached) return cached;
  const out: UserEvent[] = [];
  for (const i of stage.instructions) {
    if (i.upper !== 'RUN' || !(i.mayHold('useradd') || i.mayHold('adduser') || i.mayHold('usermod') || i.mayHold('groupmod'))) continue;
    for (const c of i.commands()) {
      const w = c.words.map((x) => x.value);
      const p = w.findIndex((x) => /^(useradd|adduser|usermod|groupmod)$/.test(x.replace(/^.*\//, '')));
      if (p === -1) continue;
      const prog = w[p]!.replace(/^.*\//, '');
      const rest = w.slice(p + 1);
      const text = w.slice(p).join(' ');
      if (prog === 'usermod' || prog === 'groupmod') {
        const e: { uid?: string; gid?: string; home?: string; login?: string } = {};
        let name: string | undefined;
        for (let k = 0; k < rest.length; k++) {
          const a = rest[k]!;
          const eq = /^(--[a-z-]+)=(.*)$/.exec(a);
          const opt = eq ? eq[1]! : a;
          const val = (): string | undefined => (eq ? eq[2] : rest[++k]);
          if (prog === 'usermod' && (opt === '-u' || opt === '--uid')) e.uid = val();
          else if (opt === '-g' || opt === '--gid') e.gid = val();
          else if (prog === 'usermod' && (opt === '-d' || opt === '--home')) e.home = val();
          else if (prog === 'usermod' && (opt === '-l' || opt === '--login')) e.login = val();
          else if (['-G', '--groups', '-s', '--shell', '-c', '--comment', '-e', '--expiredate', '-f', '--inactive', '-n', '--new-name', '-p', '--password', '-R', '--root', '-P', '--prefix', '-v', '-w', '--add-subuids', '--del-subuids', '--add-subgids', '--del-subgids'].includes(opt)) val();
          else if (!a.startsWith('-')) name = a;
        }
        if (!name) continue;
        if (prog === 'usermod') out.push({ index: i.index, kind: 'usermod', name, ...e, text });
        else out.push({ index: i.index, kind: 'groupmod', name, gid: e.gid, text });
        continue;
      }
      const user: KnownUser = {};
      let name: string | undefined;
      let noHome = false;
      for (let k = 0; k < rest.length; k++) {
        const a = rest[k]!;
        const val = (): string | undefined => rest[++k];
        if (a === '-u' || a === '--uid') user.uid = num(val());
        else if (/^--uid=/.test(a)) user.uid = num(a.slice(6));
        else if (a === '-g' || a === '--gid' || a === '-G' || a === '--ingroup') {
          const g = val();
          if (a !== '-G' && g && /^\d+$/.test(g)) user.gid = Number(g);
        } else if (a === '-d' || a === '--home' || a === '--home-dir') user.home = val();
        else if (a === '-M' || a === '--no-create-home' || a === '-H') noHome = true;
        else if (a === '-s' || a === '--shell' || a === '-c' || a === '--comment' || a === '--gecos' || a === '-k' || a === '-K' || a === '-e' || a === '-f') val();
        else if (!a.startsWith('-')) name ??= a;
      }
      if (!name) continue;
      if (!user.home && !noHome) user.home = `/home/${name}`;
      if (user.gid === undefined && user.uid !== undefined) user.gid = user.uid;
      out.push({ index: i.index, kind: 'create', name, user });
    }
  }
  eventsCache.set(stage, out);
  return out;
}

/**
 * The users known before `instr`: those the base image ships, then those created, renumbered
 * or renamed by RUN useradd/adduser/usermod/groupmod in its stage chain.
 */
function knownUsers(instr: Instruction, facts: ImageFacts | null): Map<string, KnownUser> {
  const out = new Map<string, KnownUser>();
  for (const u of facts?.users ?? []) out.set(u.name, { uid: u.uid, gid: u.gid, home: u.home });
  const d = facts?.defaultUser;
  if (d && d !== 'root' && !out.has(d.name)) out.set(d.name, { uid: d.uid, gid: d.gid, home: d.home });
  const chain: Stage[] = [];
  for (let s: Stage | null = instr.stage; s && !chain.includes(s); s = s.parent) chain.unshift(s);
  for (const stage of chain) {
    for (const e of userEventsIn(stage)) {
      if (e.index >= instr.index) break;
      if (e.kind === 'create') {
        out.set(e.name, e.user);
        continue;
      }
      const u = out.get(e.name);
      if (e.kind === 'groupmod') {
        // A user's own group (same name) gets the new gid.
        if (u && e.gid !== undefined) out.set(e.name, renumber(u, 'gid', e.gid, e.text));
        continue;
      }
      if (!u) continue;
      let v = u;
      if (e.uid !== undefined) v = renumber(v, 'uid', e.uid, e.text);
      if (e.gid !== undefined) v = /^\d+$/.test(e.gid) || e.gid.includes('$') ? renumber(v, 'gid', e.gid, e.text) : { ...v, gid: undefined };
      if (e.home !== undefined) v = { ...v, home: e.home.includes('$') ? undefined : e.home };
      if (e.login !== undefined && !e.login.includes('$')) {
        out.delete(e.name);
        out.set(e.login, v);
      } else out.set(e.name, v);
    }
  }
  return out;
}

function renumber(u: KnownUser, key: 'uid' | 'gid', value: string, text: string): KnownUser {
  if (/^\d+$/.test(value)) return { ...u, [key]: Number(value) };
  // The uid's reason wins: it is the one a cache mount's uid= needs.
  const why = `\`${text}\` gives it ${key === 'uid' ? 'a uid' : 'a gid'} from a variable`;
  return { ...u, [key]: undefined, renumbered: key === 'uid' || !u.renumbered ? why : u.renumbered };
}

function num(s: string | undefined): number | undefined {
  return s && /^\d+$/.test(s) ? Number(s) : undefined;
}
