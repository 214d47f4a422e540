import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { callsYaml, type Gateway, holdCalls, output, spawnCli, waitFor, watch } from './helpers.js';
import { postgresForFile, queryDatabase } from './postgres-project.js';

/**
 * `state pull` writes callops.lock from the database and removes the record of the move, so
 * that the file store may open again. While a runner of the schema may still place calls (a
 * `run` holding the run lock, an `apply` on its lease), what it places next would be missing
 * from that callops.lock, and the file store would place it again: the pull refuses (75),
 * naming the runner, and leaves the record in place.
 */
const db = postgresForFile();

const MARKER = '.callops/moved-to-postgres.json';

/** Drops `state:` from callops.yaml: the file store, as a revert of the move does. */
const toFiles = async (gw: Gateway) => {
  const config = await gw.project.read('callops.yaml');
  await gw.project.write('callops.yaml', config.slice(0, config.indexOf('state:')));
};

describe('state pull while a runner of the schema is live', () => {
  it('refuses beside a live `run` (its run lock), keeping the record; pulls once it ended', {
    timeout: 90_000,
  }, async () => {
    const gw = await db.gateway(
      {
        'calls/a.yaml': callsYaml([{ name: 'hello', extra: ['schedule: { cron: "0 0 1 1 *" }'] }]),
      },
      { schema: 'pl1' },
    );
    const env = { ...gw.env, ...db.env };
    const runner = spawnCli(['run', '--yes'], { cwd: gw.project.dir, env });
    const run = watch(runner, 60_000);
    // Its schema is created as it starts: not there yet is not held yet.
    const held = () =>
      queryDatabase<{ n: number }>(db.url, 'SELECT count(*)::int AS n FROM pl1.run_lock').then(
        (r) => r.rows[0]?.n === 1 || undefined,
        () => undefined,
      );
    await waitFor('the run holding the run lock', held, { timeoutMs: 30_000 });
    const pull = await gw.run(['state', 'pull'], db.env);
    expect(pull.code, output(pull)).toBe(75);
    expect(pull.stderr).toContain('the state database is in use: held by pid');
    expect(pull.stderr).toContain('running `callops run`');
    expect(pull.stderr).toContain(`callops.lock was not written, and ${MARKER} is kept`);
    expect(gw.project.exists('callops.lock')).toBe(false);
    expect(gw.project.exists(MARKER)).toBe(true);

    expect(pull.stderr).toContain(`pid ${runner.pid}`);
    runner.kill('SIGTERM');
    await run.done;
    const after = await gw.run(['state', 'pull'], db.env);
    expect(after.code, output(after)).toBe(0);
    expect(gw.project.exists(MARKER)).toBe(false);
  });

  it('refuses beside a live `apply` (its lease): the file store then cannot place its call again', {
    timeout: 90_000,
  }, async () => {
    const hold = holdCalls();
    const gw = await db.gateway(
      { 'calls/a.yaml': callsYaml([{ name: 'hello' }]) },
      { schema: 'pl2', latencyMs: 1, wait: hold.wait },
    );
    const env = { ...gw.env, ...db.env };
    const apply = watch(spawnCli(['apply', '--yes'], { cwd: gw.project.dir, env }), 60_000);
    await waitFor('hello held at the gateway', () => (hold.held() === 1 ? true : undefined), {
      timeoutMs: 30_000,
    });
    const pull = await gw.run(['state', 'pull'], db.env);
    expect(pull.code, output(pull)).toBe(75);
    expect(pull.stderr).toContain('running `callops apply`');
    expect(JSON.parse(await readFile(join(gw.project.dir, MARKER), 'utf8'))).toMatchObject({
      schema: 'pl2',
    });

    hold.release();
    const applied = await apply.done;
    expect(applied.code, output(applied)).toBe(0);
    expect(gw.placed()).toHaveLength(1);
    // Back to the file store without a pull that succeeded: refused, nothing placed twice.
    await toFiles(gw);
    const files = await gw.run(['apply', '--yes']);
    expect(files.code, output(files)).toBe(1);
    expect(files.stderr).toContain('kept in PostgreSQL (schema pl2)');
    expect(gw.placed()).toHaveLength(1);
  });
});
