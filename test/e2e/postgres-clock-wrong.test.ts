import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { CLOCK_SHIFT_ENV } from '../../src/cli/failpoint-clock.js';
import { placementRows } from '../support/postgres.js';
import { callsPerNumber, callsYaml, output, startRun } from './helpers.js';
import { postgresForFile } from './postgres-project.js';

/**
 * A runner whose clock is more than a minute from the state database's places no call:
 * schedules, windows and deadlines go by its clock, and a call at the wrong hour is what must
 * never happen. `apply` refuses (75) before it sends anything; `run` holds its batches, says so
 * once, and places again by itself once its clock is right.
 */

const db = postgresForFile();

const SLOW_MS = -61 * 60_000;
const slow = { [CLOCK_SHIFT_ENV]: String(SLOW_MS) };

/** `HH:MM` (UTC) of an instant. */
const hhmm = (ms: number): string => new Date(ms).toISOString().slice(11, 16);

/**
 * A call due every minute whose window is open on a clock 61 minutes slow, and closed on the
 * real one: opened 10 minutes before the slow clock, closed 20 minutes after it.
 */
const windowCall = () => {
  const runner = Date.now() + SLOW_MS;
  const window = `${hhmm(runner - 10 * 60_000)}-${hhmm(runner + 20 * 60_000)}`;
  return callsYaml([
    {
      name: 'hours',
      extra: [`schedule: { cron: "* * * * *", window: "${window}", timezone: UTC, deadline: 5m }`],
    },
  ]);
};

