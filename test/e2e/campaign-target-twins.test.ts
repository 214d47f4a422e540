// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files and callops.yaml hold literal ${VAR} references
import { afterEach, describe, expect, it } from 'vitest';
import { callsPerNumber, campaignYaml, type Gateway, output, startGateway } from './helpers.js';

/**
 * A campaign without cron/at whose rows' keys moved (a row inserted above, in a CSV without an
 * `id` column; ids renamed) while its target was renamed in callops.yaml (`sim:` → `prod:`, the
 * same gateway) or another name for its gateway is used (`--target prod` beside `sim`). Its
 * rows are asked against the campaign's calls under the old name too: the person a row names
 * now, called under another row's key under that name, is not called again. The real CLI, the
 * file store, the built-in simulator.
 */

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const ANN = '+15550700001';
const BOB = '+15550700002';
const DAN = '+15550700004';

/** callops.yaml with the helpers' target `sim` renamed `name`, `default_target` with it. */
const renamed = (config: string, name: string): string =>
  config
    .replace(/^ {2}sim:$/m, `  ${name}:`)
    .replace(/^default_target: sim$/m, `default_target: ${name}`);

/** callops.yaml with `prod` beside `sim`, on the same gateway (base_url and account). */
const twinBeside = (config: string, url: string): string =>
  config.replace(
    'default_target: sim',
    [
      '  prod:',
      `    base_url: ${url}`,
      '    account_sid: ${VG_ACCOUNT_SID}',
      '    api_key: ${VG_API_KEY}',
      'default_target: sim',
    ].join('\n'),
  );

interface PlanJson {
  due: { key: string }[];
  skipped: { key: string; reason?: string }[];
}

const planJson = async (g: Gateway, args: readonly string[] = []): Promise<PlanJson> => {
  const r = await g.run(['plan', '--format', 'json', ...args]);
  expect(r.code, output(r)).toBe(0);
  return JSON.parse(r.stdout) as PlanJson;
};

const reasonOf = (plan: PlanJson, key: string): string =>
  plan.skipped.find((i) => i.key === key)?.reason ?? '';

/** A campaign over lists/reminders.csv (`csv`), applied once under target `sim`. */
const appliedUnderSim = async (csv: string): Promise<Gateway> => {
  const g = await startGateway({
    'calls/reminders.yaml': campaignYaml([], '{ patient: "${row.name}" }'),
    'lists/reminders.csv': csv,
  });
  gw = g;
  const first = await g.run(['apply', '--yes']);
  expect(first.code, output(first)).toBe(0);
  expect(callsPerNumber(g)).toEqual({ [ANN]: 1, [BOB]: 1 });
  return g;
};

const GONE = "under target sim, which this checkout's callops.yaml does not define";

