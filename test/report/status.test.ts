// biome-ignore-all lint/suspicious/noTemplateCurlyInString: rows hold literal ${VAR} references
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonBytes } from '../../src/plan/file.js';
import { decide } from '../../src/plan/settle.js';
import type { Plan } from '../../src/plan/types.js';
import {
  changedKeys,
  renderStatusHuman,
  slotTimes,
  statusHumanPieces,
  statusJson,
} from '../../src/report/status.js';
import { makeStyle } from '../../src/report/style.js';
import { type RetryScope, unknownPlanned, unsettledEntries } from '../../src/report/unsettled.js';
import { numberDigest } from '../../src/screen/number.js';
import { INTERRUPTED } from '../../src/state/replay.js';
import { IN_FLIGHT } from '../../src/state/store.js';
import type { LockEntry, Lockfile } from '../../src/state/types.js';
import type { CallDefinition } from '../../src/validate/model.js';

const AT = '2026-11-24T10:00:00.000Z';
const lockOf = (calls: Record<string, LockEntry>): Lockfile => ({ lockfileVersion: 1, calls });
const entry = (fields: Partial<LockEntry> & Pick<LockEntry, 'status'>): LockEntry => ({
  at: AT,
  definition: 'sha256:1',
  file: 'calls/x.yaml',
  ...fields,
});
const emptyPlan: Plan = { target: 'prod', now: AT, due: [], upcoming: [], missed: [], skipped: [] };
const call = (name: string, definition: string, scheduled = false): CallDefinition =>
  ({
    name,
    definition,
    ...(scheduled ? { schedule: { timezone: 'Europe/Berlin' } } : {}),
  }) as unknown as CallDefinition;

/** The plain reading: every entry's call found by the name after the key's first `/`. */
const referenceChanged = (lock: Lockfile, calls: readonly CallDefinition[]): Set<string> => {
  const byName = new Map(calls.map((c) => [c.name, c]));
  const keys = new Set<string>();
  for (const [key, e] of Object.entries(lock.calls)) {
    if (e.status !== 'placed' || key.includes('@')) continue;
    const c = byName.get(key.slice(key.indexOf('/') + 1));
    if (c !== undefined && c.schedule === undefined && c.definition !== e.definition) keys.add(key);
  }
  return keys;
};

describe('changedKeys', () => {
  it('finds the placed unscheduled calls whose definition changed, on every target (property)', () => {
    const name = fc.constantFrom('a', 'b', 'c/r1', 'c/r2', 'x@y', 'd');
    const key = fc.oneof(
      fc.tuple(fc.constantFrom('prod', 'staging', 'a', 'c'), name).map(([t, n]) => `${t}/${n}`),
      fc.tuple(name, fc.constantFrom('@2026-11-24T10:00Z', '')).map(([n, s]) => `prod/${n}${s}`),
      name,
    );
    const digest = fc.constantFrom('sha256:1', 'sha256:2');
    const lock = fc
      .dictionary(
        key,
        fc.record({ status: fc.constantFrom('placed', 'failed', 'unknown'), definition: digest }),
        { maxKeys: 12 },
      )
      .map((calls) =>
        lockOf(
          Object.fromEntries(
            Object.entries(calls).map(([k, e]) => [k, { ...e, at: AT, file: 'calls/x.yaml' }]),
          ) as Record<string, LockEntry>,
        ),
      );
    const calls = fc.uniqueArray(fc.tuple(name, digest, fc.boolean()), {
      selector: ([n]) => n,
      maxLength: 6,
    });
    fc.assert(
      fc.property(lock, calls, (l, defs) => {
        const list = defs.map(([n, d, s]) => call(n, d, s));
        expect(new Set(changedKeys(l, list, new Date(AT)).keys())).toEqual(
          referenceChanged(l, list),
        );
      }),
      { numRuns: 1000 },
    );
  });
});

