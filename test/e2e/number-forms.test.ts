// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${row.X} references
import { describe, expect, it } from 'vitest';
import { numberDigest } from '../../src/screen/number.js';
import { sha256Hex } from '../../src/validate/definition.js';
import { gatewaysClosedAfterEach } from './gateways-per-test.js';
import { callsPerNumber, callsYaml, campaignYaml, type Gateway, output } from './helpers.js';

/**
 * One number written two ways — `+15550180002`, and `15550180002` from a spreadsheet that
 * dropped the `+` — is one person, as the do-not-call lists read it: a campaign that dialled
 * it does not dial it again from a re-exported CSV, and the per-number limit counts both.
 * The real CLI, the file store, the built-in simulator; each number counted as it rang.
 */

const gateway = gatewaysClosedAfterEach();

const CAMPAIGN = campaignYaml([], '{ kind: "reminder" }');

interface PlanJson {
  due: { key: string }[];
  skipped: { key: string; reason?: string }[];
  waiting: { key: string; reason?: string }[];
}

const planJson = async (gw: Gateway): Promise<PlanJson> => {
  const r = await gw.run(['plan', '--format', 'json']);
  expect(r.code, output(r)).toBe(0);
  return JSON.parse(r.stdout) as PlanJson;
};

/** callops.yaml as the helpers write it, with `lines` added. */
const withConfig = async (gw: Gateway, lines: string): Promise<void> => {
  const config = await gw.project.read('callops.yaml');
  await gw.project.write('callops.yaml', `${config}${lines}\n`);
};

/** The digest a release before this one recorded of a number: of it as written. */
const writtenDigest = (number: string): string => `sha256:${sha256Hex(number).slice(0, 16)}`;

/** A lockfile of placed entries, each `[key, digest]`, placed an hour ago. */
const lockfileOf = (entries: readonly (readonly [string, string])[]): string => {
  const at = new Date(Date.now() - 3_600_000).toISOString();
  const calls = Object.fromEntries(
    entries.map(([key, number], i) => [
      key,
      {
        at,
        callId: `1459be02-424e-447d-82e9-5362ffe1230${i}`,
        definition: 'sha256:0',
        file: key.includes('/reminders/') ? 'calls/reminders.yaml' : 'calls/a.yaml',
        number,
        sid: `f5323c91-5cf1-4253-8928-9270e4fb4d3${i}`,
        status: 'placed',
      },
    ]),
  );
  return `${JSON.stringify({ calls, lockfileVersion: 1 }, null, 2)}\n`;
};

