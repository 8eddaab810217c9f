/**
 * What a shell command in a RUN step does, as far as ordering around `COPY . .` is concerned:
 * - `install`: a dependency install that reads only dependency manifests (`npm ci`,
 *   `pip install -r requirements.txt`, `go mod download`, ...), with its parsed options;
 * - `neutral`: a command that does not read the project tree (`apt-get install`, `npm i -g x`,
 *   `mkdir -p /x`); the paths it names are returned so the caller can check them;
 * - `cd`: a change of directory for the commands after it;
 * - `source`: anything that may read the copied source (a build, a script, an unknown program),
 *   with the reason.
 * Conservative by construction: an unknown program is `source`.
 */
import { offlineRead } from './offline.js';
import { basename, programIndex, type ShellCommand, type Word } from '../core/shell.js';
import { joinPath } from '../core/document.js';

export type Ecosystem =
  | 'pip'
  | 'pipenv'
  | 'poetry'
  | 'uv'
  | 'npm'
  | 'yarn'
  | 'pnpm'
  | 'go'
  | 'cargo'
  | 'maven'
  | 'gradle'
  | 'bundler'
  | 'composer'
  | 'dotnet'
  | 'mix';

export interface InstallCommand {
  eco: Ecosystem;
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

interface Parsed {
  opts: Map<string, string[]>;
  positional: Word[];
}

/** Split words into options and positional arguments; `valued` lists options that take a value. */
export function parseOptions(words: Word[], valued: ReadonlySet<string>): Parsed {
  const opts = new Map<string, string[]>();
  const positional: Word[] = [];
  const add = (k: string, v: string): void => {
    const list = opts.get(k) ?? [];
    list.push(v);
    opts.set(k, list);
  };
  for (let i = 0; i < words.length; i++) {
    const v = words[i].value;
    if (v === '--') {
      positional.push(...words.slice(i + 1));
      break;
    }
    if (v.startsWith('--') && v.includes('=')) {
      const eq = v.indexOf('=');
      add(v.slice(0, eq), v.slice(eq + 1));
    } else if (v.startsWith('-') && v.length > 1 && !words[i].quoted) {
      if (valued.has(v) && i + 1 < words.length) add(v, words[++i].value);
      else if (/^-[A-Za-z]$/.test(v.slice(0, 2)) && valued.has(v.slice(0, 2)) && v.length > 2 && !v.startsWith('--')) add(v.slice(0, 2), v.slice(2));
      else add(v, 'true');
    } else positional.push(words[i]);
  }
  return { opts, positional };
}

export function has(opts: Map<string, string[]>, ...names: string[]): boolean {
  return names.some((n) => opts.has(n));
}

export function values(opts: Map<string, string[]>, ...names: string[]): string[] {
  return names.flatMap((n) => opts.get(n) ?? []);
}

function label(words: Word[], from: number): string {
  const text = words
    .slice(from)
    .map((w) => w.value)
    .join(' ');
  if (text.length <= 60) return text;
  return words
    .slice(from, from + 2)
    .map((w) => w.value)
    .join(' ');
}

const PIP_VALUED = new Set([
  '-r', '--requirement', '-c', '--constraint', '-e', '--editable', '-i', '--index-url', '--extra-index-url', '-f', '--find-links',
  '-t', '--target', '--prefix', '--root', '--src', '--trusted-host', '--platform', '--python-version', '--implementation', '--abi',
  '--only-binary', '--no-binary', '--progress-bar', '--cache-dir', '--log', '--report', '--upgrade-strategy', '-C', '--config-settings',
  '--global-option', '--python', '--retries', '--timeout', '--proxy', '--cert', '--client-cert', '--exists-action', '--root-user-action',
  '--use-feature', '--use-deprecated', '--keyring-provider', '-p', '--group', '--extra', '--index-strategy', '--link-mode',
]);
const NPM_VALUED = new Set(['--prefix', '-C', '--dir', '--cwd', '--network-timeout', '--modules-folder', '--filter', '-F', '--omit', '--include', '--registry', '--cache', '--loglevel', '-w', '--workspace', '--mutex', '--network-concurrency', '--child-concurrency', '--cache-folder', '--store-dir', '--reporter']);
const POETRY_VALUED = new Set(['--without', '--with', '--only', '-E', '--extras', '-C', '--directory', '-P', '--project']);
const UV_VALUED = new Set(['--extra', '--group', '--no-group', '--only-group', '--package', '-p', '--python', '--directory', '--project', '--index-url', '--extra-index-url', '--index', '--default-index', '--link-mode', '--compile-bytecode', '--cache-dir', '--no-install-package', '--no-binary-package', '--no-build-package', '--python-platform']);
const DOTNET_VALUED = new Set(['-r', '--runtime', '-s', '--source', '--packages', '--configfile', '-a', '--arch', '--os', '-v', '--verbosity', '--lock-file-path']);
const BUNDLE_VALUED = new Set(['--jobs', '-j', '--retry', '--without', '--with', '--path', '--gemfile', '--binstubs', '--standalone', '--shebang', '--trust-policy']);
const COMPOSER_VALUED = new Set(['-d', '--working-dir', '--ignore-platform-req']);
const MVN_VALUED = new Set(['-f', '--file', '-s', '--settings', '-gs', '--global-settings', '-P', '--activate-profiles', '-T', '--threads', '-pl', '--projects', '-rf', '--resume-from', '-l', '--log-file', '-t', '--toolchains', '-b', '--builder']);
const GRADLE_VALUED = new Set(['-x', '--exclude-task', '-p', '--project-dir', '-b', '--build-file', '-c', '--settings-file', '-g', '--gradle-user-home', '--console', '--warning-mode', '-I', '--init-script', '--max-workers', '--priority']);

/** Package-manager commands whose arguments are package names, not paths. */
const SYSTEM_PM = new Set(['apt-get', 'apt', 'aptitude', 'apk', 'yum', 'dnf', 'microdnf', 'tdnf', 'zypper', 'pacman', 'emerge', 'port', 'brew', 'choco', 'winget']);
/** Commands that touch only the paths they name (all non-option arguments are paths). */
const PATH_COMMANDS = new Set(['mkdir', 'rm', 'rmdir', 'chmod', 'chown', 'chgrp', 'touch', 'ln', 'cp', 'mv', 'install', 'ls', 'stat', 'test', '[', 'dpkg', 'rpm', 'tar', 'unzip', 'gunzip', 'cat', 'sed', 'tee']);
/** Commands that read nothing from the file system beyond their options. */
const INERT = new Set([
  'echo', 'printf', 'true', 'false', ':', 'set', 'export', 'unset', 'umask', 'ulimit', 'sleep', 'exit', 'pwd', 'whoami', 'id', 'date', 'uname', 'env',
  'useradd', 'groupadd', 'adduser', 'addgroup', 'usermod', 'groupmod', 'userdel', 'deluser', 'passwd', 'chpasswd',
  'update-ca-certificates', 'ldconfig', 'locale-gen', 'update-locale', 'dpkg-reconfigure', 'update-alternatives', 'localedef',
  'docker-php-ext-install', 'docker-php-ext-configure', 'docker-php-ext-enable', 'docker-php-source', 'pecl', 'install-php-extensions',
  'corepack', 'rustup', 'type', 'which', 'hash', 'command', 'sync',
]);

/** Does this word look like a path (rather than a package name)? */
export function looksLikePath(v: string): boolean {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v) || /^git\+|^git@/.test(v)) return false;
  return v.startsWith('.') || v.startsWith('/') || v.includes('/') || v.startsWith('~') || v.startsWith('$') || /\.(whl|tar\.gz|tgz|zip|deb|rpm|gem|jar)$/.test(v);
}

