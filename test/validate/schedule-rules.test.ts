// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${VAR} references
import { describe, expect, it } from 'vitest';
import { isTimeZone } from '../../src/validate/timezone.js';
import { error, oneCall, validate, warning, yaml } from './fixtures.js';

const A = 'calls/a.yaml';

/** One call with a block-style schedule: line 6 `schedule:`, its keys from line 7 at column 7. */
const scheduled = (...keys: string[]) => ({
  [A]: oneCall('s', 'schedule:', ...keys.map((k) => `  ${k}`)),
});
const diagnosticsOf = (...keys: string[]) => validate(scheduled(...keys)).diagnostics;
const scheduleOf = (...keys: string[]) => validate(scheduled(...keys)).calls[0]?.schedule;

describe('cron', () => {
  it('warns of a cron that matches no date of any year, never of 29 February', () => {
    for (const impossible of ['0 3 31 2 *', '0 9 30 2 *', '0 9 31 4,6,9,11 *']) {
      expect(diagnosticsOf(`cron: "${impossible}"`)).toEqual([
        warning(
          A,
          7,
          13,
          '/calls/0/schedule/cron',
          `cron \`${impossible}\` matches no date of any year (its days of month never come in its months): no slot of it is ever placed`,
        ),
      ]);
    }
    // Rare but real: a leap day, the 31st of the months that have one.
    for (const rare of ['0 9 29 2 *', '0 9 31 * *'])
      expect(diagnosticsOf(`cron: "${rare}"`)).toEqual([]);
    // Or a weekday instead: not "no date", but the reading of both day fields is said.
    for (const rare of ['0 9 31 2 1', '0 9 30 2 MON']) {
      const said = diagnosticsOf(`cron: "${rare}"`);
      expect(said.map((d) => d.message)).toEqual([
        expect.stringContaining('fires on every day that matches either of them'),
      ]);
    }
  });

  it('warns that a cron setting both day fields fires on a day matching either', () => {
    expect(diagnosticsOf('cron: "0 9 13 * 5"')).toEqual([
      warning(
        A,
        7,
        13,
        '/calls/0/schedule/cron',
        'cron `0 9 13 * 5`: both the day of the month (`13`) and the weekday (`5`, Friday) are set, so it fires on every day that matches either of them, as cron reads the two, not only on days that match both',
      ),
    ]);
    // A day field starting with `*` is read as "both" by Linux's crontab: said too.
    const [starred] = diagnosticsOf('cron: "0 9 */2 * 1-5"');
    expect(starred?.message).toContain('(`1-5`, Monday–Friday)');
    expect(starred?.message).toContain("Linux's crontab reads a day field that starts with `*`");
    // 6 fields (seconds first): the day fields are the 4th and 6th.
    expect(diagnosticsOf('cron: "0 0 9 1 * SUN"')[0]?.message).toContain(
      'the day of the month (`1`) and the weekday (`SUN`)',
    );
    // Either field admitting every value: no warning, whatever it is written as.
    for (const plain of ['0 9 * * 1-5', '0 9 1 * *', '0 9 1-31 * 1', '0 9 1 * 0-6', '0 9 */1 * 1'])
      expect(diagnosticsOf(`cron: "${plain}"`)).toEqual([]);
  });

  it('accepts 5 fields, 6 with seconds first, and names', () => {
    expect(diagnosticsOf('cron: "0 9 * * 1-5"')).toEqual([]);
    expect(diagnosticsOf('cron: "30 0 9 * * 1-5"')).toEqual([]);
    expect(diagnosticsOf('cron: "0 9 * * MON-FRI"')).toEqual([]);
  });

  it('refuses other field counts', () => {
    expect(diagnosticsOf('cron: "0 9 * *"')).toEqual([
      error(
        A,
        7,
        13,
        '/calls/0/schedule/cron',
        'cron `0 9 * *` has 4 fields; write 5 (minute hour day month weekday) or 6 with seconds first',
      ),
    ]);
    expect(diagnosticsOf('cron: "@daily"')).toEqual([
      error(
        A,
        7,
        13,
        '/calls/0/schedule/cron',
        'cron shortcuts such as `@daily` are not supported: write its 5-field equivalent, `0 0 * * *`',
      ),
    ]);
  });

  it('refuses values out of range, with the reason', () => {
    expect(diagnosticsOf('cron: "61 9 * * *"')).toEqual([
      error(
        A,
        7,
        13,
        '/calls/0/schedule/cron',
        'cron `61 9 * * *`: minute 61 is out of range 0–59',
      ),
    ]);
    expect(diagnosticsOf('cron: "*/0 * * * *"')).toEqual([
      error(
        A,
        7,
        13,
        '/calls/0/schedule/cron',
        'cron `*/0 * * * *` is invalid: field (minute) has a step of zero',
      ),
    ]);
  });
});

