/**
 * Reading YAML with line numbers (the `yaml` package's LineCounter). The package is loaded on
 * the first YAML file read: most runs find none, and loading it is a good part of start-up.
 */
import { createRequire } from 'node:module';
import type { Document, Node as YNode, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';

type Yaml = typeof import('yaml');
let yamlModule: Yaml | undefined;
const yaml = (): Yaml => (yamlModule ??= createRequire(import.meta.url)('yaml') as Yaml);

// The node tests, without loading the package for values that cannot be YAML nodes.
const isNode = (n: unknown): boolean => yamlModule !== undefined && typeof n === 'object' && n !== null;
export const isMap = (n: unknown): n is YAMLMap => isNode(n) && yaml().isMap(n);
export const isSeq = (n: unknown): n is YAMLSeq => isNode(n) && yaml().isSeq(n);
export const isScalar = (n: unknown): n is Scalar => isNode(n) && yaml().isScalar(n);
const isPair = (n: unknown): n is Pair => isNode(n) && yaml().isPair(n);

/** Every document of a multi-document file (skaffold.yaml), each with its errors. */
export function parseAllYaml(text: string): Document[] {
  const docs = yaml().parseAllDocuments(text);
  return Array.isArray(docs) ? docs : [];
}

export interface YamlFile {
  doc: Document;
  line(node: unknown): number;
}

/** Parse `text`; on a syntax error returns its message and line. */
export function parseYaml(text: string): YamlFile | { error: string; line: number } {
  const { LineCounter, parseDocument } = yaml();
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: false });
  if (doc.errors.length) {
    const e = doc.errors[0];
    return { error: e.message.split('\n')[0], line: lc.linePos(e.pos[0]).line };
  }
  return {
    doc,
    line(node: unknown): number {
      const r = (node as YNode | undefined)?.range;
      return r ? lc.linePos(r[0]).line : 1;
    },
  };
}

/** `node`, or what it stands for when it is an alias (`*name`); undefined for an alias to nothing. */
export function deref(node: unknown, doc: Document): unknown {
  return isNode(node) && yaml().isAlias(node) ? node.resolve(doc) : node;
}

/** A map's `key: value` entries whose key and value are scalars, as strings. */
export function scalarEntries(node: unknown): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const p of pairs(node)) {
    const k = keyOf(p);
    const v = str(p.value);
    if (k !== undefined && v !== undefined) out.push([k, v]);
  }
  return out;
}

/** A list of `{ name: …, <field>: … }` maps (Azure variables, template parameters) as [name, value] entries. */
export function namedEntries(node: unknown, field: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const item of isSeq(node) ? node.items : []) {
    const k = str(get(item, 'name')?.value);
    const v = str(get(item, field)?.value);
    if (k !== undefined && v !== undefined) out.push([k, v]);
  }
  return out;
}

/** The pairs of a map node (none for anything else). */
export function pairs(node: unknown): Pair<unknown, unknown>[] {
  return isMap(node) ? (node.items as Pair<unknown, unknown>[]).filter((p) => isPair(p)) : [];
}

export function keyOf(p: Pair<unknown, unknown>): string | undefined {
  return isScalar(p.key) ? String(p.key.value) : undefined;
}

export function get(node: unknown, key: string): Pair<unknown, unknown> | undefined {
  return pairs(node).find((p) => keyOf(p) === key);
}

/** A scalar's value as a string (numbers and booleans as written); undefined for anything else. */
export function str(node: unknown): string | undefined {
  if (!isScalar(node)) return undefined;
  if (node.value === null) return undefined;
  return typeof node.source === 'string' ? node.source : String(node.value);
}
