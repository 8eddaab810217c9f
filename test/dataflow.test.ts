/** The read/write model behind hoist-stable and sink-volatile (src/analysis/dataflow.ts). */
import { describe, expect, it } from 'vitest';
import { DockerfileDocument, type Instruction } from '../src/core/document.js';
import {
  ancestors,
  canonicalPath,
  effectsOf,
  envUsesOf,
  isEnvAgnostic,
  isInfluentialEnv,
  overlap,
  overridable,
  varRefs,
  within,
  type PathSet,
} from '../src/analysis/dataflow.js';
import { hoistVerdict } from '../transforms/hoist-stable.js';

/** The last instruction of `text` (or the one whose text starts with `startsWith`). */
function at(text: string, startsWith?: string): Instruction {
  const doc = new DockerfileDocument(text);
  const list = doc.instructions;
  const found = startsWith ? list.find((i) => i.text.startsWith(startsWith)) : list[list.length - 1];
  if (!found) throw new Error(`no instruction ${startsWith}`);
  return found;
}

const paths = (s: PathSet): string[] => s.entries.map((e) => `${e.exact ? '=' : ''}${e.path}${e.level === 'possible' ? '?' : ''}${e.zone ? '*' : ''}`).sort();

describe('paths', () => {
  it('folds merged-/usr and /var/run symlinks and normalises', () => {
    expect(canonicalPath('/bin/sh')).toBe('/usr/bin/sh');
    expect(canonicalPath('/lib64/ld.so')).toBe('/usr/lib64/ld.so');
    expect(canonicalPath('/var/run/app.pid')).toBe('/run/app.pid');
    expect(canonicalPath('/app/./x/../y/')).toBe('/app/y');
    expect(canonicalPath('/binaries')).toBe('/binaries');
  });

  it('within and ancestors', () => {
    expect(within('/app/x', '/app')).toBe(true);
    expect(within('/app', '/app')).toBe(true);
    expect(within('/apple', '/app')).toBe(false);
    expect(within('/anything', '/')).toBe(true);
    expect(ancestors('/a/b/c')).toEqual(['/a/b', '/a']);
    expect(ancestors('/a')).toEqual([]);
  });
});

describe('COPY/ADD', () => {
  it('writes the destination resolved against WORKDIR, and creates the directories above it', () => {
    const e = effectsOf(at('FROM x\nWORKDIR /srv/app\nCOPY . .\n'));
    expect(e.cls).toBe('copy');
    expect(e.writes.any).toBeNull();
    expect(paths(e.writes)).toEqual(['/srv/app', '=/srv']);
    expect(paths(e.reads)).toEqual([]);
    expect(e.implicitEnv).toBe(false);
  });

  it('COPY . . with the default WORKDIR writes everything', () => {
    expect(paths(effectsOf(at('FROM x\nCOPY . .\n')).writes)).toEqual(['/']);
  });

  it('an unknown variable in the destination means anything', () => {
    const e = effectsOf(at('FROM x\nARG DEST\nCOPY . $DEST\n'));
    expect(e.writes.any).toMatch(/not a known path/);
  });

  it('a known variable is expanded, but marked as depending on a build argument', () => {
    const e = effectsOf(at('FROM x\nARG DEST=/opt/site\nCOPY . ${DEST}/\n'));
    expect(paths(e.writes)).toEqual(['/opt/site', '=/opt']);
    expect([...e.argDependent]).toEqual(['DEST']);
  });

  it('--chown with a name reads the user database; numeric ids do not', () => {
    expect(paths(effectsOf(at('FROM x\nCOPY --chown=app:app a /srv/a\n')).reads)).toEqual(['/etc/group', '/etc/passwd']);
    expect(paths(effectsOf(at('FROM x\nCOPY --chown=1000:1000 a /srv/a\n')).reads)).toEqual([]);
  });

  it('exec form and ADD', () => {
    expect(paths(effectsOf(at('FROM x\nCOPY ["a b", "/dst dir/"]\n')).writes)).toEqual(['/dst dir']);
    expect(paths(effectsOf(at('FROM x\nADD https://e.com/x.tgz /opt/x.tgz\n')).writes)).toEqual(['/opt/x.tgz', '=/opt']);
  });
});

