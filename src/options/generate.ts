import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { renderOptionReference, renderSchemaFiles, replaceOptionReference } from './render.js';
import { REST_DIAL_FILE, renderRestDial } from './rest-dial-source.js';
import { renderValidatorModules } from './standalone.js';

/**
 * Writes the generated artefacts: schemas/*.schema.json, the standalone validators beside
 * them, the README's option reference, and the `rest:dial` properties of the gateway's
 * verb specifications (src/options/rest-dial.ts). `--check` writes nothing and exits 1 listing the
 * files that are stale. Run as `npm run schema` (or `npm run schema -- --check`).
 */

export { renderOptionReference, renderSchemaFiles };

/** The repository root: two levels above this module, in src/options/ or dist/options/. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const read = (path: string): string | undefined =>
  existsSync(path) ? readFileSync(path, 'utf8') : undefined;

/** Every generated file (repo-relative path → content), given the current README. */
export const renderAll = (root = REPO_ROOT): Record<string, string> => ({
  ...renderSchemaFiles(),
  ...renderValidatorModules(),
  [REST_DIAL_FILE]: renderRestDial(),
  'README.md': replaceOptionReference(read(join(root, 'README.md')) ?? '', renderOptionReference()),
});

/** Repo-relative paths whose content on disk differs from what would be generated. */
export const staleFiles = (files: Record<string, string>, root = REPO_ROOT): string[] =>
  Object.entries(files)
    .filter(([path, content]) => read(join(root, path)) !== content)
    .map(([path]) => path);

export const main = (argv: readonly string[]): number => {
  const check = argv.includes('--check');
  try {
    const files = renderAll();
    const stale = staleFiles(files);
    if (check) {
      for (const path of stale) process.stderr.write(`stale: ${path}\n`);
      if (stale.length > 0) process.stderr.write('run `npm run schema` to regenerate\n');
      return stale.length > 0 ? 1 : 0;
    }
    for (const path of stale) {
      writeFileSync(join(REPO_ROOT, path), files[path] ?? '');
      process.stdout.write(`wrote ${path}\n`);
    }
    if (stale.length === 0) process.stdout.write('generated files are up to date\n');
    return 0;
  } catch (err) {
    process.stderr.write(
      `schema generation failed: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return 1;
  }
};

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(entry).href) {
  process.exitCode = main(process.argv.slice(2));
}
