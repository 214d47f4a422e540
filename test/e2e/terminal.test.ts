import { afterEach, describe, expect, it } from 'vitest';
import {
  APP_SID,
  callsYaml,
  collect,
  type Gateway,
  plainText,
  spawnOnTerminal,
  startGateway,
  startHeldApply,
  waitFor,
} from './helpers.js';

let gw: Gateway | undefined;
let release: () => void = () => {};
afterEach(async () => {
  release();
  await gw?.close();
  gw = undefined;
});

/**
 * The progress as listr2 left it: the `lines` lines drawn last, before the first line the
 * renderer held back or the summary.
 */
const finalFrame = (text: string, lines: number): string[] => {
  const all = text.split('\n');
  const end = all.findIndex((l) => /^(callops: |Done: |Interrupted: )/.test(l));
  return all
    .slice(0, end)
    .filter((l) => l.trim() !== '')
    .slice(-lines);
};

const names = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `c${i + 1}` }));

/** The held apply of the helpers, kept for afterEach to release and close. */
const startHeld = async () => {
  const held = await startHeldApply(spawnOnTerminal, ['c1', 'c2', 'c3', 'c4', 'c5']);
  gw = held.gw;
  release = held.release;
  return { ...held, seen: held.soFar };
};

describe('apply at a terminal: listr2 progress', () => {
  it('draws a line per call for a few calls, each ending with its outcome, then the summary', async () => {
    gw = await startGateway(
      {
        'calls/a.yaml': callsYaml([
          ...names(2),
          { name: 'wrong-app', extra: ['application_sid: 00000000-0000-4000-8000-0000000000ff'] },
        ]),
      },
      { applicationSids: [APP_SID] },
    );
    const r = await collect(
      spawnOnTerminal(['apply', '--yes'], { cwd: gw.project.dir, env: gw.env }),
    );
    const text = plainText(r.stdout);
    expect(r.code, text).toBe(1);
    // listr2's renderer ran: it hides the cursor while it draws.
    expect(r.stdout).toContain('\x1b[?25l');
    const sids = gw.placed().map((p) => p.sid);
    expect(sids).toHaveLength(2);
    const frame = finalFrame(text, 3);
    expect(frame[0]).toMatch(/^✔ sim\/c1 → \+15550002000: placed sid [0-9a-f-]{36} callId /);
    expect(frame[1]).toMatch(/^✔ sim\/c2 → \+15550002001: placed sid [0-9a-f-]{36} callId /);
    expect(frame[2]).toMatch(/^✖ sim\/wrong-app → \+15550002002: failed 400 \S/);
    for (const sid of sids) expect(frame.join('\n')).toContain(sid);
    expect(text).toMatch(/^Done: 2 placed, 1 failed, 0 unknown in /m);
    const lock = await gw.project.lock();
    expect(lock?.calls['sim/c1']?.status).toBe('placed');
    expect(lock?.calls['sim/wrong-app']?.status).toBe('failed');
  });

  it('on a terminal that reports no size (0 columns), prints plain lines, not one character a line', async () => {
    gw = await startGateway({ 'calls/a.yaml': callsYaml(names(2)) });
    const r = await collect(
      spawnOnTerminal(['apply', '--yes'], { cwd: gw.project.dir, env: gw.env, columns: 0 }),
    );
    const text = plainText(r.stdout);
    expect(r.code, text).toBe(0);
    expect(r.stdout).not.toContain('\x1b[?25l');
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    expect(
      lines.filter((l) => /^placed\s+sim\/c[12]\b/.test(l.trim())),
      text,
    ).toHaveLength(2);
    expect(lines.length, text).toBeLessThan(12);
    expect(gw.placed()).toHaveLength(2);
  });

  it('draws one aggregated line with counts and calls/s for many calls', async () => {
    gw = await startGateway({ 'calls/a.yaml': callsYaml(names(20)) });
    const r = await collect(
      spawnOnTerminal(['apply', '--yes'], { cwd: gw.project.dir, env: gw.env }),
    );
    const text = plainText(r.stdout);
    expect(r.code, text).toBe(0);
    expect(r.stdout).toContain('\x1b[?25l');
    expect(finalFrame(text, 1)[0]).toMatch(
      /^✔ placing calls 20\/20 — 20 placed, 0 failed, 0 unknown — [0-9.]+ calls\/s$/,
    );
    // No line of its own for any call.
    expect(text).not.toMatch(/sim\/c\d+ →/);
    expect(text).toMatch(/^Done: 20 placed, 0 failed, 0 unknown in /m);
    expect(Object.keys((await gw.project.lock())?.calls ?? {})).toHaveLength(20);
  });

  it('Ctrl-C is callops’s: calls in flight finish and are recorded, no new one starts, exit 130', async () => {
    const { gw, child, done, seen } = await startHeld();
    child.stdin?.write('\x03');
    // listr2 holds back stderr while it draws: the stop shows in the progress itself, at once.
    await waitFor('the stop shown in the progress', () => {
      const text = plainText(seen());
      return /sim\/c1 → \+15550002000 \(stopping: waiting for its answer\)/.test(text) &&
        /sim\/c5 → \+15550002004 \(not sent: stopping\)/.test(text)
        ? true
        : undefined;
    });
    release();
    const r = await done;
    const text = plainText(r.stdout);
    expect(r.code, text).toBe(130);
    expect(gw.sim.received()).toHaveLength(2);
    const lock = await gw.project.lock();
    const entries = Object.values(lock?.calls ?? {});
    expect(entries).toHaveLength(2);
    for (const entry of entries) expect(entry.status).toBe('placed');
    const frame = finalFrame(text, 5);
    expect(frame.slice(0, 2).join('\n')).toMatch(
      /^✔ sim\/c1 → \+15550002000: placed sid .*\n✔ sim\/c2 → \+15550002001: placed sid /,
    );
    expect(frame.slice(2)).toEqual([
      '↓ sim/c3 → +15550002002: not sent — still due',
      '↓ sim/c4 → +15550002003: not sent — still due',
      '↓ sim/c5 → +15550002004: not sent — still due',
    ]);
    // The held-back message comes after the progress, then the summary.
    expect(text).toMatch(
      /callops: SIGINT — stopping: no new calls.*\nInterrupted: 2 placed, 0 failed, 0 unknown, 3 not sent \(still due\) in /s,
    );
  });

  it('a second Ctrl-C exits at once, says so and gives the cursor back; the next command flags the calls in flight', async () => {
    const { gw, child, done, seen } = await startHeld();
    child.stdin?.write('\x03');
    await waitFor('the first stop shown', () =>
      /\(not sent: stopping\)/.test(plainText(seen())) ? true : undefined,
    );
    child.stdin?.write('\x03');
    const r = await done;
    expect(r.code, plainText(r.stdout)).toBe(130);
    // Shown although the progress was still drawing, after the cursor came back.
    const at = r.stdout.lastIndexOf('callops: SIGINT again — exiting now');
    expect(at).toBeGreaterThan(0);
    expect(r.stdout.slice(0, at).endsWith('\x1b[?25h\r\n')).toBe(true);
    release();
    const status = await gw.run(['status']);
    expect(status.stdout).toMatch(/0 placed, 0 failed, 2 unknown/);
  });
});

