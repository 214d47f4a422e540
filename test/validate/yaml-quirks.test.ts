import { describe, expect, it } from 'vitest';
import { CALL, error, oneCall, validate, yaml } from './fixtures.js';

const A = 'calls/a.yaml';

describe('YAML that reads differently than it looks', () => {
  it('a key written as null, ~ or nothing is an empty key, said so at the key', () => {
    for (const key of ['null', '~', '""']) {
      expect(validate({ [A]: oneCall('a', `${key}: x`) }).diagnostics).toEqual([
        error(
          A,
          6,
          5,
          '/calls/0/',
          'unknown option `` (an empty key: YAML reads a key written as `null`, `~` or nothing as empty)',
        ),
      ]);
    }
  });

  it('a merge key `<<` is named as such, with what to use instead', () => {
    const text = yaml(
      'calls:',
      '  - name: a',
      ...CALL.map((l) => `    ${l}`),
      '  - name: b',
      '    <<: { timeout: 30 }',
      ...CALL.map((l) => `    ${l}`),
    );
    expect(validate({ [A]: text }).diagnostics).toEqual([
      error(
        A,
        7,
        5,
        '/calls/1/<<',
        'unknown option `<<`: YAML merge keys are not read; put shared options under `defaults:`',
      ),
    ]);
  });

  it('yes, no, on and off are text in YAML 1.2, and the message says so', () => {
    expect(validate({ [A]: oneCall('a', 'enabled: yes') }).diagnostics).toEqual([
      error(
        A,
        6,
        14,
        '/calls/0/enabled',
        'must be true or false, got string "yes" (YAML 1.2 reads `yes` as text: write true or false)',
      ),
    ]);
  });
});

describe('an option left empty', () => {
  it('is one error, at the empty value, not a second one saying it is missing', () => {
    const text = yaml(
      'calls:',
      '  - name: a',
      '    application_sid: app-1',
      '    from: "+15550001111"',
      '    to:',
    );
    expect(validate({ [A]: text }).diagnostics).toEqual([
      error(A, 5, 8, '/calls/0/to', 'must be an object, got an empty value'),
    ]);
  });
});

describe('a number written in quotes', () => {
  it('is told to lose its quotes', () => {
    expect(validate({ [A]: oneCall('a', 'timeout: "30"') }).diagnostics).toEqual([
      error(
        A,
        6,
        14,
        '/calls/0/timeout',
        'must be an integer, got string "30" (write it without quotes)',
      ),
    ]);
  });
});

describe('keys named like object members', () => {
  it('are unknown options like any other', () => {
    for (const key of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(validate({ [A]: oneCall('a', `${key}: x`) }).diagnostics, key).toEqual([
        error(A, 6, 5, `/calls/0/${key}`, `unknown option \`${key}\``),
      ]);
    }
  });
});

describe('an unknown key a YAML alias repeats', () => {
  it('is placed at the alias for its second use, at the key for the anchor', () => {
    const text = yaml(
      'calls:',
      '  - name: a',
      ...CALL.map((l) => `    ${l}`),
      '    listen: &l { url: https://hooks.example.com/l, calls: x }',
      '  - name: b',
      ...CALL.map((l) => `    ${l}`),
      '    listen: *l',
    );
    expect(validate({ [A]: text }).diagnostics).toEqual([
      error(A, 6, 52, '/calls/0/listen/calls', 'unknown key `calls`'),
      error(A, 11, 13, '/calls/1/listen/calls', 'unknown key `calls`'),
    ]);
  });
});
