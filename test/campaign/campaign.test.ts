// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${row.X} references
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cellPositions, readCsv } from '../../src/config/csv.js';
import { parseSource } from '../../src/config/index.js';
import type { LoadedProject } from '../../src/config/load.js';
import { readRecipients, recipientsPath } from '../../src/config/recipients.js';
import { buildPlan } from '../../src/plan/build.js';
import { checkReplace } from '../../src/plan/replace.js';
import { wakeTimes } from '../../src/plan/wake.js';
import type { Diagnostic } from '../../src/validate/diagnostic.js';
import { validateProject } from '../../src/validate/index.js';

const CSV = 'lists/people.csv';
const APP = '5b0a8c62-6a43-4a0e-9d4b-1c2f3e4d5a6b';

const callFile = (extra: readonly string[] = [], to = '"${row.phone}"') =>
  [
    'calls:',
    '  - name: remind',
    '    recipients: ../lists/people.csv',
    `    application_sid: ${APP}`,
    '    from: "+15550001111"',
    `    to: { type: phone, number: ${to} }`,
    ...extra.map((l) => `    ${l}`),
    '',
  ].join('\n');

/** Validates a project of one campaign call file and one CSV, in memory. */
const project = (csv: string, extra: readonly string[] = [], to?: string) => {
  const source = parseSource('calls/remind.yaml', callFile(extra, to)).source;
  const loaded: LoadedProject = {
    root: '/nowhere',
    callFiles: [source],
    diagnostics: [],
    recipients: new Map([[CSV, { text: csv }]]),
  };
  return validateProject(loaded);
};

const errors = (csv: string, extra: readonly string[] = []) =>
  project(csv, extra)
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d: Diagnostic) => `${d.file}:${d.line}:${d.column}: ${d.message}`);

const rowsOf = (csv: string, extra: readonly string[] = []) =>
  project(csv, extra).calls.filter((c) => c.campaign !== undefined);

/** A cell of the property tests below: plain or awkward text, quoted or not (`encode`). */
const cell = fc.oneof(
  fc.constantFrom('', 'a', '+15550000001', '+1555x', 'x y', 'Zürich', '😀'),
  fc.string({ unit: fc.constantFrom('a', '1', '+', ',', '"', '\n', ' ', 'é'), maxLength: 6 }),
);
const encode = (value: string, quote: boolean) =>
  quote ? `"${value.replaceAll('"', '""')}"` : value;
/** A row of 2 to 4 such cells, after up to 2 blank lines. */
const row = fc.record({
  cells: fc.array(fc.tuple(cell, fc.boolean()), { minLength: 2, maxLength: 4 }),
  blank: fc.nat({ max: 2 }),
});

