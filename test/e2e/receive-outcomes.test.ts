// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${row.X} references
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { gatewaysClosedAfterEach } from './gateways-per-test.js';
import {
  callsPerNumber,
  callsYaml,
  campaignYaml,
  type Gateway,
  type LockJson,
  output,
  recipientNumber,
  waitFor,
} from './helpers.js';
import { postgresForFile, queryDatabase } from './postgres-project.js';
import { postSigned, startReceive } from './receiver.js';

/**
 * What `receive` records never makes the state unreadable, and never loses that a call was
 * answered: on the file store and on PostgreSQL alike, with the real CLI.
 */

const db = postgresForFile();
const fileGateway = gatewaysClosedAfterEach();

const SECRET = 'whsec-e2e-outcomes-7d3c2b1a';
const STORES = ['file', 'postgres'] as const;
type Store = (typeof STORES)[number];

let schemas = 0;

/** A project on an in-process simulator (no status hook: outcomes come from `receive`). */
const gatewayOn = async (
  store: Store,
  files: Readonly<Record<string, string>>,
  options: Parameters<typeof fileGateway>[1] = {},
) => {
  const gw =
    store === 'file'
      ? await fileGateway(files, options)
      : await db.gateway(files, { ...options, schema: `receive_${++schemas}` });
  const env = {
    ...gw.env,
    CALLOPS_WEBHOOK_SECRET: SECRET,
    ...(store === 'postgres' ? db.env : {}),
  };
  return { gw, env, run: (args: readonly string[]) => gw.run(args, env) };
};

/** The state as a lockfile: the file store's own; the database's as `state pull` writes it. */
const lockOf = async (
  store: Store,
  gw: Gateway,
  run: (args: readonly string[]) => ReturnType<Gateway['run']>,
) => {
  if (store === 'postgres') {
    const pulled = await run(['state', 'pull']);
    expect(pulled.code, output(pulled)).toBe(0);
  }
  return (await gw.project.lock()) as LockJson & {
    calls: Record<string, { sid?: string; outcome?: Record<string, unknown> }>;
  };
};

/** The sid the simulator gave the call to `number`. */
const sidOf = (gw: Gateway, number: string): string => {
  const call = gw
    .placed()
    .find((r) => (r.body as { to?: { number?: string } }).to?.number === number);
  if (call?.sid === undefined) throw new Error(`no call to ${number} was placed`);
  return call.sid;
};

/** Bodies no lockfile can hold an outcome of: each refused 400, for a call of its own. */
const UNFIT: readonly Record<string, unknown>[] = [
  { call_status: 'busy', sip_status: 486.5 },
  { call_status: 'busy', sip_status: -486 },
  { call_status: 'busy', sip_status: 99999 },
  { call_status: 'busy', sip_status: 1e21 },
  { call_status: 'busy', sip_status: 0 },
  { call_status: 'busy', sip_status: '99999' },
  { call_status: 'completed', sip_status: 200, duration: 1e21 },
];

