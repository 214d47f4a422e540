import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gatewaysClosedAfterEach } from './gateways-per-test.js';
import {
  callsYaml,
  type Gateway,
  holdCalls,
  type LockJson,
  output,
  spawnCli,
  startRun,
  waitFor,
  watch,
} from './helpers.js';
import { postgresForFile, queryDatabase } from './postgres-project.js';
import { postSigned, startReceive } from './receiver.js';

/**
 * What `receive` answered 204 for is never lost, however it stops: while another run holds
 * the run lock it cannot record, and a stop then (SIGTERM, or SIGKILL) leaves the status on
 * disk, where the next command that takes the run lock, or the next receive, records it.
 */

const SECRET = 'whsec-e2e-stop-5e4d3c2b';
const startFileGateway = gatewaysClosedAfterEach();
const db = postgresForFile();

/**
 * A simulator clock on which no call moves on from its first status: only the statuses these
 * tests post end a call (run reads the gateway too, and would find it ended first on a slow
 * machine, where a call's 7 s pass before the status is posted).
 */
const stillRinging = { now: () => Date.now(), after: () => () => undefined };

type Outcomes = LockJson & {
  calls: Record<string, { sid?: string; outcome?: { status: string; sip_status: number } }>;
};

/**
 * A project whose call `a` is placed (no outcome yet), on a simulator that holds every call
 * once `hold()` is called: an `apply` placing `b` then holds the run lock until `release()`.
 */
const placedProject = async (
  start: typeof startFileGateway,
  storeEnv: Readonly<Record<string, string>> = {},
) => {
  let held: ReturnType<typeof holdCalls> | undefined;
  const gw = await start(
    { 'calls/a.yaml': callsYaml([{ name: 'a' }]) },
    { latencyMs: 1, clock: stillRinging, wait: () => held?.wait() ?? Promise.resolve() },
  );
  const env = { ...gw.env, ...storeEnv, CALLOPS_WEBHOOK_SECRET: SECRET };
  const applied = await gw.run(['apply', '--yes'], env);
  expect(applied.code, output(applied)).toBe(0);
  const sid = gw.placed()[0]?.sid;
  expect(sid).toMatch(/^[0-9a-f-]{36}$/);
  return {
    gw,
    env,
    sid: sid as string,
    /** `apply --yes` of a new call `b`, held at the gateway: it holds the run lock meanwhile. */
    holdLock: async (extraEnv: Record<string, string> = {}) => {
      held = holdCalls();
      const hold = held;
      await gw.project.write('calls/b.yaml', callsYaml([{ name: 'b' }]));
      const child = spawnCli(['apply', '--yes'], {
        cwd: gw.project.dir,
        env: { ...env, ...extraEnv },
      });
      const { done, soFar } = watch(child, 90_000);
      await waitFor('the held apply to reach the gateway', () => {
        if (child.exitCode !== null) throw new Error(`apply ended:\n${soFar()}`);
        return hold.held() === 1 ? true : undefined;
      });
      return { done, release: () => hold.release() };
    },
  };
};

const noAnswer = (sid: string) =>
  JSON.stringify({ call_sid: sid, call_status: 'no-answer', sip_status: 487, duration: 0 });

const outcomeOf = async (gw: Gateway) =>
  ((await gw.project.lock()) as Outcomes).calls['sim/a']?.outcome;

const spools = async (gw: Gateway) =>
  (await readdir(join(gw.project.dir, '.callops'))).filter((n) => n.startsWith('received.'));

/** A call every two seconds: run wakes that often (a quiet run wakes once a minute). */
const tickYaml = callsYaml([
  {
    name: 'tick',
    to: '{ type: sip, sipUri: "sip:tick@127.0.0.1" }',
    extra: ['schedule: { cron: "*/2 * * * * *", deadline: 30s }'],
  },
]);

/** How many calls' statuses a receiver said another command recorded from its spool. */
const learned = (stderr: string): number =>
  [...stderr.matchAll(/another command recorded the status(?:es)? of (\d+) calls?/g)].reduce(
    (sum, m) => sum + Number(m[1]),
    0,
  );

/** A receiver in `dir` that answered 204 for a no-answer of `sid` and could not record it. */
const blockedReceiver = async (dir: string, env: Record<string, string>, sid: string) => {
  const receiver = await startReceive(dir, env);
  expect((await postSigned(receiver.url, SECRET, noAnswer(sid))).status).toBe(204);
  await waitFor('receive to find it cannot record yet', () =>
    receiver.stderr().includes('cannot record yet') ? true : undefined,
  );
  return receiver;
};

