/**
 * `dockerfix verify [Dockerfile]`: the command line of src/verify/run.ts.
 * Exit codes: 0 equivalent (or nothing to rewrite), 1 different or the rewrite does not build,
 * 2 usage or environment error (no Docker CLI, no daemon, permission denied, the original does
 * not build), 130 interrupted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import type { Io } from '../cli/io.js';
import { fileURLToPath } from 'node:url';
import { parseSubcommandArgs } from '../cli/parse.js';
import { escapeControls } from '../report/escape.js';
import { selectIds, UnknownTransformError } from '../../transforms/index.js';
import { ConfigError } from '../pipeline/config.js';
import { DockerEnvError } from './docker.js';
import { renderVerify, VERIFY_FORMATS, type VerifyFormat } from './report.js';
import { verify, VerifyUsageError, type VerifyOptions } from './run.js';

const list = (v: string, prev: string[] = []): string[] => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];
const many = (v: string, prev: string[] = []): string[] => [...prev, v];

/** `30m`, `90s`, `2h`, `45` (minutes) -> ms; NaN when malformed. */
export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  const unit = m[2] ?? 'm';
  return n * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000);
}

function program(): Command {
  return new Command()
    .name('dockerfix verify')
    .description(
      "Prove a rewrite on your own build: rewrite the Dockerfile in memory (your file is not modified), build the original and the rewrite with your Docker for every target, compare the final images' files (type, mode, owner, size, content hash) and config, and measure rebuilds after a source edit, a dependency edit and in CI (cache mounts empty). Everything the run creates is named dockerfix-verify-… and removed at the end, also on Ctrl-C.",
    )
    .argument('[dockerfile]', 'the Dockerfile (default: ./Dockerfile)')
    .option('--context <dir>', "build context directory (default: the one the repository's compose, bake, CI or task-runner files name, else the Dockerfile's directory)")
    .option('--target <stages>', 'build only these targets (comma-separated, repeatable; default: the last stage, every leaf stage, stages with their own CMD/ENTRYPOINT and targets named by build definitions)', list)
    .option('--touch <path>', 'the source file the source-edit rebuilds change (relative to the context; default: chosen from the context)')
    .option('--touch-dependency <path>', 'the dependency manifest the dependency-edit rebuilds change (default: chosen from the context)')
    .option('--scenarios <list>', 'rebuilds to measure: source,dependency,ci, or none', list)
    .option('--only <ids>', 'run only these transforms (as the main command)', list)
    .option('--skip <ids>', 'do not run these transforms', list)
    .option('--unsafe', 'also apply fixes marked unsafe')
    .option('--syntax <ref>', 'the # syntax= reference the rewrite adds when needed, or "none"')
    .option('--config <file>', 'use this config file')
    .option('--no-config', 'ignore config files')
    .option('--docker <path>', 'the docker client to run (default: $DOCKERFIX_DOCKER, else docker on PATH)')
    .addOption(new Option('--isolation <mode>', 'how the run keeps its cache apart from yours').choices(['auto', 'builder', 'cache-ids']).default('auto'))
    .option('--network <mode>', 'passed to every build as --network')
    .option('--build-arg <k=v>', 'passed to every build (repeatable)', many)
    .option('--secret <spec>', 'passed to every build as --secret, e.g. id=npmrc,src=$HOME/.npmrc (repeatable)', many)
    .option('--ssh <spec>', 'passed to every build as --ssh, e.g. default (repeatable)', many)
    .option('--timeout <duration>', 'stop a build that takes longer (e.g. 90s, 20m, 1h; a bare number is minutes)', '30m')
    .addOption(new Option('-f, --format <format>', 'output format').choices([...VERIFY_FORMATS]).default('text'))
    .option('-o, --output <file>', 'write the result to this file (also) — e.g. $GITHUB_STEP_SUMMARY with --format markdown')
    .option('-q, --quiet', 'no progress line')
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
}

interface Opts {
  context?: string | false;
  target?: string[];
  touch?: string;
  touchDependency?: string;
  scenarios?: string[];
  only?: string[];
  skip?: string[];
  unsafe?: boolean;
  syntax?: string;
  config?: string | false;
  docker?: string;
  isolation: 'auto' | 'builder' | 'cache-ids';
  network?: string;
  buildArg?: string[];
  secret?: string[];
  ssh?: string[];
  timeout: string;
  format: VerifyFormat;
  output?: string;
  quiet?: boolean;
}