describe.each(STORES)('receive on the %s store', (store) => {
  it('answers 400 to an outcome the lockfile reader would refuse, records nothing of it, and every command still works', {
    timeout: 90_000,
  }, async () => {
    const names = [...UNFIT.map((_, i) => `c${i}`), 'ok'];
    const { gw, env, run } = await gatewayOn(store, {
      'calls/a.yaml': callsYaml(names.map((name) => ({ name }))),
    });
    const applied = await run(['apply', '--yes']);
    expect(applied.code, output(applied)).toBe(0);
    // callsYaml numbers its calls +15550002000, +15550002001, …
    const sids = names.map((_, i) => sidOf(gw, `+1555000${2000 + i}`));
    const receiver = await startReceive(gw.project.dir, env);
    try {
      for (const [i, fields] of UNFIT.entries()) {
        const body = JSON.stringify({ call_sid: sids[i], duration: 0, ...fields });
        const reply = await postSigned(receiver.url, SECRET, body);
        expect(reply.status, body).toBe(400);
        expect(reply.text, body).toMatch(
          /^the status cannot be recorded: its outcome (sip_status must be a SIP status \(a whole number 100–699\)|duration must be a whole number of seconds from 0 to 2\^53 − 1)\n$/,
        );
      }
      const ok = JSON.stringify({
        call_sid: sids[UNFIT.length],
        call_status: 'busy',
        sip_status: 486,
        duration: 0,
      });
      expect((await postSigned(receiver.url, SECRET, ok)).status).toBe(204);
      await waitFor('the good status recorded', () =>
        receiver.stderr().includes('recorded 1 outcome: sim/ok busy') ? true : undefined,
      );
    } finally {
      receiver.child.kill('SIGTERM');
    }
    const stopped = await receiver.done;
    expect(stopped.code, output(stopped)).toBe(0);
    expect(stopped.stderr).not.toMatch(/sim\/c\d/);
    for (const args of [['status'], ['plan'], ['apply', '--yes']]) {
      const r = await run(args);
      expect(r.code, `${args.join(' ')}\n${output(r)}`).toBe(0);
    }
    const lock = await lockOf(store, gw, run);
    for (const name of names.slice(0, -1))
      expect(lock.calls[`sim/${name}`]?.outcome).toBeUndefined();
    expect(lock.calls['sim/ok']?.outcome).toMatchObject({ status: 'busy', sip_status: 486 });
    // …and the lockfile written from the state reads back: status reads it (postgres compares it).
    const again = await run(['status']);
    expect(again.code, output(again)).toBe(0);
  });

  it('never loses that a call was answered, and never redials its row', {
    timeout: 90_000,
  }, async () => {
    const csv = ['id,phone', ...[1, 2, 3, 4, 5, 6].map((i) => `r${i},${recipientNumber(i)}`), ''];
    const { gw, env, run } = await gatewayOn(store, {
      'calls/reminders.yaml': campaignYaml(
        ['redial: { on: [no-answer, busy], after: 0s, max_attempts: 3 }'],
        '{ row: "${row.id}" }',
      ),
      'lists/reminders.csv': csv.join('\n'),
    });
    const applied = await run(['apply', '--yes']);
    expect(applied.code, output(applied)).toBe(0);
    const sid = (i: number) => sidOf(gw, recipientNumber(i));
    const receiver = await startReceive(gw.project.dir, env);
    const post = async (i: number, fields: Record<string, unknown>) => {
      const body = JSON.stringify({ call_sid: sid(i), duration: 0, ...fields });
      expect((await postSigned(receiver.url, SECRET, body)).status, body).toBe(204);
    };
    try {
      // r1: answered, recorded so; then a contradictory final status in a later batch.
      await post(1, { call_status: 'in-progress', sip_status: 200 });
      await waitFor('the answer of r1 recorded', () =>
        receiver.stderr().includes('recorded 1 outcome: sim/reminders/r1 in-progress')
          ? true
          : undefined,
      );
      await post(1, { call_status: 'no-answer', sip_status: 487 });
      // r2: a final status that says no-answer, with SIP 200 and 45 s talked.
      await post(2, { call_status: 'no-answer', sip_status: 200, duration: 45 });
      // r3: the answer and the contradiction back to back (one batch, or two).
      await post(3, { call_status: 'in-progress', sip_status: 200 });
      await post(3, { call_status: 'no-answer', sip_status: 487 });
      // r4: not answered: redialled.
      await post(4, { call_status: 'no-answer', sip_status: 487 });
      // r5: a final no-answer recorded, then the answer sent before it arrives late.
      await post(5, { call_status: 'no-answer', sip_status: 487 });
      await waitFor('the no-answer of r5 recorded', () =>
        /recorded \d+ outcomes?: [^\n]*sim\/reminders\/r5 no-answer/.test(receiver.stderr())
          ? true
          : undefined,
      );
      await post(5, { call_status: 'in-progress', sip_status: 200 });
      // r6: the same two back to back (one batch, or two).
      await post(6, { call_status: 'no-answer', sip_status: 487 });
      await post(6, { call_status: 'in-progress', sip_status: 200 });
      // Stopping records what is queued.
    } finally {
      receiver.child.kill('SIGTERM');
    }
    const stopped = await receiver.done;
    expect(stopped.code, output(stopped)).toBe(0);

    const lock = await lockOf(store, gw, run);
    for (const row of ['r1', 'r3', 'r5', 'r6']) {
      expect(lock.calls[`sim/reminders/${row}`]?.outcome, row).toMatchObject({
        status: 'completed',
        sip_status: 200,
        answered: true,
      });
    }
    expect(lock.calls['sim/reminders/r2']?.outcome).toMatchObject({
      status: 'completed',
      sip_status: 200,
      duration: 45,
      answered: true,
    });
    expect(lock.calls['sim/reminders/r4']?.outcome).toMatchObject({
      status: 'no-answer',
      answered: false,
    });

    const plan = await run(['plan', '--format', 'json']);
    expect(plan.code, output(plan)).toBe(0);
    const due = (JSON.parse(plan.stdout) as { due: { key: string }[] }).due.map((d) => d.key);
    expect(due).toEqual(['sim/reminders/r4#2']);
    const report = await run(['report', 'reminders', '--format', 'json']);
    expect(report.code, output(report)).toBe(0);
    const states = (JSON.parse(report.stdout) as { id: string; state: string }[]).map(
      (l) => `${l.id} ${l.state}`,
    );
    expect(states).toEqual([
      'r1 answered',
      'r2 answered',
      'r3 answered',
      'r4 waiting',
      'r5 answered',
      'r6 answered',
    ]);
  });

  it('never redials a row whose earlier attempt was answered, however late its status came', {
    timeout: 90_000,
  }, async () => {
    const csv = ['id,phone', `r1,${recipientNumber(1)}`, `r2,${recipientNumber(2)}`, ''];
    const { gw, env, run } = await gatewayOn(store, {
      'calls/reminders.yaml': campaignYaml(
        ['redial: { on: [no-answer, busy], after: 0s, max_attempts: 3 }'],
        '{ row: "${row.id}" }',
      ),
      'lists/reminders.csv': csv.join('\n'),
    });
    /** The sid of the n-th call placed to row i. */
    const sid = (i: number, n: number): string => {
      const to = gw
        .placed()
        .filter((r) => (r.body as { to?: { number?: string } }).to?.number === recipientNumber(i));
      const found = to[n - 1]?.sid;
      if (found === undefined) throw new Error(`no call ${n} to row ${i}`);
      return found;
    };
    const receiver = await startReceive(gw.project.dir, env);
    const post = async (callSid: string, fields: Record<string, unknown>, key: string) => {
      const body = JSON.stringify({ call_sid: callSid, duration: 0, ...fields });
      expect((await postSigned(receiver.url, SECRET, body)).status, body).toBe(204);
      const recorded = new RegExp(`recorded \\d+ outcomes?: [^\\n]*${key} ${fields.call_status}`);
      await waitFor(`the ${fields.call_status} of ${key} recorded`, () =>
        recorded.test(receiver.stderr()) ? true : undefined,
      );
    };
    const noAnswer = { call_status: 'no-answer', sip_status: 487 };
    try {
      const first = await run(['apply', '--yes']);
      expect(first.code, output(first)).toBe(0);
      await post(sid(1, 1), noAnswer, 'sim/reminders/r1');
      await post(sid(2, 1), noAnswer, 'sim/reminders/r2');
      const second = await run(['apply', '--yes']);
      expect(second.code, output(second)).toBe(0);
      expect(gw.placed()).toHaveLength(4);
      // The gateway's status of r1's first call, late: it was answered, 42 s.
      await post(
        sid(1, 1),
        { call_status: 'completed', sip_status: 200, duration: 42 },
        'sim/reminders/r1',
      );
      await post(sid(1, 2), noAnswer, 'sim/reminders/r1#2');
      await post(sid(2, 2), noAnswer, 'sim/reminders/r2#2');
    } finally {
      receiver.child.kill('SIGTERM');
    }
    const stopped = await receiver.done;
    expect(stopped.code, output(stopped)).toBe(0);

    const plan = await run(['plan', '--format', 'json']);
    expect(plan.code, output(plan)).toBe(0);
    const planned = JSON.parse(plan.stdout) as {
      due: { key: string }[];
      skipped: { key: string; reason: string }[];
    };
    expect(planned.due.map((d) => d.key)).toEqual(['sim/reminders/r2#3']);
    expect(planned.skipped.find((i) => i.key === 'sim/reminders/r1#2')?.reason).toContain(
      `attempt 1 (completed ${sid(1, 1)}) answered`,
    );
    const third = await run(['apply', '--yes']);
    expect(third.code, output(third)).toBe(0);
    // r2 only: r1 is never called a third time.
    expect(gw.placed()).toHaveLength(5);
    expect(sid(2, 3)).toMatch(/^[0-9a-f-]{36}$/);
    expect(() => sid(1, 3)).toThrow();

    // The row stands at the call that was answered, in the report and in status.
    const report = await run(['report', 'reminders', '--format', 'json']);
    expect(report.code, output(report)).toBe(0);
    const lines = JSON.parse(report.stdout) as Record<string, unknown>[];
    expect(lines[0]).toMatchObject({
      id: 'r1',
      state: 'answered',
      attempts: 2,
      sid: sid(1, 1),
      sipStatus: 200,
      duration: 42,
    });
    const status = await run(['status', '--campaign', 'reminders', '--format', 'json']);
    expect(status.code, output(status)).toBe(0);
    const counts = JSON.parse(status.stdout) as { states: Record<string, number> };
    expect(counts.states.answered).toBe(1);
  });

  it('never places an unknown attempt again, --retry-unknown included, once an earlier attempt of its row was answered', {
    timeout: 90_000,
  }, async () => {
    const csv = ['id,phone', `r1,${recipientNumber(1)}`, `r2,${recipientNumber(2)}`, ''];
    // While `slow`, the gateway answers a create-call after the client's 1 s timeout, having
    // accepted the call (it rings): the attempt is unknown.
    let slow = false;
    const { gw, env, run } = await gatewayOn(
      store,
      {
        'calls/reminders.yaml': campaignYaml(
          ['redial: { on: [no-answer], after: 0s, max_attempts: 3 }'],
          '{ row: "${row.id}" }',
        ),
        'lists/reminders.csv': csv.join('\n'),
      },
      {
        latencyMs: 1,
        wait: (ms, signal) => delay(slow ? 2_500 : ms, undefined, { signal }),
        targetExtra: ['request_timeout: 1s'],
      },
    );
    const calls = () => callsPerNumber(gw);
    const sidOfFirst = (i: number): string => {
      const found = gw
        .placed()
        .find((r) => (r.body as { to?: { number?: string } }).to?.number === recipientNumber(i));
      if (found?.sid === undefined) throw new Error(`no call to row ${i}`);
      return found.sid;
    };
    const receiver = await startReceive(gw.project.dir, env);
    const post = async (callSid: string, fields: Record<string, unknown>, key: string) => {
      const body = JSON.stringify({ call_sid: callSid, duration: 0, ...fields });
      expect((await postSigned(receiver.url, SECRET, body)).status, body).toBe(204);
      const recorded = new RegExp(`recorded \\d+ outcomes?: [^\\n]*${key} ${fields.call_status}`);
      await waitFor(`the ${fields.call_status} of ${key} recorded`, () =>
        recorded.test(receiver.stderr()) ? true : undefined,
      );
    };
    const noAnswer = { call_status: 'no-answer', sip_status: 487 };
    try {
      const first = await run(['apply', '--yes']);
      expect(first.code, output(first)).toBe(0);
      await post(sidOfFirst(1), noAnswer, 'sim/reminders/r1');
      await post(sidOfFirst(2), noAnswer, 'sim/reminders/r2');
      // Each row's attempt 2: sent, accepted by the gateway, its answer lost to the timeout.
      slow = true;
      const second = await run(['apply', '--yes']);
      expect(second.stdout, output(second)).toMatch(/0 placed, 0 failed, 2 unknown/);
      await waitFor('both second calls accepted', () =>
        Object.values(calls()).length === 2 && Object.values(calls()).every((n) => n === 2)
          ? true
          : undefined,
      );
      slow = false;
      // The gateway's status of r1's first call, late: it was answered after all, 42 s.
      await post(
        sidOfFirst(1),
        { call_status: 'completed', sip_status: 200, duration: 42 },
        'sim/reminders/r1',
      );
    } finally {
      receiver.child.kill('SIGTERM');
    }
    const stopped = await receiver.done;
    expect(stopped.code, output(stopped)).toBe(0);
    const lock = await lockOf(store, gw, run);
    expect(lock.calls['sim/reminders/r1#2']).toMatchObject({ status: 'unknown' });
    expect(lock.calls['sim/reminders/r2#2']).toMatchObject({ status: 'unknown' });

    const third = await run(['apply', '--yes', '--retry-unknown']);
    expect(third.code, output(third)).toBe(0);
    // r2's unknown attempt placed again; the person at r1, who answered, is not called again.
    expect(calls()).toEqual({ [recipientNumber(1)]: 2, [recipientNumber(2)]: 3 });
    // The words the plan gives any row an earlier attempt answered.
    const words = `done after attempt 2 (unknown): attempt 1 (completed ${sidOfFirst(1)}) answered, its status received after a later attempt was placed: never redialled`;
    expect(third.stdout).toContain(words);
    for (const flags of [[], ['--retry-unknown']]) {
      const plan = await run(['plan', ...flags, '--format', 'json']);
      expect(plan.code, output(plan)).toBe(0);
      const planned = JSON.parse(plan.stdout) as {
        due: { key: string }[];
        skipped: { key: string; reason: string }[];
        unsettled: { key: string; hint: string }[];
      };
      expect(planned.due).toEqual([]);
      expect(planned.skipped.find((i) => i.key === 'sim/reminders/r1#2')?.reason).toBe(words);
      // The settle hint no longer offers --retry-unknown for it.
      expect(planned.unsettled).toEqual([
        expect.objectContaining({
          key: 'sim/reminders/r1#2',
          hint: `settle: callops resolve --check sim/reminders/r1#2 looks it up on the gateway; or callops resolve sim/reminders/r1#2 --placed SID, or callops resolve sim/reminders/r1#2 --not-placed (not placed again: ${words})`,
        }),
      ]);
    }
    const status = await run(['status', '--format', 'json']);
    expect(status.code, output(status)).toBe(3);
    const unsettled = (JSON.parse(status.stdout) as { unsettled: { key: string; hint: string }[] })
      .unsettled;
    expect(unsettled.map((u) => u.key)).toEqual(['sim/reminders/r1#2']);
    expect(unsettled[0]?.hint).toContain(`(not placed again: ${words})`);
  });
});