describe('changedKeys of a campaign that redials', () => {
  it('judges a row by its latest placed attempt, and says it is not redialled', () => {
    const row = {
      ...call('c/r1', 'sha256:2'),
      redial: { on: ['no-answer'], afterMs: 0, backoff: 1, maxAttempts: 3 },
    } as CallDefinition;
    const attempts = (second: string) =>
      lockOf({
        'prod/c/r1': entry({ status: 'placed', definition: 'sha256:1' }),
        'prod/c/r1#2': entry({ status: 'placed', definition: second }),
        'prod/c/r1#3': entry({ status: 'failed', definition: 'sha256:2' }),
      });
    expect([...changedKeys(attempts('sha256:1'), [row], new Date(AT))]).toEqual([
      [
        'prod/c/r1#2',
        'not redialled; to call the row as it is now, give it a new id in its CSV (a new row starts at attempt 1)',
      ],
    ]);
    expect([...changedKeys(attempts('sha256:2'), [row], new Date(AT))]).toEqual([]);
  });
});

describe('changedKeys of a campaign that redials, its row edited', () => {
  const row = (definition: string, number: string) =>
    ({
      ...call('c/r1', definition),
      options: { to: { type: 'phone', number } },
      redial: { on: ['no-answer'], afterMs: 0, backoff: 1, maxAttempts: 3 },
    }) as unknown as CallDefinition;
  const lock = lockOf({
    'prod/c/r1': entry({
      status: 'placed',
      definition: 'sha256:1',
      number: numberDigest('+15550100001'),
    }),
  });

  it('leaves out a row that dials the number it dialled: it is redialled as it is now', () => {
    expect([...changedKeys(lock, [row('sha256:2', '+15550100001')], new Date(AT))]).toEqual([]);
  });

  it('lists a row that dials another number now: not redialled, a new id calls it', () => {
    expect([...changedKeys(lock, [row('sha256:2', '+15550100009')], new Date(AT))]).toEqual([
      [
        'prod/c/r1',
        'not redialled; to call the row as it is now, give it a new id in its CSV (a new row starts at attempt 1)',
      ],
    ]);
  });
});

describe('changedKeys of a campaign that redials, its `to` through a ${VAR}', () => {
  it('holds a row whose number the variable gives differently now as changed: not redialled', () => {
    const row = {
      ...call('c/r1', 'sha256:1'),
      options: { to: { type: 'phone', number: '${PFX}100001' } },
      redial: { on: ['no-answer'], afterMs: 0, backoff: 1, maxAttempts: 3 },
    } as unknown as CallDefinition;
    const lock = lockOf({
      'prod/c/r1': entry({
        status: 'placed',
        definition: 'sha256:1',
        number: numberDigest('+15550100001'),
      }),
    });
    expect([...changedKeys(lock, [row], new Date(AT), () => '+15551100001')]).toEqual([
      [
        'prod/c/r1',
        'not redialled; to call the row as it is now, give it a new id in its CSV (a new row starts at attempt 1)',
      ],
    ]);
    expect([...changedKeys(lock, [row], new Date(AT), () => '+15550100001')]).toEqual([]);
    // A row called once is not redialled anyway: it is not changed by its number alone.
    const once = { ...row, redial: undefined } as unknown as CallDefinition;
    expect([...changedKeys(lock, [once], new Date(AT), () => '+15551100001')]).toEqual([]);
  });
});

describe('changedKeys of a campaign with calling hours only', () => {
  it('finds an edited row that was placed, with the --replace that places it again', () => {
    const row = {
      ...call('c/r1', 'sha256:2', true),
      campaign: { name: 'c', id: 'r1', recipients: 'r.csv' },
    } as CallDefinition;
    const placed = (definition: string) =>
      lockOf({ 'prod/c/r1': entry({ status: 'placed', definition }) });
    expect([...changedKeys(placed('sha256:1'), [row], new Date(AT))]).toEqual([
      ['prod/c/r1', '`callops apply --replace c/r1` places it again'],
    ]);
    expect([...changedKeys(placed('sha256:2'), [row], new Date(AT))]).toEqual([]);
  });

  it('once its end passed, says it is not placed again because the campaign ended', () => {
    const row = {
      ...call('c/r1', 'sha256:2'),
      schedule: { timezone: 'UTC', end: '2026-11-24T09:00:00Z' },
      campaign: { name: 'c', id: 'r1', recipients: 'r.csv' },
    } as CallDefinition;
    const lock = lockOf({ 'prod/c/r1': entry({ status: 'placed', definition: 'sha256:1' }) });
    expect([...changedKeys(lock, [row], new Date(AT))]).toEqual([
      [
        'prod/c/r1',
        'not placed again: campaign c ended at 2026-11-24T09:00:00Z (end 2026-11-24T09:00:00Z)',
      ],
    ]);
    // Before its end, --replace places it again.
    expect([...changedKeys(lock, [row], new Date('2026-11-24T08:00:00Z'))]).toEqual([
      ['prod/c/r1', '`callops apply --replace c/r1` places it again'],
    ]);
  });
});

