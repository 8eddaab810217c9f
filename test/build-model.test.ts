/** The shared build model (src/analysis/build-model.ts) and the offline-reader table (src/analysis/offline.ts). */
import { describe, expect, it } from 'vitest';
import { DockerfileDocument } from '../src/core/document.js';
import { buildModel } from '../src/analysis/build-model.js';
import { laterStoreUse, offlineRead, opaqueCommand } from '../src/analysis/offline.js';
import { tokenize } from '../src/core/shell.js';

const doc = (text: string): DockerfileDocument => new DockerfileDocument(text);
const outputs = (text: string, targets?: string[]): string[] => {
  const d = doc(text);
  return buildModel(d, { targets }).nodes.filter((n) => n.output).map((n) => n.stage.name ?? String(n.stage.index));
};

const MULTI = `FROM golang:1.22 AS base
RUN go mod download
FROM base AS development
CMD ["go", "run", "."]
FROM base AS build
RUN go build -o /out/app .
FROM golang:1.22 AS tools
RUN go install example.com/tool@latest
FROM debian:bookworm
COPY --from=build /out/app /app
RUN --mount=from=tools,source=/go/bin,target=/t cp /t/tool /usr/local/bin/
`;

describe('outputs', () => {
  it('are the last stage and every leaf stage', () => {
    expect(outputs(MULTI)).toEqual(['development', '4']);
  });
  it('include the stages named as targets', () => {
    expect(outputs(MULTI, ['base', 'build'])).toEqual(['base', 'development', 'build', '4']);
  });
  it('a single stage is the image', () => {
    const d = doc('FROM alpine\nRUN true\n');
    expect(buildModel(d).nodes[0].output).toBe('this stage is the image');
  });
});

describe('dirReachesOutput', () => {
  const d = doc(MULTI);
  const m = buildModel(d);
  const stage = (name: string) => d.stages.find((s) => s.name === name)!;
  it('follows FROM to a leaf target', () => {
    expect(m.dirReachesOutput(stage('base'), '/go/pkg/mod')).toBe('stage development builds on this stage, and stage development is a leaf stage, built with --target');
  });
  it('a builder stage whose other files are copied out does not reach it', () => {
    expect(m.dirReachesOutput(stage('build'), '/go/pkg/mod')).toBeUndefined();
    expect(m.dirReachesOutput(stage('build'), '/out')).toMatch(/^line 10 copies \/out\/app from this stage$/);
  });
  it('RUN --mount=from= reads the mounted source path', () => {
    expect(m.dirReachesOutput(stage('tools'), '/go/bin')).toBe('line 11 mounts /go/bin of this stage');
    expect(m.dirReachesOutput(stage('tools'), '/go/pkg/mod')).toBeUndefined();
  });
  it('is cached per document and target list', () => {
    expect(buildModel(d)).toBe(m);
    expect(buildModel(d, { targets: ['build'] })).not.toBe(m);
  });
});

describe('offline readers', () => {
  const cmd = (s: string) => tokenize(s, (i) => i).commands[0];
  const env = new Map<string, string | undefined>();
  it.each([
    ['dotnet publish -c Release --no-restore', 'nuget'],
    ['cargo build --release --offline', 'cargo'],
    ['cargo build --frozen', 'cargo'],
    ['CARGO_NET_OFFLINE=true cargo build', 'cargo'],
    ['mvn -B -o package', 'maven'],
    ['./mvnw --offline verify', 'maven'],
    ['gradle --offline build', 'gradle'],
    ['GOPROXY=off go build ./...', 'go-mod'],
    ['npm ci --offline', 'npm'],
    ['yarn install --offline', 'yarn'],
    ['pnpm install --offline', 'pnpm'],
    ['uv sync --offline', 'uv'],
    ['bundle install --local', 'bundler'],
  ])('%s reads the %s store offline', (text, store) => {
    expect(offlineRead(cmd(text), env)?.store).toBe(store);
  });
  it.each(['dotnet publish -c Release', 'cargo build --release', 'mvn package', 'go build ./...', 'npm ci --prefer-offline', 'GOFLAGS=-mod=vendor GOPROXY=off go build'])(
    '%s fetches what is missing (online)',
    (text) => {
      expect(offlineRead(cmd(text), env)).toBeNull();
    },
  );
  it('takes offline settings from the environment in effect', () => {
    expect(offlineRead(cmd('go build .'), new Map([['GOPROXY', 'off']]))?.store).toBe('go-mod');
  });
  it('opaque commands are scripts, runners and sourced files, not system tools', () => {
    expect(opaqueCommand(cmd('./build.sh release'))).toBe('`./build.sh`');
    expect(opaqueCommand(cmd('/tmp/install-extra'))).toBe('`/tmp/install-extra`');
    expect(opaqueCommand(cmd('make build'))).toBe('`make build`');
    expect(opaqueCommand(cmd('sh scripts/x.sh'))).toBe('`sh scripts/x.sh`');
    expect(opaqueCommand(cmd('/usr/bin/env'))).toBeNull();
    expect(opaqueCommand(cmd('sh -c "echo hi"'))).toBeNull();
    expect(opaqueCommand(cmd('apt-get install -y jq'))).toBeNull();
  });
  it('later use looks through the stage, child stages and their CMD', () => {
    const d = doc(`FROM rust:1 AS base
RUN cargo fetch
FROM base AS dev
CMD ["cargo", "run", "--offline"]
FROM base AS build
RUN ./ci/build.sh
`);
    const use = laterStoreUse(buildModel(d), d.instructions[1], 'cargo');
    expect(use.offline?.instr.line).toBe(4);
    expect(use.opaque?.what).toBe('`./ci/build.sh`');
  });
});
