import { describe, expect, it } from 'vitest';
import { numberDigest } from '../../src/screen/number.js';
import { callsYaml, output } from './helpers.js';
import { IDLE, type LetGoLock as Lock, letGoProject, rowsPlacedAgo } from './let-go-rows.js';

/** The numbers of a campaign's three rows, dialled one after the other. */
const NUMBERS = ['+15552300301', '+15552300302', '+15552300303'];

describe('state pull (file store) under state.keep', () => {
  it('writes back the calls .callops/ remembers of entries let go, not only the entries it holds', {
    timeout: 60_000,
  }, async () => {
    // Three rows of one campaign placed 4 h, 3 h and 5 min ago: under `per_number: 1/1h` and
    // `keep: 1h` the first two are let go, their calls kept in the memory (`rang`).
    const rows = rowsPlacedAgo(NUMBERS, [240, 180, 5], '1');
    const keys = rows.map((r) => r.key);
    const lockOf = (upTo: number) =>
      `${JSON.stringify(
        {
          calls: Object.fromEntries(rows.slice(0, upTo).map((r) => [r.key, r.entry])),
          lockfileVersion: 1,
        },
        null,
        2,
      )}\n`;
    const { gw, configure } = await letGoProject();
    try {
      await configure('1/1h');
      await gw.project.write('callops.lock', lockOf(3));
      const first = await gw.run(['apply', '--yes']);
      expect(first.code, output(first)).toBe(0);
      const pruned = JSON.parse(await gw.project.read('callops.lock')) as Lock;
      expect(Object.keys(pruned.calls)).toEqual([keys[2]]);
      const memory = pruned.schedules?.['sim/camp'];
      expect(Object.keys(memory?.rang?.numbers ?? {}).sort()).toEqual(
        [numberDigest(NUMBERS[0] as string), numberDigest(NUMBERS[1] as string)].sort(),
      );

      // callops.lock put back as it was committed after the first row's call (git checkout):
      // it holds that entry alone. `state pull` writes back what .callops/ recorded.
      await gw.project.write('callops.lock', lockOf(1));
      const pull = await gw.run(['state', 'pull']);
      expect(pull.code, output(pull)).toBe(0);
      expect(pull.stdout).toContain(`wrote 1 entry recorded in .callops/ back into callops.lock:`);
      expect(pull.stdout).toContain(
        'wrote the schedule memory recorded in .callops/ back into callops.lock (the slots let go or reported, and the calls of entries state.keep let go, which per-number limits count): sim/camp\n',
      );
      const pulled = JSON.parse(await gw.project.read('callops.lock')) as Lock;
      expect(Object.keys(pulled.calls).sort()).toEqual([keys[0], keys[2]].sort());
      expect(pulled.schedules?.['sim/camp']).toEqual(memory);

      // The window widened over those calls: the middle row's number is not called again.
      await configure('1/24h');
      await gw.project.write(
        'calls/a.yaml',
        callsYaml([IDLE, { name: 'again', to: `{ type: phone, number: "${NUMBERS[1]}" }` }]),
      );
      const r = await gw.run(['apply', '--yes', '--format', 'json']);
      expect(r.code, output(r)).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ placed: 0, waiting: 1 });
      expect(gw.placed()).toHaveLength(0);
    } finally {
      await gw.close();
    }
  });
});
