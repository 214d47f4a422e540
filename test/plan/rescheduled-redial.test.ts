import { describe, expect, it } from 'vitest';
import type { RedialPolicy } from '../../src/campaign/redial.js';
import { callItem } from '../../src/plan/item.js';
import { isAsked, placedUnderOtherKey, rescheduledWords } from '../../src/plan/rescheduled.js';
import { callScope } from '../../src/plan/rescheduled-claim.js';
import { targetTwins } from '../../src/plan/twins.js';
import { numberDigest } from '../../src/screen/number.js';
import type { Lockfile } from '../../src/state/types.js';
import type { CallDefinition } from '../../src/validate/model.js';
import { call, entry, lock } from './make.js';

/**
 * A row of a campaign that redials, its schedule changed between its calls: its calls are
 * counted across its keys. Every attempt (`#n`) and a refused one tried again is looked for
 * under the row's keys of another schedule; its own attempts (no slot) are never found so.
 */

const POLICY: RedialPolicy = { on: ['no-answer'], afterMs: 0, backoff: 1, maxAttempts: 3 };
const DIGEST = numberDigest('+15550002222');
const AT = '2026-12-01T09:00:00Z';
const ROW = 'prod/reminders/r1';

/** Row r1 of campaign `reminders`, redialling by POLICY unless `once`. */
const row = (once = false): CallDefinition =>
  call('reminders/r1', {
    campaign: { name: 'reminders', id: 'r1', recipients: 'lists/r.csv' },
    ...(once ? {} : { redial: POLICY }),
  });

/** The item of attempt `key` of row r1 on target prod. */
const attempt = (key: string, def = row()) => callItem(def, key, 'prod');

const found = (state: Lockfile, key: string) =>
  placedUnderOtherKey(state, targetTwins(state, undefined), attempt(key), () => DIGEST);

const placed = (sid: string) => entry({ sid, number: DIGEST });

describe('a row that redials, called under a key of another schedule', () => {
  it('asks every attempt, and a refused one tried again; never one placed or replaced', () => {
    const empty = lock({});
    expect(isAsked(attempt(ROW), empty)).toBe(true);
    expect(isAsked(attempt(`${ROW}#2`), empty)).toBe(true);
    const refused = lock({ [ROW]: entry({ status: 'failed', number: DIGEST }) });
    expect(isAsked(attempt(ROW), refused)).toBe(true);
    const own = lock({ [ROW]: placed('s1') });
    expect(isAsked(attempt(ROW), own)).toBe(false);
    const unknown = lock({ [`${ROW}#2`]: entry({ status: 'unknown', number: DIGEST }) });
    expect(isAsked(attempt(`${ROW}#2`), unknown)).toBe(false);
  });

  it('finds the row under `at`, not its own attempts', () => {
    const own = lock({ [ROW]: placed('s1'), [`${ROW}#2`]: placed('s2') });
    expect(found(own, `${ROW}#3`)).toBeUndefined();
    const moved = lock({ [ROW]: placed('s1'), [`${ROW}@${AT}`]: placed('s2') });
    expect(found(moved, `${ROW}#2`)?.key).toBe(`${ROW}@${AT}`);
    // A refused call under `at` reached no one.
    const refused = lock({
      [ROW]: placed('s1'),
      [`${ROW}@${AT}`]: entry({ status: 'failed', number: DIGEST }),
    });
    expect(found(refused, `${ROW}#2`)).toBeUndefined();
  });

  it('is held with words that say it is not called again: neither --replace nor a new id', () => {
    const state = lock({ [`${ROW}@${AT}`]: entry({ sid: 's2', at: 'T', number: DIGEST }) });
    const at = found(state, `${ROW}#2`);
    expect(at).toBeDefined();
    if (at === undefined) return;
    expect(rescheduledWords(at, attempt(`${ROW}#2`))).toBe(
      `already placed as ${ROW}@${AT} (placed s2 at T): its schedule changed since, and a row's calls are counted across its keys; it is not called again at this number: \`--replace\` does not take a row that redials, and under a new id the row would be held too, as a new key does not call a person again`,
    );
    // A row of a campaign that does not redial is placed again by --replace.
    expect(rescheduledWords(at, attempt(ROW, row(true)))).toBe(
      `already placed as ${ROW}@${AT} (placed s2 at T): its schedule changed since, and a call that runs once is placed once; \`callops apply --replace reminders/r1\` places it again`,
    );
  });

  it('a redial is checked at its claim: the store finds a key of another schedule', () => {
    const state = lock({ [ROW]: placed('s1') });
    const planned = () => ({ lock: state, twins: targetTwins(state, undefined) });
    expect(callScope(attempt(`${ROW}#2`), planned)).toEqual({
      call: 'reminders/r1',
      slot: '',
      once: true,
    });
  });
});
