/**
 * Go (`go mod download`, `go build`, ...). Two directories: the module cache (`$GOMODCACHE`, else
 * `${GOPATH%%:*}/pkg/mod`, `/go/pkg/mod` on golang images, `~/go/pkg/mod`), a store: later steps
 * and `go run` read it, so with a mount in a stage that reaches the output the fix is unsafe; and
 * the build cache (`$GOCACHE`, else `$XDG_CACHE_HOME/go-build`), a pure cache. `GOCACHE=off`
 * turns it off on purpose. `GOPROXY=off go build` reads the module cache offline.
 * Dependency-only step for a one-step build: `go mod download` (go.mod, go.sum).
 */
import type { CacheDir, EcosystemDescriptor, Env, Instruction } from './types.js';
import { baseImageIs, dirFromVar, has, joinDir, program, subcommandIndex, values, xdgCacheHome } from './helpers.js';

const BUILD_VALUED = new Set(['-o', '-ldflags', '-gcflags', '-asmflags', '-tags', '-mod', '-C', '-p', '-buildmode', '-compiler', '-installsuffix', '-modfile', '-overlay', '-pkgdir', '-toolexec', '-run', '-timeout', '-exec', '-count', '-pgo']);
const ROLES = {
  'mod download': 'fetch-only', 'mod verify': 'fetch-only', 'mod tidy': 'update', 'mod vendor': 'update', 'work sync': 'update', get: 'update',
  build: 'build', install: 'build', test: 'build', run: 'build', generate: 'build', vet: 'build', list: 'build', clean: 'cleanup', env: 'config',
} as const;
/** Subcommands that compile packages (and so use the build cache). */
const COMPILES = new Set(['build', 'install', 'test', 'run', 'generate', 'vet', 'list']);
const CACHE_SUBS = new Set(Object.keys(ROLES).filter((k) => !['cleanup', 'config'].includes(ROLES[k as keyof typeof ROLES])));

function goDirs(instr: Instruction, compiles: boolean) {
  return (env: Env, home: string | undefined): CacheDir[] | { skip: string } => {
    const gopathRaw = env.get('GOPATH');
    const gopath = gopathRaw ? gopathRaw.split(':')[0]! : baseImageIs(instr, /(^|\/)golang(:|@|$)/) ? '/go' : home === undefined ? undefined : joinDir(home, 'go');
    const mod = dirFromVar(env, 'GOMODCACHE', gopath === undefined ? undefined : joinDir(gopath, 'pkg/mod'), 'go');
    if (typeof mod === 'object') return mod;
    const xdg = xdgCacheHome(env, home);
    const build = dirFromVar(env, 'GOCACHE', xdg === undefined ? undefined : joinDir(xdg, 'go-build'), 'go');
    if (typeof build === 'object') return build;
    if (env.get('GOCACHE') === 'off') return { skip: 'GOCACHE=off: the build cache is turned off on purpose; left unchanged' };
    const dirs: CacheDir[] = [{ name: 'go-mod', dir: mod, envVar: 'GOMODCACHE', holdsDeps: true, reuses: 'the downloaded modules', offlineStore: 'go-mod' }];
    // The build cache only helps commands that compile (`go mod download` compiles nothing).
    if (compiles) dirs.push({ name: 'go-build', dir: build, envVar: 'GOCACHE', reuses: 'compiled packages' });
    return dirs;
  };
}

export const go: EcosystemDescriptor = {
  id: 'go',
  programs: /^go$/,
  valued: BUILD_VALUED,
  roles: ROLES,
  classify(inv) {
    const sub = inv.at(0);
    const { p, rest } = inv;
    if (sub === 'mod' && (inv.at(1) === 'download' || inv.at(1) === 'verify')) return inv.install('go', p + 2, new Set(['-modfile']));
    if (sub === 'env' || sub === 'version') return inv.neutral();
    if (sub === 'install' && rest.slice(1).filter((x) => !x.value.startsWith('-')).every((x) => /@/.test(x.value)) && rest.length > 1) return inv.neutral();
    if (sub === 'get') return inv.source('`go get` resolves imports or changes go.mod, so it needs the source');
    if (sub === 'build' || sub === 'install' || sub === 'test' || sub === 'vet' || sub === 'run' || sub === 'generate') return inv.build('go', p + 1, BUILD_VALUED);
    if (sub === 'mod' && inv.at(1) === 'tidy') return inv.source('`go mod tidy` scans the source for imports');
    return inv.source();
  },
  manifests: { names: ['go.mod', 'go.sum'], planner: 'go' },
  dependencyOnly: {
    command: 'go mod download',
    what: 'modules',
    toolEnv: /^(GO|CGO_|NUGET|DOTNET|MSBUILD|HTTPS?_PROXY|NO_PROXY|https?_proxy|no_proxy)/,
    refuse(b, env) {
      if (has(b.opts, '-mod') && values(b.opts, '-mod').includes('vendor')) return `\`${b.label}\` builds from the vendor directory`;
      if (/-mod=vendor/.test(env.get('GOFLAGS') ?? '') || b.cwd.includes('$')) return 'GOFLAGS selects the vendor directory';
      return undefined;
    },
    keepAssignments: /^GO(PROXY|PRIVATE|NOPROXY|NOSUMDB|SUMDB|INSECURE|FLAGS|MODCACHE|PATH|TOOLCHAIN|WORK|111MODULE)=/,
    store: (env) => env.get('GOMODCACHE') ?? `${(env.get('GOPATH') ?? '/go').split(':')[0]}/pkg/mod`,
  },
  offline(o) {
    if (/-mod=vendor/.test(o.env.get('GOFLAGS') ?? '') || o.has('-mod=vendor')) return null;
    return o.env.get('GOPROXY') === 'off' ? { store: 'go-mod', what: `${o.show()} with GOPROXY=off` } : null;
  },
  cache: {
    transform: 'go-cache-mount',
    label: 'go build',
    quick: /\bgo\b/,
    execForm: /(^|\s|\/)go\s+(build|install|test|run|get|mod\s+download)\b/,
    depsFixKind: 'unsafe',
    detect(cmd, instr) {
      const p = program(cmd);
      if (!p || p.name !== 'go') return null;
      const i = subcommandIndex(cmd.words, p.index + 1);
      let s = cmd.words[i]?.value ?? '';
      if (s === 'mod' || s === 'work') s += ' ' + (cmd.words[i + 1]?.value ?? '');
      if (!CACHE_SUBS.has(s)) return null;
      return { cmd, tool: 'go', dirs: goDirs(instr, COMPILES.has(s)) };
    },
    isCleanup(cmd) {
      const p = program(cmd);
      if (!p || p.name !== 'go' || cmd.words[p.index + 1]?.value !== 'clean') return false;
      const rest = cmd.words.slice(p.index + 2).map((w) => w.value);
      return rest.length > 0 && rest.every((r) => ['-cache', '-modcache', '-testcache', '-fuzzcache'].includes(r));
    },
  },
};
