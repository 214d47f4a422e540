// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${row.X} references
import { describe, expect, it } from 'vitest';
import { parseSource } from '../../src/config/index.js';
import type { LoadedProject } from '../../src/config/load.js';
import { validateProject } from '../../src/validate/index.js';

/**
 * A campaign calls a number once: validate warns at each row that dials the number of an
 * earlier row (compared as callops compares numbers), naming that row and its line, unless
 * the campaign writes `shared_numbers: true` (which needs an `id` column).
 */

const CSV = 'lists/people.csv';

const loaded = (csv: string, extra: readonly string[] = [], to = '${row.phone}'): LoadedProject => {
  const text = [
    'calls:',
    '  - name: remind',
    '    recipients: ../lists/people.csv',
    '    application_sid: 5b0a8c62-6a43-4a0e-9d4b-1c2f3e4d5a6b',
    '    from: "+15550001111"',
    `    to: { type: phone, number: "${to}" }`,
    ...extra.map((l) => `    ${l}`),
    '',
  ].join('\n');
  return {
    root: '/nowhere',
    callFiles: [parseSource('calls/remind.yaml', text).source],
    diagnostics: [],
    recipients: new Map([[CSV, { text: csv }]]),
  };
};

/** Each diagnostic, as `severity file:line:column: message`, but the no-leading-+ warning. */
const said = (project: LoadedProject): string[] =>
  validateProject(project)
    .diagnostics.filter((d) => !d.message.includes('no leading +'))
    .map((d) => `${d.severity} ${d.file}:${d.line}:${d.column}: ${d.message}`);

const EACH =
  'to call each, if they are people sharing a phone, write `shared_numbers: true` in the campaign';

describe('rows of a campaign that dial one number', () => {
  it('are warned of at the later row, naming the earlier row and its line', () => {
    const csv = 'id,phone\na,+15550004441\nb,0015550004441\nc,15550004441\nd,+15550004442\n';
    expect(said(loaded(csv))).toEqual([
      `warning ${CSV}:3:3: this row dials 0015550004441, as row \`a\` (line 2) does: a campaign calls a number once, so only the one that comes due first is placed, the other held (${EACH})`,
      `warning ${CSV}:4:3: this row dials 15550004441, as row \`a\` (line 2) does: a campaign calls a number once, so only the one that comes due first is placed, the other held (${EACH})`,
    ]);
  });

  it('without an id column, name the row by its number', () => {
    const csv = 'name,phone\nAnn,+15550004441\nBob,+15550004442\nAnn again,+15550004441\n';
    expect(said(loaded(csv))).toEqual([
      `warning ${CSV}:4:11: this row dials +15550004441, as row 1 (line 2) does: a campaign calls a number once, so only the one that comes due first is placed, the other held (to call each, if they are people sharing a phone, give the CSV an \`id\` column and write \`shared_numbers: true\` in the campaign)`,
    ]);
  });

  it('with a ${VAR} beside the cell, compare what the rows put in it', () => {
    const csv = 'id,phone\na,5550004441\nb,5550004441\nc,5550004442\n';
    expect(said(loaded(csv, [], '${PFX}${row.phone}'))).toEqual([
      `warning ${CSV}:3:3: this row dials \${PFX}5550004441, as row \`a\` (line 2) does: a campaign calls a number once, so only the one that comes due first is placed, the other held (${EACH})`,
    ]);
  });

  it('past the first 10, are counted in one warning at the first of the rest', () => {
    const rows = Array.from({ length: 13 }, (_, i) => `r${i},+15550004441`);
    const found = said(loaded(`id,phone\n${rows.join('\n')}\n`));
    expect(found).toHaveLength(11);
    expect(found[9]).toMatch(/^warning lists\/people.csv:12:5: this row dials/);
    expect(found[10]).toBe(
      `warning ${CSV}:13:5: 2 more rows dial a number an earlier row of the campaign dials (the first here): none of them is placed`,
    );
  });

  it('are let be with shared_numbers: true, which needs an id column', () => {
    const csv = 'id,phone\na,+15550004441\nb,+15550004441\n';
    expect(said(loaded(csv, ['shared_numbers: true']))).toEqual([]);
    expect(said(loaded('phone\n+15550004441\n+15550004441\n', ['shared_numbers: true']))).toEqual([
      'error calls/remind.yaml:7:21: `shared_numbers` needs an `id` column in lists/people.csv: without one its rows are keyed by their position, which a row added, removed or moved above shifts, and a number is one person (add an `id` column)',
    ]);
  });

  it('tell the plan whether rows of an id-keyed CSV may dial one number, so only those are compared', () => {
    const comparing = (csv: string, extra: readonly string[] = [], to?: string) =>
      validateProject(loaded(csv, extra, to))
        .calls.filter((c) => c.campaign !== undefined)
        .map((c) => c.campaign?.comparesRows === true);
    // No two rows dial one number: none of them is compared (the plan reads no number).
    expect(comparing('id,phone\na,+15550004441\nb,+15550004442\n')).toEqual([false, false]);
    // Two rows do (written either way): the rows are compared.
    expect(comparing('id,phone\na,+15550004441\nb,15550004441\n')).toEqual([true, true]);
    // A `${VAR}` in the number, or a number no cell writes: two rows may resolve to one.
    expect(comparing('id,phone\na,5550004441\nb,5550004442\n', [], '${PFX}${row.phone}')).toEqual([
      true,
      true,
    ]);
    expect(comparing('id,phone\na,1\nb,2\n', [], '+15550004441')).toEqual([true, true]);
    // Each row called: nothing to compare.
    expect(
      comparing('id,phone\na,+15550004441\nb,+15550004441\n', ['shared_numbers: true']),
    ).toEqual([false, false]);
  });
});
