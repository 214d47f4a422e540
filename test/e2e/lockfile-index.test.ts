import { rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { serializeLockfile } from '../../src/state/lockfile.js';
import type { LockEntry, Lockfile } from '../../src/state/types.js';
import { callsYaml, type Gateway, spawnCli, startGateway, waitFor, watch } from './helpers.js';

const open: Gateway[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()));
});

const ENTRIES = 4000;
const START = Date.UTC(2026, 0, 1);

/** A lockfile above 1 MiB: placed per-minute slots of a call no longer defined. */
const seed = (): string => {
  const calls: Record<string, LockEntry> = {};
  for (let i = 0; i < ENTRIES; i++) {
    const slot = new Date(START + i * 60_000).toISOString().replace('.000Z', 'Z');
    const n = String(i).padStart(12, '0');
    calls[`sim/minutely@${slot}`] = {
      status: 'placed',
      sid: `0b6c6a4e-0000-4c1e-9a57-${n}`,
      callId: `c5f2a0d4-0000-4b8e-8f1a-${n}`,
      at: slot,
      definition: `sha256:${'0123456789abcdef'.repeat(4)}`,
      file: 'calls/minutely.yaml',
    };
  }
  return serializeLockfile({ lockfileVersion: 1, calls });
};

const start = async () => {
  const gw = await startGateway({
    'calls/a.yaml': callsYaml([{ name: 'one' }, { name: 'two' }]),
  });
  open.push(gw);
  const config = await gw.project.read('callops.yaml');
  await gw.project.write('callops.yaml', `${config}state:\n  keep: 36500d\n`);
  await gw.project.write('callops.lock', seed());
  return gw;
};

const INDEX = '.callops/lock-index.json';

/**
 * The large lockfile indexed by a first apply, then `apply --yes` placing one more call
 * (`sim/three`) whose request the simulator holds until `release()`: the lockfile is
 * changed while that apply holds it.
 */
const heldApply = async (killAfterMs: number) => {
  let holding = false;
  const held: (() => void)[] = [];
  const wait = () => new Promise<void>((go) => (holding ? held.push(go) : go()));
  const gw = await startGateway(
    { 'calls/a.yaml': callsYaml([{ name: 'one' }, { name: 'two' }]) },
    { latencyMs: 1, wait },
  );
  open.push(gw);
  const config = await gw.project.read('callops.yaml');
  await gw.project.write('callops.yaml', `${config}state:\n  keep: 36500d\n`);
  await gw.project.write('callops.lock', seed());
  expect((await gw.run(['apply', '--yes'])).code).toBe(0);
  expect(gw.project.exists(INDEX)).toBe(true);
  await gw.project.write(
    'calls/b.yaml',
    callsYaml([{ name: 'three', to: '{ type: phone, number: "+15550003999" }' }]),
  );
  holding = true;
  const child = spawnCli(['apply', '--yes'], { cwd: gw.project.dir, env: gw.env });
  const { done } = watch(child, killAfterMs);
  await waitFor('the request held at the gateway', () => (held.length === 1 ? true : undefined));
  const release = () => {
    holding = false;
    for (const go of held.splice(0)) go();
  };
  return { gw, done, release };
};