describe('RUN', () => {
  it('package managers write the system zones, certainly or possibly', () => {
    const e = effectsOf(at('FROM debian\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n'));
    expect(e.unknown).toEqual([]);
    expect(e.systemSetup).toBe(true);
    expect(e.programs).toEqual(['apt-get update', 'apt-get install', 'rm']);
    expect(paths(e.writes)).toEqual(['/etc*', '/home?*', '/opt?*', '/root?*', '/run*', '/tmp?*', '/usr*', '/usr/local?*', '/usr/src?*', '/var*', '/var/lib/apt/lists']);
    expect(e.implicitEnv).toBe(true);
  });

  it('a local package file is read relative to WORKDIR', () => {
    const e = effectsOf(at('FROM debian\nWORKDIR /app\nRUN apt-get install -y ./vendor/tool.deb\n'));
    expect(paths(e.reads)).toContain('/app/vendor/tool.deb');
    expect(paths(e.reads)).toContain('=/app/vendor');
  });

  it('file tools: operands are paths, option values are not, relative paths follow cd', () => {
    const e = effectsOf(at('FROM x\nWORKDIR /app\nRUN mkdir -m 0755 logs && cd /opt && chmod +x tool.sh && echo ok > /etc/motd\n'));
    expect(e.unknown).toEqual([]);
    expect(paths(e.writes)).toEqual(['/app/logs', '/etc/motd', '/opt/tool.sh']);
  });

  it('paths attached to options', () => {
    expect(paths(effectsOf(at('FROM x\nRUN cp --target-directory=/srv/t a\n')).writes)).toContain('/srv/t');
    expect(paths(effectsOf(at('FROM x\nRUN apt-get -o Dir::Cache::archives=/srv/debs install -y curl\n')).writes)).toContain('/srv/debs');
  });

  it('chmod modes that look like options', () => {
    expect(paths(effectsOf(at('FROM x\nRUN chmod -x /usr/local/bin/a && chmod -R 0755 /srv/b\n')).writes)).toEqual(['/srv/b', '/usr/local/bin/a']);
  });

  it('mkdir -p creates the directories above its operand', () => {
    expect(paths(effectsOf(at('FROM x\nRUN mkdir -p /a/b/c\n')).writes)).toEqual(['/a/b/c', '=/a', '=/a/b']);
  });

  it('a relative symlink target is resolved against the link directory', () => {
    const e = effectsOf(at('FROM x\nRUN ln -s mailpit /usr/local/bin/mailhog\n'));
    expect(paths(e.reads)).toContain('/usr/local/bin/mailpit');
  });

  it('downloads: -o names the file, wget without -O writes the working directory', () => {
    expect(paths(effectsOf(at('FROM x\nRUN curl -fsSL -o /usr/local/bin/x https://e.com/x\n')).writes)).toEqual(['/usr/local/bin/x']);
    expect(paths(effectsOf(at('FROM x\nWORKDIR /tmp/dl\nRUN wget -q https://e.com/x.tgz\n')).writes)).toEqual(['/tmp/dl']);
    expect(paths(effectsOf(at('FROM x\nRUN curl -fsSLo /usr/local/bin/y https://e.com/y\n')).writes)).toEqual(['/usr/local/bin/y']);
    expect(paths(effectsOf(at('FROM x\nRUN wget -qO /opt/z.tgz https://e.com/z.tgz\n')).writes)).toEqual(['/opt/z.tgz']);
  });

  it('unknown programs, pipes into a shell, command substitution and exec form mean anything', () => {
    expect(effectsOf(at('FROM x\nRUN npm ci\n')).unknown).toEqual(['npm']);
    expect(effectsOf(at('FROM x\nRUN curl -fsSL https://e.com/s | bash -\n')).unknown).toEqual(['bash']);
    expect(effectsOf(at('FROM x\nRUN apt-get install -y $(cat /tmp/packages.txt)\n')).unknown[0]).toMatch(/not known/);
    expect(effectsOf(at('FROM x\nRUN echo $(npm bin)\n')).unknown).toEqual(['npm']);
    expect(effectsOf(at('FROM x\nRUN echo $((1 + 2))\n')).unknown[0]).toMatch(/command substitution/);
    expect(effectsOf(at('FROM x\nRUN ["apt-get", "update"]\n')).unknown).toEqual(['exec-form RUN']);
    expect(effectsOf(at('FROM x\nRUN apt-get source hello\n')).unknown).toEqual(['apt-get source']);
    expect(effectsOf(at('FROM x\nRUN rm -rf $UNSET_DIR\n')).writes.any).toMatch(/UNSET_DIR/);
    for (const t of ['npm ci', 'make']) expect(isEnvAgnostic(at(`FROM x\nRUN ${t}\n`))).toBe(false);
    expect(isEnvAgnostic(at('FROM x\nRUN apk add --no-cache curl\n'))).toBe(true);
    // Modelled, but it compiles with make, which reads every environment variable.
    expect(isEnvAgnostic(at('FROM php:8\nRUN docker-php-ext-install pdo_mysql\n'))).toBe(false);
  });

  it('command substitutions are analysed; a package name with one stays a package name', () => {
    const e = effectsOf(at('FROM x\nRUN apt-get install -y linux-headers-$(uname -r) && [ "$(readlink /etc/apk/cache)" != /x ] || rm /etc/apk/cache\n'));
    expect(e.unknown).toEqual([]);
    expect(paths(e.reads)).toContain('/etc/apk/cache');
  });

  it('assignments, also partly quoted ones, are not programs; their substitutions are analysed', () => {
    const e = effectsOf(at('FROM x\nRUN arch="$(dpkg --print-architecture)"; X=1 apk add --no-cache curl; if [ -e /x ]; then rm /x; fi\n'));
    expect(e.unknown).toEqual([]);
    expect(e.programs).toEqual(['dpkg', 'apk add', '[', 'rm']);
    expect(effectsOf(at('FROM x\nRUN v="$(npm view x version)"\n')).unknown).toEqual(['npm']);
  });

  it('test / [ read only the operands of file operators', () => {
    const e = effectsOf(at('FROM x\nWORKDIR /app\nRUN [ -e /etc/apk/cache ] || [ "$A" = "b" ] && test -f conf.ini\n'));
    expect(e.unknown).toEqual([]);
    expect(paths(e.reads)).toContain('/etc/apk/cache');
    expect(paths(e.reads)).toContain('/app/conf.ini');
    expect(paths(e.reads)).not.toContain('/app/b');
  });

  it('heredoc scripts fed to the shell are analysed; other heredocs are program input', () => {
    expect(effectsOf(at('FROM x\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\n')).unknown).toEqual([]);
    expect(effectsOf(at('FROM x\nRUN python3 <<EOF\nprint(1)\nEOF\n')).unknown).toEqual(['python3']);
  });

  it('a non-POSIX SHELL makes every RUN unknown', () => {
    expect(effectsOf(at('FROM x\nSHELL ["pwsh", "-c"]\nRUN Write-Host hi\n')).unknown[0]).toMatch(/SHELL pwsh/);
  });

  it('reads the program files it runs (PATH lookup) and the shell, but not builtins', () => {
    const e = effectsOf(at('FROM x\nRUN echo hi && mkdir /data\n'));
    const r = paths(e.reads);
    expect(r).toContain('/usr/local/bin/mkdir');
    expect(r).toContain('/usr/bin/mkdir');
    expect(r).toContain('/usr/bin/sh');
    expect(r.some((p) => p.endsWith('/echo'))).toBe(false);
    expect(effectsOf(at('FROM x\nRUN export PATH=/app/bin:$PATH && mkdir /data\n')).unknown).toEqual(['PATH set inside the RUN']);
    expect(effectsOf(at('FROM x\nRUN PATH=/app/bin:$PATH mkdir /data\n')).unknown).toEqual(['PATH set inside the RUN']);
    const custom = paths(effectsOf(at('FROM x\nENV PATH=/opt/tools/bin:$PATH\nRUN mkdir /data\n')).reads);
    expect(custom).toContain('/opt/tools/bin/mkdir');
    expect(custom).toContain('/usr/local/sbin/mkdir');
  });

  it('a COPY into a PATH directory blocks the programs it could shadow', () => {
    const run = effectsOf(at('FROM x\nRUN docker-php-ext-enable opcache\n'));
    const copy = effectsOf(at('FROM x\nCOPY docker-php-ext-* /usr/local/bin/\n'));
    expect(overlap(run.reads, copy.writes)?.level).toBe('certain');
  });

  it('package managers read /usr/local for certain (install triggers scan it)', () => {
    const apt = effectsOf(at('FROM debian\nRUN apt-get install -y ca-certificates\n'));
    const copy = effectsOf(at('FROM debian\nCOPY my.crt /usr/local/share/ca-certificates/my.crt\n'));
    expect(overlap(apt.reads, copy.writes)?.level).toBe('certain');
    expect(overlap(apt.writes, copy.writes)?.level).toBe('possible');
  });

  it('cache and bind mounts are read at their target', () => {
    const e = effectsOf(at('FROM x\nRUN --mount=type=cache,target=/root/.npm apt-get update\n'));
    expect(paths(e.reads)).toContain('/root/.npm');
  });
});

