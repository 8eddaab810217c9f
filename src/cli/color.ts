/**
 * Whether to colour the output, the way the ecosystem's tools agree on (https://force-color.org,
 * https://no-color.org): `--no-color` or `NO_COLOR` (any non-empty value) turn colour off;
 * `FORCE_COLOR=0` (or `false`) turns it off too; `--color` or any other non-empty `FORCE_COLOR`
 * turns it on without a terminal; otherwise colour when standard output is a terminal.
 */
export function colorsWanted(flag: boolean | undefined, io: { stdout: { isTTY?: boolean }; env: NodeJS.ProcessEnv }): boolean {
  if (flag === false) return false;
  if (io.env.NO_COLOR) return false;
  const force = io.env.FORCE_COLOR;
  if (force === '0' || force === 'false') return false;
  if (flag === true) return true;
  if (force !== undefined && force !== '') return true;
  return Boolean(io.stdout.isTTY);
}
