// biome-ignore-all lint/suspicious/noTemplateCurlyInString: destinations hold literal ${VAR} references
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Plan, PlanItem } from '../../src/plan/types.js';
import { MARKDOWN_LIMIT } from '../../src/report/budget.js';
import { code } from '../../src/report/markdown-text.js';
import {
  lockChanges,
  type MarkdownCall,
  PLAN_COMMENT_MARKER,
  renderPlanMarkdown,
} from '../../src/report/plan-markdown.js';
import { resolveHint, type Unsettled } from '../../src/report/unsettled.js';
import type { LockEntry, Lockfile } from '../../src/state/types.js';

const H = (n: number) => `sha256:${String(n).repeat(64)}`;

const call = (
  name: string,
  definition: string,
  extra: Partial<MarkdownCall> = {},
): MarkdownCall => ({
  name,
  file: `calls/${name}.yaml`,
  line: 3,
  definition,
  enabled: true,
  ...extra,
});

const item = (name: string, to: string, extra: Partial<PlanItem> = {}): PlanItem => ({
  key: extra.slot === undefined ? `prod/${name}` : `prod/${name}@${extra.slot}`,
  name,
  target: 'prod',
  file: `calls/${name}.yaml`,
  line: 3,
  to,
  definition: H(1),
  ...extra,
});

const entry = (status: LockEntry['status'], definition: string, at: string): LockEntry => ({
  status,
  ...(status === 'placed' ? { sid: 'sid-1' } : {}),
  at,
  definition,
  file: 'calls/x.yaml',
});

const lock = (calls: Record<string, LockEntry>): Lockfile => ({ lockfileVersion: 1, calls });

const plan = (parts: Partial<Plan>): Plan => ({
  target: 'prod',
  now: '2026-11-24T08:30:00.000Z',
  due: [],
  upcoming: [],
  missed: [],
  skipped: [],
  ...parts,
});

const render = (
  p: Plan,
  calls: readonly MarkdownCall[],
  l: Lockfile = lock({}),
  unsettled: readonly Unsettled[] = [],
) =>
  renderPlanMarkdown({
    plan: p,
    lock: l,
    calls,
    targetNote: 'target prod: https://vg.example.com',
    lockName: 'callops.lock',
    unsettled,
  });

/** An unknown entry as `plan` gives it (unsettledEntries), with its settle hint. */
const unsettled = (key: string, extra: Partial<Unsettled> = {}): Unsettled => ({
  key,
  at: '2026-11-24T07:00:00.000Z',
  file: 'calls/x.yaml',
  line: 3,
  hint: resolveHint(key),
  ...extra,
});

