import { afterEach, describe, expect, it } from 'vitest';
import {
  APP_SID,
  callsPerNumber,
  campaignYaml,
  type Gateway,
  output,
  recipientNumber,
  startGateway,
} from './helpers.js';

/**
 * A campaign that redials by outcome, its schedule changed between its calls (`redial` needs a
 * schedule without cron/at, so the row moves between a campaign with `at` and one that
 * redials): a row's calls are counted across its keys. Its first attempt, a redial, and a
 * refused attempt tried again are each held when the row placed its number under another key
 * of its own, and a redial the row's own attempts allow is placed once at its time. The real
 * CLI, the built-in simulator over loopback (every call ends no-answer), calls counted per
 * number at the simulator.
 */

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

/** The simulator knows this application only: a request with APP_SID is refused (400). */
const OTHER = '0b0a8c62-6a43-4a0e-9d4b-1c2f3e4d5a6b';
const REDIAL = 'redial: { on: [no-answer], after: 0s, max_attempts: 3 }';
const ANN = recipientNumber(61);
/**
 * An instant of 5 January of the coming year: a redial's wait counts from the real time its
 * attempt was placed, so every `--now` comes after it.
 */
const on = (time: string): string => `${new Date().getUTCFullYear() + 1}-01-05T${time}Z`;
const AT = on('17:00:00');

/** The campaign's call file, its requests with application `app`, and `extra` lines. */
const reminders = (extra: readonly string[], app = OTHER): string =>
  campaignYaml(extra).replace(APP_SID, app);

const noAnswer = { answered: 0, busy: 0, 'no-answer': 1, failed: 0 };

const start = (yaml: string) =>
  startGateway(
    { 'calls/rem.yaml': yaml, 'lists/reminders.csv': `id,name,phone\nr1,Ann,${ANN}\n` },
    { outcomes: noAnswer, ringMs: 0, talkMs: 0, applicationSids: [OTHER] },
  );

/**
 * `apply --yes`, waiting for the outcome of what it placed, then `status --refresh` at `now`:
 * the outcome is recorded, a redial may fall due.
 */
const applyAndRefresh = async (g: Gateway, now: string) => {
  const applied = await g.run(['apply', '--yes', '--wait', '5s', '--now', now]);
  expect(applied.code, output(applied)).toBe(0);
  const refreshed = await g.run(['status', '--refresh', '--now', now]);
  expect(refreshed.code, output(refreshed)).toBe(0);
  return applied;
};

interface PlanJson {
  due: { key: string }[];
  skipped: { key: string; reason?: string }[];
  upcoming: { key: string }[];
}

