import { describe, expect, it } from 'vitest';
import { CLOCK_SHIFT_ENV } from '../../src/cli/failpoint-clock.js';
import { placementRows } from '../support/postgres.js';
import { callsYaml, output, plainText, spawnOnTerminal, waitFor, watch } from './helpers.js';
import { postgresForFile } from './postgres-project.js';

/**
 * Two runners on one schema, one whose clock is right and one 50 s slow: no slot of
 * a call is placed after a later one, as on one runner. The slow runner reads the state and
 * plans an earlier slot while the other has not placed its later one yet; by the time it
 * claims, the later slot is placed, and its claim finds it: the earlier slot is missed,
 * superseded, never sent.
 */

const db = postgresForFile();

/** The CLI's wall clock moved by `ms` (the test failpoint). */
const clockShifted = (ms: number) => ({ [CLOCK_SHIFT_ENV]: String(ms) });

/**
 * A runner 50 s slow: beyond the 5 s the clock check lets pass unsaid, within the 60 s beyond
 * which a runner places nothing. It plans the minute before the one the right clock is in
 * when the right clock reads less than 50 s into its minute.
 */
const SLOW_MS = -50_000;

/** Waits until the real clock is 10 to 30 s into a minute: time for both runners' plans. */
const earlyInMinute = async (): Promise<void> => {
  for (;;) {
    const s = new Date().getUTCSeconds();
    if (s >= 10 && s <= 30) return;
    await new Promise((r) => setTimeout(r, 500));
  }
};

/** The CLI's clock moved to `at`. */
const clockAt = (at: string) => clockShifted(Date.parse(at) - Date.now());

const HOURLY = callsYaml([
  { name: 'hourly', extra: ['schedule: { cron: "0 * * * *", deadline: 30m }'] },
]);

const slotOf = (ms: number): string =>
  `${new Date(ms - (ms % 60_000)).toISOString().slice(0, 19)}Z`;

const EVERY_MINUTE = callsYaml([
  { name: 'minutely', extra: ['schedule: { cron: "* * * * *", deadline: 10m }'] },
]);

describe('a later slot placed by another runner after this one planned', () => {
  it('supersedes the earlier slot at its claim: missed in the plan’s words, not sent', {
    timeout: 120_000,
  }, async () => {
    const schema = 'later_slot';
    const gw = await db.gateway({ 'calls/minutely.yaml': EVERY_MINUTE }, { schema });
    await earlyInMinute();
    const earlier = slotOf(Date.now() + SLOW_MS);

    // The slow runner has planned the minute before, and waits at its question.
    const slow = spawnOnTerminal(['apply'], {
      cwd: gw.project.dir,
      env: { ...gw.env, ...db.env, ...clockShifted(SLOW_MS) },
    });
    const { done, soFar } = watch(slow, 90_000);
    await waitFor('the question', () =>
      /Type yes to go on: $/.test(plainText(soFar())) ? true : undefined,
    );
    expect(plainText(soFar())).toContain(`sim/minutely@${earlier}`);

    // Meanwhile the runner whose clock is right places its own minute, a later slot.
    const right = await gw.run(['apply', '--yes'], db.env);
    expect(right.code, output(right)).toBe(0);
    expect(gw.placed()).toHaveLength(1);
    const rows = await placementRows(db.url, schema);
    expect(rows).toHaveLength(1);
    const later = rows[0]?.key.slice('sim/minutely@'.length) ?? '';
    expect(later > earlier, `${later} after ${earlier}`).toBe(true);

    slow.stdin?.write('yes\r');
    const r = await done;
    const text = plainText(r.stdout);
    // Nothing more reached the gateway: the person is not called for the earlier minute after
    // the later one.
    expect(gw.placed()).toHaveLength(1);
    // On its terminal, the call's line says so.
    expect(text).toContain(`↓ sim/minutely@${earlier} → `);
    expect(text).toContain(
      `: missed superseded by ${later}, already placed: an earlier slot is never placed after a later one`,
    );
    // (The minutes before it, past their deadline or caught up, are missed with it.)
    expect(text).toMatch(/^Done: 0 placed, 0 failed, 0 unknown, \d+ missed /m);
    expect(r.code, text).toBe(0);
    expect(await placementRows(db.url, schema)).toEqual([
      { key: `sim/minutely@${later}`, status: 'placed', sid: gw.placed()[0]?.sid },
    ]);
  });

  it('a rehearsal goes by its own instant at its claim too, as on one runner', {
    timeout: 60_000,
  }, async () => {
    // The later slot is placed at its time on the file store (no database clock to be 60 s
    // within) and pushed: a runner whose clock is a day ahead could not place it on the
    // database. callops first saw the call at 07:40.
    const gw = await db.gateway({ 'calls/hourly.yaml': HOURLY }, { schema: 'later_rehearsal' });
    const withDatabase = await gw.project.read('callops.yaml');
    await gw.project.write('callops.yaml', withDatabase.slice(0, withDatabase.indexOf('state:')));
    for (const at of ['2026-12-05T07:40:00Z', '2026-12-05T09:05:00Z']) {
      const r = await gw.run(['apply', '--yes'], clockAt(at));
      expect(r.code, output(r)).toBe(0);
    }
    expect(gw.placed()).toHaveLength(1);
    // What the 09:05 apply reported missed (08:00, superseded) is forgotten, as by a runner
    // that had not seen the call at 08:00: the rehearsal's claim alone is then what is tested.
    const lock = JSON.parse(await gw.project.read('callops.lock')) as {
      schedules: Record<string, { reportedThrough?: string }>;
    };
    for (const memory of Object.values(lock.schedules)) delete memory.reportedThrough;
    await gw.project.write('callops.lock', `${JSON.stringify(lock, null, 2)}\n`);
    await gw.project.write('callops.yaml', withDatabase);
    const push = await gw.run(['state', 'push'], db.env);
    expect(push.code, output(push)).toBe(0);
    // 09:00, placed at its time, is later than the rehearsal's instant: it supersedes nothing there.
    const rehearsal = await gw.run(['apply', '--yes', '--now', '2026-12-05T08:10:00Z'], db.env);
    expect(rehearsal.code, output(rehearsal)).toBe(0);
    expect(rehearsal.stdout).toContain('placed  sim/hourly@2026-12-05T08:00:00Z');
    expect(gw.placed()).toHaveLength(2);
  });
});
