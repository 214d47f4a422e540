#!/usr/bin/env -S node --
// CommonJS (bin/package.json), as is everything a command loads: an ES module entry would
// start Node's ES module loader, which costs a start about as much as loading the CLI.
// `--version` is answered before the CLI loads: it needs only package.json.
'use strict';

const args = process.argv.slice(2);
let first = 0;
while (args[first] === '-C' && args.length - first >= 2) first += 2;
const asked = args[first];

if (asked === '--version' || asked === '-V' || asked === 'version') {
  // src/cli/version.ts, bundled (scripts/bundle.mjs).
  const { VERSION } = require('../dist/bundle/version.cjs');
  const line = `${VERSION}\n`;
  // One synchronous write to the descriptor: process.stdout would first load the stream
  // modules (a tenth of this command's time). A descriptor that cannot take it at once
  // (non-blocking, full) gets the rest through the stream, as any other output.
  // A reader that went away (EPIPE, EIO) is no error, as for every other command.
  const gone = (error) => ['EPIPE', 'EIO', 'ERR_STREAM_DESTROYED'].includes(error?.code);
  const failed = (error) => {
    if (gone(error)) return;
    process.stderr.write(`callops: cannot write to standard output: ${error?.code ?? error}\n`);
    process.exitCode = 1;
  };
  let written = 0;
  try {
    written = require('node:fs').writeSync(1, line);
  } catch (error) {
    written = line.length;
    if (error?.code === 'EAGAIN') written = 0;
    else failed(error);
  }
  if (written < line.length) {
    process.stdout.on('error', failed);
    process.stdout.write(line.slice(written));
  }
} else {
  // Node >= 22.1 caches the compiled code of every module itself (the generated validators
  // have their own cache on any version: src/config/compile-cache.ts). CALLOPS_CACHE_DIR
  // places it (under node/), `off` turns it off.
  const cacheDir = process.env.CALLOPS_CACHE_DIR;
  const nodeModule = require('node:module');
  if (typeof nodeModule.enableCompileCache === 'function' && cacheDir !== 'off') {
    try {
      nodeModule.enableCompileCache(cacheDir ? `${cacheDir}/node` : undefined);
    } catch {
      // No cache: the same modules, compiled as usual.
    }
  }
  // The bundle of dist/ as one CommonJS file (scripts/bundle.mjs), compiled from V8's code
  // cache (src/config/compile-cache.ts, bundled), which Node 20 keeps for no ES module: one
  // entry per command, holding the functions that command runs.
  const { requireWithCodeCache } = require('../dist/bundle/loader.cjs');
  const { isCommandName } = require('../dist/bundle/commands.cjs');
  const bundle = require('node:path').join(__dirname, '../dist/bundle/cli.cjs');
  const { main } = requireWithCodeCache(
    bundle,
    undefined,
    isCommandName(asked) ? asked : 'other',
  ).exports;
  main(args).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`callops: internal error: ${error?.stack ?? error}\n`);
      process.exitCode = 70;
    },
  );
}
