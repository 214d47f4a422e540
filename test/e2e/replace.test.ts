import { describe, expect, it, vi } from 'vitest';
import { gatewaysClosedAfterEach } from './gateways-per-test.js';
import { callsYaml, type Gateway, spawnCli, waitFor, watch } from './helpers.js';

// Each test runs the CLI several times; a loaded machine makes each run take seconds.
vi.setConfig({ testTimeout: 60_000 });

const startGateway = gatewaysClosedAfterEach();

interface EntryJson {
  readonly status: string;
  readonly sid?: string;
  readonly callId?: string;
  readonly at: string;
  /** The digest of the number it dialled. */
  readonly number?: string;
  readonly history?: readonly { sid: string; callId?: string; at: string; number?: string }[];
}

const entry = async (gw: Gateway, key: string): Promise<EntryJson | undefined> =>
  (await gw.project.lock())?.calls[key] as EntryJson | undefined;

const CALLS = (number: string) =>
  callsYaml([
    { name: 'once', to: `{ type: phone, number: "${number}" }` },
    { name: 'never' },
    { name: 'daily', extra: ['schedule: { cron: "0 9 * * *", timezone: UTC }'] },
    { name: 'off', extra: ['enabled: false'] },
  ]);

/** `once` placed; `never` not placed (it is only in --only-less applies from here on). */
const placedOnce = async (hold?: { wait: () => Promise<void> }): Promise<Gateway> => {
  const gw = await startGateway(
    { 'calls/a.yaml': CALLS('+15550009001') },
    hold ? { latencyMs: 1, wait: hold.wait } : {},
  );
  if (!hold) {
    const first = await gw.run(['apply', '--yes', '--only', 'once']);
    expect(first.code).toBe(0);
  }
  return gw;
};

describe('a placed call whose definition changed', () => {
  it('is shown as changed since placed by plan, apply and status (human and json), and not placed again', async () => {
    const gw = await placedOnce();
    await gw.project.write('calls/a.yaml', CALLS('+15550009002'));

    const plan = await gw.run(['plan', '--only', 'once']);
    expect(plan.stdout).toMatch(/changed since placed/i);
    expect(plan.stdout).toContain('callops apply --replace once');
    const planJson = JSON.parse(
      (await gw.run(['plan', '--only', 'once', '--format', 'json'])).stdout,
    ) as {
      skipped: { key: string; changed?: boolean }[];
      changed: string[];
    };
    expect(planJson.changed).toEqual(['sim/once']);
    expect(planJson.skipped.find((i) => i.key === 'sim/once')?.changed).toBe(true);

    const apply = await gw.run(['apply', '--yes', '--only', 'once']);
    expect(apply.code).toBe(0);
    expect(apply.stdout).toMatch(/changed since placed/i);
    expect(gw.placed()).toHaveLength(1);
    const applyJson = JSON.parse(
      (await gw.run(['apply', '--yes', '--only', 'once', '--format', 'json'])).stdout,
    ) as { changed: string[] };
    expect(applyJson.changed).toEqual(['sim/once']);

    const status = await gw.run(['status']);
    expect(status.stdout).toMatch(/changed since placed/i);
    const statusJson = JSON.parse((await gw.run(['status', '--format', 'json'])).stdout) as {
      changed: string[];
      calls: { key: string; changed?: boolean }[];
    };
    expect(statusJson.changed).toEqual(['sim/once']);
    expect(statusJson.calls.find((c) => c.key === 'sim/once')?.changed).toBe(true);
  });
});

