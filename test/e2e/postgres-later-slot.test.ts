import { describe, expect, it } from 'vitest';
import { CLOCK_SHIFT_ENV } from '../../src/cli/failpoint-clock.js';
import { placementRows } from '../support/postgres.js';
import { callsYaml, output, plainText, spawnOnTerminal, waitFor, watch } from './helpers.js';
import { postgresForFile } from './postgres-project.js';

/**
 * Two runners on one schema, one whose clock is right and one whose clock is slow: no slot of
 * a call is placed after a later one, as on one runner. The slow runner reads the state and
 * plans an earlier slot while the other has not placed its later one yet; by the time it
 * claims, the later slot is placed, and its claim finds it: the earlier slot is missed,
 * superseded, never sent.
 */

const db = postgresForFile();

/** The CLI's clock moved to `at` (the test failpoint: its wall clock alone is shifted). */
const clockAt = (at: string) => ({ [CLOCK_SHIFT_ENV]: String(Date.parse(at) - Date.now()) });

const HOURLY = callsYaml([
  { name: 'hourly', extra: ['schedule: { cron: "0 * * * *", deadline: 30m }'] },
]);

describe('a later slot placed by another runner after this one planned', () => {
  it('supersedes the earlier slot at its claim: missed in the plan’s words, not sent', {
    timeout: 90_000,
  }, async () => {
    const schema = 'later_slot';
    const gw = await db.gateway({ 'calls/hourly.yaml': HOURLY }, { schema });

    // The slow runner (08:10) has planned 08:00, and waits at its question.
    const slow = spawnOnTerminal(['apply'], {
      cwd: gw.project.dir,
      env: { ...gw.env, ...db.env, ...clockAt('2026-12-05T08:10:00Z') },
    });
    const { done, soFar } = watch(slow, 60_000);
    await waitFor('the question', () =>
      /Type yes to go on: $/.test(plainText(soFar())) ? true : undefined,
    );
    expect(plainText(soFar())).toContain('sim/hourly@2026-12-05T08:00:00Z');

    // Meanwhile the runner whose clock is right places 09:00.
    const right = await gw.run(['apply', '--yes'], {
      ...db.env,
      ...clockAt('2026-12-05T09:05:00Z'),
    });
    expect(right.code, output(right)).toBe(0);
    expect(gw.placed()).toHaveLength(1);

    slow.stdin?.write('yes\r');
    const r = await done;
    const text = plainText(r.stdout);
    // Nothing more reached the gateway: the person is not called for 08:00 after 09:00.
    expect(gw.placed()).toHaveLength(1);
    // On its terminal, the call's line says so.
    expect(text).toMatch(
      /^↓ sim\/hourly@2026-12-05T08:00:00Z → \+\d+: missed superseded by 2026-12-05T09:00:00Z, already placed: an earlier slot is never placed after a later one$/m,
    );
    expect(text).toMatch(/^Done: 0 placed, 0 failed, 0 unknown, 1 missed /m);
    expect(r.code, text).toBe(0);
    expect(await placementRows(db.url, schema)).toEqual([
      { key: 'sim/hourly@2026-12-05T09:00:00Z', status: 'placed', sid: gw.placed()[0]?.sid },
    ]);
  });

  it('a rehearsal goes by its own instant at its claim too, as on one runner', {
    timeout: 60_000,
  }, async () => {
    const gw = await db.gateway({ 'calls/hourly.yaml': HOURLY }, { schema: 'later_rehearsal' });
    const right = await gw.run(['apply', '--yes'], {
      ...db.env,
      ...clockAt('2026-12-05T09:05:00Z'),
    });
    expect(right.code, output(right)).toBe(0);
    // 09:00, placed at its time, is later than the rehearsal's instant: it supersedes nothing there.
    const rehearsal = await gw.run(['apply', '--yes', '--now', '2026-12-05T08:10:00Z'], db.env);
    expect(rehearsal.code, output(rehearsal)).toBe(0);
    expect(rehearsal.stdout).toContain('placed  sim/hourly@2026-12-05T08:00:00Z');
    expect(gw.placed()).toHaveLength(2);
  });
});
