/**
 * The transform registry. Every other module in this folder is a transform: its file name is
 * its id and it default-exports a `Transform`. Adding a transform is adding a file here; the
 * core never imports transforms by name. Modules are loaded lazily, only those selected.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sortTransforms } from '../src/core/runner.js';
import type { Transform } from '../src/core/types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
let cachedFiles: Map<string, string> | undefined;

function transformFiles(): Map<string, string> {
  if (cachedFiles) return cachedFiles;
  const files = new Map<string, string>();
  for (const name of fs.readdirSync(here).sort()) {
    const m = /^([a-z0-9-]+)\.(js|ts)$/.exec(name);
    if (!m || m[1] === 'index' || name.endsWith('.d.ts')) continue;
    if (!files.has(m[1]) || m[2] === 'js') files.set(m[1], path.join(here, name));
  }
  return (cachedFiles = files);
}

/** Ids of all transforms, in file-name order. */
export function transformIds(): string[] {
  return [...transformFiles().keys()];
}

export class UnknownTransformError extends Error {
  constructor(readonly ids: string[]) {
    super(`unknown transform id${ids.length > 1 ? 's' : ''}: ${ids.join(', ')} (see --list-transforms)`);
    this.name = 'UnknownTransformError';
  }
}

/** Load the transforms with the given ids (all when omitted), sorted by their run order. */
export async function loadTransforms(ids?: readonly string[]): Promise<Transform[]> {
  const files = transformFiles();
  const wanted = ids ?? [...files.keys()];
  const unknown = wanted.filter((id) => !files.has(id));
  if (unknown.length) throw new UnknownTransformError(unknown);
  const loaded = await Promise.all(
    wanted.map(async (id) => {
      const mod = (await import(pathToFileURL(files.get(id)!).href)) as { default?: Transform };
      const t = mod.default;
      if (!t || t.meta?.id !== id) throw new Error(`transforms/${id}: default export must be a Transform with meta.id "${id}"`);
      return t;
    }),
  );
  return sortTransforms(loaded);
}

/** Resolve `--only` / `--skip` lists into the ids to load. */
export function selectIds(only?: readonly string[], skip?: readonly string[]): string[] {
  const all = transformIds();
  const unknown = [...(only ?? []), ...(skip ?? [])].filter((id) => !all.includes(id));
  if (unknown.length) throw new UnknownTransformError(unknown);
  const base = only && only.length ? all.filter((id) => only.includes(id)) : all;
  return base.filter((id) => !(skip ?? []).includes(id));
}
