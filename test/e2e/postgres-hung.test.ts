import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  type CliResult,
  callsYaml,
  type Gateway,
  holdCalls,
  output,
  spawnCli,
  waitFor,
  watch,
} from './helpers.js';
import { postgresForFile } from './postgres-project.js';

/**
 * A state database that hangs on the connections already open (its processes stopped with
 * SIGSTOP: the kernel still acknowledges every packet, nothing is answered) while a call is
 * at the gateway. Its outcome cannot be written: the query that writes it fails once its time
 * limit passes, as a database that fails does, so that apply ends (the call `unknown`, its sid
 * and the command that settles it said) and run goes on waiting, each while the database
 * still hangs. A second Ctrl-C meanwhile says the call's key and sid as callops exits.
 */

const db = postgresForFile();

/** The longest the database stays stopped: long past what any command gives it. */
const FROZEN_AT_MOST_MS = 60_000;

/** One call, its request held at the gateway until `hold.release()`. */
const heldCall = async (schema: string) => {
  const hold = holdCalls();
  const gw = await db.gateway(
    { 'calls/a.yaml': callsYaml([{ name: 'c00' }]) },
    { latencyMs: 1, wait: hold.wait, schema },
  );
  return { gw, hold, env: { ...gw.env, ...db.env } };
};

/**
 * The database stopped from now until `work` resolves (or FROZEN_AT_MOST_MS passed): `work`'s
 * result, or undefined when it had none by then. The server always goes on after.
 */
const whileFrozen = async <T>(work: (frozen: AbortSignal) => Promise<T>) => {
  const cap = new AbortController();
  await db.server.freeze();
  try {
    return await Promise.race([
      work(cap.signal),
      delay(FROZEN_AT_MOST_MS, undefined, { signal: cap.signal }).catch(() => undefined),
    ]);
  } finally {
    cap.abort();
    db.server.thaw();
  }
};

const sidOf = (gw: Gateway): string => {
  const placed = gw.placed();
  expect(placed).toHaveLength(1);
  return placed[0]?.sid as string;
};

describe('a state database that hangs while a call is at the gateway', () => {
  it('apply ends while it hangs: the call unknown, with its sid and the command that settles it', {
    timeout: 120_000,
  }, async () => {
    const { gw, hold, env } = await heldCall('hung_apply');
    const { done } = watch(spawnCli(['apply', '--yes'], { cwd: gw.project.dir, env }), 100_000);
    // Its claim is committed: the request is at the gateway.
    await waitFor('the request at the gateway', () => (hold.held() === 1 ? true : undefined), {
      timeoutMs: 20_000,
    });
    const ended = await whileFrozen(async () => {
      hold.release();
      return done;
    });
    const result: CliResult = ended ?? (await done);
    const text = output(result);
    // It ended before the database answered again, not once it did.
    expect(ended, `apply waited for the database to answer again:\n${text}`).toBeDefined();
    expect(result.code, text).toBe(1);
    const sid = sidOf(gw);
    // Never reported placed: the database did not take it.
    expect(result.stdout).not.toMatch(/^placed\s/m);
    expect(result.stdout).toMatch(/Done: 0 placed, 0 failed, 1 unknown/);
    expect(result.stdout).toMatch(new RegExp(`^unknown\\s+sim/c00\\s.*sid ${sid}`, 'm'));
    expect(result.stdout).toContain(`callops resolve sim/c00 --placed ${sid}`);
    // The time limit is what failed, said naming the state database.
    expect(text).toMatch(/the state database failed \(no (answer|connection) within 5 s\)/);
    expect(text).not.toContain('Query read timeout');
    expect(text).not.toContain('callops-test');
  });

  it('a second Ctrl-C while its outcome is being written exits at once, naming the call and its sid', {
    timeout: 120_000,
  }, async () => {
    const { gw, hold, env } = await heldCall('hung_interrupt');
    const child = spawnCli(['apply', '--yes'], { cwd: gw.project.dir, env });
    const { done, soFar } = watch(child, 100_000);
    await waitFor('the request at the gateway', () => (hold.held() === 1 ? true : undefined), {
      timeoutMs: 20_000,
    });
    const ended = await whileFrozen(async () => {
      hold.release();
      await waitFor('the gateway answered', () => (gw.placed().length === 1 ? true : undefined));
      // The answer reaches apply, whose write of it waits for the database.
      await delay(500);
      child.kill('SIGINT');
      await waitFor('the stop said', () => (/stopping/.test(soFar()) ? true : undefined));
      child.kill('SIGINT');
      return done;
    });
    const result: CliResult = ended ?? (await done);
    const text = output(result);
    expect(ended, text).toBeDefined();
    expect(result.code, text).toBe(130);
    const sid = sidOf(gw);
    expect(result.stderr).toMatch(/SIGINT again — exiting now/);
    expect(result.stderr).toMatch(
      new RegExp(
        `^unknown\\s+sim/c00\\s+the gateway placed it \\(sid ${sid}[^\\n]*settle it: callops resolve sim/c00 --placed ${sid}$`,
        'm',
      ),
    );
  });

  it('run says the database failed and goes on; once it answers, run records the outcome', {
    timeout: 120_000,
  }, async () => {
    const { gw, hold, env } = await heldCall('hung_run');
    const child = spawnCli(['run', '--yes'], {
      cwd: gw.project.dir,
      env: { ...env, CALLOPS_RUN_REFRESH_SECONDS: '3600' },
    });
    const { done, soFar } = watch(child, 100_000);
    try {
      await waitFor('the request at the gateway', () => (hold.held() === 1 ? true : undefined), {
        timeoutMs: 20_000,
      });
      const said = await whileFrozen(async () => {
        hold.release();
        await waitFor(
          'the outage said',
          () => (/the state database failed[^\n]*— run goes on/.test(soFar()) ? true : undefined),
          { timeoutMs: FROZEN_AT_MOST_MS },
        );
        return true;
      });
      expect(said, `run did not say the database failed while it hung:\n${soFar()}`).toBe(true);
      expect(soFar()).toMatch(/the state database failed \(no (answer|connection) within 5 s\)/);
      const sid = sidOf(gw);
      expect(soFar()).toMatch(
        new RegExp(`^unknown\\s+sim/c00\\s+the gateway placed it \\(sid ${sid}`, 'm'),
      );
      // Back, it records what it kept.
      await waitFor(
        'the outcome recorded',
        () =>
          new RegExp(`recorded\\s+sim/c00\\s+placed \\(sid ${sid}`).test(soFar())
            ? true
            : undefined,
        { timeoutMs: 40_000 },
      );
    } finally {
      child.kill('SIGTERM');
    }
    const result = await done;
    expect(result.code, output(result)).toBe(0);
    expect(output(result)).not.toContain('callops-test');
  });
});
