/**
 * .NET (`dotnet restore`/`build`/`publish`, `nuget restore`). Store: `$NUGET_PACKAGES`, else
 * `~/.nuget/packages`: `dotnet publish --no-restore` reads it offline, so the fix is unsafe where
 * the stage reaches the output. Dependency-only step for a one-step build: `dotnet restore`
 * (`*.csproj`/`*.sln`, `nuget.config`, `Directory.Packages.props`, ...).
 */
import type { CacheDir, EcosystemDescriptor, Env } from './types.js';
import { dirFromVar, has, joinDir, program } from './helpers.js';

const VALUED = new Set(['-r', '--runtime', '-s', '--source', '--packages', '--configfile', '-a', '--arch', '--os', '-v', '--verbosity', '--lock-file-path']);
const BUILD_VALUED = new Set([...VALUED, '-c', '--configuration', '-o', '--output', '-f', '--framework', '--version-suffix', '--property', '-p', '-bl']);
const NUGET_VALUED = new Set(['-PackagesDirectory', '-Source', '-ConfigFile', '-SolutionDirectory', '-Verbosity', '-MSBuildVersion', '-MSBuildPath']);
const ROLES = { restore: 'fetch-only', build: 'build', publish: 'build', test: 'build', pack: 'build', run: 'build' } as const;
const CACHE_SUBS = new Set(Object.keys(ROLES));

function nugetDirs(env: Env, home: string | undefined): CacheDir[] | { skip: string } {
  const d = dirFromVar(env, 'NUGET_PACKAGES', home === undefined ? undefined : joinDir(home, '.nuget/packages'), 'NuGet');
  if (typeof d === 'object') return d;
  return [{ name: 'nuget', dir: d, envVar: 'NUGET_PACKAGES', holdsDeps: true, offlineStore: 'nuget' }];
}

export const dotnet: EcosystemDescriptor = {
  id: 'dotnet',
  programs: /^(dotnet|nuget|nuget\.exe)$/,
  valued: VALUED,
  roles: ROLES,
  classify(inv) {
    const sub = inv.at(0);
    if (inv.prog !== 'dotnet') return sub === 'restore' ? inv.install('dotnet', inv.p + 1, NUGET_VALUED) : inv.source();
    if (sub === 'restore') return inv.install('dotnet', inv.p + 1, VALUED);
    if (sub === 'build' || sub === 'publish' || sub === 'test' || sub === 'pack' || sub === 'run') return inv.build('dotnet', inv.p + 1, BUILD_VALUED);
    if (sub === '--info' || sub === '--version' || (sub === 'nuget' && inv.at(1) === 'locals') || (sub === 'tool' && inv.rest.some((x) => x.value === '-g' || x.value === '--global' || x.value === '--tool-path'))) return inv.neutral();
    if (sub === 'dev-certs' || sub === 'workload') return inv.neutral();
    return inv.source();
  },
  manifests: {
    names: ['nuget.config', 'NuGet.Config', 'packages.lock.json'],
    patterns: [/\.(csproj|fsproj|vbproj|sln)$/],
    planner: 'dotnet',
  },
  dependencyOnly: {
    command: 'dotnet restore',
    what: 'NuGet packages',
    toolEnv: /^(GO|CGO_|NUGET|DOTNET|MSBUILD|HTTPS?_PROXY|NO_PROXY|https?_proxy|no_proxy)/,
    refuse: (b) => (has(b.opts, '--no-restore') ? `\`${b.label}\` uses --no-restore, so the dependencies come from a restore this rewrite cannot see` : undefined),
    projectFile: /\.(csproj|fsproj|vbproj|sln|slnx|proj)$/i,
    carryOptions: ['-r', '--runtime', '-a', '--arch', '--os'],
    carryCacheMounts: true,
    store: (env) => env.get('NUGET_PACKAGES') ?? '/root/.nuget/packages',
  },
  offline: (o) => (o.prog === 'dotnet' && ['build', 'publish', 'test', 'run', 'pack'].includes(o.sub) && o.has('--no-restore') ? { store: 'nuget', what: `\`dotnet ${o.sub} --no-restore\`` } : null),
  cache: {
    transform: 'dotnet-cache-mount',
    label: 'dotnet restore',
    quick: /\bdotnet\b/,
    execForm: /(^|\s|\/)dotnet\s+(restore|build|publish|test|pack)\b/,
    depsFixKind: 'unsafe',
    detect(cmd) {
      const p = program(cmd);
      if (!p || p.name !== 'dotnet' || !CACHE_SUBS.has(cmd.words[p.index + 1]?.value ?? '')) return null;
      if (cmd.words.some((w) => w.value === '--packages')) return null;
      return { cmd, tool: 'dotnet', dirs: nugetDirs };
    },
    isCleanup(cmd) {
      const p = program(cmd);
      if (!p || p.name !== 'dotnet') return false;
      const w = cmd.words.slice(p.index + 1).map((x) => x.value);
      return w[0] === 'nuget' && w[1] === 'locals' && w.some((x) => x === '--clear' || x === '-c');
    },
  },
};