describe('variables', () => {
  it('varRefs finds $X, ${X} and ${X:-default}', () => {
    expect([...varRefs('echo $A ${B} ${C:-x} $$ $1 ${D%.*}')].sort()).toEqual(['A', 'B', 'C', 'D']);
  });

  it('explicit uses by instruction; CMD/ENTRYPOINT/HEALTHCHECK/ONBUILD use none at build time', () => {
    expect([...envUsesOf(at('FROM x\nRUN echo ${A:-x} "$B"\n'))].sort()).toEqual(['A', 'B']);
    expect([...envUsesOf(at('FROM x\nLABEL v=$VERSION\n'))]).toEqual(['VERSION']);
    expect([...envUsesOf(at('FROM x\nCOPY --chown=$U a /b\n'))]).toEqual(['U']);
    for (const t of ['CMD echo $A', 'ENTRYPOINT ["sh", "-c", "$A"]', 'HEALTHCHECK CMD curl $A', 'ONBUILD RUN echo $A']) {
      expect([...envUsesOf(at(`FROM x\n${t}\n`))]).toEqual([]);
    }
  });

  it('inner comment lines of a continuation are not uses', () => {
    expect([...envUsesOf(at('FROM x\nRUN echo a \\\n# $NOT_USED\n  && echo $USED\n'))]).toEqual(['USED']);
  });

  it('ENV and ARG define names; RUN reads the whole environment, COPY does not', () => {
    const env = effectsOf(at('FROM x\nENV A=1 B="2 3"\n'));
    expect([...env.defines]).toEqual(['A', 'B']);
    expect([...effectsOf(at('FROM x\nARG C D=4\n')).defines]).toEqual(['C', 'D']);
    expect(effectsOf(at('FROM x\nRUN true\n')).implicitEnv).toBe(true);
    expect(effectsOf(at('FROM x\nCOPY a /a\n')).implicitEnv).toBe(false);
  });

  it('build-argument provenance follows ENV and WORKDIR, and literal ENV clears it', () => {
    const o = overridable(at('FROM x\nARG D=/srv\nENV E=$D/x F=lit\nWORKDIR $D\nENV D=/fixed\nRUN true\n'));
    expect([...o.names].sort()).toEqual(['E']);
    expect(o.workdir).toBe(true);
    // A child stage keeps ENV derived from an ARG but not the ARG itself.
    const child = overridable(at('FROM x AS a\nARG D=/srv\nENV E=$D\nFROM a\nRUN true\n'));
    expect([...child.names]).toEqual(['E']);
  });

  it('influential variables', () => {
    for (const n of ['PATH', 'DEBIAN_FRONTEND', 'http_proxy', 'LC_ALL', 'PIP_INDEX_URL', 'NODE_ENV', 'GOFLAGS']) expect(isInfluentialEnv(n)).toBe(true);
    for (const n of ['APP_MODE', 'BUILD_DATE', 'VERSION']) expect(isInfluentialEnv(n)).toBe(false);
  });
});

