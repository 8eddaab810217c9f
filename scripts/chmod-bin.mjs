// tsc writes dist/bin/dockerfix.js without the executable bit; the tests and `node dist/bin/…`
// users run it directly. (The package's bin is the committed bundle, bundle/dockerfix.mjs.)
import fs from 'node:fs';

fs.chmodSync(new URL('../dist/bin/dockerfix.js', import.meta.url), 0o755);
