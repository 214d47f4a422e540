import { describe, expect, it } from 'vitest';
import { numberDigest } from '../../src/screen/number.js';
import { createCall } from '../simulator/client.js';
import {
  ACCOUNT_SID,
  API_KEY,
  APP_SID,
  callsYaml,
  campaignYaml,
  FROM,
  type Gateway,
  recipientNumber,
  spawnCli,
  startGateway,
  waitFor,
  watch,
} from './helpers.js';

interface Entry {
  readonly status: string;
  readonly at: string;
  readonly number?: string;
  readonly resolvedBy?: string;
  readonly sid?: string;
  readonly message?: string;
  readonly outcome?: { status: string; ended_at?: string };
}

const entries = async (gw: Gateway) =>
  ((await gw.project.lock())?.calls ?? {}) as Record<string, Entry>;

/** The number callsYaml gives the i-th call. */
const numberOf = (i: number) => `+1555000${String(2000 + i).padStart(4, '0')}`;

/**
 * A project whose apply was killed with `held` requests in flight at the gateway, which then
 * let them through: each is a placed call the lockfile has as unknown.
 */
const killedInFlight = async (
  files: Readonly<Record<string, string>>,
  held: number,
  targetExtra: readonly string[] = [],
): Promise<Gateway> => {
  const waiting: (() => void)[] = [];
  let open = false;
  const release = () => {
    open = true;
    for (const go of waiting.splice(0)) go();
  };
  const gw = await startGateway(files, {
    targetExtra,
    latencyMs: 1,
    ringMs: 0,
    talkMs: 0,
    wait: () => new Promise<void>((r) => (open ? r() : waiting.push(r))),
  });
  try {
    const child = spawnCli(['apply', '--yes'], { cwd: gw.project.dir, env: gw.env });
    const { done } = watch(child, 20_000);
    await waitFor(`${held} requests held at the gateway`, () =>
      waiting.length === held ? true : undefined,
    );
    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    release();
    await waitFor('the calls placed and ended', () =>
      gw.sim.calls().filter((c) => c.cdr !== undefined).length === held ? true : undefined,
    );
    return gw;
  } catch (error) {
    release();
    await gw.close();
    throw error;
  }
};

