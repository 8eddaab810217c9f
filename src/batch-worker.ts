/**
 * A batch worker thread (see `src/batch.ts`): loads the selected transforms once, then processes
 * the chunks of files the main thread sends and posts the outcomes back. It never writes files:
 * writing stays on the main thread, so an interrupt can never stop a write half-way.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { processFile, type ProcessOptions } from './engine.js';
import { loadTransforms } from '../transforms/index.js';
import { toWire, type WorkerInit, type WorkerRequest, type WorkerReply } from './batch-wire.js';

const init = workerData as WorkerInit;
const port = parentPort!;

const ready = loadTransforms(init.transformIds).then(
  (transforms): ProcessOptions => ({
    transforms,
    options: init.options,
    contextDir: init.contextDir,
    noContext: init.noContext,
  }),
);

port.on('message', (msg: WorkerRequest) => {
  void ready.then(
    (opts) => {
      const results: WorkerReply['results'] = [];
      for (const [index, file] of msg.files) {
        try {
          results.push([index, toWire(processFile(file, opts))]);
        } catch (e) {
          // processFile reports input problems itself; anything else is a bug worth a message.
          results.push([index, { path: file, before: '', after: null, changed: false, findings: [], error: { file, message: `internal error: ${(e as Error).stack ?? e}` }, internal: true }]);
        }
      }
      const reply: WorkerReply = { results };
      port.postMessage(reply);
    },
    (e: unknown) => port.postMessage({ results: [], fatal: String((e as Error).stack ?? e) } satisfies WorkerReply),
  );
});
