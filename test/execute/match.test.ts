import { describe, expect, it } from 'vitest';
import {
  candidatesFor,
  decide,
  type Intent,
  namesOtherNumber,
  type SidHolder,
} from '../../src/execute/match.js';
import { numberDigest } from '../../src/screen/number.js';

/** A call sid, as the gateway writes one. */
const sid = (n: number) => `8d3c2a1e-0000-4000-8000-${String(n).padStart(12, '0')}`;

const AT = Date.parse('2026-11-24T10:00:00.000Z');
const intent: Intent = {
  key: 'p/a',
  to: '+15550002222',
  from: '+15550001111',
  atMs: AT,
  windowMs: 75_000,
};
const cdr = (sid: string, offsetMs: number, fields: Record<string, unknown> = {}) => ({
  call_sid: sid,
  answered: true,
  sip_status: 200,
  duration: 3,
  attempted_at: new Date(AT + offsetMs).toISOString(),
  terminated_at: new Date(AT + offsetMs + 3000).toISOString(),
  from: '+15550001111',
  to: '+15550002222',
  ...fields,
});
const record = (sid: string, fields: Record<string, unknown> = {}) => ({
  call_sid: sid,
  call_status: 'ringing',
  sip_status: 180,
  duration: 0,
  from: '+15550001111',
  to: '+15550002222',
  ...fields,
});
const none = new Map<string, SidHolder>();

describe('resolve --check matching', () => {
  it('one call to the same number from the same caller within the window settles it', () => {
    const found = candidatesFor(intent, { records: [], cdrs: [cdr(sid(1), 2_000)] }, none);
    expect(found).toHaveLength(1);
    expect(decide(found, intent)).toEqual({ kind: 'settle', candidate: found[0] });
  });

  it('leaves out other numbers, other callers, other times, sids the lockfile holds, and what is no call sid', () => {
    const cdrs = [
      cdr(sid(1), 0, { to: '+15550009999' }),
      cdr(sid(2), 0, { from: '+15550008888' }),
      cdr(sid(3), 76_000),
      cdr(sid(4), -76_000),
      cdr(sid(5), 0),
      // A sid that would be recorded as it is: the api key, an id of another kind.
      cdr('Zq8Xv3-api-key-Kd7Wm2', 0),
      cdr('CA1234', 0),
    ];
    expect(
      candidatesFor(intent, { records: [], cdrs }, new Map([[sid(5), { key: 'p/b' }]])),
    ).toEqual([]);
    expect(decide([], intent)).toEqual({ kind: 'none' });
  });

  it("leaves out a call another application handled, or a call_hook request's call through an application or another url", () => {
    const APP = '0ca110b5-0000-4000-8000-0000000000aa';
    const OTHER = '0ca110b5-0000-4000-8000-0000000000bb';
    const byApp: Intent = { ...intent, handler: { applicationSid: APP } };
    const evidence = {
      records: [record(sid(3), { application_sid: OTHER })],
      cdrs: [
        cdr(sid(1), 0, { application_sid: OTHER }),
        cdr(sid(2), 0, { application_sid: APP.toUpperCase() }),
        // The live record names another application: another's call, whatever its CDR says.
        cdr(sid(3), 0),
      ],
    };
    expect(candidatesFor(byApp, evidence, none).map((c) => c.sid)).toEqual([sid(2)]);
    // A record that names no application is no evidence either way.
    expect(candidatesFor(byApp, { records: [], cdrs: [cdr(sid(4), 0)] }, none)).toHaveLength(1);
    const byHook: Intent = { ...intent, handler: { callHookUrl: 'https://hooks.example.com/a' } };
    const hooked = {
      records: [
        record(sid(1), { service_url: 'https://hooks.example.com/a' }),
        record(sid(2), { service_url: 'https://hooks.example.com/b' }),
        record(sid(3), { application_sid: APP, service_url: 'https://hooks.example.com/a' }),
      ],
      cdrs: [],
    };
    expect(candidatesFor(byHook, hooked, none).map((c) => c.sid)).toEqual([sid(1)]);
  });

  it('two calls that could be it are for a person to decide', () => {
    const found = candidatesFor(
      intent,
      { records: [], cdrs: [cdr(sid(1), 0), cdr(sid(2), 30_000)] },
      none,
    );
    expect(decide(found, intent)).toEqual({ kind: 'undecided', candidates: found });
  });

  it('a live record without a CDR has no time: a candidate that settles nothing alone', () => {
    const found = candidatesFor(intent, { records: [record(sid(1))], cdrs: [] }, none);
    expect(found).toEqual([
      { sid: sid(1), to: '+15550002222', from: '+15550001111', status: 'ringing' },
    ]);
    expect(decide(found, intent).kind).toBe('undecided');
    // with its CDR out of the window, the record is out too
    expect(
      candidatesFor(intent, { records: [record(sid(1))], cdrs: [cdr(sid(1), 600_000)] }, none),
    ).toEqual([]);
  });
});

