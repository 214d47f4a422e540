// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${row.X} references
import { existsSync } from 'node:fs';
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HOLD_PLAN_ENV } from '../../src/engine/failpoint.js';
import { APP_SID, callsYaml, FROM, type Gateway, startGateway, startRun } from './helpers.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const slotKeys = async (g: Gateway, name: string, target = 'sim'): Promise<string[]> =>
  Object.keys((await g.project.lock())?.calls ?? {})
    .filter((k) => k.startsWith(`${target}/${name}@`))
    .sort();

/** An instant as a schedule's `at`: whole seconds, UTC. */
const atText = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('callops run reads the definitions again', () => {
  it('goes on when a campaign CSV grows while a scheduled call writes the state: the new row is placed', {
    timeout: 90_000,
  }, async () => {
    const calls = [
      'defaults:',
      `  application_sid: ${APP_SID}`,
      `  from: "${FROM}"`,
      'calls:',
      '  - name: rem',
      '    recipients: ../lists/rem.csv',
      '    to: { type: phone, number: "${row.phone}" }',
      '  - name: tick',
      '    to: { type: phone, number: "+15550019999" }',
      '    schedule: { cron: "* * * * * *", deadline: 30s }',
      '',
    ].join('\n');
    gw = await startGateway({
      'calls/a.yaml': calls,
      'lists/rem.csv': 'id,phone\nr1,+15550019001\nr2,+15550019002\n',
    });
    const g = gw;
    const run = startRun(g);
    await run.until('the rows and a tick in the lockfile', async () => {
      const lock = await g.project.lock();
      return lock?.calls['sim/rem/r2'] && (await slotKeys(g, 'tick')).length > 0 ? true : undefined;
    });
    // Between two batches (a batch names its rows until just after it wrote the state).
    // Each tick makes run write the state again, after it read the CSV anew.
    await new Promise((r) => setTimeout(r, 300));
    await appendFile(join(g.project.dir, 'lists/rem.csv'), 'r3,+15550019003\n');
    await run.until('the new row in the lockfile', async () =>
      (await g.project.lock())?.calls['sim/rem/r3']?.status === 'placed' ? true : undefined,
    );
    const ticks = (await slotKeys(g, 'tick')).length;
    await run.until('two more ticks in the lockfile', async () =>
      (await slotKeys(g, 'tick')).length >= ticks + 2 ? true : undefined,
    );
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code, run.soFar()).toBe(0);
    expect(run.soFar()).toContain('definitions reloaded: 4 calls (were 3)');
    expect(run.soFar()).not.toContain('changed after callops read it');
    // Each row once.
    const rows = g.placed().filter((p) => JSON.stringify(p.body).includes('+155500190'));
    expect(rows).toHaveLength(3);
  });

  it('goes on when a campaign CSV changes while a wake plans its rows: the new row is placed once', {
    timeout: 90_000,
  }, async () => {
    // Rows outside their calling hours now (00:00-12:00 in their zone, 18:xx there), a new
    // row inside them (06:xx in its zone): run plans every row at each wake and places
    // none but the new one. The file spans more than one 64 KiB read.
    const rows = 4_000;
    const hour = new Date().getUTCHours();
    let open = (((6 - hour) % 24) + 24) % 24;
    if (open > 14) open -= 24;
    const closed = open + 12 <= 14 ? open + 12 : open - 12;
    const zone = (offset: number) =>
      offset === 0 ? 'UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
    const lines = ['id,phone,timezone'];
    for (let i = 0; i < rows; i += 1) lines.push(`r${i},+1555${2000000 + i},${zone(closed)}`);
    const calls = [
      'defaults:',
      `  application_sid: ${APP_SID}`,
      `  from: "${FROM}"`,
      'calls:',
      '  - name: rem',
      '    recipients: ../lists/rem.csv',
      '    to: { type: phone, number: "${row.phone}" }',
      '    schedule: { window: "00:00-12:00" }',
      '  - name: tick',
      '    to: { type: phone, number: "+15550019999" }',
      '    schedule: { cron: "*/2 * * * * *", deadline: 5s }',
      '',
    ].join('\n');
    gw = await startGateway({ 'calls/a.yaml': calls, 'lists/rem.csv': `${lines.join('\n')}\n` });
    const g = gw;
    // The failpoint holds the first wake after it found the CSV as run read it, before it
    // plans the rows: the edit lands there, whatever the machine's load.
    const release = join(g.project.dir, 'hold-plan');
    const run = startRun(g, [], { env: { [HOLD_PLAN_ENV]: release } });
    await run.until('the first wake held before it plans', () =>
      existsSync(`${release}.reached`) ? true : undefined,
    );
    await appendFile(join(g.project.dir, 'lists/rem.csv'), `new1,+15550019001,${zone(open)}\n`);
    await writeFile(release, '');
    await run.until('the new row in the lockfile', async () =>
      (await g.project.lock())?.calls['sim/rem/new1']?.status === 'placed' ? true : undefined,
    );
    const ticks = (await slotKeys(g, 'tick')).length;
    await run.until('a later tick in the lockfile', async () =>
      (await slotKeys(g, 'tick')).length > ticks ? true : undefined,
    );
    run.child.kill('SIGTERM');
    const r = await run.done;
    const out = run.soFar();
    expect(r.code, out).toBe(0);
    expect(out).toContain(
      'lists/rem.csv changed after callops read it (its size or modification time): run reads it again before it places anything from it',
    );
    expect(out.split('run reads it again')).toHaveLength(2);
    expect(out).toContain(`definitions reloaded: ${rows + 2} calls (were ${rows + 1})`);
    // The new row once, each tick once, no other row.
    const placed = g.placed().map((p) => JSON.stringify(p.body));
    expect(placed.filter((b) => b.includes('+15550019001'))).toHaveLength(1);
    const tickKeys = await slotKeys(g, 'tick');
    expect(placed.filter((b) => b.includes('+15550019999'))).toHaveLength(tickKeys.length);
    expect(placed).toHaveLength(tickKeys.length + 1);
  });

  it('lets entries go by the deadline written now, not the one read at start', {
    timeout: 90_000,
  }, async () => {
    const tick = (deadline: string) =>
      callsYaml([
        { name: 'tick', extra: [`schedule: { cron: "* * * * * *", deadline: ${deadline} }`] },
      ]);
    gw = await startGateway({ 'calls/a.yaml': tick('1m') });
    const g = gw;
    const config = await g.project.read('callops.yaml');
    await g.project.write('callops.yaml', `${config}state:\n  keep: 1s\n`);
    const run = startRun(g);
    const first = await run.until('three ticks in the lockfile', async () => {
      const keys = await slotKeys(g, 'tick');
      return keys.length >= 3 ? keys[0] : undefined;
    });
    // With a deadline of 1 minute the first slot's entry stays a minute; with 1 s, 2 s.
    await g.project.write('calls/a.yaml', tick('1s'));
    await run.until('the first slot let go', async () =>
      (await slotKeys(g, 'tick')).includes(first) ? undefined : true,
    );
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code, run.soFar()).toBe(0);
    expect(run.soFar()).toMatch(/definitions reloaded: /);
    const slot = first.slice(first.indexOf('@') + 1);
    const pruned = (await g.project.lock())?.schedules?.['sim/tick']?.prunedThrough;
    expect(Date.parse(pruned ?? '')).toBeGreaterThanOrEqual(Date.parse(slot));
  });

  it('reports a slot of a call added while it slept, over before its next wake, as missed once', {
    timeout: 90_000,
  }, async () => {
    // `wake` makes run wake every 10 s; the built-in simulator (started by run for each
    // batch) is never asked for outcomes, so nothing else wakes it in between.
    const wake = { name: 'wake', extra: ['schedule: { cron: "*/10 * * * * *", deadline: 5s }'] };
    const daily = { name: 'daily', extra: ['schedule: { cron: "0 3 * * *", deadline: 1m }'] };
    gw = await startGateway({ 'calls/a.yaml': callsYaml([daily, wake]) });
    const g = gw;
    const run = startRun(g, ['--target', 'simulator']);
    // A batch at a slot of `wake`: the next wake is 10 s later.
    const first = (await run.until('a slot of wake placed', async () => {
      const keys = await slotKeys(g, 'wake', 'simulator');
      return keys.length > 0 ? keys.length : undefined;
    })) as number;
    await run.until('a slot of wake placed when it fell due', async () =>
      (await slotKeys(g, 'wake', 'simulator')).length > first ? true : undefined,
    );
    // Added now, its slot 1-2 s away and its deadline 2 s: over before run looks again.
    const slot = Math.ceil(Date.now() / 1000) * 1000 + 1000;
    const soon = {
      name: 'soon',
      to: '{ type: phone, number: "+15550019998" }',
      extra: [`schedule: { at: "${atText(slot)}", deadline: 2s }`],
    };
    await g.project.write('calls/a.yaml', callsYaml([daily, wake, soon]));
    await run.until('the slot of soon reported missed', async () =>
      run.soFar().includes(`missed simulator/soon@${atText(slot)}`) ? true : undefined,
    );
    // Once, not at each wake.
    const wakes = (await slotKeys(g, 'wake', 'simulator')).length;
    await run.until('a later wake', async () =>
      (await slotKeys(g, 'wake', 'simulator')).length > wakes ? true : undefined,
    );
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code, run.soFar()).toBe(0);
    expect(run.soFar()).toMatch(/definitions reloaded: /);
    expect(run.soFar().split(`missed simulator/soon@`)).toHaveLength(2);
    const lock = await g.project.lock();
    expect(lock?.calls[`simulator/soon@${atText(slot)}`]).toBeUndefined();
    expect(lock?.schedules?.['simulator/soon']?.reportedThrough).toBe(atText(slot));
  });

  it('a `keep` edited while it runs takes effect at its next wake', {
    timeout: 90_000,
  }, async () => {
    const tick = { name: 'tick', extra: ['schedule: { cron: "* * * * * *", deadline: 1s }'] };
    gw = await startGateway({ 'calls/a.yaml': callsYaml([tick]) });
    const g = gw;
    const run = startRun(g);
    const first = await run.until('three ticks in the lockfile', async () => {
      const keys = await slotKeys(g, 'tick');
      return keys.length >= 3 ? keys[0] : undefined;
    });
    // The default keeps them 30 days; 1 s lets each go two seconds after its slot.
    const config = await g.project.read('callops.yaml');
    await g.project.write('callops.yaml', `${config}state:\n  keep: 1s\n`);
    await run.until('the first slot let go', async () =>
      (await slotKeys(g, 'tick')).includes(first) ? undefined : true,
    );
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code, run.soFar()).toBe(0);
    expect(run.soFar()).not.toMatch(/no call is placed until/);
  });

  it('pauses when `state:` moves the state elsewhere, never printing the url, and resumes once it is back', {
    timeout: 90_000,
  }, async () => {
    const tick = { name: 'tick', extra: ['schedule: { cron: "* * * * * *", deadline: 30s }'] };
    gw = await startGateway({ 'calls/a.yaml': callsYaml([tick]) });
    const g = gw;
    const password = 'pw-555-not-shown';
    await g.project.write(
      '.env',
      `CALLOPS_DATABASE_URL=postgres://callops:${password}@127.0.0.1:1/callops\n`,
    );
    const run = startRun(g);
    await run.until('a tick in the lockfile', async () =>
      (await slotKeys(g, 'tick')).length > 0 ? true : undefined,
    );
    const config = await g.project.read('callops.yaml');
    const postgres = `${config}state:\n  backend: postgres\n  url: \${CALLOPS_DATABASE_URL}\n`;
    await g.project.write('callops.yaml', postgres);
    const paused =
      'the definitions changed where the state lives (`state:` backend `file` → `postgres`): no call is placed until run is restarted (or they change back)';
    await run.until('the pause', async () => (run.soFar().includes(paused) ? true : undefined));
    const atPause = g.placed().length;
    const lockAtPause = await g.project.read('callops.lock');
    // Ticks fall due each second: a run not paused would place them into callops.lock.
    await g.project.write('calls/a.yaml', `${callsYaml([tick])}# touched\n`);
    await run.until('the pause seen again', async () =>
      run.soFar().split(paused).length >= 3 ? true : undefined,
    );
    expect(g.placed()).toHaveLength(atPause);
    expect(await g.project.read('callops.lock')).toBe(lockAtPause);
    await g.project.write('callops.yaml', config);
    await run.until('a slot placed again', async () =>
      g.placed().length > atPause ? true : undefined,
    );
    await run.until('the resume', async () =>
      run.soFar().includes('`state:` names where the state lived when run started again')
        ? true
        : undefined,
    );
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code, run.soFar()).toBe(1);
    expect(run.soFar()).not.toContain(password);
  });
});