/** `raw`: the unguarded stderr, for the progress line's carriage returns on a terminal. */
export async function verifyCommand(args: string[], io: Io, raw?: NodeJS.WritableStream & { isTTY?: boolean }): Promise<number> {
  const p = program();
  const stop = parseSubcommandArgs(p, args, io, 'dockerfix verify');
  if (stop !== null) {
    if (stop === 0) io.stdout.write(HELP_AFTER);
    return stop;
  }
  const o = p.opts<Opts>();
  const err = (s: string): number => {
    io.stderr.write(`dockerfix verify: ${escapeControls(s)}\n`);
    return 2;
  };
  const timeoutMs = parseDuration(o.timeout);
  if (!(timeoutMs > 0)) return err(`--timeout ${o.timeout}: give a duration such as 90s, 20m or 1h`);
  const scen = o.scenarios ?? ['source', 'dependency', 'ci'];
  const bad = scen.filter((s) => !['source', 'dependency', 'ci', 'none'].includes(s));
  if (bad.length) return err(`--scenarios: unknown ${bad.join(', ')} (source, dependency, ci, none)`);
  try {
    selectIds(o.only, o.skip);
  } catch (e) {
    if (e instanceof UnknownTransformError) return err(e.message);
    throw e;
  }
  const file = path.resolve(io.cwd, p.args[0] ?? 'Dockerfile');
  if (!fs.existsSync(file)) return err(`${p.args[0] ?? 'Dockerfile'}: no such file`);
  let contextDir: string | undefined;
  if (typeof o.context === 'string') {
    contextDir = path.resolve(io.cwd, o.context);
    if (!isDir(contextDir)) return err(`${o.context}: build context directory not found`);
  }
  const tty = Boolean(raw?.isTTY) && !o.quiet && !io.env.CI && io.env.TERM !== 'dumb';
  let shown = false;
  const progress = tty
    ? (m: string): void => {
        const cols = (raw as { columns?: number }).columns ?? 100;
        raw!.write(`\r\x1b[K${escapeControls(m).slice(0, cols - 1)}`);
        shown = true;
      }
    : undefined;
  const clear = (): void => {
    if (shown) raw!.write('\r\x1b[K');
    shown = false;
  };
  const ac = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) {
      clear();
      io.stderr.write('dockerfix verify: interrupted, removing what the run created (Ctrl-C again to leave it)\n');
      ac.abort();
    } else process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const opts: VerifyOptions = {
    dockerfile: file,
    cwd: io.cwd,
    env: io.env,
    ...(contextDir ? { contextDir } : {}),
    ...(o.context === false ? { noContext: true } : {}),
    ...(o.target ? { targets: o.target } : {}),
    ...(o.touch ? { touch: o.touch } : {}),
    ...(o.touchDependency ? { touchDependency: o.touchDependency } : {}),
    scenarios: scen.filter((s) => s !== 'none') as VerifyOptions['scenarios'],
    only: o.only,
    skip: o.skip,
    unsafe: o.unsafe,
    syntax: o.syntax,
    config: o.config,
    docker: o.docker,
    isolation: o.isolation,
    network: o.network,
    buildArgs: o.buildArg,
    secrets: o.secret,
    ssh: o.ssh,
    timeoutMs,
    onProgress: progress,
    signal: ac.signal,
  };
  try {
    const r = await verify(opts, packageVersion());
    clear();
    const text = renderVerify(r, o.format);
    io.stdout.write(text);
    if (o.output) {
      try {
        fs.appendFileSync(path.resolve(io.cwd, o.output), text);
      } catch (e) {
        return err(`${o.output}: cannot write: ${(e as Error).message}`);
      }
    }
    return r.exitCode;
  } catch (e) {
    clear();
    if (e instanceof VerifyUsageError || e instanceof DockerEnvError) return err(e.message);
    if (e instanceof ConfigError) return err(e.format(io.cwd));
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** dockerfix's version (its package.json above this file); not imported from cli/main to keep the module graph acyclic. */
function packageVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'dockerfix') return pkg.version ?? '0.0.0';
    } catch {
      /* not here */
    }
    dir = path.dirname(dir);
  }
  return '0.0.0';
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

const HELP_AFTER = `
Exit codes:
  0    equivalent: every target builds to the same files and config (or nothing to rewrite)
  1    DIFFERENT, or the rewrite does not build (also in the CI case with empty cache mounts)
  2    usage or environment error (no Docker CLI, no daemon, permission denied, no BuildKit),
       or the original does not build (nothing to compare)
  130  interrupted (everything the run created is removed)
`;
