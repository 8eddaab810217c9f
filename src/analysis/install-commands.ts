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
import { basename, nestedScript, programIndex, tokenize, type ShellCommand, type Word } from '../core/shell.js';
import { joinPath } from '../core/document.js';
import { ecosystemOfProgram, systemManagers } from '../ecosystems/index.js';
import { has, label, looksLikePath, parseOptions, values } from '../ecosystems/helpers.js';
import type { Classified, EcosystemId, InstallCommand, Invocation } from '../ecosystems/types.js';

export { has, values, looksLikePath, parseOptions };
export type { Classified, InstallCommand };
/** The package managers the install parser knows (src/ecosystems/). */
export type Ecosystem = EcosystemId;

/** Package-manager commands whose arguments are package names, not paths (the system descriptors). */
const SYSTEM_PM = new Set(systemManagers().keys());
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

/**
 * Classify one simple command. `cwd` is the absolute directory it runs in; `pipedFrom` is the
 * program feeding its standard input through a pipe, if any.
 */
export function classifyCommand(cmd: ShellCommand, cwd: string): Classified {
  const w = cmd.words;
  const p = programIndex(w);
  if (p === -1) return { kind: 'neutral', paths: [] };
  const progWord = w[p]!;
  const prog = basename(progWord.value);
  const rest = w.slice(p + 1);
  const at = (k: number): string | undefined => w[p + 1 + k]?.value;
  const redirectPaths = cmd.redirects.filter((r) => !/^\d*[<>&|]+$/.test(r.value) && !/^&?\d+$/.test(r.value)).map((r) => r.value);
  const install = (eco: EcosystemId, subIndex: number, valued: ReadonlySet<string>): Classified => {
    const parsed = parseOptions(w.slice(subIndex + 1), valued);
    return { kind: 'install', install: { eco, label: label(w, p), cmd, subIndex, opts: parsed.opts, positional: parsed.positional, cwd } };
  };
  const source = (reason?: string): Classified => ({ kind: 'source', reason: reason ?? `\`${label(w, p)}\` may read the copied source` });
  const neutral = (paths: string[] = []): Classified => ({ kind: 'neutral', paths: [...paths, ...redirectPaths] });

  if (progWord.dynamic && /[$`]/.test(progWord.value)) return source();
  if (prog === 'cd') {
    const d = at(0);
    if (d === undefined) return { kind: 'cd', dir: null };
    if (w[p + 1]?.dynamic || d === '-') return { kind: 'cd', dir: null };
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

  // Package managers: the descriptor that claims the program classifies it (src/ecosystems/).
  const eco = ecosystemOfProgram(prog);
  if (eco?.classify) {
    const inv: Invocation = {
      cmd,
      w,
      p,
      prog,
      rest,
      at,
      label: label(w, p),
      install: (id: EcosystemId, subIndex: number, valued: ReadonlySet<string>) => install(id, subIndex, valued) as { kind: 'install'; install: InstallCommand },
      build: (id: EcosystemId, subIndex: number, valued: ReadonlySet<string>) => {
        const b = install(id, subIndex, valued) as { kind: 'install'; install: InstallCommand };
        return { kind: 'source', reason: `\`${label(w, p)}\` compiles the source`, build: b.install };
      },
      source,
      neutral,
    };
    return eco.classify(inv);
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

const SHELL_C = /^(sh|bash|dash|ash|zsh|ksh|mksh) -c$/;

/**
 * The commands of a step with `sh -c '…'` / `bash -c "…"` replaced by the commands of their
 * script, so an install inside the string is recognised (`RUN bash -c "npm ci"`). Each inner
 * command has `depth` one more than its shell (it runs in a child shell: a `cd` there does not
 * carry over) and `nested` set to the form (`bash -c`). A string with a command substitution or
 * more words after it (positional parameters) stays one opaque command.
 */
export function withShellScripts(commands: ShellCommand[], text: (w: Word) => string): Array<ShellCommand & { nested?: string }> {
  const out: Array<ShellCommand & { nested?: string }> = [];
  for (const c of commands) {
    const s = nestedScript(c);
    const arg = s?.words[0];
    const last = c.words[c.words.length - 1];
    if (!s || !SHELL_C.test(s.via) || arg === undefined || arg !== last || c.redirects.length || /\$\(|`/.test(text(arg))) {
      out.push(c);
      continue;
    }
    const inner = tokenize(arg.value, (k) => Math.min(arg.start + k, arg.end - 1)).commands;
    for (const i of inner) out.push({ ...i, depth: i.depth + c.depth + 1, nested: s.via });
  }
  return out;
}
