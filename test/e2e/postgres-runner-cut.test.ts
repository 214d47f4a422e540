import { describe, expect, it } from 'vitest';
import { terminateRunners } from '../support/postgres.js';
import { callsYaml, collect, output, spawnCli, waitFor, watch } from './helpers.js';
import { postgresForFile } from './postgres-project.js';

/**
 * A live runner's connections to the state database are cut (a restart, a failover, an
 * operator's pg_terminate_backend) while its calls are at the gateway. It is not gone: its
 * calls stay in flight for everyone else, `--retry-unknown` leaves them alone, and it
 * records their outcomes. Nobody is called twice.
 */

const db = postgresForFile();

describe('a live runner whose database connections are cut', () => {
  it('keeps its calls in flight: status exits 0, --retry-unknown sends none again, it records all', {
    timeout: 90_000,
  }, async () => {
    const held: (() => void)[] = [];
    let open = false;
    const names = Array.from({ length: 6 }, (_, i) => `c0${i}`);
    const gw = await db.gateway(
      { 'calls/a.yaml': callsYaml(names.map((name) => ({ name }))) },
      {
        targetExtra: ['concurrency: 6'],
        latencyMs: 1,
        wait: () => new Promise<void>((resolve) => (open ? resolve() : held.push(resolve))),
        schema: 'cut_live',
      },
    );
    const env = { ...gw.env, CALLOPS_DATABASE_URL: db.url };
    const first = watch(spawnCli(['apply', '--yes'], { cwd: gw.project.dir, env }), 60_000);
    await waitFor('every call at the gateway', () => (held.length === 6 ? true : undefined), {
      timeoutMs: 30_000,
    });
    expect(await terminateRunners(db.url)).toBeGreaterThan(0);

    const status = await collect(spawnCli(['status'], { cwd: gw.project.dir, env }), 30_000);
    expect(status.code, output(status)).toBe(0);
    expect(status.stdout).toMatch(/in flight/);
    expect(status.stdout).not.toMatch(/interrupted or crashed/);
    const retry = await collect(
      spawnCli(['apply', '--yes', '--retry-unknown'], { cwd: gw.project.dir, env }),
      30_000,
    );
    expect(output(retry)).toMatch(/being placed by another runner|in flight/);
    // The second runner sent nothing: the six requests at the gateway are the first's.
    expect(held).toHaveLength(6);

    open = true;
    for (const go of held.splice(0)) go();
    const result = await first.done;
    expect(result.code, output(result)).toBe(0);
    expect(result.stdout).toMatch(/^Done: 6 placed, 0 failed, 0 unknown/m);
    const after = await collect(spawnCli(['status'], { cwd: gw.project.dir, env }), 30_000);
    expect(after.code, output(after)).toBe(0);
    expect(after.stdout).toMatch(/6 placed/);
    expect(gw.placed()).toHaveLength(6);
  });
});
