/**
 * Compose files: every service's `build` (a string context, or an object with `context`,
 * `dockerfile`, `target`, `args` as a map or a list). Relative contexts are taken from the
 * compose file's folder, `dockerfile` from the context; `${X:-default}` resolves to its default
 * (values from a `.env` next to the compose file are used too).
 */
import path from 'node:path';
import { interpolate } from './interpolate.js';
import { readRegular } from './read.js';
import { get, isMap, isScalar, isSeq, pairs, keyOf, parseYaml, str } from './yaml-util.js';
import type { Sink } from './types.js';

export const COMPOSE_FILE = /^(docker-compose.*|compose(\..*)?)\.ya?ml$/;

function dotEnv(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const text = readRegular(path.join(dir, '.env'));
  if (text === null) return out;
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    let v = m[2];
    if (/^(['"]).*\1$/.test(v)) v = v.slice(1, -1);
    out[m[1]] = v;
  }
  return out;
}

export function readCompose(file: string, text: string, sink: Sink): void {
  const y = parseYaml(text);
  if ('error' in y) {
    sink.note(file, y.line, `does not parse as YAML (${y.error}); not used`);
    return;
  }
  const dir = path.dirname(file);
  const env = { ...dotEnv(dir), ...sink.env };
  const services = get(y.doc.contents, 'services');
  if (!services) return;
  for (const svc of pairs(services.value)) {
    const name = keyOf(svc) ?? '?';
    const build = get(svc.value, 'build');
    if (!build) continue;
    const line = y.line(build.key);
    const what = `compose service ${name}`;
    const note = (m: string): void => sink.note(file, line, `compose service ${name}: ${m}`);
    const value = (node: unknown, field: string): string | null | undefined => {
      const raw = str(node);
      if (raw === undefined) return undefined;
      const r = interpolate(raw, env);
      if (r.ok) return r.value;
      note(`${field} ${raw}: cannot resolve ${r.variable}; entry not used`);
      return null;
    };
    let contextRaw: string | null | undefined;
    let dockerfile: string | null | undefined;
    let target: string | null | undefined;
    const args: Record<string, string> = {};
    if (isScalar(build.value)) {
      contextRaw = value(build.value, 'build');
    } else if (isMap(build.value)) {
      contextRaw = value(get(build.value, 'context')?.value, 'context');
      dockerfile = value(get(build.value, 'dockerfile')?.value, 'dockerfile');
      target = value(get(build.value, 'target')?.value, 'target');
      if (get(build.value, 'dockerfile_inline')) {
        note('dockerfile_inline: the Dockerfile is not a file; not used');
        continue;
      }
      const a = get(build.value, 'args')?.value;
      const setArg = (k: string, raw: string | undefined): void => {
        if (raw === undefined) {
          note(`arg ${k} takes its value from the environment; not known`);
          return;
        }
        const r = interpolate(raw, env);
        if (r.ok) args[k] = r.value;
        else note(`arg ${k}=${raw}: cannot resolve ${r.variable}; arg left out`);
      };
      if (isMap(a)) for (const p of pairs(a)) setArg(keyOf(p) ?? '', str(p.value));
      else if (isSeq(a))
        for (const item of a.items) {
          const s = str(item);
          if (s === undefined) continue;
          const eq = s.indexOf('=');
          setArg(eq === -1 ? s : s.slice(0, eq), eq === -1 ? undefined : s.slice(eq + 1));
        }
    } else {
      note('build is neither a path nor a map; not used');
      continue;
    }
    if (contextRaw === null || dockerfile === null || target === null) continue;
    const ctx = contextRaw ?? '.';
    if (/^(https?:|git@|git:|ssh:)/.test(ctx) || /\.git(#.*)?$/.test(ctx)) {
      note(`context ${ctx} is a URL; not used`);
      continue;
    }
    const context = path.resolve(dir, ctx);
    sink.add({
      dockerfile: dockerfile !== undefined ? path.resolve(context, dockerfile) : undefined,
      context,
      ...(target !== undefined ? { target } : {}),
      args,
      source: { file, line, what },
    });
  }
}
