// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${row.X} references
import { describe, expect, it } from 'vitest';
import { parseSource } from '../../src/config/index.js';
import type { LoadedProject } from '../../src/config/load.js';
import { buildPlan } from '../../src/plan/build.js';
import type { Plan } from '../../src/plan/types.js';
import { validateProject } from '../../src/validate/index.js';

/**
 * Which zone a campaign row's hours and slots are read in: a `timezone` of defaults (the
 * file's or callops.yaml's) is for rows without a zone of their own, so a CSV's `timezone`
 * column wins over it; a `timezone` the call writes itself holds every row, and a `timezone`
 * column naming other zones beside it is an error (a row would ring at the call's hours).
 */

const APP = '5b0a8c62-6a43-4a0e-9d4b-1c2f3e4d5a6b';
const CSV = 'lists/people.csv';
const ZONED =
  'id,phone,timezone\ntokyo,+15550020001,Asia/Tokyo\nla,+15550020002,America/Los_Angeles\n';
/** 13:41 UTC: 22:41 in Tokyo, 05:41 in Los Angeles, 14:41 in Berlin. */
const NOW = '2026-12-03T13:41:00Z';
const BERLIN = 'schedule: { timezone: Europe/Berlin }';

interface Layout {
  /** A `schedule:` line of callops.yaml's defaults. */
  readonly project?: string;
  /** A `schedule:` line of the call file's defaults. */
  readonly file?: string;
  /** The call's own `schedule:` line. */
  readonly call: string;
  readonly csv?: string;
}

const loaded = ({ project, file, call, csv = ZONED }: Layout): LoadedProject => {
  const text = [
    ...(file === undefined ? [] : ['defaults:', `  ${file}`]),
    'calls:',
    '  - name: remind',
    '    recipients: ../lists/people.csv',
    `    application_sid: ${APP}`,
    '    from: "+15550001111"',
    '    to: { type: phone, number: "${row.phone}" }',
    `    ${call}`,
    '',
  ].join('\n');
  return {
    root: '/nowhere',
    ...(project === undefined
      ? {}
      : { configFile: parseSource('callops.yaml', `defaults:\n  ${project}\n`).source }),
    callFiles: [parseSource('calls/remind.yaml', text).source],
    diagnostics: [],
    recipients: new Map([[CSV, { text: csv }]]),
  };
};

