#!/usr/bin/env node
// Bundles the CLI's own modules, as tsc compiled them into dist/, into one CommonJS file,
// dist/bundle/cli.cjs (run by `npm run build` after tsc), that bin/callops.js loads through the
// compile cache (src/config/compile-cache.ts): Node 20 keeps no code cache for ES modules, so
// an ES module bundle is parsed and the functions a command calls are compiled at every start,
// while V8's cached code for this file needs neither. One file instead of some seventy modules
// also saves the ES module loader's per-module resolution and bookkeeping. Every module is in
// it; a dynamic import becomes a call of the module's initialiser, which runs that module only
// when a command needs it, as the import did. Dependencies stay external (node_modules, all of
// which ship CommonJS, required where the modules imported them), but for two that need
// nothing of their own location: csv-parse (eleven small ES modules) and js-yaml (one module
// with three non-ASCII characters, which made Node read all 130 KB of it as a two-byte
// string). Tests and the bench still import the modules of dist/ themselves.
//
// Whitespace and syntax are minified (names are kept, so a stack trace still names its
// functions): a third less text to read, check and hand to V8 at every start (validate of the
// examples: 6% less time, paired runs).
//
// The output is pure ASCII: esbuild escapes strings, and the few characters left in regular
// expressions and comments are written as \uXXXX too (the same meaning there), so that V8
// reads every file as a one-byte string.
//
// Each module's `import.meta.url` is rewritten to the URL of its own file in dist/ (from the
// bundle's own location), so that paths relative to it (schemas/, package.json,
// createRequire) resolve as they do unbundled; the one top-level `await import()` (the
// validators' compile fallback) becomes a `require`, the same module loaded synchronously,
// and so do the others, inside async functions. dist/bundle/meta.json (esbuild's metafile)
// says which modules the bundle holds.
//
// cron's parser and luxon (the schedule checks' libraries, CommonJS, 270 KB in five files)
// are bundled apart, into one CommonJS file, dist/bundle/schedule-libs.cjs, that
// src/schedule/libs.ts loads through the compile cache on first use: V8's cached code instead
// of their resolution, reads and compilation at every start.
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

/** Every non-ASCII UTF-16 unit as a `\uXXXX` escape (tsc has just compiled it into dist/). */
const { asciiOnly: ascii } = await import(
  new URL('../dist/options/ascii.js', import.meta.url).href
);

/** The bundle's own URL, set at its top (its `__filename` is where it was loaded from). */
const BUNDLE_URL = '__callopsBundleUrl';
const BANNER = `'use strict';\nvar ${BUNDLE_URL} = require('node:url').pathToFileURL(__filename).href;`;
const ownModules = {
  name: 'own-modules',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (args.path.includes(`${sep}node_modules${sep}`)) return { contents: text, loader: 'js' };
      const own = relative(OUT, args.path).split(sep).join('/');
      const url = `new URL(${JSON.stringify(own)}, ${BUNDLE_URL}).href`;
      return {
        contents: text.replaceAll('import.meta.url', url).replaceAll('await import(', 'require('),
        loader: 'js',
      };
    });
  },
};

// undici (the gateway client's HTTP library, CommonJS: its Pool, in 45 files) is bundled apart,
// into dist/bundle/undici.cjs, loaded through the compile cache when a command first sends a
// request: the bundle's `undici` is this small module. Should the file be missing, undici
// loads from node_modules as before.
const cachedUndici = {
  name: 'cached-undici',
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, (args) =>
      args.namespace === 'cached-undici'
        ? { path: 'undici', external: true }
        : { path: 'undici', namespace: 'cached-undici' },
    );
    b.onLoad({ filter: /.*/, namespace: 'cached-undici' }, () => ({
      contents: [
        "const { requireWithCodeCache } = require('./compile-cache.js');",
        'let undici;',
        'try {',
        "  undici = requireWithCodeCache(require('node:path').join(__dirname, 'undici.cjs')).exports;",
        '} catch {',
        "  undici = require('undici');",
        '}',
        'module.exports = undici;',
        '',
      ].join('\n'),
      resolveDir: join(DIST, 'config'),
      loader: 'js',
    }));
  },
};

