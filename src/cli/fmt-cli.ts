/** Option parsing for `dockerfix fmt`; the work is done by `fmtCommand` (src/cli/fmt.ts). */
import { Command, Option } from 'commander';
import { parseSubcommandArgs } from './parse.js';
import type { Io } from './io.js';
import { fmtCommand, type FmtOptions } from './fmt.js';

export async function fmtMain(args: string[], io: Io): Promise<number> {
  const program = new Command()
    .name('dockerfix fmt')
    .description(
      'Format Dockerfiles (upper-case keywords, one space between words, consistent continuation indentation) ' +
        'without changing what they do: a semantic guard compares before and after. Default: print a diff (dry run).',
    )
    .argument('[paths...]', 'Dockerfiles or directories (default: .); "-" reads standard input')
    .option('-w, --write', 'rewrite files in place (atomically)')
    .option('-c, --check', 'print only the files that would change; exit 1 if any would')
    .option('--stdin', 'format standard input to standard output')
    .option('--stdin-filepath <path>', 'the path of the file on standard input (for messages and its settings); reads standard input')
    .option('--indent <n>', 'spaces for continuation lines (default: .editorconfig indent_size, the config\'s format.indent, else 4)', (v) => Number(v))
    .option('--use-tabs', 'indent continuation lines with a tab')
    .addOption(new Option('--end-of-line <eol>', 'line endings of the output').choices(['auto', 'lf', 'crlf']))
    .option('-q, --quiet', 'only diffs, file lists and errors')
    .option('--no-color', 'no colours (also NO_COLOR=1 or FORCE_COLOR=0)')
    .option('--config <file>', 'use this config file for format settings and exclude (default: searched upward, as for dockerfix)')
    .option('--no-config', 'ignore config files (.editorconfig still applies)')
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  const stop = parseSubcommandArgs(program, args, io, 'dockerfix fmt');
  if (stop !== null) return stop;
  const opts = program.opts<FmtOptions>();
  return fmtCommand(program.args, opts, io);
}