/**
 * Classify one simple command. `cwd` is the absolute directory it runs in; `pipedFrom` is the
 * program feeding its standard input through a pipe, if any.
 */
export function classifyCommand(cmd: ShellCommand, cwd: string): Classified {
  const w = cmd.words;
  const p = programIndex(w);
  if (p === -1) return { kind: 'neutral', paths: [] };
  const progWord = w[p];
  const prog = basename(progWord.value);
  const rest = w.slice(p + 1);
  const at = (k: number): string | undefined => w[p + 1 + k]?.value;
  const redirectPaths = cmd.redirects.filter((r) => !/^\d*[<>&|]+$/.test(r.value) && !/^&?\d+$/.test(r.value)).map((r) => r.value);
  const install = (eco: Ecosystem, subIndex: number, valued: ReadonlySet<string>): Classified => {
    const parsed = parseOptions(w.slice(subIndex + 1), valued);
    return { kind: 'install', install: { eco, label: label(w, p), cmd, subIndex, opts: parsed.opts, positional: parsed.positional, cwd } };
  };
  const source = (reason?: string): Classified => ({ kind: 'source', reason: reason ?? `\`${label(w, p)}\` may read the copied source` });
  const neutral = (paths: string[] = []): Classified => ({ kind: 'neutral', paths: [...paths, ...redirectPaths] });

  if (progWord.dynamic && /[$`]/.test(progWord.value)) return source();
  if (prog === 'cd') {
    const d = at(0);
    if (d === undefined) return { kind: 'cd', dir: null };
    if (w[p + 1].dynamic || d === '-') return { kind: 'cd', dir: null };
    return { kind: 'cd', dir: joinPath(cwd, d) };
  }
  if ((prog === '.' || prog === 'source') && at(0) !== undefined) return { kind: 'sourced', file: joinPath(cwd, at(0)!) };
  if (prog === 'fi' || prog === 'done' || prog === 'esac' || prog === '}') return neutral();
  if (INERT.has(prog)) {
    if (prog === 'corepack' && (at(0) === 'install' || (at(0) === 'prepare' && rest.length === 1))) return source('`corepack` reads package.json');
    return neutral();
  }
  if (SYSTEM_PM.has(prog)) {
    // Arguments are package names; a local package file (`./x.deb`) is a path.
    return neutral(rest.filter((x) => !x.value.startsWith('-') && looksLikePath(x.value)).map((x) => x.value));
  }
  if (PATH_COMMANDS.has(prog)) {
    const parsed = parseOptions(rest, prog === 'sed' ? new Set(['-e', '--expression', '-f']) : prog === 'tar' ? new Set(['-C', '--directory', '-f', '--file']) : new Set());
    let args = parsed.positional.map((x) => x.value);
    // The mode of chmod, the owner of chown/chgrp and the script of sed are not paths.
    if ((prog === 'chmod' || prog === 'chown' || prog === 'chgrp') && args.length) args = args.slice(1);
    if (prog === 'sed' && !has(parsed.opts, '-e', '--expression', '-f')) args = args.slice(1);
    if (prog === 'test' || prog === '[') args = args.filter((a) => !['=', '==', '!=', ']', '!', '-a', '-o'].includes(a));
    const optPaths = prog === 'tar' ? values(parsed.opts, '-C', '--directory', '-f', '--file') : prog === 'sed' ? values(parsed.opts, '-f') : [];
    const readOnly = ['test', '[', 'ls', 'stat', 'cat'].includes(prog) && redirectPaths.length === 0;
    return { kind: 'neutral', paths: [...args, ...optPaths, ...redirectPaths], readOnly };
  }
  if (prog === 'curl' || prog === 'wget') {
    const p2 = parseOptions(rest, new Set(['-o', '--output', '-O', '--output-document', '-P', '--directory-prefix', '-H', '--header', '-u', '--user', '-d', '--data', '-X', '-A', '--retry', '-w', '--connect-timeout', '--max-time', '-m', '-e', '-T', '--tries', '--timeout']));
    const outs = values(p2.opts, '-o', '--output', '--output-document', '-P', '--directory-prefix');
    if (prog === 'wget' && has(p2.opts, '-O') && !values(p2.opts, '-O').every((v) => v === '-' || v === 'true')) outs.push(...values(p2.opts, '-O'));
    const local = values(p2.opts, '-d', '--data', '-T').filter((v) => v.startsWith('@'));
    if (local.length) return source();
    // `curl -O url` / `wget url` write the file into the working directory.
    const implicit = (prog === 'wget' && !has(p2.opts, '-O', '--output-document', '-P', '--directory-prefix')) || (prog === 'curl' && has(p2.opts, '-O', '--remote-name'));
    if (implicit) outs.push(...p2.positional.map((x) => x.value.replace(/[?#].*$/, '').replace(/^.*\//, '') || 'index.html'));
    return neutral(outs);
  }
  if (prog === 'gem' && (at(0) === 'install' || at(0) === 'update')) {
    return neutral(rest.slice(1).filter((x) => !x.value.startsWith('-') && looksLikePath(x.value)).map((x) => x.value));
  }
  if (prog === 'git' && at(0) === 'config' && rest.some((x) => x.value === '--global' || x.value === '--system')) return neutral();

  // Python
  let pipAt = -1;
  if (/^pip(3(\.\d+)?)?$/.test(prog)) pipAt = p + 1;
  else if (/^python(3(\.\d+)?)?$/.test(prog)) {
    let i = p + 1;
    while (i < w.length && w[i].value.startsWith('-') && w[i].value !== '-m') i++;
    if (w[i]?.value === '-m' && /^pip3?$/.test(w[i + 1]?.value ?? '')) pipAt = i + 2;
    else if (w[i]?.value === '-m' && w[i + 1]?.value === 'venv') {
      const target = w.slice(i + 2).filter((x) => !x.value.startsWith('-'));
      return neutral(target.map((x) => x.value));
    } else return source();
  } else if (prog === 'uv' && at(0) === 'pip') pipAt = p + 2;
  if (pipAt !== -1) {
    let i = pipAt;
    while (i < w.length && w[i].value.startsWith('-')) i++;
    const sub = w[i]?.value;
    if (sub === 'install' || sub === 'sync') {
      const parsed = parseOptions(w.slice(i + 1), PIP_VALUED);
      const reqs = values(parsed.opts, '-r', '--requirement');
      const editable = values(parsed.opts, '-e', '--editable');
      const local = parsed.positional.filter((x) => looksLikePath(x.value) || x.dynamic);
      if (sub === 'sync' || reqs.length || editable.length || local.length) return install('pip', i, PIP_VALUED);
      // `pip install flask gunicorn`: named packages only, nothing from the project.
      const dirs = values(parsed.opts, '-t', '--target', '--prefix', '--root', '-f', '--find-links', '-c', '--constraint').filter((v) => !/^[a-z]+:\/\//.test(v));
      return neutral(dirs);
    }
    if (sub === 'config' || sub === 'cache' || sub === 'list' || sub === 'freeze' || sub === 'show' || sub === 'uninstall' || sub === 'check' || sub === '--version' || sub === undefined) return neutral();
    return source();
  }
  if (prog === 'uv') {
    const sub = at(0);
    if (sub === 'sync') return install('uv', p + 1, UV_VALUED);
    if (sub === 'venv') return neutral(rest.slice(1).filter((x) => !x.value.startsWith('-')).map((x) => x.value).concat(rest.slice(1).some((x) => !x.value.startsWith('-')) ? [] : ['.venv']));
    if (sub === 'python' || sub === 'tool' || sub === 'cache' || sub === 'self' || sub === '--version') return neutral();
    return source();
  }
  if (prog === 'pipenv') {
    const sub = at(0);
    if ((sub === 'install' || sub === 'sync') && rest.slice(1).every((x) => x.value.startsWith('-'))) return install('pipenv', p + 1, new Set(['--python', '--categories', '--extra-pip-args']));
    if (sub === 'install') return source('`pipenv install <packages>` changes the Pipfile');
    return source();
  }
  if (prog === 'poetry') {
    const sub = at(0);
    if (sub === 'install' || sub === 'sync') return install('poetry', p + 1, POETRY_VALUED);
    if (sub === 'config' || sub === 'self' || sub === '--version' || sub === 'env' && at(1) === 'use') return neutral();
    return source();
  }

  // JavaScript
  if (prog === 'npm' || prog === 'pnpm' || prog === 'yarn') {
    const eco = prog as Ecosystem;
    const sub = at(0);
    const args = rest.slice(sub === undefined ? 0 : 1);
    const global = rest.some((x) => x.value === '-g' || x.value === '--global' || x.value === '--location=global') || sub === 'global';
    if (global) return neutral(args.filter((x) => !x.value.startsWith('-') && looksLikePath(x.value) && !/^@?[\w.-]+(\/[\w.-]+)?(@[\w.^~<>=*-]+)?$/.test(x.value)).map((x) => x.value));
    if (sub === 'cache' || sub === 'version' || sub === '--version' || sub === '-v' || sub === 'help' || sub === 'whoami' || sub === 'ping') return neutral();
    if (sub === 'config' || sub === 'set') {
      if (rest.some((x) => /^(--location=project|-L|--location)$/.test(x.value) && !rest.some((y) => y.value === 'global' || y.value === 'user'))) return source(`\`${prog} config\` writes the project's configuration`);
      if (prog === 'yarn' && !rest.some((x) => x.value === '-H' || x.value === '--home')) return neutral(['.yarnrc.yml', '.yarnrc']);
      return neutral();
    }
    const npmInstall = prog === 'npm' && (sub === 'ci' || sub === 'install' || sub === 'i' || sub === 'isntall' || sub === 'add' || sub === 'clean-install');
    const pnpmInstall = prog === 'pnpm' && (sub === 'install' || sub === 'i' || sub === 'fetch' || sub === 'add');
    const yarnInstall = prog === 'yarn' && (sub === undefined || sub === 'install' || (sub.startsWith('-') && rest.every((x) => x.value.startsWith('-') || NPM_VALUED.has(rest[rest.indexOf(x) - 1]?.value ?? ''))) || sub === 'add' || (sub === 'workspaces' && at(1) === 'focus'));
    if (npmInstall || pnpmInstall || yarnInstall) {
      const start = sub === undefined || sub.startsWith('-') ? p : p + 1;
      const r = install(eco, start, NPM_VALUED) as { kind: 'install'; install: InstallCommand };
      const named = r.install.positional.filter((x) => !(sub === 'workspaces' && x.value === 'focus'));
      if (named.length || sub === 'add') return source(`\`${label(w, p)}\` adds packages to package.json`);
      return r;
    }
    return source();
  }

  // Go
  if (prog === 'go') {
    const sub = at(0);
    if (sub === 'mod' && (at(1) === 'download' || at(1) === 'verify')) return install('go', p + 2, new Set(['-modfile']));
    if (sub === 'env' || sub === 'version') return neutral();
    if (sub === 'install' && rest.slice(1).filter((x) => !x.value.startsWith('-')).every((x) => /@/.test(x.value)) && rest.length > 1) return neutral();
    if (sub === 'get') return source('`go get` resolves imports or changes go.mod, so it needs the source');
    if (sub === 'build' || sub === 'install' || sub === 'test' || sub === 'vet' || sub === 'run' || sub === 'generate') {
      const b = install('go', p + 1, new Set(['-o', '-ldflags', '-gcflags', '-asmflags', '-tags', '-mod', '-C', '-p', '-buildmode', '-compiler', '-installsuffix', '-modfile', '-overlay', '-pkgdir', '-toolexec', '-run', '-timeout', '-exec', '-count', '-pgo'])) as { kind: 'install'; install: InstallCommand };
      return { kind: 'source', reason: `\`${label(w, p)}\` compiles the source`, build: b.install };
    }
    if (sub === 'mod' && at(1) === 'tidy') return source('`go mod tidy` scans the source for imports');
    return source();
  }
  if (prog === 'cargo') {
    const sub = at(0);
    if (sub === 'fetch') return install('cargo', p + 1, new Set(['--target', '--manifest-path']));
    if (sub === 'install' && !rest.some((x) => x.value === '--path' || x.value.startsWith('--path='))) return neutral();
    if (sub === 'build' || sub === 'install' || sub === 'test' || sub === 'run' || sub === 'check') {
      const b = install('cargo', p + 1, new Set(['--target', '--manifest-path', '-p', '--package', '--bin', '--features', '-F', '--profile', '--path', '--root', '-j', '--jobs'])) as { kind: 'install'; install: InstallCommand };
      return { kind: 'source', reason: `\`${label(w, p)}\` compiles the source`, build: b.install };
    }
    return source();
  }
  // JVM
  if (prog === 'mvn' || prog === 'mvnw' || prog === 'mvnw.cmd') {
    const parsed = parseOptions(rest, MVN_VALUED);
    const goals = parsed.positional.map((x) => x.value);
    const depOnly = /^((org\.apache\.maven\.plugins:)?maven-dependency-plugin(:[\w.-]+)?:|dependency:)(go-offline|resolve|resolve-plugins|copy-dependencies|tree|list)$|^de\.qaware\.maven:go-offline-maven-plugin(:[\w.-]+)?:resolve-dependencies$/;
    if (goals.length && goals.every((g) => depOnly.test(g))) return install('maven', p, MVN_VALUED);
    if (goals.some((g) => /^(compile|test|package|verify|install|deploy|spring-boot:run|spring-boot:repackage)$/.test(g))) {
      const b = install('maven', p, MVN_VALUED) as { kind: 'install'; install: InstallCommand };
      return { kind: 'source', reason: `\`${label(w, p)}\` compiles the source`, build: b.install };
    }
    return source();
  }
  if (prog === 'gradle' || prog === 'gradlew') {
    const parsed = parseOptions(rest, GRADLE_VALUED);
    const tasks = parsed.positional.map((x) => x.value);
    if (tasks.length && tasks.every((t) => /^(:?[\w-]+:)*(dependencies|downloadDependencies|resolveDependencies|resolveAllDependencies|androidDependencies)$/.test(t))) return install('gradle', p, GRADLE_VALUED);
    if (tasks.length === 0 && rest.every((x) => x.value === '--version' || x.value === '-v')) return neutral();
    if (tasks.some((t) => /(^|:)(build|assemble|jar|bootJar|shadowJar|installDist|compileJava|test|check)$/.test(t))) {
      const b = install('gradle', p, GRADLE_VALUED) as { kind: 'install'; install: InstallCommand };
      return { kind: 'source', reason: `\`${label(w, p)}\` compiles the source`, build: b.install };
    }
    return source();
  }
  // Ruby
  if (prog === 'bundle' || prog === 'bundler') {
    const sub = at(0);
    if (sub === undefined || sub === 'install' || (sub.startsWith('-') && sub !== '--version' && sub !== '-v')) {
      return install('bundler', sub === undefined || sub.startsWith('-') ? p : p + 1, BUNDLE_VALUED);
    }
    if (sub === 'config') {
      const local = rest.some((x) => x.value === '--local');
      return neutral(local ? ['.bundle'] : []);
    }
    if (sub === '--version' || sub === 'version') return neutral();
    return source();
  }
  // PHP
  let composerAt = -1;
  if (prog === 'composer' || prog === 'composer.phar') composerAt = p + 1;
  else if (prog === 'php' && /(^|\/)composer(\.phar)?$/.test(at(0) ?? '')) composerAt = p + 2;
  if (composerAt !== -1) {
    let i = composerAt;
    while (i < w.length && w[i].value.startsWith('-')) i++;
    const sub = w[i]?.value;
    if (sub === 'install' || sub === 'i') return install('composer', i, COMPOSER_VALUED);
    if ((sub === 'config' && rest.some((x) => x.value === '-g' || x.value === '--global')) || sub === 'self-update' || sub === 'selfupdate' || sub === '--version' || sub === 'diagnose' || sub === 'clear-cache' || sub === 'clearcache') return neutral();
    if (sub === 'global') return neutral();
    return source();
  }
  // .NET
  if (prog === 'dotnet') {
    const sub = at(0);
    if (sub === 'restore') return install('dotnet', p + 1, DOTNET_VALUED);
    if (sub === 'build' || sub === 'publish' || sub === 'test' || sub === 'pack' || sub === 'run') {
      const b = install('dotnet', p + 1, new Set([...DOTNET_VALUED, '-c', '--configuration', '-o', '--output', '-f', '--framework', '--version-suffix', '--property', '-p', '-bl'])) as { kind: 'install'; install: InstallCommand };
      return { kind: 'source', reason: `\`${label(w, p)}\` compiles the source`, build: b.install };
    }
    if (sub === '--info' || sub === '--version' || sub === 'nuget' && at(1) === 'locals' || (sub === 'tool' && rest.some((x) => x.value === '-g' || x.value === '--global' || x.value === '--tool-path'))) return neutral();
    if (sub === 'dev-certs' || sub === 'workload') return neutral();
    return source();
  }
  if (prog === 'nuget' || prog === 'nuget.exe') {
    if (at(0) === 'restore') return install('dotnet', p + 1, new Set(['-PackagesDirectory', '-Source', '-ConfigFile', '-SolutionDirectory', '-Verbosity', '-MSBuildVersion', '-MSBuildPath']));
    return source();
  }
  // Elixir
  if (prog === 'mix') {
    const sub = at(0);
    if (sub === 'deps.get' || sub === 'deps.compile') return install('mix', p + 1, new Set(['--only', '--target']));
    if (sub === 'local.hex' || sub === 'local.rebar' || sub === 'archive.install' && rest.slice(1).some((x) => x.value === 'hex')) return neutral();
    return source();
  }
  return source();
}

/**
 * Does this command read downloaded dependencies without fetching what is missing (`dotnet
 * publish --no-restore`, `mvn -o`, `cargo build --offline`, `pnpm install --offline`, `GOPROXY=off
 * go build`)? Returns the command's label when it does. `env` is the environment in effect.
 * Such a step fails when the store it reads is an empty cache mount.
 */
export function readsOffline(cmd: ShellCommand, env: ReadonlyMap<string, string | undefined> = new Map()): string | null {
  // One table of offline readers for every rule (src/analysis/offline.ts).
  if (!offlineRead(cmd, env)) return null;
  return label(cmd.words, programIndex(cmd.words));
}
