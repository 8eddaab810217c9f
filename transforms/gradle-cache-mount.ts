/**
 * gradle-cache-mount — give RUN steps that run Gradle (`gradle`, `./gradlew`) BuildKit cache
 * mounts on `$GRADLE_USER_HOME/caches` and `$GRADLE_USER_HOME/wrapper` (`/root/.gradle` by
 * default).
 *
 * Why: every rebuild otherwise downloads the Gradle distribution (wrapper) and every dependency
 * again. The whole `~/.gradle` is not mounted: a `gradle.properties` or `init.d` copied there by
 * an earlier step would be hidden. Steps of non-root users are skipped (moving
 * `GRADLE_USER_HOME` would move those files too).
 *
 * Fix safety: safe in a build stage whose files do not reach the output; unsafe otherwise
 * (dependencies and the wrapper's Gradle leave the stage's files, so a later stage or a Gradle
 * run at run time would download them again).
 */
import { runCacheMounts, dirFromVar, joinDir, program, type CacheDir, type Env } from '../src/analysis/cache-mount.js';
import type { DockerfileDocument } from '../src/core/document.js';
import type { Transform, TransformContext, TransformResult } from '../src/core/types.js';

function gradleDirs(env: Env, home: string | undefined): CacheDir[] | { skip: string } {
  const h = dirFromVar(env, 'GRADLE_USER_HOME', home === undefined ? undefined : joinDir(home, '.gradle'), 'gradle');
  if (typeof h === 'object') return h;
  const why = 'GRADLE_USER_HOME also holds gradle.properties and init scripts, so it is not moved';
  const unknown = 'GRADLE_USER_HOME is unknown here; left unchanged';
  return [
    { name: 'gradle-caches', dir: h === undefined ? undefined : joinDir(h, 'caches'), holdsDeps: true, noRelocate: why, unknown },
    { name: 'gradle-wrapper', dir: h === undefined ? undefined : joinDir(h, 'wrapper'), holdsDeps: true, noRelocate: why, unknown },
  ];
}

export const gradleCacheMount: Transform = {
  meta: {
    id: 'gradle-cache-mount',
    summary: 'Add BuildKit cache mounts on ~/.gradle/caches and ~/.gradle/wrapper (or GRADLE_USER_HOME) to gradle steps',
    description:
      'Adds cache mounts on `/root/.gradle/caches` and `/root/.gradle/wrapper` (under `GRADLE_USER_HOME` when set) to RUN ' +
      'steps that run `gradle`/`gradlew`. Unsafe where the stage reaches the output.',
    fixKind: 'safe',
    unsafeFixes: 'when the step may run as a user other than root (its home and cache directory are then not known); or the mounted directory holds the downloaded dependencies a built image may read',
    order: 48,
    docsUrl: 'docs/cache-mounts.md#gradle-cache-mount',
  },
  run(doc: DockerfileDocument, ctx: TransformContext): TransformResult {
    return runCacheMounts(doc, ctx, {
      id: 'gradle-cache-mount',
      label: 'gradle',
      quick: /\bgradlew?\b/,
      execForm: /(^|\s|\/)gradlew?(\s|$)/,
      depsFixKind: 'unsafe',
      detect(cmd) {
        const p = program(cmd);
        if (!p) return null;
        let name = p.name;
        // `sh gradlew build`, `bash ./gradlew build`
        if (/^(ba)?sh$/.test(name) && /(^|\/)gradlew$/.test(cmd.words[p.index + 1]?.value ?? '')) name = 'gradlew';
        if (name !== 'gradle' && name !== 'gradlew') return null;
        if (cmd.words.some((w) => w.value === '--gradle-user-home' || w.value === '-g' || w.value.startsWith('--gradle-user-home='))) return null;
        const args = cmd.words.slice(p.index + 1).map((w) => w.value);
        if (args.length === 1 && ['-v', '--version', '--stop', '-h', '--help'].includes(args[0])) return null;
        return { cmd, tool: 'gradle', dirs: gradleDirs };
      },
    });
  },
};

export default gradleCacheMount;