describe('6 fields, read with seconds first', () => {
  const cronAt = (kind: typeof error, message: string) =>
    kind(A, 7, 13, '/calls/0/schedule/cron', message);

  it('warns, in words, of a trailing `*` taken for a year that makes the cron fire every hour', () => {
    expect(diagnosticsOf('cron: "0 9 * * 1-5 *"')).toEqual([
      cronAt(
        warning,
        'cron `0 9 * * 1-5 *`: 6 fields are read with seconds first, none as a year: second 0, minute 9 of every hour, month 1-5 (January–May), so it fires in every hour; for 09:00 write 5 fields: `0 9 * * 1-5`; to keep this reading, `9 * * 1-5 *`',
      ),
    ]);
    expect(diagnosticsOf('cron: "0 9 * * * *"')).toEqual([
      cronAt(
        warning,
        'cron `0 9 * * * *`: 6 fields are read with seconds first, none as a year: second 0, minute 9 of every hour, every day, so it fires in every hour; for 09:00 write 5 fields: `0 9 * * *`; to keep this reading, `9 * * * *`',
      ),
    ]);
    // No 5-field form keeps a second other than 0; hours named otherwise than by one number.
    expect(diagnosticsOf('cron: "15 8-17 * * * *"')).toEqual([
      cronAt(
        warning,
        'cron `15 8-17 * * * *`: 6 fields are read with seconds first, none as a year: second 15, minute 8-17 of every hour, every day, so it fires in every hour; as minute hour day month weekday, write 5 fields: `15 8-17 * * *`',
      ),
    ]);
  });

  it('says nothing of a 6-field cron read as it was plainly meant', () => {
    for (const meant of [
      '30 0 9 * * *', // 09:00:30 daily
      '0 0 9 * * MON-FRI', // 09:00 on weekdays
      '* * * * * *', // every second, as its 5 first fields would be every minute
      '*/10 * * * * *',
      '0 */15 * * * MON-FRI', // a weekday last: no year
      '45 10 9 * * *',
    ])
      expect(diagnosticsOf(`cron: "${meant}"`), meant).toEqual([]);
  });

  it("refuses Quartz's and AWS's `?`, saying how 6 fields are read and what to write", () => {
    expect(diagnosticsOf('cron: "0 0 9 ? * MON-FRI"')).toEqual([
      cronAt(
        error,
        'cron `0 0 9 ? * MON-FRI`: `?` (Quartz\'s "no specific value") is not supported: write `*` in its place; 6 fields are read with seconds first, as Quartz reads them: `0 0 9 * * MON-FRI`, or 5 fields: `0 9 * * MON-FRI`',
      ),
    ]);
    expect(diagnosticsOf('cron: "0 9 ? * MON-FRI *"')).toEqual([
      cronAt(
        error,
        'cron `0 9 ? * MON-FRI *`: `?` (AWS\'s "no specific value") is not supported, and 6 fields are read with seconds first, none as a year (AWS reads a year last): for minute hour day month weekday write 5 fields: `0 9 * * MON-FRI`',
      ),
    ]);
    expect(diagnosticsOf('cron: "0 9 ? * 1-5"')).toEqual([
      cronAt(
        error,
        'cron `0 9 ? * 1-5`: `?` (Quartz\'s and AWS\'s "no specific value") is not supported: write `*` in its place: `0 9 * * 1-5`',
      ),
    ]);
    // Their weekday numbers count from 1 = Sunday: kept as they are, a rewrite calls a day late.
    for (const [cron, whose, weekday] of [
      ['0 0 9 ? * 2-6', "Quartz's", '2-6'],
      ['0 9 ? * 2-6 *', "AWS's", '2-6'],
    ]) {
      const [found] = diagnosticsOf(`cron: "${cron}"`);
      expect(found?.message).toContain(
        `its weekday \`${weekday}\` counts from 1 = Sunday, cron's from 0 = Sunday (1 = Monday): write the days by name (MON-FRI)`,
      );
      expect(found?.message).toContain(whose);
      expect(found?.message).not.toContain('* * 2-6');
    }
    expect(diagnosticsOf('cron: "0 0 9 ? * MON-FRI *"')).toEqual([
      cronAt(
        error,
        "cron `0 0 9 ? * MON-FRI *` has 7 fields; write 5 (minute hour day month weekday) or 6 with seconds first (Quartz's 7th field, a year, is not supported)",
      ),
    ]);
  });
});

