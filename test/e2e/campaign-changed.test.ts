import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  campaignYaml,
  type Gateway,
  holdCalls,
  output,
  recipientNumber,
  spawnCli,
  startGateway,
  waitFor,
  watch,
} from './helpers.js';

let gw: Gateway | undefined;
let releaseAll: () => void = () => {};
afterEach(async () => {
  releaseAll();
  await gw?.close();
  gw = undefined;
});

/** A CSV of `n` rows of about 10 KB each: callops reads it again 64 KiB (6 rows) at a time. */
const bigRows = (n: number): string =>
  [
    'id,name,phone,note',
    ...Array.from(
      { length: n },
      (_, i) => `r${i + 1},Patient ${i + 1},${recipientNumber(i + 1)},${'x'.repeat(10_000)}`,
    ),
    '',
  ].join('\n');

/** A CSV of `n` short rows, r1 to rN. */
const smallRows = (n: number): string =>
  [
    'id,name,phone,note',
    ...Array.from({ length: n }, (_, i) => `r${i + 1},P${i + 1},${recipientNumber(i + 1)},x`),
    '',
  ].join('\n');

describe('a campaign CSV edited while apply places its rows', () => {
  it('stops as a first SIGINT does: no new call, the ones in flight recorded as placed, the rest still due', async () => {
    // The simulator holds the first three requests until the test lets each go.
    const held: (() => void)[] = [];
    releaseAll = () => {
      for (const go of held) go();
    };
    gw = await startGateway(
      {
        'calls/reminders.yaml': campaignYaml(),
        'lists/reminders.csv': bigRows(40),
      },
      {
        targetExtra: ['concurrency: 3', 'rate: 100/s'],
        latencyMs: 1,
        wait: () =>
          held.length < 3 ? new Promise<void>((go) => held.push(go)) : Promise.resolve(),
      },
    );
    const { dir } = gw.project;
    const child = spawnCli(['apply', '--yes'], { cwd: dir, env: gw.env });
    const { done, soFar } = watch(child, 30_000);
    await waitFor('three requests at the gateway', () => (held.length === 3 ? true : undefined));
    // The first rows were read before the edit; the next one read is not, though it is in
    // the piece callops holds: each row is checked against the file as it is now.
    await appendFile(join(dir, 'lists/reminders.csv'), `r99,Late,${recipientNumber(99)},x\n`);
    // One worker goes on, reaches row 4 and stops the run while the other two requests are
    // still at the gateway.
    held[2]?.();
    await waitFor('the stop to be said', () => (/stopping: /.test(soFar()) ? true : undefined));
    releaseAll();
    const r = await done;

    expect(r.code, output(r)).toBe(1);
    expect(r.stderr).toMatch(
      /stopping: lists\/reminders\.csv changed after callops read it \(.*\) — no new calls; finishing and recording the ones in flight/,
    );
    expect(r.stderr).toMatch(
      /the run stopped: lists\/reminders\.csv changed after callops read it \(.*\); 37 calls not sent, still due — run the command again/,
    );
    expect(r.stderr).not.toMatch(/run lock|lock\(\) first|UND_ERR/);
    expect(r.stdout).toMatch(/Stopped: 3 placed, 0 failed, 0 unknown, 37 not sent \(still due\)/);
    expect(r.stdout).toMatch(/not sent 37 rows of lists\/reminders\.csv {2}still due/);

    // Every call the gateway accepted is recorded placed; nothing else has an entry.
    const placed = gw.placed();
    expect(placed).toHaveLength(3);
    expect(gw.sim.received()).toHaveLength(3);
    const lock = await gw.project.lock();
    const entries = Object.values(lock?.calls ?? {});
    expect(entries.filter((e) => e.status !== 'placed')).toEqual([]);
    expect(new Set(entries.map((e) => e.sid))).toEqual(new Set(placed.map((p) => p.sid)));
    expect(Object.keys(lock?.calls ?? {}).sort()).toEqual(
      placed.map((p) => `sim/reminders/${(p.body as { tag: { row: string } }).tag.row}`).sort(),
    );
    // The journal was folded into the lockfile, and its copy written.
    expect(gw.project.exists('.callops/journal.jsonl')).toBe(false);
    expect(gw.project.exists('.callops/written.lock')).toBe(true);
    expect(gw.project.exists('.callops/run.lock')).toBe(false);

    const status = await gw.run(['status']);
    expect(status.code, output(status)).toBe(0);
    expect(status.stdout).toMatch(/3 placed, 0 failed, 0 unknown/);

    // The rows not sent are still due: the next apply places them, and the row added.
    const next = await gw.run(['apply', '--yes']);
    expect(next.code, output(next)).toBe(0);
    expect(next.stdout).toMatch(/Done: 38 placed, 0 failed, 0 unknown/);
    const numbers = gw.placed().map((p) => (p.body as { to: { number: string } }).to.number);
    expect(numbers).toHaveLength(41);
    expect(new Set(numbers).size).toBe(41);
  });

  it('of one piece (under 64 KiB), edited in place: the edit is seen at the next row, and no removed number is dialled', async () => {
    const held: (() => void)[] = [];
    releaseAll = () => {
      for (const go of held) go();
    };
    const rows = Array.from(
      { length: 30 },
      (_, i) => `r${i + 1},P${i + 1},${recipientNumber(i + 1)},x`,
    );
    gw = await startGateway(
      {
        'calls/reminders.yaml': campaignYaml(),
        'lists/reminders.csv': `${['id,name,phone,note', ...rows].join('\n')}\n`,
      },
      {
        targetExtra: ['concurrency: 2'],
        latencyMs: 1,
        wait: () =>
          held.length < 2 ? new Promise<void>((go) => held.push(go)) : Promise.resolve(),
      },
    );
    const { dir } = gw.project;
    const child = spawnCli(['apply', '--yes'], { cwd: dir, env: gw.env });
    const { done, soFar } = watch(child, 30_000);
    await waitFor('two requests at the gateway', () => (held.length === 2 ? true : undefined));
    // Row 20's number changed in place, the file the same size: the whole file is one piece
    // callops holds, so only a look at the file itself can see it.
    const path = join(dir, 'lists/reminders.csv');
    const text = await readFile(path, 'utf8');
    const edited = text.replace(
      recipientNumber(20),
      recipientNumber(20).replace(/\d$/, (d) => String((Number(d) + 1) % 10)),
    );
    expect(edited.length).toBe(text.length);
    await writeFile(path, edited);
    releaseAll();
    await waitFor('the stop to be said', () => (/stopping: /.test(soFar()) ? true : undefined));
    const r = await done;
    expect(r.code, output(r)).toBe(1);
    expect(r.stderr).toMatch(/stopping: lists\/reminders\.csv changed after callops read it/);
    const numbers = gw.placed().map((p) => (p.body as { to: { number: string } }).to.number);
    expect(numbers).toHaveLength(2);
    expect(numbers).not.toContain(recipientNumber(20));
  });
  it('a row whose request was built before the edit and whose claim comes after it (its rate slot) is not sent, no entry, never unknown', async () => {
    // Row 1's call is held at the gateway; row 2's request is built beside it at once and
    // waits 3 s for its rate slot, so it is read again for its claim after the edit.
    const hold = holdCalls();
    releaseAll = hold.release;
    gw = await startGateway(
      { 'calls/reminders.yaml': campaignYaml(), 'lists/reminders.csv': smallRows(10) },
      { targetExtra: ['concurrency: 2', 'rate: 20/m'], latencyMs: 1, wait: hold.wait },
    );
    const { dir } = gw.project;
    const child = spawnCli(['apply', '--yes'], { cwd: dir, env: gw.env });
    const { done, soFar } = watch(child, 30_000);
    await waitFor('row 1 at the gateway', () => (hold.held() === 1 ? true : undefined));
    await appendFile(join(dir, 'lists/reminders.csv'), `r99,Late,${recipientNumber(99)},x\n`);
    // Row 1 is let go only once the run stopped: no other row is built meanwhile.
    await waitFor('the stop to be said', () => (/stopping: /.test(soFar()) ? true : undefined), {
      timeoutMs: 20_000,
    });
    hold.release();
    const r = await done;

    expect(r.code, output(r)).toBe(1);
    expect(r.stdout).toMatch(/Stopped: 1 placed, 0 failed, 0 unknown, 9 not sent \(still due\)/);
    expect(r.stdout).toMatch(/not sent 9 rows of lists\/reminders\.csv {2}still due/);
    expect(output(r)).not.toMatch(/unknown +sim\/|not claimed by this run|callops resolve/);
    expect(r.stderr).toMatch(
      /callops apply: the run stopped: lists\/reminders\.csv changed after callops read it \(.*\); 9 calls not sent, still due — run the command again\n$/,
    );
    // Row 2 never left, and has no entry: only row 1's call is recorded.
    expect(gw.sim.received()).toHaveLength(1);
    const lock = await gw.project.lock();
    expect(Object.keys(lock?.calls ?? {})).toEqual(['sim/reminders/r1']);
    expect(lock?.calls['sim/reminders/r1']?.status).toBe('placed');
    expect(gw.project.exists('.callops/journal.jsonl')).toBe(false);

    const next = await gw.run(['apply', '--yes', '--rate', '100/s', '--format', 'json']);
    expect(next.code, output(next)).toBe(0);
    const json = JSON.parse(next.stdout) as { placed: number; unknown: number };
    expect([json.placed, json.unknown]).toEqual([10, 0]);
  });

  it('a retry waiting out its Retry-After when the CSV changes is not sent again: its claim is given up, no entry, still due', async () => {
    // Row 1's request is answered 503 with Retry-After: 6; row 2's, 3 s later (its rate slot),
    // is accepted and held at the gateway, so nothing else is built; row 1's retry is then read
    // again for its claim after the edit.
    const hold = holdCalls();
    releaseAll = hold.release;
    let draws = 0;
    gw = await startGateway(
      { 'calls/reminders.yaml': campaignYaml(), 'lists/reminders.csv': smallRows(10) },
      {
        targetExtra: ['concurrency: 2', 'rate: 20/m'],
        latencyMs: 1,
        wait: hold.wait,
        failStatus: 503,
        failRate: 0.5,
        retryAfterS: 6,
        random: () => (draws++ === 0 ? 0 : 0.99),
      },
    );
    const { dir } = gw.project;
    const child = spawnCli(['apply', '--yes'], { cwd: dir, env: gw.env });
    const { done, soFar } = watch(child, 40_000);
    await waitFor('row 2 held at the gateway', () => (hold.held() === 1 ? true : undefined));
    await appendFile(join(dir, 'lists/reminders.csv'), `r99,Late,${recipientNumber(99)},x\n`);
    await waitFor('the stop to be said', () => (/stopping: /.test(soFar()) ? true : undefined), {
      timeoutMs: 20_000,
    });
    hold.release();
    const r = await done;

    expect(r.code, output(r)).toBe(1);
    expect(r.stdout).toMatch(/Stopped: 1 placed, 0 failed, 0 unknown, 9 not sent \(still due\)/);
    expect(output(r)).not.toMatch(/(failed|unknown) +sim\/|intent could not be recorded/);
    expect(r.stderr).toMatch(
      /callops apply: the run stopped: lists\/reminders\.csv changed after callops read it \(.*\); 9 calls not sent, still due — run the command again\n$/,
    );
    const received = gw.sim.received();
    expect(received.map((c) => c.status)).toEqual([503, 201]);
    expect(received.map((c) => (c.body as { tag?: { row?: string } }).tag?.row)).toEqual([
      'r1',
      'r2',
    ]);
    // The claim of row 1's first attempt (refused: nobody was called) is given up.
    const lock = await gw.project.lock();
    expect(Object.keys(lock?.calls ?? {})).toEqual(['sim/reminders/r2']);
    expect(gw.project.exists('.callops/journal.jsonl')).toBe(false);

    const next = await gw.run(['apply', '--yes', '--rate', '100/s']);
    expect(next.code, output(next)).toBe(0);
    expect(next.stdout).toMatch(/Done: 10 placed, 0 failed, 0 unknown/);
  });
});
