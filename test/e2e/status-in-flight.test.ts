// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${row.X} references
import { afterEach, describe, expect, it } from 'vitest';
import {
  campaignStatus,
  campaignYaml,
  type Gateway,
  holdCalls,
  recipientNumber,
  spawnCli,
  startGateway,
  startHeldApply,
  waitFor,
  watch,
} from './helpers.js';

const NAMES = ['f1', 'f2', 'f3'];

const open: Gateway[] = [];
let release: () => void = () => {};
afterEach(async () => {
  release();
  release = () => {};
  await Promise.all(open.splice(0).map((g) => g.close()));
});

describe('status beside a run that is placing calls (file store)', () => {
  it('shows its requests in flight, not unknown, and exits 0; resolve --check leaves them; crashed ones are unknown', {
    timeout: 60_000,
  }, async () => {
    const held = await startHeldApply(spawnCli, NAMES);
    open.push(held.gw);
    release = held.release;
    const { gw } = held;
    const status = await gw.run(['status']);
    expect(status.code, status.stdout + status.stderr).toBe(0);
    expect(status.stdout).toContain('callops.lock: 0 placed, 0 failed, 0 unknown, 2 in flight');
    expect(status.stdout).not.toMatch(/callops resolve|interrupted or crashed/);
    const json = await gw.run(['status', '--format', 'json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ unknown: 0, inFlight: 2, unsettled: [] });
    // Nothing for resolve --check to look up either: the run records those outcomes.
    const check = await gw.run(['resolve', '--check']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toContain('No unknown entries to check.');
    const named = await gw.run(['resolve', '--check', 'sim/f1']);
    expect(named.code).toBe(1);
    expect(named.stderr).toContain('sim/f1 is being placed by a run that is still going');
    // Killed with its two requests held: nothing records them, so they are unknown now.
    held.child.kill('SIGKILL');
    await held.done;
    const after = await gw.run(['status']);
    expect(after.code).toBe(3);
    expect(after.stdout).toContain('2 unknown');
    // What the journal can tell: no answer recorded, for whatever reason, so maybe sent.
    expect(after.stdout).toContain(
      'the run ended before an answer was recorded (interrupted or crashed, or its state could not be written, as on a full disk): the request may have been sent',
    );
  });

  it('status --campaign and report count a row whose call is in flight as in-flight, not placed', {
    timeout: 60_000,
  }, async () => {
    const hold = holdCalls();
    release = hold.release;
    const rows = ['id,name,phone', ...[1, 2, 3].map((i) => `r${i},P${i},${recipientNumber(i)}`)];
    const gw = await startGateway(
      { 'calls/reminders.yaml': campaignYaml(), 'lists/reminders.csv': `${rows.join('\n')}\n` },
      { targetExtra: ['concurrency: 2'], latencyMs: 1, wait: hold.wait },
    );
    open.push(gw);
    const applying = watch(spawnCli(['apply', '--yes'], { cwd: gw.project.dir, env: gw.env }));
    await waitFor('two requests at the gateway', () => (hold.held() === 2 ? true : undefined));
    const counted = await campaignStatus(gw);
    expect(counted.code, counted.stderr).toBe(0);
    expect(JSON.parse(counted.stdout).states).toMatchObject({
      placed: 0,
      'in-flight': 2,
      unknown: 0,
      waiting: 1,
    });
    const human = await gw.run(['status', '--campaign', 'reminders']);
    expect(human.stdout).toMatch(/^ {2}in-flight +2$/m);
    expect(human.stdout).toMatch(/^ {2}placed +0$/m);
    const report = await gw.run(['report', 'reminders']);
    expect(report.code, report.stderr).toBe(0);
    const lines = report.stdout.split('\r\n');
    expect(lines[0]).toBe(
      'id,to,state,attempts,sid,sip_status,duration,last_attempt_at,to_changed',
    );
    const inFlight = lines.filter((l) => /^r\d,[^,]*,in-flight,1,,,,\d{4}-[^,]+,$/.test(l));
    expect(inFlight, report.stdout).toHaveLength(2);
    expect(report.stdout).not.toMatch(/,placed,/);
    hold.release();
    expect((await applying.done).code).toBe(0);
    const after = await gw.run(['report', 'reminders']);
    expect(after.stdout).not.toContain('in-flight');
    expect(after.stdout.match(/,placed,1,[0-9a-f-]{36},/g)).toHaveLength(3);
  });
});
