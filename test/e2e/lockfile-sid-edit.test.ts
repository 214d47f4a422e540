import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { callsYaml, type Gateway, type LockJson, startGateway } from './helpers.js';

const open: Gateway[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()));
});

const CALLS = { 'calls/a.yaml': callsYaml([{ name: 'one' }, { name: 'two' }]) };
const OTHER = '0ca110b5-0000-4000-8000-0000000000ff';

/** Two calls placed, then callops.lock rewritten with `sid` as sim/two's sid. */
const placedThenEdited = async (sid: (lock: LockJson) => string) => {
  const gw = await startGateway(CALLS);
  open.push(gw);
  expect((await gw.run(['apply', '--yes'])).code).toBe(0);
  const lock = (await gw.project.lock()) as LockJson;
  const two = lock.calls['sim/two'];
  const real = two?.sid as string;
  const edited = { ...lock, calls: { ...lock.calls, 'sim/two': { ...two, sid: sid(lock) } } };
  await gw.project.write('callops.lock', `${JSON.stringify(edited, null, 2)}\n`);
  return { gw, real, edited: sid(lock), first: lock.calls['sim/one']?.sid as string };
};

describe('a placed entry whose sid was edited in callops.lock', () => {
  it('to another sid: refused like a lockfile that moved backwards, naming both sids; state pull restores it', async () => {
    const { gw, real } = await placedThenEdited(() => OTHER);
    const said = `callops.lock holds another sid than .callops/ recorded for 1 placed call: sim/two holds ${OTHER} there, .callops/ recorded ${real}.`;
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain(said);
    expect(apply.stderr).toContain('so nothing was sent. `callops state pull` writes them back');
    const status = await gw.run(['status']);
    expect(status.code).toBe(1);
    expect(status.stderr).toContain(said);
    expect(gw.sim.received()).toHaveLength(2);

    const pull = await gw.run(['state', 'pull']);
    expect(pull.code, pull.stderr).toBe(0);
    expect(pull.stdout).toContain(`sim/two: placed (sid ${real})`);
    expect((await gw.project.lock())?.calls['sim/two']?.sid).toBe(real);
    const after = await gw.run(['status']);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toContain(`sim/two  sid ${real}`);
  });

  it("to another key's sid: refused naming the key; without .callops/ every command warns, naming both keys at their place", async () => {
    const { gw, real, first } = await placedThenEdited((lock) => lock.calls['sim/one']?.sid ?? '');
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain(`sim/two holds ${first} there, .callops/ recorded ${real}.`);

    // A fresh clone (or CI): nothing recorded to compare with, yet one sid for two keys. Not
    // refused (a lockfile written before callops refused a sid twice holds such entries).
    await rm(join(gw.project.dir, '.callops'), { recursive: true });
    const text = await gw.project.read('callops.lock');
    const lines = text.split('\n');
    const lineOf = (key: string) => {
      const at = lines.findIndex((l) => l.includes(`"${key}"`));
      return at + 1 + lines.slice(at).findIndex((l) => l.includes('"sid"'));
    };
    const column = (lines[lineOf('sim/two') - 1]?.indexOf('"sid"') ?? 0) + 1;
    for (const args of [['apply', '--yes'], ['status'], ['plan']]) {
      const r = await gw.run(args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(
        `callops.lock:${lineOf('sim/two')}:${column}: warning: "sim/two" holds the sid ${first}, which "sim/one" (line ${lineOf('sim/one')}) holds too — one call has one sid, so neither takes an outcome`,
      );
    }
    const github = await gw.run(['status', '--format', 'github']);
    expect(github.stdout).toContain(
      `::warning file=callops.lock,line=${lineOf('sim/two')},col=${column},`,
    );
    expect(gw.sim.received()).toHaveLength(2);
  });

  it('a replacement made since keeps the earlier sid in its history: accepted; the lockfile from before it is refused', async () => {
    const gw = await startGateway(CALLS);
    open.push(gw);
    expect((await gw.run(['apply', '--yes'])).code).toBe(0);
    const before = await gw.project.read('callops.lock');
    const replaced = await gw.run(['apply', '--yes', '--replace', 'one']);
    expect(replaced.code, replaced.stderr).toBe(0);
    const status = await gw.run(['status']);
    expect(status.code, status.stderr).toBe(0);

    // The lockfile from before the replacement holds the sid it superseded.
    const now = (await gw.project.lock())?.calls['sim/one']?.sid;
    await gw.project.write('callops.lock', before);
    const refused = await gw.run(['status']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`.callops/ recorded ${now}.`);
  });
});
