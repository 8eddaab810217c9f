/**
 * The shape of one package manager's knowledge (one descriptor per tool, see index.ts): how to
 * recognise and parse an invocation, what each subcommand does, which files it reads from the
 * build context, where it keeps its cache or store, what turns that cache off or empties it.
 * Every consumer (the install parser, split-copy's manifest planner, `explain`, the data-flow
 * model, every `*-cache-mount` transform) reads it from here.
 */
import type { DockerfileDocument, Instruction } from '../core/document.js';
import type { ShellCommand, Word } from '../core/shell.js';
import type { FixKind, TransformContext } from '../core/types.js';
import type { OsFamily } from '../core/base-images.js';

export type EcosystemId =
  | 'pip' | 'pipenv' | 'poetry' | 'uv' | 'pdm'
  | 'npm' | 'yarn' | 'pnpm' | 'bun'
  | 'go' | 'cargo' | 'maven' | 'gradle' | 'bundler' | 'composer' | 'dotnet' | 'mix'
  | 'apt' | 'apk' | 'dnf' | 'zypper' | 'pacman' | 'other-system';

/**
 * What a subcommand does:
 * - `install`: installs the project's dependencies from its manifests (`npm ci`);
 * - `update`: resolves again and may rewrite the lock file (`npm update`), so it reads the project;
 * - `build`: builds (or tests, runs) the project and fetches its dependencies on the way (`go build`);
 * - `fetch-only`: downloads dependencies without building or installing (`go mod download`, `pnpm fetch`);
 * - `cleanup`: empties the tool's cache (`npm cache clean`);
 * - `config`: changes configuration only.
 */
export type Role = 'install' | 'update' | 'build' | 'fetch-only' | 'cleanup' | 'config';

// ---------------------------------------------------------------------------------------------
// Parsing an invocation (the install parser, src/analysis/install-commands.ts)

export interface InstallCommand {
  eco: EcosystemId;
  /** Short text for messages, e.g. `npm ci`, `pip install -r requirements.txt`. */
  label: string;
  cmd: ShellCommand;
  /** Index in `cmd.words` of the subcommand word (or of the program when there is none). */
  subIndex: number;
  /** Options (`--name` -> value or true), short options keep their single dash (`-r`). */
  opts: Map<string, string[]>;
  /** Positional arguments after the subcommand. */
  positional: Word[];
  /** Absolute directory the command runs in. */
  cwd: string;
  /** The command runs inside a `sh -c` string (`bash -c`): its text is another shell's script, never edited. */
  nested?: string;
}

export type Classified =
  | { kind: 'install'; install: InstallCommand }
  /** `readOnly`: the command only reads or tests the paths it names (`test -f`, `ls`, `cat`). */
  | { kind: 'neutral'; paths: string[]; readOnly?: boolean }
  | { kind: 'cd'; dir: string | null }
  /** `. file` / `source file`: runs a script file in the current shell. */
  | { kind: 'sourced'; file: string }
  /** `build`: a build of the project that also fetches its dependencies (`go build`, `dotnet publish`). */
  | { kind: 'source'; reason: string; build?: InstallCommand };

/** One simple command whose program a descriptor claims, with the helpers to classify it. */
export interface Invocation {
  cmd: ShellCommand;
  /** `cmd.words`. */
  w: Word[];
  /** Index of the program word. */
  p: number;
  /** Basename of the program (`/usr/bin/pip3` -> `pip3`). */
  prog: string;
  /** The words after the program. */
  rest: Word[];
  /** The k-th word after the program. */
  at(k: number): string | undefined;
  /** Short text of the command for messages. */
  label: string;
  /** An install of `eco` whose subcommand is word `subIndex`; options after it parsed with `valued`. */
  install(eco: EcosystemId, subIndex: number, valued: ReadonlySet<string>): { kind: 'install'; install: InstallCommand };
  /** A build of the project that fetches dependencies (kept for split-copy's dependency-only step). */
  build(eco: EcosystemId, subIndex: number, valued: ReadonlySet<string>): Classified;
  /** May read the copied source. */
  source(reason?: string): Classified;
  /** Reads nothing of the project but these paths (redirections added). */
  neutral(paths?: string[]): Classified;
}