describe('plan --format markdown', () => {
  it('lists whom merging calls, when in UTC and in the call zone, destinations as written', () => {
    const text = render(
      plan({
        due: [
          item('welcome', '${CUSTOMER_NUMBER}'),
          item('check', 'sip:probe@example.com', { slot: '2026-11-24T08:00:00Z' }),
        ],
        upcoming: [
          item('check', 'sip:probe@example.com', { slot: '2026-11-25T08:00:00Z' }),
          item('pinned', '+15550003333', {
            target: 'eu',
            key: 'eu/pinned@2026-11-26T09:00:00Z',
            slot: '2026-11-26T09:00:00Z',
          }),
        ],
      }),
      [
        call('welcome', H(1)),
        call('check', H(1), { timezone: 'Europe/Berlin' }),
        call('pinned', H(1), { timezone: 'UTC' }),
      ],
    );
    const lines = text.split('\n');
    expect(lines[0]).toBe(PLAN_COMMENT_MARKER);
    expect(lines).toContain(
      'target prod: https://vg.example.com · evaluated at 2026-11-24 08:30 UTC',
    );
    expect(lines).toContain('### Due on merge: 2 calls');
    expect(lines).toContain(
      '| `welcome` | `${CUSTOMER_NUMBER}` | on merge (unscheduled) |  | `calls/welcome.yaml:3` |',
    );
    expect(lines).toContain(
      '| `check` | `sip:probe@example.com` | 2026-11-24 08:00 UTC | 2026-11-24 09:00 GMT+1 (Europe/Berlin) | `calls/check.yaml:3` |',
    );
    expect(lines).toContain('### Upcoming: 2 slots');
    expect(lines).toContain(
      '| `pinned` on `eu` | `+15550003333` | 2026-11-26 09:00 UTC | (UTC) | `calls/pinned.yaml:3` |',
    );
  });

  it('a call due on merge carries the reason `plan` gives it: rung again, or retried', () => {
    const again =
      'new by its name, but its number was dialled as prod/welcome (placed sid-9 at 2026-11-24T08:00:01.123Z), a name no call has now (renamed?): placed again';
    const retry = 'retrying: failed before (400 application_sid not found)';
    const lines = render(
      plan({
        due: [
          item('welcome-v2', '+15550001', { reason: again }),
          item('check', '+15550002', { slot: '2026-11-24T08:30:00Z', reason: retry }),
          item('plain', '+15550003'),
        ],
      }),
      [call('welcome-v2', H(1)), call('check', H(1), { timezone: 'UTC' }), call('plain', H(1))],
    ).split('\n');
    expect(lines).toContain(
      `| \`welcome-v2\` | \`+15550001\` | on merge (unscheduled) | ${again} | \`calls/welcome-v2.yaml:3\` |`,
    );
    expect(lines).toContain(
      `| \`check\` | \`+15550002\` | 2026-11-24 08:30 UTC | (UTC) — ${retry} | \`calls/check.yaml:3\` |`,
    );
    expect(lines).toContain(
      '| `plain` | `+15550003` | on merge (unscheduled) |  | `calls/plain.yaml:3` |',
    );
  });

  it('a slot to come that will be missed says why in its row; a call with no slot is no slot', () => {
    const missedAhead =
      'to be missed: the clocks jump from 02:00 to 03:00 America/New_York over its time, and its window 02:00-03:00 is closed when they land';
    // A leap-day cron under a short search: its next slot, if any, lies beyond it.
    const never =
      'no slot within the eight years looked through (a later one, if any, is listed once within them)';
    const text = render(
      plan({
        now: '2026-03-08T06:50:00.000Z',
        upcoming: [
          item('b-ny', '+15550001', { slot: '2026-03-08T07:00:00Z', reason: missedAhead }),
          item('c-ny', '+15550002', { slot: '2026-03-09T06:30:00Z' }),
          item('early', '+15550003', { reason: never }),
        ],
      }),
      [
        call('b-ny', H(1), { timezone: 'America/New_York' }),
        call('c-ny', H(1), { timezone: 'America/New_York' }),
        call('early', H(1), { timezone: 'Europe/London' }),
      ],
    );
    const lines = text.split('\n');
    expect(lines).toContain('### Upcoming: 2 slots; 1 call with no slot ahead');
    expect(lines).toContain(
      `| \`b-ny\` | \`+15550001\` | 2026-03-08 07:00 UTC | 2026-03-08 03:00 EDT (America/New_York) — ${missedAhead} | \`calls/b-ny.yaml:3\` |`,
    );
    expect(lines).toContain(
      '| `c-ny` | `+15550002` | 2026-03-09 06:30 UTC | 2026-03-09 02:30 EDT (America/New_York) | `calls/c-ny.yaml:3` |',
    );
    expect(lines).toContain(`| \`early\` | \`+15550003\` | ${never} |  | \`calls/early.yaml:3\` |`);
  });

  it('a row waiting for its calling hours or a redial shows when it may be called, as plan says', () => {
    const text = render(
      plan({
        upcoming: [
          item('reminders/r1', '+15550001', {
            campaign: 'reminders',
            row: 'r1',
            waiting: true,
            opens: '2026-11-24T17:00:00Z',
            reason:
              'waiting: outside calling hours 09:00-17:00 America/New_York; opens 2026-11-24T17:00:00Z (12:00 America/New_York)',
          }),
          item('reminders/r2', '+15550002', {
            campaign: 'reminders',
            row: 'r2',
            waiting: true,
            opens: '2026-11-24T09:15:00.000Z',
            reason: 'waiting: redial 2 of 3; from 2026-11-24T09:15:00.000Z',
          }),
        ],
      }),
      [
        call('reminders/r1', H(1), { campaign: 'reminders', timezone: 'America/New_York' }),
        call('reminders/r2', H(1), { campaign: 'reminders' }),
      ],
    );
    const lines = text.split('\n');
    expect(lines).toContain('### Upcoming: 2 slots');
    expect(lines).toContain(
      '| `reminders/r1` | `+15550001` | 2026-11-24 17:00 UTC | 2026-11-24 12:00 EST (America/New_York) | `calls/reminders/r1.yaml:3` |',
    );
    expect(lines).toContain(
      '| `reminders/r2` | `+15550002` | 2026-11-24 09:15 UTC |  | `calls/reminders/r2.yaml:3` |',
    );
  });

  it('says plainly when merging calls no one, and lists missed and skipped with the reason', () => {
    const text = render(
      plan({
        missed: [
          item('late', '+15550001', {
            slot: '2026-11-24T07:00:00Z',
            reason: 'deadline passed at 07:10',
          }),
        ],
        skipped: [item('off', '+15550002', { reason: 'disabled' })],
      }),
      [call('late', H(1)), call('off', H(1), { enabled: false })],
    );
    expect(text).toContain(
      '### Due on merge: 0 calls\n\nNothing is due: merging places no call now.\n',
    );
    expect(text).not.toContain('### Upcoming');
    expect(text).toContain(
      '### Missed: 1\n\nTheir deadline passed; they are never placed late.\n\n- `prod/late@2026-11-24T07:00:00Z` → `+15550001` — deadline passed at 07:10\n',
    );
    expect(text).toContain('### Skipped: 1\n\n- `prod/off` → `+15550002` — disabled\n');
  });

  it('names each unknown entry in a section of its own, with how to settle it, not as skipped', () => {
    const text = render(
      plan({
        due: [item('welcome', '+15550001')],
        skipped: [
          item('lost', '+15550002', { reason: 'unknown — settle it' }),
          item('off', '+15550003', { reason: 'disabled' }),
        ],
      }),
      [call('welcome', H(1)), call('lost', H(1)), call('off', H(1), { enabled: false })],
      lock({}),
      [
        unsettled('prod/lost', { httpStatus: 502, message: 'bad | gateway\nagain' }),
        // Not among the plan's calls (--only, --target): named all the same.
        unsettled('eu/odd`|name', { hint: 'settle: `x` | y' }),
      ],
    );
    expect(text).toContain(
      [
        '### Unknown — may have been placed: 2',
        '',
        'Each may be a call that reached someone; a person must settle it:',
        '',
        '- `prod/lost` at 2026-11-24T07:00:00.000Z: 502 bad \\| gateway again — `settle: callops resolve --check prod/lost looks it up on the gateway; or callops resolve prod/lost --placed SID, or callops resolve prod/lost --not-placed (or callops apply --retry-unknown places it again)`',
        '- ``eu/odd`\\|name`` at 2026-11-24T07:00:00.000Z — ``settle: `x` \\| y``',
        '',
        '### Due on merge: 1 call',
      ].join('\n'),
    );
    expect(text).toContain('### Skipped: 1\n\n- `prod/off` → `+15550003` — disabled\n');
    expect(text).not.toContain('`prod/lost` →');
  });

  it('shows what changed against the lockfile: changed, new, no longer defined', () => {
    const calls = [
      call('same', H(1)),
      call('edited', H(2)),
      call('fresh', H(3), { enabled: false }),
      call('only-failed', H(4)),
    ];
    const l = lock({
      'prod/same': entry('placed', H(1), '2026-11-01T00:00:00.000Z'),
      'prod/edited@2026-11-01T08:00:00Z': entry('placed', H(1), '2026-11-01T08:00:01.000Z'),
      'prod/edited@2026-11-02T08:00:00Z': entry('placed', H(5), '2026-11-02T08:00:01.000Z'),
      'prod/only-failed': entry('failed', H(9), '2026-11-02T08:00:01.000Z'),
      'prod/gone@2026-11-01T08:00:00Z': entry('placed', H(6), '2026-11-01T08:00:01.000Z'),
      'eu/gone@2026-11-02T08:00:00Z': entry('unknown', H(6), '2026-11-02T08:00:01.000Z'),
      'prod/gone-too': entry('failed', H(7), '2026-11-02T08:00:01.000Z'),
    });
    const changes = lockChanges(calls, l);
    expect(changes.changed.shown.map((c) => [c.call.name, c.placed])).toEqual([['edited', H(5)]]);
    expect(changes.added.shown.map((c) => c.name)).toEqual(['fresh']);
    expect(changes.removed).toEqual([
      { name: 'gone', entries: 2 },
      { name: 'gone-too', entries: 1 },
    ]);
    const text = render(plan({}), calls, l);
    expect(text).toContain(
      [
        '### Changes against `callops.lock`',
        '',
        '**Changed since placed (1)** — placed under an earlier definition:',
        '- `edited` at `calls/edited.yaml:3`: placed as `555555555555`, now `222222222222`',
        '',
        '**New (1)** — never placed:',
        '- `fresh` (disabled) at `calls/fresh.yaml:3`',
        '',
        '**No longer defined (2)** — their entries stay in the lockfile:',
        '- `gone` (2 entries)',
        '- `gone-too` (1 entry)',
      ].join('\n'),
    );
  });

  it('says so when nothing changed against the lockfile', () => {
    const text = render(
      plan({}),
      [call('same', H(1))],
      lock({ 'prod/same': entry('placed', H(1), '2026-11-01T00:00:00.000Z') }),
    );
    expect(text).toContain('No call was added, changed or removed since it was last placed.');
  });

  it('destinations cannot break out of their table cell or code span', () => {
    expect(code('a|b')).toBe('`a\\|b`');
    expect(code('x`y')).toBe('``x`y``');
    expect(code('`edge')).toBe('`` `edge ``');
    expect(code('two\nlines')).toBe('`two lines`');
    const text = render(plan({ due: [item('odd', 'sip:a|b`c\n| x |')] }), [call('odd', H(1))]);
    const row = text.split('\n').find((l) => l.startsWith('| ``odd') || l.startsWith('| `odd'));
    expect(row).toBe(
      '| `odd` | ``sip:a\\|b`c \\| x \\|`` | on merge (unscheduled) |  | `calls/odd.yaml:3` |',
    );
  });

  it('shows control characters escaped as plan does, in code spans and plain cells', () => {
    const csi = '\u001b[2J\u001b]0;pwn\u0007';
    expect(code(`r1${csi}`)).toBe('`r1\\u001b[2J\\u001b]0;pwn\\u0007`');
    const text = render(
      plan({
        due: [item(`camp/r1${csi}`, `+1555${csi}`)],
        missed: [item('late', '+15550001111', { reason: `gone\u202e${csi}` })],
      }),
      [call('camp', H(1))],
    );
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(text).toContain('`+1555\\u001b[2J\\u001b]0;pwn\\u0007`');
    expect(text).toContain('gone\\u202e\\u001b[2J');
  });

  it('gives each campaign one line with its rows by state, before the calls', () => {
    const rows = Array.from({ length: 3 }, (_, i) =>
      item(`remind/r${i + 1}`, `+1555000000${i + 1}`, { campaign: 'remind', row: `r${i + 1}` }),
    );
    const text = render(
      plan({
        due: rows.slice(0, 2),
        skipped: [{ ...(rows[2] as PlanItem), reason: 'already placed S-1' }],
        campaigns: [
          { name: 'remind', rows: 3, slotted: false },
          { name: 'over', rows: 2, slotted: true },
        ],
      }),
      [],
    );
    const lines = text.split('\n');
    const at = lines.indexOf('### Campaigns: 2');
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at, at + 5)).toEqual([
      '### Campaigns: 2',
      '',
      '- `remind`: 3 rows — 2 due, 1 skipped (placed, unknown, held or disabled)',
      '- `over`: 2 rows — 2 done (no slot left); slots listed: nothing',
      '',
    ]);
    expect(at).toBeLessThan(lines.findIndex((l) => l.startsWith('### Due on merge')));
  });

  it('lists the first 20 campaigns and counts the rest, leaving room for the calls', () => {
    const campaigns = Array.from({ length: 23 }, (_, c) => ({
      name: `c${String(c).padStart(2, '0')}`,
      rows: 1,
      slotted: false,
    }));
    const text = render(plan({ due: [item('welcome', '+15550001111')], campaigns }), []);
    expect(text).toContain('- `c19`: 0 rows — nothing\n');
    expect(text).not.toContain('`c20`');
    expect(text).toContain(
      '- … and 3 more campaigns, not listed here (`callops plan` lists every one)\n',
    );
    expect(text).toContain('`welcome`');
  });

  it('gives no campaign section to a plan without campaigns', () => {
    expect(render(plan({ due: [item('welcome', '+15550001111')] }), [])).not.toContain(
      '### Campaigns',
    );
  });

  it("lists a campaign's first 5 rows per section and counts the rest", () => {
    const rows = Array.from({ length: 8 }, (_, i) =>
      item(`remind/r${i + 1}`, `+1555000000${i + 1}`, { campaign: 'remind', row: `r${i + 1}` }),
    );
    const text = render(plan({ due: rows }), []);
    expect(text).toContain('`remind/r5`');
    expect(text).not.toContain('`remind/r6`');
    expect(text).toContain('| … and 3 more rows of campaign `remind` | | | | |');
  });

  it("lists a campaign's first 5 new, changed and removed rows against the lockfile and counts the rest", () => {
    const rows = Array.from({ length: 9 }, (_, i) =>
      call(`remind/r${i + 1}`, H(2), { campaign: 'remind', file: 'lists/people.csv' }),
    );
    const entries: Record<string, LockEntry> = {};
    // Three rows placed under another definition (changed), six never placed (new).
    for (const i of [1, 2, 3])
      entries[`prod/remind/r${i}`] = entry('placed', H(1), '2026-11-01T00:00:00.000Z');
    // A campaign no longer defined: seven rows, one of them with a second attempt.
    for (let i = 1; i <= 7; i++)
      entries[`prod/old/r${i}`] = entry('placed', H(3), '2026-11-01T00:00:00.000Z');
    entries['prod/old/r1#2'] = entry('placed', H(3), '2026-11-01T01:00:00.000Z');
    const changes = lockChanges(rows, lock(entries));
    expect(changes.removed).toHaveLength(7);
    expect(changes.removed[0]).toEqual({ name: 'old/r1', entries: 2 });
    const text = render(plan({}), rows, lock(entries));
    expect(text).toContain(
      [
        '**New (6)** — never placed:',
        '- `remind/r4` at `lists/people.csv:3`',
        '- `remind/r5` at `lists/people.csv:3`',
        '- `remind/r6` at `lists/people.csv:3`',
        '- `remind/r7` at `lists/people.csv:3`',
        '- `remind/r8` at `lists/people.csv:3`',
        '- … and 1 more rows of campaign `remind`',
        '',
        '**No longer defined (7)** — their entries stay in the lockfile:',
        '- `old/r1` (2 entries)',
        '- `old/r2` (1 entry)',
        '- `old/r3` (1 entry)',
        '- `old/r4` (1 entry)',
        '- `old/r5` (1 entry)',
        '- … and 2 more rows of campaign `old`',
      ].join('\n'),
    );
    expect(text).toContain('**Changed since placed (3)**');
  });

  it("lists a campaign's new and changed rows in the order of its CSV, not of their ids", () => {
    const ids = ['r9', 'r10', 'a7', 'r2', 'b1', 'r1', 'z0'];
    const rows = ids.map((id, i) =>
      call(`remind/${id}`, H(2), { campaign: 'remind', file: 'lists/people.csv', line: i + 2 }),
    );
    const entries: Record<string, LockEntry> = {};
    for (const id of ['r2', 'b1', 'r1'])
      entries[`prod/remind/${id}`] = entry('placed', H(1), '2026-11-01T00:00:00.000Z');
    const text = render(
      plan({}),
      [call('zeta', H(2)), ...rows, call('alpha', H(2))],
      lock(entries),
    );
    expect(section(text, '**New (6)**').slice(0, 6)).toEqual([
      '- `alpha` at `calls/alpha.yaml:3`',
      '- `remind/r9` at `lists/people.csv:2`',
      '- `remind/r10` at `lists/people.csv:3`',
      '- `remind/a7` at `lists/people.csv:4`',
      '- `remind/z0` at `lists/people.csv:8`',
      '- `zeta` at `calls/zeta.yaml:3`',
    ]);
    expect(section(text, '**Changed since placed (3)**').slice(0, 3)).toEqual(
      ['r2', 'b1', 'r1'].map((id) => expect.stringContaining(`\`remind/${id}\``)),
    );
  });
});

