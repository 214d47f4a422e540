import { afterEach, describe, expect, it } from 'vitest';
import { callsYaml, type Gateway, output, startGateway, startRun } from './helpers.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

/** A call file with `five` (every 5 minutes, placeable for 20), enabled or not. */
const fiveMinutely = (enabled: boolean) =>
  callsYaml([
    {
      name: 'five',
      extra: [
        ...(enabled ? [] : ['enabled: false']),
        'schedule: { cron: "*/5 * * * *", deadline: 20m }',
      ],
    },
  ]);

interface ApplyJson {
  placed: number;
  missed: number;
  results: { key: string; status: string }[];
}

const applyAt = async (g: Gateway, now: string): Promise<ApplyJson> => {
  const r = await g.run(['apply', '--yes', '--now', now, '--format', 'json']);
  expect(r.code, output(r)).toBe(0);
  return JSON.parse(r.stdout) as ApplyJson;
};

/** Every two seconds; a deadline far longer than a loaded machine could stall. */
const EVERY_2S = 'schedule: { cron: "*/2 * * * * *", deadline: 30s }';

const twoCalls = (disEnabled: boolean) =>
  callsYaml([
    { name: 'tick', extra: [EVERY_2S] },
    { name: 'dis', extra: [...(disEnabled ? [] : ['enabled: false']), EVERY_2S] },
  ]);

describe('a scheduled call disabled for a while, then enabled again', () => {
  it('apply: the slots that fell while it was disabled are neither placed nor missed; the next one is placed', async () => {
    gw = await startGateway({ 'calls/a.yaml': fiveMinutely(true) });
    const first = await applyAt(gw, '2025-01-01T09:00:10Z');
    // (08:45 … 08:55, within their deadline when apply first saw it, are superseded.)
    expect(first.results.filter((x) => x.status === 'placed').map((x) => x.key)).toEqual([
      'sim/five@2025-01-01T09:00:00Z',
    ]);

    await gw.project.write('calls/a.yaml', fiveMinutely(false));
    const off = await applyAt(gw, '2025-01-01T09:30:10Z');
    expect([off.placed, off.missed]).toEqual([0, 0]);
    expect((await gw.project.lock())?.schedules?.['sim/five']?.reportedThrough).toBe(
      '2025-01-01T09:30:00Z',
    );

    // Enabled again: 09:05 … 09:30 fell while it was disabled (09:15 … 09:30 still within
    // their deadline): none is placed, none reported missed.
    await gw.project.write('calls/a.yaml', fiveMinutely(true));
    const back = await applyAt(gw, '2025-01-01T09:32:10Z');
    expect(back.results).toEqual([]);
    expect([back.placed, back.missed]).toEqual([0, 0]);
    const next = await applyAt(gw, '2025-01-01T09:35:10Z');
    expect(next.results.map((x) => [x.key, x.status])).toEqual([
      ['sim/five@2025-01-01T09:35:00Z', 'placed'],
    ]);
    expect(next.missed).toBe(0);
    expect(gw.placed()).toHaveLength(2);
  });

  it('run: no slot of it is said missed when it is enabled again, and it is placed again', {
    timeout: 120_000,
  }, async () => {
    gw = await startGateway({ 'calls/a.yaml': twoCalls(true) });
    const g = gw;
    const run = startRun(g);
    const keys = async (name: string) =>
      Object.keys((await g.project.lock())?.calls ?? {}).filter((k) =>
        k.startsWith(`sim/${name}@`),
      );
    const reloads = () => run.soFar().match(/definitions reloaded/g)?.length ?? 0;
    await run.until('a slot of dis placed', async () =>
      (await keys('dis')).length > 0 ? true : undefined,
    );
    await g.project.write('calls/a.yaml', twoCalls(false));
    await run.until('dis disabled', () => (reloads() >= 1 ? true : undefined));
    // Run looks at it disabled at several wakes, while the slots of dis go by.
    const ticks = (await keys('tick')).length;
    await run.until('four more slots of tick placed', async () =>
      (await keys('tick')).length >= ticks + 4 ? true : undefined,
    );
    const placedBefore = (await keys('dis')).length;
    await g.project.write('calls/a.yaml', twoCalls(true));
    await run.until('dis placed again', async () =>
      (await keys('dis')).length > placedBefore ? true : undefined,
    );
    run.child.kill('SIGTERM');
    const r = await run.done;
    const text = `${r.stdout}\n${r.stderr}`;
    expect(r.code, text).toBe(0);
    expect(reloads()).toBe(2);
    // Only the slots of the 30 s before run started are missed (superseded by its first).
    const first = (await keys('dis')).sort()[0] ?? '';
    const missed = [...text.matchAll(/missed (sim\/dis@\S+)/g)].map((m) => m[1] ?? '');
    expect(
      missed.filter((key) => key > first),
      text,
    ).toEqual([]);
  });

  it('run: a call disabled all along has no slot said missed, and nothing is sent for it', {
    timeout: 120_000,
  }, async () => {
    gw = await startGateway({ 'calls/a.yaml': twoCalls(false) });
    const g = gw;
    const run = startRun(g);
    const keys = async (name: string) =>
      Object.keys((await g.project.lock())?.calls ?? {}).filter((k) =>
        k.startsWith(`sim/${name}@`),
      );
    await run.until('three slots of tick placed', async () =>
      (await keys('tick')).length >= 3 ? true : undefined,
    );
    run.child.kill('SIGTERM');
    const r = await run.done;
    const text = `${r.stdout}\n${r.stderr}`;
    expect(r.code, text).toBe(0);
    expect(text).not.toMatch(/sim\/dis@/);
    expect(await keys('dis')).toEqual([]);
  });
});