// ---------------------------------------------------------------------------------------------
// Caches (the `*-cache-mount` transforms, src/analysis/cache-mount.ts)

export type Env = Map<string, string | undefined>;

/** One cache directory a tool uses. */
export interface CacheDir {
  /** Short name, used in messages and for the relocated target (`/tmp/<name>-cache`). */
  name: string;
  /** The directory for this step (absolute, resolved), or undefined when it cannot be known. */
  dir?: string;
  /** Why `dir` is unknown (used when the directory cannot be relocated either). */
  unknown?: string;
  /** The variable that moves this directory; set on the command to relocate the cache. */
  envVar?: string;
  /** `sharing=locked` for tools that cannot share a cache between concurrent builds (apt, apk). */
  locked?: boolean;
  /**
   * The directory is a store: it holds what later steps or the running container read (Go
   * modules, the Maven repository, ...), not only a download cache; with a mount it leaves the
   * stage's filesystem.
   */
  holdsDeps?: boolean;
  /** Why this directory must not be moved for a non-root user (then such steps are skipped). */
  noRelocate?: string;
  /** What the tool reuses from this directory, for the change message ("compiled packages"). */
  reuses?: string;
  /**
   * The store name in the offline table (src/analysis/offline.ts) of commands that read this
   * directory without fetching (`cargo build --offline` reads `cargo`): a mount is then unsafe.
   */
  offlineStore?: string;
}

/** A command of the tool found in a RUN step. */
export interface ToolHit {
  cmd: ShellCommand;
  /** Tool name for messages (`pip`, `uv`, `npm`). */
  tool: string;
  /** Words that disable the cache on this command (`--no-cache-dir`); they are removed. */
  disable?: Word[];
  /** Words to replace (apk's `--no-cache` becomes `--update`), with why. */
  rewrite?: Array<{ word: Word; text: string; why: string }>;
  /** The cache directories for this command, or a reason to leave the step alone. */
  dirs(env: Env, home: string | undefined): CacheDir[] | { skip: string };
}

/** A tool's cache knowledge, as the cache-mount machinery runs it. */
export interface CacheMountSpec {
  id: string;
  /** Tool name for messages when a step is skipped before commands are looked at. */
  label: string;
  /** What the tool reuses from the cache, for the change message (default "its downloads"). */
  reuses?: string;
  /** Recognise one simple command of the tool. */
  detect(cmd: ShellCommand, instr: Instruction, ctx: TransformContext): ToolHit | null;
  /** Cheap test on the step's raw text; steps that fail it are not tokenized (big files). */
  quick: RegExp;
  /** Tells whether an exec-form RUN (arguments joined by spaces) runs the tool. */
  execForm: RegExp;
  /** OS families the tool exists on; a stage known to be another family is left alone. */
  families?: OsFamily[];
  /** The tool only works as root (apt, apk). */
  needsRoot?: boolean;
  /** Variables that disable the cache: set to empty on the command (with the explanation). */
  disablingEnv?: Record<string, string>;
  /** Commands that empty the tool's cache (`npm cache clean`, `apt-get clean`): removed. */
  isCleanup?(cmd: ShellCommand): boolean;
  /** Text to run before the first and after the last command of a mounted step (apt). */
  wrap?(instr: Instruction): { prefix: string; suffix: string; note: string; present(cmds: ShellCommand[]): boolean } | null;
  /** Fix kind for a step whose mounts include a `holdsDeps` directory that reaches the output. */
  depsFixKind?: FixKind;
}

/** The cache part of a descriptor: the spec, and which transform applies it. */
export interface CacheKnowledge extends Omit<CacheMountSpec, 'id'> {
  /** Id of the transform that adds this tool's mounts (`node-cache-mount` for npm, yarn, pnpm, bun). */
  transform: string;
}

// ---------------------------------------------------------------------------------------------

