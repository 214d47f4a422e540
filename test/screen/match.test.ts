import { describe, expect, it } from 'vitest';
import { findListed, type Listed, type SuppressList } from '../../src/screen/list.js';
import { destinationNumber, normaliseNumber, numberDigest } from '../../src/screen/number.js';
import { parseSuppressList } from '../../src/screen/parse-list.js';

const FILE = 'lists/dnc.csv';

/** A list of these rows (`number` or `number,reason`), as the parser reads it. */
const list = (...rows: string[]): SuppressList => {
  const read = parseSuppressList(`number,reason\n${rows.join('\n')}\n`, FILE);
  if (!('list' in read)) throw new Error(JSON.stringify(read.diagnostics));
  return read.list;
};

/** The line of `to`'s listing (a destination as a call writes it), or undefined. */
const lineOf = (lists: readonly SuppressList[], to: string): number | undefined => {
  const number = destinationNumber({ type: 'phone', number: to });
  if (number === undefined) throw new Error(`not a phone destination: ${to}`);
  return findListed(lists, number)?.line;
};

/** How a number is written on a list, or in a call: with +, without, national, after 00/011. */
const FORMS = [
  '+15550002222',
  '+1 (555) 000-2222',
  '15550002222',
  '1 555 000 2222',
  '5550002222',
  '(555) 000-2222',
  '0015550002222',
  '01115550002222',
];

