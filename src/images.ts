/**
 * What we know about base images and users: the OS family of a stage, whether it is Windows,
 * and the home directory of the user that runs a step. Conservative: unknown means unknown.
 */
import type { Instruction, Stage } from './document.js';

export type OsFamily = 'debian' | 'alpine' | 'windows' | 'scratch' | 'distroless' | 'rhel' | 'unknown';

const DEBIAN = /(^|\/)(debian|ubuntu|buildpack-deps|python|node|golang|rust|ruby|php|openjdk|eclipse-temurin|amazoncorretto|maven|gradle|composer|elixir|perl|r-base|bitnami\/[a-z-]+)(:|@|$)/;
const MS = /mcr\.microsoft\.com\/(windows|powershell:.*(nanoserver|windowsservercore))|(^|\/)(windows|nanoserver|servercore|windowsservercore)(\/|:|$)|ltsc20\d\d|nanoserver|windowsservercore/i;

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
  if (hasWindowsShell(root) || hasWindowsShell(stage)) return 'windows';
  const image = root.resolvedBaseImage.toLowerCase();
  if (image === 'scratch') return 'scratch';
  if (MS.test(image)) return 'windows';
  if (/alpine/.test(image)) return 'alpine';
  if (/distroless|chainguard|wolfi/.test(image)) return 'distroless';
  if (/(^|\/)(centos|fedora|rockylinux|almalinux|amazonlinux|oraclelinux|redhat|ubi\d*)(:|\/|@|$)|\/ubi\d/.test(image)) return 'rhel';
  if (/(^|\/)(debian|ubuntu)(:|@|$)|bookworm|bullseye|buster|jammy|noble|focal|trixie/.test(image)) return 'debian';
  if (DEBIAN.test(image) && !/alpine|windows|nanoserver/.test(image)) return 'debian';
  // A backtick escape on an image we cannot place is almost always a Windows file.
  if (stage.doc.escape === '`') return 'windows';
  return 'unknown';
}

function hasWindowsShell(stage: Stage): boolean {
  return stage.instructions.some(
    (i) => i.upper === 'SHELL' && (i.json ?? []).some((a) => /powershell|pwsh|cmd(\.exe)?$/i.test(a)),
  );
}

export function isWindowsStage(stage: Stage): boolean {
  return osFamily(stage) === 'windows';
}

export interface UserInfo {
  /** true for root (no USER, `root`, `0`, `0:0`). */
  root: boolean;
  /** The user as written in USER (expanded), '' for none. */
  name: string;
  /** Home directory when known. */
  home?: string;
  uid?: number;
  gid?: number;
}

/**
 * The user that runs `instr` and what we can prove about it: root, or a user created in the
 * same stage chain by `useradd`/`adduser` (its uid and home), or a numeric uid.
 */
export function userAt(instr: Instruction): UserInfo {
  const state = instr.state();
  const spec = state.user.trim();
  const [name, group] = spec.split(':');
  if (name === '' || name === 'root' || name === '0') {
    return { root: true, name: spec, home: '/root', uid: 0, gid: group === undefined || group === '' || group === 'root' || group === '0' ? 0 : undefined };
  }
  const known = knownUsers(instr);
  if (/^\d+$/.test(name)) {
    const uid = Number(name);
    const byUid = [...known.values()].find((u) => u.uid === uid);
    return { root: false, name: spec, uid, gid: group && /^\d+$/.test(group) ? Number(group) : byUid?.gid, home: byUid?.home };
  }
  const u = known.get(name);
  if (u) return { root: false, name: spec, uid: u.uid, gid: group && /^\d+$/.test(group) ? Number(group) : u.gid, home: u.home };
  // The official node images ship the user `node` (uid 1000, home /home/node).
  if (name === 'node' && instr.stage && /(^|\/)node(:|@|$)/.test(instr.stage.root().resolvedBaseImage)) {
    return { root: false, name: spec, uid: 1000, gid: 1000, home: '/home/node' };
  }
  return { root: false, name: spec };
}

interface KnownUser {
  uid?: number;
  gid?: number;
  home?: string;
}

const createdCache = new WeakMap<Stage, Array<{ index: number; name: string; user: KnownUser }>>();

/** Users created by RUN useradd/adduser in a stage, in order (computed once per stage). */
function usersCreatedIn(stage: Stage): Array<{ index: number; name: string; user: KnownUser }> {
  const cached = createdCache.get(stage);
  if (cached) return cached;
  const out: Array<{ index: number; name: string; user: KnownUser }> = [];
  for (const i of stage.instructions) {
    if (i.upper !== 'RUN' || !(i.mayHold('useradd') || i.mayHold('adduser'))) continue;
    for (const c of i.commands()) {
      const w = c.words.map((x) => x.value);
      const p = w.findIndex((x) => /^(useradd|adduser)$/.test(x.replace(/^.*\//, '')));
      if (p === -1) continue;
      const rest = w.slice(p + 1);
      const user: KnownUser = {};
      let name: string | undefined;
      let noHome = false;
      for (let k = 0; k < rest.length; k++) {
        const a = rest[k];
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
      out.push({ index: i.index, name, user });
    }
  }
  createdCache.set(stage, out);
  return out;
}

/** Users created by RUN useradd/adduser before `instr` in its stage chain. */
function knownUsers(instr: Instruction): Map<string, KnownUser> {
  const out = new Map<string, KnownUser>();
  const chain: Stage[] = [];
  for (let s: Stage | null = instr.stage; s && !chain.includes(s); s = s.parent) chain.unshift(s);
  for (const stage of chain) {
    for (const u of usersCreatedIn(stage)) {
      if (u.index >= instr.index) break;
      out.set(u.name, u.user);
    }
  }
  return out;
}

function num(s: string | undefined): number | undefined {
  return s && /^\d+$/.test(s) ? Number(s) : undefined;
}

