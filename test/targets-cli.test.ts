/** `--target`: a stage the project builds with --target counts as output for the safety rules. */
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

// `tools` is copied from (not a leaf), so only --target makes it an output.
const DOCKERFILE = `FROM golang:1.22 AS tools
RUN go install golang.org/x/tools/cmd/stringer@latest

FROM golang:1.22 AS build
COPY --from=tools /go/bin/stringer /usr/local/bin/stringer
COPY . /src
RUN cd /src && go build -o /out/app .

FROM debian:bookworm-slim
COPY --from=build /out/app /app
`;

describe('--target', () => {
  it('without it, the copied-from stage gets a safe module-cache mount', () => {
    const dir = tempDir({ Dockerfile: DOCKERFILE });
    dirs.push(dir);
    const r = runCli(['--no-context', 'Dockerfile'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\+RUN --mount=type=cache,target=\/go\/pkg\/mod .*go install/m);
  });
  it('with --target tools, that mount becomes unsafe and names the target', () => {
    const dir = tempDir({ Dockerfile: DOCKERFILE });
    dirs.push(dir);
    const r = runCli(['--no-context', '--target', 'tools', 'Dockerfile'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/^\+RUN --mount=type=cache,target=\/go\/pkg\/mod .*go install/m);
    expect(r.stdout + r.stderr).toMatch(/stage tools is built as a target/);
    const w = runCli(['--no-context', '--target', 'tools', '--unsafe', 'Dockerfile'], dir);
    expect(w.stdout).toMatch(/^\+RUN --mount=type=cache,target=\/go\/pkg\/mod .*go install/m);
  });
});
