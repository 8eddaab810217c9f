/** Elixir's mix (`mix deps.get`): the install parser and manifests (`mix.exs`, `mix.lock`); no cache mount yet. */
import type { EcosystemDescriptor } from './types.js';

const VALUED = new Set(['--only', '--target']);

export const mix: EcosystemDescriptor = {
  id: 'mix',
  programs: /^mix$/,
  valued: VALUED,
  roles: { 'deps.get': 'fetch-only', 'deps.compile': 'build', compile: 'build', release: 'build' },
  classify(inv) {
    const sub = inv.at(0);
    if (sub === 'deps.get' || sub === 'deps.compile') return inv.install('mix', inv.p + 1, VALUED);
    if (sub === 'local.hex' || sub === 'local.rebar' || (sub === 'archive.install' && inv.rest.slice(1).some((x) => x.value === 'hex'))) return inv.neutral();
    return inv.source();
  },
  manifests: { names: ['mix.exs', 'mix.lock'], planner: 'mix' },
};