describe('timezone', () => {
  it('suggests the closest IANA name', () => {
    expect(diagnosticsOf('cron: "0 9 * * *"', 'timezone: Europe/Berln')).toEqual([
      error(
        A,
        8,
        17,
        '/calls/0/schedule/timezone',
        'unknown time zone `Europe/Berln` — did you mean `Europe/Berlin`?',
        ['Europe/Berlin'],
      ),
    ]);
    expect(diagnosticsOf('cron: "0 9 * * *"', 'timezone: Berlin')).toEqual([
      error(
        A,
        8,
        17,
        '/calls/0/schedule/timezone',
        'unknown time zone `Berlin` — did you mean `Europe/Berlin`?',
        ['Europe/Berlin'],
      ),
    ]);
  });

  it('warns of a legacy zone at the value: a fixed offset has no daylight saving, a POSIX name no place', () => {
    const said = (zone: string) =>
      diagnosticsOf('cron: "30 20 * * *"', `timezone: ${zone}`).map((d) => [
        d.severity,
        d.line,
        d.column,
        d.path,
        d.message,
      ]);
    expect(said('EST')).toEqual([
      [
        'warning',
        8,
        17,
        '/calls/0/schedule/timezone',
        '`EST` is a fixed UTC−5 offset with no daylight saving; for New York write America/New_York',
      ],
    ]);
    expect(said('MST')[0]?.[4]).toBe(
      '`MST` is a fixed UTC−7 offset with no daylight saving; for Denver write America/Denver (for Arizona, which keeps none, America/Phoenix)',
    );
    expect(said('HST')[0]?.[4]).toMatch(/^`HST` is a fixed UTC−10 offset .* Pacific\/Honolulu/);
    expect(said('Etc/GMT+2')[0]?.[4]).toBe(
      '`Etc/GMT+2` is a fixed UTC−2 offset with no daylight saving (the sign of an Etc/GMT name is inverted: it is 2 hours behind UTC); for a place, write its own zone, e.g. Europe/Berlin',
    );
    expect(said('Etc/GMT+5')[0]?.[4]).toMatch(
      /UTC−5 .* 5 hours behind UTC\); for New York write America\/New_York$/,
    );
    expect(said('Etc/GMT-1')[0]?.[4]).toMatch(
      /UTC\+1 .* 1 hour ahead of UTC\); for Berlin write Europe\/Berlin$/,
    );
    expect(said('est5edt')[0]?.[4]).toBe(
      '`est5edt` is a legacy POSIX-style name: it follows the current US daylight-saving rules but names no place, and the zone database keeps it only for compatibility; for New York write America/New_York',
    );
    for (const [zone, place] of [
      ['CST6CDT', 'America/Chicago'],
      ['MST7MDT', 'America/Denver'],
      ['PST8PDT', 'America/Los_Angeles'],
    ] as const)
      expect(said(zone)[0]?.[4], zone).toMatch(new RegExp(`write ${place}$`));
    // A place's own zone, and UTC however it is written, draw nothing.
    for (const zone of [
      'America/New_York',
      'America/Phoenix',
      'UTC',
      'Etc/UTC',
      'Etc/GMT',
      'Etc/GMT+0',
      'GMT',
      'US/Eastern',
    ])
      expect(said(zone), zone).toEqual([]);
  });

  it('refuses a zone ID the runtime takes but IANA has not, saying what it reads and what is likely meant', () => {
    const reads = (zone: string) =>
      new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
    expect(diagnosticsOf('cron: "0 9 * * *"', 'timezone: BST')).toEqual([
      error(
        A,
        8,
        17,
        '/calls/0/schedule/timezone',
        '`BST` is not an IANA time zone (this runtime reads it as Asia/Dhaka, UTC+6): for British Summer Time write Europe/London; for Bangladesh, Asia/Dhaka',
      ),
    ]);
    const said = (zone: string) =>
      diagnosticsOf('cron: "0 9 * * *"', `timezone: ${zone}`).map((d) => [d.severity, d.message]);
    expect(said('IST')).toEqual([
      [
        'error',
        `\`IST\` is not an IANA time zone (this runtime reads it as ${reads('IST')}, UTC+5:30): for India write Asia/Kolkata; for Irish Standard Time, Europe/Dublin; for Israel, Asia/Jerusalem`,
      ],
    ]);
    expect(said('CST')[0]?.[1]).toMatch(
      /reads it as America\/Chicago, UTC−6\/−5\): for US Central Time write America\/Chicago; for China Standard Time, Asia\/Shanghai/,
    );
    expect(said('NST')[0]?.[1]).toMatch(/Pacific\/Auckland, UTC\+12\/\+13\): for Newfoundland/);
    // The old Java IDs: none is in the zone database (nor among its backward links), each is
    // taken by this runtime as some zone, each is refused, in any case, naming only zones it knows.
    const javaIds =
      'ACT AET AGT ART AST BET BST CAT CNT CST CTT EAT ECT IET IST JST MIT NET NST PLT PNT PRT PST SST VST';
    for (const id of javaIds.split(' ')) {
      for (const zone of [id, id.toLowerCase()]) {
        expect(reads(zone), zone).toMatch(/^[A-Z][a-z]+\//);
        expect(isTimeZone(zone), zone).toBe(false);
        const [problem, ...more] = diagnosticsOf('cron: "0 9 * * *"', `timezone: ${zone}`);
        expect(more, zone).toEqual([]);
        expect(problem?.severity, zone).toBe('error');
        expect(problem?.message, zone).toMatch(
          new RegExp(
            `^\`${zone}\` is not an IANA time zone \\(this runtime reads it as ${reads(zone)}, UTC[+−]\\d`,
          ),
        );
        const named = problem?.message.match(/[A-Z][a-z]+\/[A-Za-z_/]+/g) ?? [];
        expect(named.length, zone).toBeGreaterThan(1);
        for (const place of named) expect(isTimeZone(place), `${zone}: ${place}`).toBe(true);
      }
    }
    // The zone database's own legacy names and links stay as they were.
    expect(said('EST')).toEqual([['warning', expect.stringMatching(/^`EST` is a fixed UTC−5/)]]);
    for (const zone of ['MST', 'HST'])
      expect(said(zone).map(([severity]) => severity)).toEqual(['warning']);
    for (const zone of ['GMT', 'UTC', 'Zulu', 'US/Eastern', 'Asia/Calcutta', 'Asia/Kolkata'])
      expect(said(zone), zone).toEqual([]);
  });

  it('refuses the SystemV zones IANA removed, naming the place; a fixed one says it keeps no daylight saving', () => {
    const said = (zone: string) =>
      diagnosticsOf('cron: "0 9 * * *"', `timezone: ${zone}`).map((d) => [d.severity, d.message]);
    expect(said('SystemV/PST8PDT')).toEqual([
      [
        'error',
        '`SystemV/PST8PDT` is not an IANA time zone (this runtime reads it as UTC−8/−7): the IANA database removed the SystemV zones in 2020; for Los Angeles write America/Los_Angeles',
      ],
    ]);
    expect(said('SystemV/PST8')).toEqual([
      [
        'error',
        '`SystemV/PST8` is not an IANA time zone (this runtime reads it as UTC−8): the IANA database removed the SystemV zones in 2020, and this one keeps no daylight saving (UTC−8 all year); for Los Angeles, which keeps daylight saving, write America/Los_Angeles; if a fixed UTC−8 offset is really meant, Etc/GMT+8',
      ],
    ]);
    expect(said('SystemV/MST7')[0]?.[1]).toMatch(/for Arizona write America\/Phoenix; /);
    // Every one this runtime takes, in any case: refused, naming only zones it knows.
    const systemV =
      'AST4 AST4ADT CST6 CST6CDT EST5 EST5EDT HST10 MST7 MST7MDT PST8 PST8PDT YST9 YST9YDT';
    for (const name of systemV.split(' ')) {
      for (const zone of [`SystemV/${name}`, `systemv/${name.toLowerCase()}`]) {
        expect(isTimeZone(zone), zone).toBe(false);
        const [problem, ...more] = diagnosticsOf('cron: "0 9 * * *"', `timezone: ${zone}`);
        expect(more, zone).toEqual([]);
        expect(problem?.severity, zone).toBe('error');
        expect(problem?.message, zone).toMatch(
          new RegExp(`^\`${zone}\` is not an IANA time zone \\(this runtime reads it as UTC−\\d`),
        );
        const named = problem?.message.match(/Etc\/GMT\+\d+|[A-Z][a-z]+\/[A-Za-z_/]+/g) ?? [];
        expect(named.length, zone).toBeGreaterThan(0);
        for (const place of named) expect(isTimeZone(place), `${zone}: ${place}`).toBe(true);
      }
    }
    // US/Pacific-New, removed too, follows Los Angeles: a warning, as the POSIX-style names are.
    expect(said('US/Pacific-New')).toEqual([
      [
        'warning',
        '`US/Pacific-New` is no longer an IANA time zone: it follows America/Los_Angeles (it was made for a daylight-saving law never enacted), but the IANA database removed it in 2020; write America/Los_Angeles',
      ],
    ]);
  });

  it('refuses such an ID in defaults where it was written', () => {
    const result = validate({
      'callops.yaml': yaml('defaults:', '  schedule:', '    timezone: ECT'),
      [A]: oneCall('one', 'schedule: { cron: "0 9 * * *" }'),
    });
    expect(result.diagnostics).toEqual([
      error(
        'callops.yaml',
        3,
        15,
        '/defaults/schedule/timezone',
        "`ECT` is not an IANA time zone (this runtime reads it as Europe/Paris, UTC+1/+2): for Central European Time write the place's own zone, e.g. Europe/Paris or Europe/Berlin; for Ecuador, America/Guayaquil",
      ),
    ]);
  });

  it('explains what is expected when nothing is close', () => {
    expect(diagnosticsOf('cron: "0 9 * * *"', 'timezone: "+01:00"')).toEqual([
      error(
        A,
        8,
        17,
        '/calls/0/schedule/timezone',
        'unknown time zone `+01:00` (use an IANA name such as Europe/Berlin, or UTC)',
      ),
    ]);
  });

  it('knows a zone exactly when Intl.DateTimeFormat takes it and IANA has it (canonical names by a faster list)', () => {
    const byIntl = (zone: string): boolean => {
      if (zone.trim() === '' || /^[+-]/.test(zone)) return false;
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    };
    const canonical = Intl.supportedValuesOf('timeZone');
    expect(canonical.length).toBeGreaterThan(300);
    const others = ['UTC', 'utc', 'Etc/GMT+5', 'US/Eastern', 'Asia/Calcutta', 'europe/berlin'];
    const wrong = ['Europe/Berln', 'Mars/Olympus', '+01:00', '', ' ', 'UTC+1', 'Europe'];
    const zones = [...canonical, ...others, ...wrong];
    expect(zones.map(isTimeZone)).toEqual(zones.map(byIntl));
    expect(zones.filter(isTimeZone)).toHaveLength(canonical.length + others.length);
    // Taken by Intl, but no IANA name: old Java IDs, in any case.
    for (const zone of ['BST', 'bst', 'Ist', 'CST', 'ECT']) {
      expect(byIntl(zone), zone).toBe(true);
      expect(isTimeZone(zone), zone).toBe(false);
    }
  });

  it('defaults to UTC', () => {
    expect(scheduleOf('cron: "0 9 * * *"')).toEqual({
      cron: '0 9 * * *',
      timezone: 'UTC',
      deadlineMs: 600_000,
    });
  });
});

