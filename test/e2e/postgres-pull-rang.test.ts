// biome-ignore-all lint/suspicious/noTemplateCurlyInString: callops.yaml holds literal ${VAR} references
import { describe, expect, it } from 'vitest';
import { numberDigest } from '../../src/screen/number.js';
import { callsYaml, output, startGateway } from './helpers.js';
import { IDLE, type LetGoLock as Lock, rowsPlacedAgo } from './let-go-rows.js';
import { postgresForFile } from './postgres-project.js';

const db = postgresForFile();

/** The numbers of a campaign's three rows, dialled one slot after the other. */
const NUMBERS = ['+15552300201', '+15552300202', '+15552300203'];

describe('state pull (postgres) under state.keep', () => {
  it('writes every row, so that each row of a campaign the file store lets go then holds its number', {
    timeout: 60_000,
  }, async () => {
    // Three rows of one campaign, placed 4, 3 and 2 hours ago, pushed to the database: under
    // `keep: 1h` a plan's view leaves them out, but `state pull` reads no call file and writes
    // them all, and the file store remembers each one's call as it lets them go.
    const rows = rowsPlacedAgo(NUMBERS, [240, 180, 120], '1');
    const calls = Object.fromEntries(rows.map((r) => [r.key, r.entry]));
    const times = rows.map((r) => r.entry.at);
    const middle = NUMBERS[1] as string;
    const gw = await startGateway({ 'calls/a.yaml': callsYaml([IDLE]) });
    try {
      const config = await gw.project.read('callops.yaml');
      await gw.project.write(
        'callops.lock',
        `${JSON.stringify({ calls, lockfileVersion: 1 }, null, 2)}\n`,
      );
      const configure = async (backend: 'file' | 'postgres', window: string) => {
        const state =
          backend === 'file'
            ? ['state:', '  keep: 1h']
            : [
                'state:',
                '  backend: postgres',
                '  url: ${CALLOPS_DATABASE_URL}',
                '  schema: pull_rang',
                '  keep: 1h',
              ];
        await gw.project.write(
          'callops.yaml',
          `${config}limits: { per_number: ${window} }\n${state.join('\n')}\n`,
        );
      };
      await configure('postgres', '1/1h');
      const push = await gw.run(['state', 'push'], db.env);
      expect(push.code, output(push)).toBe(0);

      const pull = await gw.run(['state', 'pull'], db.env);
      expect(pull.code, output(pull)).toBe(0);
      // `state pull` reads no call file and lets nothing go: every row is written.
      const pulled = JSON.parse(await gw.project.read('callops.lock')) as Lock;
      expect(Object.keys(pulled.calls)).toHaveLength(3);
      // The file store lets them go under `keep: 1h`, each row's call remembered.
      await configure('file', '1/1h');
      const first = await gw.run(['apply', '--yes']);
      expect(first.code, output(first)).toBe(0);
      const pruned = JSON.parse(await gw.project.read('callops.lock')) as Lock;
      expect(pruned.calls).toEqual({});
      expect(pruned.schedules?.['sim/camp']?.rang?.numbers).toEqual(
        Object.fromEntries(NUMBERS.map((n, i) => [numberDigest(n), [times[i]]])),
      );

      // Back on the file store, the window widened over those calls: the middle row's number
      // is not called again.
      await configure('file', '1/24h');
      await gw.project.write(
        'calls/a.yaml',
        callsYaml([IDLE, { name: 'again', to: `{ type: phone, number: "${middle}" }` }]),
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