describe('resolve --check matching by the number an attempt dialled', () => {
  const dialled = numberDigest('+15550002222');

  it('finds the call to the number the entry recorded, not the number its call dials now', () => {
    // The row's number was corrected after the attempt: it dials +15550003333 now.
    const moved: Intent = { ...intent, to: '+15550003333', number: dialled };
    const evidence = {
      records: [],
      cdrs: [cdr(sid(1), 1_000), cdr(sid(2), 1_000, { to: '+15550003333' })],
    };
    const found = candidatesFor(moved, evidence, none);
    expect(found.map((c) => c.sid)).toEqual([sid(1)]);
    expect(decide(found, moved)).toEqual({ kind: 'settle', candidate: found[0] });
    // Written as the gateway may print it, it is the same number.
    const spaced = { records: [], cdrs: [cdr(sid(3), 0, { to: '+1 555 000 2222' })] };
    expect(candidatesFor(moved, spaced, none).map((c) => c.sid)).toEqual([sid(3)]);
  });

  it('without its caller known (its definition gone), a call to the number it dialled is only a candidate', () => {
    const gone: Intent = { key: 'p/c/u10', number: dialled, atMs: AT, windowMs: 75_000 };
    const evidence = {
      records: [],
      cdrs: [cdr(sid(1), 0, { from: '+15550008888' }), cdr(sid(2), 0, { to: '+15550009999' })],
    };
    const found = candidatesFor(gone, evidence, none);
    expect(found.map((c) => c.sid)).toEqual([sid(1)]);
    expect(decide(found, gone)).toEqual({ kind: 'undecided', candidates: found });
    expect(decide([], gone)).toEqual({ kind: 'none' });
  });

  it('a SIP or user destination (no number recorded) is matched by its address as printed', () => {
    const sip: Intent = { ...intent, to: 'sip:alice@example.com' };
    const evidence = { records: [], cdrs: [cdr(sid(1), 0, { to: 'sip:alice@example.com' })] };
    expect(candidatesFor(sip, evidence, none).map((c) => c.sid)).toEqual([sid(1)]);
  });
});

describe('resolve --check: a call whose sid another entry holds', () => {
  const dialled = numberDigest('+15550002222');
  const other = numberDigest('+15550003333');
  const numbered: Intent = { ...intent, number: dialled };

  it('is shown, saying which entry has its sid, when that entry dialled another number; never settled on', () => {
    const held = new Map<string, SidHolder>([[sid(1), { key: 'p/b', number: other }]]);
    const found = candidatesFor(numbered, { records: [], cdrs: [cdr(sid(1), 2_000)] }, held);
    expect(found).toEqual([expect.objectContaining({ sid: sid(1), heldBy: 'p/b' })]);
    expect(decide(found, numbered)).toEqual({ kind: 'undecided', candidates: found });
  });

  it('is left out when that entry dialled its number, or recorded none', () => {
    for (const holder of [{ key: 'p/b', number: dialled }, { key: 'p/b' }]) {
      const held = new Map<string, SidHolder>([[sid(1), holder]]);
      const evidence = { records: [record(sid(1))], cdrs: [cdr(sid(1), 2_000)] };
      expect(candidatesFor(numbered, evidence, held)).toEqual([]);
    }
  });
});

describe('namesOtherNumber', () => {
  const dialled = numberDigest('+15550002222');
  it('tells a record to another number (or to an address that is none) from one to the number dialled', () => {
    expect(namesOtherNumber(dialled, '+15550002222')).toBe(false);
    expect(namesOtherNumber(dialled, '+15550003333')).toBe(true);
    expect(namesOtherNumber(dialled, 'sip:alice@example.com')).toBe(true);
    // Nothing to compare: no number recorded, or a record that names none.
    expect(namesOtherNumber(undefined, '+15550003333')).toBe(false);
    expect(namesOtherNumber(dialled, '')).toBe(false);
  });
});