describe('callops resolve --check', () => {
  it('shows what the gateway recorded through the redactor: a destination from the environment stays a reference', async () => {
    const gw = await killedInFlight(
      {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${VAR} reference
        'calls/a.yaml': callsYaml([{ name: 'a', to: '{ type: phone, number: "${TO}" }' }]),
        '.env': 'TO=+15550004444\n',
      },
      1,
    );
    try {
      const checked = await gw.run(['resolve', '--check']);
      expect(checked.code, checked.stderr).toBe(0);
      // The target whose records were read comes first, as in every command's output.
      expect(checked.stdout.split('\n')[0]).toBe(`target sim: ${gw.sim.url}`);
      expect(checked.stdout).toMatch(/^sim\/a: placed \(sid [0-9a-f-]{36}: to \$\{TO\} from /m);
      expect(checked.stdout + checked.stderr).not.toContain('5550004444');
    } finally {
      await gw.close();
    }
  });

  it('settles entries a killed apply left unknown, each on the one call the gateway shows for it', async () => {
    // The gateway holds every request until released; apply is killed with two in flight.
    const gw = await killedInFlight(
      { 'calls/a.yaml': callsYaml(['a', 'b', 'c'].map((name) => ({ name }))) },
      2,
      ['concurrency: 2'],
    );
    try {
      const checked = await gw.run(['resolve', '--check']);
      expect(checked.code, checked.stderr).toBe(0);
      const lock = await entries(gw);
      const placed = Object.entries(lock).filter(([, e]) => e.status === 'placed');
      expect(placed).toHaveLength(2);
      const sims = new Map(gw.sim.calls().map((c) => [c.call_sid, c]));
      for (const [key, e] of placed) {
        const call = sims.get(String(e.sid));
        expect(call, key).toBeDefined();
        // the call the gateway placed for this entry went to this entry's number
        expect(call?.record?.to).toBe(numberOf(['sim/a', 'sim/b', 'sim/c'].indexOf(key)));
        expect(e.message).toContain('resolve --check');
        // Still the attempt it was (its time, its number for per-number limits), found on
        // the gateway rather than by hand.
        expect(Date.parse(e.at)).toBeLessThan(Date.parse(String(e.outcome?.ended_at)));
        expect(e.number).toBe(numberDigest(String(call?.record?.to)));
        expect(e.resolvedBy).toBe('gateway');
        expect(e.outcome?.status).toBe('completed');
        expect(checked.stdout).toContain(`${key}: placed (sid ${e.sid}`);
      }
      expect(checked.stdout + checked.stderr).not.toContain(API_KEY);
      // nothing unknown is left: a second check has nothing to do
      const again = await gw.run(['resolve', '--check']);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('No unknown entries');
    } finally {
      await gw.close();
    }
  }, 60_000);

  it('leaves the entry unknown when the gateway shows two calls that could be it, or none', async () => {
    // The first create-call is answered 500 (not placed); later ones are accepted.
    const draws = [0];
    const gw = await startGateway(
      { 'calls/a.yaml': callsYaml([{ name: 'a' }]) },
      { failStatus: 500, failRate: 0.5, random: () => draws.shift() ?? 1, ringMs: 0, talkMs: 0 },
    );
    try {
      const applied = await gw.run(['apply', '--yes']);
      expect(applied.code).toBe(1);
      expect((await entries(gw))['sim/a']?.status).toBe('unknown');

      // none: absence of evidence settles nothing
      const none = await gw.run(['resolve', '--check', 'sim/a']);
      expect(none.code).toBe(3);
      expect(none.stdout).toContain(
        `sim/a: still unknown — the gateway's records show no call to ${numberOf(0)} from ${FROM}`,
      );
      expect((await entries(gw))['sim/a']?.status).toBe('unknown');

      // two calls to the same number from the same caller, placed by someone else meanwhile
      const sim = { url: gw.sim.url, accountSid: ACCOUNT_SID, apiKey: API_KEY };
      const body = {
        application_sid: APP_SID,
        from: FROM,
        to: { type: 'phone', number: numberOf(0) },
      };
      const sids: string[] = [];
      for (let i = 0; i < 2; i++) {
        const reply = await createCall(sim, body);
        expect(reply.status).toBe(201);
        sids.push((JSON.parse(reply.text) as { sid: string }).sid);
      }
      await waitFor('both calls ended', () =>
        gw.sim.calls().filter((c) => c.cdr !== undefined).length === 2 ? true : undefined,
      );
      const before = await gw.project.read('callops.lock');
      const two = await gw.run(['resolve', '--check', '--format', 'json']);
      expect(two.code).toBe(3);
      const report = JSON.parse(two.stdout) as {
        results: {
          key: string;
          result: string;
          candidates: { sid: string; to: string; from: string }[];
        }[];
      };
      expect(report.results).toHaveLength(1);
      expect(report.results[0]?.result).toBe('undecided');
      expect(report.results[0]?.candidates.map((c) => c.sid).sort()).toEqual([...sids].sort());
      expect(await gw.project.read('callops.lock')).toBe(before);
      const human = await gw.run(['resolve', '--check']);
      expect(human.stdout).toContain('sim/a: still unknown — 2 candidates');
      for (const sid of sids) expect(human.stdout).toContain(sid);
    } finally {
      await gw.close();
    }
  }, 60_000);

  it("never settles an entry on another application's call to the same number from the same caller", async () => {
    // Another project on the same account and caller ID calls the same number through its
    // own application; the entry's application_sid comes from the environment.
    const OTHER_APP = '0ca110b5-0000-4000-8000-0000000000bb';
    const draws = [0];
    const gw = await startGateway(
      {
        'calls/a.yaml': callsYaml(
          [{ name: 'a' }],
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${VAR} reference
          ['application_sid: "${APP}"', `from: "${FROM}"`],
        ),
        '.env': `APP=${APP_SID}\n`,
      },
      { failStatus: 500, failRate: 0.5, random: () => draws.shift() ?? 1, ringMs: 0, talkMs: 0 },
    );
    try {
      expect((await gw.run(['apply', '--yes'])).code).toBe(1);
      expect((await entries(gw))['sim/a']?.status).toBe('unknown');
      const sim = { url: gw.sim.url, accountSid: ACCOUNT_SID, apiKey: API_KEY };
      const place = async (application_sid: string) => {
        const reply = await createCall(sim, {
          application_sid,
          from: FROM,
          to: { type: 'phone', number: numberOf(0) },
        });
        expect(reply.status).toBe(201);
        const { sid } = JSON.parse(reply.text) as { sid: string };
        await waitFor('the call ended', () =>
          gw.sim.calls().find((c) => c.call_sid === sid)?.cdr === undefined ? undefined : true,
        );
        return sid;
      };
      const other = await place(OTHER_APP);
      const before = await gw.project.read('callops.lock');
      const checked = await gw.run(['resolve', '--check']);
      expect(checked.code, checked.stderr).toBe(3);
      expect(checked.stdout).toContain(
        `sim/a: still unknown — the gateway's records show no call to ${numberOf(0)} from ${FROM} through its application`,
      );
      expect(checked.stdout + checked.stderr).not.toContain(other);
      expect(checked.stdout + checked.stderr).not.toContain(APP_SID);
      expect(await gw.project.read('callops.lock')).toBe(before);
      // A call through the entry's own application is its call: settled.
      const own = await place(APP_SID);
      const settled = await gw.run(['resolve', '--check']);
      expect(settled.code, settled.stderr).toBe(0);
      expect((await entries(gw))['sim/a']).toMatchObject({ status: 'placed', sid: own });
      expect(settled.stdout + settled.stderr).not.toContain(APP_SID);
    } finally {
      await gw.close();
    }
  }, 60_000);

  /** A campaign of one row, `r1`, whose call a killed apply left unknown: placed at the gateway. */
  const killedRow = () =>
    killedInFlight(
      {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${row.id} reference
        'calls/c.yaml': campaignYaml([], '{ row: "${row.id}" }'),
        'lists/reminders.csv': `id,phone\nr1,${recipientNumber(1)}\n`,
      },
      1,
    );

  it('looks for the number the attempt dialled, not the one its row was corrected to since', async () => {
    const gw = await killedRow();
    try {
      const [call] = gw.sim.calls();
      expect(call?.record?.to).toBe(recipientNumber(1));
      // The row's number is corrected after the attempt: the call that rang the old one is
      // still the entry's, and saying "no call to" the new one would have it settled as not
      // placed, and the row dialled again.
      await gw.project.write('lists/reminders.csv', `id,phone\nr1,${recipientNumber(11)}\n`);
      const checked = await gw.run(['resolve', '--check']);
      expect(checked.code, checked.stdout + checked.stderr).toBe(0);
      expect(checked.stdout).toContain(
        `sim/reminders/r1: placed (sid ${call?.call_sid}: to ${recipientNumber(1)} from ${FROM} at `,
      );
      expect(checked.stdout).toContain(
        `; it dials ${recipientNumber(11)} now, not the number of this call: \`callops plan\` says whether it is placed again`,
      );
      expect((await entries(gw))['sim/reminders/r1']).toMatchObject({
        status: 'placed',
        sid: call?.call_sid,
        resolvedBy: 'gateway',
        number: numberDigest(recipientNumber(1)),
      });
      // Placed, to the number it dialled then: not dialled again by itself.
      const plan = await gw.run(['plan']);
      expect(plan.stdout).toContain('Changed since placed — not placed again (1):');
      expect(plan.stdout).toContain('0 to place');
    } finally {
      await gw.close();
    }
  }, 60_000);

  it("shows the call to the number the attempt dialled when its row's id changed, for a person to decide", async () => {
    const gw = await killedRow();
    try {
      const [call] = gw.sim.calls();
      // Only the id was edited: the entry's row is gone, the number it dialled is in its entry.
      await gw.project.write('lists/reminders.csv', `id,phone\nr1x,${recipientNumber(1)}\n`);
      const checked = await gw.run(['resolve', '--check']);
      expect(checked.code, checked.stdout + checked.stderr).toBe(3);
      expect(checked.stdout).toContain(
        'sim/reminders/r1: still unknown — one candidate, not certain (its call definition is gone: the call looked for is the one to the number its attempt dialled, which its entry recorded; its caller and application are not known, so no call settles it alone)',
      );
      expect(checked.stdout).toContain(
        `    ${call?.call_sid}  to ${recipientNumber(1)}  from ${FROM}  `,
      );
      const status = await gw.run(['status']);
      expect(status.code).toBe(3);
      expect(status.stdout).toMatch(/unknown \(1\):\n {2}sim\/reminders\/r1 /);
    } finally {
      await gw.close();
    }
  }, 60_000);

  it('refuses --check beside --placed, and a key that is not unknown', async () => {
    const gw = await startGateway(
      { 'calls/a.yaml': callsYaml([{ name: 'a' }]) },
      { ringMs: 0, talkMs: 0 },
    );
    try {
      expect((await gw.run(['apply', '--yes'])).code).toBe(0);
      const both = await gw.run(['resolve', '--check', '--not-placed', 'sim/a']);
      expect(both.code).toBe(64);
      const placed = await gw.run(['resolve', '--check', 'sim/a']);
      expect(placed.code).toBe(1);
      expect(placed.stderr).toContain('sim/a is placed, not unknown');
    } finally {
      await gw.close();
    }
  }, 30_000);
});
