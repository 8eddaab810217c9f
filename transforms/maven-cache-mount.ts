/**
 * maven-cache-mount — give RUN steps that run Maven (`mvn`, `./mvnw`) a BuildKit cache mount on
 * the local repository, `/root/.m2/repository` (`$HOME/.m2/repository`).
 *
 * Why: every rebuild otherwise downloads every plugin and dependency again. The mount is
 * `sharing=locked`: Maven's local repository is not safe for concurrent writers. Only `repository` is
 * mounted, not all of `~/.m2`: a `settings.xml` copied into `~/.m2` by an earlier step would be
 * hidden by a mount on the whole directory, and `~/.m2/wrapper` holds the Maven that `mvnw`
 * downloaded. Steps with `-Dmaven.repo.local` are left alone; steps of non-root users are
 * skipped (Maven has no variable that moves only the repository).
 *
 * Fix safety: safe in a build stage whose files do not reach the output; unsafe otherwise: the
 * repository holds the dependencies, so a later `mvn -o` outside a mounted step, a later stage
 * or a `mvn` at run time would not find them.
 */
import { runCacheMounts, joinDir, program, type CacheDir, type Env } from '../src/analysis/cache-mount.js';
import type { DockerfileDocument } from '../src/core/document.js';
import type { Transform, TransformContext, TransformResult } from '../src/core/types.js';

function mavenDirs(env: Env, home: string | undefined): CacheDir[] | { skip: string } {
  const opts = `${env.get('MAVEN_OPTS') ?? ''} ${env.get('MAVEN_ARGS') ?? ''}`;
  if (opts.includes('maven.repo.local')) return { skip: 'MAVEN_OPTS/MAVEN_ARGS set maven.repo.local; left unchanged' };
  return [
    {
      name: 'maven',
      dir: home === undefined ? undefined : joinDir(home, '.m2/repository'),
      holdsDeps: true,
      // Maven's local repository is not safe for concurrent builds writing to it.
      locked: true,
      noRelocate: 'Maven has no variable that moves only its local repository',
      unknown: 'the home directory, and so ~/.m2, is unknown here; left unchanged',
    },
  ];
}

export const mavenCacheMount: Transform = {
  meta: {
    id: 'maven-cache-mount',
    summary: 'Add a BuildKit cache mount on the Maven local repository (~/.m2/repository) to mvn steps',
    description:
      'Adds `--mount=type=cache,target=/root/.m2/repository` to RUN steps that run `mvn`/`mvnw`. Only the repository is ' +
      'mounted, so settings.xml and the wrapper distribution stay. Unsafe where the stage reaches the output.',
    fixKind: 'safe',
    unsafeFixes: 'when the step may run as a user other than root (its home and cache directory are then not known); or the mounted directory holds the downloaded dependencies a built image may read',
    order: 47,
    docsUrl: 'docs/cache-mounts.md#maven-cache-mount',
  },
  run(doc: DockerfileDocument, ctx: TransformContext): TransformResult {
    return runCacheMounts(doc, ctx, {
      id: 'maven-cache-mount',
      label: 'mvn',
      quick: /\bmvnw?\b/,
      execForm: /(^|\s|\/)mvnw?(\s|$)/,
      depsFixKind: 'unsafe',
      detect(cmd) {
        const p = program(cmd);
        if (!p || (p.name !== 'mvn' && p.name !== 'mvnw')) return null;
        if (cmd.words.some((w) => /^-Dmaven\.repo\.local=/.test(w.value))) return null;
        const args = cmd.words.slice(p.index + 1).map((w) => w.value);
        if (args.some((a) => a === '-v' || a === '--version' || a === '-h' || a === '--help') && args.length === 1) return null;
        return { cmd, tool: 'maven' , dirs: mavenDirs };
      },
    });
  },
};

export default mavenCacheMount;
