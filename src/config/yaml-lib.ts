import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

const require = createRequire(import.meta.url);
let lib: typeof Yaml | undefined;

/**
 * The `yaml` library, loaded on first use: a project whose files all read cleanly through
 * the fast path (fast-parse.ts) never needs it, and loading it is a fair share of start-up.
 */
export const yamlLib = (): typeof Yaml => {
  lib ??= require('yaml') as typeof Yaml;
  return lib;
};
