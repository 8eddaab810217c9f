/**
 * `node:module` in the playground: src/core/validate.ts loads dockerfile-ast with createRequire.
 * Here the public package is bundled; its internal modules are not (validate then uses the
 * public parser, as it does whenever they are not as expected).
 */
import * as dockerfileAst from 'dockerfile-ast';

export function createRequire(): (id: string) => unknown {
  return (id: string) => {
    if (id === 'dockerfile-ast') return dockerfileAst;
    throw new Error(`${id} is not bundled in the playground`);
  };
}