await rm(OUT, { recursive: true, force: true });
await mkdir(OUT, { recursive: true });
const cli = await build({
  absWorkingDir: ROOT,
  entryPoints: [join(DIST, 'cli/main.js')],
  outfile: join(OUT, 'cli.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external,
  // A dynamic import that is left (not awaited at once) is a require in a promise too.
  supported: { 'dynamic-import': false },
  banner: { js: BANNER },
  metafile: true,
  write: false,
  logLevel: 'warning',
  plugins: [ownModules, cachedUndici],
  minifyWhitespace: true,
  minifySyntax: true,
});
for (const file of cli.outputFiles) await writeFile(file.path, ascii(file.text));
await writeFile(join(OUT, 'meta.json'), `${JSON.stringify(cli.metafile, null, 1)}\n`);

// What bin/callops.js loads before the CLI, as CommonJS too: the version alone (for
// `--version`), the command names (a cache entry each), and the compile cache's loader
// (which then loads dist/bundle/cli.cjs).
const entries = await build({
  absWorkingDir: ROOT,
  entryPoints: {
    version: join(DIST, 'cli/version.js'),
    commands: join(DIST, 'cli/command-names.js'),
    loader: join(DIST, 'config/compile-cache.js'),
  },
  outdir: OUT,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external,
  banner: { js: BANNER },
  write: false,
  logLevel: 'warning',
  plugins: [ownModules],
});
for (const file of entries.outputFiles) await writeFile(file.path, ascii(file.text));

/** A CommonJS file of dependencies alone, `contents` requiring them (loaded through the cache). */
const libraries = async (name, contents) => {
  const built = await build({
    absWorkingDir: ROOT,
    stdin: { contents, resolveDir: ROOT, sourcefile: name, loader: 'js' },
    outfile: join(OUT, name),
    bundle: true,
    minifyWhitespace: true,
    minifySyntax: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    write: false,
    logLevel: 'warning',
  });
  for (const file of built.outputFiles) await writeFile(file.path, ascii(file.text));
};

// Of undici, the Pool alone with the request API (what its index adds to every dispatcher):
// its index also loads fetch, WebSocket, the mocks, the caches and the proxies, 113 files where
// a Pool needs 45, which a command paid for at every start that sent a request.
await libraries(
  'undici.cjs',
  [
    "const Dispatcher = require('undici/lib/dispatcher/dispatcher');",
    "Object.assign(Dispatcher.prototype, require('undici/lib/api'));",
    "exports.Pool = require('undici/lib/dispatcher/pool');",
    '',
  ].join('\n'),
);
const SCHEDULE_LIBS = ['cron', 'luxon'];
await libraries(
  'schedule-libs.cjs',
  [
    "exports.CronTime = require('cron/dist/time.js').CronTime;",
    "exports.luxon = require('luxon');",
    '',
  ].join('\n'),
);

/** The licence file of an installed package, as it ships it. */
const licence = async (name) => {
  const dir = join(ROOT, 'node_modules', name);
  const file = (await readdir(dir)).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
  if (file === undefined) throw new Error(`bundle: no licence file in node_modules/${name}`);
  const { version, license } = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
  return `${name}@${version} (${license})\n\n${(await readFile(join(dir, file), 'utf8')).trim()}\n`;
};
const licences = await Promise.all([...BUNDLED, ...SCHEDULE_LIBS, 'undici'].sort().map(licence));
await writeFile(
  join(OUT, 'THIRD-PARTY-LICENSES.txt'),
  `Packages bundled into this directory, with their licences.\n\n${licences.join('\n\n')}`,
);
