// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${row.X} references
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSource } from '../../src/config/index.js';
import type { LoadedProject } from '../../src/config/load.js';
import {
  buildPlan,
  definitionsOf,
  jsonBytes,
  planFileJson,
  saltedDigest,
  toPlanFile,
} from '../../src/plan/index.js';
import { collapseRows, planJson } from '../../src/report/plan.js';
import {
  lockChanges,
  type MarkdownCall,
  markdownCalls,
  renderPlanMarkdown,
} from '../../src/report/plan-markdown.js';
import { unsettledEntries } from '../../src/report/unsettled.js';
import type { LockEntry, Lockfile } from '../../src/state/types.js';
import { validateProject } from '../../src/validate/index.js';

/**
 * A campaign's plan written as it is made (`--format json`, `--out`, markdown) is byte for
 * byte what the whole values gave: the plan of a project with literal calls and campaigns of
 * a few hundred rows in three zones, against a lockfile that has rows placed, changed,
 * unknown and gone.
 */

const APP = '5b0a8c62-6a43-4a0e-9d4b-1c2f3e4d5a6b';
const ZONES = ['America/New_York', 'Europe/Berlin', 'Asia/Tokyo'];
const ROWS = 300;

const CALLS = [
  'calls:',
  '  - name: welcome',
  `    application_sid: ${APP}`,
  '    from: "+15550001111"',
  '    to: { type: phone, number: "${CUSTOMER}" }',
  '  - name: "7"',
  `    application_sid: ${APP}`,
  '    from: "+15550001111"',
  '    to: { type: phone, number: "+15550002222" }',
  '  - name: daily',
  `    application_sid: ${APP}`,
  '    from: "+15550001111"',
  '    to: { type: phone, number: "+15550003333" }',
  '    schedule: { cron: "0 9 * * *", timezone: Europe/Berlin }',
  '  - name: remind',
  '    recipients: ../lists/people.csv',
  `    application_sid: ${APP}`,
  '    from: "+15550001111"',
  '    to: { type: phone, number: "${row.phone}" }',
  '    tag: { patient: "${row.name}", row: "${row.id}" }',
  '    schedule: { window: "08:00-21:00" }',
  '  - name: notify',
  '    recipients: ../lists/notify.csv',
  `    application_sid: ${APP}`,
  '    from: "+15550001111"',
  '    to: { type: phone, number: "${row.phone}" }',
  '',
].join('\n');

const PEOPLE = [
  'id,name,phone,timezone',
  ...Array.from(
    { length: ROWS },
    (_, i) =>
      `r${i},"Patient ${i}${i % 7 === 0 ? ', Jr.' : ''}",+1555${String(i).padStart(7, '0')},${ZONES[i % 3]}`,
  ),
  '',
].join('\n');
const NOTIFY = [
  'id,phone',
  ...Array.from({ length: 12 }, (_, i) => `n${i},+1666${String(i).padStart(7, '0')}`),
  '',
].join('\n');

