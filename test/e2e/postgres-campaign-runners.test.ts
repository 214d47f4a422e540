// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${row.X} references
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.js';
import { HOLD_SYNC_ENV } from '../../src/state/failpoint.js';
import {
  ACCOUNT_SID,
  API_KEY,
  campaignYaml,
  type Gateway,
  makeProject,
  output,
  recipientNumber,
  spawnCli,
  startGateway,
  waitFor,
  watch,
} from './helpers.js';
import { advisoryWaiters, postgresForFile } from './postgres-project.js';

const db = postgresForFile();

const TAG = '{ patient: "${row.name}" }';

/** The numbers the simulator was asked to call (accepted calls), each as often as called. */
const dialled = (gw: Gateway): string[] =>
  gw.placed().map((r) => (r.body as { to: { number: string } }).to.number);

/** How many times each number was called. */
const callsPerNumber = (gw: Gateway): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const number of dialled(gw)) counts[number] = (counts[number] ?? 0) + 1;
  return counts;
};

/** What the second checkout changes besides its CSV: its callops.yaml, its apply's flags. */
interface SecondCheckout {
  readonly config?: (first: string) => string;
  readonly args?: readonly string[];
}

/**
 * Two checkouts of one project at two commits, sharing the state database: the first's
 * `apply` holds each claim's commit (the failpoint) until the second's `apply`, which planned
 * from a state where none of them was there yet, is claiming its rows, then lets them go.
 * Each prints what it did; the simulator's records say whom it called.
 */
const applyAtOnce = async (
  schema: string,
  first: string,
  second: string,
  { config = (same) => same, args = [] }: SecondCheckout = {},
) => {
  const gw = await db.gateway(
    { 'calls/reminders.yaml': campaignYaml([], TAG), 'lists/reminders.csv': first },
    { schema, targetExtra: ['concurrency: 4'] },
  );
  const other = await makeProject({
    'callops.yaml': config(await gw.project.read('callops.yaml')),
    'calls/reminders.yaml': campaignYaml([], TAG),
    'lists/reminders.csv': second,
  });
  try {
    const rows = first.trim().split('\n').length - 1;
    const gate = join(gw.project.dir, 'gate');
    const reached = async () =>
      (await readFile(`${gate}.reached`, 'utf8').catch(() => '')).split('\n').filter(Boolean)
        .length;
    const env = { ...gw.env, ...db.env };
    const one = watch(
      spawnCli(['apply', '--yes'], { cwd: gw.project.dir, env: { ...env, [HOLD_SYNC_ENV]: gate } }),
      30_000,
    );
    // Every row of the first checkout is claimed, none committed: the second plans them all due.
    await waitFor('the first checkout holding a claim of each row', async () =>
      (await reached()) === rows ? true : undefined,
    );
    const two = watch(spawnCli(['apply', '--yes', ...args], { cwd: other.dir, env }), 30_000);
    // The second's claims of those numbers wait for the first's (or, were they not checked
    // under the number's lock, its calls go out at once).
    await waitFor('the second checkout claiming the same numbers', async () =>
      (await advisoryWaiters(db.url)) >= rows || gw.placed().length > 0 ? true : undefined,
    );
    await writeFile(gate, '');
    const [r1, r2] = await Promise.all([one.done, two.done]);
    return { gw, r1, r2 };
  } finally {
    await other.cleanup();
  }
};

const csv = (rows: readonly string[], header = 'name,phone'): string =>
  `${[header, ...rows].join('\n')}\n`;

