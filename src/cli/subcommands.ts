/**
 * `dockerfix explain` and `dockerfix ci`: routed here from `main` before the main command's
 * options are parsed, and loaded only when used.
 */
import type { Io } from './io.js';

export const SUBCOMMANDS = ['explain', 'ci', 'fmt'];

export const SUBCOMMAND_HELP =
  '\nCommands:\n' +
  '  explain <Dockerfile>  show what each step\'s cache key depends on and which steps a change re-runs,\n' +
  '                        before and after dockerfix\'s rewrite (dockerfix explain --help)\n' +
  '  fmt [paths...]        format Dockerfiles without changing what they do (dockerfix fmt --help)\n' +
  '  ci <Dockerfile>       print CI commands that reuse the layer cache across runners (dockerfix ci --help)\n';

export async function runSubcommand(name: string, args: string[], io: Io): Promise<number> {
  if (name === 'fmt') return (await import('./fmt-cli.js')).fmtMain(args, io);
  if (name === 'explain') return (await import('./explain.js')).explainCommand(args, io);
  return (await import('./ci-commands.js')).ciCommand(args, io);
}
