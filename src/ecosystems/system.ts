/**
 * The other system package managers. Their arguments are package names (a local `./x.rpm` is a
 * path); they write the system directories. No cache mounts: dnf/yum delete downloaded packages
 * after a successful transaction unless `keepcache=1` is configured, so a mount would mostly stay
 * empty, and zypper/pacman have no recipe measured in the lab yet.
 */
import type { EcosystemDescriptor } from './types.js';

const none: ReadonlySet<string> = new Set();

export const dnf: EcosystemDescriptor = {
  id: 'dnf',
  programs: /^(yum|dnf|microdnf|tdnf)$/,
  valued: none,
  roles: { install: 'install', update: 'install', upgrade: 'install', makecache: 'fetch-only', clean: 'cleanup' },
  system: {
    yum: new Set(['install', 'update', 'upgrade', 'clean', 'makecache', 'remove', 'erase', 'reinstall', 'groupinstall', 'localinstall', 'autoremove']),
    dnf: new Set(['install', 'update', 'upgrade', 'clean', 'makecache', 'remove', 'erase', 'reinstall', 'groupinstall', 'autoremove', 'module']),
    microdnf: new Set(['install', 'update', 'upgrade', 'clean', 'remove', 'module']),
    tdnf: new Set(['install', 'update', 'upgrade', 'clean', 'makecache', 'remove', 'erase']),
  },
};

export const zypper: EcosystemDescriptor = {
  id: 'zypper',
  programs: /^zypper$/,
  valued: none,
  roles: { install: 'install', in: 'install', refresh: 'fetch-only', ref: 'fetch-only', clean: 'cleanup', cc: 'cleanup' },
  system: { zypper: new Set(['install', 'in', 'refresh', 'ref', 'clean', 'cc', 'remove', 'rm', 'update', 'up', 'dist-upgrade', 'dup', 'addrepo', 'ar']) },
};

export const pacman: EcosystemDescriptor = {
  id: 'pacman',
  programs: /^pacman$/,
  valued: none,
  system: { pacman: null },
};

/** Package managers of other systems (Gentoo, macOS, Windows) that show up in Dockerfiles. */
export const otherSystem: EcosystemDescriptor = {
  id: 'other-system',
  programs: /^(emerge|port|brew|choco|winget)$/,
  valued: none,
  system: { emerge: null, port: null, brew: null, choco: null, winget: null },
};