describe('slotTimes', () => {
  it('gives the zones of the calls that name a slot key, and only those', () => {
    const lock = lockOf({
      'prod/daily@2026-11-24T09:00Z': entry({ status: 'placed' }),
      'prod/once': entry({ status: 'placed' }),
    });
    const { zones } = slotTimes(lock, [
      call('daily', 'sha256:1', true),
      call('weekly', 'sha256:1', true),
      call('once', 'sha256:1'),
    ]);
    expect([...zones]).toEqual([['daily', 'Europe/Berlin']]);
  });
});

describe('status text', () => {
  const opts = {
    lockName: 'callops.lock',
    targetNote: 'target prod: https://gw.example',
    style: makeStyle(false),
    changed: new Map([['prod/b', '`callops apply --replace b` places it again']]),
  };

  it('lists unknown, failed, then placed entries, each by key, with counts and outcomes', () => {
    const lock = lockOf({
      'prod/c': entry({ status: 'failed', httpStatus: 400, message: 'bad' }),
      'prod/b': entry({ status: 'placed', sid: 'S-b' }),
      'prod/a': entry({
        status: 'placed',
        sid: 'S-a',
        outcome: {
          status: 'completed',
          sip_status: 200,
          duration: 31,
          answered: true,
          ended_at: AT,
        },
      }),
      'prod/d': entry({ status: 'unknown', message: 'timed out' }),
    });
    expect(renderStatusHuman(lock, emptyPlan, opts)).toBe(
      [
        'target prod: https://gw.example',
        'callops.lock: 2 placed (1 changed since), 1 failed, 1 unknown',
        'outcomes: 1 completed, 0 busy, 0 no-answer, 0 failed, 0 in progress, 1 not known yet',
        '',
        'unknown (1):',
        `  prod/d  at ${AT}: timed out`,
        '      settle: callops resolve --check prod/d looks it up on the gateway; or callops resolve prod/d --placed SID, or callops resolve prod/d --not-placed (or callops apply --retry-unknown places it again)',
        '',
        'failed (1):',
        `  prod/c  at ${AT}: 400 bad`,
        '',
        'placed (2):',
        `  prod/a  sid S-a  at ${AT}  completed 31 s`,
        `  prod/b  sid S-b  at ${AT}`,
        '      changed since placed: `callops apply --replace b` places it again',
        '',
      ].join('\n'),
    );
  });

  it('comes in pieces of bounded size that make the same text', () => {
    const calls: Record<string, LockEntry> = {};
    for (let i = 0; i < 3000; i++)
      calls[`prod/call-${String(i).padStart(5, '0')}`] = entry({ status: 'placed', sid: `S-${i}` });
    const lock = lockOf(calls);
    const pieces = [...statusHumanPieces(lock, emptyPlan, opts)];
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces) expect(piece.length).toBeLessThan(70 * 1024);
    const text = pieces.join('');
    expect(text.split('\n')).toHaveLength(2 + 2 + 3000 + 1);
    expect(text).toContain(`\n  prod/call-02999  sid S-2999  at ${AT}\n`);
  });
});

