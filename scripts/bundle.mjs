#!/usr/bin/env node
// Bundles the CLI's own modules, as tsc compiled them into dist/, into dist/bundle/ (run by
// `npm run build` after tsc): the modules every command needs in main.js, and the rest in
// chunks that the commands' dynamic imports load only when they run. Loading a few chunks
// instead of some seventy modules saves the ES module loader's per-module resolution and
// bookkeeping at every start. Dependencies stay external (node_modules), but for two that
// need nothing of their own location: csv-parse (eleven small ES modules) and js-yaml (one
// module with three non-ASCII characters, which made Node read all 130 KB of it as a
// two-byte string). Tests and the bench still import the modules of dist/ themselves;
// bin/callops.js imports the bundle.
//
// The output is pure ASCII: esbuild escapes strings, and the few characters left in regular
// expressions and comments are written as \uXXXX too (the same meaning there), so that V8
// reads every chunk as a one-byte string.
//
// Each module's `import.meta.url` is rewritten to the URL of its own file in dist/, so that
// paths relative to it (schemas/, package.json, createRequire) resolve as they do unbundled.
// dist/bundle/meta.json (esbuild's metafile) says which modules each chunk holds.
//
// cron's parser and luxon (the schedule checks' libraries, CommonJS, 270 KB in five files)
// are bundled apart, into one CommonJS file, dist/bundle/schedule-libs.cjs, that
// src/schedule/libs.ts loads through the compile cache (src/config/compile-cache.ts) on first
// use: V8's cached code instead of their resolution, reads and compilation at every start.
//
// The licences of the bundled packages are copied into dist/bundle/THIRD-PARTY-LICENSES.txt.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const OUT = join(DIST, 'bundle');
const BUNDLED = new Set(['csv-parse', 'js-yaml']);
const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
const external = Object.keys(pkg.dependencies).filter((name) => !BUNDLED.has(name));

const ownImportMetaUrl = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return { contents: text, loader: 'js' };
      const own = relative(OUT, args.path).split(sep).join('/');
      const url = `new URL(${JSON.stringify(own)}, import.meta.url).href`;
      return { contents: text.replaceAll('import.meta.url', url), loader: 'js' };
    });
  },
};

/** Every non-ASCII UTF-16 unit as a `\uXXXX` escape (tsc has just compiled it into dist/). */
const { asciiOnly: ascii } = await import(
  new URL('../dist/options/ascii.js', import.meta.url).href
);

await rm(OUT, { recursive: true, force: true });
const result = await build({
  absWorkingDir: ROOT,
  entryPoints: { main: join(DIST, 'cli/main.js') },
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  chunkNames: 'chunk-[hash]',
  metafile: true,
  write: false,
  logLevel: 'warning',
  plugins: [ownImportMetaUrl],
});
await mkdir(OUT, { recursive: true });
for (const file of result.outputFiles) await writeFile(file.path, ascii(file.text));
await writeFile(join(OUT, 'meta.json'), `${JSON.stringify(result.metafile, null, 1)}\n`);

const SCHEDULE_LIBS = ['cron', 'luxon'];
const scheduleLibs = await build({
  absWorkingDir: ROOT,
  stdin: {
    contents: [
      "exports.CronTime = require('cron/dist/time.js').CronTime;",
      "exports.luxon = require('luxon');",
      '',
    ].join('\n'),
    resolveDir: ROOT,
    sourcefile: 'schedule-libs.cjs',
    loader: 'js',
  },
  outfile: join(OUT, 'schedule-libs.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  write: false,
  logLevel: 'warning',
});
for (const file of scheduleLibs.outputFiles) await writeFile(file.path, ascii(file.text));

/** The licence file of an installed package, as it ships it. */
const licence = async (name) => {
  const dir = join(ROOT, 'node_modules', name);
  const file = (await readdir(dir)).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
  if (file === undefined) throw new Error(`bundle: no licence file in node_modules/${name}`);
  const { version, license } = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
  return `${name}@${version} (${license})\n\n${(await readFile(join(dir, file), 'utf8')).trim()}\n`;
};
const licences = await Promise.all([...BUNDLED, ...SCHEDULE_LIBS].sort().map(licence));
await writeFile(
  join(OUT, 'THIRD-PARTY-LICENSES.txt'),
  `Packages bundled into this directory, with their licences.\n\n${licences.join('\n\n')}`,
);
