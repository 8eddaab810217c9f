/**
 * The user's Docker, through its CLI: find out what it can do (buildx or BuildKit built into the
 * client), run builds with `--progress=plain` and read their logs, and classify the errors of a
 * missing CLI, a daemon that is not running or a socket the user may not open.
 */
import { spawn, spawnSync } from 'node:child_process';

export class DockerEnvError extends Error {
  constructor(
    message: string,
    readonly kind: 'no-cli' | 'no-daemon' | 'permission' | 'no-buildkit' | 'other',
  ) {
    super(message);
    this.name = 'DockerEnvError';
  }
}

export interface DockerInfo {
  cli: string;
  clientVersion: string;
  serverVersion: string;
  /** `docker buildx` answers. */
  buildx: boolean;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  error?: NodeJS.ErrnoException;
}

/** Run the docker CLI synchronously (short commands: version, rmi, inspect, prune). */
export function dockerSync(cli: string, args: string[], env: NodeJS.ProcessEnv, timeout = 120_000, input?: string): RunResult {
  const r = spawnSync(cli, args, { env, encoding: 'utf8', timeout, maxBuffer: 64 << 20, input });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error as NodeJS.ErrnoException | undefined };
}

/**
 * What a failed `docker` call says about the environment, in words a user can act on; null when
 * the output is not one of the known environment failures.
 */
export function classifyDockerError(cli: string, r: Pick<RunResult, 'stderr' | 'error'>): DockerEnvError | null {
  if (r.error && (r.error.code === 'ENOENT' || r.error.code === 'EACCES')) {
    return new DockerEnvError(
      r.error.code === 'ENOENT'
        ? `the Docker CLI was not found (${cli}); install Docker or pass --docker <path to the docker client>`
        : `the Docker CLI ${cli} cannot be executed (permission denied)`,
      'no-cli',
    );
  }
  const text = r.stderr;
  if (/permission denied/i.test(text) && /(docker\.sock|daemon socket|\.sock)/i.test(text)) {
    return new DockerEnvError(
      `permission denied on the Docker daemon's socket: add your user to the "docker" group (then log in again), use a rootless daemon, or run with sufficient rights\n  docker said: ${firstLine(text)}`,
      'permission',
    );
  }
  if (/Cannot connect to the Docker daemon|Is the docker daemon running|error during connect|connection refused|no such file or directory.*\.sock/i.test(text)) {
    return new DockerEnvError(`the Docker daemon is not reachable: start Docker (or point DOCKER_HOST / the docker context at a running daemon)\n  docker said: ${firstLine(text)}`, 'no-daemon');
  }
  return null;
}

function firstLine(s: string): string {
  return s.trim().split('\n').find((l) => l.trim()) ?? '';
}

/**
 * Check the CLI and the daemon. Throws DockerEnvError. `buildx` is true when the buildx plugin
 * answers; without it the client must be a 20.10 or older one, whose `docker build` has BuildKit
 * built in (newer clients need buildx for BuildKit: without it they run the legacy builder, which
 * cannot build `RUN --mount`).
 */
export function detectDocker(cli: string, env: NodeJS.ProcessEnv): DockerInfo {
  const v = dockerSync(cli, ['version', '--format', '{{.Client.Version}}|{{.Server.Version}}'], env, 60_000);
  const envErr = classifyDockerError(cli, v);
  if (envErr) throw envErr;
  if (v.error) throw new DockerEnvError(`cannot run ${cli}: ${v.error.message}`, 'other');
  const [client = '', server = ''] = v.stdout.trim().split('|');
  if (v.code !== 0 || !server) {
    throw new DockerEnvError(`\`docker version\` failed (exit ${v.code}): ${firstLine(v.stderr) || 'no server version'}`, 'no-daemon');
  }
  const bx = dockerSync(cli, ['buildx', 'version'], env, 60_000);
  const buildx = bx.code === 0 && /buildx|github\.com\/docker/i.test(bx.stdout);
  if (!buildx && major(client) >= 23) {
    throw new DockerEnvError(
      `the Docker CLI ${client} has no buildx plugin, and without it \`docker build\` uses the legacy builder, which cannot build RUN --mount; install docker-buildx (the "docker-buildx-plugin" package)`,
      'no-buildkit',
    );
  }
  if (major(server) > 0 && major(server) < 18) throw new DockerEnvError(`the Docker daemon ${server} has no BuildKit (needs 18.09 or newer)`, 'no-buildkit');
  return { cli, clientVersion: client, serverVersion: server, buildx };
}

function major(version: string): number {
  const m = /^(\d+)/.exec(version);
  return m ? Number(m[1]) : 0;
}

// ---------------------------------------------------------------------------------------------
// Build logs (`--progress=plain`)
// ---------------------------------------------------------------------------------------------

