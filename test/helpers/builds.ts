/**
 * Helpers of the build-definition tests (test/builds-*.test.ts): a temporary git repository from
 * a file map, and definitions and notes as one line each, paths relative to the repository.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { BuildDefinitions } from '../../src/builds/index.js';
import { tempDir } from './cli.js';

export function gitRepo(files: Record<string, string>): string {
  const dir = tempDir(files);
  execFileSync('git', ['init', '-q', dir]);
  return fs.realpathSync(dir);
}

export function defs(r: BuildDefinitions): string[] {
  const rel = (p: string | null): string => (p === null ? '-' : path.relative(r.root, p).split(path.sep).join('/') || '.');
  return r.definitions.map((d) => `${rel(d.dockerfile)} context=${rel(d.context)}${d.target !== undefined ? ` target=${d.target}` : ''}${Object.keys(d.args).length ? ` args=${JSON.stringify(d.args)}` : ''} <- ${rel(d.source.file)}:${d.source.line} ${d.source.what}`);
}

export function notes(r: BuildDefinitions): string[] {
  return r.notes.map((n) => `${path.relative(r.root, n.file)}:${n.line}: ${n.message}`);
}
