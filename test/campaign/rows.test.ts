import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RowIds, RowTable, splitRecord } from '../../src/campaign/rows.js';
import { readCsv } from '../../src/config/csv.js';
import { rowBytes } from '../../src/config/recipients.js';

/** Reads `text` as readCsv does, each row also into a RowTable; the cells of both. */
const both = (text: string, chunkChars?: number) => {
  const table = new RowTable('f.csv', rowBytes('f.csv', { text }));
  const read: (readonly string[])[] = [];
  const lines: number[] = [];
  const numbers: number[] = [];
  const diagnostics = readCsv(
    'f.csv',
    text,
    (cells, site) => {
      read.push(cells);
      lines.push(site.line);
      numbers.push(site.index);
      table.add(cells, site);
    },
    undefined,
    undefined,
    chunkChars,
  ).diagnostics;
  return { table, read, lines, numbers, diagnostics };
};

const sameAsReader = (text: string, chunkChars?: number): void => {
  const { table, read, lines, numbers } = both(text, chunkChars);
  expect(table.count).toBe(read.length);
  read.forEach((cells, i) => {
    expect(table.cells(i)).toEqual(cells);
    for (let c = 0; c <= cells.length; c += 1) expect(table.cell(i, c)).toBe(cells[c] ?? '');
    expect(table.line(i)).toBe(lines[i]);
    expect(table.number(i)).toBe(numbers[i]);
  });
};

