/**
 * `docker build` command lines in Makefiles (run from the Makefile's folder; simple `VAR = value`
 * definitions of the Makefile are substituted), shell scripts under `scripts/` or `build/` (taken
 * to run from the folder holding `scripts/`, the usual `./scripts/build.sh` from the root) and
 * `package.json` scripts (run from the package's folder).
 */
import path from 'node:path';
import { scanCommands } from './command.js';
import type { Sink } from './types.js';

export function readMakefile(file: string, text: string, sink: Sink): void {
  const dir = path.dirname(file);
  const vars = new Map<string, string>([['CURDIR', dir]]);
  for (const m of text.matchAll(/^([A-Za-z_][A-Za-z0-9_]*)\s*(?::{1,3}=|\?=|=)\s*([^\n$#]*?)\s*$/gm)) {
    if (!vars.has(m[1]) || m[1] !== 'CURDIR') vars.set(m[1], m[2]);
  }
  vars.set('CURDIR', dir);
  const raw = text.split('\n');
  const lines = raw.map((line, i) => {
    // Recipe prefixes (`@`, `-`, `+`) are make's, not the shell's; a line that continues the one
    // before (`\` at its end) has none (`--build-arg` stays a flag).
    const continued = i > 0 && /\\\s*$/.test(raw[i - 1]);
    let l = continued ? line : line.replace(/^(\s*)([@+-]+)/, (_m, ws: string, p: string) => ws + ' '.repeat(p.length));
    l = l.replace(/\$[({]([A-Za-z_][A-Za-z0-9_]*)[)}]/g, (m, name: string) => vars.get(name) ?? m);
    return l.replace(/\$\$/g, '$');
  });
  // make runs each recipe line in a shell of its own: a `cd` on one line does not move the next.
  scanCommands(lines.join('\n'), { file, line: 1, cwd: dir, what: 'Makefile', linePerShell: true }, sink);
}

export function readScript(file: string, text: string, sink: Sink, cwd: string): void {
  scanCommands(text, { file, line: 1, cwd, what: `script ${path.basename(file)}` }, sink);
}

export function readPackageJson(file: string, text: string, sink: Sink): void {
  let pkg: unknown;
  try {
    pkg = JSON.parse(text);
  } catch (e) {
    sink.note(file, 1, `does not parse as JSON (${(e as Error).message}); not used`);
    return;
  }
  const scripts = (pkg as { scripts?: unknown })?.scripts;
  if (!scripts || typeof scripts !== 'object') return;
  for (const [name, cmd] of Object.entries(scripts as Record<string, unknown>)) {
    if (typeof cmd !== 'string' || !/\b(docker|podman)\b/.test(cmd)) continue;
    const at = text.indexOf(JSON.stringify(name) + ':') !== -1 ? text.indexOf(JSON.stringify(name) + ':') : text.indexOf(JSON.stringify(name));
    const line = at === -1 ? 1 : text.slice(0, at).split('\n').length;
    scanCommands(cmd, { file, line, cwd: path.dirname(file), what: `package.json script ${name}` }, sink);
  }
}
