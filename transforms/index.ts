/**
 * The transform registry: every transform by id, with how to load it. Each transform is one
 * file in this folder that default-exports a `Transform` whose `meta.id` is its file name; adding
 * a transform is adding its file and one line here (test/registry.test.ts checks that the list
 * and the folder agree). The list is explicit, not a folder scan, so a bundler sees every
 * module, and loading stays lazy (only the selected transforms are imported) without a
 * top-level await anywhere: `require("dockerfix")` works from CommonJS.
 */
import { DockerfixError } from '../src/core/errors.js';
import { sortTransforms } from '../src/core/runner.js';
import type { Transform } from '../src/core/types.js';

type Loader = () => Promise<{ default: Transform }>;

const REGISTRY: Readonly<Record<string, Loader>> = Object.freeze({
  'apk-cache-mount': () => import('./apk-cache-mount.js'),
  'apt-cache-mount': () => import('./apt-cache-mount.js'),
  'bundler-cache-mount': () => import('./bundler-cache-mount.js'),
  'cargo-cache-mount': () => import('./cargo-cache-mount.js'),
  'composer-cache-mount': () => import('./composer-cache-mount.js'),
  'dotnet-cache-mount': () => import('./dotnet-cache-mount.js'),
  'go-cache-mount': () => import('./go-cache-mount.js'),
  'gradle-cache-mount': () => import('./gradle-cache-mount.js'),
  'hoist-stable': () => import('./hoist-stable.js'),
  'maven-cache-mount': () => import('./maven-cache-mount.js'),
  'node-cache-mount': () => import('./node-cache-mount.js'),
  'pip-cache-mount': () => import('./pip-cache-mount.js'),
  'pipenv-cache-mount': () => import('./pipenv-cache-mount.js'),
  'poetry-cache-mount': () => import('./poetry-cache-mount.js'),
  'sink-volatile': () => import('./sink-volatile.js'),
  'split-copy': () => import('./split-copy.js'),
  'syntax-directive': () => import('./syntax-directive.js'),
  'uv-cache-mount': () => import('./uv-cache-mount.js'),
});

/** Ids of all transforms, in id order. */
export function transformIds(): string[] {
  return Object.keys(REGISTRY).sort();
}

/** An unknown transform id in `only`/`skip` (CLI, config, API): a `DockerfixError` of kind `unknown-transform`. */
export class UnknownTransformError extends DockerfixError {
  constructor(readonly ids: string[]) {
    super(`unknown transform id${ids.length > 1 ? 's' : ''}: ${ids.join(', ')} (see --list-transforms)`, 'unknown-transform', 0, 0);
    this.name = 'UnknownTransformError';
  }
}

function known(id: string): boolean {
  return  Object.hasOwn(REGISTRY, id);
}

/** Load the transforms with the given ids (all when omitted), sorted by their run order. */
export async function loadTransforms(ids?: readonly string[]): Promise<Transform[]> {
  const wanted = ids ?? transformIds();
  const unknown = wanted.filter((id) => !known(id));
  if (unknown.length) throw new UnknownTransformError(unknown);
  const loaded = await Promise.all(
    wanted.map(async (id) => {
      const t = (await REGISTRY[id]()).default;
      if (!t || t.meta?.id !== id) throw new Error(`transforms/${id}: default export must be a Transform with meta.id "${id}"`);
      return t;
    }),
  );
  return sortTransforms(loaded);
}

/** Resolve `--only` / `--skip` lists into the ids to load. */
export function selectIds(only?: readonly string[], skip?: readonly string[]): string[] {
  const all = transformIds();
  const unknown = [...(only ?? []), ...(skip ?? [])].filter((id) => !known(id));
  if (unknown.length) throw new UnknownTransformError(unknown);
  const base = only && only.length ? all.filter((id) => only.includes(id)) : all;
  return base.filter((id) => !(skip ?? []).includes(id));
}