/** The lines of a section: from its heading to the next heading (or the comment's end). */
const section = (text: string, heading: string): string[] => {
  const lines = text.split('\n');
  const from = lines.findIndex((l) => l.startsWith(heading));
  expect(from, heading).toBeGreaterThanOrEqual(0);
  const rest = lines.slice(from + 1);
  const to = rest.findIndex((l) => l.startsWith('###') || l.startsWith('**'));
  return to < 0 ? rest : rest.slice(0, to);
};

/** How many entries a section's lines stand for: one a listed line, N an "… and N more" line. */
const entriesShown = (lines: readonly string[], prefix: string): number => {
  let n = 0;
  for (const line of lines) {
    const more = /^[-|] (?:… and )?(\d+)(?: more)?(?:, not listed here| rows of campaign)/.exec(
      line,
    );
    if (more) n += Number(more[1]);
    else if (line.startsWith(prefix)) n += 1;
  }
  return n;
};

describe('plan --format markdown of a large project', () => {
  it('stays under the 65,536 characters GitHub takes in a comment, every list counted in full', () => {
    const name = (i: number) => `reminder-${String(i).padStart(6, '0')}-${'x'.repeat(40)}`;
    const due = Array.from({ length: 3000 }, (_, i) => item(name(i), `+1555${i}`));
    const skipped = Array.from({ length: 2000 }, (_, i) =>
      item(name(10_000 + i), '+15550000001', { reason: 'placed before' }),
    );
    const calls = [...due, ...skipped].map((i) => call(i.name, H(2)));
    const text = render(plan({ due, skipped }), calls);
    expect(text.length).toBeLessThanOrEqual(MARKDOWN_LIMIT);
    // Due first: as many of its rows as fit, in order, then one line counting the rest.
    const dueLines = section(text, '### Due on merge: 3000 calls');
    expect(dueLines.some((l) => l.includes(name(0)))).toBe(true);
    expect(dueLines).toContain(
      `| … and ${3000 - dueLines.filter((l) => l.startsWith('| `')).length} more, not listed here (\`callops plan\` lists every one) | | | | |`,
    );
    expect(entriesShown(dueLines, '| `')).toBe(3000);
    // Later lists keep their heading and count, whatever the first ones took.
    expect(entriesShown(section(text, '### Skipped: 2000'), '- `')).toBe(2000);
    expect(entriesShown(section(text, '**New (5000)**'), '- `')).toBe(5000);
    expect(text.endsWith('never their values.</sub>\n')).toBe(true);
  });

  it('lists everything when it fits, and nothing more than it must leaves out', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 1500 }),
        fc.nat({ max: 1500 }),
        fc.integer({ min: 1, max: 300 }),
        (dueCount, skippedCount, nameLength) => {
          const name = (i: number) => `c${i}-${'n'.repeat(nameLength)}`;
          const due = Array.from({ length: dueCount }, (_, i) => item(name(i), '+15550000001'));
          const skipped = Array.from({ length: skippedCount }, (_, i) =>
            item(name(dueCount + i), '+15550000002', { reason: 'placed before' }),
          );
          const text = render(plan({ due, skipped }), []);
          expect(text.length).toBeLessThanOrEqual(MARKDOWN_LIMIT);
          const dueLines = section(text, '### Due on merge');
          if (dueCount > 0) expect(entriesShown(dueLines, '| `')).toBe(dueCount);
          if (skippedCount > 0)
            expect(entriesShown(section(text, '### Skipped'), '- `')).toBe(skippedCount);
          // A list is cut only where its next line would not have fitted.
          if (text.includes('more, not listed here'))
            expect(text.length).toBeGreaterThan(MARKDOWN_LIMIT - 8192 - 2 * (nameLength + 80));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('names every unknown entry however many calls are due', () => {
    const name = (i: number) => `reminder-${String(i).padStart(6, '0')}-${'x'.repeat(40)}`;
    const due = Array.from({ length: 3000 }, (_, i) => item(name(i), `+1555${i}`));
    const unknown = Array.from({ length: 20 }, (_, i) => unsettled(`prod/lost-${i}`));
    const text = render(plan({ due }), [], lock({}), unknown);
    expect(text.length).toBeLessThanOrEqual(MARKDOWN_LIMIT);
    const lines = section(text, '### Unknown — may have been placed: 20');
    for (const u of unknown)
      expect(lines.some((l) => l.startsWith(`- \`${u.key}\` at `))).toBe(true);
  });

  it("counts a campaign's left-out rows in the list's last line once the list is cut", () => {
    const skipped = Array.from({ length: 2000 }, (_, c) =>
      Array.from({ length: 7 }, (_, r) =>
        item(`camp${c}/row${r}`, '+15550000001', {
          campaign: `camp${c}`,
          row: `row${r}`,
          reason: 'placed before',
        }),
      ),
    ).flat();
    const text = render(plan({ skipped }), []);
    expect(text.length).toBeLessThanOrEqual(MARKDOWN_LIMIT);
    const lines = section(text, '### Skipped: 14000');
    expect(lines.some((l) => l.startsWith('- `prod/camp0/row4`'))).toBe(true);
    expect(lines.some((l) => l.startsWith('- `prod/camp0/row5`'))).toBe(false);
    expect(entriesShown(lines, '- `')).toBe(14_000);
  });
});

