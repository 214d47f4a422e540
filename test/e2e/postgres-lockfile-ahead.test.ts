import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { placementRows } from '../support/postgres.js';
import { callsYaml, type Gateway } from './helpers.js';
import { postgresForFile } from './postgres-project.js';

/**
 * A project whose callops.lock holds placements the state database does not hold (placed
 * with the file store and never pushed, or a lockfile committed beside another database):
 * every command that plans, places or writes the lockfile view refuses before it acts.
 */
const db = postgresForFile();

const names = (count: number) =>
  Array.from({ length: count }, (_, i) => `c${String(i + 1).padStart(2, '0')}`);

/** A project on the simulator; `toFiles` and `toDatabase` switch its `state:`. */
const project = async (schema: string, calls: string, extra: readonly string[] = []) => {
  const gw = await db.gateway({ 'calls/a.yaml': calls }, { schema, extra });
  const withDatabase = await gw.project.read('callops.yaml');
  const withFiles = withDatabase.slice(0, withDatabase.indexOf('state:'));
  return {
    gw,
    toFiles: () => gw.project.write('callops.yaml', withFiles),
    toDatabase: () => gw.project.write('callops.yaml', withDatabase),
  };
};

const rows = (schema: string) => placementRows(db.url, schema);

/** The refusal every such command gives, for `count` entries. */
const refusal = (count: number) =>
  new RegExp(
    `callops\\.lock holds ${count} entr(y|ies) \\(placed or unknown\\) the state database does not hold \\(sim/c\\d+ among them\\)`,
  );

const expectRefused = (result: Awaited<ReturnType<Gateway['run']>>, count: number) => {
  expect(result.code, result.stdout + result.stderr).toBe(1);
  expect(result.stderr).toMatch(refusal(count));
  expect(result.stderr).toContain('`callops state push` imports them');
  expect(result.stderr).toContain('move it away');
};

