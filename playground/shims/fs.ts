/** `node:fs` in the playground: no file system in the browser (only MemoryContext is used). */
const unavailable = (): never => {
  throw new Error('no file system in the browser');
};
export default new Proxy({}, { get: () => unavailable });