describe('a row inserted above, the target renamed', () => {
  it('calls nobody again: plan holds the shifted rows, status and report count them held, --replace is refused', {
    timeout: 90_000,
  }, async () => {
    const g = await appliedUnderSim(`name,phone\nAnn,${ANN}\nBob,${BOB}\n`);
    await g.project.write('callops.yaml', renamed(await g.project.read('callops.yaml'), 'prod'));
    await g.project.write(
      'lists/reminders.csv',
      `name,phone\nDan,${DAN}\nAnn,${ANN}\nBob,${BOB}\n`,
    );

    const plan = await planJson(g);
    expect(plan.due).toEqual([]);
    expect(reasonOf(plan, 'prod/reminders/3')).toMatch(
      new RegExp(
        `^not placed: this campaign already dialled \\${BOB} as sim/reminders/2 \\(placed \\S+ at \\S+\\), ${GONE.replace(/[()?]/g, '\\$&')}; lists/reminders.csv has no id column`,
      ),
    );
    // Ann's row, now at Bob's old key, is held for Ann: not offered `--replace` as Bob's call.
    expect(reasonOf(plan, 'prod/reminders/2')).toMatch(
      new RegExp(`^not placed: this campaign already dialled \\${ANN} as sim/reminders/1 `),
    );
    expect(reasonOf(plan, 'prod/reminders/2')).not.toContain('--replace');
    // Dan's key called Ann: placed there, to another number than it dials now.
    expect(reasonOf(plan, 'prod/reminders/1')).toMatch(
      /^not placed: already placed as sim\/reminders\/1 \(placed \S+ at \S+, to another number than it dials now\), /,
    );

    const again = await g.run(['apply', '--yes']);
    expect(again.code, output(again)).toBe(0);
    expect(callsPerNumber(g)).toEqual({ [ANN]: 1, [BOB]: 1 });

    const status = await g.run(['status', '--campaign', 'reminders', '--format', 'json']);
    expect(status.code, output(status)).toBe(0);
    expect((JSON.parse(status.stdout) as { states: Record<string, number> }).states).toMatchObject({
      held: 1,
      waiting: 0,
    });
    const report = await g.run(['report', 'reminders', '--format', 'csv']);
    expect(report.code, output(report)).toBe(0);
    expect(report.stdout).toContain(`\r\n3,${BOB},held,0,`);

    // Ann's row may not be placed again on purpose: she was called.
    const replaced = await g.run(['apply', '--yes', '--replace', 'reminders/2']);
    expect(replaced.code, output(replaced)).toBe(64);
    expect(replaced.stderr).toContain(
      `--replace reminders/2: not placed: this campaign already dialled ${ANN} as sim/reminders/1 (placed `,
    );
    expect(replaced.stderr).toContain(GONE);
    // Bob's row, at a key placed under neither name, is refused with the plan's reason too,
    // not as one a plain apply would place ("not placed yet").
    const unplaced = await g.run(['apply', '--yes', '--replace', 'reminders/3']);
    expect(unplaced.code, output(unplaced)).toBe(64);
    expect(unplaced.stderr).toMatch(
      new RegExp(
        `^callops apply: --replace reminders/3: not placed: this campaign already dialled \\${BOB} as sim/reminders/2 \\(placed \\S+ at \\S+\\), ${GONE.replace(/[()?]/g, '\\$&')}; lists/reminders.csv has no id column[^\\n]*; nothing was sent\\n$`,
      ),
    );
    expect(callsPerNumber(g)).toEqual({ [ANN]: 1, [BOB]: 1 });
  });
});

describe('ids renamed along with the target', () => {
  it('calls nobody again under the new id', { timeout: 90_000 }, async () => {
    const g = await appliedUnderSim(`id,name,phone\na,Ann,${ANN}\nb,Bob,${BOB}\n`);
    await g.project.write('callops.yaml', renamed(await g.project.read('callops.yaml'), 'prod'));
    await g.project.write('lists/reminders.csv', `id,name,phone\na2,Ann,${ANN}\nb,Bob,${BOB}\n`);

    const plan = await planJson(g);
    expect(plan.due).toEqual([]);
    expect(reasonOf(plan, 'prod/reminders/a2')).toMatch(
      new RegExp(
        `^not placed: this campaign already dialled \\${ANN} as sim/reminders/a \\(placed \\S+ at \\S+\\), under target sim, .*lists/reminders.csv has no row \`a\` that dials it now`,
      ),
    );
    const again = await g.run(['apply', '--yes']);
    expect(again.code, output(again)).toBe(0);
    expect(callsPerNumber(g)).toEqual({ [ANN]: 1, [BOB]: 1 });
  });
});

describe('another name for the same gateway, beside the old one', () => {
  it('calls nobody again under it, ids renamed or a row inserted', {
    timeout: 90_000,
  }, async () => {
    const g = await appliedUnderSim(`id,name,phone\na,Ann,${ANN}\nb,Bob,${BOB}\n`);
    await g.project.write(
      'callops.yaml',
      twinBeside(await g.project.read('callops.yaml'), g.sim.url),
    );
    await g.project.write('lists/reminders.csv', `id,name,phone\na2,Ann,${ANN}\nb,Bob,${BOB}\n`);

    const plan = await planJson(g, ['--target', 'prod']);
    expect(plan.due).toEqual([]);
    expect(reasonOf(plan, 'prod/reminders/a2')).toContain('as sim/reminders/a (placed ');
    expect(reasonOf(plan, 'prod/reminders/a2')).toContain(
      '), under target sim, the same gateway as target prod (its base_url and account_sid); ',
    );
    const again = await g.run(['apply', '--yes', '--target', 'prod']);
    expect(again.code, output(again)).toBe(0);
    expect(callsPerNumber(g)).toEqual({ [ANN]: 1, [BOB]: 1 });

    // A row inserted above, in a CSV without an id column: Bob's row is held too.
    await g.project.write(
      'lists/reminders.csv',
      `name,phone\nDan,${DAN}\nAnn,${ANN}\nBob,${BOB}\n`,
    );
    const shifted = await g.run(['apply', '--yes', '--target', 'prod']);
    expect(shifted.code, output(shifted)).toBe(0);
    // Dan is new: his row is placed; Ann and Bob are not called again.
    expect(callsPerNumber(g)).toEqual({ [ANN]: 1, [BOB]: 1, [DAN]: 1 });
  });
});