describe('status JSON', () => {
  it('counts and lists every entry by key, written in pieces as JSON.stringify writes it', () => {
    const lock = lockOf({
      'prod/b': entry({ status: 'placed', sid: 'S-b' }),
      'prod/a': entry({ status: 'failed', message: 'bad' }),
      'prod/c': entry({
        status: 'placed',
        sid: 'S-c',
        outcome: { status: 'busy', sip_status: 486, duration: 0, answered: false, ended_at: AT },
      }),
    });
    const json = statusJson(lock, 'callops.lock', new Map([['prod/b', 'again']]), []);
    const text = Buffer.concat([...jsonBytes(json)]).toString('utf8');
    expect(text).toBe(`${JSON.stringify(json, null, 2)}\n`);
    const read = JSON.parse(text) as Record<string, unknown>;
    expect(read).toMatchObject({ lockfile: 'callops.lock', placed: 2, failed: 1, unknown: 0 });
    expect(read.outcomes).toMatchObject({ busy: 1, none: 1, completed: 0 });
    expect(read.calls).toEqual([
      { key: 'prod/a', ...lock.calls['prod/a'] },
      { key: 'prod/b', ...lock.calls['prod/b'], changed: true },
      { key: 'prod/c', ...lock.calls['prod/c'] },
    ]);
    expect(read.changed).toEqual(['prod/b']);
  });
});

describe('a claim another runner is placing now', () => {
  const lock = lockOf({
    'prod/a': entry({ status: 'unknown', message: INTERRUPTED }),
    'prod/b': entry({ status: 'unknown', message: IN_FLIGHT }),
  });

  it('is in flight in the status: counted apart, listed without a way to settle it', () => {
    const text = renderStatusHuman(lock, emptyPlan, {
      lockName: 'postgres (schema callops)',
      targetNote: 'target prod',
      style: makeStyle(false),
      changed: new Map(),
    });
    expect(text).toContain('postgres (schema callops): 0 placed, 0 failed, 1 unknown, 1 in flight');
    expect(text).toContain(
      `in flight (1) — being placed by another runner now:\n  prod/b  at ${AT}\n`,
    );
    expect(text).toContain('callops resolve prod/a');
    expect(text).not.toContain('callops resolve prod/b');
    const read = JSON.parse(
      Buffer.concat([
        ...jsonBytes(statusJson(lock, 'callops.lock', new Map(), [], 'postgres (schema callops)')),
      ]).toString('utf8'),
    ) as Record<string, unknown>;
    expect(read).toMatchObject({
      lockfile: 'callops.lock',
      state: 'postgres (schema callops)',
      unknown: 1,
      inFlight: 1,
    });
    expect(read.calls).toEqual([
      { key: 'prod/a', ...lock.calls['prod/a'] },
      { key: 'prod/b', ...lock.calls['prod/b'], inFlight: true },
    ]);
  });

  it('needs no person, and is not due even with --retry-unknown', () => {
    expect(unsettledEntries(lock, []).map((u) => u.key)).toEqual(['prod/a']);
    expect(decide('prod/b', lock.calls['prod/b'], true)).toEqual({
      bucket: 'skipped',
      reason: 'being placed by another runner right now',
    });
    expect(decide('prod/a', lock.calls['prod/a'], true).bucket).toBe('due');
  });
});

describe('an unknown campaign row after its end', () => {
  const row = {
    name: 'reminders/r1',
    file: 'lists/r.csv',
    line: 2,
    campaign: { name: 'reminders', id: 'r1', recipients: 'lists/r.csv' },
    schedule: { timezone: 'UTC', deadlineMs: 600_000, end: '2026-11-30' },
  } as unknown as CallDefinition;
  const lock = lockOf({ 'prod/reminders/r1': entry({ status: 'unknown' }) });

  it('is settled by resolve alone: no hint that --retry-unknown places it again', () => {
    const [after] = unsettledEntries(lock, [row], [], Date.parse('2026-12-05T00:00:00Z'));
    expect(after?.hint).toBe(
      'settle: callops resolve --check prod/reminders/r1 looks it up on the gateway; or callops resolve prod/reminders/r1 --placed SID, or callops resolve prod/reminders/r1 --not-placed (not placed again: campaign reminders ended at 2026-12-01T00:00:00Z (end 2026-11-30))',
    );
    const [before] = unsettledEntries(lock, [row], [], Date.parse('2026-11-25T00:00:00Z'));
    expect(before?.hint).toContain('(or callops apply --retry-unknown places it again)');
  });
});

