/**
 * Maven (`mvn`, `mvnw`). Store: `~/.m2/repository` (no variable moves only it; `maven.repo.local`
 * in MAVEN_OPTS/MAVEN_ARGS or `-Dmaven.repo.local=` moves it: then left alone). `mvn -o` reads it
 * offline. `sharing=locked`: the local repository is not safe for concurrent writers.
 * Dependency-only goals (`dependency:go-offline`, `dependency:resolve`, ...) are installs.
 */
import type { CacheDir, EcosystemDescriptor, Env } from './types.js';
import { joinDir, parseOptions, program } from './helpers.js';

const VALUED = new Set(['-f', '--file', '-s', '--settings', '-gs', '--global-settings', '-P', '--activate-profiles', '-T', '--threads', '-pl', '--projects', '-rf', '--resume-from', '-l', '--log-file', '-t', '--toolchains', '-b', '--builder']);
const DEP_ONLY = /^((org\.apache\.maven\.plugins:)?maven-dependency-plugin(:[\w.-]+)?:|dependency:)(go-offline|resolve|resolve-plugins|copy-dependencies|tree|list)$|^de\.qaware\.maven:go-offline-maven-plugin(:[\w.-]+)?:resolve-dependencies$/;
const BUILD = /^(compile|test|package|verify|install|deploy|spring-boot:run|spring-boot:repackage)$/;

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
      offlineStore: 'maven',
    },
  ];
}

export const maven: EcosystemDescriptor = {
  id: 'maven',
  programs: /^(mvn|mvnw|mvnw\.cmd)$/,
  valued: VALUED,
  roles: { 'dependency:go-offline': 'fetch-only', 'dependency:resolve': 'fetch-only', package: 'build', install: 'build', verify: 'build', compile: 'build', test: 'build' },
  classify(inv) {
    const goals = parseOptions(inv.rest, VALUED).positional.map((x) => x.value);
    if (goals.length && goals.every((g) => DEP_ONLY.test(g))) return inv.install('maven', inv.p, VALUED);
    if (goals.some((g) => BUILD.test(g))) return inv.build('maven', inv.p, VALUED);
    return inv.source();
  },
  manifests: { names: ['pom.xml'], planner: 'maven' },
  offline(o) {
    if (o.prog === 'mvnw.cmd') return null;
    const flag = /(^|\s)(-o|--offline)(\s|$)/;
    return o.has('-o', '--offline') || flag.test(o.env.get('MAVEN_ARGS') ?? '') || flag.test(o.env.get('MAVEN_OPTS') ?? '') ? { store: 'maven', what: o.show() } : null;
  },
  cache: {
    transform: 'maven-cache-mount',
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
      return { cmd, tool: 'maven', dirs: mavenDirs };
    },
  },
};