describe('apply --replace NAME', () => {
  it('places a placed call again after confirmation, keeping the earlier sid in the history', async () => {
    const gw = await placedOnce();
    const before = await entry(gw, 'sim/once');
    expect(before?.status).toBe('placed');

    const plan = await gw.run(['plan', '--only', 'once', '--replace', 'once']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain(`replaces ${before?.sid}`);

    // No terminal and no --yes: refused as for every placement.
    const unconfirmed = await gw.run(['apply', '--only', 'once', '--replace', 'once']);
    expect(unconfirmed.code).toBe(64);
    expect(gw.placed()).toHaveLength(1);

    const r = await gw.run(['apply', '--yes', '--only', 'once', '--replace', 'once']);
    expect(r.code).toBe(0);
    expect(gw.placed()).toHaveLength(2);
    const after = await entry(gw, 'sim/once');
    expect(after?.status).toBe('placed');
    expect(after?.sid).toBe(gw.placed()[1]?.sid);
    expect(after?.sid).not.toBe(before?.sid);
    expect(after?.history).toEqual([
      { sid: before?.sid, callId: before?.callId, at: before?.at, number: before?.number },
    ]);
    expect(r.stdout).toContain(after?.sid as string);

    // Replaced once: a plain apply does not place it again.
    expect((await gw.run(['apply', '--yes', '--only', 'once'])).code).toBe(0);
    expect(gw.placed()).toHaveLength(2);
    expect((await gw.run(['status'])).stdout).toContain(`replaced ${before?.sid}`);
  });

  it('refuses a scheduled call, a call not placed, a disabled one and an unknown name (64, nothing sent)', async () => {
    const gw = await placedOnce();
    const cases: [string, RegExp][] = [
      ['daily', /scheduled/],
      ['never', /not placed/],
      ['off', /disabled/],
      ['nosuch', /no call of that name/],
    ];
    expect(cases).toHaveLength(4);
    for (const [name, reason] of cases) {
      const r = await gw.run(['apply', '--yes', '--replace', name]);
      expect(r.code, name).toBe(64);
      expect(r.stderr, name).toContain(`--replace ${name}`);
      expect(r.stderr, name).toMatch(reason);
    }
    expect(gw.placed()).toHaveLength(1);
  });

  it('refuses an unknown entry with the full resolve commands, and with --retry-unknown says it alone places it again', async () => {
    const gw = await startGateway({ 'calls/a.yaml': CALLS('+15550009001') });
    const lock = {
      lockfileVersion: 1,
      calls: {
        'sim/once': {
          status: 'unknown',
          at: '2026-11-24T08:00:00.000Z',
          definition: 'sha256:00',
          file: 'calls/a.yaml',
          message: 'timeout',
        },
      },
    };
    await gw.project.write('callops.lock', `${JSON.stringify(lock)}\n`);
    const settle =
      'settle it first with `callops resolve sim/once --placed SID` or `callops resolve sim/once --not-placed`';
    const retry =
      '--replace does not apply to an unknown entry; --retry-unknown without --replace places it again (`callops plan --retry-unknown` shows when, or why not), or settle it with `callops resolve sim/once --placed SID` or `callops resolve sim/once --not-placed`';
    const cases: [string[], string][] = [
      [
        ['apply', '--yes', '--replace', 'once'],
        `callops apply: --replace once: sim/once is unknown (it may have been placed): --replace places again only a placed call; ${settle}, or place it again with --retry-unknown (without --replace); nothing was sent\n`,
      ],
      [
        ['apply', '--yes', '--replace', 'once', '--retry-unknown'],
        `callops apply: --replace once: sim/once is unknown (it may have been placed): ${retry}; nothing was sent\n`,
      ],
      [
        ['plan', '--replace', 'once', '--retry-unknown'],
        `callops plan: --replace once: sim/once is unknown (it may have been placed): ${retry}\n`,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await gw.run(args);
      expect(r.code, args.join(' ')).toBe(64);
      expect(r.stderr, args.join(' ')).toBe(message);
    }
    expect(gw.placed()).toHaveLength(0);
    // As it says: --retry-unknown without --replace places it again.
    const again = await gw.run(['apply', '--yes', '--retry-unknown', '--only', 'once']);
    expect(again.code, again.stderr).toBe(0);
    expect(gw.placed()).toHaveLength(1);
    expect((await entry(gw, 'sim/once'))?.status).toBe('placed');
  });

  it('a crash while the replacement is at the gateway leaves it unknown, with the history kept', async () => {
    const waiting: (() => void)[] = [];
    let opened = false;
    const hold = {
      wait: () => new Promise<void>((r) => (opened ? r() : waiting.push(r))),
    };
    const gw = await placedOnce(hold);
    opened = true;
    expect((await gw.run(['apply', '--yes', '--only', 'once'])).code).toBe(0);
    opened = false;
    const before = await entry(gw, 'sim/once');
    const child = spawnCli(['apply', '--yes', '--only', 'once', '--replace', 'once'], {
      cwd: gw.project.dir,
      env: gw.env,
    });
    const { done } = watch(child, 15_000);
    await waitFor('the replacement to reach the gateway', () =>
      waiting.length === 1 ? true : undefined,
    );
    child.kill('SIGKILL');
    await done;
    opened = true;
    for (const go of waiting.splice(0)) go();

    const status = await gw.run(['status', '--format', 'json']);
    expect(status.code).toBe(3);
    const json = JSON.parse(status.stdout) as { calls: ({ key: string } & EntryJson)[] };
    const once = json.calls.find((c) => c.key === 'sim/once');
    expect(once?.status).toBe('unknown');
    expect(once?.history).toEqual([
      { sid: before?.sid, callId: before?.callId, at: before?.at, number: before?.number },
    ]);
    // The next command that takes the lock writes it so.
    await gw.run(['apply', '--yes', '--only', 'never']);
    const folded = await entry(gw, 'sim/once');
    expect(folded?.status).toBe('unknown');
    expect(folded?.history).toEqual([
      { sid: before?.sid, callId: before?.callId, at: before?.at, number: before?.number },
    ]);
  });
});