/**
 * callops.yaml with target `sim` on `${SIM_URL}` and, but for `removed`, `prod` beside it on
 * the simulator (`url`): `sim` renamed `prod` (removed), or kept beside it, resolved to the
 * same gateway (SIM_URL set) or not resolving at all (SIM_URL empty); `default_target` names
 * `target`.
 */
const simAndProd = (url: string, target: 'sim' | 'prod', sim = true): string =>
  [
    'targets:',
    ...(sim
      ? [
          '  sim:',
          '    base_url: ${SIM_URL}',
          '    account_sid: ${VG_ACCOUNT_SID}',
          '    api_key: ${VG_API_KEY}',
        ]
      : []),
    ...(target === 'prod'
      ? [
          '  prod:',
          `    base_url: ${url}`,
          '    account_sid: ${VG_ACCOUNT_SID}',
          '    api_key: ${VG_API_KEY}',
        ]
      : []),
    `default_target: ${target}`,
    '',
  ].join('\n');

describe('a row replaced under the new name, then edited back', () => {
  it.each([
    ['removed', false, {}],
    ['resolved to the same gateway', true, 'url'],
    ['not resolving', true, { SIM_URL: '' }],
  ] as const)(
    'calls its first person once, the old name %s',
    {
      timeout: 90_000,
    },
    async (_how, keep, simEnv) => {
      const g = await startGateway({
        'calls/reminders.yaml': campaignYaml([], '{ patient: "${row.name}" }'),
        'lists/reminders.csv': `name,phone\nAnn,${ANN}\n`,
      });
      gw = g;
      await g.project.write('callops.yaml', simAndProd(g.sim.url, 'sim'));
      const first = await g.run(['apply', '--yes'], { SIM_URL: g.sim.url });
      expect(first.code, output(first)).toBe(0);
      expect(first.stdout).toContain('sim/reminders/1');

      // `sim:` renamed `prod:` (the same gateway), or `prod:` beside it, the default now.
      await g.project.write('callops.yaml', simAndProd(g.sim.url, 'prod', keep));
      const env = simEnv === 'url' ? { SIM_URL: g.sim.url } : simEnv;
      // Row 1 edited to Dan, placed again on purpose under the new name.
      await g.project.write('lists/reminders.csv', `name,phone\nDan,${DAN}\n`);
      const replaced = await g.run(['apply', '--yes', '--replace', 'reminders/1'], env);
      expect(replaced.code, output(replaced)).toBe(0);
      expect(replaced.stdout).toContain('prod/reminders/1');
      expect(callsPerNumber(g)).toEqual({ [ANN]: 1, [DAN]: 1 });

      // Then Ann again: row 1's own key, under the old name, called her before the replacement.
      await g.project.write('lists/reminders.csv', `name,phone\nAnn,${ANN}\n`);
      const own = `not placed: this campaign already dialled ${ANN} as sim/reminders/1 (placed `;
      const plan = await g.run(['plan'], env);
      expect(plan.code, output(plan)).toBe(0);
      expect(plan.stdout).toContain(`--replace would not place it: ${own}`);
      expect(plan.stdout).toContain("that is this row's own key");
      expect(plan.stdout).not.toContain('callops apply --replace reminders/1');

      const again = await g.run(['apply', '--yes', '--replace', 'reminders/1'], env);
      expect(again.code, output(again)).toBe(64);
      expect(again.stderr).toContain(`--replace reminders/1: ${own}`);
      expect(again.stderr).toContain("that is this row's own key");
      expect(again.stderr).toContain('nothing was sent');
      const plain = await g.run(['apply', '--yes'], env);
      expect(plain.code, output(plain)).toBe(0);
      expect(callsPerNumber(g)).toEqual({ [ANN]: 1, [DAN]: 1 });
    },
  );
});
