import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATE_BACKENDS } from '../support/state-backends.js';
import { gatewaysClosedAfterEach } from './gateways-per-test.js';
import { campaignYaml, recipientNumber as number, output } from './helpers.js';

/**
 * A campaign's rows share one schedules memory (`reportedThrough`). A row that is behind the
 * others (its requests refused, retried at the next apply) keeps its slots as a call of its
 * own would: another row's report never moves the memory past a slot still due.
 */

const startGateway = gatewaysClosedAfterEach();

let postgres: Awaited<ReturnType<typeof STATE_BACKENDS.postgres.start>> | undefined;
beforeAll(async () => {
  postgres = await STATE_BACKENDS.postgres.start();
}, 60_000);
afterAll(async () => {
  await postgres?.stop();
});

/** Draws of the simulator's fault injection (failRate 0.5): answered, or refused 400. */
const OK = 0.99;
const REFUSED = 0;

interface LockJson {
  calls: Record<string, { status: string } | undefined>;
  schedules?: Record<string, { since: string; reportedThrough?: string }>;
}

let schemas = 0;

/**
 * A project on a gateway whose create-call requests are answered by `draws` in turn (then all
 * answered), its state in `store`.
 */
const gateway = async (
  store: 'file' | 'postgres',
  files: Readonly<Record<string, string>>,
  draws: number[],
) => {
  const gw = await startGateway(files, {
    failStatus: 400,
    failRate: 0.5,
    random: () => draws.shift() ?? OK,
  });
  const env = store === 'postgres' ? (postgres?.env ?? {}) : {};
  if (store === 'postgres') {
    schemas += 1;
    const config = await gw.project.read('callops.yaml');
    const state = [...(postgres?.state ?? []), `  schema: campaign_memory_${schemas}`];
    await gw.project.write('callops.yaml', `${config}${state.join('\n')}\n`);
  }
  // One request at a time: the draws go to the rows in the order apply places them.
  const apply = async (now: string) => {
    const r = await gw.run(['apply', '--yes', '--concurrency', '1', '--now', now], env);
    expect(r.code === 0 || r.code === 1, output(r)).toBe(true);
    return r;
  };
  const lock = async () => {
    if (store === 'postgres') {
      const pulled = await gw.run(['state', 'pull'], env);
      expect(pulled.code, output(pulled)).toBe(0);
    }
    return (await gw.project.lock()) as unknown as LockJson;
  };
  return { apply, lock };
};

const lines = (text: string, word: string): string[] =>
  text.split('\n').filter((l) => l.startsWith(`${word} `));

/** Every 10 minutes from 11:40 UTC, each slot due for 30 minutes, every one placed. */
const everyTen = {
  'calls/reminders.yaml': campaignYaml([
    'schedule: { cron: "*/10 * * * *", start: "2026-06-10T11:40:00Z", deadline: 30m, catchup: all, timezone: UTC }',
  ]),
  'lists/reminders.csv': `id,name,phone\nx1,Ann,${number(91)}\nx2,Bob,${number(92)}\n`,
};
const slot = (row: string, at: string) => `sim/reminders/${row}@2026-06-10T${at}:00Z`;

