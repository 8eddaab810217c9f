/**
 * Prettier plugin: `plugins: ["dockerfix/prettier"]` formats Dockerfiles with the dockerfix
 * formatter (layout only, proven by the semantic guard; see src/format/).
 *
 * The parser is named `dockerfix-dockerfile`, not `dockerfile`, because prettier-plugin-sh already
 * registers `dockerfile` and the two would clash when both plugins are installed.
 * Prettier itself strips and restores a BOM and converts line endings (`endOfLine`), so the
 * printer works on LF text.
 */
import type { Plugin, Printer, SupportOptions, Parser, AstPath, ParserOptions } from 'prettier';
import path from 'node:path';
import { lex } from './core/lexer.js';
import { isDockerfilePath } from './core/names.js';
import { ConfigError, ConfigResolver } from './pipeline/config.js';
import { transformIds } from '../transforms/index.js';
import { InputError } from './core/source.js';
import { format, DEFAULT_INDENT } from './format/index.js';

export const PARSER_NAME = 'dockerfix-dockerfile';
const AST_FORMAT = 'dockerfix-dockerfile';

interface DockerfileAst {
  type: 'dockerfile';
  text: string;
  start: number;
  end: number;
}

/** The one list of Dockerfile names (src/core/names.ts), shared with the CLI and pre-commit. */
export { isDockerfilePath };

export const languages: Plugin['languages'] = [
  {
    // Names as in GitHub linguist's "Dockerfile" language.
    name: 'Dockerfile',
    parsers: [PARSER_NAME],
    aliases: ['Containerfile'],
    extensions: ['.dockerfile', '.containerfile', '.Dockerfile', '.Containerfile'],
    filenames: ['Dockerfile', 'Containerfile', 'dockerfile', 'containerfile'],
    linguistLanguageId: 89,
    vscodeLanguageIds: ['dockerfile'],
    tmScope: 'source.dockerfile',
    aceMode: 'dockerfile',
    codemirrorMode: 'dockerfile',
    codemirrorMimeType: 'text/x-dockerfile',
    isSupported: ({ filepath }: { filepath: string }) => isDockerfilePath(filepath),
  } as NonNullable<Plugin['languages']>[number],
];

/** A parse error as prettier expects it: message ending in `(line:column)` and a `loc`. */
export class DockerfileSyntaxError extends SyntaxError {
  readonly loc: { start: { line: number; column: number } };
  constructor(message: string, line: number, column: number) {
    super(`${message} (${line}:${column})`);
    this.name = 'SyntaxError';
    this.loc = { start: { line, column } };
  }
}

const parser: Parser<DockerfileAst> = {
  astFormat: AST_FORMAT,
  parse(text: string): DockerfileAst {
    try {
      lex(text);
    } catch (e) {
      if (e instanceof InputError) throw new DockerfileSyntaxError(e.message, e.line, e.column);
      throw e;
    }
    return { type: 'dockerfile', text, start: 0, end: text.length };
  },
  locStart: (node: DockerfileAst) => node.start,
  locEnd: (node: DockerfileAst) => node.end,
};

export const parsers: Plugin['parsers'] = { [PARSER_NAME]: parser };

interface PrettierLayoutOptions {
  tabWidth?: number;
  useTabs?: boolean;
  filepath?: string;
}

let resolver: ConfigResolver | undefined;

/**
 * The layout for one file: prettier's own `tabWidth` and `useTabs` (prettier has already merged
 * `.editorconfig` and the prettier config into them; this plugin's default `tabWidth` is 4, the
 * dockerfix default), then the dockerfix config's `format` for the file on top, as for
 * `dockerfix fmt`: one configuration for the CLI, `fmt` and prettier.
 */
function layoutFor(o: PrettierLayoutOptions): { indent: number; useTabs: boolean } {
  let indent = o.tabWidth ?? DEFAULT_INDENT;
  let useTabs = o.useTabs === true;
  if (o.filepath) {
    resolver ??= new ConfigResolver(transformIds());
    try {
      const f = resolver.settingsFor(path.resolve(o.filepath)).format;
      if (f.indent !== undefined) indent = f.indent;
      if (f.useTabs !== undefined) useTabs = f.useTabs;
    } catch (e) {
      if (e instanceof ConfigError) throw new Error(`dockerfix: ${e.format(process.cwd())}`);
      throw e;
    }
  }
  return { indent, useTabs };
}

const printer: Printer<DockerfileAst> = {
  print(p: AstPath<DockerfileAst>, options: ParserOptions<DockerfileAst>): string {
    const node = p.node;
    if (node.type !== 'dockerfile') throw new Error(`dockerfix prettier plugin: unknown node type ${(node as { type: string }).type}`);
    const { indent, useTabs } = layoutFor(options as unknown as PrettierLayoutOptions);
    // Prettier hands us LF text and converts "\n" to its endOfLine afterwards.
    const r = format(node.text, { indent, useTabs, endOfLine: 'lf' });
    if (r.error) {
      if (r.error.kind === 'parse') throw new DockerfileSyntaxError(r.error.message, r.error.line, r.error.column);
      throw new Error(`dockerfix: ${r.error.message}`);
    }
    return r.output;
  },
};

export const printers: Plugin['printers'] = { [AST_FORMAT]: printer };

export const options: SupportOptions = {};

/** Prettier's core options as dockerfix uses them by default (4-space continuation lines). */
export const defaultOptions = { tabWidth: DEFAULT_INDENT };

const plugin: Plugin = { languages, parsers, printers, options, defaultOptions };
export default plugin;
