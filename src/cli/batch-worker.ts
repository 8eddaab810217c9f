/**
 * A batch worker thread (see `src/cli/batch.ts`): loads the selected transforms once, then processes
 * the chunks of files the main thread sends and posts the outcomes back. It never writes files:
 * writing stays on the main thread, so an interrupt can never stop a write half-way.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ProcessOptions } from '../pipeline/engine.js';
import { processRecorded } from './context-recorder.js';
import { loadTransforms } from '../../transforms/index.js';
import { initKey, toWire, type WorkerInit, type WorkerRequest, type WorkerReply } from './batch-wire.js';

const port = parentPort!;

/** Option sets by key, loaded once each (with whether to record the context's answers). */
const sets = new Map<string, Promise<ProcessOptions & { record?: boolean }>>();
function load(init: WorkerInit): Promise<ProcessOptions & { record?: boolean }> {
  const key = initKey(init);
  let p = sets.get(key);
  if (!p) {
    p = loadTransforms(init.transformIds).then((transforms) => ({
      transforms,
      options: init.options,
      contextDir: init.contextDir,
      noContext: init.noContext,
      ...(init.firstChange ? { firstChange: true } : {}),
      ...(init.record ? { record: true } : {}),
    }));
    sets.set(key, p);
  }
  return p;
}
void load(workerData as WorkerInit);

port.on('message', (msg: WorkerRequest) => {
  for (const init of Object.values(msg.sets ?? {})) void load(init);
  const keys = [...new Set(msg.files.map((f) => f[2]))];
  void Promise.all(keys.map((k) => sets.get(k) ?? Promise.reject(new Error(`unknown option set ${k}`)))).then(
    (loaded) => {
      const byKey = new Map(keys.map((k, i) => [k, loaded[i]]));
      const results: WorkerReply['results'] = [];
      for (const [index, file, key] of msg.files) {
        try {
          const { record, ...opts } = byKey.get(key)!;
          const r = processRecorded(file, opts, record);
          results.push(r.log ? [index, toWire(r.outcome), r.log] : [index, toWire(r.outcome)]);
        } catch (e) {
          // processFile reports input problems itself; anything else is a bug worth a message.
          results.push([index, { path: file, before: '', after: null, changed: false, findings: [], error: { file, message: `internal error: ${(e as Error).stack ?? e}` }, internal: true }]);
        }
      }
      const reply: WorkerReply = { results };
      port.postMessage(reply);
      // In the bundle (bin/launch.ts): after the first chunk, write the code cache if it is
      // missing (a worker is terminated, never sees `exit`); the next run's workers start warm.
      (globalThis as { __dockerfixSaveCodeCache?: () => void }).__dockerfixSaveCodeCache?.();
    },
    (e: unknown) => port.postMessage({ results: [], fatal: String((e as Error).stack ?? e) } satisfies WorkerReply),
  );
});