describe('an outcome the database holds that the lockfile could not', () => {
  it('is left out of the view: state pull writes a callops.lock every command reads, and the next status takes its place', {
    timeout: 90_000,
  }, async () => {
    const { gw, env, run } = await gatewayOn('postgres', {
      'calls/a.yaml': callsYaml([{ name: 'a' }]),
    });
    const applied = await run(['apply', '--yes']);
    expect(applied.code, output(applied)).toBe(0);
    // As an earlier callops stored it, before outcomes were checked.
    const stored = {
      status: 'busy',
      sip_status: 486.5,
      duration: 0,
      answered: false,
      ended_at: '2026-01-05T10:00:00.000Z',
    };
    await queryDatabase(
      db.url,
      `UPDATE receive_${schemas}.placements SET outcome = '${JSON.stringify(stored)}'::jsonb WHERE key = 'sim/a'`,
    );
    const lock = await lockOf('postgres', gw, run);
    expect(lock.calls['sim/a']?.sid).toBe(sidOf(gw, '+15550002000'));
    expect(lock.calls['sim/a']?.outcome).toBeUndefined();
    for (const args of [['status'], ['plan'], ['state', 'pull']]) {
      const r = await run(args);
      expect(r.code, `${args.join(' ')}\n${output(r)}`).toBe(0);
      expect(output(r)).not.toContain('486.5');
    }
    const receiver = await startReceive(gw.project.dir, env);
    try {
      const body = JSON.stringify({
        call_sid: sidOf(gw, '+15550002000'),
        call_status: 'busy',
        sip_status: 486,
        duration: 0,
      });
      expect((await postSigned(receiver.url, SECRET, body)).status).toBe(204);
      await waitFor('the status recorded', () =>
        receiver.stderr().includes('recorded 1 outcome: sim/a busy') ? true : undefined,
      );
    } finally {
      receiver.child.kill('SIGTERM');
    }
    expect((await receiver.done).code).toBe(0);
    const rows = await queryDatabase<{ outcome: { sip_status: number } }>(
      db.url,
      `SELECT outcome FROM receive_${schemas}.placements WHERE key = 'sim/a'`,
    );
    expect(rows.rows[0]?.outcome.sip_status).toBe(486);
  });
});