describe('a number without its leading + is the same person', () => {
  it('a campaign re-exported without + (and a row added on top) dials no one again', {
    timeout: 60_000,
  }, async () => {
    const gw = await gateway({
      'calls/reminders.yaml': CAMPAIGN,
      'lists/reminders.csv': 'phone\n+15550180001\n+15550180002\n',
    });
    const first = await gw.run(['apply', '--yes']);
    expect(first.code, output(first)).toBe(0);
    expect(callsPerNumber(gw)).toEqual({ '+15550180001': 1, '+15550180002': 1 });

    // As a spreadsheet exports it again: a new row on top, every `+` dropped.
    await gw.project.write('lists/reminders.csv', 'phone\n15550180000\n15550180001\n15550180002\n');
    const plan = await planJson(gw);
    expect(plan.due).toEqual([]);
    const third = plan.skipped.find((i) => i.key === 'sim/reminders/3');
    expect(third?.reason).toMatch(
      /^not placed: this campaign already dialled 15550180002 as sim\/reminders\/2 \(placed /,
    );
    // Row 2 now dials the person row 1 called: --replace is not offered for it.
    const human = await gw.run(['plan']);
    expect(human.stdout).not.toContain('`callops apply --replace reminders/2`');
    expect(human.stdout).toContain(
      '--replace would not place it: not placed: this campaign already dialled 15550180001 as sim/reminders/1',
    );
    const again = await gw.run(['apply', '--yes']);
    expect(again.code, output(again)).toBe(0);
    expect(callsPerNumber(gw)).toEqual({ '+15550180001': 1, '+15550180002': 1 });
    const replace = await gw.run(['apply', '--yes', '--replace', 'reminders/2']);
    expect(replace.code, output(replace)).toBe(64);
    expect(callsPerNumber(gw)).toEqual({ '+15550180001': 1, '+15550180002': 1 });
  });

  it('two rows of one run, the number written with and without +: one is placed', {
    timeout: 60_000,
  }, async () => {
    const gw = await gateway({
      'calls/reminders.yaml': CAMPAIGN,
      'lists/reminders.csv': 'phone\n+15550180011\n15550180011\n',
    });
    const plan = await planJson(gw);
    expect(plan.due.map((i) => i.key)).toEqual(['sim/reminders/1']);
    expect(plan.skipped.find((i) => i.key === 'sim/reminders/2')?.reason).toMatch(
      /^not placed: sim\/reminders\/1 of this campaign dials 15550180011 too, in this run/,
    );
    const r = await gw.run(['apply', '--yes']);
    expect(r.code, output(r)).toBe(0);
    expect(callsPerNumber(gw)).toEqual({ '+15550180011': 1 });
  });

  it('the per-number limit counts a call to the number written either way', {
    timeout: 60_000,
  }, async () => {
    const gw = await gateway({
      'calls/a.yaml': callsYaml([{ name: 'a', to: '{ type: phone, number: "+15550180101" }' }]),
    });
    await withConfig(gw, 'limits: { per_number: 1/24h }');
    const first = await gw.run(['apply', '--yes']);
    expect(first.code, output(first)).toBe(0);
    await gw.project.write(
      'calls/a.yaml',
      callsYaml([
        { name: 'a', to: '{ type: phone, number: "+15550180101" }' },
        { name: 'b', to: '{ type: phone, number: "15550180101" }' },
        { name: 'c', to: '{ type: phone, number: "0015550180101" }' },
      ]),
    );
    const plan = await planJson(gw);
    expect(plan.due).toEqual([]);
    expect(plan.waiting.map((i) => i.key)).toEqual(['sim/b', 'sim/c']);
    const again = await gw.run(['apply', '--yes']);
    expect(again.code, output(again)).toBe(0);
    expect(again.stdout).toMatch(/^waiting sim\/b {2}per-number limit 1\/24h reached/m);
    expect(callsPerNumber(gw)).toEqual({ '+15550180101': 1 });
    // What is recorded of a number is one digest, however it was written.
    const lock = await gw.project.lock();
    expect(lock?.calls['sim/a']?.number).toBe(numberDigest('15550180101'));
  });
});

describe('entries an earlier release recorded of a number without +', () => {
  it('are still found by that number written the same way', { timeout: 60_000 }, async () => {
    // Rows 1 and 2 placed by a release that digested 15550180301 as written.
    const gw = await gateway({
      'calls/reminders.yaml': CAMPAIGN,
      'calls/a.yaml': callsYaml([{ name: 'b', to: '{ type: phone, number: "15550180401" }' }]),
      'lists/reminders.csv': 'phone\n15550180300\n15550180301\n15550180302\n',
      'callops.lock': lockfileOf([
        ['sim/old', writtenDigest('15550180401')],
        ['sim/reminders/1', writtenDigest('15550180301')],
        ['sim/reminders/2', writtenDigest('15550180302')],
      ]),
    });
    await withConfig(gw, 'limits: { per_number: 1/24h }');
    const plan = await planJson(gw);
    expect(plan.due).toEqual([]);
    expect(plan.skipped.find((i) => i.key === 'sim/reminders/3')?.reason).toMatch(
      /^not placed: this campaign already dialled 15550180302 as sim\/reminders\/2 /,
    );
    expect(plan.waiting.map((i) => i.key)).toEqual(['sim/b']);
    const r = await gw.run(['apply', '--yes']);
    expect(r.code, output(r)).toBe(0);
    expect(callsPerNumber(gw)).toEqual({});
  });
});
