/**
 * What the CLI does with the build definitions: per Dockerfile, the context to use, the targets
 * it is built with, and the notes that say where they came from. `--context` / `--no-context`
 * win over anything found (then only the targets are used). Several contexts for one Dockerfile:
 * the first found is used and a note names the others (analysing each context is not done yet).
 */
import path from 'node:path';
import { gitRoot } from '../pipeline/fsio.js';
import type { Finding } from '../core/types.js';
import { byDockerfile, describeSource, findBuildDefinitions, printable } from './index.js';
import { guessContext } from './guess-root.js';
import { readRegular } from './read.js';
import type { BuildNote } from './types.js';

export interface FileBuild {
  /** Context from a definition (absolute), or undefined to keep the default. */
  contextDir?: string;
  /** A definition builds it with no context (`-`). */
  noContext?: boolean;
  targets?: string[];
  /** Info notes for the file's outcome (where the context and targets came from). */
  findings: Finding[];
}

export interface BuildPlan {
  files: Map<string, FileBuild>;
  /** Entries the definitions search could not use (parse errors, unknown variables, …). */
  notes: BuildNote[];
}

const info = (message: string): Finding => ({ transform: 'context', kind: 'info', severity: 'info', message, line: 1, column: 1, endLine: 1, endColumn: 1, code: 'build-definitions' });

function rel(cwd: string, p: string): string {
  return printable(path.relative(cwd, p).split(path.sep).join('/') || '.');
}

/**
 * `files`: absolute Dockerfile paths; `starts`: the paths given (absolute). `explicit`: the user
 * gave --context or --no-context (contexts found are then not used).
 */
export function planBuilds(files: readonly string[], starts: readonly string[], cwd: string, explicit: boolean): BuildPlan {
  const plan: BuildPlan = { files: new Map(), notes: [] };
  // One search per git root (files outside any repository: their own folder only).
  const groups = new Map<string, string[]>();
  for (const f of files) {
    const root = gitRoot(path.dirname(f)) ?? path.dirname(f);
    let g = groups.get(root);
    if (!g) groups.set(root, (g = []));
    g.push(f);
  }
  for (const [root, group] of groups) {
    const within = starts.filter((s) => {
      const r = path.relative(root, s);
      return r === '' || (!r.startsWith('..') && !path.isAbsolute(r));
    });
    const found = findBuildDefinitions([...group.map((f) => path.dirname(f)), ...within]);
    plan.notes.push(...found.notes);
    const defs = byDockerfile(found.definitions);
    for (const file of group) {
      const fb: FileBuild = { findings: [] };
      plan.files.set(file, fb);
      const list = defs.get(file) ?? [];
      if (list.length === 0) {
        if (explicit) continue;
        const text = readRegular(file, 4 << 20);
        if (text === null) continue;
        const g = guessContext(file, text);
        if (g) {
          const where = g.dir === gitRoot(path.dirname(file)) ? 'the repository root' : rel(cwd, g.dir);
          fb.findings.push(
            info(`the build context looks like ${where} (${g.keyword} ${printable(g.source)} at line ${g.line} is not in ${rel(cwd, path.dirname(file))}/); pass --context ${rel(cwd, g.dir)} or add a compose entry`),
          );
        }
        continue;
      }
      const first = list[0];
      if (!explicit) {
        if (first.context === null) {
          fb.noContext = true;
          fb.findings.push(info(`no build context (${describeSource(first, cwd)})`));
        } else {
          fb.contextDir = first.context;
          fb.findings.push(info(`context ${rel(cwd, first.context)} (${describeSource(first, cwd)})`));
        }
        const others = list.filter((d) => d.context !== first.context);
        if (others.length) {
          const shown = [...new Map(others.map((d) => [d.context, d])).values()].map((d) => `${d.context === null ? 'no context' : rel(cwd, d.context)} (${describeSource(d, cwd)})`);
          fb.findings.push(info(`also built with context ${shown.join(', ')}; only context ${first.context === null ? '(none)' : rel(cwd, first.context)} was analysed`));
        }
      }
      const targets = new Map<string, string>();
      for (const d of list) if (d.target !== undefined && !targets.has(d.target)) targets.set(d.target, describeSource(d, cwd));
      if (targets.size) {
        fb.targets = [...targets.keys()];
        for (const [t, src] of targets) fb.findings.push(info(`target ${printable(t)} (${src})`));
      }
    }
  }
  return plan;
}
