#!/usr/bin/env node
import { main } from '../src/cli/main.js';

// A reader that stops early (`dockerfix | head`) closes the pipe: stop quietly, as other CLIs do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

// Anything that escapes main is a bug: say so and exit 2 ("error"), never 1 ("changes found").
function crash(e: unknown): void {
  const text = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
  process.stderr.write(`dockerfix: internal error: ${text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}\n`);
  process.exit(2);
}
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

try {
  process.exitCode = await main(process.argv);
} catch (e) {
  crash(e);
}
