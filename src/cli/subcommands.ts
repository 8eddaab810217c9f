/**
 * `dockerfix explain`, `ci`, `fmt` and `review`: routed here from `main` before the main command's
 * options are parsed, and loaded only when used.
 */
import type { Io } from './io.js';

export const SUBCOMMANDS = ['explain', 'ci', 'fmt', 'review', 'verify'];

export const SUBCOMMAND_HELP =
  '\nCommands:\n' +
  '  explain <Dockerfile>  show what each step\'s cache key depends on and which steps a change re-runs,\n' +
  '                        before and after dockerfix\'s rewrite (dockerfix explain --help)\n' +
  '  fmt [paths...]        format Dockerfiles without changing what they do (dockerfix fmt --help)\n' +
  '  ci <Dockerfile>       print CI commands that reuse the layer cache across runners (dockerfix ci --help)\n' +
  '  review [paths...]     post the changes to a GitHub pull request as one review with suggested changes (dockerfix review --help)\n' +
  '  lsp [--stdio]         run the language server (diagnostics, code actions; see README: Editors)\n' +
  '  verify [Dockerfile]   build the original and the rewrite with your Docker, compare the images and\n' +
  '                        measure rebuilds (dockerfix verify --help)\n';

export async function runSubcommand(name: string, args: string[], io: Io, rawStderr?: Io['stderr']): Promise<number> {
  if (name === 'verify') return (await import('../verify/cli.js')).verifyCommand(args, io, rawStderr);
  if (name === 'fmt') return (await import('./fmt-cli.js')).fmtMain(args, io);
  if (name === 'review') return (await import('./review.js')).reviewCommand(args, io);
  if (name === 'explain') return (await import('./explain.js')).explainCommand(args, io);
  return (await import('./ci-commands.js')).ciCommand(args, io);
}
