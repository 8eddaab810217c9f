/**
 * The registry of package-manager descriptors, in classification order (the first whose
 * `programs` matches a command's program classifies it). Adding a tool: one file exporting an
 * EcosystemDescriptor, one line here (README, "How to add a package manager").
 */
import type { CacheKnowledge, EcosystemDescriptor, EcosystemId } from './types.js';
import { pip } from './pip.js';
import { uv } from './uv.js';
import { pipenv } from './pipenv.js';
import { poetry } from './poetry.js';
import { pdm } from './pdm.js';
import { npm } from './npm.js';
import { yarn } from './yarn.js';
import { pnpm } from './pnpm.js';
import { bun } from './bun.js';
import { go } from './go.js';
import { cargo } from './cargo.js';
import { maven } from './maven.js';
import { gradle } from './gradle.js';
import { bundler } from './bundler.js';
import { composer } from './composer.js';
import { dotnet } from './dotnet.js';
import { mix } from './mix.js';
import { apt } from './apt.js';
import { apk } from './apk.js';
import { dnf, zypper, pacman, otherSystem } from './system.js';

export const ECOSYSTEMS: readonly EcosystemDescriptor[] = [
  pip, uv, pipenv, poetry, pdm,
  npm, yarn, pnpm, bun,
  go, cargo, maven, gradle, bundler, composer, dotnet, mix,
  apt, apk, dnf, zypper, pacman, otherSystem,
];

const byId = new Map(ECOSYSTEMS.map((e) => [e.id, e]));

export function ecosystem(id: EcosystemId): EcosystemDescriptor {
  const e = byId.get(id);
  if (!e) throw new Error(`unknown ecosystem ${id}`);
  return e;
}

const byProgram = new Map<string, EcosystemDescriptor | undefined>();

/** The descriptor that claims this program (basename), or undefined. Memoised: big files have 60k steps. */
export function ecosystemOfProgram(prog: string): EcosystemDescriptor | undefined {
  if (byProgram.has(prog)) return byProgram.get(prog);
  const e = ECOSYSTEMS.find((d) => d.programs.test(prog));
  if (byProgram.size < 10_000) byProgram.set(prog, e);
  return e;
}

/** The cache knowledge a `*-cache-mount` transform applies, in registry order. */
export function cacheKnowledgeFor(transformId: string): CacheKnowledge[] {
  return ECOSYSTEMS.flatMap((e) => (e.cache?.transform === transformId ? [e.cache] : []));
}

/** Program -> subcommands of every system package manager (null: not modelled by the data flow). */
export function systemManagers(): Map<string, ReadonlySet<string> | null> {
  const out = new Map<string, ReadonlySet<string> | null>();
  for (const e of ECOSYSTEMS) for (const [prog, subs] of Object.entries(e.system ?? {})) out.set(prog, subs);
  return out;
}

/** File names every descriptor lists as manifests, and their path patterns (what `explain` treats as a manifest). */
export function manifestNames(): { names: Set<string>; patterns: RegExp[] } {
  const names = new Set<string>();
  const patterns: RegExp[] = [];
  for (const e of ECOSYSTEMS) {
    for (const n of e.manifests?.names ?? []) names.add(n);
    patterns.push(...(e.manifests?.patterns ?? []));
  }
  return { names, patterns };
}

export type { EcosystemDescriptor, EcosystemId } from './types.js';
