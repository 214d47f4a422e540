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
  const { main } = await import('../dist/cli/main.js');
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
