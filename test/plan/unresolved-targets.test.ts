import { describe, expect, it } from 'vitest';
import {
  recordedGateway,
  targetTwins,
  UNRESOLVED_GATEWAY,
  unresolvedTargets,
} from '../../src/plan/twins.js';
import type { LockEntry, Lockfile } from '../../src/state/types.js';

const placed: LockEntry = {
  status: 'placed',
  sid: 'sid-1',
  at: '2026-12-03T10:00:00Z',
  definition: 'sha256:00',
  file: 'calls/a.yaml',
};

const lock = (...keys: string[]): Lockfile => ({
  lockfileVersion: 1,
  calls: Object.fromEntries(keys.map((k) => [k, placed])),
});

describe('targets whose gateway does not resolve now', () => {
  const gateways = new Map([
    ['prod', 'sha256:aa'],
    ['gw', `${UNRESOLVED_GATEWAY}sha256:bb`],
    ['empty', `${UNRESOLVED_GATEWAY}sha256:cc`],
    ['staging', 'sha256:dd'],
  ]);

  it('names each other target that holds entries, with how many, in name order', () => {
    const l = lock('gw/a', 'gw/b@2026-12-03T10:00:00Z', 'prod/a', 'staging/a', 'gwx/a');
    expect(unresolvedTargets(l, gateways, 'prod')).toEqual([{ target: 'gw', entries: 2 }]);
  });

  it('never the run target itself, nor one written as it is (one gateway)', () => {
    const l = lock('gw/a', 'twin/a');
    const same = new Map([...gateways, ['twin', `${UNRESOLVED_GATEWAY}sha256:bb`]]);
    expect(unresolvedTargets(l, same, 'gw')).toEqual([]);
    expect(unresolvedTargets(l, same, 'prod')).toEqual([
      { target: 'gw', entries: 1 },
      { target: 'twin', entries: 1 },
    ]);
  });

  it('nothing without entries or without gateways', () => {
    expect(unresolvedTargets(lock(), gateways, 'prod')).toEqual([]);
    expect(unresolvedTargets(lock('gw/a'), undefined, 'prod')).toEqual([]);
  });
});

describe('entries that record the gateway that placed them', () => {
  const gateways = new Map([
    ['prod', 'sha256:aa'],
    ['staging', 'sha256:dd'],
    ['gw', `${UNRESOLVED_GATEWAY}sha256:bb`],
  ]);
  const on = (gateway: string | undefined): LockEntry =>
    gateway === undefined ? placed : { ...placed, gateway };
  const PROD = recordedGateway('sha256:aa') as string;
  const STAGING = recordedGateway('sha256:dd') as string;
  const l: Lockfile = {
    lockfileVersion: 1,
    calls: { 'gw/a': on(PROD), 'gw/b': on(STAGING), 'gw/c': on(undefined), 'gw/d': on(PROD) },
  };

  it('records a digest of the gateway, none for one that does not resolve', () => {
    expect(PROD).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(PROD).not.toBe(STAGING);
    expect(recordedGateway(`${UNRESOLVED_GATEWAY}sha256:bb`)).toBeUndefined();
    expect(recordedGateway(undefined)).toBeUndefined();
  });

  it('counts those held (this gateway) and those of another, the rest read as before', () => {
    expect(unresolvedTargets(l, gateways, 'prod')).toEqual([
      { target: 'gw', entries: 4, held: 2, otherGateway: 1 },
    ]);
    expect(unresolvedTargets(l, gateways, 'staging')).toEqual([
      { target: 'gw', entries: 4, held: 1, otherGateway: 2 },
    ]);
  });

  it("holds, under each target, only the unresolved target's entries recorded on its gateway", () => {
    const twins = targetTwins(l, gateways);
    expect(twins.any).toBe(true);
    expect(twins.at('prod', 'prod/a')?.key).toBe('gw/a');
    expect(twins.at('prod', 'prod/b')).toBeUndefined();
    expect(twins.at('prod', 'prod/c')).toBeUndefined();
    expect(twins.at('staging', 'staging/b')?.key).toBe('gw/b');
    expect(twins.at('staging', 'staging/a')).toBeUndefined();
    // Not a target on the same gateway: the plan names it apart.
    expect(twins.sameGateway('prod')).toEqual([]);
  });
});
