// `node --import ./test/helpers/log-modules.mjs ...`: prints `LOADED <url>` on stderr for every
// module the program resolves (test/lazy.test.ts checks what a plain run loads).
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(
      "export async function resolve(s, c, next) { const r = await next(s, c); process.stderr.write('LOADED ' + r.url + '\\n'); return r; }",
    ),
);

// CommonJS loads (createRequire) do not pass the hook above.
import Module from 'node:module';
const load = Module._load;
Module._load = function (request, parent, isMain) {
  try {
    process.stderr.write('LOADED ' + Module._resolveFilename(request, parent, isMain) + '\n');
  } catch {
    // unresolvable: the real load reports it
  }
  return load.apply(this, arguments);
};