describe('apply at a terminal without --yes: the confirmation', () => {
  const ask = async (answer: string) => {
    gw = await startGateway({ 'calls/a.yaml': callsYaml(names(2)) });
    const child = spawnOnTerminal(['apply'], { cwd: gw.project.dir, env: gw.env });
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
    });
    const done = collect(child, 20_000);
    await waitFor('the question', () =>
      /Place 2 calls\? Type yes to go on: $/.test(plainText(seen)) ? true : undefined,
    );
    child.stdin?.write(answer);
    const r = await done;
    return { gw, r, text: plainText(r.stdout) };
  };

  it('shows whom each call dials, and places them on "yes"', async () => {
    const { gw, r, text } = await ask('yes\r');
    expect(text).toMatch(/ {2}\+ sim\/c1 {2}→ \+15550002000\n {2}\+ sim\/c2 {2}→ \+15550002001\n/);
    expect(r.code, text).toBe(0);
    expect(gw.placed()).toHaveLength(2);
    expect(text).toMatch(/^Done: 2 placed, 0 failed, 0 unknown in /m);
  });

  it('sends nothing on any other answer (exit 1)', async () => {
    const { gw, r, text } = await ask('y e s\r');
    expect(r.code, text).toBe(1);
    expect(text).toContain('Not confirmed; nothing was sent.');
    expect(gw.sim.received()).toHaveLength(0);
    expect(gw.project.exists('callops.lock')).toBe(false);
  });

  it('sends nothing on Ctrl-C at the question (exit 130)', async () => {
    const { gw, r, text } = await ask('\x03');
    expect(r.code, text).toBe(130);
    expect(text).toMatch(/\nInterrupted; nothing was sent\.\n$/);
    expect(gw.sim.received()).toHaveLength(0);
    expect(gw.project.exists('callops.lock')).toBe(false);
  });
});