const project = () => {
  const loaded: LoadedProject = {
    root: '/nowhere',
    callFiles: [parseSource('calls/all.yaml', CALLS).source],
    diagnostics: [],
    recipients: new Map([
      ['lists/people.csv', { text: PEOPLE }],
      ['lists/notify.csv', { text: NOTIFY }],
    ]),
  };
  const validated = validateProject(loaded);
  expect(validated.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return validated.calls;
};

const placed = (definition: string, at = '2026-11-20T10:00:00.000Z'): LockEntry => ({
  status: 'placed',
  sid: 'CA-1',
  at,
  definition,
  file: 'calls/all.yaml',
});

const lockOf = (): Lockfile => {
  const calls: Record<string, LockEntry> = {};
  // Rows placed under an older definition (changed), an unknown one, a literal call placed.
  for (const i of [3, 4, 10, 11, 12, 13, 14, 15, 200]) {
    calls[`sim/remind/r${i}`] = placed('sha256:old');
  }
  calls['sim/remind/r20'] = { ...placed('sha256:old'), status: 'unknown' };
  calls['sim/welcome'] = placed('sha256:old');
  // A campaign no longer defined.
  for (let i = 0; i < 8; i++) calls[`sim/gone/g${i}`] = placed('sha256:gone');
  return { lockfileVersion: 1, calls };
};

const text = (buffers: Iterable<Uint8Array>): string =>
  Buffer.concat([...buffers].map((b) => Buffer.from(b))).toString('utf8');

const made = () => {
  const calls = project();
  const lock = lockOf();
  const plan = buildPlan({
    calls,
    lock,
    now: new Date('2026-11-30T15:00:00Z'),
    runTarget: 'sim',
    explicitTarget: false,
  });
  return { calls, lock, plan };
};

describe("a campaign's plan written as it is made", () => {
  it('--format json is byte for byte the whole plan object', () => {
    const { calls, lock, plan } = made();
    expect(plan.due.length).toBeGreaterThan(ROWS / 2);
    expect(plan.upcoming.length).toBeGreaterThan(10);
    expect(plan.skipped.some((i) => i.changed === true)).toBe(true);
    const unsettled = unsettledEntries(lock, calls, plan.due);
    expect(unsettled.length).toBeGreaterThan(0);
    const warnings = [{ message: 'a warning' }];
    const out = text(jsonBytes({ ...planJson(plan, unsettled), warnings }));
    expect(out.length).toBeGreaterThan(64 * 1024);
    expect(out).toBe(`${JSON.stringify({ ...planJson(plan, unsettled), warnings }, null, 2)}\n`);
  });

  it('--out is byte for byte the whole plan file', () => {
    const { calls, plan } = made();
    const digests = {
      gateway: (target: string) => saltedDigest('s', target),
      values: (item: { readonly key: string }) => saltedDigest('s', item.key),
    };
    const context = { lockDigest: 'sha256:lock', salt: 's', digests };
    const whole = toPlanFile(plan, { ...context, definitions: definitionsOf(calls) });
    expect(text(jsonBytes(planFileJson(plan, context, calls)))).toBe(
      `${JSON.stringify(whole, null, 2)}\n`,
    );
  });

  it("markdown reading the calls one at a time is the markdown of every call's fields", () => {
    const { calls, lock, plan } = made();
    const whole: MarkdownCall[] = calls.map((c) => ({
      name: c.name,
      file: c.file,
      line: c.line,
      definition: c.definition,
      enabled: c.enabled,
      ...(c.schedule === undefined ? {} : { timezone: c.schedule.timezone }),
      ...(c.campaign === undefined ? {} : { campaign: c.campaign.name }),
    }));
    const render = (list: Iterable<MarkdownCall>) =>
      renderPlanMarkdown({
        plan,
        lock,
        calls: list,
        targetNote: 'simulator',
        lockName: 'callops.lock',
      });
    const out = render(markdownCalls(calls));
    expect(out).toBe(render(whole));
    expect(out).toContain('**Changed since placed (10)**');
    expect(out).toContain(`**New (${ROWS + 12 + 2 - 10})**`);
    expect(out).toContain('- … and 3 more rows of campaign `gone`');
    expect(out).toContain('2026-12-01 08:00 UTC | 2026-12-01 09:00 ');
    expect(out).toContain(' (Europe/Berlin) |');
  });
});

/**
 * What the comment lists: every call sorted by name, a campaign's rows by the campaign's name
 * (after a call of that name) and among themselves in CSV order (stably), then collapsed.
 */
const wholeChanges = (calls: readonly MarkdownCall[], lock: Lockfile) => {
  const placedDef = new Map<string, { at: string; definition: string }>();
  const known = new Set<string>();
  for (const [key, entry] of Object.entries(lock.calls)) {
    const name = key.slice(key.indexOf('/') + 1);
    known.add(name);
    const seen = placedDef.get(name);
    if (entry.status === 'placed' && (seen === undefined || entry.at >= seen.at))
      placedDef.set(name, { at: entry.at, definition: entry.definition });
  }
  const sorted = [...calls].sort(
    (a, b) =>
      (a.campaign ?? a.name).localeCompare(b.campaign ?? b.name) ||
      Number(a.campaign !== undefined) - Number(b.campaign !== undefined),
  );
  const changed = sorted.flatMap((call) => {
    const p = placedDef.get(call.name)?.definition;
    return p !== undefined && p !== call.definition
      ? [{ call, placed: p, campaign: call.campaign }]
      : [];
  });
  const added = sorted.filter((c) => !known.has(c.name));
  return {
    changed: collapseRows(changed),
    added: collapseRows(added),
    counts: [changed.length, added.length],
  };
};

describe('lockChanges, reading the calls one at a time', () => {
  it("lists what sorting every call by name and collapsing each campaign's rows listed (property)", () => {
    // Names that sort in many ways: cases, accents, digits, punctuation; campaigns of rows.
    const part = fc.constantFrom('a', 'B', 'é', 'e', '10', '9', '-', '.', 'Z', 'ß');
    const word = fc.array(part, { minLength: 1, maxLength: 4 }).map((p) => p.join(''));
    const callArb = fc.record({
      campaign: fc.option(fc.constantFrom('remind', 'Remind', 'ärger', 'b'), { nil: undefined }),
      id: word,
      definition: fc.constantFrom('sha256:1', 'sha256:2'),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(callArb, {
          selector: (c) => (c.campaign === undefined ? c.id : `${c.campaign}/${c.id}`),
          maxLength: 60,
        }),
        fc.array(fc.tuple(word, fc.constantFrom('sha256:1', 'sha256:2'), fc.boolean()), {
          maxLength: 20,
        }),
        (specs, entries) => {
          const calls: MarkdownCall[] = specs.map((s) => ({
            name: s.campaign === undefined ? s.id : `${s.campaign}/${s.id}`,
            file: 'calls/x.yaml',
            line: 1,
            definition: s.definition,
            enabled: true,
            ...(s.campaign === undefined ? {} : { campaign: s.campaign }),
          }));
          const lock: Lockfile = { lockfileVersion: 1, calls: {} };
          for (const [i, [id, definition, row]] of entries.entries()) {
            const name = row ? `remind/${id}` : id;
            (lock.calls as Record<string, LockEntry>)[`sim/${name}`] = {
              ...placed(definition, `2026-11-2${i % 10}T00:00:00.000Z`),
              ...(i % 4 === 3 ? { status: 'failed' as const } : {}),
            };
          }
          const got = lockChanges(calls, lock);
          const want = wholeChanges(calls, lock);
          expect(got.changed.shown.map((c) => c.call.name)).toEqual(
            want.changed.shown.map((c) => c.call.name),
          );
          expect(got.changed.hidden).toEqual(want.changed.hidden);
          expect(got.added.shown.map((c) => c.name)).toEqual(want.added.shown.map((c) => c.name));
          expect(got.added.hidden).toEqual(want.added.hidden);
          expect([got.changed.count, got.added.count]).toEqual(want.counts);
        },
      ),
      { numRuns: 300 },
    );
  });
});