describe('at', () => {
  it('needs an offset or Z unless a timezone is set', () => {
    expect(diagnosticsOf('at: "2026-12-01T09:00:00"')).toEqual([
      error(
        A,
        7,
        11,
        '/calls/0/schedule/at',
        '`at` `2026-12-01T09:00:00` has no UTC offset: add one (e.g. 2026-12-01T09:00:00-05:00 or 2026-12-01T09:00:00Z) or set `timezone`',
      ),
    ]);
    expect(diagnosticsOf('at: "2026-12-01T09:00:00Z"')).toEqual([]);
    expect(diagnosticsOf('at: "2026-12-01T09:00:00-05:00"')).toEqual([]);
    expect(diagnosticsOf('at: "2026-12-01T09:00:00"', 'timezone: America/New_York')).toEqual([]);
  });

  it('must be a date and time', () => {
    expect(diagnosticsOf('at: "next monday"')).toEqual([
      error(
        A,
        7,
        11,
        '/calls/0/schedule/at',
        '`at` `next monday` is not an ISO-8601 date and time, e.g. 2026-12-01T09:00:00Z',
      ),
    ]);
    // Hour 24 is refused as 25:00 is: luxon would read it as the next day.
    expect(diagnosticsOf('at: "2026-12-01T24:00:00Z"')).toEqual([
      error(
        A,
        7,
        11,
        '/calls/0/schedule/at',
        '`at` `2026-12-01T24:00:00Z`: 24:00:00 is not a time of day (00:00:00 to 23:59:59)',
      ),
    ]);
    expect(diagnosticsOf('at: "2026-12-01"')).toEqual([
      error(
        A,
        7,
        11,
        '/calls/0/schedule/at',
        '`at` `2026-12-01` needs a time of day, e.g. 2026-12-01T09:00:00Z',
      ),
    ]);
  });

  it('refuses an offset no zone has, 24:00 and a day not on the calendar, saying which', () => {
    const cases = [
      [
        '2026-07-01T09:00:00+24:00',
        '+24:00 is not a UTC offset (-14:00 to +14:00, minutes 00 to 59)',
      ],
      [
        '2026-07-01T09:00:00+14:60',
        '+14:60 is not a UTC offset (-14:00 to +14:00, minutes 00 to 59)',
      ],
      [
        '2026-07-01T09:00:00+99:99',
        '+99:99 is not a UTC offset (-14:00 to +14:00, minutes 00 to 59)',
      ],
      ['2026-07-01T24:00:00Z', '24:00:00 is not a time of day (00:00:00 to 23:59:59)'],
      ['2027-02-29T09:00:00Z', '2027-02-29 does not exist: February 2027 has 28 days'],
    ] as const;
    for (const [text, why] of cases) {
      expect(diagnosticsOf(`at: "${text}"`), text).toEqual([
        error(A, 7, 11, '/calls/0/schedule/at', `\`at\` \`${text}\`: ${why}`),
      ]);
    }
    expect(diagnosticsOf('at: "2026-07-01T09:00:00+14:00"')).toEqual([]);
  });

  it("warns of an offset that is not its timezone's on that day, with the local time it becomes", () => {
    expect(diagnosticsOf('at: "2027-07-01T09:00:00-05:00"', 'timezone: America/New_York')).toEqual([
      warning(
        A,
        7,
        11,
        '/calls/0/schedule/at',
        "`at` `2027-07-01T09:00:00-05:00`: its offset -05:00 is not America/New_York's on 2027-07-01 (-04:00), so it is placed at 10:00 America/New_York time; drop the offset for 09:00 there",
      ),
    ]);
    // The local date is said when it is another day than the one written.
    expect(
      diagnosticsOf('at: "2027-07-01T23:30:00-07:00"', 'timezone: Europe/Berlin')[0]?.message,
    ).toContain('so it is placed at 2027-07-02 08:30 Europe/Berlin time');
    // The zone's own offset that day (winter, summer), and Z, which names a UTC instant.
    expect(diagnosticsOf('at: "2027-01-15T09:00:00-05:00"', 'timezone: America/New_York')).toEqual(
      [],
    );
    expect(diagnosticsOf('at: "2027-07-01T09:00:00-04:00"', 'timezone: America/New_York')).toEqual(
      [],
    );
    expect(diagnosticsOf('at: "2027-07-01T09:00:00Z"', 'timezone: America/New_York')).toEqual([]);
    // No zone written: the offset is the only one said.
    expect(diagnosticsOf('at: "2027-07-01T09:00:00-05:00"')).toEqual([]);
    // A time the clocks skip there that day: dropping the offset would not give it.
    expect(
      diagnosticsOf('at: "2027-03-28T01:30:00+00:00"', 'timezone: Europe/London')[0]?.message,
    ).toBe(
      "`at` `2027-03-28T01:30:00+00:00`: its offset +00:00 is not Europe/London's on 2027-03-28 (+01:00), so it is placed at 02:30 Europe/London time; 01:30 does not exist there that day (the clocks skip it)",
    );
  });

  it('warns about a wall time the clocks skip', () => {
    expect(diagnosticsOf('at: "2026-03-08T02:30:00"', 'timezone: America/New_York')).toEqual([
      warning(
        A,
        7,
        11,
        '/calls/0/schedule/at',
        '`at` `2026-03-08T02:30:00` does not exist in America/New_York (the clocks skip it); it is placed at 03:00',
      ),
    ]);
    // Placed at 03:00 when its window is open then; missed, as plan and apply miss it, when
    // the window is closed as the clocks land.
    const inGap = (window: string) =>
      diagnosticsOf(
        'at: "2026-03-08T02:30:00"',
        'timezone: America/New_York',
        `window: "${window}"`,
      ).map((d) => d.message);
    expect(inGap('01:00-04:00')).toEqual([
      '`at` `2026-03-08T02:30:00` does not exist in America/New_York (the clocks skip it); it is placed at 03:00',
    ]);
    expect(inGap('01:00-02:45')).toEqual([
      '`at` `2026-03-08T02:30:00` does not exist in America/New_York (the clocks jump from 02:00 to 03:00), and its window 01:00-02:45 is closed when they land: it is missed, never placed',
    ]);
    // Its time outside its window: no slot, never placed (never "placed at 03:00").
    expect(inGap('04:00-05:00')).toEqual([
      '`at` `2026-03-08T02:30:00` does not exist in America/New_York (the clocks skip it), and the time it names lies outside its window 04:00-05:00: it is never placed',
    ]);
  });

  it('warns about a wall time the clocks show twice: which one is taken, how to pick', () => {
    expect(diagnosticsOf('at: "2027-10-31T01:30:00"', 'timezone: Europe/London')).toEqual([
      warning(
        A,
        7,
        11,
        '/calls/0/schedule/at',
        '`at` `2027-10-31T01:30:00` occurs twice in Europe/London (the clocks go back); it is placed at the first, 2027-10-31T00:30:00Z (01:30 GMT+1); write an offset to choose: `2027-10-31T01:30:00+01:00` for the first, `2027-10-31T01:30:00+00:00` for the second',
      ),
    ]);
    // Written with its offset, either one is what it says: no warning.
    expect(diagnosticsOf('at: "2027-10-31T01:30:00+00:00"', 'timezone: Europe/London')).toEqual([]);
    expect(diagnosticsOf('at: "2027-10-31T02:30:00"', 'timezone: Europe/London')).toEqual([]);
  });

  it('with cron is one too many, also when one of them comes from defaults', () => {
    const text = yaml(
      'defaults:',
      '  schedule: { cron: "0 9 * * *" }',
      ...oneCall('x', 'schedule:', '  at: "2026-12-01T09:00:00Z"').trimEnd().split('\n'),
    );
    // At the call's `at`, saying where the `cron` it cannot drop is written.
    expect(validate({ [A]: text }).diagnostics).toEqual([
      error(
        A,
        9,
        11,
        '/calls/0/schedule/at',
        "schedule has both `cron` and `at`; keep one: this `at` is under a `cron` from this file's defaults (calls/a.yaml:2:21), which a call cannot drop — write a `cron` in place of the `at`, or take the `cron` out of those defaults",
      ),
    ]);
    // Both in one place: the schema's error there, once.
    const both = yaml(
      'defaults:',
      '  schedule: { cron: "0 9 * * *", at: "2026-12-01T09:00:00Z" }',
      ...oneCall('x').trimEnd().split('\n'),
    );
    expect(validate({ [A]: both }).diagnostics.map((d) => [d.path, d.message])).toEqual([
      ['/defaults/schedule', 'must not have both `cron` and `at`'],
    ]);
  });

  it("an `at` of the file's defaults under a `cron` of callops.yaml's: once, at the `at`", () => {
    const result = validate({
      'callops.yaml': yaml('defaults:', '  schedule:', '    cron: "0 9 * * *"'),
      [A]: yaml(
        'defaults:',
        '  schedule: { at: "2026-12-01T09:00:00Z" }',
        ...oneCall('one').trimEnd().split('\n'),
        ...oneCall('two').trimEnd().split('\n').slice(1),
      ),
    });
    expect(result.diagnostics).toEqual([
      error(
        A,
        2,
        19,
        '/defaults/schedule/at',
        'schedule has both `cron` and `at`; keep one: this `at` is under a `cron` from the defaults of callops.yaml (callops.yaml:3:11), which a call cannot drop — write a `cron` in place of the `at`, or take the `cron` out of those defaults',
      ),
    ]);
  });
});

