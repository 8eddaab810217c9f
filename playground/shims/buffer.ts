/**
 * The one use of Node's Buffer in the bundle (dockerfile-ast's util.js: the UTF-8 bytes of a
 * character), injected by esbuild where the code names the global `Buffer`.
 */
const encoder = new TextEncoder();
export const Buffer = {
  from(s: string, encoding?: string): Uint8Array {
    if (encoding && !/^utf-?8$/i.test(encoding)) throw new Error(`Buffer.from: ${encoding} is not supported in the playground`);
    return encoder.encode(s);
  },
};