describe('a lockfile ahead of the state database', () => {
  it('switched to postgres without state push: apply refuses and sends nothing; after push nothing is placed twice', {
    timeout: 60_000,
  }, async () => {
    const { gw, toFiles, toDatabase } = await project(
      'switched',
      callsYaml(names(3).map((name) => ({ name }))),
    );
    await toFiles();
    const first = await gw.run(['apply', '--yes']);
    expect(first.code, first.stderr).toBe(0);
    expect(gw.sim.received()).toHaveLength(3);

    await toDatabase();
    const plan = await gw.run(['plan'], db.env);
    expectRefused(plan, 3);
    expect(plan.stdout).not.toContain('sim/c01');
    const apply = await gw.run(['apply', '--yes'], db.env);
    expectRefused(apply, 3);
    expect(apply.stderr).toContain('nothing was sent');
    const run = await gw.run(['run', '--yes'], db.env);
    expectRefused(run, 3);
    const status = await gw.run(['status'], db.env);
    expectRefused(status, 3);
    expect(gw.sim.received()).toHaveLength(3);
    expect(await rows('switched')).toEqual([]);

    // The way on it names: push, then apply places nothing a second time.
    const push = await gw.run(['state', 'push'], db.env);
    expect(push.code, push.stderr).toBe(0);
    expect(push.stdout).toContain('imported 3 entries');
    const again = await gw.run(['apply', '--yes'], db.env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('Nothing is due');
    expect(gw.sim.received()).toHaveLength(3);
    expect((await gw.run(['status'], db.env)).code).toBe(0);
  });

  it('a committed callops.lock and an empty database: plan and state pull refuse, the lockfile stays', {
    timeout: 90_000,
  }, async () => {
    const { gw, toFiles, toDatabase } = await project(
      'fresh_ci',
      callsYaml(names(70).map((name) => ({ name }))),
    );
    await toFiles();
    expect((await gw.run(['apply', '--yes', '--concurrency', '10'])).code).toBe(0);
    expect(gw.sim.received()).toHaveLength(70);
    // A fresh checkout: the committed lockfile, no `.callops/`.
    await rm(join(gw.project.dir, '.callops'), { recursive: true, force: true });
    const committed = await gw.project.read('callops.lock');

    await toDatabase();
    expectRefused(await gw.run(['plan'], db.env), 70);
    const pull = await gw.run(['state', 'pull'], db.env);
    expectRefused(pull, 70);
    expect(pull.stderr).toContain('callops.lock was not written');
    expect(pull.stdout).not.toContain('wrote');
    expect(await gw.project.read('callops.lock')).toBe(committed);
    expectRefused(await gw.run(['apply', '--yes'], db.env), 70);
    expect(gw.sim.received()).toHaveLength(70);

    // Moved away on purpose (it is stale for this database), the database is the state.
    await rm(join(gw.project.dir, 'callops.lock'));
    const plan = await gw.run(['plan', '--detailed-exitcode'], db.env);
    expect(plan.code, plan.stderr).toBe(2);
  });

  it('a journal a killed file-store run left counts as the lockfile does', {
    timeout: 60_000,
  }, async () => {
    const { gw, toDatabase } = await project(
      'journal',
      callsYaml(names(2).map((name) => ({ name }))),
    );
    // What a run killed while its request was out leaves: an intent without an outcome.
    await gw.project.write(
      '.callops/journal.jsonl',
      `${JSON.stringify({ type: 'intent', run: 1, at: '2026-01-01T00:00:00.000Z', key: 'sim/c02', target: 'sim', attempt: 1, definition: 'sha256:x', file: 'calls/a.yaml' })}\n`,
    );
    await toDatabase();
    const apply = await gw.run(['apply', '--yes'], db.env);
    expect(apply.code, apply.stderr).toBe(1);
    expect(apply.stderr).toContain(
      'the journal .callops/journal.jsonl (left by a run that was interrupted) holds 1 entry (placed or unknown) the state database does not hold (sim/c02)',
    );
    expect(gw.sim.received()).toHaveLength(0);
    const push = await gw.run(['state', 'push'], db.env);
    expect(push.code, push.stderr).toBe(0);
    const apply2 = await gw.run(['apply', '--yes'], db.env);
    expect(apply2.code, apply2.stderr).toBe(0);
    // sim/c02 may have rung: it is unknown, never placed again without a decision.
    expect(gw.sim.received()).toHaveLength(1);
  });

  it('a callops.lock that cannot be read is refused: it may hold placements', {
    timeout: 60_000,
  }, async () => {
    const { gw } = await project('broken', callsYaml([{ name: 'c01' }]));
    await gw.project.write('callops.lock', '<<<<<<< HEAD\n{}\n=======\n{}\n>>>>>>> other\n');
    const apply = await gw.run(['apply', '--yes'], db.env);
    expect(apply.code, apply.stderr).toBe(1);
    expect(apply.stderr).toMatch(
      /callops\.lock:1:1: .*nothing was sent\. If it is stale for this database, move it away/,
    );
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('entries the database holds are fine, also those its view leaves out after state.keep', {
    timeout: 60_000,
  }, async () => {
    const day = 24 * 3600_000;
    const slot = new Date(Math.floor(Date.now() / day) * day - 2 * day + 9 * 3600_000);
    const slotText = `${slot.toISOString().slice(0, 19)}Z`;
    const { gw } = await project(
      'kept',
      callsYaml([
        { name: 'daily', extra: ['schedule: { cron: "0 9 * * *", timezone: UTC }'] },
        { name: 'once' },
      ]),
      ['  keep: 1d'],
    );
    // A rehearsal two days back places that slot; pull writes every row (no call files read).
    const at = new Date(slot.getTime() + 10_000).toISOString();
    const rehearsal = await gw.run(['apply', '--yes', '--only', 'daily', '--now', at], db.env);
    expect(rehearsal.code, rehearsal.stderr).toBe(0);
    const pull = await gw.run(['state', 'pull'], db.env);
    expect(pull.code, pull.stderr).toBe(0);
    const key = `sim/daily@${slotText}`;
    expect(Object.keys((await gw.project.lock())?.calls ?? {})).toEqual([key]);
    expect(await rows('kept')).toEqual([expect.objectContaining({ key, status: 'placed' })]);

    // The view drops it now (past its deadline for more than a day); the row is still there.
    const status = await gw.run(['status', '--format', 'json'], db.env);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).not.toContain(key);
    const apply = await gw.run(['apply', '--yes', '--only', 'once'], db.env);
    expect(apply.code, apply.stderr).toBe(0);
    expect(gw.placed()).toHaveLength(2);
    expect((await gw.run(['state', 'pull'], db.env)).code).toBe(0);
  });

  it('state pull resolves a callops.lock git left conflicting once the database holds both sides', {
    timeout: 60_000,
  }, async () => {
    const { gw } = await project('conflict', callsYaml(names(2).map((name) => ({ name }))));
    expect((await gw.run(['apply', '--yes'], db.env)).code).toBe(0);
    expect((await gw.run(['state', 'pull'], db.env)).code).toBe(0);
    const both = (await gw.project.lock()) as { calls: Record<string, unknown> };
    const side = (key: string, calls: Record<string, unknown>) =>
      JSON.stringify({ calls: { [key]: calls[key] }, lockfileVersion: 1 }, null, 2).split('\n');
    // Each side one entry, on the lines between the common head and tail of the two texts.
    const [ours, theirs] = [side('sim/c01', both.calls), side('sim/c02', both.calls)];
    const conflicted = (a: string[], b: string[]) =>
      [
        a[0],
        a[1],
        '<<<<<<< HEAD',
        ...a.slice(2, -3),
        '=======',
        ...b.slice(2, -3),
        '>>>>>>> other',
        ...a.slice(-3),
        '',
      ].join('\n');
    await gw.project.write('callops.lock', conflicted(ours, theirs));
    const apply = await gw.run(['apply', '--yes'], db.env);
    expect(apply.code, apply.stderr).toBe(1);
    expect(apply.stderr).toContain('run `callops state pull`');
    const pull = await gw.run(['state', 'pull'], db.env);
    expect(pull.code, pull.stderr).toBe(0);
    expect(pull.stdout).toContain('wrote callops.lock from the state database: 2 entries');
    expect(Object.keys((await gw.project.lock())?.calls ?? {}).sort()).toEqual([
      'sim/c01',
      'sim/c02',
    ]);

    // A side that holds a placement the database lacks: refused, the file left as it is.
    const c09 = {
      ...(both.calls['sim/c01'] as object),
      sid: '00000000-0000-4000-8000-000000000009',
    };
    const lacking = conflicted(ours, side('sim/c09', { 'sim/c09': c09 }));
    await gw.project.write('callops.lock', lacking);
    const refused = await gw.run(['state', 'pull'], db.env);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toContain(
      'callops.lock holds 1 entry (placed or unknown) the state database does not hold (sim/c09)',
    );
    expect(refused.stderr).toContain(
      '`callops state push` imports them once callops.lock holds no conflict markers',
    );
    expect(await gw.project.read('callops.lock')).toBe(lacking);
    expect(gw.placed()).toHaveLength(2);
  });
});