const rowsOf = (layout: Layout) => {
  const found = validateProject(loaded(layout));
  expect(found.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return found.calls.filter((c) => c.campaign !== undefined);
};

/** Each diagnostic of a layout, as `severity file:line:column: message`. */
const said = (layout: Layout): string[] =>
  validateProject(loaded(layout)).diagnostics.map(
    (d) => `${d.severity} ${d.file}:${d.line}:${d.column}: ${d.message}`,
  );

const planAt = (layout: Layout, iso = NOW): Plan =>
  buildPlan({
    calls: rowsOf(layout),
    lock: { lockfileVersion: 1, calls: {} },
    now: new Date(iso),
    runTarget: 'sim',
    explicitTarget: false,
  });

/** The rows waiting, each with the zone its hours are read in. */
const waiting = (plan: Plan) =>
  plan.upcoming.map((i) => [i.row, i.reason?.match(/calling hours \S+ (\S+);/)?.[1]]);

describe("a campaign row's zone", () => {
  for (const [where, layout] of [
    ["callops.yaml's defaults", { project: BERLIN }],
    ["the call file's defaults", { file: BERLIN }],
    ['both', { project: 'schedule: { timezone: Asia/Kolkata }', file: BERLIN }],
  ] as const) {
    it(`a timezone in ${where} does not override the CSV's zone column: rows outside their own hours wait`, () => {
      const plan = planAt({ ...layout, call: 'schedule: { window: "09:00-20:00" }' });
      expect(plan.due).toEqual([]);
      expect(waiting(plan)).toEqual([
        ['tokyo', 'Asia/Tokyo'],
        ['la', 'America/Los_Angeles'],
      ]);
    });
  }

  it("a cron's slots fall at its hour in each row's own zone, not in the defaults' zone", () => {
    const plan = planAt({ project: BERLIN, call: 'schedule: { cron: "0 10 * * *" }' });
    const first = (row: string) => plan.upcoming.find((i) => i.row === row);
    expect([first('tokyo'), first('la')].map((i) => [i?.slot, i?.local])).toEqual([
      ['2026-12-04T01:00:00Z', '10:00 Asia/Tokyo'],
      ['2026-12-03T18:00:00Z', '10:00 America/Los_Angeles'],
    ]);
  });

  it("without a zone column, the defaults' zone is every row's", () => {
    const csv = 'id,phone\ntokyo,+15550020001\nla,+15550020002\n';
    const layout = { project: BERLIN, call: 'schedule: { window: "09:00-20:00" }', csv };
    expect(planAt(layout).due.map((i) => i.row)).toEqual(['tokyo', 'la']);
    // 20:30 in Berlin: both wait for 09:00 there.
    expect(waiting(planAt(layout, '2026-12-03T19:30:00Z'))).toEqual([
      ['tokyo', 'Europe/Berlin'],
      ['la', 'Europe/Berlin'],
    ]);
  });

  it('a timezone the call writes itself holds every row, a zone column that agrees with it or is empty beside it', () => {
    const csv =
      'id,phone,timezone\nberlin,+15550020001,Europe/Berlin\nblank,+15550020002,\nlink,+15550020003, Europe/Berlin \n';
    const plan = planAt({
      project: 'schedule: { timezone: Asia/Kolkata }',
      call: 'schedule: { window: "09:00-20:00", timezone: Europe/Berlin }',
      csv,
    });
    expect(plan.due.map((i) => i.row)).toEqual(['berlin', 'blank', 'link']);
    // Another name of the same zone (a link) agrees with it too.
    const linked = 'id,phone,timezone\nny,+15550020001,US/Eastern\n';
    expect(
      said({
        call: 'schedule: { window: "09:00-17:00", timezone: America/New_York }',
        csv: linked,
      }),
    ).toEqual([]);
  });

  it('a zone column naming other zones beside a timezone the call writes itself is an error at the first such cell', () => {
    const csv =
      'id,phone,timezone\nny,+15550020001,America/New_York\nblank,+15550020002,\ntokyo,+15550020003,Asia/Tokyo\nla,+15550020004,America/Los_Angeles\n';
    const words = (hours: string, cell: string, count: string, column = 50) =>
      `\`timezone\` is \`${cell}\` here, but the call writes \`schedule.timezone: America/New_York\` (calls/remind.yaml:7:${column}), which holds every row: the campaign's ${hours} would be read in America/New_York for this row, not in ${cell} — ${count} another zone (the first here); drop one of the two: the \`timezone\` column to keep every row at America/New_York, or the call's \`schedule.timezone\` to read each row's hours in its own zone`;
    expect(
      said({ call: 'schedule: { window: "10:00-17:00", timezone: America/New_York }', csv }),
    ).toEqual([`error ${CSV}:4:20: ${words('`window`', 'Asia/Tokyo', '2 rows name')}`]);
    // A cron, with a zone in defaults besides: the call's own zone is the one said.
    expect(
      said({
        project: BERLIN,
        call: 'schedule: { cron: "0 10 * * *", timezone: America/New_York }',
        csv: 'id,phone,timezone\nx,+15550020001,Nowhere/Zone\n',
      }),
    ).toEqual([`error ${CSV}:2:16: ${words('`cron`', 'Nowhere/Zone', '1 row names', 47)}`]);
    // Not when the zone is one of defaults (the column wins), a `${row.X}` one, or nothing is
    // read in a zone (no window, cron or at: the column is ignored).
    expect(
      said({
        file: 'schedule: { timezone: America/New_York }',
        call: 'schedule: { window: "10:00-17:00" }',
        csv: csv.replace('blank,+15550020002,\n', ''),
      }),
    ).toEqual([]);
    expect(
      said({ call: 'schedule: { end: "2026-12-24", timezone: America/New_York }', csv }),
    ).toEqual([]);
    expect(
      said({
        call: 'schedule: { window: "10:00-17:00", timezone: "${row.tz}" }',
        csv: 'id,phone,tz,timezone\nx,+15550020001,Asia/Tokyo,America/New_York\n',
      }),
    ).toEqual([]);
  });

  it("a `${row.X}` zone in defaults names the rows' zones", () => {
    const csv = 'id,phone,tz\ntokyo,+15550020001,Asia/Tokyo\nla,+15550020002,America/Los_Angeles\n';
    const plan = planAt({
      file: 'schedule: { timezone: "${row.tz}" }',
      call: 'schedule: { window: "09:00-20:00" }',
      csv,
    });
    expect(waiting(plan)).toEqual([
      ['tokyo', 'Asia/Tokyo'],
      ['la', 'America/Los_Angeles'],
    ]);
  });

  it("keeps each row's digest: a zone of defaults still enters it, as when the call writes it", () => {
    const window = 'schedule: { window: "09:00-20:00" }';
    const fromDefaults = rowsOf({ project: BERLIN, call: window });
    // The same rows beside a zone the call writes: an error (they name other zones), the rows
    // made all the same.
    const layout = { call: 'schedule: { window: "09:00-20:00", timezone: Europe/Berlin }' };
    expect(said(layout)).toEqual([
      expect.stringMatching(/^error lists\/people\.csv:2:20: `timezone` is `Asia\/Tokyo` here/),
    ]);
    const written = validateProject(loaded(layout)).calls.filter((c) => c.campaign !== undefined);
    expect(fromDefaults.map((r) => r.definition)).toEqual(written.map((r) => r.definition));
    // Their zones differ: the column's, and the call's own.
    expect(fromDefaults.map((r) => r.schedule?.timezone)).toEqual([
      'Asia/Tokyo',
      'America/Los_Angeles',
    ]);
    expect(written.map((r) => r.schedule?.timezone)).toEqual(['Europe/Berlin', 'Europe/Berlin']);
  });

  it('the zone column is ignored without a window, a cron or an at: an empty cell is no error', () => {
    const csv = 'id,phone,timezone\ntokyo,+15550020001,\nla,+15550020002,Nowhere/Zone\n';
    const rows = rowsOf({ call: 'schedule: { end: "2026-12-24" }', csv });
    expect(rows.map((r) => r.schedule?.timezone)).toEqual(['UTC', 'UTC']);
  });
});