describe('start and end', () => {
  it('accept dates and date-times, start before end', () => {
    expect(
      diagnosticsOf('cron: "0 9 * * *"', 'start: "2026-01-01"', 'end: "2026-06-30T18:00:00+02:00"'),
    ).toEqual([]);
    expect(scheduleOf('cron: "0 9 * * *"', 'start: "2026-01-01"')).toMatchObject({
      start: '2026-01-01',
    });
  });

  it('must parse', () => {
    expect(diagnosticsOf('cron: "0 9 * * *"', 'start: "2026-02-30"')).toEqual([
      error(
        A,
        8,
        14,
        '/calls/0/schedule/start',
        '`start` `2026-02-30`: 2026-02-30 does not exist: February 2026 has 28 days',
      ),
    ]);
    expect(diagnosticsOf('cron: "0 9 * * *"', 'end: "2026-12-31T24:00:00"')).toEqual([
      error(
        A,
        8,
        12,
        '/calls/0/schedule/end',
        '`end` `2026-12-31T24:00:00`: 24:00:00 is not a time of day (00:00:00 to 23:59:59)',
      ),
    ]);
    expect(diagnosticsOf('cron: "0 9 * * *"', 'start: "2026-01-01T00:00:00+24:00"')).toEqual([
      error(
        A,
        8,
        14,
        '/calls/0/schedule/start',
        '`start` `2026-01-01T00:00:00+24:00`: +24:00 is not a UTC offset (-14:00 to +14:00, minutes 00 to 59)',
      ),
    ]);
    expect(diagnosticsOf('cron: "0 9 * * *"', 'start: "next monday"')).toEqual([
      error(
        A,
        8,
        14,
        '/calls/0/schedule/start',
        '`start` `next monday` is not a date (2026-01-31) or an ISO-8601 date-time',
      ),
    ]);
  });

  it('a one-day range (start and end on the same date) is valid: end includes its day', () => {
    expect(diagnosticsOf('cron: "0 9 * * *"', 'start: "2026-06-01"', 'end: "2026-06-01"')).toEqual(
      [],
    );
  });

  it('end must not come before start, compared in the schedule time zone', () => {
    expect(diagnosticsOf('cron: "0 9 * * *"', 'start: "2026-06-01"', 'end: "2026-05-31"')).toEqual([
      error(
        A,
        9,
        12,
        '/calls/0/schedule/end',
        '`end` (2026-05-31) must not be before `start` (2026-06-01)',
      ),
    ]);
    // 2026-06-01 in Tokyo begins at 2026-05-31T15:00Z.
    const tokyo = ['cron: "0 9 * * *"', 'timezone: Asia/Tokyo', 'start: "2026-06-01"'];
    expect(diagnosticsOf(...tokyo, 'end: "2026-05-31T16:00:00Z"')).toEqual([]);
    expect(diagnosticsOf(...tokyo, 'end: "2026-05-31T14:00:00Z"')).toEqual([
      error(
        A,
        10,
        12,
        '/calls/0/schedule/end',
        '`end` (2026-05-31T14:00:00Z) must not be before `start` (2026-06-01)',
      ),
    ]);
  });
});

