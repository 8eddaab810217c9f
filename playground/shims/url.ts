/** `node:url` in the playground (nothing there resolves files). */
export function fileURLToPath(u: string): string {
  return new URL(u).pathname;
}
export function pathToFileURL(p: string): URL {
  return new URL('file://' + p);
}
