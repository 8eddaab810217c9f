/**
 * Task runners whose recipes run `docker build` (or bake, kaniko): go-task's `Taskfile.yml`
 * (each task's `cmds`, run from the Taskfile's folder or the task's `dir`; `vars` of the file and
 * the task with plain string values substituted for `{{.NAME}}`) and `just`'s `justfile` (recipe
 * bodies, run from the justfile's folder; `name := "value"` assignments substituted for
 * `{{name}}`). A template this reader does not know becomes an unknown variable: a flag that
 * needs it gets a note, others (a tag) do not matter.
 */
import path from 'node:path';
import { scanCommands } from './command.js';
import type { Sink } from './types.js';
import { get, isMap, isScalar, isSeq, keyOf, pairs, parseYaml, str } from './yaml-util.js';

export const TASKFILES = ['Taskfile.yml', 'Taskfile.yaml', 'taskfile.yml', 'taskfile.yaml', 'Taskfile.dist.yml', 'Taskfile.dist.yaml'];
export const JUSTFILES = ['justfile', 'Justfile', '.justfile'];

/** `{{ … }}` templates replaced: a known variable by its value, anything else by `${…}` (unknown to interpolate). */
function substituteTemplates(s: string, vars: ReadonlyMap<string, string>, dotted: boolean): string {
  return s.replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (_m, expr: string) => {
    const name = dotted ? /^\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(expr)?.[1] : /^([A-Za-z_][A-Za-z0-9_-]*)$/.exec(expr)?.[1];
    if (name !== undefined && vars.has(name)) return vars.get(name)!;
    return `\${${(name ?? expr).replace(/[{}]/g, '')}}`;
  });
}

/** The plain string values of a `vars:` map (`{sh: …}` and other dynamic values left out). */
function plainVars(node: unknown, into: Map<string, string>): void {
  for (const p of pairs(node)) {
    const k = keyOf(p);
    const v = isScalar(p.value) ? str(p.value) : undefined;
    if (k !== undefined && v !== undefined) into.set(k, v);
  }
}

export function readTaskfile(file: string, text: string, sink: Sink): void {
  const y = parseYaml(text);
  if ('error' in y) {
    sink.note(file, y.line, `does not parse as YAML (${y.error}); not used`);
    return;
  }
  const root = path.dirname(file);
  const globals = new Map<string, string>();
  plainVars(get(y.doc.contents, 'vars')?.value, globals);
  for (const task of pairs(get(y.doc.contents, 'tasks')?.value)) {
    const name = keyOf(task) ?? '?';
    const vars = new Map(globals);
    plainVars(get(task.value, 'vars')?.value, vars);
    const dirRaw = str(get(task.value, 'dir')?.value);
    const cwd = dirRaw === undefined ? root : path.resolve(root, substituteTemplates(dirRaw, vars, true));
    const cmds = get(task.value, 'cmds')?.value;
    // `cmds:` as a list of strings or `{cmd: …}` entries (a `{task: …}` entry calls another task).
    const items = isSeq(cmds) ? cmds.items : [];
    for (const item of items) {
      const node = isMap(item) ? get(item, 'cmd')?.value : item;
      const cmd = isScalar(node) ? str(node) : undefined;
      if (cmd === undefined) continue;
      const block = isScalar(node) && (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED');
      scanCommands(substituteTemplates(cmd, vars, true), { file, line: y.line(node) + (block ? 1 : 0), cwd, what: `Taskfile task ${name}` }, sink);
    }
  }
}

export function readJustfile(file: string, text: string, sink: Sink): void {
  const vars = new Map<string, string>();
  for (const m of text.matchAll(/^(?:export\s+)?([A-Za-z_][A-Za-z0-9_-]*)\s*:=\s*(?:"([^"\\\n]*)"|'([^'\n]*)')\s*(?:#.*)?$/gm)) vars.set(m[1], m[2] ?? m[3]);
  // Recipe bodies are the indented lines after a recipe header; everything else is blanked
  // (same line count, so lines still match the file).
  let inRecipe = false;
  let recipe = '';
  const lines = text.split('\n');
  const body: string[] = [];
  const starts: Array<{ line: number; name: string }> = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    const header = /^(?:@)?([A-Za-z_][A-Za-z0-9_-]*)[^:=]*:(?!=)/.exec(l);
    if (header && !/^\s/.test(l)) {
      inRecipe = true;
      recipe = header[1];
      starts.push({ line: i + 1, name: recipe });
      body.push('');
      continue;
    }
    if (inRecipe && (/^\s+\S/.test(l) || l.trim() === '')) {
      // `@` (quiet) and `-` (errors ignored) prefixes are just's, not the shell's; a line that
      // continues the one before (`\` at its end) has none (`--build-arg` stays a flag).
      const continued = /\\\s*$/.test(lines[i - 1] ?? '');
      body.push(substituteTemplates(continued ? l : l.replace(/^(\s*)(?:@-?|-@?)/, (_m, ws: string) => ws), vars, false));
      continue;
    }
    inRecipe = false;
    body.push('');
  }
  for (let k = 0; k < starts.length; k++) {
    const from = starts[k].line; // the header's line (1-based): the body starts on the next one
    const to = k + 1 < starts.length ? starts[k + 1].line - 1 : body.length;
    const recipeLines = body.slice(from, to);
    if (!/\b(docker|podman|buildah|executor)\b/.test(recipeLines.join('\n'))) continue;
    const site = { file, cwd: path.dirname(file), what: `justfile recipe ${starts[k].name}` };
    const first = recipeLines.findIndex((l) => l.trim() !== '');
    if (first !== -1 && recipeLines[first].trim().startsWith('#!')) {
      // A shebang recipe is one script.
      scanCommands(recipeLines.join('\n'), { ...site, line: from + 1 }, sink);
      continue;
    }
    // Each line runs in a shell of its own (a `cd` does not carry to the next line); a line
    // ending in a backslash goes on.
    for (let i = 0; i < recipeLines.length; i++) {
      let j = i;
      while (j < recipeLines.length - 1 && /\\\s*$/.test(recipeLines[j])) j++;
      const logical = recipeLines.slice(i, j + 1).join('\n');
      if (logical.trim()) scanCommands(logical, { ...site, line: from + 1 + i }, sink);
      i = j;
    }
  }
}