describe('a campaign placed by two checkouts at once, its keys moved between them', () => {
  it('a row inserted above (no id column): each number is called once', {
    timeout: 60_000,
  }, async () => {
    const people = [1, 2, 3].map((i) => `P${i},${recipientNumber(i)}`);
    // The next commit inserts a row at the top: every row's positional key moves down one.
    const { gw, r1, r2 } = await applyAtOnce(
      'moved_rows',
      csv(people),
      csv([`New,${recipientNumber(9)}`, ...people]),
    );
    for (const r of [r1, r2]) expect(r.code, output(r)).toBe(0);
    // No one twice: the first checkout called its three; the second's claims of those numbers
    // (keys 2 to 4) were refused, and its key 1 was the first's.
    expect(callsPerNumber(gw)).toEqual({
      [recipientNumber(1)]: 1,
      [recipientNumber(2)]: 1,
      [recipientNumber(3)]: 1,
    });
    expect(output(r1)).toMatch(/3 placed, 0 failed, 0 unknown/);
    expect(output(r2)).toMatch(/0 placed, 0 failed, 0 unknown/);
    for (const i of [1, 2, 3]) {
      expect(output(r2)).toContain(
        `skipped sim/reminders/${i + 1}  not placed: this campaign already dialled ${recipientNumber(i)} as sim/reminders/${i} (`,
      );
    }
    expect(output(r2)).toMatch(/lists\/reminders\.csv has no id column/);
    // Its key 1 the first claimed first: counted as a call another runner is placing.
    expect(r2.stdout).toMatch(/^skipped sim\/reminders\/1 {2}being placed by another runner$/m);
    // Every due row is accounted for: the other three skipped, each with its reason.
    expect(r2.stdout).toMatch(
      /0 placed, 0 failed, 0 unknown, 1 being placed by another runner, 3 skipped in/,
    );
  });

  it('ids renamed: each person is called once', { timeout: 60_000 }, async () => {
    const rows = (prefix: string) =>
      [1, 2, 3].map((i) => `${prefix}${i},P${i},${recipientNumber(10 + i)}`);
    const { gw, r1, r2 } = await applyAtOnce(
      'renamed_ids',
      csv(rows('a'), 'id,name,phone'),
      csv(rows('b'), 'id,name,phone'),
    );
    for (const r of [r1, r2]) expect(r.code, output(r)).toBe(0);
    expect(callsPerNumber(gw)).toEqual({
      [recipientNumber(11)]: 1,
      [recipientNumber(12)]: 1,
      [recipientNumber(13)]: 1,
    });
    expect(output(r2)).toMatch(/0 placed, 0 failed, 0 unknown/);
    for (const i of [1, 2, 3]) {
      expect(output(r2)).toContain(
        `skipped sim/reminders/b${i}  not placed: this campaign already dialled ${recipientNumber(10 + i)} as sim/reminders/a${i} (`,
      );
    }
    expect(output(r2)).toMatch(/lists\/reminders\.csv has no row `a1` that dials it now/);
    expect(r2.stdout).toMatch(/0 placed, 0 failed, 0 unknown, 3 skipped in/);
  });
});

describe('rows that share one phone (an id column)', () => {
  it('are called once, and each with shared_numbers: true, on either store', {
    timeout: 90_000,
  }, async () => {
    const shared = recipientNumber(21);
    const filesWith = (extra: readonly string[]) => ({
      'calls/reminders.yaml': campaignYaml(extra, TAG),
      'lists/reminders.csv': csv(
        [`s1,Ann,${shared}`, `s2,Ben,${shared}`, `s3,Cat,${recipientNumber(22)}`],
        'id,name,phone',
      ),
    });
    for (const [extra, placed, calls] of [
      [[], 2, 1],
      [['shared_numbers: true'], 3, 2],
    ] as const) {
      const files = filesWith(extra);
      const onPostgres = await db.gateway(files, { schema: `shared_phone_${placed}` });
      const onFiles = await startGateway(files);
      try {
        for (const [gw, env] of [
          [onPostgres, db.env],
          [onFiles, {}],
        ] as const) {
          const r = await gw.run(['apply', '--yes'], env);
          expect(r.code, output(r)).toBe(0);
          expect(output(r)).toMatch(new RegExp(`${placed} placed, 0 failed, 0 unknown`));
          expect(callsPerNumber(gw)).toEqual({ [shared]: calls, [recipientNumber(22)]: 1 });
        }
      } finally {
        await onFiles.close();
      }
    }
  });
});

/** callops.yaml with its target `sim` renamed `prod` (the same gateway), `default_target` too. */
const renamedTarget = (config: string): string =>
  config
    .replace(/^ {2}sim:$/m, '  prod:')
    .replace(/^default_target: sim$/m, 'default_target: prod');

/** callops.yaml with `prod` beside `sim`, at `url` (default: `sim`'s base_url, one gateway). */
const prodBeside =
  (url?: string) =>
  (config: string): string =>
    config.replace(
      /^default_target: sim$/m,
      [
        '  prod:',
        `    base_url: ${url ?? /^ {4}base_url: (\S+)$/m.exec(config)?.[1]}`,
        '    account_sid: ${VG_ACCOUNT_SID}',
        '    api_key: ${VG_API_KEY}',
        'default_target: sim',
      ].join('\n'),
    );