describe('receive beside a run that holds the run lock (file store)', () => {
  it('run records what receive accepted at its next wake, while both go on', async () => {
    const { gw, env, sid } = await placedProject(startFileGateway);
    await gw.project.write('calls/tick.yaml', tickYaml);
    const run = startRun(gw, [], { env });
    await run.until('run to start', () => (run.soFar().includes('running:') ? true : undefined));
    const receiver = await startReceive(gw.project.dir, env);
    expect((await postSigned(receiver.url, SECRET, noAnswer(sid))).status).toBe(204);
    await run.until('run to record the status', async () =>
      (await outcomeOf(gw))?.status === 'no-answer' ? true : undefined,
    );
    expect(await outcomeOf(gw)).toMatchObject({ status: 'no-answer', sip_status: 487 });
    // Said once recorded (the lockfile is written first).
    await run.until('run to say it', () =>
      run
        .soFar()
        .includes('note: recorded 1 outcome that `callops receive` accepted and could not record')
        ? true
        : undefined,
    );
    receiver.child.kill('SIGTERM');
    run.child.kill('SIGTERM');
    const [stoppedRun, stoppedReceiver] = await Promise.all([run.done, receiver.done]);
    expect(stoppedRun.code, output(stoppedRun)).toBe(0);
    expect(stoppedReceiver.code, output(stoppedReceiver)).toBe(0);
    // The receiver's spool, all of it recorded now, goes with it.
    expect(await spools(gw)).toEqual([]);
  }, 90_000);

  it('run tells receive what it recorded: the receiver stops counting it, and its spool lets it go', async () => {
    const gw = await startFileGateway(
      { 'calls/a.yaml': callsYaml(['a', 'b', 'c', 'd'].map((name) => ({ name }))) },
      { latencyMs: 1, clock: stillRinging },
    );
    const env = { ...gw.env, CALLOPS_WEBHOOK_SECRET: SECRET };
    const applied = await gw.run(['apply', '--yes'], env);
    expect(applied.code, output(applied)).toBe(0);
    const placed = (await gw.project.lock()) as Outcomes;
    const sidOf = (name: string) => placed.calls[`sim/${name}`]?.sid as string;
    const outcomes = async (names: readonly string[]) => {
      const { calls } = (await gw.project.lock()) as Outcomes;
      return names.every((n) => calls[`sim/${n}`]?.outcome?.status === 'no-answer')
        ? true
        : undefined;
    };
    await gw.project.write('calls/tick.yaml', tickYaml);
    const run = startRun(gw, [], { env });
    await run.until('run to start', () => (run.soFar().includes('running:') ? true : undefined));
    // A receiver that lets the statuses of two calls wait at most (10,000 in use).
    const receiver = await startReceive(gw.project.dir, {
      ...env,
      CALLOPS_FAILPOINT_MAX_QUEUED: '2',
    });
    const post = (name: string) => postSigned(receiver.url, SECRET, noAnswer(sidOf(name)));
    expect((await post('a')).status).toBe(204);
    expect((await post('b')).status).toBe(204);
    // Two calls wait, and run holds the run lock: a third call's status is refused.
    expect((await post('c')).status).toBe(503);
    await run.until('run to record a and b', () => outcomes(['a', 'b']));
    // run acknowledges what it recorded: the receiver stops counting it, and has room again.
    await waitFor(
      'the receiver to learn that a and b are recorded',
      () => (learned(receiver.stderr()) >= 2 ? true : undefined),
      { timeoutMs: 30_000 },
    );
    expect((await post('c')).status).toBe(204);
    expect((await post('d')).status).toBe(204);
    await run.until('run to record c and d', () => outcomes(['c', 'd']));
    await waitFor(
      'the receiver to learn that c and d are recorded',
      () => (learned(receiver.stderr()) >= 4 ? true : undefined),
      { timeoutMs: 30_000 },
    );
    // Its spool lets them go: only its first line (the receiver's name) stays.
    const [spool] = (await spools(gw)).filter((n) => n.endsWith('.jsonl'));
    expect(spool).toBeDefined();
    await waitFor('the spool to hold only its first line', async () =>
      (await readFile(join(gw.project.dir, '.callops', spool as string), 'utf8'))
        .trimEnd()
        .split('\n').length === 1
        ? true
        : undefined,
    );
    receiver.child.kill('SIGTERM');
    const stopped = await receiver.done;
    expect(stopped.code, output(stopped)).toBe(0);
    // Nothing waits, though run still holds the lock: it stops at once, keeping nothing.
    expect(stopped.stderr).not.toContain('waiting up to');
    expect(stopped.stderr).not.toContain('not recorded yet');
    run.child.kill('SIGTERM');
    const stoppedRun = await run.done;
    expect(stoppedRun.code, output(stoppedRun)).toBe(0);
    expect(stoppedRun.stderr).toContain('accepted and could not record');
    // The spool and run's acknowledgement beside it go with the receiver.
    expect(await spools(gw)).toEqual([]);
  }, 90_000);
});

