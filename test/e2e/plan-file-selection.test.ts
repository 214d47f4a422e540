// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${row.X} references
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gatewaysClosedAfterEach } from './gateways-per-test.js';
import { callsYaml, campaignYaml, output } from './helpers.js';

/**
 * `apply --plan FILE` checks the file against the plan made now with the selection the file
 * was made with (`--only`, `--retry-unknown`): a per-number limit or a campaign's shared
 * number counts the calls this run places, not those the reviewed plan left out. The file
 * records that selection under its digest: an edit of it is refused as an edit.
 */

const startGateway = gatewaysClosedAfterEach();

const SAME_NUMBER = '{ type: phone, number: "+15550004444" }';

/** Calls `a` and `b` dialling one number, under a limit of one call a day per number. */
const limited = async () => {
  const gw = await startGateway({
    'calls/a.yaml': callsYaml([
      { name: 'a', to: SAME_NUMBER },
      { name: 'b', to: SAME_NUMBER },
    ]),
  });
  const config = await gw.project.read('callops.yaml');
  await gw.project.write('callops.yaml', `${config}limits: { per_number: 1/24h }\n`);
  return gw;
};

const planFile = (dir: string) => join(dir, 'p.json');

describe('apply --plan and the selection the plan was made with', () => {
  it('places `plan --only b` although `a` dials the same number under a per-number limit', async () => {
    const gw = await limited();
    const file = planFile(gw.project.dir);
    const made = await gw.run(['plan', '--only', 'b', '--out', file]);
    expect(made.code, output(made)).toBe(0);
    expect(made.stdout).toContain('sim/b');
    const r = await gw.run(['apply', '--yes', '--plan', file]);
    expect(r.code, output(r)).toBe(0);
    expect(gw.placed()).toHaveLength(1);
    const lock = await gw.project.lock();
    expect(lock?.calls['sim/b']?.status).toBe('placed');
    expect(lock?.calls['sim/a']).toBeUndefined();
  });

  it('places a positional campaign row alone although an earlier row dials its number', async () => {
    const gw = await startGateway({
      'calls/c.yaml': campaignYaml([], '{ patient: "${row.name}" }'),
      'lists/reminders.csv': 'name,phone\nAda,+15550005555\nBob,+15550005555\n',
    });
    const file = planFile(gw.project.dir);
    const made = await gw.run(['plan', '--only', 'reminders/2', '--out', file]);
    expect(made.code, output(made)).toBe(0);
    const r = await gw.run(['apply', '--yes', '--plan', file]);
    expect(r.code, output(r)).toBe(0);
    expect(gw.placed()).toHaveLength(1);
    expect(Object.keys((await gw.project.lock())?.calls ?? {})).toEqual(['sim/reminders/2']);
  });

  it('refuses a file whose recorded --only was edited, and sends nothing', async () => {
    const gw = await limited();
    const file = planFile(gw.project.dir);
    expect((await gw.run(['plan', '--only', 'b', '--out', file])).code).toBe(0);
    const saved = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    expect(saved.only).toEqual(['b']);
    await writeFile(file, JSON.stringify({ ...saved, only: ['a', 'b'] }));
    const r = await gw.run(['apply', '--yes', '--plan', file]);
    expect(r.code, output(r)).toBe(1);
    expect(r.stderr).toContain('the plan file was edited; make a new plan; nothing was sent');
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('refuses a file whose recorded --retry-unknown was taken out, and sends nothing', async () => {
    const gw = await startGateway({ 'calls/a.yaml': callsYaml([{ name: 'x' }]) });
    await gw.project.write(
      'callops.lock',
      `${JSON.stringify({
        lockfileVersion: 1,
        calls: {
          'sim/x': {
            status: 'unknown',
            at: '2026-12-02T10:00:00.000Z',
            definition: 'sha256:00',
            file: 'calls/a.yaml',
            message: 'timeout',
          },
        },
      })}\n`,
    );
    const file = planFile(gw.project.dir);
    expect((await gw.run(['plan', '--retry-unknown', '--out', file])).code).toBe(0);
    const saved = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    expect(saved.retryUnknown).toBe(true);
    const { retryUnknown: _, ...edited } = saved;
    await writeFile(file, JSON.stringify(edited));
    const refused = await gw.run(['apply', '--yes', '--plan', file]);
    expect(refused.code, output(refused)).toBe(1);
    expect(refused.stderr).toContain('the plan file was edited');
    expect(gw.sim.received()).toHaveLength(0);
    await writeFile(file, JSON.stringify(saved));
    const r = await gw.run(['apply', '--yes', '--plan', file]);
    expect(r.code, output(r)).toBe(0);
    expect(gw.placed()).toHaveLength(1);
    expect((await gw.project.lock())?.calls['sim/x']?.status).toBe('placed');
  });
});
