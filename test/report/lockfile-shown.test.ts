// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} is how a secret is shown
import { describe, expect, it } from 'vitest';
import type { Plan, PlanItem } from '../../src/plan/types.js';
import {
  lockfileText,
  shownItems,
  shownLockfile,
  shownPlan,
  shownUnsettled,
  textOf,
} from '../../src/report/lockfile-shown.js';
import { WITHHELD } from '../../src/report/redact.js';
import { keysBetween, summaryOf } from '../../src/state/calls-summary.js';
import type { LockEntry, Lockfile } from '../../src/state/types.js';

const KEY = 'Zq8Xv3LeakKey9Kd7Wm2';
const SECRETS = [
  { name: 'VG_API_KEY', value: KEY, always: true },
  // A short value of the env file: four digits turn up in one sid of 2,000 by chance.
  { name: 'PORT', value: '8080' },
];
const AT = '2026-11-24T10:00:00.000Z';
const SID = '0b6c6a4e-8080-4c1e-9a57-000000008080';
const DEFINITION = `sha256:${'8080'.repeat(16)}`;
const entry = (fields: Partial<LockEntry> = {}): LockEntry => ({
  status: 'placed',
  sid: SID,
  at: AT,
  definition: DEFINITION,
  file: 'calls/a.yaml',
  ...fields,
});
const lockOf = (calls: Record<string, LockEntry>): Lockfile => ({ lockfileVersion: 1, calls });

describe('the lockfile as status, plan and report show it', () => {
  it('is the lockfile itself when nothing in it holds a secret, or no secret is known', () => {
    const lock = lockOf({ 'gw/a': entry(), 'gw/b': entry({ status: 'failed', message: 'no' }) });
    expect(shownLockfile(lock, SECRETS)).toBe(lock);
    const held = lockOf({ 'gw/a': entry({ sid: KEY }) });
    expect(shownLockfile(held, [])).toBe(held);
    expect(textOf(lock)('gw/a')).toBe('gw/a');
  });

  it('shows every string of an entry holding a secret hidden, and keeps its keys to look up', () => {
    const lock = lockOf({
      'gw/a': entry(),
      'gw/b': entry({
        sid: KEY,
        callId: KEY.toLowerCase(),
        history: [{ sid: KEY, at: AT, callId: SID }],
      }),
      'gw/c': entry({ status: 'unknown', sid: undefined, message: `token ${KEY} on port 8080` }),
      [`gw/x-${KEY}`]: entry({ status: 'unknown', sid: '8080' }),
    });
    const shown = shownLockfile(lock, SECRETS);
    expect(shown).not.toBe(lock);
    expect(Object.keys(shown.calls)).toEqual(Object.keys(lock.calls));
    // A sid or digest is shown as it is unless it holds a value as written: one of 8
    // characters or more anywhere, a shorter one only as the whole text.
    expect(shown.calls['gw/a']).toBe(lock.calls['gw/a']);
    expect(shown.calls['gw/b']).toMatchObject({
      sid: '${VG_API_KEY}',
      callId: '${VG_API_KEY}',
      definition: DEFINITION,
      history: [{ sid: '${VG_API_KEY}', at: AT, callId: SID }],
    });
    // A message is redacted as every message is: short values too.
    expect(shown.calls['gw/c']?.message).toBe('token ${VG_API_KEY} on port ${PORT}');
    expect(shown.calls[`gw/x-${KEY}`]?.sid).toBe('${PORT}');
    // The keys are the lockfile's, shown hidden where they are printed.
    const text = textOf(shown);
    expect(text(`gw/x-${KEY}`)).toBe('gw/x-${VG_API_KEY}');
    expect(text('gw/a')).toBe('gw/a');
    expect(keysBetween(shown.calls, 'gw/', 'gw/\uffff')).toEqual(Object.keys(lock.calls).sort());
    expect(summaryOf(shown.calls)).toBeUndefined();
    // A short value in another case is no marker's to replace: the text is withheld.
    expect(
      textOf(
        shownLockfile(lockOf({ 'gw/d': entry({ sid: 'ABCD' }) }), [
          { name: 'CODE', value: 'abcd' },
        ]),
      )('ABCD'),
    ).toBe(WITHHELD);
  });

  it('keeps a key JSON may hold that an assignment would not (`__proto__`)', () => {
    const calls = JSON.parse(
      JSON.stringify({ 'gw/a': entry({ sid: KEY }) }).replace(
        '{',
        `{"__proto__":${JSON.stringify(entry())},`,
      ),
    ) as Record<string, LockEntry>;
    const shown = shownLockfile(lockOf(calls), SECRETS);
    expect(Object.keys(shown.calls)).toEqual(['__proto__', 'gw/a']);
    expect(Object.getPrototypeOf(shown.calls)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(shown.calls, '__proto__')?.value).toEqual(entry());
    expect(shown.calls['gw/a']?.sid).toBe('${VG_API_KEY}');
  });

  it('shows a plan item whose reason quotes a key holding a secret hidden, others as they are', () => {
    const lock = shownLockfile(lockOf({ [`gw/x-${KEY}`]: entry() }), SECRETS);
    const item = (reason: string): PlanItem => ({
      key: 'gw/a',
      name: 'a',
      target: 'gw',
      file: 'calls/a.yaml',
      line: 1,
      to: '+15550001111',
      definition: DEFINITION,
      reason,
    });
    const plain = item('already placed');
    const plan: Plan = {
      target: 'gw',
      now: AT,
      due: [plain],
      upcoming: [],
      missed: [],
      skipped: [item(`its number was dialled as gw/x-${KEY}`)],
    };
    const shown = shownPlan(plan, lock);
    expect(shown.due[0]).toBe(plain);
    expect(shown.skipped[0]?.reason).toBe('its number was dialled as gw/x-${VG_API_KEY}');
    expect(shown.skipped.length).toBe(1);
    const raw = lockOf({ 'gw/a': entry() });
    expect(shownPlan(plan, raw)).toBe(plan);
  });

  it('shows what apply and run print of the lockfile itself: unknown entries, reasons', () => {
    const text = lockfileText(SECRETS);
    const clean = {
      key: 'gw/a',
      at: AT,
      file: 'calls/a.yaml',
      line: 1,
      message: 'no answer on 8080',
      hint: 'settle: callops resolve gw/a --placed SID',
    };
    const held = { ...clean, key: `gw/x-${KEY}`, hint: `settle: callops resolve gw/x-${KEY}` };
    const list = [clean, held];
    const [a, x] = shownUnsettled(list, text);
    // A message as every message is (short values too); the rest as keys are.
    expect(a).toEqual({ ...clean, message: 'no answer on ${PORT}' });
    expect(x).toMatchObject({
      key: 'gw/x-${VG_API_KEY}',
      hint: 'settle: callops resolve gw/x-${VG_API_KEY}',
      at: AT,
    });
    expect(shownUnsettled([{ ...clean, message: 'no' }], text)[0]).toEqual({
      ...clean,
      message: 'no',
    });
    // Without a known secret: the lists themselves.
    expect(shownUnsettled(list, lockfileText([]))).toBe(list);
    const items: PlanItem[] = [
      {
        key: 'gw/a',
        name: 'a',
        target: 'gw',
        file: 'f',
        line: 1,
        to: '+15550001111',
        definition: DEFINITION,
        reason: `already placed ${KEY} at ${AT}`,
      },
    ];
    expect(shownItems(items, text)[0]?.reason).toBe(`already placed \${VG_API_KEY} at ${AT}`);
    expect(items[0]?.reason).toContain(KEY);
    expect(shownItems(items, undefined)).toBe(items);
  });
});