describe('a runner whose clock is more than a minute from the state database', () => {
  it('apply places no call at the wrong hour: it refuses (75) before sending anything, and says how to fix it', {
    timeout: 30_000,
  }, async () => {
    const schema = 'clock_wrong_apply';
    const gw = await db.gateway({ 'calls/a.yaml': windowCall() }, { schema });
    const result = await gw.run(['apply', '--yes'], { ...db.env, ...slow });
    expect(result.code, output(result)).toBe(75);
    expect(gw.placed()).toHaveLength(0);
    expect(await placementRows(db.url, schema)).toEqual([]);
    expect(result.stderr).toMatch(
      /this runner's clock is 61 min behind the state database's, more than 60 s: schedules, windows and deadlines go by this runner's clock, so its calls would be placed late; nothing was sent\. Set its clock right \(NTP\), then apply again/,
    );
    // Said once, as the refusal: not as a warning beside it too.
    expect(result.stderr.match(/61 min behind/g)).toHaveLength(1);
    // `plan` only looks: it warns, and says that no call is placed from this runner.
    const plan = await gw.run(['plan'], { ...db.env, ...slow });
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stderr).toMatch(
      /^warning: this runner's clock is 61 min behind the state database's, more than 60 s: .*`apply` and `run` place no call from it until it is right.*set its clock right \(NTP\)$/m,
    );
    // On a clock that is right, the window is closed: nothing is due.
    const right = await gw.run(['apply', '--yes'], db.env);
    expect(right.code, output(right)).toBe(0);
    expect(gw.placed()).toHaveLength(0);
  });

  it('a rehearsal goes by its own instant, not the clock: it is not held', {
    timeout: 30_000,
  }, async () => {
    const gw = await db.gateway(
      { 'calls/a.yaml': callsYaml([{ name: 'once' }]) },
      { schema: 'clock_wrong_rehearsal' },
    );
    const now = new Date().toISOString();
    const result = await gw.run(['apply', '--yes', '--now', now], { ...db.env, ...slow });
    expect(result.code, output(result)).toBe(0);
    expect(gw.placed()).toHaveLength(1);
    expect(result.stderr).toMatch(/^warning: this runner's clock is 61 min behind/m);
  });

  it('run holds every batch while it lasts, says so once, and places again once the clock is right', {
    timeout: 60_000,
  }, async () => {
    const gw = await db.gateway(
      {
        'calls/a.yaml': callsYaml([
          { name: 'once' },
          { name: 'tick', extra: ['schedule: { cron: "*/2 * * * * *", deadline: 30s }'] },
        ]),
      },
      { schema: 'clock_wrong_run' },
    );
    // The clock is set right (as NTP steps it) once this file exists.
    const right = join(gw.project.dir, 'clock-right');
    const run = startRun(gw, [], {
      env: { ...db.env, [CLOCK_SHIFT_ENV]: `${SLOW_MS},until=${right}` },
    });
    try {
      const held =
        /this runner's clock is 61 min behind the state database's, more than 60 s: schedules, windows and deadlines go by this runner's clock, so its calls would be placed late; run goes on but places no call until it is right \(measured again every 5 s\): set its clock right \(NTP\)/g;
      await run.until('the batches held', () => (held.test(run.soFar()) ? true : undefined));
      // Measured again twice at least meanwhile: still said once, and nothing placed.
      await delay(11_000);
      expect(run.child.exitCode, run.soFar()).toBeNull();
      expect(run.soFar().match(held), run.soFar()).toHaveLength(1);
      expect(gw.placed()).toHaveLength(0);
      await writeFile(right, '');
      await run.until('placing resumed', () =>
        /this runner's clock agrees with the state database's again \(held for \d+ s\): placing resumes/.test(
          run.soFar(),
        )
          ? true
          : undefined,
      );
      // The unscheduled call, and the slot of the scheduled one due now.
      await run.until('the calls placed', () => {
        const calls = callsPerNumber(gw);
        return calls['+15550002000'] === 1 && (calls['+15550002001'] ?? 0) > 0 ? true : undefined;
      });
    } finally {
      run.child.kill('SIGTERM');
    }
    const result = await run.done;
    expect(result.code, output(result)).toBe(0);
    expect(output(result)).not.toMatch(/warning: this runner's clock/);
  });

  it('a slot due while run held from its start is placed or reported missed once the clock is right, never lost', {
    timeout: 90_000,
  }, async () => {
    const gw = await db.gateway(
      {
        'calls/a.yaml': callsYaml([
          { name: 'tick', extra: ['schedule: { cron: "*/5 * * * * *", deadline: 8s }'] },
        ]),
      },
      { schema: 'clock_wrong_first_sight' },
    );
    const right = join(gw.project.dir, 'clock-right');
    const started = Date.now();
    const run = startRun(gw, [], {
      env: { ...db.env, [CLOCK_SHIFT_ENV]: `${-2 * 60_000},until=${right}` },
    });
    try {
      await run.until('the batches held', () =>
        /places no call until it is right/.test(run.soFar()) ? true : undefined,
      );
      // Held past the deadline of the slots due as run started: run saw the call then.
      await delay(Math.max(0, started + 20_000 - Date.now()));
      expect(gw.placed()).toHaveLength(0);
      await writeFile(right, '');
      await run.until('a batch placed', () => (/^Done: /m.test(run.soFar()) ? true : undefined));
    } finally {
      run.child.kill('SIGTERM');
    }
    const result = await run.done;
    expect(result.code, output(result)).toBe(0);
    // The slots due after run had looked at the files (a few seconds after it was started)
    // whose deadline passed while it held: run had seen the call, and each is reported.
    const slot = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const first = Math.ceil((started + 3_000) / 5_000) * 5_000;
    const lost = [first, first + 5_000].map((ms) => `sim/tick@${slot(ms)}`);
    const missed = output(result)
      .split('\n')
      .filter((l) => /^missed +sim\/tick@/.test(l))
      .map((l) => l.split(/ +/)[1]);
    expect(missed, output(result)).toEqual(expect.arrayContaining(lost));
    // plan lists them missed too: reported, not dropped unseen.
    const plan = await gw.run(['plan', '--format', 'json'], db.env);
    const json = JSON.parse(plan.stdout) as { missed?: { key: string }[] };
    const planned = (json.missed ?? []).map((m) => m.key);
    expect(planned, plan.stdout).toEqual(expect.arrayContaining(lost));
  });
});