describe.each(['file', 'postgres'] as const)(
  "a campaign with cron: one row's report never hides another row's slots (%s store)",
  (store) => {
    it('catchup all: the slots of a row whose requests were refused stay due while x1 moves on', async () => {
      const draws: number[] = [];
      const { apply, lock } = await gateway(store, everyTen, draws);
      // 12:00:30: three slots due for each row; x1 is placed at each, x2 refused at each.
      draws.push(OK, REFUSED, OK, REFUSED, OK, REFUSED);
      await apply('2026-06-10T12:00:30Z');
      // 12:01:30: x2's three slots are retried, and refused again. x1 placed 12:00 earlier, so
      // its report looks through 11:50, the slot before: the memory must stay before x2's 11:40.
      draws.push(REFUSED, REFUSED, REFUSED);
      const second = await apply('2026-06-10T12:01:30Z');
      expect(lines(second.stdout, 'failed')).toHaveLength(3);
      expect((await lock()).schedules?.['sim/reminders']?.reportedThrough).toBe(
        '2026-06-10T11:39:59Z',
      );

      // 12:02:30: each of x2's slots is still within its deadline: retried, as a call's would be.
      const third = await apply('2026-06-10T12:02:30Z');
      expect(lines(third.stdout, 'placed').map((l) => l.split(/\s+/)[1])).toEqual([
        slot('x2', '11:40'),
        slot('x2', '11:50'),
        slot('x2', '12:00'),
      ]);
      const calls = (await lock()).calls;
      expect(
        ['11:40', '11:50', '12:00'].flatMap((at) => [
          calls[slot('x1', at)]?.status,
          calls[slot('x2', at)]?.status,
        ]),
      ).toEqual(Array(6).fill('placed'));
    });

    it("catchup all: a row's refused slots superseded by its own later call are reported missed, once", async () => {
      const draws: number[] = [];
      const { apply } = await gateway(store, everyTen, draws);
      draws.push(OK, REFUSED, OK, REFUSED, OK, REFUSED);
      await apply('2026-06-10T12:00:30Z');
      draws.push(REFUSED, REFUSED, REFUSED);
      await apply('2026-06-10T12:01:30Z');
      // x2's 11:40 and 11:50 refused a third time, its 12:00 placed.
      draws.push(REFUSED, REFUSED, OK);
      const third = await apply('2026-06-10T12:02:30Z');
      expect(lines(third.stdout, 'failed')).toHaveLength(2);
      expect(lines(third.stdout, 'placed')).toHaveLength(1);

      // 12:03:30: x2's 11:40 and 11:50 are superseded by its 12:00, never placed: reported.
      const fourth = await apply('2026-06-10T12:03:30Z');
      const missed = lines(fourth.stdout, 'missed');
      expect(missed.map((l) => l.split(/\s+/)[1])).toEqual([
        slot('x2', '11:40'),
        slot('x2', '11:50'),
      ]);
      expect(missed[0]).toMatch(/superseded by 2026-06-10T12:00:00Z, already placed/);
      expect(fourth.stdout).toMatch(/^2 missed, never placed late\.$/m);
      // Once.
      const fifth = await apply('2026-06-10T12:04:30Z');
      expect(lines(fifth.stdout, 'missed')).toEqual([]);
    });

    it("catchup latest, rows in two zones: a refused slot is retried within its deadline after the other row's later slots", async () => {
      const draws: number[] = [];
      // 09:00 and 10:00 in each row's zone: x1 at 09:00Z and 10:00Z, x2 (UTC+3) at 06:00Z and 07:00Z.
      const { apply, lock } = await gateway(
        store,
        {
          'calls/reminders.yaml': campaignYaml([
            'schedule: { cron: "0 9,10 * * *", deadline: 4h }',
          ]),
          'lists/reminders.csv': `id,name,phone,timezone\nx1,Ann,${number(93)},UTC\nx2,Bob,${number(94)},Europe/Moscow\n`,
        },
        draws,
      );
      draws.push(REFUSED);
      await apply('2026-06-10T07:00:30Z');
      // 10:00:30: x2's 07:00Z is refused again; x1's 10:00Z is placed, its 09:00Z superseded.
      draws.push(REFUSED, OK);
      const second = await apply('2026-06-10T10:00:30Z');
      expect(lines(second.stdout, 'missed').map((l) => l.split(/\s+/)[1])).toEqual([
        slot('x1', '09:00'),
      ]);
      expect(lines(second.stdout, 'failed').map((l) => l.split(/\s+/)[1])).toEqual([
        slot('x2', '07:00'),
      ]);

      // 10:30:30: x2's 07:00Z is within its deadline (11:00Z): retried.
      const third = await apply('2026-06-10T10:30:30Z');
      expect(lines(third.stdout, 'placed').map((l) => l.split(/\s+/)[1])).toEqual([
        slot('x2', '07:00'),
      ]);
      expect((await lock()).calls[slot('x2', '07:00')]?.status).toBe('placed');
      // No row is behind now: the memory moves on, and nothing is reported again.
      await apply('2026-06-10T10:31:30Z');
      expect((await lock()).schedules?.['sim/reminders']?.reportedThrough).toBe(
        '2026-06-10T09:00:00Z',
      );
      const fifth = await apply('2026-06-10T10:32:30Z');
      expect(lines(fifth.stdout, 'missed')).toEqual([]);
    });
  },
);
