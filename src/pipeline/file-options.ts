/**
 * Per-file processing options: the config that applies to a Dockerfile (src/pipeline/config.ts) merged
 * with the command-line flags, which win. Loaded transform sets are cached per selection.
 */
import path from 'node:path';
import { ConfigResolver, formatSettingsFor, type ResolvedSettings } from './config.js';
import { withOption } from '../core/transform-options.js';
import type { ProcessOptions } from './engine.js';
import { loadTransforms, transformIds } from '../../transforms/index.js';

export interface CliSelection {
  only?: string[];
  skip?: string[];
  /** Given explicitly on the command line. */
  syntax?: string;
  unsafe?: boolean;
  /** `--target`: stages the project builds as targets (outputs for the safety rules). */
  targets?: string[];
  contextDir?: string;
  noContext?: boolean;
  /** `--fmt`: format the files the transforms rewrite. */
  fmt?: boolean;
  /** `--check` (plain): stop each file at its first change. */
  firstChange?: boolean;
}

/** A Dockerfile's context and targets from the repository's build definitions. */
export interface FoundBuild {
  contextDir?: string;
  noContext?: boolean;
  targets?: string[];
  /** Build args passed by the definitions (null: not known). */
  args?: Record<string, string | null>;
  /** The repository runs hadolint (src/builds/hadolint.ts). */
  hadolint?: { source: string; ignored: string[] };
}

export const DEFAULT_SYNTAX = 'docker/dockerfile:1';

/** Transform ids and options for one file: config first, then the flags on top. */
export function effectiveSelection(
  settings: ResolvedSettings,
  cli: CliSelection,
): { ids: string[]; syntax: string; unsafe: boolean; targets?: string[]; transformOptions: ResolvedSettings['transformOptions'] } {
  const all = transformIds();
  let ids = cli.only && cli.only.length ? all.filter((id) => cli.only!.includes(id)) : all.filter((id) => settings.transforms[id] !== false);
  if (cli.skip) ids = ids.filter((id) => !cli.skip!.includes(id));
  return {
    ids,
    syntax: cli.syntax ?? settings.syntax ?? (settings.transformOptions['syntax-directive']?.syntax as string | undefined) ?? DEFAULT_SYNTAX,
    unsafe: cli.unsafe ?? settings.unsafe ?? false,
    transformOptions: settings.transformOptions,
    ...(cli.targets && cli.targets.length ? { targets: cli.targets } : {}),
  };
}

export class FileOptions {
  private readonly cache = new Map<string, Promise<ProcessOptions>>();

  constructor(
    readonly resolver: ConfigResolver,
    private readonly cli: CliSelection,
  ) {}

  /** @throws ConfigError for an invalid config file on the way up from `file`. */
  settings(file: string): ResolvedSettings {
    return this.resolver.settingsFor(file);
  }

  /**
   * `found`: what the repository's build definitions say about this file (src/builds/plan.ts):
   * its context (used unless --context / --no-context was given) and the targets it is built
   * with (added to --target), the build args they pass (known ARG values).
   */
  async for(file: string, found?: FoundBuild): Promise<ProcessOptions> {
    const settings = this.settings(file);
    const base = effectiveSelection(settings, this.cli);
    // --fmt lays out with the file's format settings (.editorconfig, then the config's `format`).
    const fmt = this.cli.fmt ? formatSettingsFor(file, settings) : undefined;
    const targets = [...new Set([...(base.targets ?? []), ...(found?.targets ?? [])])];
    const sel = { ...base, ...(targets.length ? { targets } : {}) };
    const explicit = this.cli.contextDir !== undefined || this.cli.noContext === true;
    const contextDir = explicit ? this.cli.contextDir : found?.contextDir;
    const noContext = explicit ? this.cli.noContext : found?.noContext ? true : this.cli.noContext;
    const buildArgs = found?.args && Object.keys(found.args).length ? found.args : undefined;
    const hadolint = found?.hadolint;
    const key = JSON.stringify([sel, contextDir ?? null, noContext ?? null, buildArgs ?? null, hadolint ?? null, fmt ?? null]);
    let p = this.cache.get(key);
    if (!p) {
      p = loadTransforms(sel.ids).then((transforms) => {
        // `syntax` (config key, --syntax) is syntax-directive's option (config.ts checks the options a config file gives).
        const transformOptions = withOption(sel.transformOptions, 'syntax-directive', 'syntax', sel.syntax);
        return {
          transforms,
          options: { unsafe: sel.unsafe, ...(sel.targets ? { targets: sel.targets } : {}), ...(buildArgs ? { buildArgs } : {}), ...(hadolint ? { hadolint } : {}), transformOptions },
          contextDir,
          noContext,
          ...(fmt ? { fmt } : {}),
          ...(this.cli.firstChange ? { firstChange: true } : {}),
        };
      });
      this.cache.set(key, p);
    }
    return p;
  }
}

export function newResolver(cwd: string, configFlag: string | false | undefined): ConfigResolver {
  const explicit = configFlag === false ? null : configFlag ? path.resolve(cwd, configFlag) : undefined;
  return new ConfigResolver(transformIds(), explicit);
}
