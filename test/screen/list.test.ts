import { describe, expect, it } from 'vitest';
import { suppressedReason } from '../../src/screen/list.js';
import {
  comparedNumber,
  destinationNumber,
  isDigestOf,
  isOtherNumber,
  keyDigests,
  normaliseNumber,
  numberDigest,
  numberKey,
} from '../../src/screen/number.js';
import { parseSuppressList } from '../../src/screen/parse-list.js';
import { sha256Hex } from '../../src/validate/definition.js';

const parse = (text: string) => parseSuppressList(text, 'lists/dnc.csv');

describe('phone numbers as lists and limits compare them', () => {
  it('keeps a leading + and the digits', () => {
    expect(normaliseNumber('+1 (555) 010-0001')).toBe('+15550100001');
    expect(normaliseNumber(' 0049 30 1234 ')).toBe('0049301234');
    expect(normaliseNumber('()-')).toBeUndefined();
  });

  it('finds the number of phone destinations only', () => {
    expect(destinationNumber({ type: 'phone', number: '+15550100001' })).toBe('+15550100001');
    expect(destinationNumber('+1 555 010 0001')).toBe('+15550100001');
    expect(destinationNumber({ type: 'sip', sipUri: 'sip:1555@example.com' })).toBeUndefined();
    expect(destinationNumber({ type: 'teams', number: '+15550100001' })).toBeUndefined();
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an unresolved reference
    expect(destinationNumber({ type: 'phone', number: '${PHONE}' })).toBeUndefined();
  });

  it('digests a number as sha256: and 16 hex digits, never showing it', () => {
    const digest = numberDigest('+15550100001');
    expect(digest).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(digest).not.toContain('5550100001');
    expect(numberDigest('+15550100001')).toBe(digest);
    // Recorded in lockfiles and journals: the same digest in every version.
    expect(digest).toBe('sha256:bfb65de6e0f43014');
  });

  it('digests the ways of writing one number that lists match as one: the +, leading zeros', () => {
    const digest = numberDigest('+15550100001');
    for (const written of ['15550100001', '0015550100001', '+0015550100001'])
      expect(numberDigest(written), written).toBe(digest);
    expect(comparedNumber('0015550100001')).toBe('+15550100001');
    // Digits that differ, or only end alike (a national form), are other numbers here.
    expect(numberDigest('15550100002')).not.toBe(digest);
    expect(numberDigest('5550100001')).not.toBe(digest);
    // Written with +, a number's key is its digest; written without, it carries the digest
    // earlier releases recorded of it as written, so that their entries are still found.
    expect(numberKey('+15550100001')).toBe(digest);
    const key = numberKey('15550100001');
    expect(keyDigests(key)).toEqual([digest, `sha256:${sha256Hex('15550100001').slice(0, 16)}`]);
    expect(isDigestOf(keyDigests(key)[1], key)).toBe(true);
    expect(isDigestOf(digest, key)).toBe(true);
    expect(isDigestOf(numberDigest('+15550100002'), key)).toBe(false);
    expect(isOtherNumber(digest, '15550100001')).toBe(false);
    expect(isOtherNumber(keyDigests(key)[1], '15550100001')).toBe(false);
    expect(isOtherNumber(digest, '15550100002')).toBe(true);
  });
});

describe('a do-not-call list', () => {
  it('reads numbers normalised with their reason and line; other columns are ignored', () => {
    const read = parse(
      'name,number,reason\r\nAnn,+1 555 010 0001,asked\r\n\r\nBob,"+1 (555) 010-0002",\r\nCy,+15550100001,again\r\n',
    );
    if (!('list' in read)) throw new Error(JSON.stringify(read.diagnostics));
    expect([...read.list.withPlus]).toEqual([
      ['15550100001', { file: 'lists/dnc.csv', line: 2, reason: 'asked' }],
      ['15550100002', { file: 'lists/dnc.csv', line: 4 }],
    ]);
    expect(read.list.withoutPlus.size).toBe(0);
    expect(read.warnings).toEqual([]);
    const first = read.list.withPlus.get('15550100001');
    expect(first && suppressedReason(first)).toBe('do-not-call: asked (lists/dnc.csv:2)');
  });

  it('locates a row after a quoted cell that spans lines at the line it starts on', () => {
    const read = parse('number,reason\n+15550100001,"two\nlines"\nnope,x\n');
    expect('diagnostics' in read && read.diagnostics.map((d) => [d.line, d.column])).toEqual([
      [4, 1],
    ]);
  });

  it('takes a list without a reason column, and a byte-order mark', () => {
    const read = parse('\uFEFFnumber\n+15550100001\n');
    expect('list' in read && [...read.list.withPlus.keys()]).toEqual(['15550100001']);
  });

  it('reports every bad row at its line and cell, all at once', () => {
    const read = parse('number,reason\n+15550100001,ok\nnot-a-number,typo\n,empty\n+1555,a,b\n');
    expect(
      'diagnostics' in read && read.diagnostics.map((d) => [d.line, d.column, d.message]),
    ).toEqual([
      [3, 1, 'not a phone number: write digits, optionally with a leading +'],
      [4, 1, 'the number is empty'],
      [5, 9, 'row has 3 cells, the header 2 (number, reason)'],
    ]);
  });

  it('refuses an empty list, a header without `number`, and a duplicate column', () => {
    const empty = parse('');
    expect('diagnostics' in empty && empty.diagnostics[0]?.message).toMatch(/empty/);
    const noNumber = parse('phone,reason\n+15550100001,x\n');
    expect('diagnostics' in noNumber && noNumber.diagnostics[0]?.message).toMatch(
      /no `number` column \(columns: phone, reason\)/,
    );
    const twice = parse('number,reason,number\n+15550100001,2,3\n');
    expect('diagnostics' in twice && twice.diagnostics.map((d) => [d.line, d.column])).toEqual([
      [1, 15],
    ]);
  });

  it('reports a CSV syntax error at its line', () => {
    const read = parse('number,reason\n+15550100001,"open\n');
    expect('diagnostics' in read && read.diagnostics[0]?.file).toBe('lists/dnc.csv');
    expect('diagnostics' in read && read.diagnostics[0]?.message).toMatch(/^not a readable CSV: /);
  });
});
