// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${row.X} references
import { describe, expect, it } from 'vitest';
import { parseSource } from '../../src/config/index.js';
import type { LoadedProject } from '../../src/config/load.js';
import { validateProject } from '../../src/validate/index.js';
import { yaml } from './fixtures.js';

/**
 * A campaign's rows are its recipients: a `to` whose callee no row fills (a literal, or only
 * `${VAR}` of the environment) dials one callee for every row, a campaign of N rows then
 * placing 1 call and holding the rest (a number), or ringing one address N times (a SIP
 * URI, a user, a Teams number). Without `shared_numbers: true` that is an error at the
 * value, nothing sent.
 */

const A = 'calls/a.yaml';
const CSV = 'calls/people.csv';
const PEOPLE =
  'id,phone,uri,tenant\na,+15550004441,sip:a@example.com,t1\nb,+15550004442,sip:b@example.com,t2\n';

/** A project of `text` as calls/a.yaml and its CSV of two rows, in memory. */
const project = (text: string, csv = PEOPLE): LoadedProject => ({
  root: '/nowhere',
  callFiles: [parseSource(A, text).source],
  diagnostics: [],
  recipients: new Map([[CSV, { text: csv }]]),
});

/** A campaign `camp` over people.csv with the given `to` and `extra` lines under it. */
const campaign = (to: string, ...extra: string[]): string =>
  yaml(
    'calls:',
    '  - name: camp',
    '    recipients: people.csv',
    '    application_sid: app-1',
    '    from: "+15550001111"',
    `    to: ${to}`,
    ...extra.map((l) => `    ${l}`),
  );

/** Each diagnostic as `severity file:line:column path: message`, but the no-leading-+ warning. */
const said = (loaded: LoadedProject): string[] =>
  validateProject(loaded)
    .diagnostics.filter((d) => !d.message.includes('no leading +'))
    .map((d) => `${d.severity} ${d.file}:${d.line}:${d.column} ${d.path}: ${d.message}`);

const FIX = (key: string, noun: string) =>
  `to call each row's own ${noun}, write its column there (\`${key}: "\${row.COLUMN}"\`), or write \`shared_numbers: true\` (with an \`id\` column in the CSV) to call this one once per row on purpose`;

const NUMBER_HELD =
  'every row would dial that one number, and a campaign calls a number once: 1 call for all its rows, every other row held';

const ONE_CALLEE = (noun: string) => `every row would call that one ${noun}, once per row`;

describe('a campaign whose callee no row fills', () => {
  it('a literal number: an error at the value, saying 1 row would be placed and how to fix it', () => {
    expect(said(project(campaign('{ type: phone, number: "+15550002222" }')))).toEqual([
      `error ${A}:6:32 /calls/0/to/number: \`to.number\` is \`+15550002222\` for every row of campaign \`camp\` (no \`\${row.COLUMN}\` in it): ${NUMBER_HELD}; ${FIX('number', 'number')}`,
    ]);
  });

  it('a number from the environment alone: the same, quoting the reference, never its value', () => {
    expect(said(project(campaign('{ type: phone, number: "${DESK}" }')))).toEqual([
      `error ${A}:6:32 /calls/0/to/number: \`to.number\` is \`\${DESK}\` for every row of campaign \`camp\` (no \`\${row.COLUMN}\` in it, only the environment): ${NUMBER_HELD}; ${FIX('number', 'number')}`,
    ]);
    // A `$${row.X}` is text, not a row's cell.
    expect(said(project(campaign('{ type: phone, number: "$${row.phone}" }')))).toContainEqual(
      expect.stringMatching(
        /^error calls\/a\.yaml:6:32 \/calls\/0\/to\/number: `to\.number` is `\$\$\{row\.phone\}` for every row/,
      ),
    );
  });

  it('a SIP URI, a user or a Teams number: the same rule for whatever names the callee', () => {
    expect(said(project(campaign('{ type: sip, sipUri: "sip:desk@example.com" }')))).toEqual([
      `error ${A}:6:30 /calls/0/to/sipUri: \`to.sipUri\` is \`sip:desk@example.com\` for every row of campaign \`camp\` (no \`\${row.COLUMN}\` in it): ${ONE_CALLEE('SIP URI')}; ${FIX('sipUri', 'SIP URI')}`,
    ]);
    expect(said(project(campaign('{ type: user, name: desk }')))).toEqual([
      `error ${A}:6:29 /calls/0/to/name: \`to.name\` is \`desk\` for every row of campaign \`camp\` (no \`\${row.COLUMN}\` in it): ${ONE_CALLEE('user')}; ${FIX('name', 'user')}`,
    ]);
    expect(said(project(campaign('{ type: teams, number: "+15550002222" }')))).toEqual([
      `error ${A}:6:32 /calls/0/to/number: \`to.number\` is \`+15550002222\` for every row of campaign \`camp\` (no \`\${row.COLUMN}\` in it): ${ONE_CALLEE('Teams number')}; ${FIX('number', 'Teams number')}`,
    ]);
  });

  it('a `to` from defaults: at the defaults, naming them', () => {
    const text = yaml(
      'defaults:',
      '  to: { type: phone, number: "+15550002222" }',
      'calls:',
      '  - name: camp',
      '    recipients: people.csv',
      '    application_sid: app-1',
      '    from: "+15550001111"',
    );
    expect(said(project(text))).toEqual([
      `error ${A}:2:30 /defaults/to/number: \`to.number\` is \`+15550002222\` for every row of campaign \`camp\` (no \`\${row.COLUMN}\` in it; written in the defaults of this file): ${NUMBER_HELD}; ${FIX('number', 'number')}`,
    ]);
  });

  it('is fine when a row fills the callee, or the campaign says its rows share it', () => {
    const fine = [
      campaign('{ type: phone, number: "${row.phone}" }'),
      campaign('{ type: phone, number: "${PFX}${row.phone}" }'),
      campaign('{ type: sip, sipUri: "${row.uri}" }'),
      campaign('{ type: sip, sipUri: "sip:${row.id}@example.com" }'),
      campaign('{ type: user, name: "${row.id}" }'),
      campaign('{ type: teams, number: "+15550002222", tenant: "${row.tenant}" }'),
      campaign('{ type: phone, number: "+15550002222" }', 'shared_numbers: true'),
      campaign('{ type: sip, sipUri: "sip:desk@example.com" }', 'shared_numbers: true'),
    ];
    for (const text of fine) expect(said(project(text)), text).toEqual([]);
  });

  it('does not concern a call without recipients, nor a `to` the schema refuses', () => {
    const plain = yaml(
      'calls:',
      '  - name: one',
      '    application_sid: app-1',
      '    from: "+15550001111"',
      '    to: { type: phone, number: "+15550002222" }',
    );
    expect(said(project(plain))).toEqual([]);
    const unknown = said(project(campaign('{ type: pager, number: "+15550002222" }')));
    expect(unknown.some((line) => line.includes('for every row'))).toBe(false);
  });
});
