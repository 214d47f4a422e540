import { afterEach, describe, expect, it } from 'vitest';
import { callsYaml, type Gateway, output, startGateway } from './helpers.js';

/**
 * A checkout behind another that shares its state: the other renamed target `sim` to
 * `prod`, this one still has `sim`. `prod` may be a name this checkout never had: what it
 * says of that target is neutral (never "no longer" nor "any more"), and `resolve --check`,
 * which cannot ask a target it does not define, says how the entry can be settled.
 */

const open: Gateway[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()));
});

const AT = '2026-01-01T00:00:00.000Z';
const SID = '98e4dd21-b178-4af1-83b6-3c1582893890';
const UNDEFINED_HERE = "this checkout's callops.yaml does not define";

/** A project on target `sim` whose state holds entries another checkout made under `prod`. */
const lagging = async (): Promise<Gateway> => {
  const gw = await startGateway({ 'calls/a.yaml': callsYaml([{ name: 'c6' }, { name: 'c7' }]) });
  open.push(gw);
  const entry = { at: AT, definition: 'sha256:x', file: 'calls/a.yaml' };
  await gw.project.write(
    'callops.lock',
    `${JSON.stringify(
      {
        calls: {
          'prod/c6': { ...entry, status: 'unknown' },
          // Placed a minute ago, its outcome not known yet: a refresh would ask about it.
          'prod/c7': {
            ...entry,
            at: new Date(Date.now() - 60_000).toISOString(),
            sid: SID,
            status: 'placed',
          },
        },
        lockfileVersion: 1,
      },
      null,
      2,
    )}\n`,
  );
  return gw;
};

describe('a target the state names that this checkout does not define', () => {
  it('resolve --check says why it did not check it and how to settle it (exit 3)', async () => {
    const gw = await lagging();
    const check = await gw.run(['resolve', '--check', 'prod/c6']);
    expect(check.code, output(check)).toBe(3);
    expect(check.stdout).toContain(
      "prod/c6: not checked — target prod: this checkout's callops.yaml does not define it; run `callops resolve --check prod/c6` from a checkout that defines it, or decide, then `callops resolve prod/c6 --placed SID` or `--not-placed`",
    );
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('plan, status and status --refresh name it neutrally, never as gone', async () => {
    const gw = await lagging();
    const plan = await gw.run(['plan']);
    expect(plan.code, output(plan)).toBe(0);
    expect(output(plan)).toContain(
      "target prod is not defined in this checkout's callops.yaml: its 2 entries stay in the lockfile",
    );
    expect(plan.stdout).toMatch(
      new RegExp(`^ {2}= sim/c7 .*the same call under target prod, which ${UNDEFINED_HERE}:`, 'm'),
    );
    const status = await gw.run(['status', '--refresh']);
    expect(status.code, output(status)).toBe(3);
    expect(status.stdout).toContain(
      "its target `prod` is not defined in this checkout's callops.yaml, and `c6` is held on target `sim` until this is settled",
    );
    expect(status.stderr).toContain(
      "refresh: target prod not asked: this checkout's callops.yaml does not define it",
    );
    for (const r of [plan, status]) expect(output(r)).not.toMatch(/no longer|any more|renamed\?/);
  });
});
