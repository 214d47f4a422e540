import { afterEach, describe, expect, it } from 'vitest';
import { APP_SID, makeProject, type Project, runCli } from './helpers.js';

/** Characters of the one long value: the line is some 2 MB long. */
const N = 2_000_000;

/** A machine-written one-line call file: errors before and after a long value, a password in it. */
const oneLine = (n: number): string => {
  const call = (name: string, number: string, tag: string, extra: string) =>
    `{"name": "${name}", "application_sid": "${APP_SID}", "from": "+15550001111", "to": {"type": "phone", "number": "${number}"}, "tag": ${tag}, ${extra}}`;
  const a = call(
    'a',
    '+15550007777',
    '{"hook": "https://u:Zq9SekritPw@h.example/x"}',
    '"bogus": 1',
  );
  const b = call('b', '12', `{"k": "${'a'.repeat(n)}"}`, '"timeLimt": 5');
  return `{"calls": [${a}, ${b}]}\n`;
};

describe('a call file of one long line', () => {
  let project: Project | undefined;
  afterEach(async () => {
    await project?.cleanup();
    project = undefined;
  });

  it('validate and plan report its errors at once, each where it is, the password hidden', async () => {
    project = await makeProject({ 'calls/long.yaml': oneLine(N) });
    // As printed before for the same file with a value of 20,000 characters (its last
    // error then at column 20383).
    const expected = [
      'calls/long.yaml:1:214: error: unknown option `bogus`',
      '    1 | …one", "number": "+15550007777"}, "tag": {"hook": "https://u:***@h.example/x"}, "bogus": 1}, {"name": "b", "application…',
      `      | ${' '.repeat(80)}^`,
      'calls/long.yaml:1:358: error: must be a phone number: an optional + and 3–15 digits, got "12"',
      '    1 | …-9d4b-1c2f3e4d5a6b", "from": "+15550001111", "to": {"type": "phone", "number": "12"}, "tag": {"k": "aaaaaaaaaaaaaaaaaa…',
      `      | ${' '.repeat(80)}^`,
      'calls/long.yaml:1:358: warning: number has no leading + — the gateway may dial it as a local number',
      '    1 | …-9d4b-1c2f3e4d5a6b", "from": "+15550001111", "to": {"type": "phone", "number": "12"}, "tag": {"k": "aaaaaaaaaaaaaaaaaa…',
      `      | ${' '.repeat(80)}^`,
      // The one error a 20,000-character value does not have: the body is too large.
      'calls/long.yaml:1:365: error: the request body of this call is 1953.3 KiB as JSON, most of it `tag`; a gateway accepts up to 100 KiB (jambonz answers 413 past it)',
      '    1 | …c2f3e4d5a6b", "from": "+15550001111", "to": {"type": "phone", "number": "12"}, "tag": {"k": "aaaaaaaaaaaaaaaaaaaaaaaaa…',
      `      | ${' '.repeat(80)}^`,
      `calls/long.yaml:1:${N + 383}: error: unknown option \`timeLimt\` — did you mean \`timeLimit\`?`,
      `    1 | …${'a'.repeat(99)}"}, "timeLimt": 5}]}`,
      `      | ${' '.repeat(104)}^`,
      '4 errors, 1 warning',
    ];
    for (const command of ['validate', 'plan']) {
      const r = await runCli([command], { cwd: project.dir });
      expect(r.code).toBe(1);
      expect(r.stderr.split('\n').slice(0, expected.length)).toEqual(expected);
      expect(r.stderr).not.toContain('Zq9Sekrit');
    }
  });
});
