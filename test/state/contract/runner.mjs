// A runner in its own process, so that tests can kill it the way a crash does (SIGKILL).
// Usage: node runner.mjs '<json>'  — json: the store ({ backend: 'file', stateDir, lockPath }
// or { backend: 'postgres', url, schema }), `lock` (take the single-holder lock) and `claim`
// (keys to claim), `gateway` (the digest its claims record). Prints "ready" once all of it is durable, then waits to be killed.
import { openFileStore } from '../../../dist/state/file-store.js';
import { openPostgresStore } from '../../../dist/state/postgres/store.js';

const spec = JSON.parse(process.argv[2] ?? '{}');
const command = 'callops apply';
const store =
  spec.backend === 'file'
    ? openFileStore(spec)
    : await openPostgresStore({
        url: spec.url,
        schema: spec.schema,
        command,
        leaseMs: spec.leaseMs,
      });
if (spec.lock || !store.concurrentRunners) {
  const held = await store.lock({ command, now: new Date() });
  if (!held.ok) {
    process.stdout.write('refused\n');
    process.exit(3);
  }
}
for (const key of spec.claim ?? []) {
  const ok = await store.claim({
    key,
    target: 'default',
    attempt: 1,
    definition: 'sha256:child',
    file: 'calls/child.yaml',
    ...(spec.gateway === undefined ? {} : { gateway: spec.gateway }),
  });
  if (!ok) {
    process.stdout.write(`not claimed: ${key}\n`);
    process.exit(4);
  }
}
process.stdout.write('ready\n');
setInterval(() => undefined, 60_000);
