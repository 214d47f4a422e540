import { afterEach, describe, expect, it } from 'vitest';
import { numberDigest } from '../../src/screen/number.js';
import { callsYaml, type Gateway, startGateway } from './helpers.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const NUMBER = '+15550150031';

describe('state.keep shorter than the per-number window', () => {
  it('keeps the entries the limit counts: no second call to the number within its window', async () => {
    // A one-off slot placed 40 hours ago, its deadline long past: `keep: 1d` alone would let
    // its entry go, and the limit (1 call in 3 days) would no longer see that call.
    const slot = new Date(Math.floor((Date.now() - 40 * 3_600_000) / 60_000) * 60_000);
    const at = slot.toISOString().replace('.000Z', 'Z');
    gw = await startGateway({
      'calls/a.yaml': callsYaml([
        {
          name: 'first',
          to: `{ type: phone, number: "${NUMBER}" }`,
          extra: [`schedule: { at: "${at}", deadline: 1h }`],
        },
        { name: 'second', to: `{ type: phone, number: "${NUMBER}" }` },
      ]),
    });
    const config = await gw.project.read('callops.yaml');
    await gw.project.write(
      'callops.yaml',
      `${config}limits: { per_number: 1/3d }\nstate:\n  keep: 1d\n`,
    );
    const key = `sim/first@${at}`;
    await gw.project.write(
      'callops.lock',
      `${JSON.stringify(
        {
          calls: {
            [key]: {
              at: new Date(slot.getTime() + 2_000).toISOString(),
              callId: '1459be02-424e-447d-82e9-5362ffe12301',
              definition: 'sha256:0',
              file: 'calls/a.yaml',
              number: numberDigest(NUMBER),
              sid: 'f5323c91-5cf1-4253-8928-9270e4fb4d31',
              status: 'placed',
            },
          },
          lockfileVersion: 1,
        },
        null,
        2,
      )}\n`,
    );
    const r = await gw.run(['apply', '--yes', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { placed: number; waiting: number };
    expect(out.placed).toBe(0);
    expect(out.waiting).toBe(1);
    expect(gw.placed()).toHaveLength(0);
    // The entry the limit counts is still in the lockfile.
    const lock = JSON.parse(await gw.project.read('callops.lock')) as {
      calls: Record<string, unknown>;
    };
    expect(Object.keys(lock.calls)).toContain(key);
  });
});