describe('an unknown slot after its deadline', () => {
  const daily = {
    name: 'daily',
    file: 'calls/d.yaml',
    line: 3,
    schedule: { timezone: 'UTC', deadlineMs: 600_000 },
  } as unknown as CallDefinition;
  const key = 'prod/daily@2026-11-24T09:00:00Z';
  const lock = lockOf({ [key]: entry({ status: 'unknown' }) });

  it('is settled by resolve alone: no hint that --retry-unknown places it again', () => {
    const [late] = unsettledEntries(lock, [daily], [], Date.parse('2026-11-24T09:10:00Z'));
    expect(late?.hint).toBe(
      `settle: callops resolve --check ${key} looks it up on the gateway; or callops resolve ${key} --placed SID, or callops resolve ${key} --not-placed (not placed again: the deadline of its slot passed at 2026-11-24T09:10:00.000Z; a slot is never placed late)`,
    );
    const [within] = unsettledEntries(lock, [daily], [], Date.parse('2026-11-24T09:09:59Z'));
    expect(within?.hint).toContain('(or callops apply --retry-unknown places it again)');
  });
});

describe('an unknown slot after its window closed', () => {
  // 20:59 in Berlin: its window closes at 21:00, before its 30-minute deadline.
  const late = {
    name: 'late',
    file: 'calls/l.yaml',
    line: 3,
    schedule: {
      timezone: 'Europe/Berlin',
      window: '08:00-21:00',
      deadlineMs: 30 * 60_000,
      cron: '59 20 * * *',
    },
  } as unknown as CallDefinition;
  const key = 'prod/late@2026-12-02T19:59:00Z';
  const lock = lockOf({ [key]: entry({ status: 'unknown' }) });

  it('is settled by resolve alone once the window closed, before its deadline', () => {
    const [closed] = unsettledEntries(lock, [late], [], Date.parse('2026-12-02T20:05:00Z'));
    expect(closed?.hint).toBe(
      `settle: callops resolve --check ${key} looks it up on the gateway; or callops resolve ${key} --placed SID, or callops resolve ${key} --not-placed (not placed again: its window 08:00-21:00 closed at 2026-12-02T20:00:00.000Z (21:00 Europe/Berlin); a slot is never placed late)`,
    );
    // Once the deadline passed too, the close is still what ended it.
    const [later] = unsettledEntries(lock, [late], [], Date.parse('2026-12-03T19:00:00Z'));
    expect(later?.hint).toContain('its window 08:00-21:00 closed at 2026-12-02T20:00:00.000Z');
    const [open] = unsettledEntries(lock, [late], [], Date.parse('2026-12-02T19:59:59Z'));
    expect(open?.hint).toContain('(or callops apply --retry-unknown places it again)');
  });
});

describe('an unknown call that dials another number now', () => {
  const dialling = (number: string) =>
    ({
      name: 'c1',
      file: 'calls/c.yaml',
      line: 3,
      options: { to: { type: 'phone', number } },
    }) as unknown as CallDefinition;
  const lock = lockOf({
    'prod/c1': entry({ status: 'unknown', number: numberDigest('+15550000231') }),
  });

  it('is settled by resolve alone: --retry-unknown does not retry it', () => {
    const [moved] = unsettledEntries(lock, [dialling('+15550000232')], [], Date.now());
    expect(moved?.hint).toBe(
      'settle: callops resolve --check prod/c1 looks it up on the gateway; or callops resolve prod/c1 --placed SID, or callops resolve prod/c1 --not-placed (not placed again: it dials another number now than its unknown attempt did, which may have rung: --retry-unknown does not retry it)',
    );
    const [same] = unsettledEntries(lock, [dialling('+15550000231')], [], Date.now());
    expect(same?.hint).toContain('(or callops apply --retry-unknown places it again)');
  });
});

describe('a changed row of a campaign keyed by position', () => {
  const ANN = '+15550400001';
  const row = (id: string, number: string) =>
    ({
      name: `nid/${id}`,
      file: 'lists/r.csv',
      line: 2,
      definition: `sha256:now-${id}`,
      campaign: { name: 'nid', id, recipients: 'lists/r.csv', positional: true },
      options: { to: { type: 'phone', number } },
    }) as unknown as CallDefinition;

  it('is not offered a --replace that would be refused: its person was called as another row', () => {
    const lock = lockOf({
      'prod/nid/1': entry({ status: 'placed', sid: 'S-1', number: numberDigest(ANN) }),
      'prod/nid/2': entry({ status: 'placed', sid: 'S-2', number: numberDigest('+15550400002') }),
    });
    const changed = changedKeys(lock, [row('1', '+15550400009'), row('2', ANN)], new Date());
    expect(changed.get('prod/nid/1')).toBe('`callops apply --replace nid/1` places it again');
    expect(changed.get('prod/nid/2')).toBe(
      `--replace would not place it: this campaign already dialled ${ANN} as prod/nid/1`,
    );
  });
});

