import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import type { Outcome } from '../../../src/execute/outcome.js';
import { serializeLockfile } from '../../../src/state/lockfile.js';
import { INTERRUPTED } from '../../../src/state/replay.js';
import {
  type CallScope,
  type CampaignScope,
  type Claim,
  IN_FLIGHT,
  NotClaimed,
  type Retention,
  type StateStore,
} from '../../../src/state/store.js';
import type { Lockfile } from '../../../src/state/types.js';
import { track } from '../../e2e/children.js';

/** One project (a directory, or a schema of a database) that runners share. */
export interface Project {
  /** A new runner on the project: its own store, its own connections. */
  open(options?: { readonly retention?: Retention }): Promise<StateStore>;
  /** What runner.mjs needs to open the same store in another process. */
  readonly spec: Readonly<Record<string, unknown>>;
  /**
   * `key` placed with `sid` by a writer outside this project's runners, while one may hold
   * it: the file store's callops.lock rewritten as a `git pull` of placements made on another
   * host rewrites it; the database's rows written by another runner.
   */
  placeElsewhere(key: string, sid: string): Promise<void>;
}

export interface StoreHarness {
  readonly name: string;
  /**
   * Whether several runners may work a project at once (the store's `concurrentRunners`):
   * what only such a store must check at the claim (a campaign's number claimed by another
   * runner since the plan) is asked of it alone.
   */
  readonly concurrentRunners: boolean;
  project(): Promise<Project>;
}

const RUNNER = fileURLToPath(new URL('./runner.mjs', import.meta.url));
const meta = { definition: 'sha256:def', file: 'calls/welcome.yaml' };
const AT = '2026-11-24T10:00:00.000Z';

export const claimOf = (key: string, fields: Partial<Claim> = {}): Claim => ({
  key,
  target: 'default',
  attempt: 1,
  at: AT,
  ...meta,
  ...fields,
});

const placed = (key: string, sid = `sid-${key}`): Outcome & typeof meta => ({
  key,
  status: 'placed',
  at: '2026-11-24T10:00:01.000Z',
  sid,
  callId: `call-${key}`,
  attempts: 1,
  ...meta,
});

const failed = (key: string): Outcome & typeof meta => ({
  key,
  status: 'failed',
  at: '2026-11-24T10:00:02.000Z',
  httpStatus: 480,
  message: 'Temporarily Unavailable',
  attempts: 1,
  ...meta,
});

const open: StateStore[] = [];

afterEach(async () => {
  for (const store of open.splice(0).reverse()) await store.close();
});

/** A runner ready to claim: it holds the run lock when its store needs that for claims. */
const runnerOn = async (project: Project): Promise<StateStore> => {
  const store = await project.open();
  open.push(store);
  if (!store.concurrentRunners) {
    const held = await store.lock({ command: 'callops apply', now: new Date() });
    expect(held.ok).toBe(true);
  }
  return store;
};

/** A store that only reads (and takes the lock when a test says so). */
const storeOn = async (project: Project): Promise<StateStore> => {
  const store = await project.open();
  open.push(store);
  return store;
};

/** Let a runner finish: the file store's next runner can only start once it has. */
const finish = async (store: StateStore): Promise<void> => {
  await store.close();
  open.splice(open.indexOf(store), 1);
};