export interface StepLog {
  /** The vertex name as BuildKit logs it, e.g. `[stage-0 3/4] RUN pip install -r requirements.txt`. */
  name: string;
  /** `[stage n/m]` step (not an internal vertex such as `[internal] load build context`). */
  step: boolean;
  from: boolean;
  cached: boolean;
  done: boolean;
  error?: string;
  output: string[];
}

export interface ParsedLog {
  steps: StepLog[];
  /** The step that failed, if any (the first vertex with an ERROR line that is a build step). */
  failed?: StepLog;
  /** Lines outside the vertices (the client's final error message). */
  trailer: string[];
}

const VERTEX_STEP = /^\[(?:(\S+) )?(\d+)\/(\d+)\] (\S+)/;

/** Read a `--progress=plain` log. Vertices keep their first-seen order. */
export function parsePlainLog(text: string): ParsedLog {
  const byId = new Map<string, StepLog>();
  const trailer: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const m = /^#(\d+) (.*)$/.exec(raw);
    if (!m) {
      if (raw.trim()) trailer.push(raw);
      continue;
    }
    const [, id, rest] = m;
    let v = byId.get(id);
    if (!v) {
      const sm = VERTEX_STEP.exec(rest);
      v = { name: rest, step: Boolean(sm), from: sm?.[4]?.toUpperCase() === 'FROM', cached: false, done: false, output: [] };
      byId.set(id, v);
      continue;
    }
    if (rest === 'CACHED') v.cached = true;
    else if (/^DONE\b/.test(rest)) v.done = true;
    else if (/^ERROR\b/.test(rest)) v.error = rest.replace(/^ERROR:?\s*/, '');
    else if (/^CANCELED\b/.test(rest)) v.error ??= 'canceled';
    else if (/^\d+(\.\d+)? /.test(rest)) v.output.push(rest.replace(/^\d+(\.\d+)? /, ''));
    else if (/^(sha256:|resolve |extracting |transferring |writing |naming |exporting |unpacking |preparing |sending )/.test(rest)) continue;
    else v.output.push(rest);
  }
  const steps = [...byId.values()];
  const failed = steps.find((s) => s.error && s.error !== 'canceled' && s.step) ?? steps.find((s) => s.error && s.error !== 'canceled');
  return { steps, ...(failed ? { failed } : {}), trailer };
}

/** Steps counted as the lab counts them: `[stage n/m]` vertices except FROM (never CACHED for local images). */
export function stepCounts(log: ParsedLog): { total: number; cached: number; run: number } {
  const steps = log.steps.filter((s) => s.step && !s.from);
  const cached = steps.filter((s) => s.cached).length;
  return { total: steps.length, cached, run: steps.length - cached };
}

// ---------------------------------------------------------------------------------------------
// Running a build
// ---------------------------------------------------------------------------------------------

export interface BuildRequest {
  cli: string;
  env: NodeJS.ProcessEnv;
  args: string[];
  timeoutMs: number;
  /** Called with each new vertex name (for the progress line). */
  onStep?: (name: string) => void;
  /** Set by the caller to kill the running build (Ctrl-C). */
  signal?: AbortSignal;
}

export interface BuildRun {
  ok: boolean;
  code: number;
  wallMs: number;
  timedOut: boolean;
  aborted: boolean;
  log: string;
  parsed: ParsedLog;
  envError?: DockerEnvError;
}

/** Run one `docker build`/`docker buildx build`; never throws for a failing build. */
export function runBuild(req: BuildRequest): Promise<BuildRun> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(req.cli, req.args, { env: req.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    let partial = '';
    let timedOut = false;
    let aborted = false;
    const seen = new Set<string>();
    const onData = (d: Buffer): void => {
      const s = d.toString('utf8');
      if (log.length < 32 << 20) log += s;
      if (!req.onStep) return;
      const lines = (partial + s).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^#(\d+) (\[.*)$/.exec(line);
        if (m && !seen.has(m[1])) {
          seen.add(m[1]);
          req.onStep(m[2]);
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const kill = (): void => {
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, req.timeoutMs);
    const onAbort = (): void => {
      aborted = true;
      kill();
    };
    req.signal?.addEventListener('abort', onAbort, { once: true });
    let spawnError: NodeJS.ErrnoException | undefined;
    child.on('error', (e) => (spawnError = e as NodeJS.ErrnoException));
    child.on('close', (code) => {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      const parsed = parsePlainLog(log);
      const envError = classifyDockerError(req.cli, { stderr: spawnError ? '' : log.slice(-4000), error: spawnError }) ?? undefined;
      resolve({ ok: code === 0 && !timedOut && !aborted, code: code ?? -1, wallMs: performance.now() - t0, timedOut, aborted, log, parsed, ...(envError && code !== 0 ? { envError } : {}) });
    });
  });
}