describe('a number on a do-not-call list written without a leading +', () => {
  it('holds back the same digits called with +, and the other way round', () => {
    expect(lineOf([list('15550002222,no plus')], '+15550002222')).toBe(2);
    expect(lineOf([list('+15550002222,plus')], '15550002222')).toBe(2);
  });

  it('holds back a number however either side writes it: national, with 00 or 011, spaced', () => {
    for (const listed of FORMS)
      for (const called of FORMS)
        expect([listed, called, lineOf([list(`"${listed}",x`)], called)]).toEqual([
          listed,
          called,
          2,
        ]);
  });

  it('never holds back a number whose digits differ, nor one that only begins alike', () => {
    const lists = [list('5550002222,national', '15550003333,export')];
    expect(lineOf(lists, '+15550002223')).toBeUndefined();
    expect(lineOf(lists, '+15550002222')).toBe(2);
    expect(lineOf(lists, '+15550003333')).toBe(3);
    // Ends differently: a number is matched by its last digits, never by its first.
    expect(lineOf(lists, '+1555000333')).toBeUndefined();
    expect(lineOf(lists, '1555000222')).toBeUndefined();
  });

  it('two numbers both written with + match only when their digits are the same', () => {
    const lists = [list('+15550002222,plus')];
    expect(lineOf(lists, '+15550002222')).toBe(2);
    expect(lineOf(lists, '+115550002222')).toBeUndefined();
    // Written without + on either side, the last digits decide.
    expect(lineOf(lists, '115550002222')).toBe(2);
    expect(lineOf([list('115550002222,bare')], '+15550002222')).toBe(2);
    expect(lineOf([list('15550002222,bare')], '+115550002222')).toBe(2);
  });

  it('needs at least 7 digits to match by the last ones; fewer are the same digits only', () => {
    // A short number called, or listed with +, matches only its own digits.
    expect(lineOf([list('+1555,short')], '+1555')).toBe(2);
    expect(lineOf([list('+1555,short')], '1555')).toBe(2);
    expect(lineOf([list('+15550002222,x')], '002222')).toBeUndefined();
    expect(lineOf([list('5550002222,x')], '+1555')).toBeUndefined();
    // 7 digits without + are the shortest matched by their last digits.
    expect(lineOf([list('5550123,x')], '+15555550123')).toBe(2);
    expect(lineOf([list('+15555550123,x')], '5550123')).toBe(2);
  });

  it('refuses a number without + of fewer than 7 digits (leading zeros not counted) at its cell', () => {
    const read = parseSuppressList(
      'reason,number\nshort,555012\nzeros,000555012\nok,5550123\nplus,+1555\n',
      FILE,
    );
    const words =
      'a number without a leading + needs at least 7 digits (leading zeros not counted) to be matched by its last digits: write it with + and the country code';
    expect(
      'diagnostics' in read && read.diagnostics.map((d) => [d.line, d.column, d.message]),
    ).toEqual([
      [2, 7, words],
      [3, 7, words],
    ]);
  });

  it('is one warning per list, at the first such number, saying how they are matched', () => {
    const read = parseSuppressList(
      'reason,number\nplus,+15550002221\nfirst,15550002222\nnational,5550002223\n',
      FILE,
    );
    if (!('list' in read)) throw new Error(JSON.stringify(read.diagnostics));
    expect(read.warnings.map((d) => `${d.severity} ${d.file}:${d.line}:${d.column}`)).toEqual([
      'warning lists/dnc.csv:3:7',
    ]);
    expect(read.warnings[0]?.message).toMatch(
      /^2 numbers have no leading \+ \(the first here\): each is matched by its last digits, leading zeros dropped: /,
    );
    const one = parseSuppressList('number\n15550002222\n', FILE);
    expect('list' in one && one.warnings[0]?.message).toMatch(/^1 number has no leading \+ /);
    expect('list' in one && one.warnings[0]?.message).toMatch(
      /write \+ and the country code to match one number only$/,
    );
  });

  it('names the first listing: the same digits before an end that matches, lists in order', () => {
    const first = list('5550002222,national', '+15550002222,plus', '15550002222,bare');
    expect(lineOf([first], '+15550002222')).toBe(3);
    expect(lineOf([first], '15550002222')).toBe(3);
    const other: SuppressList = { ...list('+15550002222,x'), file: 'lists/other.csv' };
    const found = findListed([list('15550002222,x'), other], '+15550002222');
    expect(found).toEqual({ file: FILE, line: 2, reason: 'x' });
  });

  it('finds numbers in a large list by index, as it finds them in a small one', () => {
    // 200,000 numbers +1555 0000000 … +1555 0199999, every other one written without +.
    const withPlus = new Map<string, Listed>();
    const withoutPlus = new Map<string, Listed>();
    for (let i = 0; i < 200_000; i++) {
      const digits = `1555${String(i).padStart(7, '0')}`;
      if (i % 2 === 0) withPlus.set(digits, { file: FILE, line: i + 2 });
      else withoutPlus.set(i % 4 === 1 ? digits : digits.slice(1), { file: FILE, line: i + 2 });
    }
    const big: SuppressList = { file: FILE, withPlus, withoutPlus };
    for (const i of [0, 1, 2, 3, 99_999, 199_998, 199_999]) {
      const digits = `1555${String(i).padStart(7, '0')}`;
      expect(findListed([big], `+${digits}`)?.line).toBe(i + 2);
      expect(findListed([big], digits.slice(1))?.line).toBe(i + 2);
      expect(findListed([big], `011${digits}`)?.line).toBe(i + 2);
    }
    expect(findListed([big], '+15550200000')).toBeUndefined();
    expect(findListed([big], '5550200001')).toBeUndefined();
  });

  it('leaves the numbers digests are made of as they were: a limit keeps its counts', () => {
    // Lists match more loosely; the number a call dials, and its digest, are unchanged.
    expect(normaliseNumber('15550002222')).toBe('15550002222');
    expect(destinationNumber({ type: 'phone', number: '+15550100001' })).toBe('+15550100001');
    expect(numberDigest('+15550100001')).toBe('sha256:bfb65de6e0f43014');
  });
});

