/**
 * Gradle (`gradle`, `./gradlew`, `sh gradlew`). Store: `$GRADLE_USER_HOME/caches` and
 * `/wrapper` (`~/.gradle`); the user home also holds gradle.properties and init scripts, so it is
 * never moved. `gradle --offline` reads it offline. Dependency tasks (`dependencies`,
 * `downloadDependencies`, ...) are installs.
 */
import type { CacheDir, EcosystemDescriptor, Env } from './types.js';
import { dirFromVar, joinDir, parseOptions, program } from './helpers.js';

const VALUED = new Set(['-x', '--exclude-task', '-p', '--project-dir', '-b', '--build-file', '-c', '--settings-file', '-g', '--gradle-user-home', '--console', '--warning-mode', '-I', '--init-script', '--max-workers', '--priority']);

function gradleDirs(env: Env, home: string | undefined): CacheDir[] | { skip: string } {
  const h = dirFromVar(env, 'GRADLE_USER_HOME', home === undefined ? undefined : joinDir(home, '.gradle'), 'gradle');
  if (typeof h === 'object') return h;
  const why = 'GRADLE_USER_HOME also holds gradle.properties and init scripts, so it is not moved';
  const unknown = 'GRADLE_USER_HOME is unknown here; left unchanged';
  return [
    { name: 'gradle-caches', dir: h === undefined ? undefined : joinDir(h, 'caches'), holdsDeps: true, noRelocate: why, unknown, offlineStore: 'gradle' },
    { name: 'gradle-wrapper', dir: h === undefined ? undefined : joinDir(h, 'wrapper'), holdsDeps: true, noRelocate: why, unknown, offlineStore: 'gradle' },
  ];
}

export const gradle: EcosystemDescriptor = {
  id: 'gradle',
  programs: /^(gradle|gradlew)$/,
  valued: VALUED,
  roles: { dependencies: 'fetch-only', downloadDependencies: 'fetch-only', build: 'build', assemble: 'build', test: 'build' },
  classify(inv) {
    const tasks = parseOptions(inv.rest, VALUED).positional.map((x) => x.value);
    if (tasks.length && tasks.every((t) => /^(:?[\w-]+:)*(dependencies|downloadDependencies|resolveDependencies|resolveAllDependencies|androidDependencies)$/.test(t))) return inv.install('gradle', inv.p, VALUED);
    if (tasks.length === 0 && inv.rest.every((x) => x.value === '--version' || x.value === '-v')) return inv.neutral();
    if (tasks.some((t) => /(^|:)(build|assemble|jar|bootJar|shadowJar|installDist|compileJava|test|check)$/.test(t))) return inv.build('gradle', inv.p, VALUED);
    return inv.source();
  },
  manifests: {
    names: ['build.gradle', 'build.gradle.kts', 'settings.gradle', 'settings.gradle.kts', 'gradle.properties', 'gradlew'],
    patterns: [/^gradle\/wrapper\//],
    dirOptions: ['-p', '--project-dir'],
    planner: 'gradle',
  },
  offline: (o) => (o.has('--offline') ? { store: 'gradle', what: o.show() } : null),
  cache: {
    transform: 'gradle-cache-mount',
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
      if (args.length === 1 && ['-v', '--version', '--stop', '-h', '--help'].includes(args[0]!)) return null;
      return { cmd, tool: 'gradle', dirs: gradleDirs };
    },
  },
};
