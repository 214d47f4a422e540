import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  callsYaml,
  type Gateway,
  spawnCli,
  startGateway,
  startRun,
  waitFor,
  watch,
} from './helpers.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

/** A per-minute call (default deadline 10m) whose schedule begins at 09:00. */
const perMinute = (extra = '') => ({
  'calls/m.yaml': callsYaml([
    {
      name: 'every-minute',
      extra: [`schedule: { cron: "* * * * *", start: "2026-03-10T09:00:00Z"${extra} }`],
    },
  ]),
});

interface LockWithMemory {
  calls: Record<string, unknown>;
  schedules?: Record<string, { since: string; reportedThrough?: string }>;
}

const missedLines = (text: string): string[] =>
  text.split('\n').filter((l) => /^missed +sim\/every-minute@/.test(l));

describe('catch-up after a late start', () => {
  it('places only the most recent slot still due; the older ones are missed (superseded), reported once', async () => {
    gw = await startGateway(perMinute());
    // callops first sees the call nine minutes after its first slot.
    const r = await gw.run(['apply', '--yes', '--now', '2026-03-10T09:09:00Z']);
    expect(r.code, r.stderr).toBe(0);
    expect(gw.placed()).toHaveLength(1);
    const lock = (await gw.project.lock()) as unknown as LockWithMemory;
    expect(Object.keys(lock.calls)).toEqual(['sim/every-minute@2026-03-10T09:09:00Z']);
    const missed = missedLines(r.stdout);
    expect(missed).toHaveLength(9);
    expect(missed[0]).toMatch(/@2026-03-10T09:00:00Z .*superseded by 2026-03-10T09:09:00Z/);
    expect(missed[8]).toMatch(/@2026-03-10T09:08:00Z /);
    expect(r.stdout).toMatch(/^Done: 1 placed, 0 failed, 0 unknown, 9 missed /m);
    // The memory that makes "once" survive a fresh checkout is in the lockfile.
    expect(lock.schedules).toEqual({
      'sim/every-minute': {
        since: '2026-03-10T09:09:00.000Z',
        reportedThrough: '2026-03-10T09:08:00Z',
      },
    });

    // The next apply reports none of them again, and places nothing.
    const again = await gw.run(['apply', '--yes', '--now', '2026-03-10T09:09:30Z']);
    expect(again.code, again.stderr).toBe(0);
    expect(missedLines(again.stdout)).toEqual([]);
    expect(gw.sim.received()).toHaveLength(1);

    // plan, a view, still lists them, with the reason.
    const plan = await gw.run(['plan', '--format', 'json', '--now', '2026-03-10T09:09:30Z']);
    const json = JSON.parse(plan.stdout) as { missed: { key: string; reason: string }[] };
    expect(json.missed).toHaveLength(9);
    expect(json.missed[0]?.reason).toMatch(/superseded/);
  });

  it('schedule.catchup: all places every slot still within its deadline', async () => {
    gw = await startGateway(perMinute(', catchup: all'));
    const r = await gw.run(['apply', '--yes', '--now', '2026-03-10T09:09:00Z']);
    expect(r.code, r.stderr).toBe(0);
    expect(gw.placed()).toHaveLength(10);
    expect(missedLines(r.stdout)).toEqual([]);
  });

  it('never reports slots whose deadline had passed before callops first saw the call', async () => {
    gw = await startGateway(perMinute());
    const r = await gw.run(['apply', '--yes', '--now', '2026-03-10T12:00:30Z']);
    expect(r.code, r.stderr).toBe(0);
    expect(gw.placed()).toHaveLength(1);
    // 11:51…11:59 were still within their deadline at first sight: superseded, reported.
    const missed = missedLines(r.stdout);
    expect(missed).toHaveLength(9);
    expect(missed[0]).toMatch(/@2026-03-10T11:51:00Z /);
    const plan = await gw.run(['plan', '--format', 'json', '--now', '2026-03-10T12:00:30Z']);
    const json = JSON.parse(plan.stdout) as { missed: { key: string; reason: string }[] };
    expect(json.missed).toHaveLength(9);
    for (const item of json.missed) expect(item.reason).toMatch(/superseded/);
  });

  it('run started on a per-second schedule places one slot, not every slot of the deadline; a restart does not report them again', {
    timeout: 90_000,
  }, async () => {
    gw = await startGateway({
      'calls/a.yaml': callsYaml([
        { name: 'tick', extra: ['schedule: { cron: "* * * * * *", deadline: 30s }'] },
      ]),
    });
    const startRun = async () => {
      const child = spawnCli(['run', '--yes'], { cwd: gw?.project.dir ?? '', env: gw?.env });
      const { done, soFar } = watch(child, 60_000);
      await waitFor('the first batch', () => (/^Done: /m.test(soFar()) ? true : undefined), {
        timeoutMs: 30_000,
      });
      child.kill('SIGTERM');
      return done;
    };
    const first = await startRun();
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^Done: 1 placed, 0 failed, 0 unknown/m);
    const reported = (text: string) =>
      text
        .split('\n')
        .filter((l) => /^missed sim\/tick@/.test(l))
        .map((l) => l.split(' ')[1]);
    const firstMissed = reported(first.stderr);
    expect(firstMissed.length).toBeGreaterThan(0);
    expect(first.stderr).toMatch(/superseded/);
    const second = await startRun();
    expect(second.code, second.stderr).toBe(0);
    const again = reported(second.stderr).filter((k) => firstMissed.includes(k));
    expect(again).toEqual([]);
    // The lockfile remembers the call for the next start, on whichever machine.
    const lock = (await gw.project.lock()) as unknown as LockWithMemory;
    expect(Object.keys(lock.schedules ?? {})).toEqual(['sim/tick']);
  });
  it('run counts the superseded slots it reports in the summary of the batch it places, as apply does', {
    timeout: 60_000,
  }, async () => {
    gw = await startGateway({
      'calls/a.yaml': callsYaml([
        { name: 'tick', extra: ['schedule: { cron: "* * * * *", deadline: 5m }'] },
      ]),
    });
    const startRun = async (format: string[]) => {
      const child = spawnCli(['run', '--yes', ...format], {
        cwd: gw?.project.dir ?? '',
        env: gw?.env,
      });
      const { done, soFar } = watch(child, 45_000);
      const end = format.length === 0 ? /^Done: /m : /"missedListed"/;
      await waitFor('the first batch', () => (end.test(soFar()) ? true : undefined), {
        timeoutMs: 30_000,
      });
      child.kill('SIGTERM');
      return done;
    };
    const r = await startRun([]);
    expect(r.code, r.stderr).toBe(0);
    const missed = r.stderr
      .split('\n')
      .filter((l) => /^missed sim\/tick@.* superseded by /.test(l));
    expect(missed.length).toBeGreaterThan(0);
    expect(r.stdout).toMatch(
      new RegExp(`^Done: 1 placed, 0 failed, 0 unknown, ${missed.length} missed in `, 'm'),
    );
    // Said once, on stderr as each is found: not repeated on stdout.
    expect(r.stdout).not.toMatch(/superseded/);

    // In JSON too, on a fresh lockfile.
    await rm(join(gw.project.dir, 'callops.lock'));
    await rm(join(gw.project.dir, '.callops'), { recursive: true, force: true });
    const j = await startRun(['--format', 'json']);
    expect(j.code, j.stderr).toBe(0);
    const json = JSON.parse(j.stdout) as { placed: number; missed: number; missedListed: number };
    const said = j.stderr.split('\n').filter((l) => /^missed sim\/tick@/.test(l)).length;
    expect(said).toBeGreaterThan(0);
    expect(json).toMatchObject({ placed: 1, missed: said, missedListed: said });
  });
});

