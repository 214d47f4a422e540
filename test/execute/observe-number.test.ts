import { describe, expect, it } from 'vitest';
import type { CallRecordEvidence, CdrEvidence } from '../../src/execute/evidence.js';
import { observeCycle, type Watched } from '../../src/execute/observe.js';
import type { GatewayReader } from '../../src/execute/reader.js';
import { numberDigest } from '../../src/screen/number.js';

const sid = (n: number) => `8d3c2a1e-0000-4000-8000-${String(n).padStart(12, '0')}`;
const NOW = new Date('2026-11-24T10:05:00.000Z');
const AT = '2026-11-24T10:00:00.000Z';

/** A gateway that holds these records and call detail records, read from memory. */
const readerOf = (
  records: readonly CallRecordEvidence[],
  cdrs: readonly CdrEvidence[] = [],
): GatewayReader => ({
  target: 'gw',
  listCalls: async (options) => ({
    ok: true,
    value: records.filter((r) => options?.keep?.(r) ?? true),
  }),
  recentCalls: async () => ({ ok: true, value: { data: cdrs, size: cdrs.length } }),
  close: async () => {},
});

const busy = (n: number, to: string): CallRecordEvidence => ({
  call_sid: sid(n),
  call_status: 'busy',
  sip_status: 486,
  duration: 0,
  from: '+15550001111',
  to,
});

describe('observeCycle: a record of a sid to another number than its entry dialled', () => {
  it('is not recorded on the entry, and is said', async () => {
    const watched: Watched[] = [
      { key: 'gw/c4', sid: sid(3), at: AT, number: numberDigest('+15550100004') },
      { key: 'gw/c5', sid: sid(4), at: AT, number: numberDigest('+15550100005') },
      // An entry of an older release recorded no number: nothing to compare.
      { key: 'gw/c6', sid: sid(5), at: AT },
    ];
    const reader = readerOf([
      busy(3, '+15550100004'),
      busy(4, '+15550100004'),
      busy(5, '+15550100009'),
    ]);

    const cycle = await observeCycle(reader, watched, NOW);

    expect(cycle.observations.map((o) => [o.key, o.outcome.status])).toEqual([
      ['gw/c4', 'busy'],
      ['gw/c6', 'busy'],
    ]);
    expect(cycle.otherNumber).toEqual([watched[1]]);
  });

  it('by its call detail record too', async () => {
    const watched: Watched[] = [
      { key: 'gw/c5', sid: sid(4), at: AT, number: numberDigest('+15550100005') },
    ];
    const cdr: CdrEvidence = {
      call_sid: sid(4),
      answered: true,
      sip_status: 200,
      duration: 20,
      attempted_at: AT,
      terminated_at: '2026-11-24T10:01:00.000Z',
      from: '+15550001111',
      to: '+15550100004',
    };

    const cycle = await observeCycle(readerOf([], [cdr]), watched, NOW);

    expect(cycle.observations).toEqual([]);
    expect(cycle.otherNumber).toEqual(watched);
  });
});
