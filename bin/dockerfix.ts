#!/usr/bin/env node
import { main } from '../src/cli.js';

// A reader that stops early (`dockerfix | head`) closes the pipe: stop quietly, as other CLIs do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

process.exitCode = await main(process.argv);
