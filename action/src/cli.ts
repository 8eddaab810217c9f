/**
 * Running dockerfix from the action's own checkout: the self-contained CLI bundle
 * (`bundle/dockerfix.mjs`, built from src/ by scripts/bundle.mjs and committed), started with
 * the runner's own node and the arguments as an array (no shell, no registry, no install).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CliRun {
  /** The exit code, or null when dockerfix did not exit normally (signal, failed start). */
  status: number | null;
  stdout: string;
  stderr: string;
  /** Why dockerfix could not be started, or the signal that ended it. */
  failure?: string;
}

/** The CLI bundle next to this action: `<checkout>/bundle/dockerfix.mjs` (this file is `<checkout>/action/dist/index.mjs`). */
export function cliPath(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bundle/dockerfix.mjs');
}

export function runDockerfix(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): CliRun {
  if (!fs.existsSync(cliPath())) return { status: null, stdout: '', stderr: '', failure: `the dockerfix CLI is missing from the action's checkout (${cliPath()})` };
  const r = spawnSync(process.execPath, [cliPath(), ...args], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 1024 * 1024 * 1024,
    env: { ...process.env, ...env, NO_COLOR: '1', FORCE_COLOR: '' },
  });
  const failure = r.error ? `could not start dockerfix: ${r.error.message}` : r.signal ? `dockerfix was ended by ${r.signal}` : undefined;
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ...(failure ? { failure } : {}) };
}

/** The line of dockerfix's standard error worth quoting in an annotation: the first matching `first`, else the last. */
export function stderrDetail(stderr: string, first: RegExp): string | undefined {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => first.test(l)) ?? lines.at(-1);
}