describe('an entry a rehearsal placed before its slot', () => {
  const lock = lockOf({
    'lab/ten@2026-12-02T00:24:40Z': entry({
      status: 'placed',
      sid: 's1',
      at: '2026-12-02T00:24:02.000Z',
    }),
    'lab/ten@2026-12-02T00:24:30Z': entry({
      status: 'placed',
      sid: 's2',
      at: '2026-12-02T00:24:30.400Z',
    }),
  });

  it('says so in the status, and not for a slot placed when due', () => {
    const text = renderStatusHuman(lock, emptyPlan, {
      lockName: 'callops.lock',
      targetNote: 'target lab',
      style: makeStyle(false),
      changed: new Map(),
    });
    expect(text).toContain(
      'lab/ten@2026-12-02T00:24:40Z  sid s1  at 2026-12-02T00:24:02.000Z\n      placed by a rehearsal (apply --now), 38 s before its slot; not placed again\n',
    );
    expect(text).toContain('lab/ten@2026-12-02T00:24:30Z  sid s2  at 2026-12-02T00:24:30.400Z\n');
    expect(text.match(/rehearsal/g)).toHaveLength(1);
  });

  it('does not list it among the next slots', () => {
    const slot = (key: string) => ({
      key,
      name: 'ten',
      target: 'lab',
      slot: key.slice(key.indexOf('@') + 1),
      file: 'calls/ten.yaml',
      line: 2,
      to: '+15550002222',
      definition: 'sha256:1',
    });
    const ahead: Plan = {
      ...emptyPlan,
      upcoming: [slot('lab/ten@2026-12-02T00:24:40Z'), slot('lab/ten@2026-12-02T00:24:50Z')],
    };
    const opts = {
      lockName: 'callops.lock',
      targetNote: 'target lab',
      style: makeStyle(false),
      changed: new Map(),
    };
    const text = renderStatusHuman(lock, ahead, opts);
    expect(text).toContain('next slots:\n  lab/ten@2026-12-02T00:24:50Z  → +15550002222\n');
    expect(text).not.toContain('lab/ten@2026-12-02T00:24:40Z  →');
    // Every slot listed placed: no heading with nothing under it.
    const placed = renderStatusHuman(
      lock,
      { ...ahead, upcoming: ahead.upcoming.slice(0, 1) },
      opts,
    );
    expect(placed).not.toContain('next slots');
  });

  it('marks it in JSON', () => {
    const json = JSON.parse(
      Buffer.concat([...jsonBytes(statusJson(lock, 'callops.lock', new Map(), []))]).toString(
        'utf8',
      ),
    ) as {
      calls: { key: string; rehearsal?: boolean }[];
    };
    expect(json.calls.map((c) => [c.key, c.rehearsal])).toEqual([
      ['lab/ten@2026-12-02T00:24:30Z', undefined],
      ['lab/ten@2026-12-02T00:24:40Z', true],
    ]);
  });
});