describe('a do-not-call entry that could never match the number it seems to be', () => {
  /** [line, column, message] of each problem of a list of `number,reason` rows. */
  const problems = (...rows: string[]) => {
    const read = parseSuppressList(`number,reason\n${rows.join('\n')}\n`, FILE);
    return 'diagnostics' in read ? read.diagnostics.map((d) => [d.line, d.column, d.message]) : [];
  };

  it('refuses a spreadsheet number at its cell: a decimal `.0` would be one more digit', () => {
    expect(problems('15550100001.0,pandas', '+15550100007.0,float', '15550100002.00,two')).toEqual([
      [
        2,
        1,
        '`15550100001.0` looks like a spreadsheet number: read as digits, its `.0` would be part of the number; format the column as text and write the digits alone (`15550100001`)',
      ],
      [
        3,
        1,
        '`+15550100007.0` looks like a spreadsheet number: read as digits, its `.0` would be part of the number; format the column as text and write the digits alone (`+15550100007`)',
      ],
      [
        4,
        1,
        '`15550100002.00` looks like a spreadsheet number: read as digits, its `.00` would be part of the number; format the column as text and write the digits alone (`15550100002`)',
      ],
    ]);
  });

  it('refuses a number in scientific notation at its cell: its last digits are gone', () => {
    const words = (n: string) =>
      `\`${n}\` is a spreadsheet number in scientific notation: its last digits are lost; format the column as text and export it again`;
    expect(problems('1.55501E+10,excel', '"1,55501E+10",comma', '1.5550100001e10,lower')).toEqual([
      [2, 1, words('1.55501E+10')],
      [3, 1, words('1,55501E+10')],
      [4, 1, words('1.5550100001e10')],
    ]);
  });

  it('refuses + followed by 0 (no country code starts with 0), naming the number after 00 or 011', () => {
    expect(problems('+0015550100001,a', '+011 1 555 010 0003,b', '+05550100004,c')).toEqual([
      [
        2,
        1,
        '`+0015550100001`: no country code starts with 0 (00 is an international prefix, dialled before the country code the + stands for); write `+15550100001`',
      ],
      [
        3,
        1,
        '`+011 1 555 010 0003`: no country code starts with 0 (011 is an international prefix, dialled before the country code the + stands for); write `+15550100003`',
      ],
      [
        4,
        1,
        '`+05550100004`: no country code starts with 0; write + and the country code (e.g. +1555…), or the number without +',
      ],
    ]);
  });

  it('refuses a decimal whatever its fraction: `.000`, `.0000`, a decimal comma, digits after the point', () => {
    const zeros = (n: string, fraction: string, digits: string) =>
      `\`${n}\` looks like a spreadsheet number: read as digits, its \`${fraction}\` would be part of the number; format the column as text and write the digits alone (\`${digits}\`)`;
    const decimal = (n: string) =>
      `\`${n}\` is written as a decimal number: read as digits, its \`.\` would join the digits either side into one number, which may not be the one meant; write the digits alone or grouped with spaces or -, and if a spreadsheet wrote it, format the column as text`;
    expect(
      problems(
        '15550100003.000,three',
        '" +15550100004.0000 ",four',
        '"15550100001,0",comma',
        '15550100005.5,half',
        '555.0100,one point',
      ),
    ).toEqual([
      [2, 1, zeros('15550100003.000', '.000', '15550100003')],
      [3, 1, zeros('+15550100004.0000', '.0000', '+15550100004')],
      [4, 1, zeros('15550100001,0', ',0', '15550100001')],
      [5, 1, decimal('15550100005.5')],
      [6, 1, decimal('555.0100')],
    ]);
  });

  it('refuses a trunk 0 in parentheses after the country code, with or without +', () => {
    const trunk = (n: string, write: string) =>
      `\`${n}\`: a 0 in parentheses after the country code is a trunk prefix, dialled only from inside the country: read as digits, it would be part of the number; ${write}`;
    expect(
      problems('+1 (0)555 010 0005,a', '001 (0) 555 010 0006,b', '+1 (0555) 010 0007,c'),
    ).toEqual([
      [2, 1, trunk('+1 (0)555 010 0005', 'write `+15550100005`')],
      [3, 1, trunk('001 (0) 555 010 0006', 'write `0015550100006`')],
      [
        4,
        1,
        trunk(
          '+1 (0555) 010 0007',
          'write the number as it is dialled from another country (for most countries, without that 0)',
        ),
      ],
    ]);
  });

  it('refuses + and more than 15 digits (two numbers, an extension) or fewer than 3', () => {
    expect(
      problems('+1555010000600000,ext', '"+1 555 010 0001 555 010 0002",two', '+12,short'),
    ).toEqual([
      [
        2,
        1,
        '`+1555010000600000` has 16 digits after the +: no number has more than 15 (E.164), so no call could match it; write one number alone, without an extension',
      ],
      [
        3,
        1,
        '`+1 555 010 0001 555 010 0002` has 21 digits after the +: no number has more than 15 (E.164), so no call could match it; write one number alone, without an extension',
      ],
      [
        4,
        1,
        "`+12` has 2 digits after the +: a call's number has 3 to 15, so no call could match it; write + and the whole number",
      ],
    ]);
  });

  it('refuses a number without + of more than 18 digits (two numbers in one cell); 18 are one number after 011', () => {
    const long = (written: string, digits: number) =>
      `\`${written}\` has ${digits} digits: more than any number has, even after an international prefix (00 or 011 and at most 15 digits: 18), so it cannot be one number (read as one, its last digits would hold back only the last number in it); write one number alone (a row each), without an extension`;
    expect(
      problems(
        '5550100001 5550100002,two',
        '(555) 010-0001  (555) 010-0002,spaces',
        '0111234567890123456,nineteen',
      ),
    ).toEqual([
      [2, 1, long('5550100001 5550100002', 20)],
      [3, 1, long('(555) 010-0001  (555) 010-0002', 20)],
      [4, 1, long('0111234567890123456', 19)],
    ]);
    // 011 or 00 and the longest number: one number, listed.
    expect(problems('011123456789012345,eighteen', '00123456789012345,seventeen')).toEqual([]);
    expect(problems('5550100001,ten', '555 010 0001 5,eleven')).toEqual([]);
  });

  it('refuses letters and characters of other scripts, naming one that does not show as itself', () => {
    const words = 'not a phone number: write digits, optionally with a leading +';
    expect(
      problems(
        '+15550100001 x123,ext',
        '+15550100002;ext=5,ext',
        '+1 555\u2011010\u20110003,dash',
        '+1555010000\uff15,wide',
        '+1555\u200b0100006,invisible',
      ),
    ).toEqual([
      [2, 1, words],
      [3, 1, words],
      [4, 1, `${words}: U+2011 here is not a digit, a space or one of ( ) . -`],
      [5, 1, `${words}: U+FF15 here is not a digit, a space or one of ( ) . -`],
      [6, 1, `${words}: U+200B here is not a digit, a space or one of ( ) . -`],
    ]);
  });

  it('still reads numbers separated by dots, and 00 or 011 written without +', () => {
    const read = list('555.010.0001,dots', '+1.555.010.0002,dots', '0015550100003,intl');
    expect(lineOf([read], '+15550100001')).toBe(2);
    expect(lineOf([read], '+15550100002')).toBe(3);
    expect(lineOf([read], '+15550100003')).toBe(4);
  });

  it('still reads a national (0) before the area code, and spaces of any kind', () => {
    const read = list('(0)555 010 0004,national', '"+1\u00a0555\u2009010\u202f0005",spaces');
    expect(lineOf([read], '+15550100004')).toBe(2);
    expect(lineOf([read], '+15550100005')).toBe(3);
  });

  it('holds back a number called as + and 0 by the listing of the number after the prefix', () => {
    const lists = [list('+15550100001,plus', '15550100003,bare')];
    expect(lineOf(lists, '+0015550100001')).toBe(2);
    expect(lineOf(lists, '+01115550100001')).toBe(2);
    expect(lineOf(lists, '+0015550100003')).toBe(3);
    expect(lineOf(lists, '+0015550100009')).toBeUndefined();
  });
});