/** Run runner.mjs until it says "ready" (its claims/lock are durable), then SIGKILL it. */
const killedRunner = async (
  project: Project,
  spec: { claim?: readonly string[]; lock?: boolean; gateway?: string },
): Promise<void> => {
  const child = track(
    spawn(process.execPath, [RUNNER, JSON.stringify({ ...project.spec, ...spec })], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let out = '';
  let err = '';
  child.stderr.on('data', (chunk) => {
    err += chunk;
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('ready\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`runner exited ${code}: ${out}${err}`)));
  });
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
  // A store whose runners hold a lease sees this one gone once the lease has run out.
  const lease = (project.spec as { leaseMs?: number }).leaseMs;
  if (lease !== undefined) await new Promise((resolve) => setTimeout(resolve, lease + 250));
};

export const describeStoreContract = (harness: StoreHarness): void => {
  describe(`${harness.name} store contract`, () => {
    describe('claims', () => {
      test('a claim is visible to any other store as soon as it resolves', async () => {
        const project = await harness.project();
        const runner = await runnerOn(project);
        expect(await runner.claim(claimOf('a'))).toBe(true);
        const other = await storeOn(project);
        const view = await other.read();
        expect(Object.keys(view.lock.calls)).toEqual(['a']);
        expect(view.lock.calls.a?.status).toBe('unknown');
        // Its runner is still going: in flight for every reader, not left by a crash.
        expect([...view.inFlight]).toEqual(['a']);
        expect(view.lock.calls.a?.message).toBe(IN_FLIGHT);
        const own = await runner.read();
        expect([...own.inFlight]).toEqual(['a']);
        expect(own.lock.calls.a).toEqual({
          status: 'unknown',
          at: AT,
          ...meta,
          message: IN_FLIGHT,
        });
      });

      test('a key another runner claimed and has not settled is not claimed again', async () => {
        const project = await harness.project();
        const first = await runnerOn(project);
        expect(await first.claim(claimOf('a'))).toBe(true);
        const second = await storeOn(project);
        if (second.concurrentRunners) {
          expect(await second.claim(claimOf('a'))).toBe(false);
          expect(await second.claim(claimOf('a', { attempt: 2 }))).toBe(false);
        } else {
          // One runner at a time: the second cannot even start while the first runs.
          const held = await second.lock({ command: 'callops run', now: new Date() });
          expect(held.ok).toBe(false);
        }
        // The claiming runner may claim its own key again for a retry of the request.
        expect(await first.claim(claimOf('a', { attempt: 2 }))).toBe(true);
      });

      test('a placed key is never claimed again, not even with retryUnknown', async () => {
        const project = await harness.project();
        const first = await runnerOn(project);
        expect(await first.claim(claimOf('a'))).toBe(true);
        await first.record(placed('a'));
        // Refused as placed, which no runner is placing any more: said apart from in flight.
        expect(await first.claim(claimOf('a'))).toEqual({ recorded: 'placed' });
        await finish(first);
        const second = await runnerOn(project);
        expect(await second.claim(claimOf('a'))).toEqual({ recorded: 'placed' });
        expect(await second.claim(claimOf('a', { retryUnknown: true }))).toEqual({
          recorded: 'placed',
        });
        expect((await second.read()).lock.calls.a?.sid).toBe('sid-a');
      });

      test('a failed key may be claimed again, by another runner too', async () => {
        const project = await harness.project();
        const first = await runnerOn(project);
        expect(await first.claim(claimOf('a'))).toBe(true);
        await first.record(failed('a'));
        await finish(first);
        const second = await runnerOn(project);
        expect(await second.claim(claimOf('a'))).toBe(true);
        await second.record(placed('a', 'sid-second'));
        expect((await second.read()).lock.calls.a).toMatchObject({
          status: 'placed',
          sid: 'sid-second',
        });
      });
    });

    describe('outcomes', () => {
      test('each outcome is recorded as a lockfile entry, durably', async () => {
        const project = await harness.project();
        const runner = await runnerOn(project);
        for (const key of ['p', 'f']) expect(await runner.claim(claimOf(key))).toBe(true);
        await runner.record(placed('p'));
        await runner.record(failed('f'));
        await runner.record({ key: 'm', status: 'missed', at: AT, ...meta });
        const expected: Lockfile = {
          lockfileVersion: 1,
          calls: {
            f: {
              status: 'failed',
              at: '2026-11-24T10:00:02.000Z',
              ...meta,
              httpStatus: 480,
              message: 'Temporarily Unavailable',
            },
            p: {
              status: 'placed',
              sid: 'sid-p',
              callId: 'call-p',
              at: '2026-11-24T10:00:01.000Z',
              ...meta,
            },
          },
        };
        const view = await runner.read();
        expect(view.lock).toEqual(expected);
        expect(view.inFlight.size).toBe(0);
        await finish(runner);
        const later = await storeOn(project);
        expect((await later.read()).lock).toEqual(expected);
      });

      test('an outcome of a key this runner did not claim is refused', async () => {
        const project = await harness.project();
        const runner = await runnerOn(project);
        await expect(runner.record(placed('never-claimed'))).rejects.toThrow(/not claimed/);
        // A refusal for good, told apart from a failure of the state: trying again is no use.
        await expect(runner.record(placed('never-claimed'))).rejects.toBeInstanceOf(NotClaimed);
        expect((await runner.read()).lock.calls).toEqual({});
      });
    });

    describe('observed outcomes', () => {
      const ENDED = '2026-11-24T10:01:00.000Z';
      const answered = {
        status: 'completed',
        sip_status: 200,
        duration: 42,
        answered: true,
        ended_at: ENDED,
      } as const;
      const ringing = {
        status: 'in-progress',
        sip_status: 180,
        duration: 0,
        answered: false,
      } as const;
      const busy = {
        status: 'busy',
        sip_status: 486,
        duration: 0,
        answered: false,
        ended_at: ENDED,
      } as const;

      /** A runner with `p` placed, `f` failed and `u` left unknown (its runner killed). */
      const placedFailedUnknown = async (project: Project): Promise<StateStore> => {
        await killedRunner(project, { claim: ['u'] });
        const runner = await runnerOn(project);
        for (const key of ['p', 'f']) expect(await runner.claim(claimOf(key))).toBe(true);
        await runner.record(placed('p'));
        await runner.record(failed('f'));
        return runner;
      };

      test('observe records an outcome beside a placed entry: in read() and export(), durably', async () => {
        const project = await harness.project();
        const runner = await placedFailedUnknown(project);
        expect(await runner.observe([{ key: 'p', outcome: answered }])).toEqual(['p']);
        await runner.persist();
        expect((await runner.read()).lock.calls.p?.outcome).toEqual(answered);
        expect((await runner.export()).calls.p?.outcome).toEqual(answered);
        // The same outcome again changes nothing.
        expect(await runner.observe([{ key: 'p', outcome: answered }])).toEqual([]);
        await finish(runner);
        const later = await storeOn(project);
        expect((await later.read()).lock.calls.p?.outcome).toEqual(answered);
        expect((await later.export()).calls.p?.outcome).toEqual(answered);
      });

      test('an in-progress outcome moves on to a final one, and a final one never changes', async () => {
        const project = await harness.project();
        const runner = await placedFailedUnknown(project);
        expect(await runner.observe([{ key: 'p', outcome: ringing }])).toEqual(['p']);
        expect((await runner.read()).lock.calls.p?.outcome).toEqual(ringing);
        expect(await runner.observe([{ key: 'p', outcome: answered }])).toEqual(['p']);
        expect(await runner.observe([{ key: 'p', outcome: ringing }])).toEqual([]);
        expect(await runner.observe([{ key: 'p', outcome: busy }])).toEqual([]);
        await runner.persist();
        expect((await runner.read()).lock.calls.p?.outcome).toEqual(answered);
        await finish(runner);
        expect((await (await storeOn(project)).export()).calls.p?.outcome).toEqual(answered);
      });

      test('an answer observed after a final outcome that shows none ends the call answered, durably', async () => {
        const project = await harness.project();
        const runner = await placedFailedUnknown(project);
        const noAnswer = { ...busy, status: 'no-answer', sip_status: 487 } as const;
        // The gateway's in-progress (answered), sent before the no-answer, arriving after it.
        const live = {
          status: 'in-progress',
          sip_status: 200,
          duration: 0,
          answered: true,
        } as const;
        const ended = { ...live, status: 'completed', ended_at: ENDED } as const;
        expect(await runner.observe([{ key: 'p', outcome: noAnswer }])).toEqual(['p']);
        expect(await runner.observe([{ key: 'p', outcome: live }])).toEqual(['p']);
        expect((await runner.read()).lock.calls.p?.outcome).toEqual(ended);
        // Answered and ended: settled.
        expect(await runner.observe([{ key: 'p', outcome: noAnswer }])).toEqual([]);
        expect(await runner.observe([{ key: 'p', outcome: busy }])).toEqual([]);
        await finish(runner);
        expect((await (await storeOn(project)).export()).calls.p?.outcome).toEqual(ended);
      });

      test('a failed or unknown entry takes no outcome', async () => {
        const project = await harness.project();
        const runner = await placedFailedUnknown(project);
        const before = await runner.export();
        expect(before.calls.u?.status).toBe('unknown');
        expect(
          await runner.observe([
            { key: 'f', outcome: answered },
            { key: 'u', outcome: busy },
            { key: 'absent', outcome: answered },
          ]),
        ).toEqual([]);
        await runner.persist();
        expect(await runner.export()).toEqual(before);
        for (const key of ['f', 'u'])
          expect((await runner.read()).lock.calls[key]?.outcome).toBeUndefined();
      });

      test('an outcome survives an export and import into another project', async () => {
        const from = await harness.project();
        const runner = await placedFailedUnknown(from);
        expect(await runner.observe([{ key: 'p', outcome: busy }])).toEqual(['p']);
        await runner.persist();
        const exported = await runner.export();
        expect(exported.calls.p?.outcome).toEqual(busy);
        const to = await storeOn(await harness.project());
        expect(await to.import(exported)).toEqual({
          ok: true,
          imported: 3,
          unchanged: 0,
          inHistory: 0,
          conflicts: [],
          settled: [],
        });
        const back = await to.export();
        expect(back.calls.p?.outcome).toEqual(busy);
        expect(serializeLockfile(back)).toBe(serializeLockfile(exported));
      });
    });

    describe('settle, replace, abandon, schedule memory, persist', () => {
      const unknownKey = async (project: Project, key: string): Promise<void> => {
        await killedRunner(project, { claim: [key] });
      };

      test('settle records an unknown key placed with its sid, or not placed (then failed, due again)', async () => {
        const project = await harness.project();
        await unknownKey(project, 'u1');
        await unknownKey(project, 'u2');
        const runner = await runnerOn(project);
        await runner.settle('u1', { placed: 'sid-by-hand' });
        await runner.settle('u2', { notPlaced: true });
        await runner.persist();
        await finish(runner);
        const reader = await storeOn(project);
        const { calls } = (await reader.read()).lock;
        expect(calls.u1).toMatchObject({
          status: 'placed',
          sid: 'sid-by-hand',
          resolvedBy: 'hand',
        });
        expect(calls.u2).toMatchObject({ status: 'failed', resolvedBy: 'hand' });
        await finish(reader);
        const next = await runnerOn(project);
        expect(await next.claim(claimOf('u1'))).toEqual({ recorded: 'placed' });
        expect(await next.claim(claimOf('u2'))).toBe(true);
      });

      test('settle refuses a key that is not unknown, and a sid recorded for another key', async () => {
        const project = await harness.project();
        await unknownKey(project, 'u');
        const runner = await runnerOn(project);
        expect(await runner.claim(claimOf('p'))).toBe(true);
        await runner.record(placed('p'));
        await expect(runner.settle('p', { notPlaced: true })).rejects.toThrow(/not unknown/);
        await expect(runner.settle('u', { placed: 'sid-p' })).rejects.toThrow(
          /already recorded for p/,
        );
        expect((await runner.read()).lock.calls.u?.status).toBe('unknown');
      });

      test('a replacement claims a placed key; the earlier sid moves to the history', async () => {
        const project = await harness.project();
        const runner = await runnerOn(project);
        expect(await runner.claim(claimOf('r'))).toBe(true);
        await runner.record(placed('r', 'sid-1'));
        expect(await runner.claim(claimOf('r', { replace: true, replaces: 'sid-1' }))).toBe(true);
        await runner.record({ ...placed('r', 'sid-2'), replace: true });
        await runner.persist();
        await finish(runner);
        const reader = await storeOn(project);
        expect((await reader.read()).lock.calls.r).toMatchObject({
          status: 'placed',
          sid: 'sid-2',
          history: [{ sid: 'sid-1', callId: 'call-r', at: '2026-11-24T10:00:01.000Z' }],
        });
      });

      test('a replacement claims the key only while it holds the sid the plan named', async () => {
        const project = await harness.project();
        const first = await runnerOn(project);
        expect(await first.claim(claimOf('r'))).toBe(true);
        await first.record(placed('r', 'sid-1'));
        // Two runners where the store allows them; else one runner after the other.
        const second = first.concurrentRunners ? await runnerOn(project) : first;
        const replacing = (sid: string, attempt = 1) =>
          claimOf('r', { replace: true, replaces: sid, attempt });
        expect(await first.claim(replacing('sid-1'))).toBe(true);
        if (second !== first) {
          // While the first replacement is in flight, a second one of sid-1 waits for nothing.
          expect(await second.claim(replacing('sid-1'))).toBe(false);
        }
        // A retry of a replacement this runner claimed is the same placement.
        expect(await first.claim(replacing('sid-1', 2))).toBe(true);
        await first.record({ ...placed('r', 'sid-2'), replace: true });
        // sid-1 is replaced already: a replacement planned before that sends nothing.
        expect(await second.claim(replacing('sid-1'))).toBe(false);
        expect(await second.claim(claimOf('r', { replace: true }))).toBe(false);
        const { calls } = (await second.read()).lock;
        expect(calls.r).toMatchObject({ status: 'placed', sid: 'sid-2' });
        expect(calls.r?.history?.map((h) => h.sid)).toEqual(['sid-1']);
        // A replacement of the call the entry holds now is one.
        expect(await second.claim(replacing('sid-2'))).toBe(true);
        // Nor does a replacement take a key a replacement left failed (nor one not placed).
        await second.record({ ...failed('r'), replace: true });
        expect(await first.claim(replacing('sid-2'))).toBe(false);
        expect(await first.claim(claimOf('new', { replace: true, replaces: 'sid-2' }))).toBe(false);
      });

      test('an abandoned claim leaves the key as it was: no entry, or the entry it had', async () => {
        const project = await harness.project();
        const runner = await runnerOn(project);
        expect(await runner.claim(claimOf('kept'))).toBe(true);
        await runner.record(placed('kept'));
        const unsent = { key: 'x', status: 'failed' as const, at: AT, message: 'unsent', ...meta };
        expect(await runner.claim(claimOf('x'))).toBe(true);
        await runner.abandon(unsent);
        expect(await runner.claim(claimOf('kept', { replace: true, replaces: 'sid-kept' }))).toBe(
          true,
        );
        await runner.abandon({ ...unsent, key: 'kept', replace: true });
        await runner.persist();
        await finish(runner);
        const reader = await storeOn(project);
        const view = await reader.read();
        expect(Object.keys(view.lock.calls)).toEqual(['kept']);
        expect(view.lock.calls.kept).toMatchObject({ status: 'placed', sid: 'sid-kept' });
        expect(view.lock.calls.kept?.history).toBeUndefined();
      });

      test('schedule memory is kept, exported, and survives the next runner', async () => {
        const project = await harness.project();
        const runner = await runnerOn(project);
        const schedules = {
          'default/b': { since: AT },
          'default/a': { since: AT, reportedThrough: '2026-11-24T11:00:00.000Z' },
        };
        await runner.remember(schedules);
        expect(await runner.claim(claimOf('k'))).toBe(true);
        await runner.record(placed('k'));
        await runner.persist();
        await finish(runner);
        const reader = await storeOn(project);
        const exported = await reader.export();
        expect(exported.schedules).toEqual(schedules);
        expect(Object.keys(exported.schedules ?? {})).toEqual(['default/a', 'default/b']);
        expect(Object.keys(exported.calls)).toEqual(['k']);
      });

      test('persist makes every outcome so far visible to a store opened afterwards', async () => {
        const project = await harness.project();
        const runner = await runnerOn(project);
        expect(await runner.claim(claimOf('a'))).toBe(true);
        await runner.record(placed('a'));
        await runner.persist();
        // Still running (still holding the file store's lock): a reader sees the outcome.
        const reader = await storeOn(project);
        expect((await reader.read()).lock.calls.a).toMatchObject({ status: 'placed' });
      });
    });

    describe('crash folding', () => {
      test('claims of a runner that died without outcomes are unknown, never re-sent by themselves', async () => {
        const project = await harness.project();
        await killedRunner(project, { claim: ['k1', 'k2'] });
        const reader = await storeOn(project);
        const view = await reader.read();
        expect(Object.keys(view.lock.calls)).toEqual(['k1', 'k2']);
        for (const key of ['k1', 'k2']) {
          expect(view.lock.calls[key]).toMatchObject({ status: 'unknown', message: INTERRUPTED });
        }
        expect(view.inFlight.size).toBe(0);
        await finish(reader);
        const next = await runnerOn(project);
        expect(await next.claim(claimOf('k1'))).toEqual({ recorded: 'unknown' });
        expect((await next.read()).lock.calls.k1?.status).toBe('unknown');
        // Only a decision of the user sends it again.
        expect(await next.claim(claimOf('k1', { retryUnknown: true }))).toBe(true);
        await next.record(placed('k1'));
        expect((await next.read()).lock.calls.k1?.status).toBe('placed');
      });
    });

    describe('the gateway a placement went to', () => {
      const G = 'sha256:0123456789abcdef';
      test('is kept by its entry: placed, and a claim a crash left unknown', async () => {
        const project = await harness.project();
        await killedRunner(project, { claim: ['k1'], gateway: G });
        const reader = await storeOn(project);
        expect((await reader.read()).lock.calls.k1).toMatchObject({
          status: 'unknown',
          message: INTERRUPTED,
          gateway: G,
        });
        await finish(reader);
        const runner = await runnerOn(project);
        expect(await runner.claim(claimOf('k2', { gateway: G }))).toBe(true);
        // Being placed, it is read with it too.
        expect((await runner.read()).lock.calls.k2).toMatchObject({ gateway: G });
        await runner.record({ ...placed('k2'), gateway: G });
        expect(await runner.claim(claimOf('k3'))).toBe(true);
        await runner.record(placed('k3'));
        await finish(runner);
        const later = await storeOn(project);
        const { calls } = (await later.read()).lock;
        expect(calls.k1).toMatchObject({ status: 'unknown', gateway: G });
        expect(calls.k2).toMatchObject({ status: 'placed', gateway: G });
        // A placement that records none (an earlier release's) has none.
        expect(calls.k3).toMatchObject({ status: 'placed' });
        expect(calls.k3?.gateway).toBeUndefined();
      });
    });

    describe('locks', () => {
      test('a second holder is refused with who holds it; release lets it in', async () => {
        const project = await harness.project();
        const first = await storeOn(project);
        const second = await storeOn(project);
        const since = new Date('2026-11-24T10:00:00.000Z');
        const held = await first.lock({ command: 'callops run', now: since });
        if (!held.ok) throw new Error('the first lock was refused');
        const refused = await second.lock({ command: 'callops apply', now: new Date() });
        expect(refused.ok).toBe(false);
        // Since when: the file store's by the holder's clock, a database's by the database's.
        expect(refused.holder).toMatchObject({
          command: 'callops run',
          pid: process.pid,
          since: held.holder.since,
        });
        expect(refused.holder.host).not.toBe('');
        await held.release();
        const again = await second.lock({ command: 'callops apply', now: new Date() });
        expect(again.ok).toBe(true);
        if (again.ok) await again.release();
      });

      test('the lock of a runner that died is free again', async () => {
        const project = await harness.project();
        await killedRunner(project, { lock: true });
        const store = await storeOn(project);
        const held = await store.lock({ command: 'callops run', now: new Date() });
        expect(held.ok).toBe(true);
        if (held.ok) await held.release();
      });
    });

    describe('retention (state.keep)', () => {
      const DAY = 24 * 60 * 60 * 1000;
      const old = 'default/daily@2020-01-01T09:00:00.000Z';
      const oldUnknown = 'default/daily@2020-01-02T09:00:00.000Z';
      const recent = `default/daily@${new Date(Date.now() - DAY / 2).toISOString()}`;
      const gone = 'default/removed@2020-01-03T09:00:00.000Z';
      const retention: Retention = {
        calls: () => [{ name: 'daily', schedule: { deadlineMs: 60 * 60 * 1000 } }],
        keepMs: DAY,
      };

      test('an expired recurring entry leaves the view and export; unknown, recent and unscheduled ones stay', async () => {
        const project = await harness.project();
        const pusher = await project.open();
        const imported = await pusher.import({
          lockfileVersion: 1,
          calls: {
            [old]: { status: 'placed', sid: 'sid-old', at: AT, ...meta },
            [oldUnknown]: { status: 'unknown', at: AT, ...meta, message: INTERRUPTED },
            [recent]: { status: 'placed', sid: 'sid-recent', at: AT, ...meta },
            [gone]: { status: 'failed', at: AT, ...meta, message: 'busy' },
            'default/welcome': { status: 'placed', sid: 'sid-w', at: AT, ...meta },
          },
        });
        expect(imported).toMatchObject({ ok: true, imported: 5 });
        await pusher.close();
        const kept = ['default/welcome', oldUnknown, recent].sort();
        const reader = await project.open({ retention });
        open.push(reader);
        expect(Object.keys((await reader.read()).lock.calls).sort()).toEqual(kept);
        expect(Object.keys((await reader.export()).calls)).toEqual(kept);
        // Without retention (a command that does not load the calls) nothing is dropped
        // from a store that kept the rows; the file store has them until it is written.
        const plain = await storeOn(project);
        expect(Object.keys((await plain.read()).lock.calls)).toHaveLength(5);
      });

      test('a runner holding the state with retention records on top of the pruned view', async () => {
        const project = await harness.project();
        const pusher = await project.open();
        await pusher.import({
          lockfileVersion: 1,
          calls: { [old]: { status: 'placed', sid: 'sid-old', at: AT, ...meta } },
        });
        await pusher.close();
        const runner = await project.open({ retention });
        open.push(runner);
        if (!runner.concurrentRunners) {
          expect((await runner.lock({ command: 'callops apply', now: new Date() })).ok).toBe(true);
        }
        expect(await runner.claim(claimOf('default/welcome'))).toBe(true);
        await runner.record(placed('default/welcome'));
        await runner.persist();
        expect(Object.keys((await runner.export()).calls)).toEqual(['default/welcome']);
      });
    });

    describe('another writer', () => {
      test('what another writer placed meanwhile is taken in, never placed again; the runner keeps its own', async () => {
        const project = await harness.project();
        const runner = await runnerOn(project);
        expect(await runner.claim(claimOf('own'))).toBe(true);
        await runner.record(placed('own'));
        await runner.persist();
        await project.placeElsewhere('pulled', 'sid-pulled');
        // Before it plans again: the file store reads a changed lockfile in here.
        await runner.reread();
        const { calls } = (await runner.read()).lock;
        expect(calls.pulled).toMatchObject({ status: 'placed', sid: 'sid-pulled' });
        expect(calls.own).toMatchObject({ status: 'placed', sid: 'sid-own' });
        expect(await runner.claim(claimOf('pulled'))).toEqual({ recorded: 'placed' });
        expect(await runner.claim(claimOf('next'))).toBe(true);
        await runner.record(placed('next'));
        await runner.persist();
        await finish(runner);
        const reader = await storeOn(project);
        const after = (await reader.read()).lock.calls;
        expect(Object.keys(after).sort()).toEqual(['next', 'own', 'pulled']);
        expect(after.pulled?.sid).toBe('sid-pulled');
      });
    });

    describe('export and import', () => {
      const pushed: Lockfile = {
        lockfileVersion: 1,
        calls: {
          'welcome@2026-11-24T10:00:00Z': {
            status: 'placed',
            sid: 'sid-w',
            at: AT,
            ...meta,
            message: 'settled by hand: placed',
            resolvedBy: 'hand',
          },
          Zeta: { status: 'unknown', at: AT, ...meta, message: INTERRUPTED },
          alpha: { status: 'failed', at: AT, ...meta, httpStatus: 503, message: 'busy' },
        },
      };

      test('export is the lockfile view in callops.lock format, keys in lockfile order', async () => {
        const project = await harness.project();
        const runner = await runnerOn(project);
        for (const key of ['b', 'B', 'a-1', 'a']) {
          expect(await runner.claim(claimOf(key))).toBe(true);
          await runner.record(key === 'B' ? failed(key) : placed(key));
        }
        const exported = await runner.export();
        expect(Object.keys(exported.calls)).toEqual(['B', 'a', 'a-1', 'b']);
        expect(serializeLockfile(exported)).toBe(
          `${JSON.stringify(
            {
              calls: Object.fromEntries(
                ['B', 'a', 'a-1', 'b'].map((key) => [
                  key,
                  key === 'B'
                    ? {
                        at: '2026-11-24T10:00:02.000Z',
                        definition: meta.definition,
                        file: meta.file,
                        httpStatus: 480,
                        message: 'Temporarily Unavailable',
                        status: 'failed',
                      }
                    : {
                        at: '2026-11-24T10:00:01.000Z',
                        callId: `call-${key}`,
                        definition: meta.definition,
                        file: meta.file,
                        sid: `sid-${key}`,
                        status: 'placed',
                      },
                ]),
              ),
              lockfileVersion: 1,
            },
            null,
            2,
          )}\n`,
        );
      });

      test('import adds a lockfile once; pushing it again changes nothing', async () => {
        const project = await harness.project();
        const store = await storeOn(project);
        expect(await store.import(pushed)).toEqual({
          ok: true,
          imported: 3,
          unchanged: 0,
          inHistory: 0,
          conflicts: [],
          settled: [],
        });
        expect(serializeLockfile(await store.export())).toBe(serializeLockfile(pushed));
        expect(await store.import(pushed)).toEqual({
          ok: true,
          imported: 0,
          unchanged: 3,
          inHistory: 0,
          conflicts: [],
          settled: [],
        });
        expect(serializeLockfile(await store.export())).toBe(serializeLockfile(pushed));
        await finish(store);
        // What was imported behaves like what was recorded.
        const runner = await runnerOn(project);
        expect(await runner.claim(claimOf('welcome@2026-11-24T10:00:00Z'))).toEqual({
          recorded: 'placed',
        });
        expect(await runner.claim(claimOf('Zeta'))).toEqual({ recorded: 'unknown' });
        expect(await runner.claim(claimOf('alpha'))).toBe(true);
      });

      test('a conflicting key is refused and left as the store has it; every other entry is imported', async () => {
        const project = await harness.project();
        const runner = await runnerOn(project);
        expect(await runner.claim(claimOf('alpha'))).toBe(true);
        await runner.record(placed('alpha'));
        const result = await runner.import(pushed);
        expect(result).toEqual({
          ok: false,
          imported: 2,
          unchanged: 0,
          inHistory: 0,
          conflicts: [
            {
              key: 'alpha',
              store: { status: 'placed', sid: 'sid-alpha' },
              lockfile: { status: 'failed' },
            },
          ],
          settled: [],
        });
        const after = await runner.export();
        expect(after.calls.alpha).toMatchObject({ status: 'placed', sid: 'sid-alpha' });
        expect(after.calls.Zeta).toEqual(pushed.calls.Zeta);
        expect(after.calls['welcome@2026-11-24T10:00:00Z']).toEqual(
          pushed.calls['welcome@2026-11-24T10:00:00Z'],
        );
        // Pushed again: the imported entries are there already, the conflict stays refused.
        expect(await runner.import(pushed)).toMatchObject({ ok: false, imported: 0, unchanged: 2 });
      });

      test('keepStore keeps what recorded more of each call, and the other sid in its history', async () => {
        const project = await harness.project();
        const runner = await runnerOn(project);
        for (const key of ['both', 'stale']) {
          expect(await runner.claim(claimOf(key))).toBe(true);
          await runner.record(key === 'stale' ? failed(key) : placed(key, 'sid-store'));
        }
        const lockfileEntry = {
          status: 'placed' as const,
          sid: 'sid-lockfile',
          callId: 'call-lockfile',
          at: '2026-11-24T09:00:00.000Z',
          number: 'sha256:00000000000000a1',
          ...meta,
        };
        const result = await runner.import(
          {
            lockfileVersion: 1,
            calls: { both: lockfileEntry, stale: lockfileEntry, fresh: lockfileEntry },
          },
          { keepStore: true },
        );
        expect(result).toEqual({
          ok: true,
          imported: 1,
          unchanged: 0,
          inHistory: 0,
          conflicts: [],
          settled: [
            {
              key: 'both',
              store: { status: 'placed', sid: 'sid-store' },
              lockfile: { status: 'placed', sid: 'sid-lockfile' },
              kept: 'store',
              historied: ['sid-lockfile'],
            },
            {
              key: 'stale',
              store: { status: 'failed' },
              lockfile: { status: 'placed', sid: 'sid-lockfile' },
              kept: 'lockfile',
              historied: [],
            },
          ],
        });
        const after = (await runner.export()).calls;
        // Both calls rang: the store's stays the entry, the lockfile's is in its history.
        expect(after.both).toMatchObject({
          status: 'placed',
          sid: 'sid-store',
          history: [
            {
              sid: 'sid-lockfile',
              callId: 'call-lockfile',
              at: lockfileEntry.at,
              number: lockfileEntry.number,
              joinedFrom: 'lockfile',
            },
          ],
        });
        // A failed entry called no one: the placed one takes its place, never due again.
        expect(after.stale).toEqual(lockfileEntry);
        expect(after.fresh).toEqual(lockfileEntry);
        expect(await runner.claim(claimOf('stale'))).toEqual({ recorded: 'placed' });
        // Pushed again, with keepStore or without: the store's entry keeps the lockfile's sid
        // already, so the key is no conflict, and nothing changes.
        const before = serializeLockfile(await runner.export());
        for (const options of [{ keepStore: true }, {}]) {
          expect(
            await runner.import(
              { lockfileVersion: 1, calls: { both: lockfileEntry, stale: lockfileEntry } },
              options,
            ),
          ).toEqual({
            ok: true,
            imported: 0,
            unchanged: 2,
            inHistory: 1,
            conflicts: [],
            settled: [],
          });
        }
        expect(serializeLockfile(await runner.export())).toBe(before);
      });

      test('a key a live runner is placing is in flight: refused, also with keepStore', async () => {
        const project = await harness.project();
        const runner = await runnerOn(project);
        expect(await runner.claim(claimOf('alpha'))).toBe(true);
        const pusher = await storeOn(project);
        if (!runner.concurrentRunners) {
          // The file store's runner holds the run lock: an import waits for no claim.
          await expect(pusher.import(pushed, { keepStore: true })).rejects.toThrow(/in use/);
          return;
        }
        const result = await pusher.import(pushed, { keepStore: true });
        expect(result.conflicts).toEqual([
          {
            key: 'alpha',
            store: { status: 'unknown', inFlight: true },
            lockfile: { status: 'failed' },
          },
        ]);
        expect(result).toMatchObject({ ok: false, imported: 2, settled: [] });
        await runner.record(placed('alpha'));
        expect((await runner.export()).calls.alpha).toMatchObject({ status: 'placed' });
      });
    });

    describe('per-number limits', () => {
      const D = 'sha256:00000000000000d1';
      const E = 'sha256:00000000000000e2';
      const HOUR = 3_600_000;
      const limited = (key: string, number: string, count: number, fields: Partial<Claim> = {}) =>
        claimOf(key, { number, limit: { count, windowMs: HOUR }, ...fields });

      test('claims beyond the limit are refused, with no entry; other numbers are not', async () => {
        const project = await harness.project();
        const runner = await runnerOn(project);
        expect(await runner.claim(limited('a', D, 2))).toBe(true);
        await runner.record({ ...placed('a'), number: D });
        expect(await runner.claim(limited('b', D, 2))).toBe(true);
        expect(await runner.claim(limited('c', D, 2))).toBe('limited');
        expect(await runner.claim(limited('d', E, 2))).toBe(true);
        // A retry of a key this runner claimed is the same placement: never refused.
        expect(await runner.claim(limited('b', D, 2, { attempt: 2 }))).toBe(true);
        const other = await storeOn(project);
        const { calls } = (await other.read()).lock;
        expect(Object.keys(calls).sort()).toEqual(['a', 'b', 'd']);
        expect(calls.a?.number).toBe(D);
        expect(calls.b?.number).toBe(D);
        expect(calls.d?.number).toBe(E);
        // The limit holds for every runner of the project, not only the one that claimed.
        await finish(runner);
        const next = await runnerOn(project);
        expect(await next.claim(limited('c', D, 2))).toBe('limited');
        expect(await next.claim(limited('c', D, 3))).toBe(true);
      });

      test('a call replaced by --replace keeps counting for the number it dialled', async () => {
        const project = await harness.project();
        const runner = await runnerOn(project);
        expect(await runner.claim(limited('a', D, 1))).toBe(true);
        await runner.record({ ...placed('a', 'sid-1'), number: D });
        // a is placed again to another number: its first call stays in its history.
        expect(await runner.claim(limited('a', E, 1, { replace: true, replaces: 'sid-1' }))).toBe(
          true,
        );
        await runner.record({ ...placed('a', 'sid-2'), number: E, replace: true });
        expect((await runner.read()).lock.calls.a?.history).toEqual([
          { sid: 'sid-1', callId: 'call-a', at: placed('a').at, number: D },
        ]);
        expect(await runner.claim(limited('b', D, 1))).toBe('limited');
        await runner.persist();
        await finish(runner);
        const next = await runnerOn(project);
        expect(await next.claim(limited('b', D, 1))).toBe('limited');
        expect(await next.claim(limited('b', D, 2))).toBe(true);
        // A replacement is another call of its number: the key's placed call counts too.
        const again = { replace: true, replaces: 'sid-2' } as const;
        expect(await next.claim(limited('a', E, 1, again))).toBe('limited');
        // An abandoned replacement leaves the entry as it was, its number included.
        expect(await next.claim(limited('a', D, 3, again))).toBe(true);
        expect(await next.claim(limited('a', D, 3, { ...again, attempt: 2 }))).toBe(true);
        const unsent = { key: 'a', status: 'failed' as const, at: AT, message: 'unsent', ...meta };
        await next.abandon({ ...unsent, replace: true });
        expect((await next.read()).lock.calls.a).toMatchObject({ sid: 'sid-2', number: E });
      });

      test('claims older than the window and failed entries are not counted', async () => {
        const project = await harness.project();
        const runner = await runnerOn(project);
        const old = '2026-11-24T08:00:00.000Z';
        expect(await runner.claim(limited('old', D, 1, { at: old }))).toBe(true);
        await runner.record({ ...placed('old'), at: old, number: D });
        expect(await runner.claim(limited('refused', D, 1))).toBe(true);
        await runner.record({ ...failed('refused'), number: D });
        expect(await runner.claim(limited('now', D, 1))).toBe(true);
        expect(await runner.claim(limited('later', D, 1))).toBe('limited');
        const { calls } = (await runner.read()).lock;
        expect(Object.keys(calls).sort()).toEqual(['now', 'old', 'refused']);
      });

      test('an unknown entry counts: it may have rung', async () => {
        const project = await harness.project();
        await killedRunner(project, { claim: ['gone'] });
        const runner = await runnerOn(project);
        // runner.mjs claims without a number: give the entry one through a new claim's view.
        expect((await runner.read()).lock.calls.gone?.status).toBe('unknown');
        expect(await runner.claim(limited('x', D, 1))).toBe(true);
        await runner.record({ ...placed('x'), status: 'unknown', sid: undefined, number: D });
        expect(await runner.claim(limited('y', D, 1))).toBe('limited');
      });

      test('a settled entry stays the attempt it was: placed keeps counting, not placed stops', async () => {
        const project = await harness.project();
        const runner = await runnerOn(project);
        const unknown = { status: 'unknown' as const, sid: undefined, callId: undefined };
        expect(await runner.claim(limited('x', D, 1))).toBe(true);
        await runner.record({ ...placed('x'), ...unknown, number: D });
        expect(await runner.claim(limited('z', E, 1))).toBe(true);
        await runner.record({ ...placed('z'), ...unknown, number: E });
        await runner.settle('x', { placed: 'sid-found', note: 'found', resolvedBy: 'gateway' });
        await runner.settle('z', { notPlaced: true });
        // In the same run: the call that rang still fills its number's slot, the other not.
        expect(await runner.claim(limited('y', D, 1))).toBe('limited');
        expect(await runner.claim(limited('w', E, 1))).toBe(true);
        await runner.record({ ...placed('w'), number: E });
        await runner.persist();
        await finish(runner);
        const next = await runnerOn(project);
        expect(await next.claim(limited('y', D, 1))).toBe('limited');
        const { calls } = (await next.read()).lock;
        expect(calls.x).toEqual({
          status: 'placed',
          sid: 'sid-found',
          at: placed('x').at,
          ...meta,
          number: D,
          message: 'found',
          resolvedBy: 'gateway',
        });
        expect(calls.z).toMatchObject({
          status: 'failed',
          at: placed('z').at,
          number: E,
          resolvedBy: 'hand',
        });
      });

      test('claims made at once for the last slot: exactly one wins', async () => {
        const project = await harness.project();
        const first = await runnerOn(project);
        // Two runners where the store allows them; else one runner claiming at once.
        const second = first.concurrentRunners ? await runnerOn(project) : first;
        expect(await first.claim(limited('a', D, 2))).toBe(true);
        const keys = ['p', 'q', 'r', 's', 't', 'u', 'v', 'w'];
        const results = await Promise.all(
          keys.map((key, i) => (i % 2 === 0 ? first : second).claim(limited(key, D, 2))),
        );
        expect(results).toHaveLength(keys.length);
        expect(results.filter((r) => r === true)).toHaveLength(1);
        expect(results.filter((r) => r === 'limited')).toHaveLength(keys.length - 1);
        const { calls } = (await first.read()).lock;
        expect(Object.keys(calls).filter((k) => calls[k]?.number === D)).toHaveLength(2);
      });
    });

    // The file store's run lock admits one runner: the plan holds such a row (an earlier
    // row of the same run included), and no claim of another runner can come between.
    if (harness.concurrentRunners)
      describe('campaign rows: a person is called once whatever key names them', () => {
        const D = 'sha256:00000000000000d1';
        const E = 'sha256:00000000000000e2';
        const PREFIX = 'sim/camp/';
        /** Row `row` of campaign `camp`, at `slot` when given, dialling `number`. */
        const row = (
          id: string,
          number: string,
          fields: Partial<Claim> & { readonly slot?: string; readonly sharing?: string[] } = {},
          prefix = PREFIX,
        ): Claim => {
          const { slot, sharing, ...rest } = fields;
          const key = `${prefix}${id}${slot === undefined ? '' : `@${slot}`}`;
          return claimOf(key, {
            number,
            campaign: {
              campaign: prefix.split('/')[1] as string,
              row: id.replace(/#.*$/, ''),
              ...(slot === undefined ? {} : { slot }),
              ...(sharing === undefined ? {} : { sharing }),
            },
            ...rest,
          });
        };

        test("a row whose number another row's key dialled is refused, naming that entry; nothing is recorded", async () => {
          const project = await harness.project();
          const runner = await runnerOn(project);
          expect(await runner.claim(row('1', D))).toBe(true);
          await runner.record({ ...placed(`${PREFIX}1`), number: D });
          const refused = {
            dialled: {
              key: `${PREFIX}1`,
              status: 'placed',
              sid: `sid-${PREFIX}1`,
              at: placed('x').at,
            },
          };
          expect(await runner.claim(row('2', D))).toEqual(refused);
          // Its own key's next attempts (a redial, a retry) are its own calls.
          expect(await runner.claim(row('1#2', D))).toBe(true);
          // Another number, another campaign, a call of no campaign: not this person here.
          expect(await runner.claim(row('3', E))).toBe(true);
          expect(await runner.claim(row('1', D, {}, 'sim/other/'))).toBe(true);
          expect(await runner.claim(claimOf('sim/literal', { number: D }))).toBe(true);
          // A row that shares the number (an id column, two people at one phone) is let through.
          expect(await runner.claim(row('4', D, { sharing: ['1'] }))).toBe(true);
          const { calls } = (await runner.read()).lock;
          expect(Object.keys(calls).sort()).toEqual(
            [
              `${PREFIX}1`,
              `${PREFIX}1#2`,
              `${PREFIX}3`,
              `${PREFIX}4`,
              'sim/literal',
              'sim/other/1',
            ].sort(),
          );
          // Every runner of the project refuses it, not only the one that placed the number.
          await runner.persist();
          await finish(runner);
          const next = await runnerOn(project);
          expect(await next.claim(row('2', D))).toEqual(refused);
          expect((await next.read()).lock.calls[`${PREFIX}2`]).toBeUndefined();
        });

        test("the campaign's rows under another target count; its own row's and keys let through do not", async () => {
          const project = await harness.project();
          const runner = await runnerOn(project);
          // Row 1 called D under target `gw` (renamed since, or another name for a gateway).
          expect(await runner.claim(row('1', D, {}, 'gw/camp/'))).toBe(true);
          await runner.record({ ...placed('gw/camp/1'), number: D });
          const found = {
            dialled: {
              key: 'gw/camp/1',
              status: 'placed',
              sid: 'sid-gw/camp/1',
              at: placed('x').at,
            },
          };
          expect(await runner.claim(row('2', D))).toEqual(found);
          // The row's own key under the other target is its own; so is a key let through
          // (under a target on another gateway); another campaign under it is not this one.
          expect(await runner.claim(row('1', D))).toBe(true);
          const beside = row('3', D);
          expect(
            await runner.claim({
              ...beside,
              campaign: {
                ...(beside.campaign as CampaignScope),
                beside: ['gw/camp/1', `${PREFIX}1`],
              },
            }),
          ).toBe(true);
          expect(await runner.claim(row('4', D, {}, 'gw/other/'))).toBe(true);
          expect(await runner.claim(row('5', D, {}, 'gw/camp-2/'))).toBe(true);
          expect((await runner.read()).lock.calls[`${PREFIX}2`]).toBeUndefined();
        });

        test('a claim being placed and an unknown entry count; a failed one does not', async () => {
          const project = await harness.project();
          const first = await runnerOn(project);
          // Two runners where the store allows them; else the one runner claims both.
          const second = first.concurrentRunners ? await runnerOn(project) : first;
          expect(await first.claim(row('1', D))).toBe(true);
          expect(await second.claim(row('2', D))).toEqual({
            dialled: { key: `${PREFIX}1`, status: 'being placed', at: AT },
          });
          await first.record({ ...failed(`${PREFIX}1`), number: D });
          expect(await second.claim(row('2', D))).toBe(true);
          await second.record({
            ...placed(`${PREFIX}2`),
            status: 'unknown',
            sid: undefined,
            number: D,
          });
          expect(await first.claim(row('3', D))).toEqual({
            dialled: { key: `${PREFIX}2`, status: 'unknown', at: placed('x').at },
          });
        });

        test("a scheduled campaign's row is refused for an entry of its own slot only", async () => {
          const project = await harness.project();
          const runner = await runnerOn(project);
          const slot = '2026-11-24T10:00:00Z';
          const next = '2026-11-25T10:00:00Z';
          expect(await runner.claim(row('1', D, { slot }))).toBe(true);
          expect(await runner.claim(row('2', D, { slot: next }))).toBe(true);
          expect(await runner.claim(row('3', D, { slot }))).toEqual({
            dialled: { key: `${PREFIX}1@${slot}`, status: 'being placed', at: AT },
          });
          expect(await runner.claim(row('1', D, { slot: next }))).toEqual({
            dialled: { key: `${PREFIX}2@${next}`, status: 'being placed', at: AT },
          });
        });

        test('rows of one number claimed at once: exactly one wins', async () => {
          const project = await harness.project();
          const first = await runnerOn(project);
          const second = first.concurrentRunners ? await runnerOn(project) : first;
          const ids = ['1', '2', '3', '4', '5', '6', '7', '8'];
          const results = await Promise.all(
            ids.map((id, i) => (i % 2 === 0 ? first : second).claim(row(id, D))),
          );
          expect(results.filter((r) => r === true)).toHaveLength(1);
          expect(results.filter((r) => typeof r === 'object')).toHaveLength(ids.length - 1);
          const { calls } = (await first.read()).lock;
          expect(Object.keys(calls)).toHaveLength(1);
        });
      });

    // Likewise a slot: with one runner, the plan holds a slot another name placed.
    if (harness.concurrentRunners)
      describe("a slot's number: another key of the slot that dialled it is named", () => {
        const D = 'sha256:00000000000000d1';
        const E = 'sha256:00000000000000e2';
        const SLOT = '2026-11-24T10:00:00Z';
        const NEXT = '2026-11-24T10:01:00Z';
        /** Call `name`'s slot on target `sim`, dialling `number`, with keys let through. */
        const slotOf = (
          name: string,
          number: string,
          slot = SLOT,
          beside?: readonly string[],
        ): Claim =>
          claimOf(`sim/${name}@${slot}`, {
            number,
            sameSlot: {
              slot,
              own: `sim/${name}@`,
              ...(beside === undefined ? {} : { beside }),
            },
          });

        test('found placed or being placed, of that slot and number alone, under any target; nothing is recorded', async () => {
          const project = await harness.project();
          const first = await runnerOn(project);
          const second = await runnerOn(project);
          expect(await first.claim(slotOf('old', D))).toBe(true);
          expect(await second.claim(slotOf('new', D))).toEqual({
            slotDialled: { key: `sim/old@${SLOT}`, status: 'being placed', at: AT },
          });
          expect((await second.read()).lock.calls[`sim/new@${SLOT}`]).toBeUndefined();
          // Under another target too (a call renamed along with its target), its own name's
          // keys as well: a call's own keys are those on its target alone.
          const elsewhere = (name: string, beside?: readonly string[]): Claim =>
            claimOf(`lab/${name}@${SLOT}`, {
              number: D,
              sameSlot: {
                slot: SLOT,
                own: `lab/${name}@`,
                ...(beside === undefined ? {} : { beside }),
              },
            });
          for (const name of ['new', 'old']) {
            expect(await second.claim(elsewhere(name))).toEqual({
              slotDialled: { key: `sim/old@${SLOT}`, status: 'being placed', at: AT },
            });
            expect((await second.read()).lock.calls[`lab/${name}@${SLOT}`]).toBeUndefined();
          }
          // Another number, another slot, a key let through: not this slot's.
          expect(await second.claim(slotOf('other', E))).toBe(true);
          expect(await second.claim(slotOf('new', D, NEXT))).toBe(true);
          expect(await second.claim(elsewhere('new', [`sim/old@${SLOT}`]))).toBe(true);
          await second.record({ ...failed(`lab/new@${SLOT}`), number: D });
          expect(await second.claim(slotOf('beside', D, SLOT, [`sim/old@${SLOT}`]))).toBe(true);
          await second.record({ ...failed(`sim/beside@${SLOT}`), number: D });
          // Its own key's next attempt, and a campaign's rows under `own`, are its own.
          expect(await first.claim({ ...slotOf('old', D), attempt: 2 })).toBe(true);
          await first.record({ ...placed(`sim/old@${SLOT}`), number: D });
          expect(await second.claim(slotOf('new', D))).toEqual({
            slotDialled: {
              key: `sim/old@${SLOT}`,
              status: 'placed',
              sid: `sid-sim/old@${SLOT}`,
              at: placed('x').at,
            },
          });
          const row = (beside?: readonly string[]) =>
            claimOf(`sim/camp/r1@${SLOT}`, {
              number: D,
              sameSlot: {
                slot: SLOT,
                own: 'sim/camp/',
                ...(beside === undefined ? {} : { beside }),
              },
            });
          // A failed entry dialled no one: the placed one is found, and once let through, none.
          expect(await second.claim(row())).toMatchObject({
            slotDialled: { key: `sim/old@${SLOT}` },
          });
          expect(await second.claim(row([`sim/old@${SLOT}`]))).toBe(true);
          expect(
            await second.claim(
              claimOf(`sim/camp/r2@${SLOT}`, {
                number: D,
                sameSlot: {
                  slot: SLOT,
                  own: 'sim/camp/',
                  beside: [`sim/old@${SLOT}`],
                },
              }),
            ),
          ).toBe(true);
        });

        test('claims of one slot and number under several names at once: exactly one wins', async () => {
          const project = await harness.project();
          const first = await runnerOn(project);
          const second = await runnerOn(project);
          const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
          const results = await Promise.all(
            names.map((name, i) => (i % 2 === 0 ? first : second).claim(slotOf(name, D))),
          );
          expect(results.filter((r) => r === true)).toHaveLength(1);
          expect(results.filter((r) => typeof r === 'object')).toHaveLength(names.length - 1);
          const { calls } = (await first.read()).lock;
          expect(Object.keys(calls)).toHaveLength(1);
        });
      });

    // Likewise a key under another target: with one runner, the plan holds a call that a target
    // no longer defined (or another name for its gateway) placed.
    if (harness.concurrentRunners)
      describe('a key under other targets: the same key of another target is named', () => {
        /** Key `<target>/<rest>`, checked against `rest` under other targets. */
        const keyOf = (target: string, rest: string, beside?: readonly string[]): Claim =>
          claimOf(`${target}/${rest}`, {
            sameKey: { rest, ...(beside === undefined ? {} : { beside }) },
          });

        test('found placed or being placed under another target alone; nothing is recorded', async () => {
          const project = await harness.project();
          const first = await runnerOn(project);
          const second = await runnerOn(project);
          expect(await first.claim(keyOf('gw', 'welcome'))).toBe(true);
          expect(await second.claim(keyOf('production', 'welcome'))).toEqual({
            keyDialled: { key: 'gw/welcome', status: 'being placed', at: AT },
          });
          expect((await second.read()).lock.calls['production/welcome']).toBeUndefined();
          // Another key, its own key's next attempt, a key let through: not refused.
          expect(await second.claim(keyOf('production', 'welcome-v2'))).toBe(true);
          expect(await first.claim({ ...keyOf('gw', 'welcome'), attempt: 2 })).toBe(true);
          expect(await second.claim(keyOf('staging', 'welcome', ['gw/welcome']))).toBe(true);
          await second.record(failed('staging/welcome'));
          await first.record(placed('gw/welcome'));
          expect(await second.claim(keyOf('production', 'welcome'))).toEqual({
            keyDialled: {
              key: 'gw/welcome',
              status: 'placed',
              sid: 'sid-gw/welcome',
              at: placed('x').at,
            },
          });
          // A slot's key is the key after its target, slot and all.
          const slot = 'daily@2026-11-24T10:00:00Z';
          expect(await first.claim(keyOf('gw', slot))).toBe(true);
          expect(await second.claim(keyOf('production', 'daily@2026-11-24T10:01:00Z'))).toBe(true);
          expect(await second.claim(keyOf('production', slot))).toMatchObject({
            keyDialled: { key: `gw/${slot}` },
          });
        });

        test('a repeat stands beside what its plan read there, and only while it is as read', async () => {
          const project = await harness.project();
          const first = await runnerOn(project);
          const second = await runnerOn(project);
          expect(await first.claim(claimOf('gw/welcome'))).toBe(true);
          await first.record(placed('gw/welcome', 'sid-1'));
          /** `production/welcome` placed again where gw placed `sid` (`--replace`, renamed). */
          const again = (sid: string): Claim =>
            claimOf('production/welcome', {
              sameKey: { rest: 'welcome', seen: [{ key: 'gw/welcome', status: 'placed', sid }] },
            });
          /** `gw/welcome`'s replacement of `sid`, its plan having read nothing elsewhere. */
          const replacing = (sid: string): Claim =>
            claimOf('gw/welcome', {
              replace: true,
              replaces: sid,
              sameKey: { rest: 'welcome', seen: [] },
            });
          // As read: let through (given up unsent, it leaves no entry).
          expect(await second.claim(again('sid-1'))).toBe(true);
          const unsent = { status: 'failed' as const, at: AT, message: 'unsent', ...meta };
          await second.abandon({ ...unsent, key: 'production/welcome' });
          // Replaced meanwhile: being replaced, then replaced with another sid.
          expect(await first.claim(replacing('sid-1'))).toBe(true);
          expect(await second.claim(again('sid-1'))).toEqual({
            keyDialled: { key: 'gw/welcome', status: 'being placed', at: AT },
          });
          await first.record({ ...placed('gw/welcome', 'sid-2'), replace: true });
          expect(await second.claim(again('sid-1'))).toMatchObject({
            keyDialled: { key: 'gw/welcome', status: 'placed', sid: 'sid-2' },
          });
          expect((await second.read()).lock.calls['production/welcome']).toBeUndefined();
          // Placed again where the call stands now; then gw's replacement planned before finds it.
          expect(await second.claim(again('sid-2'))).toBe(true);
          expect(await first.claim(replacing('sid-2'))).toEqual({
            keyDialled: { key: 'production/welcome', status: 'being placed', at: AT },
          });
          await second.record(placed('production/welcome', 'sid-3'));
          expect(await first.claim(replacing('sid-2'))).toMatchObject({
            keyDialled: { key: 'production/welcome', status: 'placed', sid: 'sid-3' },
          });
          expect((await first.read()).lock.calls['gw/welcome']).toMatchObject({ sid: 'sid-2' });
          // A replacement whose plan read that call stands beside it.
          expect(
            await first.claim(
              claimOf('gw/welcome', {
                replace: true,
                replaces: 'sid-2',
                sameKey: {
                  rest: 'welcome',
                  seen: [{ key: 'production/welcome', status: 'placed', sid: 'sid-3' }],
                },
              }),
            ),
          ).toBe(true);
          // A failed replacement no longer holds the call a repeat read there.
          await first.record({ ...failed('gw/welcome'), replace: true });
          expect(
            await second.claim(
              claimOf('lab/welcome', {
                sameKey: {
                  rest: 'welcome',
                  seen: [
                    { key: 'gw/welcome', status: 'placed', sid: 'sid-2' },
                    { key: 'production/welcome', status: 'placed', sid: 'sid-3' },
                  ],
                },
              }),
            ),
          ).toMatchObject({ keyDialled: { key: 'gw/welcome', status: 'failed' } });
        });

        test('a replacement and a repeat under another target at once: exactly one wins', async () => {
          const project = await harness.project();
          const first = await runnerOn(project);
          const second = await runnerOn(project);
          expect(await first.claim(claimOf('gw/welcome'))).toBe(true);
          await first.record(placed('gw/welcome', 'sid-1'));
          const seen = [{ key: 'gw/welcome', status: 'placed' as const, sid: 'sid-1' }];
          const results = await Promise.all([
            first.claim(
              claimOf('gw/welcome', {
                replace: true,
                replaces: 'sid-1',
                sameKey: { rest: 'welcome', seen: [] },
              }),
            ),
            ...['production', 'lab', 'staging'].map((t) =>
              second.claim(claimOf(`${t}/welcome`, { sameKey: { rest: 'welcome', seen } })),
            ),
          ]);
          expect(results.filter((r) => r === true)).toHaveLength(1);
          expect(results.filter((r) => typeof r === 'object')).toHaveLength(3);
        });

        test('claims of one key under several targets at once: exactly one wins', async () => {
          const project = await harness.project();
          const first = await runnerOn(project);
          const second = await runnerOn(project);
          const targets = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
          const results = await Promise.all(
            targets.map((t, i) => (i % 2 === 0 ? first : second).claim(keyOf(t, 'welcome'))),
          );
          expect(results.filter((r) => r === true)).toHaveLength(1);
          expect(results.filter((r) => typeof r === 'object')).toHaveLength(targets.length - 1);
          const { calls } = (await first.read()).lock;
          expect(Object.keys(calls)).toHaveLength(1);
        });
      });

    // Likewise a call that runs once whose schedule changed: with one runner, the plan holds a
    // call whose call placed its number under another key of its own.
    if (harness.concurrentRunners)
      describe('a call that runs once: its call under another key of its own is named', () => {
        const D = 'sha256:00000000000000d1';
        const E = 'sha256:00000000000000e2';
        const SLOT = '2026-11-24T10:00:00Z';
        /** `welcome` under `target` at `slot` ('' none), dialling `number`, checked (`once`). */
        const onceOf = (
          target: string,
          slot: string,
          number: string,
          scope: Partial<CallScope> = {},
        ): Claim =>
          claimOf(`${target}/welcome${slot === '' ? '' : `@${slot}`}`, {
            number,
            sameCall: { call: 'welcome', slot, once: true, ...scope },
          });

        test('found placed or being placed under another slot or none; nothing is recorded', async () => {
          const project = await harness.project();
          const first = await runnerOn(project);
          const second = await runnerOn(project);
          expect(await first.claim(onceOf('gw', '', D))).toBe(true);
          expect(await second.claim(onceOf('gw', SLOT, D))).toEqual({
            callDialled: { key: 'gw/welcome', status: 'being placed', at: AT },
          });
          expect((await second.read()).lock.calls[`gw/welcome@${SLOT}`]).toBeUndefined();
          // Another number, another call, its own key's next attempt, a key let through, a
          // claim not checked (a cron slot's): not refused.
          expect(await second.claim(onceOf('gw', SLOT, E))).toBe(true);
          await second.record(failed(`gw/welcome@${SLOT}`));
          expect(
            await second.claim(
              claimOf('gw/welcome-v2', {
                number: D,
                sameCall: { call: 'welcome-v2', slot: '', once: true },
              }),
            ),
          ).toBe(true);
          expect(await first.claim({ ...onceOf('gw', '', D), attempt: 2 })).toBe(true);
          expect(
            await second.claim(
              onceOf('lab', '2026-11-25T10:00:00Z', D, { beside: ['gw/welcome'] }),
            ),
          ).toBe(true);
          await first.record(placed('gw/welcome'));
          // Under a twin's target too, and once placed, with its sid.
          expect(await second.claim(onceOf('production', SLOT, D))).toMatchObject({
            callDialled: { key: 'gw/welcome', status: 'placed', sid: 'sid-gw/welcome' },
          });
          // A failed entry reached no one: the failed slot above is not named.
          expect(await second.claim(onceOf('gw', '2026-11-26T10:00:00Z', E))).toBe(true);
          // A repeat (`--replace`) stands beside what its plan read, only while it is as read.
          const seen = [{ key: 'gw/welcome', status: 'placed' as const, sid: 'sid-gw/welcome' }];
          expect(
            await second.claim(
              onceOf('gw', '2026-11-27T10:00:00Z', D, {
                seen,
                beside: ['lab/welcome@2026-11-25T10:00:00Z'],
              }),
            ),
          ).toBe(true);
          expect(
            await first.claim(onceOf('gw', '2026-11-28T10:00:00Z', D, { seen })),
          ).toMatchObject({ callDialled: { key: 'gw/welcome@2026-11-27T10:00:00Z' } });
        });

        test('claims of one call under several keys at once: exactly one wins', async () => {
          const project = await harness.project();
          const first = await runnerOn(project);
          const second = await runnerOn(project);
          const slots = [
            '',
            '2026-11-24T10:00:00Z',
            '2026-11-25T10:00:00Z',
            '2026-11-26T10:00:00Z',
          ];
          const results = await Promise.all(
            slots.map((slot, i) => (i % 2 === 0 ? first : second).claim(onceOf('gw', slot, D))),
          );
          expect(results.filter((r) => r === true)).toHaveLength(1);
          expect(results.filter((r) => typeof r === 'object')).toHaveLength(slots.length - 1);
          const { calls } = (await first.read()).lock;
          expect(Object.keys(calls)).toHaveLength(1);
        });

        test('every claim of the call takes its lock: a cron slot, unchecked, holds the call', async () => {
          const project = await harness.project();
          const first = await runnerOn(project);
          const second = await runnerOn(project);
          const slot = claimOf(`gw/welcome@${SLOT}`, {
            number: D,
            sameCall: { call: 'welcome', slot: SLOT },
          });
          expect(await first.claim(slot)).toBe(true);
          expect(await second.claim(onceOf('gw', '', D))).toMatchObject({
            callDialled: { key: `gw/welcome@${SLOT}`, status: 'being placed' },
          });
          // The slot is never refused: a cron call's slots are its own.
          await first.record(placed(`gw/welcome@${SLOT}`));
          expect(await second.claim(onceOf('gw', '', D))).toMatchObject({
            callDialled: { key: `gw/welcome@${SLOT}`, status: 'placed' },
          });
          expect(
            await first.claim({
              ...slot,
              key: 'gw/welcome@2026-11-25T10:00:00Z',
              sameCall: { call: 'welcome', slot: '2026-11-25T10:00:00Z' },
            }),
          ).toBe(true);
        });
      });

    // With one runner, the plan reads every later slot of a call before any claim.
    if (harness.concurrentRunners)
      describe('a later slot of the call: an earlier one is never placed after it', () => {
        const at = (time: string) => `2026-12-05T${time}.000Z`;
        const slotAt = (time: string) => `2026-12-05T${time}Z`;
        /** `name`'s slot at `time` on `gw`, claimed at `claimedAt`, judged at `now`. */
        const slotOf = (
          name: string,
          time: string,
          claimedAt: string,
          now = claimedAt,
          fields: Partial<Claim> = {},
        ): Claim =>
          claimOf(`gw/${name}@${slotAt(time)}`, {
            at: at(claimedAt),
            later: { series: `gw/${name}@`, slot: slotAt(time), now: slotAt(now) },
            ...fields,
          });
        const placedAt = (key: string, time: string) => ({ ...placed(key), at: at(time) });

        test('found placed or being placed by another runner; nothing is recorded', async () => {
          const project = await harness.project();
          const right = await runnerOn(project);
          const slow = await runnerOn(project);
          // 09:00 claimed at 09:05; a runner whose clock reads 08:10 claims 08:00.
          expect(await right.claim(slotOf('hourly', '09:00:00', '09:05:00'))).toBe(true);
          expect(await slow.claim(slotOf('hourly', '08:00:00', '08:10:00'))).toEqual({
            later: {
              key: `gw/hourly@${slotAt('09:00:00')}`,
              status: 'being placed',
              at: at('09:05:00'),
            },
          });
          expect((await slow.read()).lock.calls[`gw/hourly@${slotAt('08:00:00')}`]).toBeUndefined();
          await right.record(placedAt(`gw/hourly@${slotAt('09:00:00')}`, '09:05:01'));
          expect(await slow.claim(slotOf('hourly', '08:00:00', '08:10:00'))).toMatchObject({
            later: { key: `gw/hourly@${slotAt('09:00:00')}`, status: 'placed' },
          });
          // The latest one is named; a slot not earlier, another call, another target: not refused.
          expect(await right.claim(slotOf('hourly', '10:00:00', '10:05:00'))).toBe(true);
          expect(await slow.claim(slotOf('hourly', '07:00:00', '10:06:00'))).toMatchObject({
            later: { key: `gw/hourly@${slotAt('10:00:00')}`, status: 'being placed' },
          });
          expect(await slow.claim(slotOf('hourly', '11:00:00', '11:05:00'))).toBe(true);
          expect(await slow.claim(slotOf('hourly-v2', '08:00:00', '08:10:00'))).toBe(true);
          expect(
            await slow.claim(
              claimOf(`lab/hourly@${slotAt('08:00:00')}`, {
                at: at('08:10:00'),
                later: { series: 'lab/hourly@', slot: slotAt('08:00:00'), now: slotAt('08:10:00') },
              }),
            ),
          ).toBe(true);
        });

        test('its own key placed or being placed by another runner is said so, not superseded', async () => {
          const project = await harness.project();
          const other = await runnerOn(project);
          const slow = await runnerOn(project);
          // Another runner places 08:00, then 09:00; this one planned 08:00 before either.
          expect(await other.claim(slotOf('hourly', '08:00:00', '08:05:00'))).toBe(true);
          expect(await other.claim(slotOf('hourly', '09:00:00', '09:05:00'))).toBe(true);
          // Both still being placed: lost on its own key, as any key being placed.
          expect(await slow.claim(slotOf('hourly', '08:00:00', '08:10:00'))).toBe(false);
          await other.record(placedAt(`gw/hourly@${slotAt('08:00:00')}`, '08:05:01'));
          await other.record(placedAt(`gw/hourly@${slotAt('09:00:00')}`, '09:05:01'));
          // Placed: the person was called for 08:00, not missed.
          expect(await slow.claim(slotOf('hourly', '08:00:00', '08:10:00'))).toEqual({
            recorded: 'placed',
          });
        });

        test('a failed slot, a redial, and the claiming runner’s own claims hold back none', async () => {
          const project = await harness.project();
          const first = await runnerOn(project);
          const second = await runnerOn(project);
          expect(await first.claim(slotOf('failed', '09:00:00', '09:05:00'))).toBe(true);
          await first.record(failed(`gw/failed@${slotAt('09:00:00')}`));
          expect(await second.claim(slotOf('failed', '08:00:00', '09:06:00'))).toBe(true);
          expect(await first.claim(claimOf(`gw/redial@${slotAt('09:00:00')}#2`))).toBe(true);
          expect(await second.claim(slotOf('redial', '08:00:00', '09:06:00'))).toBe(true);
          // Slots one batch sends side by side (`catchup: all`) do not hold each other back.
          expect(await first.claim(slotOf('batch', '09:01:00', '09:05:00'))).toBe(true);
          expect(await first.claim(slotOf('batch', '09:00:00', '09:05:00'))).toBe(true);
          expect(await second.claim(slotOf('batch', '08:59:00', '09:05:00'))).toMatchObject({
            later: { key: `gw/batch@${slotAt('09:01:00')}` },
          });
          // A campaign row's slots are its own: another row's later slot holds back none.
          const rowOf = (row: string, time: string) =>
            claimOf(`gw/camp/${row}@${slotAt(time)}`, {
              at: at('09:05:00'),
              later: { series: `gw/camp/${row}@`, slot: slotAt(time), now: slotAt('09:05:00') },
            });
          expect(await first.claim(rowOf('r1', '09:00:00'))).toBe(true);
          expect(await second.claim(rowOf('r2', '08:00:00'))).toBe(true);
          expect(await second.claim(rowOf('r1', '08:00:00'))).toMatchObject({
            later: { key: `gw/camp/r1@${slotAt('09:00:00')}` },
          });
        });

        test('a rehearsal ahead of the clock holds back no real slot; a rehearsal goes by its instant', async () => {
          const project = await harness.project();
          const first = await runnerOn(project);
          const second = await runnerOn(project);
          // Placed at 09:00 for 12:00: a rehearsal's ahead of the clock.
          expect(await first.claim(slotOf('ahead', '12:00:00', '09:00:00'))).toBe(true);
          await first.record(placedAt(`gw/ahead@${slotAt('12:00:00')}`, '09:00:01'));
          expect(await second.claim(slotOf('ahead', '08:00:00', '08:10:00'))).toBe(true);
          // Once the clock passed its slot, it supersedes the slots before it.
          expect(await second.claim(slotOf('ahead', '11:00:00', '12:10:00'))).toMatchObject({
            later: { key: `gw/ahead@${slotAt('12:00:00')}`, status: 'placed' },
          });
          // A real runner's later slot, placed at its time: a rehearsal before it places its
          // slots; one at or after it does not.
          expect(await first.claim(slotOf('real', '09:00:00', '09:05:00'))).toBe(true);
          await first.record(placedAt(`gw/real@${slotAt('09:00:00')}`, '09:05:01'));
          const rehearsal = (time: string, now: string) =>
            slotOf('real', time, '09:06:00', now, {
              later: {
                series: 'gw/real@',
                slot: slotAt(time),
                now: slotAt(now),
                rehearsal: true,
              },
            });
          expect(await second.claim(rehearsal('08:00:00', '08:30:00'))).toBe(true);
          expect(await second.claim(rehearsal('07:00:00', '09:30:00'))).toMatchObject({
            later: { key: `gw/real@${slotAt('09:00:00')}`, status: 'placed' },
          });
        });
      });
  });
};