/** How to fetch a one-step build's dependencies ahead of the source (split-copy). */
export interface DependencyOnlyStep {
  /** The command (`go mod download`, `dotnet restore`). */
  command: string;
  /** What it fetches, for messages (`modules`, `NuGet packages`). */
  what: string;
  /** Variables that change what is fetched: they must be the same where the new step goes. */
  toolEnv: RegExp;
  /** Why this build's dependencies cannot be fetched ahead (vendor mode, `--no-restore`). */
  refuse?(build: InstallCommand, env: ReadonlyMap<string, string | undefined>): string | undefined;
  /** Assignments on the build's command line the new step keeps (`GOPROXY=…`). */
  keepAssignments?: RegExp;
  /** A project file named by the build that the new step names too (`dotnet publish app.csproj`). */
  projectFile?: RegExp;
  /** Options of the build the new step repeats, with their values (`-r linux-x64`). */
  carryOptions?: readonly string[];
  /** The build's other cache mounts go on the new step too (NuGet's HTTP cache). */
  carryCacheMounts?: boolean;
  /** Where the fetched dependencies land, for a build whose cache mount would swallow them. */
  store(env: ReadonlyMap<string, string | undefined>): string;
}

/** One command, as the offline table (src/analysis/offline.ts) sees it. */
export interface OfflineProbe {
  prog: string;
  /** The words after the program. */
  args: string[];
  /** The first non-option word after the program ('' when none). */
  sub: string;
  /** The step's environment with the command's own assignments. */
  env: ReadonlyMap<string, string | undefined>;
  /** Is one of these flags among the arguments (`--offline`, `--offline=…`)? */
  has(...flags: string[]): boolean;
  /** The command's first words for messages. */
  show(n?: number): string;
}

/** A store read without fetching: `store` matches CacheDir.offlineStore. */
export interface OfflineRead {
  store: string;
  what: string;
}

export interface EcosystemDescriptor {
  id: EcosystemId;
  /** Program basenames that run the tool (`pip`, `pip3.12`, `python -m pip` is pip's own parse). */
  programs: RegExp;
  /** Options that take a value (so the word after them is not the subcommand or a package). */
  valued: ReadonlySet<string>;
  /** What each subcommand does (see Role); read by the install parser and the cache detector. */
  roles?: Readonly<Record<string, Role>>;
  /** Classify one command of the tool for the install parser (conservative: unknown = source). */
  classify?(inv: Invocation): Classified;
  /** Dependency manifests. */
  manifests?: {
    /** File names an install may read (what `explain` treats as a manifest, not source). */
    names: readonly string[];
    /** Context-relative paths that are manifests too (`*.csproj`, `.yarn/releases/...`). */
    patterns?: readonly RegExp[];
    /** Options that name the project directory the install works in (`npm --prefix dir`). */
    dirOptions?: readonly string[];
    /** The planner in src/analysis/manifests.ts that finds the manifests in a context. */
    planner: string;
    /**
     * Without a build context to look in: the optional files the split copies as globs
     * (`yarn.lock*`), besides the planner's required ones (`package.json`).
     */
    withoutContext?: readonly string[];
  };
  /**
   * The dependency-only step split-copy can put before the whole-context copy when the project
   * is only built in one step (`go build` -> `go mod download`).
   */
  dependencyOnly?: DependencyOnlyStep;
  /** Why the tool has no dependency-only step (cargo needs the crate sources). */
  noDependencyOnly?: string;
  cache?: CacheKnowledge;
  /**
   * Does this command read the tool's store without fetching what is missing (`cargo build
   * --offline`)? Such a step fails when the store is an empty cache mount.
   */
  offline?(o: OfflineProbe): OfflineRead | null;
  /**
   * A system package manager (its arguments are package names, not project paths): per program,
   * the subcommands the data-flow model knows (they write the system directories), or null when
   * the model does not follow that program.
   */
  system?: Readonly<Record<string, ReadonlySet<string> | null>>;
}

/** Anything with a document-wide cache needs the document: re-exported for descriptors. */
export type { DockerfileDocument, Instruction, ShellCommand, Word, TransformContext };