describe('RowTable: rows kept as a few numbers, their cells read again from the bytes', () => {
  it('gives back each cell exactly as the CSV reader read it: quotes, BOM, CRLF, empty lines', () => {
    const text =
      '\ufeffid,name,phone\r\na,"Doe, Jane",+1\r\n\r\nb,"Sato ""Ken""",+2\r\nc,"Two\r\nLines",+3\r\nd,,+4\r\ne,plain,"+5"\r\n';
    const { table, read } = both(text);
    expect(read).toHaveLength(5);
    expect(table.cells(0)).toEqual(['a', 'Doe, Jane', '+1']);
    expect(table.cells(1)).toEqual(['b', 'Sato "Ken"', '+2']);
    expect(table.cells(2)).toEqual(['c', 'Two\r\nLines', '+3']);
    expect(table.cells(3)).toEqual(['d', '', '+4']);
    expect(table.cell(4, 2)).toBe('+5');
    sameAsReader(text);
  });

  it('a stray carriage return inside a line is kept in its cell, as the reader keeps it', () => {
    sameAsReader('id,name\na,x\rb\nc,y\n');
    sameAsReader('id,name\r\na,x\rb\r\nc,y\r\n');
  });

  it('a file mixing LF, CRLF and CR line ends: each row read back as read, none holding a CR', () => {
    for (const text of [
      'id,name,phone\na1,x,+15550001234\r\na2,B,+15550001235\r\n',
      'id,name,phone\r\na1,x,+15550001234\na2,B,+15550001235\n',
      'id,name,phone\ra1,"x\r\ny",+15550001234\n\r\na2,B,+15550001235\r',
    ]) {
      const { read, lines, diagnostics } = both(text);
      expect(diagnostics).toEqual([]);
      expect(read.map((cells) => cells[2])).toEqual(['+15550001234', '+15550001235']);
      expect(lines).toEqual(text.startsWith('id,name,phone\ra1') ? [2, 5] : [2, 3]);
      for (const chunk of [1, 2, 5]) sameAsReader(text, chunk);
    }
  });

  it('grows past its first blocks (lines ending in CR alone)', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => `r${i},"n ${i}",${i % 7 === 0 ? '' : i}`);
    sameAsReader(`id,name,n\r${rows.join('\r')}\r`);
    sameAsReader(`id,name,n\n${rows.join('\n')}\n`);
  });

  it('the text handed to csv-parse in pieces reads as in one: records, lines, cells, errors', () => {
    const text =
      '\ufeffid,name,phone\r\na,"Doe, Jane",+1\r\n\r\nb,"Sato ""Ken""",+2\r\nc,"Two\r\nLines 😀",+3\r\nd,😀😀,+4\r\n';
    const whole = both(text);
    expect(whole.read).toHaveLength(4);
    for (const chunk of [1, 2, 3, 5, 7, 64]) {
      const pieces = both(text, chunk);
      expect(pieces.read, `chunk ${chunk}`).toEqual(whole.read);
      expect(pieces.lines).toEqual(whole.lines);
      sameAsReader(text, chunk);
    }
    const broken = 'id,name\na,"open\nb,c\n';
    expect(both(broken).diagnostics).toHaveLength(1);
    expect(both(broken, 3).diagnostics).toEqual(both(broken).diagnostics);
  });

  it('any CSV the reader reads: each row, each cell, the same (property)', () => {
    const cell = fc.oneof(
      fc.constantFrom('', 'a', 'x y', '+15550000001', 'Zürich', '😀'),
      fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', '\r', ' ', 'é'), maxLength: 6 }),
    );
    const encode = (value: string, quoteAlways: boolean) =>
      quoteAlways || /[",\r\n]/.test(value) || value === ''
        ? `"${value.replaceAll('"', '""')}"`
        : value;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }).chain((width) =>
          fc.record({
            rows: fc.array(
              fc.record({
                cells: fc.array(cell, { minLength: width, maxLength: width }),
                quote: fc.array(fc.boolean(), { minLength: width, maxLength: width }),
              }),
              { maxLength: 8 },
            ),
            width: fc.constant(width),
            eol: fc.constantFrom('\n', '\r\n'),
            bom: fc.boolean(),
            blank: fc.boolean(),
          }),
        ),
        ({ rows, width, eol, bom, blank }) => {
          const header = Array.from({ length: width }, (_, i) => `c${i}`).join(',');
          const body = rows.map((r) =>
            r.cells.map((v, i) => encode(v, r.quote[i] === true && v !== '')).join(','),
          );
          const text = `${bom ? '\ufeff' : ''}${[header, ...body].join(blank ? eol + eol : eol)}${eol}`;
          sameAsReader(text);
          sameAsReader(text, 3);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('splitRecord: a quoted record read again', () => {
  it('gives the cells csv-parse gives for any record it reads (property)', () => {
    const cell = fc.oneof(
      fc.stringMatching(/^[^",\r\n]*$/),
      fc
        .string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r\n', ' ', 'é', '😀') })
        .map((text) => `"${text.replaceAll('"', '""')}"`),
    );
    fc.assert(
      fc.property(fc.array(cell, { minLength: 1, maxLength: 6 }), (cells) => {
        const text = cells.join(',');
        const read = parse(text, { relax_column_count: true }) as string[][];
        fc.pre(read.length === 1);
        expect(splitRecord(text)).toEqual(read[0]);
      }),
      { numRuns: 500 },
    );
    expect(splitRecord('')).toEqual(['']);
    expect(splitRecord('a,')).toEqual(['a', '']);
    expect(splitRecord('"x ""y""",z')).toEqual(['x "y"', 'z']);
  });
});

describe('RowTable: a row read again is the row read', () => {
  it('bytes that no longer hash as read are an error naming the file, never cells', () => {
    const text = 'id,phone\na,+15550000001\nb,+15550000002\n';
    let bytes = Buffer.from(text);
    const table = new RowTable('lists/r.csv', { read: (start, end) => bytes.subarray(start, end) });
    readCsv('lists/r.csv', text, (cells, site) => table.add(cells, site));
    expect(table.cells(1)).toEqual(['b', '+15550000002']);
    bytes = Buffer.from(text.replace('+15550000001', '+15550000009'));
    expect(() => table.cell(0, 1)).toThrow(
      'lists/r.csv changed after callops read it (line 2 is no longer the row validated): nothing is placed from rows that were not validated — run the command again',
    );
  });
});

describe('RowIds: each id once, without a string kept per row', () => {
  /** The first earlier row of each row's id (-1 when none), as RowIds and as a Map find it. */
  const firsts = (ids: readonly string[], guess?: () => number) => {
    const text = `id\n${ids.join('\n')}\n`;
    const table = new RowTable('f.csv', rowBytes('f.csv', { text }));
    const index = new RowIds(table, 0, guess);
    const seen = new Map<string, number>();
    const found: number[] = [];
    const expected: number[] = [];
    readCsv('f.csv', text, (cells, site) => {
      const i = table.add(cells, site);
      const id = cells[0] as string;
      found.push(index.firstOrAdd(id, i));
      expected.push(seen.get(id) ?? -1);
      if (!seen.has(id)) seen.set(id, i);
    });
    return { found, expected };
  };

  it('finds the first row of a repeated id, past its first room (5,000 ids)', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => `r${i % 3000}`);
    const { found, expected } = firsts(ids);
    expect(found).toHaveLength(5000);
    expect(found).toEqual(expected);
    expect(found[3000]).toBe(0);
    expect(found[2999]).toBe(-1);
  });

  it('grows to the number of ids expected at once, or past a wrong guess, finding the same', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => `r${i % 3000}`);
    for (const guess of [0, 1, 4000, 100_000, 2 ** 40]) {
      const { found, expected } = firsts(ids, () => guess);
      expect(found).toHaveLength(5000);
      expect(found).toEqual(expected);
    }
  });

  it('agrees with a Map on any list of ids (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[A-Za-z0-9._-]{1,3}$/), { minLength: 1, maxLength: 3000 }),
        (ids) => {
          const { found, expected } = firsts(ids);
          expect(found).toEqual(expected);
        },
      ),
      { numRuns: 50 },
    );
  });
});
