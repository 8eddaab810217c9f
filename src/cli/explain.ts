/**
 * `dockerfix explain <Dockerfile>`: the command. The analysis (src/explain/analyze.ts) and the
 * renderers (src/explain/render-*.ts) need no file system; here the file and its build context
 * are read and the output format picked.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { parseSubcommandArgs } from './parse.js';
import type { Io } from './io.js';
import { contextFor, processText } from '../pipeline/engine.js';
import { analyseEachContext } from '../builds/contexts.js';
import { DockerfileDocument } from '../core/document.js';
import { ConfigError } from '../pipeline/config.js';
import { FileOptions, newResolver } from '../pipeline/file-options.js';
import { planBuilds } from '../builds/plan.js';
import { FileError, readDockerfile } from '../pipeline/fsio.js';
import { InputError, stripBom } from '../core/source.js';
import { selectIds, UnknownTransformError } from '../../transforms/index.js';
import type { BuildContext } from '../core/context.js';
import { analyze, describeChange, renderExplain, type Change, type ExplainResult } from '../explain/analyze.js';

import { explainView } from '../explain/model.js';
import { renderMermaid } from '../explain/render-mermaid.js';
import { renderExplainJson, renderMarkdown } from '../explain/render-markdown.js';
import { renderHtml } from '../explain/render-html.js';

export * from '../explain/analyze.js';

export const EXPLAIN_FORMATS = ['text', 'json', 'markdown', 'mermaid', 'html'] as const;
export type ExplainFormat = (typeof EXPLAIN_FORMATS)[number];

/** An explain result in one of the output formats (`text` is the classic report). */
export function renderExplainAs(r: ExplainResult, format: ExplainFormat): string {
  if (format === 'text') return renderExplain(r);
  const v = explainView(r);
  if (format === 'json') return renderExplainJson(v);
  if (format === 'markdown') return renderMarkdown(v);
  if (format === 'mermaid') return renderMermaid(v);
  return renderHtml(v);
}

function describeContext(context: BuildContext, root?: string, cwd?: string): string {
  const files = context.files();
  if (!context.available) return 'build context: unknown (--no-context); COPY sources are judged by their names';
  const where = root ? path.relative(cwd ?? process.cwd(), root) || '.' : context.describe();
  const ignore = root && fs.existsSync(path.join(root, '.dockerignore')) ? '.dockerignore honoured' : 'no .dockerignore';
  return `build context: ${where} (${files?.length ?? '?'} files; ${ignore})`;
}

export interface ExplainOptions {
  change: Change;
  /** Transforms and options for the "after" run. */
  fileOptions: FileOptions;
  contextDir?: string;
  noContext?: boolean;
  cwd: string;
}

export async function explainFile(file: string, opts: ExplainOptions): Promise<ExplainResult> {
  const abs = path.resolve(opts.cwd, file);
  let d;
  let doc: DockerfileDocument;
  try {
    d = readDockerfile(abs);
    doc = new DockerfileDocument(d.text, d.bom);
  } catch (e) {
    if (e instanceof FileError) throw new FileError(file, e.message, e.line, e.column);
    if (e instanceof InputError) throw new FileError(file, e.message, e.line, e.column);
    throw e;
  }
  // How the repository builds it (compose, bake, workflows, …; src/builds): --context wins.
  const explicit = opts.contextDir !== undefined || opts.noContext === true;
  const fb = (await planBuilds([abs], [abs], opts.cwd, explicit, (f) => opts.fileOptions.settings(f).build)).files.get(abs);
  const po = await opts.fileOptions.for(abs, fb);
  const contextDir = explicit ? opts.contextDir : fb?.contextDir;
  const noContext = explicit ? opts.noContext : fb?.noContext;
  const context = contextFor(abs, { ...po, contextDir, noContext });
  const root = noContext ? undefined : (contextDir ?? path.dirname(abs));
  if (po.options?.buildArgs) doc = new DockerfileDocument(d.text, d.bom, po.options.buildArgs);
  const before = analyze(doc, context, opts.change);
  const raw = (d.bom ? '\ufeff' : '') + d.text;
  const first = processText(raw, file, { transforms: po.transforms, options: po.options, buildContext: context });
  // Several contexts: the rewrite shown is the one the main command makes, the one every context
  // agrees on (src/builds/contexts.ts).
  const run = analyseEachContext(abs, { transforms: po.transforms, options: po.options, contextDir, noContext }, explicit ? undefined : fb, first, (_f, o) => processText(raw, file, o, abs));
  if (run.runError) throw new FileError(file, run.runError.message, run.runError.line, run.runError.column);
  if (run.error) throw run.error;
  const after = run.changed ? analyze(new DockerfileDocument(stripBom(run.after).text, d.bom, po.options?.buildArgs), context, opts.change) : null;
  const builds = [...(fb?.findings ?? []), ...run.findings.filter((f) => f.transform === 'context' && f.code === 'build-definitions')].map((f) => f.message);
  const applied = po.transforms.map((t) => t.meta.id).filter((id) => (run.edits ?? []).some((e) => e.transforms.includes(id)));
  return {
    path: file,
    change: opts.change,
    contextLine: describeContext(context, root, opts.cwd),
    changeLine: describeChange(opts.change, context),
    before,
    after,
    applied,
    ...(builds.length ? { builds } : {}),
  };
}

