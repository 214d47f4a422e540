import { afterEach, describe, expect, it } from 'vitest';
import { callsYaml, type Gateway, startGateway, startRun } from './helpers.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const NUMBER = '+15550150002';
const OTHER = '+15550150003';
const LIST_BEFORE = 'number,reason\n+15550009999,moved away\n';
const LISTED = `${LIST_BEFORE}${NUMBER},asked\n`;
/** Every two seconds; a deadline far longer than a loaded machine could stall. */
const EVERY_2S = 'schedule: { cron: "*/2 * * * * *", deadline: 30s }';

/** The keys of the slots of `name` run said suppressed (as apply says it), each time said. */
const saidSuppressed = (text: string, name: string): string[] =>
  [
    ...text.matchAll(
      new RegExp(`suppressed (sim/${name}@\\S+)  do-not-call: asked \\(lists/dnc\\.csv:3\\)`, 'g'),
    ),
  ].map((m) => m[1] as string);

const withList = async (g: Gateway, list: string): Promise<void> => {
  const config = await g.project.read('callops.yaml');
  await g.project.write('callops.yaml', `${config}suppress: [lists/dnc.csv]\n`);
  await g.project.write('lists/dnc.csv', list);
};

describe('callops run and a do-not-call list', () => {
  it('says each slot the list holds back once, as apply does, not only the first', {
    timeout: 120_000,
  }, async () => {
    gw = await startGateway({
      'calls/a.yaml': callsYaml([
        { name: 'tick', to: `{ type: phone, number: "${OTHER}" }`, extra: [EVERY_2S] },
        { name: 'dnc', to: `{ type: phone, number: "${NUMBER}" }`, extra: [EVERY_2S] },
      ]),
    });
    await withList(gw, LIST_BEFORE);
    const g = gw;
    const run = startRun(g);
    const dncKeys = async () =>
      Object.keys((await g.project.lock())?.calls ?? {}).filter((k) => k.startsWith('sim/dnc@'));
    await run.until('a slot of dnc placed', async () =>
      (await dncKeys()).length > 0 ? true : undefined,
    );
    // The number is put on the list while run runs (the list is not a definition: no reload).
    await g.project.write('lists/dnc.csv', LISTED);
    await run.until('three slots of dnc said suppressed', () =>
      new Set(saidSuppressed(run.soFar(), 'dnc')).size >= 3 ? true : undefined,
    );
    run.child.kill('SIGTERM');
    const r = await run.done;
    const text = `${r.stdout}\n${r.stderr}`;
    expect(r.code, text).toBe(0);
    const said = saidSuppressed(text, 'dnc');
    // Each slot once, never also placed, nor missed (those of the 30 s before run started
    // are: superseded by the first slot it placed).
    expect(said.length, text).toBe(new Set(said).size);
    const placed = new Set(await dncKeys());
    for (const key of said) {
      expect(placed.has(key), key).toBe(false);
      expect(text).not.toContain(`missed ${key}`);
    }
    const first = [...placed].sort()[0] ?? '';
    for (const m of text.matchAll(/missed (sim\/dnc@\S+)/g))
      expect((m[1] ?? '') < first, m[0]).toBe(true);
    // tick goes on being placed meanwhile.
    expect(
      Object.keys((await g.project.lock())?.calls ?? {}).filter((k) => k.startsWith('sim/tick@'))
        .length,
    ).toBeGreaterThanOrEqual(3);
  });

  it('wakes at each slot the list holds back when no other slot is to come, and says it', {
    timeout: 120_000,
  }, async () => {
    gw = await startGateway({
      'calls/a.yaml': callsYaml([
        { name: 'dnc', to: `{ type: phone, number: "${NUMBER}" }`, extra: [EVERY_2S] },
      ]),
    });
    await withList(gw, LISTED);
    const run = startRun(gw);
    // Slept a minute between two looks, it would say one slot in 30 s, not three.
    await run.until('three slots of dnc said suppressed', () =>
      new Set(saidSuppressed(run.soFar(), 'dnc')).size >= 3 ? true : undefined,
    );
    run.child.kill('SIGTERM');
    const r = await run.done;
    const text = `${r.stdout}\n${r.stderr}`;
    expect(r.code, text).toBe(0);
    const said = saidSuppressed(text, 'dnc');
    expect(said.length, text).toBe(new Set(said).size);
    expect(text).not.toMatch(/missed/);
    expect(gw.sim.received()).toEqual([]);
  });

  it('places the call at its next slot once its number is taken off the list while run runs', {
    timeout: 120_000,
  }, async () => {
    gw = await startGateway({
      'calls/a.yaml': callsYaml([
        { name: 'dnc', to: `{ type: phone, number: "${NUMBER}" }`, extra: [EVERY_2S] },
      ]),
    });
    await withList(gw, LISTED);
    const g = gw;
    const run = startRun(g);
    await run.until('a slot of dnc said suppressed', () =>
      saidSuppressed(run.soFar(), 'dnc').length > 0 ? true : undefined,
    );
    await g.project.write('lists/dnc.csv', LIST_BEFORE);
    const placed = await run.until('a slot of dnc placed', async () => {
      const keys = Object.keys((await g.project.lock())?.calls ?? {});
      return keys.length > 0 ? keys : undefined;
    });
    run.child.kill('SIGTERM');
    const r = await run.done;
    const text = `${r.stdout}\n${r.stderr}`;
    expect(r.code, text).toBe(0);
    const said = new Set(saidSuppressed(text, 'dnc'));
    for (const key of placed) expect(said.has(key), key).toBe(false);
    expect(g.placed().length).toBeGreaterThan(0);
  });
});