describe('a campaign placed by two checkouts at once, its keys and its target renamed between them', () => {
  it('a row inserted above, the target renamed: each number is called once', {
    timeout: 60_000,
  }, async () => {
    const people = [1, 2, 3].map((i) => `P${i},${recipientNumber(40 + i)}`);
    const { gw, r1, r2 } = await applyAtOnce(
      'renamed_target_rows',
      csv(people),
      csv([`New,${recipientNumber(49)}`, ...people]),
      { config: renamedTarget },
    );
    for (const r of [r1, r2]) expect(r.code, output(r)).toBe(0);
    expect(callsPerNumber(gw)).toEqual({
      [recipientNumber(41)]: 1,
      [recipientNumber(42)]: 1,
      [recipientNumber(43)]: 1,
    });
    expect(output(r1)).toMatch(/3 placed, 0 failed, 0 unknown/);
    // Each row now names whom another row's key called under the old name: held for that.
    for (const i of [1, 2, 3]) {
      expect(r2.stdout).toMatch(
        new RegExp(
          `^skipped prod/reminders/${i + 1}  not placed: this campaign already dialled \\${recipientNumber(40 + i)} as sim/reminders/${i} \\((being placed|placed \\S+) at \\S+\\), under target sim, which this checkout's callops.yaml does not define; lists/reminders\\.csv has no id column`,
          'm',
        ),
      );
    }
    // Its key 1, the first's under the old name, is that row placed there.
    expect(r2.stdout).toMatch(
      /^skipped prod\/reminders\/1 {2}not placed: (being placed|already placed) as sim\/reminders\/1 /m,
    );
    expect(r2.stdout).toMatch(/0 placed, 0 failed, 0 unknown, 4 skipped in/);
  });

  it('ids renamed, under another name for the same gateway: each person is called once', {
    timeout: 60_000,
  }, async () => {
    const rows = (prefix: string) =>
      [1, 2, 3].map((i) => `${prefix}${i},P${i},${recipientNumber(50 + i)}`);
    const { gw, r1, r2 } = await applyAtOnce(
      'twin_target_ids',
      csv(rows('a'), 'id,name,phone'),
      csv(rows('b'), 'id,name,phone'),
      { config: prodBeside(), args: ['--target', 'prod'] },
    );
    for (const r of [r1, r2]) expect(r.code, output(r)).toBe(0);
    expect(callsPerNumber(gw)).toEqual({
      [recipientNumber(51)]: 1,
      [recipientNumber(52)]: 1,
      [recipientNumber(53)]: 1,
    });
    for (const i of [1, 2, 3]) {
      expect(r2.stdout).toMatch(
        new RegExp(
          `^skipped prod/reminders/b${i}  not placed: this campaign already dialled \\${recipientNumber(50 + i)} as sim/reminders/a${i} \\(.*\\), under target sim, the same gateway as target prod \\(its base_url and account_sid\\); lists/reminders\\.csv has no row \`a${i}\` that dials it now`,
          'm',
        ),
      );
    }
    expect(r2.stdout).toMatch(/0 placed, 0 failed, 0 unknown, 3 skipped in/);
  });

  it('ids renamed, the old name beside but unresolved here: held by the gateway its claims record', {
    timeout: 60_000,
  }, async () => {
    const rows = (prefix: string) =>
      [1, 2, 3].map((i) => `${prefix}${i},P${i},${recipientNumber(70 + i)}`);
    // `sim`'s base_url a variable the second checkout's job lacks: its rows are read by the
    // gateway the first's claims record (prod's).
    const unresolvedSim = (config: string): string =>
      prodBeside()(config).replace(/^( {4}base_url: )\S+$/m, '$1${GW_URL}');
    const { gw, r1, r2 } = await applyAtOnce(
      'unresolved_target_ids',
      csv(rows('a'), 'id,name,phone'),
      csv(rows('b'), 'id,name,phone'),
      { config: unresolvedSim, args: ['--target', 'prod'] },
    );
    for (const r of [r1, r2]) expect(r.code, output(r)).toBe(0);
    expect(callsPerNumber(gw)).toEqual({
      [recipientNumber(71)]: 1,
      [recipientNumber(72)]: 1,
      [recipientNumber(73)]: 1,
    });
    for (const i of [1, 2, 3]) {
      expect(r2.stdout).toMatch(
        new RegExp(
          `^skipped prod/reminders/b${i}  not placed: this campaign already dialled \\${recipientNumber(70 + i)} as sim/reminders/a${i} \\(.*\\), under target sim, placed on the gateway of target prod, as its entry records \\(the base_url or account_sid of sim does not resolve here\\); lists/reminders\\.csv has no row \`a${i}\` that dials it now`,
          'm',
        ),
      );
    }
    expect(r2.stdout).toMatch(/0 placed, 0 failed, 0 unknown, 3 skipped in/);
  });

  it('under a target the second checkout defines on another gateway: both place each row', {
    timeout: 60_000,
  }, async () => {
    const elsewhere = await startSimulator({ accountSid: ACCOUNT_SID, apiKey: API_KEY });
    try {
      const people = [1, 2].map((i) => `P${i},${recipientNumber(60 + i)}`);
      const { gw, r1, r2 } = await applyAtOnce(
        'other_gateway_rows',
        csv(people),
        csv([`New,${recipientNumber(69)}`, ...people]),
        { config: prodBeside(elsewhere.url), args: ['--target', 'prod'] },
      );
      for (const r of [r1, r2]) expect(r.code, output(r)).toBe(0);
      // Two gateways, two calls each: the first's on `sim`, the second's on `prod`.
      expect(callsPerNumber(gw)).toEqual({ [recipientNumber(61)]: 1, [recipientNumber(62)]: 1 });
      const there: Record<string, number> = {};
      for (const r of elsewhere.received().filter((c) => c.status === 201)) {
        const number = (r.body as { to: { number: string } }).to.number;
        there[number] = (there[number] ?? 0) + 1;
      }
      expect(there).toEqual({
        [recipientNumber(61)]: 1,
        [recipientNumber(62)]: 1,
        [recipientNumber(69)]: 1,
      });
      expect(r2.stdout).toMatch(/3 placed, 0 failed, 0 unknown/);
    } finally {
      await elsewhere.close();
    }
  });
});
