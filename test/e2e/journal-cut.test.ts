import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { track } from './children.js';
import { BIN, callsYaml, cliEnv, collect, type Gateway, startGateway } from './helpers.js';

const open: Gateway[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()));
});

/** 150 calls placed while there is room, then 300 more. */
const NAMES = Array.from({ length: 450 }, (_, i) => `c${String(i + 1).padStart(3, '0')}`);
const FIRST = 150;

/**
 * The CLI with the journal's room cut to `room` bytes (the failpoint: ENOSPC past it, as a
 * disk that fills in the middle of a batch of lines), and a 16 KiB file size limit, which a
 * lockfile of 150 entries passes: neither the journal nor the lockfile can be written.
 */
const full = (gw: Gateway, args: readonly string[], room: string) =>
  collect(
    track(
      spawn('sh', ['-c', 'ulimit -f 16 && exec "$0" "$@"', process.execPath, BIN, ...args], {
        cwd: gw.project.dir,
        env: cliEnv({ ...gw.env, CALLOPS_FAILPOINT_JOURNAL_ROOM: room }),
      }),
    ),
  );

interface Result {
  readonly key: string;
  readonly status: string;
  readonly sid?: string;
  readonly message?: string;
}
interface ApplyJson {
  readonly results: readonly Result[];
  readonly notStarted: readonly string[];
  readonly held: readonly { key: string; status: string; reason: string }[];
}

/** The project's state as `status --format json` gives it: each call's status. */
const statuses = async (gw: Gateway): Promise<Record<string, string>> => {
  const r = await gw.run(['status', '--format', 'json']);
  // 3: some call is unknown.
  expect([0, 3], r.stderr).toContain(r.code);
  const calls = (JSON.parse(r.stdout) as { calls: { key: string; status: string }[] }).calls;
  return Object.fromEntries(calls.map((c) => [c.key, c.status]));
};

/** How often the gateway was asked to place each key's number. */
const requests = (gw: Gateway): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const r of gw.sim.received()) {
    const n = (r.body as { to: { number: string } }).to.number;
    counts.set(n, (counts.get(n) ?? 0) + 1);
  }
  return counts;
};

const number = (key: string): string =>
  `+1555000${String(2000 + NAMES.indexOf(key.slice('sim/'.length))).padStart(4, '0')}`;

/** A project of 150 calls placed, then 300 more applied with `room` for the journal. */
const fillUp = async (room: string) => {
  const gw = await startGateway(
    { 'calls/a.yaml': callsYaml(NAMES.slice(0, FIRST).map((name) => ({ name }))) },
    { targetExtra: ['concurrency: 8'] },
  );
  open.push(gw);
  expect((await gw.run(['apply', '--yes'])).code).toBe(0);
  await gw.project.write('calls/a.yaml', callsYaml(NAMES.map((name) => ({ name }))));
  const r = await full(gw, ['apply', '--yes', '--format', 'json'], room);
  expect(r.code).toBe(1);
  expect(r.stderr).not.toMatch(/\n\s+at |Node\.js v/);
  return { gw, r, report: JSON.parse(r.stdout) as ApplyJson };
};

describe('a journal that fills in the middle of a batch of lines', () => {
  it('holds what the run reports: the calls it says are still due are placed by the next apply, once', async () => {
    const { gw, r, report } = await fillUp('6000');
    expect(r.stderr).toMatch(
      /^callops apply: cannot write the journal \.callops\/journal\.jsonl: no space left on device \(ENOSPC\); \d+ calls not sent/m,
    );
    const placed = report.results.filter((o) => o.status === 'placed').map((o) => o.key);
    const unknown = report.results.filter((o) => o.status === 'unknown');
    const claimed = report.held.filter((h) => h.status === 'claimed').map((h) => h.key);
    expect(report.notStarted.length).toBeGreaterThan(0);
    expect(placed.length + unknown.length + claimed.length + report.notStarted.length).toBe(
      NAMES.length - FIRST,
    );

    // Every later command holds what the run said of each call.
    const state = await statuses(gw);
    const said = (keys: readonly string[]) => keys.map((key) => [key, state[key]]);
    expect(said(placed)).toEqual(placed.map((key) => [key, 'placed']));
    expect(said(unknown.map((o) => o.key))).toEqual(unknown.map((o) => [o.key, 'unknown']));
    expect(said(claimed)).toEqual(claimed.map((key) => [key, 'unknown']));
    // No entry: still due.
    expect(said(report.notStarted)).toEqual(report.notStarted.map((key) => [key, undefined]));

    // The unknown calls are settled as the run said, with the command it gave.
    for (const o of unknown) {
      const command = /callops (resolve \S+ --(?:placed \S+|not-placed))$/.exec(o.message ?? '');
      expect(command, o.message).not.toBeNull();
      const settled = await gw.run((command?.[1] ?? '').split(' '));
      expect(settled.code, settled.stderr).toBe(0);
    }

    // The calls still due are placed by the next apply, once; no other is asked for again.
    const next = await gw.run(['apply', '--yes']);
    expect(next.code, next.stderr).toBe(0);
    const asked = requests(gw);
    for (const key of report.notStarted) expect(asked.get(number(key)), key).toBe(1);
    expect([...asked.values()].every((n) => n === 1)).toBe(true);
    expect(asked.size).toBe(NAMES.length);
    expect(Object.values(await statuses(gw)).every((s) => s === 'placed')).toBe(true);
  }, 60_000);

  it('cut back it cannot be: the calls of its last lines are never said still due', async () => {
    const { gw, r, report } = await fillUp('6000,cut-fails');
    expect(r.stderr).toMatch(
      /^callops apply: cannot write the journal \.callops\/journal\.jsonl: no space left on device \(ENOSPC\), nor cut back to its last whole batch \(input\/output error \(EIO\)\): its last lines may be there or not; \d+ calls not sent/m,
    );
    const claimed = report.held.filter((h) => h.status === 'claimed');
    const maybe = report.results.filter((o) => o.message?.includes('may or may not') === true);
    // The batch that failed held intents, or outcomes, or both.
    expect(claimed.length + maybe.length).toBeGreaterThan(0);
    for (const h of claimed) expect(h.reason).toMatch(/callops resolve \S+ --not-placed$/);

    const state = await statuses(gw);
    // What the run says still due has no entry; what it said placed is placed.
    for (const key of report.notStarted) expect(state[key], key).toBeUndefined();
    for (const o of report.results.filter((o) => o.status === 'placed'))
      expect(state[o.key], o.key).toBe('placed');
    // A claim of the last lines is unknown where its intent is whole, else due; an outcome
    // there placed, else unknown: each settled by the command its line gives.
    for (const h of claimed) {
      expect([undefined, 'unknown'], h.key).toContain(state[h.key]);
      if (state[h.key] === undefined) continue;
      const settled = await gw.run(['resolve', h.key, '--not-placed']);
      expect(settled.code, settled.stderr).toBe(0);
    }
    for (const o of maybe) {
      expect(['placed', 'unknown'], o.key).toContain(state[o.key]);
      if (state[o.key] === 'placed') continue;
      const command = /callops (resolve \S+ --placed \S+)$/.exec(o.message ?? '');
      const settled = await gw.run((command?.[1] ?? '').split(' '));
      expect(settled.code, settled.stderr).toBe(0);
    }

    // Nothing is asked for twice.
    const next = await gw.run(['apply', '--yes']);
    expect(next.code, next.stderr).toBe(0);
    for (const key of report.notStarted) expect(requests(gw).get(number(key)), key).toBe(1);
    expect([...requests(gw).values()].every((n) => n === 1)).toBe(true);
  }, 60_000);
});
