/** Parsing a subcommand's arguments with commander: help, usage errors and exit codes alike. */
import { CommanderError, type Command } from 'commander';
import type { Io } from './io.js';

/**
 * Parse `args` (user arguments) with `program`, configured with `exitOverride()`. Returns an exit
 * code when the run should stop here (0 after printing help, 2 after a usage error), else null.
 */
export function parseSubcommandArgs(program: Command, args: string[], io: Io, name: string): number | null {
  try {
    program.parse(args, { from: 'user' });
    return null;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help') {
        io.stdout.write(program.helpInformation());
        return 0;
      }
      io.stderr.write(`${name}: ${e.message.replace(/^error: /, '')}\n`);
      return 2;
    }
    throw e;
  }
}
