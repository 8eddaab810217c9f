/**
 * pdm (`pdm install`, `pdm sync`) — added as a descriptor only: the install parser, split-copy's
 * manifests (`pyproject.toml`, `pdm.lock`, `pdm.toml`, `.pdm-python`) and `explain` know it.
 *
 * No cache mount: pdm's cache (`~/.cache/pdm`, `PDM_CACHE_DIR`) also holds the package store
 * that its `install.cache` option makes environments hard-link or symlink into; a mount there
 * would leave links into a directory that is not in the image. With no proof of which mode a
 * project uses, the step is left without a mount (cache-recipes.md: a store later read must not
 * be mounted).
 */
import type { EcosystemDescriptor } from './types.js';

const VALUED = new Set(['-G', '--group', '-p', '--project', '-L', '--lockfile', '--venv', '-v', '--verbose']);
const ROLES = { install: 'install', sync: 'install', add: 'update', update: 'update', lock: 'update', config: 'config', cache: 'cleanup' } as const;

export const pdm: EcosystemDescriptor = {
  id: 'pdm',
  programs: /^pdm$/,
  valued: VALUED,
  roles: ROLES,
  classify(inv) {
    const sub = inv.at(0);
    if (sub === 'install' || sub === 'sync') return inv.install('pdm', inv.p + 1, VALUED);
    if (sub === 'config' || sub === 'cache' || sub === 'self' || sub === '--version' || (sub === 'venv' && inv.at(1) === 'create') || (sub === 'use' && inv.at(1) !== undefined)) return inv.neutral();
    return inv.source();
  },
  manifests: { names: ['pyproject.toml', 'pdm.lock', 'pdm.toml', '.pdm-python'], dirOptions: ['-p', '--project'], planner: 'pdm' },
};
