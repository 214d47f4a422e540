// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${row.X} references
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOLD_SYNC_ENV } from '../../src/state/failpoint.js';
import {
  campaignYaml,
  type Gateway,
  makeProject,
  output,
  recipientNumber,
  spawnCli,
  startGateway,
  waitFor,
  watch,
} from './helpers.js';
import { advisoryWaiters, postgresForFile } from './postgres-project.js';

const db = postgresForFile();

const TAG = '{ patient: "${row.name}" }';

/** The numbers the simulator was asked to call (accepted calls), each as often as called. */
const dialled = (gw: Gateway): string[] =>
  gw.placed().map((r) => (r.body as { to: { number: string } }).to.number);

/** How many times each number was called. */
const callsPerNumber = (gw: Gateway): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const number of dialled(gw)) counts[number] = (counts[number] ?? 0) + 1;
  return counts;
};

/**
 * Two checkouts of one project at two commits, sharing the state database: the first's
 * `apply` holds each claim's commit (the failpoint) until the second's `apply`, which planned
 * from a state where none of them was there yet, is claiming its rows, then lets them go.
 * Each prints what it did; the simulator's records say whom it called.
 */
const applyAtOnce = async (schema: string, first: string, second: string) => {
  const gw = await db.gateway(
    { 'calls/reminders.yaml': campaignYaml([], TAG), 'lists/reminders.csv': first },
    { schema, targetExtra: ['concurrency: 4'] },
  );
  const other = await makeProject({
    'callops.yaml': await gw.project.read('callops.yaml'),
    'calls/reminders.yaml': campaignYaml([], TAG),
    'lists/reminders.csv': second,
  });
  try {
    const rows = first.trim().split('\n').length - 1;
    const gate = join(gw.project.dir, 'gate');
    const reached = async () =>
      (await readFile(`${gate}.reached`, 'utf8').catch(() => '')).split('\n').filter(Boolean)
        .length;
    const env = { ...gw.env, ...db.env };
    const one = watch(
      spawnCli(['apply', '--yes'], { cwd: gw.project.dir, env: { ...env, [HOLD_SYNC_ENV]: gate } }),
      30_000,
    );
    // Every row of the first checkout is claimed, none committed: the second plans them all due.
    await waitFor('the first checkout holding a claim of each row', async () =>
      (await reached()) === rows ? true : undefined,
    );
    const two = watch(spawnCli(['apply', '--yes'], { cwd: other.dir, env }), 30_000);
    // The second's claims of those numbers wait for the first's (or, were they not checked
    // under the number's lock, its calls go out at once).
    await waitFor('the second checkout claiming the same numbers', async () =>
      (await advisoryWaiters(db.url)) >= rows || gw.placed().length > 0 ? true : undefined,
    );
    await writeFile(gate, '');
    const [r1, r2] = await Promise.all([one.done, two.done]);
    return { gw, r1, r2 };
  } finally {
    await other.cleanup();
  }
};

const csv = (rows: readonly string[], header = 'name,phone'): string =>
  `${[header, ...rows].join('\n')}\n`;

describe('a campaign placed by two checkouts at once, its keys moved between them', () => {
  it('a row inserted above (no id column): each number is called once', {
    timeout: 60_000,
  }, async () => {
    const people = [1, 2, 3].map((i) => `P${i},${recipientNumber(i)}`);
    // The next commit inserts a row at the top: every row's positional key moves down one.
    const { gw, r1, r2 } = await applyAtOnce(
      'moved_rows',
      csv(people),
      csv([`New,${recipientNumber(9)}`, ...people]),
    );
    for (const r of [r1, r2]) expect(r.code, output(r)).toBe(0);
    // No one twice: the first checkout called its three; the second's claims of those numbers
    // (keys 2 to 4) were refused, and its key 1 was the first's.
    expect(callsPerNumber(gw)).toEqual({
      [recipientNumber(1)]: 1,
      [recipientNumber(2)]: 1,
      [recipientNumber(3)]: 1,
    });
    expect(output(r1)).toMatch(/3 placed, 0 failed, 0 unknown/);
    expect(output(r2)).toMatch(/0 placed, 0 failed, 0 unknown/);
    for (const i of [1, 2, 3]) {
      expect(output(r2)).toContain(
        `skipped sim/reminders/${i + 1}  not placed: this campaign already dialled ${recipientNumber(i)} as sim/reminders/${i} (`,
      );
    }
    expect(output(r2)).toMatch(/lists\/reminders\.csv has no id column/);
    // Its key 1 the first claimed first: counted as a call another runner is placing.
    expect(r2.stdout).toMatch(/^skipped sim\/reminders\/1 {2}being placed by another runner$/m);
    // Every due row is accounted for: the other three skipped, each with its reason.
    expect(r2.stdout).toMatch(
      /0 placed, 0 failed, 0 unknown, 1 being placed by another runner, 3 skipped in/,
    );
  });

  it('ids renamed: each person is called once', { timeout: 60_000 }, async () => {
    const rows = (prefix: string) =>
      [1, 2, 3].map((i) => `${prefix}${i},P${i},${recipientNumber(10 + i)}`);
    const { gw, r1, r2 } = await applyAtOnce(
      'renamed_ids',
      csv(rows('a'), 'id,name,phone'),
      csv(rows('b'), 'id,name,phone'),
    );
    for (const r of [r1, r2]) expect(r.code, output(r)).toBe(0);
    expect(callsPerNumber(gw)).toEqual({
      [recipientNumber(11)]: 1,
      [recipientNumber(12)]: 1,
      [recipientNumber(13)]: 1,
    });
    expect(output(r2)).toMatch(/0 placed, 0 failed, 0 unknown/);
    for (const i of [1, 2, 3]) {
      expect(output(r2)).toContain(
        `skipped sim/reminders/b${i}  not placed: this campaign already dialled ${recipientNumber(10 + i)} as sim/reminders/a${i} (`,
      );
    }
    expect(output(r2)).toMatch(/lists\/reminders\.csv has no row `a1` that dials it now/);
    expect(r2.stdout).toMatch(/0 placed, 0 failed, 0 unknown, 3 skipped in/);
  });
});

describe('rows that share one phone (an id column)', () => {
  it('are each called, on either store', { timeout: 60_000 }, async () => {
    const shared = recipientNumber(21);
    const files = {
      'calls/reminders.yaml': campaignYaml([], TAG),
      'lists/reminders.csv': csv(
        [`s1,Ann,${shared}`, `s2,Ben,${shared}`, `s3,Cat,${recipientNumber(22)}`],
        'id,name,phone',
      ),
    };
    const onPostgres = await db.gateway(files, { schema: 'shared_phone' });
    const onFiles = await startGateway(files);
    try {
      for (const [gw, env] of [
        [onPostgres, db.env],
        [onFiles, {}],
      ] as const) {
        const r = await gw.run(['apply', '--yes'], env);
        expect(r.code, output(r)).toBe(0);
        expect(output(r)).toMatch(/3 placed, 0 failed, 0 unknown/);
        expect(callsPerNumber(gw)).toEqual({ [shared]: 2, [recipientNumber(22)]: 1 });
      }
    } finally {
      await onFiles.close();
    }
  });
});
