/**
 * Build definitions: how a repository says each Dockerfile is built (compose files, GitHub
 * Actions workflows, `docker build` command lines in Makefiles and scripts, devcontainers, bake
 * JSON). Plain data; see `findBuildDefinitions` in ./index.ts.
 */

import type { FsQueries } from '../core/listings.js';

export interface BuildSource {
  /** Absolute path of the file that defines the build. */
  file: string;
  /** 1-based line of the entry (the service, step or command line). */
  line: number;
  /** What defines it, e.g. `compose service web`, `workflow step build`, `Makefile`. */
  what: string;
}

export interface BuildDefinition {
  /** Absolute path of the Dockerfile built. */
  dockerfile: string;
  /** Absolute path of the build context directory; null: built without a context (`-`). */
  context: string | null;
  target?: string;
  /** Build args with known values (an arg whose value could not be resolved is left out, with a note). */
  args: Record<string, string>;
  /** Named contexts (compose `additional_contexts`, bake `contexts`): absolute folders or `docker-image://…` etc. as written. */
  additionalContexts?: Record<string, string>;
  source: BuildSource;
}

export interface BuildNote {
  /** Absolute path of the file the note is about. */
  file: string;
  line: number;
  message: string;
}

export interface BuildDefinitions {
  /** The git root the search stopped at (or the start directory when there is none). */
  root: string;
  definitions: BuildDefinition[];
  notes: BuildNote[];
}

export interface FindOptions {
  /** Environment for `${X}` interpolation. Default: none (only `${X:-default}` resolves). */
  env?: Record<string, string | undefined>;
  /** The git root of a folder (default: `gitRoot`; the CLI's planning passes one that remembers). */
  gitRoot?: (dir: string) => string | undefined;
  /** The run's directory listings (src/core/listings.ts); default: the file system asked each time. */
  listings?: FsQueries;
}

/** A definition as a source module reports it, before the shared checks (repository, files). */
export interface RawDefinition {
  /** Absolute Dockerfile path, or undefined for `<context>/Dockerfile`. */
  dockerfile?: string;
  context: string | null;
  target?: string;
  args: Record<string, string>;
  additionalContexts?: Record<string, string>;
  source: BuildSource;
}

/** What every source module gets: where to report definitions and notes. */
export interface Sink {
  root: string;
  env: Record<string, string | undefined>;
  add(def: RawDefinition): void;
  note(file: string, line: number, message: string): void;
  /** Work that needs a promise (HCL parsing), run after the synchronous readers. */
  defer(task: () => Promise<void>): void;
}
