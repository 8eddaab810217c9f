/**
 * Bake files in their JSON form (`docker-bake.json`, `docker-bake.override.json`): every target
 * with `context` (default `.`, from the bake file's folder), `dockerfile` (from the context),
 * `target`, `args`, after `inherits`; `${X}` takes the `variable` block's defaults. The HCL form is
 * not read (no maintained npm parser handles bake's HCL): see README.
 */
import path from 'node:path';
import { interpolate } from './interpolate.js';
import type { Sink } from './types.js';

interface BakeTarget {
  context?: unknown;
  dockerfile?: unknown;
  target?: unknown;
  args?: Record<string, unknown>;
  inherits?: unknown;
}

export function readBakeJson(file: string, text: string, sink: Sink): void {
  let json: { target?: Record<string, BakeTarget>; variable?: Record<string, { default?: unknown }> };
  try {
    json = JSON.parse(text);
  } catch (e) {
    sink.note(file, 1, `does not parse as JSON (${(e as Error).message}); not used`);
    return;
  }
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(json.variable ?? {})) if (v && v.default !== undefined && v.default !== null) env[k] = String(v.default);
  Object.assign(env, sink.env);
  const targets = json.target ?? {};
  const resolved = (name: string, seen: Set<string>): BakeTarget => {
    const t = targets[name];
    if (!t || seen.has(name)) return {};
    seen.add(name);
    const parents = Array.isArray(t.inherits) ? t.inherits : typeof t.inherits === 'string' ? [t.inherits] : [];
    let merged: BakeTarget = {};
    for (const p of parents) {
      const pt = resolved(String(p), seen);
      merged = { ...merged, ...pt, args: { ...merged.args, ...pt.args } };
    }
    return { ...merged, ...t, args: { ...merged.args, ...t.args } };
  };
  const targetsAt = text.indexOf('"target"');
  for (const name of Object.keys(targets)) {
    const at = text.indexOf(JSON.stringify(name), Math.max(0, targetsAt));
    const line = at === -1 ? 1 : text.slice(0, at).split('\n').length;
    const note = (m: string): void => sink.note(file, line, `bake target ${name}: ${m}`);
    const t = resolved(name, new Set());
    const val = (v: unknown, what: string): string | null | undefined => {
      if (typeof v !== 'string') return undefined;
      const r = interpolate(v, env);
      if (r.ok) return r.value;
      note(`${what} ${v}: cannot resolve ${r.variable}; entry not used`);
      return null;
    };
    const ctx = val(t.context, 'context');
    const df = val(t.dockerfile, 'dockerfile');
    const target = val(t.target, 'target');
    if (ctx === null || df === null || target === null) continue;
    if (ctx !== undefined && /^(https?:|git@|git:|ssh:|target:|docker-image:)/.test(ctx)) {
      note(`context ${ctx} is not a local folder; not used`);
      continue;
    }
    const context = path.resolve(path.dirname(file), ctx ?? '.');
    const args: Record<string, string> = {};
    for (const [k, v] of Object.entries(t.args ?? {})) {
      if (v === null || v === undefined) continue;
      const r = interpolate(String(v), env);
      if (r.ok) args[k] = r.value;
      else note(`arg ${k}: cannot resolve ${r.variable}; arg left out`);
    }
    sink.add({
      dockerfile: df !== undefined ? path.resolve(context, df) : undefined,
      context,
      ...(target !== undefined ? { target } : {}),
      args,
      source: { file, line, what: `bake target ${name}` },
    });
  }
}
