import { describe, expect, it } from 'vitest';
import { numberDigest } from '../../src/screen/number.js';
import { callsYaml, output } from './helpers.js';
import { IDLE, type LetGoLock as Lock, letGoProject, rowsPlacedAgo } from './let-go-rows.js';

/** The numbers of a campaign's two rows, dialled one after the other. */
const NUMBERS = ['+15552300401', '+15552300402'];

describe('a lockfile put back that lost only schedule memory (file store)', () => {
  it('is refused as one that lost entries: nothing is sent; state pull writes the memory back', {
    timeout: 60_000,
  }, async () => {
    // Two rows of one campaign placed 4 h and 3 h ago: under `keep: 1h` each is let go by the
    // apply that first sees it, its call kept in the memory (`rang`) alone.
    const rows = rowsPlacedAgo(NUMBERS, [240, 180], '2');
    const { gw, configure } = await letGoProject();
    try {
      await configure('1/1h');
      const withEntry = (lock: Lock, row: (typeof rows)[number]) =>
        `${JSON.stringify({ ...lock, calls: { ...lock.calls, [row.key]: row.entry } }, null, 2)}\n`;

      // The first row's call, let go: callops.lock keeps its memory alone (committed so).
      await gw.project.write(
        'callops.lock',
        withEntry({ lockfileVersion: 1, calls: {} }, rows[0] as (typeof rows)[0]),
      );
      const first = await gw.run(['apply', '--yes']);
      expect(first.code, output(first)).toBe(0);
      const older = await gw.project.read('callops.lock');
      const olderLock = JSON.parse(older) as Lock;
      expect(olderLock.calls).toEqual({});

      // The second row's call, let go too: the memory now holds both numbers.
      await gw.project.write('callops.lock', withEntry(olderLock, rows[1] as (typeof rows)[1]));
      const second = await gw.run(['apply', '--yes']);
      expect(second.code, output(second)).toBe(0);
      const newer = JSON.parse(await gw.project.read('callops.lock')) as Lock;
      expect(newer.calls).toEqual({});
      const memory = newer.schedules?.['sim/camp'];
      expect(Object.keys(memory?.rang?.numbers ?? {}).sort()).toEqual(
        NUMBERS.map((n) => numberDigest(n)).sort(),
      );

      // callops.lock put back as it was committed after the first call (git checkout): its
      // entries are those .callops/ recorded (none), its memory lacks the second call.
      await gw.project.write('callops.lock', older);
      // The window widened over both calls, and a call to the second row's number.
      await configure('1/24h');
      await gw.project.write(
        'calls/a.yaml',
        callsYaml([IDLE, { name: 'again', to: `{ type: phone, number: "${NUMBERS[1]}" }` }]),
      );
      const refused = await gw.run(['apply', '--yes']);
      expect(refused.code, output(refused)).toBe(1);
      expect(refused.stderr).toContain(
        'callops.lock has moved backwards: the schedule memory recorded in .callops/ of 1 call is missing from callops.lock or older there (sim/camp)',
      );
      expect(refused.stderr).toContain('so nothing was sent');
      expect(refused.stderr).toContain('callops state pull');
      expect(gw.placed()).toHaveLength(0);
      expect(await gw.project.read('callops.lock')).toBe(older);

      // plan only reads: it says what an apply would do.
      const plan = await gw.run(['plan']);
      expect(plan.code, output(plan)).toBe(1);
      expect(plan.stderr).toContain('sim/camp');
      expect(plan.stderr).not.toContain('nothing was sent');

      // state pull writes the memory back: the second row's number is held, not called.
      const pull = await gw.run(['state', 'pull']);
      expect(pull.code, output(pull)).toBe(0);
      expect(pull.stdout).toContain('wrote the schedule memory recorded in .callops/');
      const pulled = JSON.parse(await gw.project.read('callops.lock')) as Lock;
      expect(pulled.schedules?.['sim/camp']).toEqual(memory);
      const r = await gw.run(['apply', '--yes', '--format', 'json']);
      expect(r.code, output(r)).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ placed: 0, waiting: 1 });
      expect(gw.placed()).toHaveLength(0);
    } finally {
      await gw.close();
    }
  });
});
