/**
 * A transform's own options: declared in its `meta.options` (a small schema: type, default,
 * description, CLI flag), given under `transformOptions[<id>]` (config files, API, the CLI's flags
 * such as `--syntax`), validated here, read with `optionOf`.
 */
import type { OptionSpec, TransformContext, TransformMeta } from './types.js';

type OptionValue = string | boolean | string[];

/** The value of option `name` of the transform `meta` in this run (its default when not given). */
export function optionOf<T extends OptionValue>(ctx: TransformContext, meta: TransformMeta, name: string): T {
  const spec = meta.options?.[name];
  if (!spec) throw new Error(`${meta.id} declares no option ${name}`);
  const given = ctx.options.transformOptions[meta.id]?.[name];
  return (given === undefined ? spec.default : given) as T;
}

function typeOk(spec: OptionSpec, v: unknown): boolean {
  if (spec.type === 'string[]') return Array.isArray(v) && v.every((x) => typeof x === 'string');
  return typeof v === spec.type;
}

/**
 * Problems with the options given for some transforms (unknown option, wrong type), one line
 * each as `<id>.<option>: <problem>`; empty when they are all right. Options of transforms not
 * in `metas` are not looked at.
 */
export function checkTransformOptions(metas: readonly TransformMeta[], given: Readonly<Record<string, Readonly<Record<string, unknown>>>>): string[] {
  const out: string[] = [];
  for (const meta of metas) {
    const values = given[meta.id];
    if (!values) continue;
    const specs = meta.options ?? {};
    for (const [name, v] of Object.entries(values)) {
      const spec = specs[name];
      if (!spec) {
        const known = Object.keys(specs);
        out.push(`${meta.id}.${name}: unknown option (${known.length ? `known: ${known.join(', ')}` : `${meta.id} has no options`})`);
      } else if (!typeOk(spec, v)) out.push(`${meta.id}.${name}: expected ${spec.type === 'string[]' ? 'an array of strings' : `a ${spec.type}`}, got ${JSON.stringify(v)}`);
    }
  }
  return out;
}

/** `transformOptions` with one option of one transform set (the CLI's `--syntax`, the API's `syntax`). */
export function withOption(given: Readonly<Record<string, Record<string, unknown>>>, id: string, name: string, value: unknown): Record<string, Record<string, unknown>> {
  return { ...given, [id]: { ...given[id], [name]: value } };
}