describe('window', () => {
  it('is HH:MM-HH:MM and may wrap past midnight', () => {
    expect(diagnosticsOf('cron: "0 * * * *"', 'window: "08:00-21:00"')).toEqual([]);
    expect(diagnosticsOf('cron: "0 * * * *"', 'window: "21:00-06:00"')).toEqual([]);
    expect(diagnosticsOf('cron: "0 * * * *"', 'window: "8am-9pm"')).toEqual([
      error(
        A,
        8,
        15,
        '/calls/0/schedule/window',
        'window `8am-9pm` must be HH:MM-HH:MM in 24-hour time, e.g. 08:00-21:00',
      ),
    ]);
  });

  it('cannot be empty', () => {
    expect(diagnosticsOf('cron: "0 * * * *"', 'window: "09:00-09:00"')).toEqual([
      error(
        A,
        8,
        15,
        '/calls/0/schedule/window',
        'window `09:00-09:00` is empty: it starts and ends at the same time',
      ),
    ]);
  });
});

describe('deadline', () => {
  it('is a duration, default 10 minutes', () => {
    expect(scheduleOf('cron: "0 9 * * *"', 'deadline: 90s')?.deadlineMs).toBe(90_000);
    expect(scheduleOf('cron: "0 9 * * *"')?.deadlineMs).toBe(600_000);
    expect(diagnosticsOf('cron: "0 9 * * *"', 'deadline: 10 minutes')).toEqual([
      error(
        A,
        8,
        17,
        '/calls/0/schedule/deadline',
        'deadline `10 minutes` is not a duration; write e.g. 30s, 10m or 1h',
      ),
    ]);
    expect(diagnosticsOf('cron: "0 9 * * *"', 'deadline: 0s')).toEqual([
      error(A, 8, 17, '/calls/0/schedule/deadline', 'deadline must be longer than 0'),
    ]);
  });
});