describe('an entry a rehearsal at an earlier instant placed after its deadline', () => {
  const lock = lockOf({
    'lab/daily@2026-12-01T10:00:00Z': entry({
      status: 'placed',
      sid: 's1',
      at: '2026-12-02T03:23:10.585Z',
    }),
    'lab/daily@2026-12-02T10:00:00Z': entry({
      status: 'placed',
      sid: 's2',
      at: '2026-12-02T10:09:59.000Z',
    }),
  });
  const deadlines = new Map([['daily', 10 * 60_000]]);

  it('says so in the status and in JSON; a slot placed within its deadline is not marked', () => {
    const text = renderStatusHuman(lock, emptyPlan, {
      lockName: 'callops.lock',
      targetNote: 'target lab',
      style: makeStyle(false),
      changed: new Map(),
      deadlines,
    });
    expect(text).toContain(
      'lab/daily@2026-12-01T10:00:00Z  sid s1  at 2026-12-02T03:23:10.585Z\n      placed by a rehearsal (apply --now), 17 h after its slot, past its deadline: a run never places a slot so late\n',
    );
    expect(text.match(/rehearsal/g)).toHaveLength(1);
    const json = JSON.parse(
      Buffer.concat([
        ...jsonBytes(statusJson(lock, 'callops.lock', new Map(), [], 'callops.lock', deadlines)),
      ]).toString('utf8'),
    ) as { calls: { key: string; rehearsal?: boolean }[] };
    expect(json.calls.map((c) => [c.key, c.rehearsal])).toEqual([
      ['lab/daily@2026-12-01T10:00:00Z', true],
      ['lab/daily@2026-12-02T10:00:00Z', undefined],
    ]);
  });
});

describe('an unknown entry that apply --retry-unknown would not place again', () => {
  const at = Date.parse('2026-12-01T10:00:00Z');
  const defined = (name: string, extra: Partial<CallDefinition> = {}) =>
    ({
      name,
      file: 'calls/c.yaml',
      line: 3,
      enabled: true,
      options: { to: { type: 'phone', number: '+15550000301' } },
      ...extra,
    }) as unknown as CallDefinition;
  const row = (id: string) =>
    defined(`reminders/${id}`, {
      file: 'lists/r.csv',
      campaign: { name: 'reminders', id, recipients: 'lists/r.csv' },
      options: { to: { type: 'phone', number: `+1555000031${id.slice(1)}` } },
    });
  const scope: RetryScope = {
    numberOf: (c) => (c.options.to as { number: string }).number,
    targets: new Set(['prod', 'lab', 'simulator']),
    defaultTarget: 'prod',
    campaigns: new Map([['reminders', 'lists/r.csv']]),
    listed: (number) =>
      number === '+15550000312' ? { file: 'lists/dnc.csv', line: 4, reason: 'asked' } : undefined,
  };
  const unknownAt = (...keys: string[]) =>
    lockOf(Object.fromEntries(keys.map((k) => [k, entry({ status: 'unknown' })])));
  const hints = (
    lock: Lockfile,
    calls: readonly CallDefinition[],
    given: RetryScope | undefined,
    planned = {},
  ) =>
    Object.fromEntries(
      unsettledEntries(lock, calls, [], at, given, planned).map((u) => [
        u.key,
        /\((.*)\)$/.exec(u.hint)?.[1],
      ]),
    );

  it('says why, in the place of the offer', () => {
    const lock = unknownAt(
      'prod/gone',
      'prod/off',
      'lab/moved',
      'old/lost',
      'prod/reminders/r1#2',
      'prod/reminders/r2',
      'prod/reminders/r9',
      'prod/ended/r1',
      'prod/fine',
    );
    const calls = [
      defined('off', { enabled: false }),
      defined('moved'),
      defined('lost'),
      row('r1'),
      row('r2'),
      defined('fine'),
    ];
    expect(hints(lock, calls, scope)).toEqual({
      'prod/gone': 'not placed again: no call `gone` is defined in the call files now',
      'prod/off': 'not placed again: it is disabled (`enabled: false`)',
      'lab/moved': 'not placed again: it is placed on target `prod` now, under another key',
      'old/lost':
        "not placed again: its target `old` is not defined in this checkout's callops.yaml, and `lost` is held on target `prod` until this is settled",
      'prod/reminders/r1#2': 'or callops apply --retry-unknown places it again',
      'prod/reminders/r2':
        'not placed again: it dials a number on a do-not-call list (lists/dnc.csv:4: asked)',
      'prod/reminders/r9': 'not placed again: its row r9 is no longer in lists/r.csv',
      'prod/ended/r1': 'not placed again: no campaign `ended` is defined in the call files now',
      'prod/fine': 'or callops apply --retry-unknown places it again',
    });
  });

  it('says nothing new without the project, nor of the rows of a CSV that changed under a run', () => {
    const lock = unknownAt('prod/gone', 'prod/reminders/r9');
    expect(hints(lock, [], undefined)).toEqual({
      'prod/gone': 'or callops apply --retry-unknown places it again',
      'prod/reminders/r9': 'or callops apply --retry-unknown places it again',
    });
    expect(hints(lock, [], { ...scope, unread: new Set(['reminders']) })).toMatchObject({
      'prod/reminders/r9': 'or callops apply --retry-unknown places it again',
    });
  });

  it('under --target, a call that names none is placed there: no other target is its own', () => {
    const { defaultTarget: _, ...explicit } = scope;
    expect(hints(unknownAt('lab/moved'), [defined('moved')], explicit)).toEqual({
      'lab/moved': 'or callops apply --retry-unknown places it again',
    });
  });

  it('after a plan that retried: the reason it gives for an unknown entry it does not place', () => {
    const lock = unknownAt('prod/reminders/r1', 'prod/fine');
    const item = (key: string, reason: string) => ({
      key,
      name: key.slice(5),
      target: 'prod',
      file: 'lists/r.csv',
      line: 2,
      to: '+15550000311',
      definition: 'sha256:1',
      reason,
    });
    const plan = {
      ...emptyPlan,
      skipped: [
        item('prod/reminders/r1', 'not placed: this campaign already dialled +15550000311 as …'),
        item('prod/other', 'already placed'),
      ],
    };
    const calls = [row('r1'), defined('fine')];
    expect(hints(lock, calls, scope, unknownPlanned(plan, lock, true))).toEqual({
      'prod/reminders/r1': 'not placed again: this campaign already dialled +15550000311 as …',
      'prod/fine': 'or callops apply --retry-unknown places it again',
    });
    // Its unknown attempt dialled another number too: the plan held the row first, and the
    // hint gives the plan's reason, which its JSON gives.
    const redirected = lockOf({
      ...lock.calls,
      'prod/reminders/r1': entry({ status: 'unknown', number: numberDigest('+15550000319') }),
    });
    expect(hints(redirected, calls, scope, unknownPlanned(plan, redirected, true))).toMatchObject({
      'prod/reminders/r1': 'not placed again: this campaign already dialled +15550000311 as …',
    });
    expect(hints(redirected, calls, scope, unknownPlanned(plan, redirected))).toMatchObject({
      'prod/reminders/r1':
        'not placed again: it dials another number now than its unknown attempt did, which may have rung: --retry-unknown does not retry it',
    });
    // A plan that did not retry says nothing of it: the offer stands.
    expect(hints(lock, calls, scope, unknownPlanned(plan, lock))).toMatchObject({
      'prod/reminders/r1': 'or callops apply --retry-unknown places it again',
    });
  });
});

