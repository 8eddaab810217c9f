/**
 * `.devcontainer/devcontainer.json` (JSON with comments): `build.dockerfile`, `build.context`
 * (default `.`), `build.target`, `build.args`; paths are relative to the devcontainer.json's folder.
 */
import path from 'node:path';
import { interpolate } from './interpolate.js';
import type { Sink } from './types.js';

/** Strip `//` and `/* *\/` comments and trailing commas outside strings (JSONC). */
export function stripJsonc(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      out += text.slice(start, i + 1);
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const body = text.slice(i, end === -1 ? text.length : end + 2);
      out += body.replace(/[^\n]/g, ' ');
      i = end === -1 ? text.length : end + 1;
    } else out += c;
  }
  return out.replace(/,(\s*[}\]])/g, '$1');
}

export function readDevcontainer(file: string, text: string, sink: Sink): void {
  const clean = stripJsonc(text);
  let json: { build?: { dockerfile?: unknown; context?: unknown; target?: unknown; args?: unknown }; dockerFile?: unknown; context?: unknown };
  try {
    json = JSON.parse(clean);
  } catch (e) {
    sink.note(file, 1, `does not parse as JSON (${(e as Error).message}); not used`);
    return;
  }
  const b = json.build ?? {};
  const dockerfile = b.dockerfile ?? json.dockerFile;
  if (typeof dockerfile !== 'string') return;
  const at = clean.search(/"(dockerfile|dockerFile)"\s*:/);
  const line = at === -1 ? 1 : clean.slice(0, at).split('\n').length;
  const note = (m: string): void => sink.note(file, line, m);
  // devcontainer variables (`${localWorkspaceFolder}`, `${localEnv:X}`) are not known here.
  const val = (v: unknown, what: string): string | null | undefined => {
    if (typeof v !== 'string') return undefined;
    const r = interpolate(v, sink.env);
    if (r.ok) return r.value;
    note(`${what} ${v}: cannot resolve ${r.variable}; entry not used`);
    return null;
  };
  const df = val(dockerfile, 'dockerfile');
  const ctx = val(b.context ?? json.context, 'context');
  const target = val(b.target, 'target');
  if (df === null || ctx === null || target === null) return;
  const dir = path.dirname(file);
  const args: Record<string, string> = {};
  if (b.args && typeof b.args === 'object') {
    for (const [k, v] of Object.entries(b.args as Record<string, unknown>)) {
      if (typeof v !== 'string') continue;
      const r = interpolate(v, sink.env);
      if (r.ok) args[k] = r.value;
      else note(`arg ${k}: cannot resolve ${r.variable}; arg left out`);
    }
  }
  sink.add({
    dockerfile: path.resolve(dir, df!),
    context: path.resolve(dir, ctx ?? '.'),
    ...(target !== undefined ? { target } : {}),
    args,
    source: { file, line, what: 'devcontainer' },
  });
}