describe('references in a schedule', () => {
  it('are refused, and the value is not judged further', () => {
    expect(diagnosticsOf('cron: "${CRON}"', 'timezone: "${TZ}"')).toEqual([
      error(
        A,
        7,
        13,
        '/calls/0/schedule/cron',
        '`cron` cannot use a reference (`${…}`): schedules are checked before the environment is read',
      ),
      error(
        A,
        8,
        17,
        '/calls/0/schedule/timezone',
        '`timezone` cannot use a reference (`${…}`): schedules are checked before the environment is read',
      ),
    ]);
  });
});

describe('schedules from defaults', () => {
  it('merges into every call as if written there: a call without cron or at is an error at the call', () => {
    const result = validate({
      'callops.yaml': yaml(
        'defaults:',
        '  schedule:',
        '    timezone: Europe/Paris',
        '    window: "08:00-20:00"',
      ),
      [A]: `${oneCall('plain')}---\n${oneCall('daily', 'schedule: { cron: "0 9 * * *" }')}---\n${oneCall('once', 'schedule: { at: "2026-12-01T09:00:00" }')}`,
    });
    // Never placed at once, outside the window written in defaults: refused where it is named.
    expect(result.diagnostics).toEqual([
      error(
        A,
        2,
        11,
        '/calls/0/name',
        "call `plain` takes a `schedule` with `window` from the defaults of callops.yaml (callops.yaml:2:3), but neither `cron` (recurring) nor `at` (once): a call without `recipients` is placed by its `cron` or `at`, so give it one (only a campaign's rows keep to a window or dates alone)",
      ),
    ]);
    expect(result.calls.map((c) => [c.name, c.schedule])).toEqual([
      ['plain', { timezone: 'Europe/Paris', window: '08:00-20:00', deadlineMs: 600_000 }],
      [
        'daily',
        { cron: '0 9 * * *', timezone: 'Europe/Paris', window: '08:00-20:00', deadlineMs: 600_000 },
      ],
      [
        'once',
        {
          at: '2026-12-01T09:00:00',
          timezone: 'Europe/Paris',
          window: '08:00-20:00',
          deadlineMs: 600_000,
        },
      ],
    ]);
  });

  it("a file's defaults: each call without cron or at is named, the defaults' schedule located", () => {
    const result = validate({
      [A]: yaml(
        'defaults:',
        '  schedule: { start: "2026-01-01", end: "2026-01-31" }',
        ...oneCall('one').trimEnd().split('\n'),
        ...oneCall('two').trimEnd().split('\n').slice(1),
      ),
    });
    expect(result.diagnostics.map((d) => [d.line, d.column, d.path, d.message])).toEqual(
      ['one', 'two'].map((name, i) => [
        4 + 4 * i,
        11,
        `/calls/${i}/name`,
        `call \`${name}\` takes a \`schedule\` with \`start\` and \`end\` from this file's defaults (calls/a.yaml:2:3), but neither \`cron\` (recurring) nor \`at\` (once): a call without \`recipients\` is placed by its \`cron\` or \`at\`, so give it one (only a campaign's rows keep to a window or dates alone)`,
      ]),
    );
  });

  it('only a zone, deadline or catchup in defaults is for the calls with cron or at', () => {
    const result = validate({
      'callops.yaml': yaml('defaults:', '  schedule: { timezone: Europe/Paris, deadline: 5m }'),
      [A]: yaml(
        'defaults:',
        '  schedule: { catchup: all }',
        ...`${oneCall('now')}${oneCall('daily', 'schedule: { cron: "0 9 * * *" }').slice('calls:\n'.length)}`
          .trimEnd()
          .split('\n'),
      ),
    });
    expect(result.diagnostics).toEqual([]);
    expect(result.calls.map((c) => [c.name, c.schedule])).toEqual([
      ['now', undefined],
      [
        'daily',
        { cron: '0 9 * * *', timezone: 'Europe/Paris', deadlineMs: 300_000, catchup: 'all' },
      ],
    ]);
  });

  it('a bad value in defaults is reported once, where it was written', () => {
    const result = validate({
      'callops.yaml': yaml('defaults:', '  schedule:', '    timezone: Europe/Pariss'),
      [A]: `${oneCall('one', 'schedule: { cron: "0 9 * * *" }')}---\n${oneCall('two', 'schedule: { cron: "0 9 * * *" }')}`,
    });
    expect(result.diagnostics).toEqual([
      error(
        'callops.yaml',
        3,
        15,
        '/defaults/schedule/timezone',
        'unknown time zone `Europe/Pariss` — did you mean `Europe/Paris`?',
        ['Europe/Paris'],
      ),
    ]);
  });
});