describe('overlap', () => {
  const apt = effectsOf(at('FROM debian\nRUN apt-get install -y curl\n'));
  const copy = (t: string): PathSet => effectsOf(at(`FROM debian\n${t}\n`)).writes;

  it('a package install and a dedicated app directory are disjoint', () => {
    expect(overlap(apt.writes, copy('COPY . /app'))).toBeNull();
    expect(overlap(apt.reads, copy('COPY . /srv/app'))).toBeNull();
    expect(overlap(apt.writes, copy('COPY . /go/src/app'))).toBeNull();
  });

  it('conventional-only zones overlap possibly; system zones and / certainly', () => {
    expect(overlap(apt.writes, copy('COPY . /opt/app'))?.level).toBe('possible');
    expect(overlap(apt.writes, copy('COPY . /usr/src/app'))?.level).toBe('possible');
    expect(overlap(apt.writes, copy('COPY tool /usr/local/bin/tool'))?.level).toBe('possible');
    expect(overlap(apt.reads, copy('COPY tool /usr/local/bin/tool'))?.level).toBe('certain');
    expect(overlap(apt.writes, copy('COPY x.conf /etc/x.conf'))?.level).toBe('certain');
    expect(overlap(apt.writes, copy('COPY tool /bin/tool'))?.level).toBe('certain');
    expect(overlap(apt.writes, copy('COPY . /'))?.level).toBe('certain');
  });

  it('a directory created by COPY that a RUN needs to exist', () => {
    const mkdir = effectsOf(at('FROM x\nRUN mkdir /var/www/html/wp-content/uploads\n'));
    expect(overlap(mkdir.reads, copy('COPY t /var/www/html/wp-content/themes/t'))?.level).toBe('certain');
    expect(overlap(mkdir.reads, copy('COPY t /srv/t'))).toBeNull();
  });

  it('anything overlaps everything', () => {
    const npm = effectsOf(at('FROM x\nRUN npm ci\n'));
    expect(overlap(npm.reads, copy('COPY a /a'))?.level).toBe('certain');
  });
});

describe('hoistVerdict', () => {
  const doc = new DockerfileDocument(
    'FROM debian\nWORKDIR /app\nCOPY . .\nLABEL a=b\nENV PKG=curl\nENV MODE=prod\nARG DEBIAN_FRONTEND=noninteractive\nUSER app\nRUN apt-get install -y $PKG\n',
  );
  const [, , copy, label, envPkg, envMode, argDf, user, run] = doc.instructions;
  const eff = (): ReturnType<typeof effectsOf> => effectsOf(run);

  it('decides per instruction it would jump over', () => {
    expect(hoistVerdict(eff, copy).kind).toBe('safe');
    expect(hoistVerdict(eff, label).kind).toBe('safe');
    expect(hoistVerdict(eff, envPkg)).toMatchObject({ kind: 'blocked', reason: expect.stringMatching(/uses \$PKG/) });
    expect(hoistVerdict(eff, envMode)).toMatchObject({ kind: 'unsafe', reason: expect.stringMatching(/MODE/) });
    expect(hoistVerdict(eff, argDf)).toMatchObject({ kind: 'blocked', reason: expect.stringMatching(/DEBIAN_FRONTEND/) });
    expect(hoistVerdict(eff, user).kind).toBe('blocked');
  });
});
