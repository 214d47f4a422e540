import { afterEach, describe, expect, it } from 'vitest';
import { callsYaml, type Gateway, startGateway, startRun } from './helpers.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const NUMBER = '+15550150004';
/** Every two seconds; a deadline far longer than a loaded machine could stall. */
const EVERY_2S = 'schedule: { cron: "*/2 * * * * *", deadline: 30s }';
const LIMIT =
  'per-number limit 1/1h reached: waits until an earlier call to this number leaves the window';

/** The keys of the slots of `lim` run said the limit holds back, each time said. */
const saidWaiting = (text: string): string[] =>
  [...text.matchAll(new RegExp(`waiting (sim/lim@\\S+)  ${LIMIT}`, 'g'))].map(
    (m) => m[1] as string,
  );

const withLimit = async (g: Gateway): Promise<void> => {
  const config = await g.project.read('callops.yaml');
  await g.project.write('callops.yaml', `${config}limits: { per_number: 1/1h }\n`);
};

/**
 * What a run said of `lim` once stopped: each slot the limit held back said once, with the
 * limit's reason, and none of them reported missed (superseded) at a later wake; only the
 * slots before the one it placed are missed.
 */
const expectEachSaidOnce = async (g: Gateway, text: string): Promise<void> => {
  const said = saidWaiting(text);
  expect(said.length, text).toBeGreaterThanOrEqual(3);
  expect(said.length, text).toBe(new Set(said).size);
  const placed = Object.keys((await g.project.lock())?.calls ?? {}).filter((k) =>
    k.startsWith('sim/lim@'),
  );
  expect(placed).toHaveLength(1);
  for (const key of said) expect(text).not.toContain(`missed ${key}`);
  for (const m of text.matchAll(/missed (sim\/lim@\S+)/g))
    expect((m[1] ?? '') < (placed[0] ?? ''), m[0]).toBe(true);
};

describe('callops run and the per-number limit', () => {
  it('says each slot the limit holds back once, with its reason, never missed after', {
    timeout: 120_000,
  }, async () => {
    gw = await startGateway({
      'calls/a.yaml': callsYaml([
        { name: 'lim', to: `{ type: phone, number: "${NUMBER}" }`, extra: [EVERY_2S] },
      ]),
    });
    await withLimit(gw);
    const run = startRun(gw);
    await run.until('three slots of lim said waiting', () =>
      new Set(saidWaiting(run.soFar())).size >= 3 ? true : undefined,
    );
    run.child.kill('SIGTERM');
    const r = await run.done;
    const text = `${r.stdout}\n${r.stderr}`;
    expect(r.code, text).toBe(0);
    await expectEachSaidOnce(gw, text);
    expect(gw.placed()).toHaveLength(1);
  });

  it('says it in the summary of the batch placed then, counted waiting, not missed', {
    timeout: 120_000,
  }, async () => {
    gw = await startGateway({
      'calls/a.yaml': callsYaml([
        { name: 'lim', to: `{ type: phone, number: "${NUMBER}" }`, extra: [EVERY_2S] },
        // A SIP destination is no number: the limit leaves it be, a batch every slot.
        { name: 'tick', to: '{ type: sip, sipUri: "sip:tick@127.0.0.1" }', extra: [EVERY_2S] },
      ]),
    });
    await withLimit(gw);
    const run = startRun(gw);
    await run.until('three slots of lim said waiting', () =>
      new Set(saidWaiting(run.soFar())).size >= 3 ? true : undefined,
    );
    run.child.kill('SIGTERM');
    const r = await run.done;
    const text = `${r.stdout}\n${r.stderr}`;
    expect(r.code, text).toBe(0);
    await expectEachSaidOnce(gw, text);
    // The batches after the first place tick alone: lim's slot is waiting, not missed.
    const batches = [...text.matchAll(/^Done: 1 placed, 0 failed, 0 unknown(.*) in /gm)].map(
      (m) => m[1],
    );
    expect(batches.length, text).toBeGreaterThanOrEqual(3);
    expect(batches.filter((b) => b === ', 1 waiting').length, text).toBeGreaterThanOrEqual(3);
    for (const b of batches) expect(b, text).not.toContain('missed');
  });
});
