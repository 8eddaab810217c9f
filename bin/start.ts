/**
 * The CLI process: stream and crash handlers around `main`. `bin/dockerfix.ts` (the build) and the
 * bundle (`bundle/dockerfix.mjs` loads it from `bundle/dockerfix-cli.cjs`, see bin/launch.ts) call
 * `start` once.
 */
import { main, outputWriteError } from '../src/cli/main.js';

export async function start(argv: string[] = process.argv): Promise<void> {
  // A reader that stops early (`dockerfix | head`) closes the pipe: stop quietly, as other CLIs do.
  // Any other failed write (a full disk behind `> file`): one line and exit 2, never a stack.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      const message = outputWriteError(e);
      if (!message) throw e;
      if (stream !== process.stderr) process.stderr.write(message + '\n');
      process.exit(2);
    });
  }

  // Anything that escapes main is a bug: say so and exit 2 ("error"), never 1 ("changes found").
  function crash(e: unknown): void {
    const message = outputWriteError(e);
    if (message) {
      process.stderr.write(message + '\n');
      process.exit(2);
    }
    const text = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
    process.stderr.write(`dockerfix: internal error: ${text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}\n`);
    process.exit(2);
  }
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);

  try {
    process.exitCode = await main(argv);
  } catch (e) {
    crash(e);
  }
}
