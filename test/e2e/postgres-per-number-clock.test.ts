import { describe, expect, it } from 'vitest';
import { CLOCK_SHIFT_ENV } from '../../src/cli/failpoint-clock.js';
import { callsYaml, output } from './helpers.js';
import { postgresForFile } from './postgres-project.js';

const db = postgresForFile();

const NUMBER = '+15550004301';
const LIMIT = ['limits: { per_number: 1/1h }'];

describe('per-number limits on the postgres store, runners whose clocks disagree', () => {
  it("judges the window on the database's clock: a runner 50 s slow lets no second call through", {
    timeout: 30_000,
  }, async () => {
    const schema = 'per_number_clock';
    // A window shorter than the runner is slow: judged on its clock, its call would look older.
    const limit = ['limits: { per_number: 1/30s }'];
    const slow = await db.gateway(
      { 'calls/a.yaml': callsYaml([{ name: 'a', to: `{ type: phone, number: "${NUMBER}" }` }]) },
      { schema, extra: limit },
    );
    const right = await db.gateway(
      { 'calls/b.yaml': callsYaml([{ name: 'b', to: `{ type: phone, number: "${NUMBER}" }` }]) },
      { schema, extra: limit },
    );
    // Its clock 50 s behind (within the minute a runner may place calls by): its call's `at`
    // is more than the window before the other's.
    const first = await slow.run(['apply', '--yes'], {
      ...db.env,
      [CLOCK_SHIFT_ENV]: String(-50_000),
    });
    expect(first.code, output(first)).toBe(0);
    expect(slow.placed()).toHaveLength(1);
    expect(first.stderr).toMatch(
      /^warning: this runner's clock is 50 s behind the state database's: per-number limits are judged on the database's clock, but schedules, windows and deadlines on this runner's \(its calls would be placed late\)/m,
    );
    // A moment later, on a clock that is right: the number was called within the window.
    const second = await right.run(['apply', '--yes'], db.env);
    expect(second.code, output(second)).toBe(0);
    expect(right.placed()).toHaveLength(0);
    expect(output(second)).toMatch(/^waiting sim\/b {2}per-number limit 1\/30s reached/m);
    expect(output(second)).toMatch(/0 placed, 0 failed, 0 unknown, 1 waiting/);
    // A runner whose clock is right is told nothing of clocks.
    expect(second.stderr).not.toMatch(/clock/);
  });

  it('a rehearsal at another instant is no clock that is wrong: the window stays where the calls rang', {
    timeout: 30_000,
  }, async () => {
    const number = '+15550004302';
    const schema = 'per_number_clock_rehearsal';
    const gw = await db.gateway(
      {
        'calls/a.yaml': callsYaml([
          { name: 'a', to: `{ type: phone, number: "${number}" }` },
          { name: 'b', to: `{ type: phone, number: "${number}" }` },
        ]),
      },
      { schema, extra: LIMIT },
    );
    const first = await gw.run(['apply', '--yes', '--only', 'a'], db.env);
    expect(first.code, output(first)).toBe(0);
    // Three hours ahead, a rehearsal does not free a number called a moment ago, and says
    // nothing of the runner's clock, which is right.
    const ahead = new Date(Date.now() + 3 * 3_600_000).toISOString();
    const rehearsal = await gw.run(['apply', '--yes', '--only', 'b', '--now', ahead], db.env);
    expect(rehearsal.code, output(rehearsal)).toBe(0);
    expect(output(rehearsal)).toMatch(/^waiting sim\/b {2}per-number limit 1\/1h reached/m);
    expect(rehearsal.stderr).not.toMatch(/clock/);
    expect(gw.placed()).toHaveLength(1);
  });
});