describe('a large lockfile, read through its index in .callops/', () => {
  it('replaced by an older copy: still refused; state pull restores it', async () => {
    const gw = await start();
    expect((await stat(join(gw.project.dir, 'callops.lock'))).size).toBeGreaterThan(1024 * 1024);
    expect((await gw.run(['apply', '--yes', '--only', 'one'])).code).toBe(0);
    expect(gw.project.exists(INDEX)).toBe(true);
    const older = await gw.project.read('callops.lock');
    expect((await gw.run(['apply', '--yes'])).code).toBe(0);
    expect(gw.placed()).toHaveLength(2);
    const newer = await gw.project.lock();
    expect(Object.keys(newer?.calls ?? {})).toHaveLength(ENTRIES + 2);

    // Through the index: both calls are placed already, nothing is sent.
    const plan = await gw.run(['plan']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/0 to place/);
    expect((await gw.run(['apply', '--yes'])).code).toBe(0);
    expect(gw.sim.received()).toHaveLength(2);

    await gw.project.write('callops.lock', older);
    for (const command of [['apply', '--yes'], ['plan']]) {
      const refused = await gw.run(command);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        /1 placement recorded in \.callops\/ is missing from callops\.lock/,
      );
      expect(refused.stderr).toContain('sim/two');
    }
    expect(gw.sim.received()).toHaveLength(2);

    expect((await gw.run(['state', 'pull'])).code).toBe(0);
    expect(await gw.project.lock()).toEqual(newer);
    expect((await gw.run(['apply', '--yes'])).code).toBe(0);
    expect(gw.sim.received()).toHaveLength(2);
  }, 60_000);

  it('deleted: refused, nothing sent', async () => {
    const gw = await start();
    expect((await gw.run(['apply', '--yes'])).code).toBe(0);
    expect(gw.project.exists(INDEX)).toBe(true);
    await rm(join(gw.project.dir, 'callops.lock'));
    const refused = await gw.run(['apply', '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/callops\.lock is missing/);
    expect(refused.stderr).toMatch(/4,?002 placements recorded in \.callops\//);
    expect(gw.sim.received()).toHaveLength(2);
  }, 60_000);

  it('state.keep shortened: the expired entries go at the next apply', async () => {
    const gw = await start();
    expect((await gw.run(['apply', '--yes'])).code).toBe(0);
    expect(gw.project.exists(INDEX)).toBe(true);
    const config = await gw.project.read('callops.yaml');
    await gw.project.write('callops.yaml', config.replace('keep: 36500d', 'keep: 30d'));
    expect((await gw.run(['apply', '--yes'])).code).toBe(0);
    expect(Object.keys((await gw.project.lock())?.calls ?? {}).sort()).toEqual([
      'sim/one',
      'sim/two',
    ]);
    expect(gw.sim.received()).toHaveLength(2);
  }, 60_000);

  it('rewritten by something else, or its index removed: the next apply indexes it again', async () => {
    const gw = await start();
    expect((await gw.run(['apply', '--yes'])).code).toBe(0);
    /** Whether the index describes the lockfile as it is now. */
    const indexed = async (): Promise<boolean> => {
      if (!gw.project.exists(INDEX)) return false;
      const index = JSON.parse(await gw.project.read(INDEX)) as {
        lockfile: Record<string, string>;
      };
      const now = await stat(join(gw.project.dir, 'callops.lock'), { bigint: true });
      const { ino, size, mtimeNs, ctimeNs } = index.lockfile;
      return (
        ino === String(now.ino) &&
        size === String(now.size) &&
        mtimeNs === String(now.mtimeNs) &&
        ctimeNs === String(now.ctimeNs)
      );
    };
    expect(await indexed()).toBe(true);

    // Removed: a no-op apply reads the lockfile in full and, the copy being the same bytes,
    // indexes both again.
    await rm(join(gw.project.dir, INDEX));
    expect((await gw.run(['apply', '--yes'])).code).toBe(0);
    expect(await indexed()).toBe(true);

    // `git pull` of a lockfile with a placement made elsewhere: newer, accepted; the copy is
    // brought up to it and both are indexed.
    const lock = await gw.project.lock();
    const calls = { ...(lock?.calls as Record<string, LockEntry>) };
    calls['sim/elsewhere'] = { ...(calls['sim/one'] as LockEntry), sid: 'elsewhere-sid' };
    await gw.project.write('callops.lock', serializeLockfile({ lockfileVersion: 1, calls }));
    expect(await indexed()).toBe(false);
    expect((await gw.run(['apply', '--yes'])).code).toBe(0);
    expect(await indexed()).toBe(true);
    expect(await gw.project.read('.callops/written.lock')).toBe(
      await gw.project.read('callops.lock'),
    );
    expect((await gw.run(['plan'])).stdout).toMatch(/0 to place/);
    expect(gw.sim.received()).toHaveLength(2);
  }, 60_000);

  it('not as callops writes it, copy alike: never indexed, so a change writes every entry as callops does', async () => {
    const gw = await start();
    // The same entries in other bytes: an escaped character, as a tool may write JSON.
    const text = seed().replace('"calls/minutely.yaml"', '"calls/minutely\\u002eyaml"');
    await gw.project.write('callops.lock', text);
    await gw.project.write('.callops/written.lock', text);
    expect((await gw.run(['state', 'pull'])).code).toBe(0);
    expect((await gw.run(['apply', '--yes'])).code).toBe(0);
    const after = await gw.project.read('callops.lock');
    expect(after).not.toContain('\\u002e');
    expect(serializeLockfile(JSON.parse(after) as Lockfile)).toBe(after);
    expect(gw.placed()).toHaveLength(2);
  }, 60_000);

  it('written over in place (cp) while apply places a call: taken in as another writer, every entry kept', async () => {
    const { gw, done, release } = await heldApply(30_000);
    // Another checkout's lockfile copied over this one, into the same file: one entry more.
    const ours = JSON.parse(await gw.project.read('callops.lock')) as Lockfile;
    const theirs: Lockfile = {
      ...ours,
      calls: {
        ...ours.calls,
        'sim/elsewhere': {
          ...(ours.calls['sim/one'] as LockEntry),
          sid: '0b6c6a4e-ffff-4c1e-9a57-000000000001',
          callId: 'c5f2a0d4-ffff-4b8e-8f1a-000000000001',
        },
      },
    };
    await writeFile(join(gw.project.dir, 'callops.lock'), serializeLockfile(theirs));
    release();
    const r = await done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('holds two sids');
    const text = await gw.project.read('callops.lock');
    const after = JSON.parse(text) as Lockfile;
    for (const [key, entry] of Object.entries(theirs.calls))
      expect(after.calls[key]).toEqual(entry);
    expect(after.calls['sim/three']?.status).toBe('placed');
    expect(Object.keys(after.calls)).toHaveLength(Object.keys(theirs.calls).length + 1);
    expect(serializeLockfile(after)).toBe(text);
    expect(await gw.project.read('.callops/written.lock')).toBe(text);
  }, 90_000);

  it('written over in place with the same bytes, its copy gone, while apply places a call: the line says the journal keeps the outcome, and the next command records it', async () => {
    const { gw, done, release } = await heldApply(60_000);
    // `cat same.lock > callops.lock`: the same bytes into the same file; its copy removed.
    await writeFile(join(gw.project.dir, 'callops.lock'), await gw.project.read('callops.lock'));
    await rm(join(gw.project.dir, '.callops/written.lock'));
    release();
    const r = await done;
    const out = `${r.stdout}${r.stderr}`;
    expect(r.code, out).not.toBe(0);
    const line = out.split('\n').find((l) => l.includes('sim/three')) ?? '';
    expect(line).toContain('the gateway placed it');
    expect(line).toContain('but it could not be written into callops.lock (');
    expect(line).toContain('it is kept in .callops/journal.jsonl: the next command records it');
    expect(out).not.toContain('callops resolve');
    const closing = r.stderr.split('\n').find((l) => l.startsWith('callops apply:')) ?? '';
    expect(closing).toContain('changed while callops was reading it');
    expect(closing.split('changed while callops was reading it')).toHaveLength(2);
    // The next command records it from the journal: placed, not sent again.
    const next = await gw.run(['apply', '--yes']);
    expect(next.code, next.stderr).toBe(0);
    const after = JSON.parse(await gw.project.read('callops.lock')) as Lockfile;
    expect(after.calls['sim/three']?.status).toBe('placed');
  }, 90_000);

  it('calls placed beside it, apply after apply: every other entry kept as written, copy and index with it', async () => {
    const gw = await start();
    expect((await gw.run(['apply', '--yes'])).code).toBe(0);
    const lockfileOf = async () => JSON.parse(await gw.project.read('callops.lock')) as Lockfile;
    for (const [round, names] of [
      [1, ['a-first', 'zz-last']],
      [2, ['m-middle', 'one-more']],
    ] as const) {
      const before = await lockfileOf();
      const calls = names.map((name, i) => ({
        name,
        to: `{ type: phone, number: "+1555000${String(3000 + round * 10 + i).padStart(4, '0')}" }`,
      }));
      await gw.project.write(`calls/more-${round}.yaml`, callsYaml(calls));
      const run = await gw.run(['apply', '--yes']);
      expect(run.code, run.stderr).toBe(0);
      const text = await gw.project.read('callops.lock');
      const after = JSON.parse(text) as Lockfile;
      // Written as callops writes a lockfile whole, the copy the same bytes, the index of it.
      expect(serializeLockfile(after)).toBe(text);
      expect(await gw.project.read('.callops/written.lock')).toBe(text);
      expect(gw.project.exists(INDEX)).toBe(true);
      // Every entry it held is there as it was; the new calls beside them, placed.
      for (const [key, entry] of Object.entries(before.calls))
        expect(after.calls[key]).toEqual(entry);
      for (const name of names) expect(after.calls[`sim/${name}`]?.status).toBe('placed');
      expect(Object.keys(after.calls)).toHaveLength(Object.keys(before.calls).length + 2);
    }
    expect((await gw.run(['plan'])).stdout).toMatch(/0 to place/);
    expect(gw.sim.received()).toHaveLength(6);
  }, 90_000);
});