describe('an edited schedule never places a slot earlier than one already placed', () => {
  /** A daily call at 09:00 local with a 2-hour deadline. */
  const daily = (cron: string, timezone: string) => ({
    'calls/d.yaml': callsYaml([
      {
        name: 'daily',
        extra: [`schedule: { cron: "${cron}", timezone: ${timezone}, deadline: 2h }`],
      },
    ]),
  });

  it.each([
    ['its time zone', daily('0 9 * * *', 'Europe/Berlin'), '2026-11-10T08:00:00Z'],
    ['its cron', daily('30 8 * * *', 'Europe/London'), '2026-11-10T08:30:00Z'],
  ])(
    'after an edit of %s, the earlier slot is reported superseded, not placed a second time',
    async (_, edited, slot) => {
      gw = await startGateway(daily('0 9 * * *', 'Europe/London'));
      const first = await gw.run(['apply', '--yes', '--now', '2026-11-10T09:01:00Z']);
      expect(first.code, first.stderr).toBe(0);
      expect(gw.placed()).toHaveLength(1);
      for (const [rel, text] of Object.entries(edited)) await gw.project.write(rel, text);
      const r = await gw.run(['apply', '--yes', '--now', '2026-11-10T09:05:00Z']);
      expect(r.code, r.stderr).toBe(0);
      expect(gw.placed()).toHaveLength(1);
      expect(r.stdout).toMatch(
        new RegExp(
          `^missed +sim/daily@${slot} .*superseded by 2026-11-10T09:00:00Z, already placed`,
          'm',
        ),
      );
      expect(r.stdout).toMatch(/^1 missed, never placed late\.$/m);
      // Reported once: the next apply says nothing of it, and still places nothing.
      const again = await gw.run(['apply', '--yes', '--now', '2026-11-10T09:06:00Z']);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).not.toMatch(/^missed/m);
      expect(gw.placed()).toHaveLength(1);
    },
  );
});

