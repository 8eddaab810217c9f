// tsc writes dist/bin/dockerfix.js without the executable bit; npm does not set it for a project's
// own bin (only for installed dependencies), so `npx --prefix <checkout> dockerfix` (the GitHub
// Action) would fail with "Permission denied" on a fresh clone.
import fs from 'node:fs';

fs.chmodSync(new URL('../dist/bin/dockerfix.js', import.meta.url), 0o755);