describe('a placed entry with a history', () => {
  const opts = {
    lockName: 'postgres (schema callops)',
    lockfile: 'calls.lock',
    targetNote: 'target prod',
    style: makeStyle(false),
    changed: new Map<string, string>(),
  };

  it('says a call `--replace` superseded was replaced, and one a push joined was placed beside it', () => {
    const text = renderStatusHuman(
      lockOf({
        'prod/replaced': entry({ status: 'placed', sid: 'B', history: [{ sid: 'A', at: AT }] }),
        'prod/twice': entry({
          status: 'placed',
          sid: 'B',
          history: [{ sid: 'A', at: AT, joinedFrom: 'lockfile' }],
        }),
        'prod/both': entry({
          status: 'placed',
          sid: 'D',
          history: [
            { sid: 'A', at: AT },
            { sid: 'B', at: AT, joinedFrom: 'database' },
            { sid: 'C', at: AT, joinedFrom: 'lockfile' },
          ],
        }),
      }),
      emptyPlan,
      opts,
    );
    expect(text).toContain(`  prod/replaced  sid B  at ${AT}  (replaced A)\n`);
    expect(text).toContain(
      `  prod/twice  sid B  at ${AT}  (also placed A (from calls.lock at state push: placed twice))\n`,
    );
    expect(text).toContain(
      `  prod/both  sid D  at ${AT}  (replaced A)  (also placed C (from calls.lock), B (from the state database) at state push: placed 4 times)\n`,
    );
  });
});
