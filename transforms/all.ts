/**
 * Every transform, imported eagerly: for the API's synchronous `transforms` list (src/index.ts).
 * The CLI loads transforms lazily through the registry (./index.ts); test/registry.test.ts checks
 * that this list, the registry and the folder agree.
 */
import { sortTransforms } from '../src/core/runner.js';
import type { Transform } from '../src/core/types.js';
import apkCacheMount from './apk-cache-mount.js';
import aptCacheMount from './apt-cache-mount.js';
import bundlerCacheMount from './bundler-cache-mount.js';
import cargoCacheMount from './cargo-cache-mount.js';
import composerCacheMount from './composer-cache-mount.js';
import dotnetCacheMount from './dotnet-cache-mount.js';
import goCacheMount from './go-cache-mount.js';
import gradleCacheMount from './gradle-cache-mount.js';
import hoistStable from './hoist-stable.js';
import mavenCacheMount from './maven-cache-mount.js';
import nodeCacheMount from './node-cache-mount.js';
import pipCacheMount from './pip-cache-mount.js';
import pipenvCacheMount from './pipenv-cache-mount.js';
import poetryCacheMount from './poetry-cache-mount.js';
import sinkVolatile from './sink-volatile.js';
import splitCopy from './split-copy.js';
import syntaxDirective from './syntax-directive.js';
import uvCacheMount from './uv-cache-mount.js';

/** All transforms, in run order. */
export const ALL_TRANSFORMS: readonly Transform[] = Object.freeze(sortTransforms([
  apkCacheMount,
  aptCacheMount,
  bundlerCacheMount,
  cargoCacheMount,
  composerCacheMount,
  dotnetCacheMount,
  goCacheMount,
  gradleCacheMount,
  hoistStable,
  mavenCacheMount,
  nodeCacheMount,
  pipCacheMount,
  pipenvCacheMount,
  poetryCacheMount,
  sinkVolatile,
  splitCopy,
  syntaxDirective,
  uvCacheMount,
]));
