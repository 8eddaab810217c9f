/**
 * Facts about well-known base images: the OS family, the user an image runs as by default (and
 * the other users it ships), and the environment it sets that moves tool directories
 * (`CARGO_HOME`, `GOPATH`, `GEM_HOME`, ...). Pure: takes an image reference, knows nothing of
 * Dockerfiles (src/analysis/images.ts applies these facts to stages and steps).
 *
 * The rule: **an image not in this table is not known to run as root.** Docker official images
 * run as root unless their Dockerfile says otherwise, so they are listed by name; everything
 * else (a private image, a base named by a build argument, a vendor image we have not checked)
 * gets `defaultUser: undefined`. Only facts with a source are listed; the source is in the
 * comment next to each entry.
 */

export type OsFamily = 'debian' | 'alpine' | 'windows' | 'scratch' | 'distroless' | 'rhel' | 'unknown';

export interface ImageUser {
  name: string;
  uid?: number;
  gid?: number;
  home?: string;
}

export interface ImageFacts {
  /** The repository path with Docker Hub's registry names and `library/` removed (`python`, `jupyter/base-notebook`). */
  repo: string;
  /** The tag ('' when none). */
  tag: string;
  /** 'root', the non-root user the image runs as, or undefined when that is not known. */
  defaultUser?: 'root' | ImageUser;
  /** Other users the image ships (a `USER node` in a node image finds its uid here). */
  users: ImageUser[];
  /** Environment the image sets that matters for tool directories. */
  env: Record<string, string>;
  /** Where the facts come from (shown in messages). */
  source: string;
}

/** Registries and namespaces that serve Docker official images under their plain names. */
const HUB_PREFIX =
  /^(?:(?:docker\.io|index\.docker\.io|registry-1\.docker\.io|registry\.hub\.docker\.com|registry\.docker\.com|mirror\.gcr\.io|public\.ecr\.aws\/docker)\/)?(?:library\/|(?:amd64|arm64v8|arm32v7|arm32v6|arm32v5|i386|ppc64le|s390x|riscv64)\/)?/;