describe('receive stopped while another run holds the run lock (file store)', () => {
  it('SIGTERM: keeps what it answered 204 for, and the next command that takes the run lock records it', async () => {
    const { gw, env, sid, holdLock } = await placedProject(startFileGateway);
    const apply = await holdLock();
    const receiver = await blockedReceiver(gw.project.dir, env, sid);
    receiver.child.kill('SIGTERM');
    const stopped = await receiver.done;
    expect(stopped.code, output(stopped)).toBe(0);
    expect(stopped.stderr).toContain('receive: waiting up to 10 s to record 1 status\n');
    expect(stopped.stderr).toMatch(
      /^receive: 1 status is not recorded yet; kept in \.callops\/received\.\d+\.[0-9a-f]{12}\.jsonl: the next apply, run or receive here records it$/m,
    );
    expect(await spools(gw)).toHaveLength(1);
    apply.release();
    const applied = await apply.done;
    expect(applied.code, output(applied)).toBe(0);
    expect(await outcomeOf(gw)).toBeUndefined();
    // A command that only reads shows it already, as it shows a journal a run left.
    const shown = await gw.run(['status'], env);
    expect(shown.stdout, output(shown)).toContain('no-answer (SIP 487)');
    expect(await outcomeOf(gw)).toBeUndefined();
    // The next command that takes the run lock (here an apply with nothing due) records it.
    const next = await gw.run(['apply', '--yes'], env);
    expect(next.code, output(next)).toBe(0);
    expect(next.stderr).toContain(
      'note: recorded 1 outcome that `callops receive` accepted and could not record',
    );
    expect(await outcomeOf(gw)).toMatchObject({ status: 'no-answer', sip_status: 487 });
    expect(await spools(gw)).toEqual([]);
  }, 90_000);

  it('SIGTERM: records it itself when the run lock comes free while it waits', async () => {
    const { gw, env, sid, holdLock } = await placedProject(startFileGateway);
    const apply = await holdLock();
    const receiver = await blockedReceiver(gw.project.dir, env, sid);
    receiver.child.kill('SIGTERM');
    await waitFor('receive to wait for the run lock', () =>
      receiver.stderr().includes('waiting up to') ? true : undefined,
    );
    apply.release();
    const applied = await apply.done;
    expect(applied.code, output(applied)).toBe(0);
    const stopped = await receiver.done;
    expect(stopped.code, output(stopped)).toBe(0);
    expect(stopped.stderr).toContain('receive: recorded 1 outcome: sim/a no-answer\n');
    expect(stopped.stderr).not.toContain('not recorded yet');
    expect(await outcomeOf(gw)).toMatchObject({ status: 'no-answer', sip_status: 487 });
    expect(await spools(gw)).toEqual([]);
  }, 90_000);

  it('SIGKILL: the next receive takes over what the killed one answered 204 for, and records it', async () => {
    const { gw, env, sid, holdLock } = await placedProject(startFileGateway);
    const apply = await holdLock();
    const killed = await startReceive(gw.project.dir, env);
    expect((await postSigned(killed.url, SECRET, noAnswer(sid))).status).toBe(204);
    killed.child.kill('SIGKILL');
    expect((await killed.done).signal).toBe('SIGKILL');
    const receiver = await startReceive(gw.project.dir, env);
    await waitFor('the new receiver to take the status over', () =>
      receiver.stderr().includes('took over 1 status') ? true : undefined,
    );
    apply.release();
    const applied = await apply.done;
    expect(applied.code, output(applied)).toBe(0);
    await waitFor('the outcome in the lockfile', async () =>
      (await outcomeOf(gw))?.status === 'no-answer' ? true : undefined,
    );
    receiver.child.kill('SIGTERM');
    const stopped = await receiver.done;
    expect(stopped.code, output(stopped)).toBe(0);
    expect(stopped.stderr).toContain('receive: recorded 1 outcome: sim/a no-answer\n');
    expect(await spools(gw)).toEqual([]);
  }, 90_000);
});

describe('receive on PostgreSQL stopped while the database refuses its writes', () => {
  it('keeps what it answered 204 for, and the next command that sends or records records it', async () => {
    const { gw, env, sid } = await placedProject(
      (calls, options) => db.gateway(calls, { ...options, schema: 'receive_stop' }),
      db.env,
    );
    // The outcome cannot be written while this trigger is there: as a database that fails.
    await queryDatabase(
      db.url,
      `CREATE FUNCTION receive_stop.refuse() RETURNS trigger LANGUAGE plpgsql AS
         $$ BEGIN RAISE EXCEPTION 'refused for the test'; END $$;
       CREATE TRIGGER refuse BEFORE UPDATE ON receive_stop.placements
         FOR EACH ROW EXECUTE FUNCTION receive_stop.refuse();`,
    );
    const receiver = await blockedReceiver(gw.project.dir, env, sid);
    receiver.child.kill('SIGTERM');
    const stopped = await receiver.done;
    expect(stopped.code, output(stopped)).toBe(0);
    expect(stopped.stderr).toContain('receive: 1 status is not recorded yet; kept in');
    await queryDatabase(db.url, 'DROP TRIGGER refuse ON receive_stop.placements');
    // The next command that places calls or records outcomes here records it first.
    const next = await gw.run(['apply', '--yes'], env);
    expect(next.code, output(next)).toBe(0);
    expect(next.stderr).toContain('note: recorded 1 outcome that `callops receive` accepted');
    const pulled = await gw.run(['state', 'pull'], env);
    expect(pulled.code, output(pulled)).toBe(0);
    expect(await outcomeOf(gw)).toMatchObject({ status: 'no-answer', sip_status: 487 });
    expect(await spools(gw)).toEqual([]);
  }, 90_000);
});
