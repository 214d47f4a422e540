import { describe, expect, it } from 'vitest';
import { UNRESOLVED_GATEWAY, unresolvedTargets } from '../../src/plan/twins.js';
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