describe('catchup: all never places a retried slot after a later slot of its call', () => {
  /** The first create-call request is answered 503 with Retry-After: 3; every later one 201. */
  const firstRefused = () => {
    let draws = 0;
    return {
      failStatus: 503,
      failRate: 0.5,
      retryAfterS: 3,
      random: () => (draws++ === 0 ? 0 : 0.99),
    };
  };
  const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const SUPERSEDED =
    'superseded by 2026-03-10T09:\\d\\d:00Z, already placed: an earlier slot is never placed after a later one';

  it('apply: the slot whose retry is due once later slots were placed is missed, superseded, not sent again', async () => {
    gw = await startGateway(perMinute(', catchup: all'), firstRefused());
    const r = await gw.run(['apply', '--yes', '--now', '2026-03-10T09:09:00Z']);
    expect(r.code, r.stdout).toBe(0);
    const retried = /^retry +(sim\/every-minute@\S+) +503 /m.exec(r.stdout)?.[1] ?? '';
    expect(retried, r.stdout).not.toBe('');
    // Ten slots, ten requests: the refused one is not sent again, the nine others placed.
    expect(gw.sim.received()).toHaveLength(10);
    expect(gw.placed()).toHaveLength(9);
    const lock = await gw.project.lock();
    expect(Object.keys(lock?.calls ?? {})).toHaveLength(9);
    expect(lock?.calls[retried]).toBeUndefined();
    expect(r.stdout).toMatch(new RegExp(`^missed +${escaped(retried)} +${SUPERSEDED}$`, 'm'));
    expect(r.stdout).toMatch(/^Done: 9 placed, 0 failed, 0 unknown, 1 missed /m);
  });

  it('run: the same, and the slot is reported missed once', { timeout: 90_000 }, async () => {
    // Its schedule began a minute ago: a dozen slots are due at start, each far from its deadline.
    const start = new Date(Date.now() - 60_000).toISOString();
    gw = await startGateway(
      {
        'calls/a.yaml': callsYaml([
          {
            name: 'tick',
            extra: [
              `schedule: { cron: "*/5 * * * * *", start: "${start}", deadline: 5m, catchup: all }`,
            ],
          },
        ]),
      },
      firstRefused(),
    );
    const { child, done, soFar, until } = startRun(gw);
    const project = gw.project;
    const retried = await until(
      'a slot retried',
      () => /^retry +(sim\/tick@\S+) +503 /m.exec(soFar())?.[1],
    );
    await until('the retried slot superseded', () =>
      new RegExp(`^missed +${escaped(retried)} +superseded by `, 'm').test(soFar())
        ? true
        : undefined,
    );
    // A later batch, once it was: its plan does not report the slot again.
    const placedThen = Object.keys((await project.lock())?.calls ?? {}).length;
    await until('a later slot placed', async () =>
      Object.keys((await project.lock())?.calls ?? {}).length > placedThen ? true : undefined,
    );
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code, soFar()).toBe(0);
    const lock = await project.lock();
    expect(lock?.calls[retried]).toBeUndefined();
    const entries = Object.values(lock?.calls ?? {});
    for (const entry of entries) expect(entry.status).toBe('placed');
    // Every request but the refused one placed a slot: the retry was never sent.
    expect(gw.sim.received()).toHaveLength(entries.length + 1);
    const said = `${r.stdout}\n${r.stderr}`
      .split('\n')
      .filter((l) => new RegExp(`^missed +${escaped(retried)} `).test(l));
    expect(said, soFar()).toHaveLength(1);
    expect(said[0]).toMatch(
      /superseded by \S+, already placed: an earlier slot is never placed after a later one$/,
    );
  });
});