/** `name[:tag][@digest]` split, with the registry prefixes of official images removed. */
export function parseImageRef(ref: string): { repo: string; tag: string; digest: string } {
  let s = ref.trim().toLowerCase();
  let digest = '';
  const at = s.indexOf('@');
  if (at !== -1) {
    digest = s.slice(at + 1);
    s = s.slice(0, at);
  }
  let tag = '';
  const colon = s.lastIndexOf(':');
  if (colon > s.lastIndexOf('/')) {
    tag = s.slice(colon + 1);
    s = s.slice(0, colon);
  }
  const hub = HUB_PREFIX.exec(s);
  const repo = hub && hub[0] && !s.slice(hub[0].length).includes('/') ? s.slice(hub[0].length) : s.replace(/^(?:docker\.io|index\.docker\.io)\//, '');
  return { repo, tag, digest };
}

/**
 * Docker official images that run as root by default (their Dockerfiles in
 * github.com/docker-library/<name> and the repositories linked from hub.docker.com/_/<name>
 * have no USER instruction). Official images that do set a USER (memcached, haproxy 2.4+,
 * elasticsearch, kibana, sonarqube, solr, odoo, kong, fluentd, ...) are not in this list.
 */
const OFFICIAL_ROOT = new Set([
  'alpine', 'debian', 'ubuntu', 'centos', 'fedora', 'amazonlinux', 'oraclelinux', 'rockylinux', 'almalinux', 'archlinux',
  'busybox', 'buildpack-deps', 'bash', 'gcc', 'python', 'pypy', 'node', 'golang', 'rust', 'ruby', 'jruby', 'php', 'perl',
  'r-base', 'julia', 'haskell', 'swift', 'dart', 'elixir', 'erlang', 'clojure', 'openjdk', 'eclipse-temurin',
  'amazoncorretto', 'ibm-semeru-runtimes', 'sapmachine', 'maven', 'gradle', 'composer', 'docker', 'nginx', 'httpd',
  'tomcat', 'postgres', 'mysql', 'mariadb', 'redis', 'mongo', 'rabbitmq', 'traefik', 'caddy', 'ghost', 'wordpress',
  'drupal', 'nextcloud', 'mediawiki', 'ros', 'neurodebian', 'hello-world',
]);

/**
 * Chainguard images run as uid/gid 65532 (edu.chainguard.dev: "Chainguard Containers typically
 * don't run as root"; the static image's `nonroot` user is 65532). The user's name differs per
 * image (nonroot, node, ...), so it is given by number.
 */
const NONROOT_65532: ImageUser = { name: '65532', uid: 65532, gid: 65532 };

/**
 * The facts for an image reference, or null when the image is not known (or the reference
 * still holds a variable: a base named by a build argument).
 */
export function imageFacts(ref: string): ImageFacts | null {
  if (ref === '' || ref.includes('{{')) return null;
  const { repo, tag: rawTag } = parseImageRef(ref);
  // A variable in the repository leaves the image unknown; in the tag or digest (`python:${V}`,
  // `rust@${DIGEST}`) it leaves only the tag unknown ('$' below).
  if (repo.includes('$')) return null;
  const tag = rawTag.includes('$') ? '$' : rawTag;
  const base = { repo, tag, users: [] as ImageUser[], env: {} as Record<string, string> };

  // Jupyter Docker Stacks: docker-stacks-foundation creates NB_USER=jovyan with NB_UID=1000,
  // NB_GID=100, sets CONDA_DIR=/opt/conda and HOME=/home/jovyan, and ends with USER ${NB_UID}
  // (github.com/jupyter/docker-stacks images/docker-stacks-foundation/Dockerfile).
  if (/^(?:quay\.io\/)?jupyter\/[a-z0-9-]+$/.test(repo)) {
    const jovyan = { name: 'jovyan', uid: 1000, gid: 100, home: '/home/jovyan' };
    return {
      ...base,
      defaultUser: jovyan,
      users: [jovyan],
      env: { NB_USER: 'jovyan', NB_UID: '1000', NB_GID: '100', CONDA_DIR: '/opt/conda', HOME: '/home/jovyan' },
      source: 'Jupyter Docker Stacks (user jovyan, uid 1000, gid 100)',
    };
  }
  // Distroless: the :nonroot / :debug-nonroot tags run as nonroot 65532:65532, home
  // /home/nonroot (/etc/passwd of gcr.io/distroless images, GoogleContainerTools/distroless#427);
  // the other tags run as root.
  if (/^gcr\.io\/distroless\//.test(repo)) {
    const nonroot = { name: 'nonroot', uid: 65532, gid: 65532, home: '/home/nonroot' };
    const defaultUser = tag === '$' ? undefined : /(^|-)nonroot$/.test(tag) ? nonroot : 'root';
    return { ...base, defaultUser, users: [nonroot], source: 'distroless' };
  }
  // Chainguard: see NONROOT_65532. The home differs per image, so it is left unknown. Should a
  // variant run as root instead, a mount owned by 65532 is still writable by it.
  if (/^cgr\.dev\/chainguard\//.test(repo)) {
    return { ...base, defaultUser: NONROOT_65532, users: [NONROOT_65532], source: 'Chainguard (user nonroot, uid 65532)' };
  }
  // jenkins/jenkins: `useradd -d "$JENKINS_HOME" -u 1000 -g 1000 jenkins`, JENKINS_HOME=/var/jenkins_home,
  // then USER jenkins (github.com/jenkinsci/docker Dockerfiles).
  if (repo === 'jenkins/jenkins') {
    const jenkins = { name: 'jenkins', uid: 1000, gid: 1000, home: '/var/jenkins_home' };
    return { ...base, defaultUser: jenkins, users: [jenkins], env: { JENKINS_HOME: '/var/jenkins_home' }, source: 'jenkins/jenkins (user jenkins, uid 1000)' };
  }
  // grafana/grafana runs as user grafana, uid 472 since 5.1 (grafana.com docs "Run Grafana Docker
  // image", migration notes); its gid changed between versions (472, later 0), so it is left out.
  if (repo === 'grafana/grafana' || repo === 'grafana/grafana-oss' || repo === 'grafana/grafana-enterprise') {
    const grafana = { name: 'grafana', uid: 472 };
    return { ...base, defaultUser: grafana, users: [grafana], source: 'grafana/grafana (user grafana, uid 472)' };
  }
  // nginxinc/nginx-unprivileged: `USER $UID` with UID=101 (nginx), GID=101
  // (github.com/nginxinc/docker-nginx-unprivileged Dockerfiles).
  if (/^(?:nginxinc|nginx)\/nginx-unprivileged$/.test(repo) || repo === 'quay.io/nginx/nginx-unprivileged' || repo === 'ghcr.io/nginxinc/nginx-unprivileged') {
    const nginx = { name: 'nginx', uid: 101, gid: 101 };
    return { ...base, defaultUser: nginx, users: [nginx], source: 'nginx-unprivileged (uid 101)' };
  }
  // bitnami/*: most run as uid 1001, some as root, per image: not known.
  if (/^(?:docker\.io\/)?bitnami\//.test(repo)) {
    return { ...base, defaultUser: undefined, source: 'bitnami (most images run as uid 1001, some as root)' };
  }
  // .NET images run as root; from .NET 8 they ship the user `app`, uid/gid 1654, home /home/app,
  // and APP_UID=1654 (github.com/dotnet/dotnet-docker runtime-deps Dockerfiles; "Non-Root User
  // Included By Default", dotnet-docker discussion #4995). .NET 8 previews used another uid.
  if (/^mcr\.microsoft\.com\/dotnet\/(?:core\/)?(?:sdk|aspnet|runtime|runtime-deps|monitor)$/.test(repo) || /^microsoft\/dotnet$/.test(repo)) {
    const major = /^(\d+)\.\d+/.exec(tag);
    const withApp = major !== null && Number(major[1]) >= 8 && !/preview/.test(tag);
    const app = { name: 'app', uid: 1654, gid: 1654, home: '/home/app' };
    return { ...base, defaultUser: 'root', users: withApp ? [app] : [], env: withApp ? { APP_UID: '1654' } : {}, source: '.NET container images' };
  }
  // Dev Containers images ship the user vscode (USERNAME=vscode, USER_UID=1000, USER_GID=1000
  // in the common-debian/common-utils scripts); which user they run as is not asserted here.
  if (/^mcr\.microsoft\.com\/(?:vscode\/)?devcontainers\//.test(repo)) {
    return { ...base, defaultUser: undefined, users: [{ name: 'vscode', uid: 1000, gid: 1000, home: '/home/vscode' }], source: 'Dev Containers images' };
  }
  // tiangolo's Python server images: FROM python:<version> and no USER
  // (github.com/tiangolo/uvicorn-gunicorn-docker and uwsgi-nginx-docker, docker-images/*.dockerfile);
  // the -fastapi/-flask variants build FROM those.
  if (/^tiangolo\/(?:uvicorn-gunicorn|uvicorn-gunicorn-fastapi|uwsgi-nginx|uwsgi-nginx-flask)$/.test(repo)) {
    return { ...base, defaultUser: 'root', source: `${repo} (FROM python, no USER)` };
  }
  // rust-lang's nightly images are built from the same templates as the official rust image.
  if (repo === 'rustlang/rust') return official('rust', base);
  if (OFFICIAL_ROOT.has(repo)) return official(repo, base);
  return null;
}

function official(name: string, base: { repo: string; tag: string; users: ImageUser[]; env: Record<string, string> }): ImageFacts {
  const f: ImageFacts = { ...base, defaultUser: 'root', source: `the official ${name} image` };
  switch (name) {
    case 'rust':
      // ENV RUSTUP_HOME=/usr/local/rustup CARGO_HOME=/usr/local/cargo (github.com/rust-lang/docker-rust).
      f.env = { RUSTUP_HOME: '/usr/local/rustup', CARGO_HOME: '/usr/local/cargo' };
      break;
    case 'golang':
      // ENV GOPATH /go (github.com/docker-library/golang).
      f.env = { GOPATH: '/go' };
      break;
    case 'ruby':
      // ENV GEM_HOME /usr/local/bundle, BUNDLE_SILENCE_ROOT_WARNING=1, BUNDLE_APP_CONFIG="$GEM_HOME"
      // (github.com/docker-library/ruby).
      f.env = { GEM_HOME: '/usr/local/bundle', BUNDLE_SILENCE_ROOT_WARNING: '1', BUNDLE_APP_CONFIG: '/usr/local/bundle' };
      break;
    case 'composer':
      // ENV COMPOSER_ALLOW_SUPERUSER=1, COMPOSER_HOME=/tmp (github.com/composer/docker).
      f.env = { COMPOSER_ALLOW_SUPERUSER: '1', COMPOSER_HOME: '/tmp' };
      break;
    case 'maven':
      // ENV MAVEN_HOME /usr/share/maven, MAVEN_CONFIG "$USER_HOME_DIR/.m2" with USER_HOME_DIR=/root
      // (github.com/carlossg/docker-maven).
      f.env = { MAVEN_HOME: '/usr/share/maven', MAVEN_CONFIG: '/root/.m2' };
      break;
    case 'gradle': {
      // ENV GRADLE_HOME=/opt/gradle; a user gradle with home /home/gradle (uid 1000 on most
      // variants, 101 on some), and /root/.gradle is a symlink to /home/gradle/.gradle
      // (github.com/gradle/docker-gradle). The images ran as gradle (uid 1000) until
      // docker-gradle#99 (May 2019, during Gradle 5) made root the default: tags before 5 run as
      // gradle, 5.x tags are not known.
      f.env = { GRADLE_HOME: '/opt/gradle' };
      f.users = [{ name: 'gradle', home: '/home/gradle' }];
      const major = /^(\d+)\./.exec(base.tag);
      if (major && Number(major[1]) < 5) {
        const gradle = { name: 'gradle', uid: 1000, gid: 1000, home: '/home/gradle' };
        f.defaultUser = gradle;
        f.users = [gradle];
      } else if (major && Number(major[1]) === 5) f.defaultUser = undefined;
      break;
    }
    case 'ubuntu': {
      // From 23.04 the images ship the user ubuntu, uid/gid 1000, home /home/ubuntu, and still
      // run as root (launchpad cloud-images bug 2005129; `getent passwd 1000` on ubuntu:24.04).
      const v = /^(\d+)\.(\d+)/.exec(base.tag);
      const named = /^(lunar|mantic|noble|oracular|plucky|questing|latest|rolling|devel)?(\b|$)/.exec(base.tag)?.[1];
      if ((v && Number(v[1]) * 100 + Number(v[2]) >= 2304) || named !== undefined || base.tag === '') {
        f.users = [{ name: 'ubuntu', uid: 1000, gid: 1000, home: '/home/ubuntu' }];
      }
      break;
    }
    case 'node':
      // The user node, uid/gid 1000, home /home/node; the image still runs as root
      // (github.com/nodejs/docker-node: `groupadd --gid 1000 node && useradd --uid 1000 --gid node`).
      f.users = [{ name: 'node', uid: 1000, gid: 1000, home: '/home/node' }];
      break;
  }
  return f;
}

/**
 * A Windows image by its name: Windows base images (`mcr.microsoft.com/windows/...`), tags and
 * names with `nanoserver`/`servercore`/`ltsc20xx`, .NET Framework images, and names that carry
 * `windows` as a word (`stefanscherer/node-windows`). The dockcross cross-compilers
 * (`dockcross/windows-*`) are Linux images.
 */
export function isWindowsImageName(ref: string): boolean {
  const s = ref.toLowerCase();
  if (/(^|\/)dockcross\//.test(s)) return false;
  if (/^mcr\.microsoft\.com\/(windows|dotnet\/framework)\//.test(s)) return true;
  if (/nanoserver|servercore|ltsc20\d\d/.test(s)) return true;
  return /(^|[/:._-])windows([/:._-]|$)/.test(s);
}
