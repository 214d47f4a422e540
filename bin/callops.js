#!/usr/bin/env -S node --
// `--version` is answered before the CLI loads: it needs only package.json.
const args = process.argv.slice(2);
let first = 0;
while (args[first] === '-C' && args.length - first >= 2) first += 2;
const asked = args[first];

if (asked === '--version' || asked === '-V' || asked === 'version') {
  const { VERSION } = await import('../dist/cli/version.js');
  process.stdout.write(`${VERSION}\n`);
} else {
  // Node >= 22.1 caches the compiled code of every module itself (the generated validators
  // have their own cache on any version: src/config/compile-cache.ts). CALLOPS_CACHE_DIR
  // places it (under node/), `off` turns it off.
  const cacheDir = process.env.CALLOPS_CACHE_DIR;
  const nodeModule = await import('node:module');
  if (typeof nodeModule.enableCompileCache === 'function' && cacheDir !== 'off') {
    try {
      nodeModule.enableCompileCache(cacheDir ? `${cacheDir}/node` : undefined);
    } catch {
      // No cache: the same modules, compiled as usual.
    }
  }
  // The bundle of dist/ (scripts/bundle.mjs): one module and lazily loaded chunks.
  const { main } = await import('../dist/bundle/main.js');
  await main(args).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`callops: internal error: ${error?.stack ?? error}\n`);
      process.exitCode = 70;
    },
  );
}
