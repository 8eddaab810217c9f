/** Modules scripts/build-playground.mjs makes at build time. */
declare module 'dockerfix:examples' {
  export const examples: Array<{ name: string; dockerfile: string; files: string[]; dockerignore: string; contents: Record<string, string> }>;
}