const list = (v: string, prev: string[] = []): string[] => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];

export async function explainCommand(args: string[], io: Io): Promise<number> {
  const program = new Command()
    .name('dockerfix explain')
    .description(
      'Show, per stage, what each step\'s cache key depends on (parent step, command, copied context files after ' +
        '.dockerignore, build args, other stages) and which steps a change re-runs, before and after dockerfix\'s rewrite.',
    )
    .argument('<Dockerfile>', 'the Dockerfile to explain')
    .option('--changed <path>', 'the changed file, relative to the build context (default: any source file, i.e. not a dependency manifest)')
    .option('--changed-arg <name>', 'analyse a new value of this build arg (--build-arg) instead of a file change')
    .option('--context <dir>', 'build context directory (default: the one the repository\'s build definitions name, else the Dockerfile\'s directory)')
    .option('--no-context', 'do not look at the build context')
    .option('--only <ids>', 'transforms for the "after" view (comma-separated)', list)
    .option('--skip <ids>', 'transforms to leave out of the "after" view', list)
    .option('--unsafe', 'include unsafe fixes in the "after" view')
    .option('--syntax <ref>', 'the # syntax= reference (as for the main command)')
    .option('--config <file>', 'config file (default: searched upward)')
    .option('--no-config', 'ignore config files')
    .option('--json', 'print the analysis as JSON (the analysis only; --format json adds the headline and the step pairing)')
    .addOption(new Option('-f, --format <format>', 'output: text, json, markdown (headline, Mermaid picture, step tables), mermaid (the flowchart), html (self-contained, picture as inline SVG)').choices(EXPLAIN_FORMATS))
    .option('-o, --output <file>', 'write the output to this file instead of standard output')
    .option('--no-color', 'no colours (explain prints none; accepted like the other commands)')
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  const stop = parseSubcommandArgs(program, args, io, 'dockerfix explain');
  if (stop !== null) return stop;
  const o = program.opts<{ changed?: string; changedArg?: string; context?: string | false; only?: string[]; skip?: string[]; unsafe?: boolean; syntax?: string; config?: string | false; json?: boolean; format?: ExplainFormat; output?: string }>();
  if (o.json && o.format && o.format !== 'json') {
    io.stderr.write('dockerfix explain: --json and --format cannot be used together\n');
    return 2;
  }
  if (o.changed && o.changedArg) {
    io.stderr.write('dockerfix explain: --changed and --changed-arg cannot be used together\n');
    return 2;
  }
  try {
    selectIds(o.only, o.skip);
    const contextDir = typeof o.context === 'string' ? path.resolve(io.cwd, o.context) : undefined;
    const noContext = o.context === false;
    const fileOptions = new FileOptions(newResolver(io.cwd, o.config), { only: o.only, skip: o.skip, syntax: o.syntax, unsafe: o.unsafe ? true : undefined, contextDir, noContext });
    const r = await explainFile(program.args[0], {
      change: o.changedArg ? { kind: 'arg', name: o.changedArg } : o.changed ? { kind: 'path', path: o.changed } : { kind: 'any-source' },
      fileOptions,
      contextDir,
      noContext,
      cwd: io.cwd,
    });
    const text = o.json && !o.format ? JSON.stringify(r, null, 2) + '\n' : renderExplainAs(r, o.format ?? 'text');
    if (o.output) {
      try {
        const out = path.resolve(io.cwd, o.output);
        fs.mkdirSync(path.dirname(out), { recursive: true });
        fs.writeFileSync(out, text);
      } catch (e) {
        io.stderr.write(`dockerfix explain: ${o.output}: cannot write: ${(e as Error).message}\n`);
        return 2;
      }
    } else io.stdout.write(text);
    return 0;
  } catch (e) {
    if (e instanceof FileError || e instanceof ConfigError) {
      io.stderr.write(`dockerfix explain: ${e instanceof ConfigError ? e.format(io.cwd) : e.format()}\n`);
      return 2;
    }
    if (e instanceof UnknownTransformError) {
      io.stderr.write(`dockerfix explain: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