const planJson = async (g: Gateway, now: string): Promise<PlanJson> => {
  const r = await g.run(['plan', '--format', 'json', '--now', now]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as PlanJson;
};

/**
 * The words of a row held so: nothing calls it again at its number (`--replace` refuses a
 * redial's rows, and a new id is held too).
 */
const heldUnder = (key: string): RegExp =>
  new RegExp(
    `^already placed as ${key.replace(/[@.]/g, '\\$&')} \\(placed \\S+ at \\S+\\): its schedule changed since, and a row's calls are counted across its keys; it is not called again at this number: \`--replace\` does not take a row that redials, and under a new id the row would be held too, as a new key does not call a person again$`,
  );

describe('a campaign that redials, its row called under another key of its own', () => {
  it('a refused first attempt is not tried again once the row was called with `at`', {
    timeout: 60_000,
  }, async () => {
    // Attempt 1 refused: it reached no one, and the row is called at `at` meanwhile.
    gw = await start(reminders([REDIAL], APP_SID));
    const refused = await gw.run(['apply', '--yes', '--now', on('16:30:10')]);
    expect(refused.code).not.toBe(0);
    expect((await gw.project.lock())?.calls['sim/reminders/r1']?.status).toBe('failed');
    await gw.project.write('calls/rem.yaml', reminders([`schedule: { at: "${AT}" }`]));
    await applyAndRefresh(gw, on('17:00:10'));
    expect(callsPerNumber(gw)).toEqual({ [ANN]: 1 });

    // Back to redialling: the refused attempt is not tried again, nor is the row redialled.
    await gw.project.write('calls/rem.yaml', reminders([REDIAL]));
    for (const now of [on('21:00:00'), on('21:10:00'), on('21:20:00')])
      await applyAndRefresh(gw, now);
    expect(callsPerNumber(gw)).toEqual({ [ANN]: 1 });
    const plan = await planJson(gw, on('21:30:00'));
    expect(plan.due).toEqual([]);
    expect(plan.skipped.find((i) => i.key === 'sim/reminders/r1')?.reason).toMatch(
      heldUnder(`sim/reminders/r1@${AT}`),
    );
    // As the words say: under a new id the row is held too, never called again.
    await gw.project.write('lists/reminders.csv', `id,name,phone\nr1-new,Ann,${ANN}\n`);
    const renamed = await planJson(gw, on('21:40:00'));
    expect(renamed.due).toEqual([]);
    expect(renamed.skipped.find((i) => i.key === 'sim/reminders/r1-new')?.reason).toMatch(
      /a new key does not call a person again$/,
    );
    await applyAndRefresh(gw, on('21:40:00'));
    expect(callsPerNumber(gw)).toEqual({ [ANN]: 1 });
  });

  it('a redial is not placed after the row was called again under `at` (--replace)', {
    timeout: 60_000,
  }, async () => {
    gw = await start(reminders([REDIAL]));
    await applyAndRefresh(gw, on('16:30:10'));
    expect(callsPerNumber(gw)).toEqual({ [ANN]: 1 });
    // Given an `at`: held by attempt 1, then called again deliberately.
    await gw.project.write('calls/rem.yaml', reminders([`schedule: { at: "${AT}" }`]));
    const replaced = await gw.run([
      'apply',
      '--yes',
      '--replace',
      'reminders/r1',
      '--now',
      on('17:00:10'),
    ]);
    expect(replaced.code, output(replaced)).toBe(0);
    expect(callsPerNumber(gw)).toEqual({ [ANN]: 2 });

    // Back to redialling: attempt 1 ended no-answer, but the row was called since.
    await gw.project.write('calls/rem.yaml', reminders([REDIAL]));
    for (const now of [on('21:00:00'), on('21:10:00')]) await applyAndRefresh(gw, now);
    expect(callsPerNumber(gw)).toEqual({ [ANN]: 2 });
    const plan = await planJson(gw, on('21:20:00'));
    expect(plan.due).toEqual([]);
    expect(plan.skipped.find((i) => i.key === 'sim/reminders/r1#2')?.reason).toMatch(
      heldUnder(`sim/reminders/r1@${AT}`),
    );
  });

  it('attempt 2 placed, then an `at`: held by attempt 2; back to redialling, attempt 3 once', {
    timeout: 60_000,
  }, async () => {
    gw = await start(reminders([REDIAL]));
    await applyAndRefresh(gw, on('16:30:10'));
    await applyAndRefresh(gw, on('19:00:00'));
    const lock = await gw.project.lock();
    expect(lock?.calls['sim/reminders/r1#2']?.outcome?.status).toBe('no-answer');
    expect(callsPerNumber(gw)).toEqual({ [ANN]: 2 });

    // The `at` key does not start the row again at attempt 1: its latest call holds it.
    await gw.project.write('calls/rem.yaml', reminders([`schedule: { at: "${AT}" }`]));
    const plan = await planJson(gw, on('17:00:10'));
    expect(plan.due).toEqual([]);
    expect(plan.skipped.find((i) => i.key === `sim/reminders/r1@${AT}`)?.reason).toMatch(
      new RegExp(
        `^already placed as sim/reminders/r1#2 \\(placed ${lock?.calls['sim/reminders/r1#2']?.sid} `,
      ),
    );
    await applyAndRefresh(gw, on('17:00:10'));
    expect(callsPerNumber(gw)).toEqual({ [ANN]: 2 });

    // Its own attempts go on: attempt 3 at its time, once, and max_attempts ends the row.
    await gw.project.write('calls/rem.yaml', reminders([REDIAL]));
    const back = await planJson(gw, on('21:00:00'));
    expect(back.due.map((i) => i.key)).toEqual(['sim/reminders/r1#3']);
    for (const now of [on('21:00:00'), on('21:10:00'), on('21:20:00')])
      await applyAndRefresh(gw, now);
    expect(callsPerNumber(gw)).toEqual({ [ANN]: 3 });
  });
});