describe('reading a recipients CSV', () => {
  it('hands over each data row with the line it starts on, a BOM and CRLF read as plain text', () => {
    const seen: [readonly string[], number, number][] = [];
    const read = readCsv('f.csv', '\ufeffid,phone\r\na,+1\r\n\r\n"b\nc",+2\r\n', (cells, site) =>
      seen.push([cells, site.line, site.index]),
    );
    expect(read.diagnostics).toEqual([]);
    expect(read.header).toEqual(['id', 'phone']);
    expect(seen).toEqual([
      [['a', '+1'], 2, 1],
      [['b\nc', '+2'], 4, 2],
    ]);
  });

  it('locates each cell, quotes and newlines inside a cell understood', () => {
    expect(cellPositions('a,"x,y",c', 3)).toEqual([
      { line: 3, column: 1 },
      { line: 3, column: 3 },
      { line: 3, column: 9 },
    ]);
    expect(cellPositions('"a\nbc",d', 7)).toEqual([
      { line: 7, column: 1 },
      { line: 8, column: 5 },
    ]);
  });

  it('an empty file, a header without rows, a broken quote', () => {
    expect(errors('')).toEqual([
      'lists/people.csv:1:1: the file is empty: a recipients CSV needs a header row naming its columns, then one row per recipient',
    ]);
    expect(errors('id,phone\n')).toEqual([]);
    expect(rowsOf('id,phone\n')).toHaveLength(0);
    expect(errors('id,phone\n1,"+1555\n')).toEqual([
      // At the quote that opens the cell never closed.
      'lists/people.csv:2:3: not a readable CSV: this quote opens a cell that is never closed',
    ]);
    // Past the first 64 KiB piece, with the quoted cell across the pieces' seam.
    const many = Array.from({ length: 4000 }, (_, i) => `${i},+1555${String(1000000 + i)}`);
    const far = `id,phone\n${many.join('\n')}\nx,"${'q'.repeat(70_000)}"z\n`;
    expect(errors(far)).toEqual([
      `lists/people.csv:4002:70005: not a readable CSV: a closing quote must be followed by a comma or the end of the line, got "z" (inside a quoted cell, write a quote as "")`,
    ]);
  });

  it('a header that repeats or leaves out a name, every problem at its cell', () => {
    expect(errors('id,phone,phone,\n1,+15550000001,x,y\n')).toEqual([
      'lists/people.csv:1:10: column `phone` appears twice in the header (first as column 2)',
      'lists/people.csv:1:16: column 4 of the header has no name',
    ]);
  });

  it('a file without a header: its first line looks like data, said at the reference', () => {
    expect(errors('1,+15550000001\n2,+15550000002\n')).toEqual([
      'calls/remind.yaml:6:32: `${row.phone}`: the recipients CSV has no column `phone` (its columns: `1`, `+15550000001`) — its first line looks like data: the first line of a recipients CSV must name the columns',
    ]);
  });

  it('a tab-separated file is named as such', () => {
    expect(errors('id\tphone\n1\t+15550000001\n')).toContain(
      'lists/people.csv:1:1: the header has one column holding tabs: callops reads comma-separated files (save it as CSV, not tab-separated)',
    );
  });

  it('ragged rows, duplicate ids, bad numbers and empty cells: all at once, each at its cell', () => {
    const csv = [
      'id,phone,name',
      'a,+15550000001,Ann',
      'b,+15550000002',
      'c,+15550000003,Cy,extra',
      'a,+15550000004,Al',
      'd,not-a-number,Di',
      'e,,Ed',
      'f g,+15550000006,Fa',
      '',
    ].join('\n');
    expect(errors(csv, ['tag: { who: "${row.name}" }'])).toEqual([
      'lists/people.csv:3:15: row has 2 cells, the header 3 (id, phone, name)',
      'lists/people.csv:4:19: row has 4 cells, the header 3 (id, phone, name)',
      'lists/people.csv:5:1: id `a` is used twice (first on line 2)',
      'lists/people.csv:6:3: `to.number` (`${row.phone}`) is `not-a-number` here, and it must be a phone number: an optional + and 3–15 digits',
      'lists/people.csv:7:3: `phone` is empty, and the call uses it (`${row.phone}`)',
      'lists/people.csv:8:1: id `f g` must be letters, digits, `.`, `_` or `-`',
    ]);
    // Good rows are still read (and never placed: the run stops on errors).
    expect(rowsOf(csv, ['tag: { who: "${row.name}" }']).map((r) => r.name)).toEqual(['remind/a']);
  });

  it("an empty cell or a bad id hides none of the row's other problems; the empty cell is said once", () => {
    const csv = [
      'id,phone,name,timezone',
      'a,not-a-number,,UTC',
      'b,,Bo,Mars/Base',
      'c,+15550000003,Cy,',
      'c,hello,,Nowhere',
      'd e,hello,Di,UTC',
      ',hello,Ed,UTC',
      'f,+15550000008,Fa,UTC',
      '',
    ].join('\n');
    const extra = ['tag: { who: "${row.name}" }', 'schedule: { window: "08:00-21:00" }'];
    const phone = 'must be a phone number: an optional + and 3–15 digits';
    const zone = '(use an IANA name such as America/New_York)';
    expect(errors(csv, extra)).toEqual([
      `lists/people.csv:2:3: \`to.number\` (\`\${row.phone}\`) is \`not-a-number\` here, and it ${phone}`,
      'lists/people.csv:2:16: `name` is empty, and the call uses it (`${row.name}`)',
      // An empty cell gets no word of the schema on top.
      'lists/people.csv:3:3: `phone` is empty, and the call uses it (`${row.phone}`)',
      `lists/people.csv:3:7: unknown time zone \`Mars/Base\` ${zone}`,
      // Nor an empty zone a word on the zone; said as the row's zone, which no `${row.X}` names.
      "lists/people.csv:4:19: `timezone` is empty: the column gives each row's time zone, and the campaign's `window` is read in it",
      'lists/people.csv:5:1: id `c` is used twice (first on line 4)',
      `lists/people.csv:5:3: \`to.number\` (\`\${row.phone}\`) is \`hello\` here, and it ${phone}`,
      'lists/people.csv:5:9: `name` is empty, and the call uses it (`${row.name}`)',
      `lists/people.csv:5:10: unknown time zone \`Nowhere\` ${zone}`,
      'lists/people.csv:6:1: id `d e` must be letters, digits, `.`, `_` or `-`',
      `lists/people.csv:6:5: \`to.number\` (\`\${row.phone}\`) is \`hello\` here, and it ${phone}`,
      'lists/people.csv:7:1: the row has no `id`',
      `lists/people.csv:7:2: \`to.number\` (\`\${row.phone}\`) is \`hello\` here, and it ${phone}`,
    ]);
    // Each of those rows is still refused.
    expect(rowsOf(csv, extra).map((r) => r.name)).toEqual(['remind/f']);
    // A missing id the call uses is said once, as a missing id.
    expect(errors('id,phone\n,+15550000001\n', ['headers: { X-Row: "${row.id}" }'])).toEqual([
      'lists/people.csv:2:1: the row has no `id`',
    ]);
    // A row too large is said so beside its empty cell (measured without a blank cell).
    const long = 'n'.repeat(120_000);
    const large = [
      'id,phone,note,extra',
      `a,+15550001111,${long},`,
      `b,+15550001112,x,${' '.repeat(120_000)}`,
      '',
    ];
    expect(
      errors(large.join('\n'), ['tag: { note: "${row.note}", extra: "${row.extra}" }']),
    ).toEqual([
      "lists/people.csv:2:16: this row's request body is 117.4 KiB as JSON, most of it `${row.note}` (120,000 characters); a gateway accepts up to 100 KiB (jambonz answers 413 past it)",
      'lists/people.csv:2:120017: `extra` is empty, and the call uses it (`${row.extra}`)',
      'lists/people.csv:3:18: `extra` is empty, and the call uses it (`${row.extra}`)',
    ]);
  });

  it('a cell holding a character that does not print in from or a destination is an error at the cell', () => {
    const text = [
      'calls:',
      '  - name: remind',
      '    recipients: ../lists/people.csv',
      `    application_sid: ${APP}`,
      '    from: "${row.from}"',
      '    to: { type: sip, sipUri: "sip:${row.user}@example.com", auth: { username: u, password: "${row.pw}" } }',
      '    tag: { who: "${row.user}" }',
      '',
    ].join('\n');
    const csv = [
      'id,from,user,pw',
      'a,"+1555\n0001111",ann,p',
      'b,+15550001111,bob\u001b[2J,p',
      'c,+15550001111,cy\u202e,p',
      'd,+1555000\u00001111,di,p',
      'e,+15550001111,ed,p\u0000w',
      '',
    ].join('\n');
    const found = validateProject({
      root: '/nowhere',
      callFiles: [parseSource('calls/remind.yaml', text).source],
      diagnostics: [],
      recipients: new Map([[CSV, { text: csv }]]),
    });
    const why = 'a character that does not print: it would be sent and dialled as written';
    expect(found.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`)).toEqual([
      `lists/people.csv:2:3: \`from\` (\`\${row.from}\`) holds \\n here, ${why}`,
      `lists/people.csv:4:16: \`to.sipUri\` (\`sip:\${row.user}@example.com\`) holds \\u001b here, ${why}`,
      `lists/people.csv:5:16: \`to.sipUri\` (\`sip:\${row.user}@example.com\`) holds \\u202e here, ${why}`,
      `lists/people.csv:6:3: \`from\` (\`\${row.from}\`) holds \\u0000 here, ${why}`,
    ]);
    // Only the row whose character is in a secret is kept.
    expect(found.calls.filter((c) => c.campaign !== undefined).map((c) => c.name)).toEqual([
      'remind/e',
    ]);
  });

  it('a cell holding a line break in callerName or fromHost, or white space in fromHost, is an error at the cell', () => {
    const text = [
      'calls:',
      '  - name: remind',
      '    recipients: ../lists/people.csv',
      `    application_sid: ${APP}`,
      '    from: "+15550001111"',
      '    to: { type: user, name: "${row.id}" }',
      '    callerName: "${row.clinic}"',
      '    fromHost: "${row.host}"',
      '    headers: { X-Agent: "${row.agent}" }',
      '',
    ].join('\n');
    const csv = [
      'id,clinic,host,agent',
      'a,"Clinic\r\nP-Asserted-Identity: <sip:evil@x>",sip.example.com,x',
      'b,Clinic,sip.example.com\u200b,x',
      'c,Clinic,sip.example .com,x',
      'd,"عيادة\u200f 123",sip.example.com,👩\u200d⚕️ Nurse line',
      '',
    ].join('\n');
    const found = validateProject({
      root: '/nowhere',
      callFiles: [parseSource('calls/remind.yaml', text).source],
      diagnostics: [],
      recipients: new Map([[CSV, { text: csv }]]),
    });
    const host =
      'which a host name does not hold (white space, or a character that does not print): it would be sent in the From header as written';
    expect(found.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`)).toEqual([
      'lists/people.csv:2:3: `callerName` (`${row.clinic}`) holds \\r here, a line break or control character: it would be sent in the From header as written (a line break there starts a header of its own)',
      `lists/people.csv:4:10: \`fromHost\` (\`\${row.host}\`) holds \\u200b here, ${host}`,
      `lists/people.csv:5:10: \`fromHost\` (\`\${row.host}\`) holds \\u0020 here, ${host}`,
    ]);
    expect(found.calls.filter((c) => c.campaign !== undefined).map((c) => c.name)).toEqual([
      'remind/d',
    ]);
  });

  it('a cell putting a $NAME into from or application_sid is an error at the cell, as one written there is; elsewhere it is sent', () => {
    const text = [
      'calls:',
      '  - name: remind',
      '    recipients: ../lists/people.csv',
      '    application_sid: "${row.app}"',
      '    from: "${row.pre}${row.from}"',
      '    to: { type: sip, sipUri: "sip:${row.user}@example.com" }',
      '    tag: { note: "${row.note}" }',
      '',
    ].join('\n');
    const csv = [
      'id,app,pre,from,user,note',
      `a,${APP},+1,$FROM,ann,x`,
      'b,$APP_SID,+1,5550001111,bob,x',
      'c,app-1,$,FROM,cy,x',
      `d,${APP},+1,$5550001111,$di,costs $USD`,
      `e,${APP},+1,$$FROM,ed,x`,
      '',
    ].join('\n');
    const found = validateProject({
      root: '/nowhere',
      callFiles: [parseSource('calls/remind.yaml', text).source],
      diagnostics: [],
      recipients: new Map([[CSV, { text: csv }]]),
    });
    const why = 'it is sent as written, as no reference is read inside a cell';
    const from = `\`from\` (\`\${row.pre}\${row.from}\`)`;
    expect(found.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`)).toEqual([
      `lists/people.csv:2:${`a,${APP},+1,`.length + 1}: ${from} holds \`$FROM\` here: ${why} (no calling number holds a \`$\`)`,
      `lists/people.csv:3:3: \`application_sid\` (\`\${row.app}\`) holds \`$APP_SID\` here: ${why} (no application sid holds a \`$\`)`,
      `lists/people.csv:4:9: ${from} holds \`$FROM\` here: ${why} (no calling number holds a \`$\`)`,
    ]);
    // `$5…` and `$$FROM` hold no `$NAME`; a SIP URI's or a tag's `$NAME` is the cell's own.
    expect(found.calls.filter((c) => c.campaign !== undefined).map((c) => c.name)).toEqual([
      'remind/d',
      'remind/e',
    ]);
  });

  it('a row whose cells take the request body past 100 KiB is an error at its longest cell; the rest are kept', () => {
    const long = 'n'.repeat(60_000);
    const csv = [
      'id,phone,note,extra',
      `a,+15550001111,${long},x`,
      `b,+15550001112,${long},${long}`,
      `c,+15550001113,short,${'y'.repeat(90_000)}`,
      '',
    ].join('\n');
    const extra = ['tag: { note: "${row.note}", extra: "${row.extra}" }'];
    expect(errors(csv, extra)).toEqual([
      "lists/people.csv:3:16: this row's request body is 117.4 KiB as JSON, most of it `${row.note}` (60,000 characters); a gateway accepts up to 100 KiB (jambonz answers 413 past it)",
    ]);
    expect(rowsOf(csv, extra).map((c) => c.name)).toEqual(['remind/a', 'remind/c']);
  });

  it('CRLF and lone CR line ends: each one line, wherever it is, as with LF', () => {
    const phone = (at: string) =>
      `lists/people.csv:${at}: \`to.number\` (\`\${row.phone}\`) is \`+1555x\` here, and it must be a phone number: an optional + and 3–15 digits`;
    for (const eol of ['\n', '\r\n', '\r']) {
      const csv = (...lines: string[]) => lines.join(eol);
      // A line end inside a quoted cell.
      expect(errors(csv('id,name,phone', 'a1,"A', 'B', 'C', 'D",+1555x', ''))).toEqual([
        phone('5:4'),
      ]);
      // Rows after one.
      expect(errors(csv('id,name,phone', 'a1,"Ann', 'Smith",+15550001001', 'a2,Bob', ''))).toEqual([
        'lists/people.csv:4:7: row has 2 cells, the header 3 (id, name, phone)',
      ]);
      // Empty lines before a row: its line, and its cells' columns.
      expect(errors(csv('id,name,phone', '', '', 'a1,Ann,+1555x', ''))).toEqual([phone('4:8')]);
      expect(
        errors(csv('id,name,phone', 'a1,Ann,+15550001001', '', 'a1,Bo,+15550001002', '')),
      ).toEqual(['lists/people.csv:4:1: id `a1` is used twice (first on line 2)']);
      // A row with too few cells ends on the last line of its quoted cell.
      expect(errors(csv('id,name,phone', 'a1,"Ann', 'Smith"', ''))).toEqual([
        'lists/people.csv:3:7: row has 2 cells, the header 3 (id, name, phone)',
      ]);
      // csv-parse's own errors: at the quote never closed, at what follows a closing quote.
      expect(errors(csv('id,name,phone', 'a1,"Ann', 'Smith,+15550001001', 'a2,Bob', ''))).toEqual([
        'lists/people.csv:2:4: not a readable CSV: this quote opens a cell that is never closed',
      ]);
      expect(errors(csv('id,name,phone', 'a1,"An', 'n"x,+15550001001', ''))).toEqual([
        'lists/people.csv:3:3: not a readable CSV: a closing quote must be followed by a comma or the end of the line, got "x" (inside a quoted cell, write a quote as "")',
      ]);
      expect(errors(csv('id,name,phone', '', 'a1,"A""n', 'n"x,+15550001001', ''))).toEqual([
        expect.stringMatching(/^lists\/people\.csv:4:3: not a readable CSV: .*, got "x"/),
      ]);
      expect(errors(csv('id,name,phone', '', 'a1,A"n,+15550001001', ''))).toEqual([
        'lists/people.csv:3:5: not a readable CSV: a quote inside a cell that does not start with one (quote the whole cell, and write this quote as "")',
      ]);
      expect(errors(csv('id,name,phone', 'a1,Ann,+15550001001', '', 'a2,"B""o', 'b', ''))).toEqual([
        'lists/people.csv:4:4: not a readable CSV: this quote opens a cell that is never closed',
      ]);
    }
  });

  it('an error is at the same line and column whether the file ends its lines with LF, CRLF or CR (property)', () => {
    fc.assert(
      fc.property(
        fc.array(row, { maxLength: 6 }),
        fc.boolean(),
        fc.boolean(),
        (rows, bom, lastEnd) => {
          const body = rows.map(
            (r) => '\n'.repeat(r.blank) + r.cells.map(([v, q]) => encode(v, q)).join(','),
          );
          const lf = `${bom ? '\ufeff' : ''}id,name,phone\n${body.join('\n')}${lastEnd ? '\n' : ''}`;
          const at = (text: string) =>
            project(text, ['tag: { who: "${row.name}" }']).diagnostics.map(
              (d) => `${d.line}:${d.column}`,
            );
          const read = (text: string, chunk: number) =>
            readCsv(CSV, text, () => undefined, undefined, undefined, chunk).diagnostics.map(
              (d) => `${d.line}:${d.column}`,
            );
          const expected = at(lf);
          expect(at(lf.replaceAll('\n', '\r\n'))).toEqual(expected);
          expect(at(lf.replaceAll('\n', '\r'))).toEqual(expected);
          for (const chunk of [3, 7]) {
            expect(read(lf.replaceAll('\n', '\r\n'), chunk)).toEqual(read(lf, chunk));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a file mixing LF, CRLF and CR line ends reads as with LF alone: rows, cells and errors at the same place', () => {
    // The header ends one way and the rows another: each line end counts, none in a cell.
    const clean = 'id,name,phone\na1,Ann,+15550001001\na2,Bob,+15550001002\n';
    for (const text of [
      clean.replace('\n', '\r\n'),
      clean.replace(/\n(?=a)/g, '\r\n'),
      clean.replace('\n', '\r').replace(/\n$/, '\r\n'),
    ]) {
      expect(errors(text), JSON.stringify(text)).toEqual([]);
      const seen: (readonly string[])[] = [];
      readCsv(CSV, text, (cells) => seen.push(cells));
      expect(seen).toEqual([
        ['a1', 'Ann', '+15550001001'],
        ['a2', 'Bob', '+15550001002'],
      ]);
    }
    // A blank line ending in CRLF, then one ending in LF, before a quote never closed.
    expect(errors('id,name,phone\na1,Ann,+15550001001\n\r\n\na2,"Bob,+15550001002\n')).toEqual([
      'lists/people.csv:5:4: not a readable CSV: this quote opens a cell that is never closed',
    ]);
    fc.assert(
      fc.property(
        fc.array(row, { maxLength: 6 }),
        fc.array(fc.constantFrom('\n', '\r\n', '\r'), { minLength: 1 }),
        fc.boolean(),
        (rows, ends, lastEnd) => {
          const body = rows.map(
            (r) => '\n'.repeat(r.blank) + r.cells.map(([v, q]) => encode(v, q)).join(','),
          );
          const lf = `id,name,phone\n${body.join('\n')}${lastEnd ? '\n' : ''}`;
          // Each line end one of the three (a CR then an LF of the next line would be a CRLF).
          let n = 0;
          let mixed = '';
          for (const ch of lf) {
            let end = ch === '\n' ? (ends[n++ % ends.length] as string) : ch;
            if (end === '\n' && mixed.endsWith('\r')) end = '\r';
            mixed += end;
          }
          const at = (text: string) =>
            project(text, ['tag: { who: "${row.name}" }']).diagnostics.map(
              (d) => `${d.line}:${d.column}`,
            );
          const read = (text: string, chunk?: number) => {
            const rowsRead: number[] = [];
            const found = readCsv(
              CSV,
              text,
              (cells, site) => rowsRead.push(site.line, cells.length),
              undefined,
              undefined,
              chunk,
            ).diagnostics.map((d) => `${d.line}:${d.column}`);
            return { rowsRead, found };
          };
          expect(at(mixed)).toEqual(at(lf));
          for (const chunk of [undefined, 3, 7])
            expect(read(mixed, chunk)).toEqual(read(lf, chunk));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('numbers without a leading + are one warning per campaign, at the first', () => {
    const found = project('id,phone\na,15550000001\nb,+15550000002\nc,15550000003\n');
    expect(
      found.diagnostics.map((d) => `${d.severity} ${d.line}:${d.column}: ${d.message}`),
    ).toEqual([
      'warning 2:3: 2 rows dial a number with no leading + (the first here) — the gateway may dial it as a local number',
    ]);
    expect(found.calls).toHaveLength(3);
    const one = project('id,phone\na,15550000001\n');
    expect(one.diagnostics.map((d) => d.message)).toEqual([
      '1 row dials a number with no leading + (the first here) — the gateway may dial it as a local number',
    ]);
  });

  it('a header cell that reads as `id` but is not it is a warning at the cell; rows stay keyed by position', () => {
    const warned = (csv: string) =>
      project(csv).diagnostics.map(
        (d) => `${d.severity} ${d.file}:${d.line}:${d.column}: ${d.message}`,
      );
    const words = (name: string) =>
      `column \`${name}\` is not the id column (only \`id\`, lowercase, is): the rows are keyed by their position, which a row added, removed or moved above shifts; rename the column to \`id\` to key the rows by it`;
    expect(warned('name,ID,phone\nAnn,a,+15550000001\n')).toEqual([
      `warning ${CSV}:1:6: ${words('ID')}`,
    ]);
    expect(warned('Id,phone\na,+15550000001\n')).toEqual([`warning ${CSV}:1:1: ${words('Id')}`]);
    expect(warned('phone, id\n+15550000001,a\n')).toEqual([`warning ${CSV}:1:7: ${words(' id')}`]);
    expect(warned('phone,"ID"\n+15550000001,a\n')).toEqual([`warning ${CSV}:1:7: ${words('ID')}`]);
    // Said also when rows have errors.
    expect(warned('ID,phone\na,+1555x\n')).toContain(`warning ${CSV}:1:1: ${words('ID')}`);
    // Keys stay what they were: the row's position.
    expect(rowsOf('ID,phone\nb,+15550000001\n').map((c) => c.name)).toEqual(['remind/1']);
    // An `id` column is the id column; another spelling beside it is just a column.
    expect(warned('id,ID,phone\na,x,+15550000001\n')).toEqual([]);
    expect(warned('identity,phone\na,+15550000001\n')).toEqual([]);
  });

  it('a CSV with a header and no rows is a warning at the `recipients` value', () => {
    const found = project('id,phone\n\n');
    expect(
      found.diagnostics.map((d) => `${d.severity} ${d.file}:${d.line}:${d.column}: ${d.message}`),
    ).toEqual([
      'warning calls/remind.yaml:3:17: lists/people.csv has a header and no rows: this campaign calls nobody',
    ]);
    expect(project('id,phone\na,+15550000001\n').diagnostics).toEqual([]);
  });

  it('a column the call names that the header lacks is an error at the reference, naming the columns', () => {
    expect(errors('id,phone\n1,+15550000001\n', ['tag: { who: "${row.nmae}" }'])).toEqual([
      'calls/remind.yaml:7:17: `${row.nmae}`: the recipients CSV has no column `nmae` (its columns: `id`, `phone`)',
    ]);
  });

  it('`${row.X}` in a call without recipients is an error', () => {
    const source = parseSource(
      'calls/a.yaml',
      [
        'calls:',
        '  - name: one',
        `    application_sid: ${APP}`,
        '    from: "+15550001111"',
        '    to: { type: phone, number: "${row.phone}" }',
        '',
      ].join('\n'),
    ).source;
    const found = validateProject({ root: '/x', callFiles: [source], diagnostics: [] });
    expect(found.diagnostics.map((d) => `${d.line}:${d.column}: ${d.message}`)).toContain(
      '5:33: `${row.phone}` only works in a call with `recipients` (a campaign), and this call has none',
    );
  });

  it('the path is relative to the call file (or absolute), with / or \\', () => {
    expect(recipientsPath('calls/a.yaml', '../lists/x.csv')).toBe('lists/x.csv');
    expect(recipientsPath('calls/sub/a.yaml', 'x.csv')).toBe('calls/sub/x.csv');
    expect(recipientsPath('calls/a.yaml', '..\\lists\\x.csv')).toBe('lists/x.csv');
    expect(recipientsPath('calls/a.yaml', '/data/x.csv')).toBe('/data/x.csv');
  });

  it('a file too large is refused by size, before reading', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'callops-csv-'));
    try {
      await writeFile(join(dir, 'big.csv'), `id,phone\n${'1,+15550000001\n'.repeat(100)}`);
      expect(await readRecipients(dir, 'big.csv', 1000)).toEqual({
        problem: expect.stringMatching(
          /^file is 0\.1 MiB; callops reads recipients files up to 0\.1 MiB/,
        ),
      });
      expect(await readRecipients(dir, 'missing.csv')).toEqual({ problem: 'file does not exist' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  /** Validates the campaign of `csv` written to a file in a fresh directory (then removed). */
  const fromFile = async (
    csv: string | Buffer,
    use: (validated: ReturnType<typeof validateProject>, path: string) => Promise<void> | void,
  ) => {
    const dir = await mkdtemp(join(tmpdir(), 'callops-csv-'));
    try {
      await mkdir(join(dir, 'lists'));
      const path = join(dir, CSV);
      await writeFile(path, csv);
      const source = parseSource(
        'calls/remind.yaml',
        callFile(['tag: { who: "${row.name}" }']),
      ).source;
      const loaded: LoadedProject = {
        root: dir,
        callFiles: [source],
        diagnostics: [],
        recipients: new Map([[CSV, await readRecipients(dir, CSV)]]),
      };
      await use(validateProject(loaded), path);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  it('a file is read in pieces and its rows again from it: the same cells as read from text', async () => {
    const rows = Array.from(
      { length: 3000 },
      (_, i) =>
        `r${i},${i % 5 === 0 ? `"Doe, ""J"" ${i}\r\nx"` : `Näme ${i} 😀`},+1555${String(i).padStart(7, '0')}`,
    );
    const csv = `\ufeffid,name,phone\r\n${rows.join('\r\n')}\r\n\r\n`;
    const fromText = rowsOf(csv, ['tag: { who: "${row.name}" }']);
    expect(fromText).toHaveLength(3000);
    await fromFile(csv, (validated) => {
      expect(validated.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const read = validated.calls.filter((c) => c.campaign !== undefined);
      expect(read).toHaveLength(3000);
      // Backwards too, so rows are read again from places already passed.
      for (let i = read.length - 1; i >= 0; i -= 1) {
        expect(read[i]?.options).toEqual(fromText[i]?.options);
        expect(read[i]?.name).toBe(fromText[i]?.name);
        expect(read[i]?.line).toBe(fromText[i]?.line);
        expect(read[i]?.definition).toBe(fromText[i]?.definition);
      }
    });
  });

  it('a file edited after it was read: a row asked for again is an error naming the file, never other data', async () => {
    const csv = 'id,name,phone\na,Ann,+15550000001\nb,Bob,+15550000002\n';
    // Larger than a block read at a time: its first and last rows are not read together.
    const long = `${csv}${Array.from({ length: 4000 }, (_, i) => `r${i},N,+1555${String(i).padStart(7, '0')}\n`).join('')}`;
    await fromFile(long, async (validated, path) => {
      const rows = validated.calls.filter((c) => c.campaign !== undefined);
      expect(rows).toHaveLength(4002);
      await writeFile(path, `${long}x,Xavier,+15550000003\n`);
      expect(() => [rows[0]?.options, rows[4001]?.options]).toThrow(
        /^lists\/people\.csv changed after callops read it \(its size or modification time\)/,
      );
    });
    await fromFile(csv, async (validated, path) => {
      const rows = validated.calls.filter((c) => c.campaign !== undefined);
      expect(rows[1]?.options.to).toEqual({ type: 'phone', number: '+15550000002' });
      // The same size, in the one piece already read: the file itself is looked at again
      // (at most once a millisecond), so the edit is seen, never the old row used.
      await writeFile(path, csv.replace('+15550000001', '+15550000009'));
      await sleep(2);
      expect(() => rows[0]?.options).toThrow(
        /^lists\/people\.csv changed after callops read it \(its size or modification time\)/,
      );
    });
  });

  it('a file that is not UTF-8 is an error at the bad byte in the CSV, whichever piece holds it', async () => {
    const head = Buffer.from('id,name,phone\nx,Ann,+15550000001\n');
    const filler = Buffer.from(
      Array.from({ length: 5000 }, (_, i) => `r${i},N,+1555${String(i).padStart(7, '0')}\n`).join(
        '',
      ),
    );
    const cases: [Buffer, string][] = [
      [
        Buffer.concat([head, Buffer.from([0xff, 0x0a])]),
        'lists/people.csv:3:1: byte 0xFF (byte offset 33) is not UTF-8: save the file as UTF-8',
      ],
      [
        Buffer.concat([
          head,
          filler,
          Buffer.from('z,Ã'),
          Buffer.from([0xc3]),
          Buffer.from(',+1\n'),
        ]),
        `lists/people.csv:5003:4: byte 0xC3 (byte offset ${head.length + filler.length + 4}) is not UTF-8: save the file as UTF-8`,
      ],
    ];
    for (const [csv, expected] of cases) {
      await fromFile(csv, (validated) => {
        const found = validated.diagnostics.map(
          (d) => `${d.file}:${d.line}:${d.column}: ${d.message}`,
        );
        expect(found).toEqual([expected]);
        expect(validated.calls.filter((c) => c.campaign !== undefined)).toEqual([]);
      });
    }
  });

  it('a huge file: 100,000 rows are read, each once, in order', () => {
    const lines = ['id,phone'];
    for (let i = 0; i < 100_000; i += 1) lines.push(`r${i},+1555${String(i).padStart(7, '0')}`);
    const rows = rowsOf(`${lines.join('\n')}\n`);
    expect(rows).toHaveLength(100_000);
    expect(rows[99_999]?.name).toBe('remind/r99999');
    expect(rows[99_999]?.line).toBe(100_001);
  });
});

describe('rows as calls', () => {
  it('fills ${row.X} everywhere, ids from the id column else the row number, a ${ in a cell stays text', () => {
    const [row] = rowsOf('phone,name\n+15550000001,${VG_API_KEY}\n', [
      'tag: { who: "Dear ${row.name}" }',
      'headers: { X-Row: "${row.phone}" }',
    ]);
    expect(row?.name).toBe('remind/1');
    expect(row?.options).toMatchObject({
      to: { type: 'phone', number: '+15550000001' },
      tag: { who: 'Dear $${VG_API_KEY}' },
      headers: { 'X-Row': '+15550000001' },
    });
    expect(row?.file).toBe(CSV);
    expect(row?.line).toBe(2);
  });

  it("a row's definition hash changes with its cells, not with other rows", () => {
    const [a1, b1] = rowsOf('id,phone\na,+15550000001\nb,+15550000002\n');
    const [a2, b2] = rowsOf('id,phone\na,+15550000001\nb,+15550000009\n');
    expect(a1?.definition).toBe(a2?.definition);
    expect(b1?.definition).not.toBe(b2?.definition);
  });

  it('an edited row is changed since placed, and --replace names it by <call>/<row id>', () => {
    const [placed] = rowsOf('id,phone\na,+15550000001\n');
    const [edited] = rowsOf('id,phone\na,+15550000009\n');
    if (placed === undefined || edited === undefined) throw new Error('no rows');
    const lock = {
      lockfileVersion: 1 as const,
      calls: {
        'sim/remind/a': {
          status: 'placed' as const,
          sid: 'sid-a',
          at: '2026-06-01T11:00:00Z',
          definition: placed.definition,
          file: CSV,
        },
      },
    };
    const input = {
      calls: [edited],
      lock,
      now: new Date('2026-06-01T12:00:00Z'),
      runTarget: 'sim',
      explicitTarget: false,
    };
    const plan = buildPlan(input);
    expect(plan.skipped).toEqual([expect.objectContaining({ key: 'sim/remind/a', changed: true })]);
    expect(plan.skipped[0]?.reason).toContain('callops apply --replace remind/a');
    expect(checkReplace('remind/a', input)).toBeUndefined();
    const again = buildPlan({
      ...input,
      now: new Date('2026-06-01T12:00:00Z'),
      replace: ['remind/a'],
    });
    expect(again.due.map((i) => i.key)).toEqual(['sim/remind/a']);
  });

  it('plans rows under <target>/<call>/<row id>; --only takes the campaign or one row', () => {
    const calls = rowsOf('id,phone\na,+15550000001\nb,+15550000002\n');
    const plan = (only?: string[]) =>
      buildPlan({
        calls,
        lock: { lockfileVersion: 1, calls: {} },
        now: new Date('2026-06-01T12:00:00Z'),
        runTarget: 'sim',
        explicitTarget: false,
        ...(only ? { only } : {}),
      }).due.map((i) => i.key);
    expect(plan()).toEqual(['sim/remind/a', 'sim/remind/b']);
    expect(plan(['remind'])).toEqual(['sim/remind/a', 'sim/remind/b']);
    expect(plan(['remind/b'])).toEqual(['sim/remind/b']);
  });
});

describe('calling hours in the row zone', () => {
  const csv = [
    'id,phone,timezone',
    'ny,+15550000001,America/New_York',
    'berlin,+15550000002,Europe/Berlin',
    'tokyo,+15550000003,Asia/Tokyo',
    '',
  ].join('\n');
  const planAt = (iso: string, schedule: string) =>
    buildPlan({
      calls: rowsOf(csv, [`schedule: ${schedule}`]),
      lock: { lockfileVersion: 1, calls: {} },
      now: new Date(iso),
      runTarget: 'sim',
      explicitTarget: false,
    });

  it('places only the rows inside their own hours; the others wait for their next opening', () => {
    // 13:00 UTC in June: 09:00 New York, 15:00 Berlin, 22:00 Tokyo.
    const plan = planAt('2026-06-01T13:00:00Z', '{ window: "08:00-21:00" }');
    // In the order of the CSV, not of the keys.
    expect(plan.due.map((i) => i.row)).toEqual(['ny', 'berlin']);
    expect(plan.upcoming).toHaveLength(1);
    expect(plan.upcoming[0]).toMatchObject({
      row: 'tokyo',
      waiting: true,
      opens: '2026-06-01T23:00:00Z',
    });
    expect(plan.upcoming[0]?.reason).toMatch(/outside calling hours 08:00-21:00 Asia\/Tokyo/);
  });

  it('a campaign with a window and no zone is an error; a bad zone is an error at its cell', () => {
    expect(errors('id,phone\na,+15550000001\n', ['schedule: { window: "08:00-21:00" }'])).toEqual([
      expect.stringMatching(
        /^calls\/remind\.yaml:7:\d+: a campaign with a `window` needs each recipient's time zone/,
      ),
    ]);
    expect(
      errors('id,phone,timezone\na,+15550000001,Mars/Base\nb,+15550000002,\n', [
        'schedule: { window: "08:00-21:00" }',
      ]),
    ).toEqual([
      'lists/people.csv:2:16: unknown time zone `Mars/Base` (use an IANA name such as America/New_York)',
      "lists/people.csv:3:16: `timezone` is empty: the column gives each row's time zone, and the campaign's `window` is read in it",
    ]);
  });

  it('a zone cell the runtime takes but IANA has not (BST, IST) is an error at the cell, as under ${row.X}', () => {
    const csv =
      'id,phone,timezone,tz\nuk1,+15550002224,BST,bst\nie1,+15550002225,IST,Europe/Dublin\nus1,+15550002226,EST,EST\n';
    const bst =
      '`BST` is not an IANA time zone (this runtime reads it as Asia/Dhaka, UTC+6): for British Summer Time write Europe/London; for Bangladesh, Asia/Dhaka';
    const found = project(csv, ['schedule: { window: "09:00-17:00" }']);
    expect(
      found.diagnostics.map((d) => `${d.severity} ${d.file}:${d.line}:${d.column}: ${d.message}`),
    ).toEqual([
      `error lists/people.csv:2:18: ${bst}`,
      expect.stringMatching(
        /^error lists\/people\.csv:3:18: `IST` is not an IANA time zone \(this runtime reads it as Asia\/(Calcutta|Kolkata), UTC\+5:30\): for India write Asia\/Kolkata; for Irish Standard Time, Europe\/Dublin; for Israel, Asia\/Jerusalem$/,
      ),
      'warning lists/people.csv:4:18: `EST` is a fixed UTC−5 offset with no daylight saving; for New York write America/New_York — 1 row has such a zone (the first here)',
    ]);
    expect(rowsOf(csv, ['schedule: { window: "09:00-17:00" }']).map((r) => r.name)).toEqual([
      'remind/us1',
    ]);
    // The same through `timezone: ${row.tz}`, lower-case too; and with a cron.
    expect(errors(csv, ['schedule: { cron: "0 9 * * *", timezone: "${row.tz}" }'])).toEqual([
      'lists/people.csv:2:22: `bst` is not an IANA time zone (this runtime reads it as Asia/Dhaka, UTC+6): for British Summer Time write Europe/London; for Bangladesh, Asia/Dhaka',
    ]);
  });

  it('a phone cell a spreadsheet wrote (`.0`, `.0000`, scientific notation) is an error at the cell saying so', () => {
    const csv = 'id,phone\na,15550100001.0\nb,1.55501E+10\nc,+15550100003\nd,+15550100004.0000\n';
    const rule = 'must be a phone number: an optional + and 3–15 digits';
    const note =
      ' (a spreadsheet number: format the column as text, so it holds the digits as dialled)';
    expect(errors(csv)).toEqual([
      `lists/people.csv:2:3: \`to.number\` (\`\${row.phone}\`) is \`15550100001.0\` here, and it ${rule}${note}`,
      `lists/people.csv:3:3: \`to.number\` (\`\${row.phone}\`) is \`1.55501E+10\` here, and it ${rule}${note}`,
      `lists/people.csv:5:3: \`to.number\` (\`\${row.phone}\`) is \`+15550100004.0000\` here, and it ${rule}${note}`,
    ]);
    expect(rowsOf(csv).map((r) => r.name)).toEqual(['remind/c']);
  });

  it('a legacy zone in a cell is one warning per campaign, at the first, with what it is', () => {
    const csv =
      'id,phone,timezone\na,+15550000001,America/New_York\nb,+15550000002,EST\nc,+15550000003,Etc/GMT+5\n';
    const found = project(csv, ['schedule: { window: "08:00-21:00" }']);
    expect(
      found.diagnostics.map((d) => `${d.severity} ${d.file}:${d.line}:${d.column}: ${d.message}`),
    ).toEqual([
      'warning lists/people.csv:3:16: `EST` is a fixed UTC−5 offset with no daylight saving; for New York write America/New_York — 2 rows have such a zone (the first here)',
    ]);
    expect(rowsOf(csv, ['schedule: { window: "08:00-21:00" }'])).toHaveLength(3);
    // Without hours or a slot the zone is not read, and said nothing of.
    expect(project(csv).diagnostics).toEqual([]);
  });

  it('a header that reads as `timezone` but is not it is an error at its cell when the hours need a zone', () => {
    // The file's defaults give a zone: without the check every row would take it, silently.
    const withDefaults = (csv: string, extra: readonly string[]) => {
      const text = `defaults:\n  schedule: { timezone: Europe/Berlin }\n${callFile(extra)}`;
      const loaded: LoadedProject = {
        root: '/nowhere',
        callFiles: [parseSource('calls/remind.yaml', text).source],
        diagnostics: [],
        recipients: new Map([[CSV, { text: csv }]]),
      };
      return validateProject(loaded).diagnostics.map(
        (d) => `${d.severity} ${d.file}:${d.line}:${d.column}: ${d.message}`,
      );
    };
    const words = (name: string, otherwise: string) =>
      `column \`${name}\` is not the zone column (only \`timezone\`, lowercase, is): ${otherwise}; rename the column to \`timezone\` to read each row's hours in its own zone`;
    const berlin = (hours: string) =>
      `the campaign's ${hours} would otherwise be read in Europe/Berlin (the defaults' zone) for every row`;
    const cron = ['schedule: { cron: "0 9 * * *" }'];
    for (const name of [
      'Timezone',
      ' timezone',
      'TimeZone',
      'time_zone',
      'time zone',
      'Time-Zone',
      'tz',
      'TZ',
    ]) {
      expect(withDefaults(`id,phone,${name}\nla,+15550000004,America/Los_Angeles\n`, cron)).toEqual(
        [`error ${CSV}:1:10: ${words(name, berlin('`cron`'))}`],
      );
    }
    // A window, an at: the same; without a zone anywhere, what the hours are read in is said.
    const csv = 'id,TZ,phone\nla,America/Los_Angeles,+15550000004\n';
    expect(withDefaults(csv, ['schedule: { window: "09:00-17:00" }'])).toEqual([
      `error ${CSV}:1:4: ${words('TZ', berlin('`window`'))}`,
    ]);
    expect(errors(csv, ['schedule: { cron: "0 9 * * *" }'])).toEqual([
      `${CSV}:1:4: ${words('TZ', "the campaign's `cron` would otherwise be read in UTC for every row")}`,
    ]);
    // In place of the window's "add a `timezone` column", not besides it.
    expect(errors(csv, ['schedule: { window: "09:00-17:00" }'])).toEqual([
      `${CSV}:1:4: ${words('TZ', "the campaign's `window` needs each recipient's time zone")}`,
    ]);
    // Not when the call writes its own zone (every row's), reads one with ${row.X}, has a
    // `timezone` column besides, or has no hours to read in a zone.
    expect(withDefaults(csv, ['schedule: { cron: "0 9 * * *", timezone: Asia/Tokyo }'])).toEqual(
      [],
    );
    expect(withDefaults(csv, ['schedule: { cron: "0 9 * * *", timezone: "${row.TZ}" }'])).toEqual(
      [],
    );
    expect(
      withDefaults('id,timezone,tz,phone\nla,America/Los_Angeles,x,+15550000004\n', cron),
    ).toEqual([]);
    expect(withDefaults(csv, [])).toEqual([]);
    expect(withDefaults('id,tzx,phone\nla,x,+15550000004\n', cron)).toEqual([]);
  });

  it('schedule.timezone: ${row.X} names the zone column', () => {
    const text = 'id,phone,tz\na,+15550000001,Asia/Tokyo\n';
    const [row] = rowsOf(text, ['schedule: { window: "08:00-21:00", timezone: "${row.tz}" }']);
    expect(row?.schedule?.timezone).toBe('Asia/Tokyo');
  });

  it('run wakes at the next opening of a waiting row, as at a slot', () => {
    const plan = planAt('2026-06-01T13:00:00Z', '{ window: "08:00-21:00" }');
    expect(wakeTimes(plan)).toEqual([Date.parse('2026-06-01T23:00:00Z')]);
  });

  it('before start the rows wait; after end they are expired, never due', () => {
    const waiting = planAt(
      '2026-06-01T13:00:00Z',
      '{ start: "2026-06-02", end: "2026-06-05", window: "08:00-21:00" }',
    );
    expect(waiting.due).toEqual([]);
    expect(waiting.upcoming.map((i) => i.reason)).toEqual([
      expect.stringMatching(/^waiting: waiting for start 2026-06-02; opens/),
      expect.stringMatching(/^waiting: waiting for start 2026-06-02; opens/),
      expect.stringMatching(/^waiting: waiting for start 2026-06-02; opens/),
    ]);
    const expired = planAt('2026-06-06T13:00:00Z', '{ end: "2026-06-05", window: "08:00-21:00" }');
    expect(expired.due).toEqual([]);
    expect(expired.missed).toHaveLength(3);
    for (const item of expired.missed) expect(item.expired).toBe(true);
  });

  it('with cron, each row has its slots, keyed <target>/<call>/<row id>@<slot>, windows read in the row zone; one memory per campaign', () => {
    const plan = planAt('2026-06-01T13:00:30Z', '{ cron: "0 * * * *", window: "08:00-21:00" }');
    expect(plan.due.map((i) => i.key)).toEqual([
      'sim/remind/ny@2026-06-01T13:00:00Z',
      'sim/remind/berlin@2026-06-01T13:00:00Z',
    ]);
    // 22:00 in Tokyo is outside its window: no slot, not listed.
    expect(plan.skipped).toEqual([]);
    expect(plan.upcoming.map((i) => i.key)).toContain('sim/remind/tokyo@2026-06-01T23:00:00Z');
    expect(Object.keys(plan.memory ?? {})).toEqual(['sim/remind']);
  });
});
