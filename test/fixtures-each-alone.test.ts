/**
 * Every transform alone (`--only <id>`, without syntax-directive or any other transform) over
 * every fixture's input, with the fixture's context and options: no internal error or failed
 * self-check, and a second run changes nothing. The fixtures test each transform beside
 * syntax-directive and all of them together; a user may select one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DirectoryContext, NoContext } from '../src/core/context.js';
import { processText } from '../src/pipeline/engine.js';
import { loadTransforms, transformIds } from '../transforms/index.js';
import { listFixtureCases } from './helpers/fixtures.js';

const cases = listFixtureCases();

describe('each transform alone over every fixture', () => {
  for (const id of transformIds()) {
    it(id, async () => {
      const transforms = await loadTransforms([id]);
      const failures: string[] = [];
      let changed = 0;
      for (const c of cases) {
        const ctxDir = path.join(c.dir, 'context');
        const run = (text: string) =>
          processText(text, 'Dockerfile', {
            transforms,
            buildContext: fs.existsSync(ctxDir) ? new DirectoryContext(ctxDir, path.join(ctxDir, 'Dockerfile')) : new NoContext(),
            options: { unsafe: c.options.unsafe ?? false, ...(c.options.targets ? { targets: c.options.targets } : {}), transformOptions: c.options.transformOptions ?? {} },
          });
        const r = run(c.input);
        // A fixture that is not a Dockerfile on purpose (a parse error it pins) is no failure here.
        if (r.error && !r.internal) continue;
        if (r.error) {
          failures.push(`${c.group}/${c.name}: ${r.error.message.split('\n')[0]}`);
          continue;
        }
        if (!r.changed) continue;
        changed++;
        const again = run(r.after);
        if (again.error) failures.push(`${c.group}/${c.name}: the output does not run again: ${again.error.message.split('\n')[0]}`);
        else if (again.after !== r.after) failures.push(`${c.group}/${c.name}: a second run changes the output again`);
      }
      expect(failures).toEqual([]);
      // Each transform changes some fixture on its own (its own cases at least); syntax-directive
      // only adds the directive another transform's change needs, so alone it changes none.
      if (id === 'syntax-directive') expect(changed).toBe(0);
      else expect(changed).toBeGreaterThan(0);
    });
  }
});