describe('a target renamed: the comment never says nothing changed', () => {
  const l = lock({ 'gw/same': entry('placed', H(1), '2026-11-01T00:00:00.000Z') });
  const held = item('same', '+15550001111', {
    reason: 'not placed: already placed as gw/same (placed sid-1 at 2026-11-01T00:00:00.000Z)',
  });

  it('lists the targets no longer defined, and the calls they hold under Skipped', () => {
    const text = render(
      plan({ skipped: [held], goneTargets: [{ target: 'gw', entries: 1 }] }),
      [call('same', H(1))],
      l,
    );
    expect(text).not.toContain('No call was added, changed or removed');
    expect(text).toContain(
      [
        '### Changes against `callops.lock`',
        '',
        "**Targets not defined in this checkout's callops.yaml (1)** — their entries stay in the lockfile, and no call, slot or row placed under one is placed again under another target's name (see Skipped):",
        '- `gw` (1 entry)',
      ].join('\n'),
    );
    expect(text).toContain('### Skipped: 1');
    expect(text).toContain(
      '- `prod/same` → `+15550001111` — not placed: already placed as gw/same',
    );
  });

  it('lists the targets defined beside on the same gateway', () => {
    const text = render(
      plan({ skipped: [held], sameGateway: [{ target: 'gw', entries: 1 }] }),
      [call('same', H(1))],
      l,
    );
    expect(text).not.toContain('No call was added, changed or removed');
    expect(text).toContain(
      '**Targets on the same gateway as `prod` (1)** — the same base_url and account_sid: a call, slot or row placed under either name is placed once (see Skipped):\n- `gw` (1 entry)',
    );
  });
});
