// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${VAR} references
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { numberDigest } from '../../src/screen/number.js';
import { HOLD_SYNC_ENV } from '../../src/state/failpoint.js';
import {
  callsYaml,
  filesUnder,
  type Gateway,
  output,
  spawnCli,
  startGateway,
  waitFor,
  watch,
} from './helpers.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

const phone = (number: string) => `{ type: phone, number: "${number}" }`;

/** A gateway whose callops.yaml gets `extra` lines (suppress:, limits:) appended. */
const gateway = async (
  files: Readonly<Record<string, string>>,
  extra: readonly string[],
  options: Parameters<typeof startGateway>[1] = {},
): Promise<Gateway> => {
  const gw = await startGateway(files, options);
  open.push(gw);
  const config = await gw.project.read('callops.yaml');
  await gw.project.write('callops.yaml', `${config}${extra.join('\n')}\n`);
  return gw;
};

/** The destination numbers the simulator received, in order. */
const dialled = (gw: Gateway): string[] =>
  gw.sim.received().map((r) => (r.body as { to: { number: string } }).to.number);

const FIVE = callsYaml([
  { name: 'n1-first', to: phone('+15550001001') },
  { name: 'n1-second', to: phone('+15550001001') },
  { name: 'n2-first', to: phone('+15550001002') },
  { name: 'n2-second', to: phone('+15550001002') },
  { name: 'n3-listed', to: phone('+15550001003') },
]);

describe('do-not-call lists (suppress:)', () => {
  it('plan lists a listed number with its reason and file:line; apply never sends it and records no entry', async () => {
    const gw = await gateway(
      {
        'calls/five.yaml': FIVE,
        // Written otherwise than in the call: numbers compare normalised (+ and digits).
        'lists/dnc.csv':
          'number,reason\n+1 555 000 9999,moved away\n+1 (555) 000-1003,asked not to be called\n',
      },
      ['suppress: [lists/dnc.csv]'],
    );
    const plan = await gw.run(['plan']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/Suppressed — on a do-not-call list, never sent \(1\):/);
    expect(plan.stdout).toMatch(
      /x sim\/n3-listed .*do-not-call: asked not to be called \(lists\/dnc\.csv:3\)/,
    );
    expect(plan.stdout).toMatch(/Plan: 4 to place, .*1 suppressed/);
    const json = JSON.parse((await gw.run(['plan', '--format', 'json'])).stdout) as {
      suppressed: { key: string; reason: string }[];
      due: unknown[];
    };
    expect(json.due).toHaveLength(4);
    expect(json.suppressed).toHaveLength(1);
    expect(json.suppressed[0]?.key).toBe('sim/n3-listed');
    const markdown = await gw.run(['plan', '--format', 'markdown']);
    expect(markdown.stdout).toMatch(/### Suppressed: 1/);
    expect(markdown.stdout).toMatch(/sim\/n3-listed.*do-not-call: asked not to be called/);

    const apply = await gw.run(['apply', '--yes']);
    expect(output(apply)).toMatch(/4 placed, 0 failed, 0 unknown, 1 suppressed/);
    expect(apply.code).toBe(0);
    const numbers = dialled(gw);
    expect(numbers).toHaveLength(4);
    expect(numbers).not.toContain('+15550001003');
    const lock = await gw.project.lock();
    expect(Object.keys(lock?.calls ?? {}).sort()).toEqual([
      'sim/n1-first',
      'sim/n1-second',
      'sim/n2-first',
      'sim/n2-second',
    ]);
    // Each entry holds the digest of its number, without a limit set: one set later counts it.
    const entries = lock?.calls as Record<string, { number?: string }> | undefined;
    expect(entries?.['sim/n1-first']?.number).toBe(numberDigest('+15550001001'));
    // A second apply still does not send it.
    const again = await gw.run(['apply', '--yes']);
    expect(again.code).toBe(0);
    expect(dialled(gw)).toHaveLength(4);
  });

  it('a list that changed while apply was running is read again before each request', async () => {
    // The first call is held at the gateway; meanwhile the list gains the later numbers.
    const waiting: (() => void)[] = [];
    let released = false;
    const gw = await gateway(
      {
        'calls/three.yaml': callsYaml([
          { name: 'a-first', to: phone('+15550002001') },
          { name: 'b-second', to: phone('+15550002002') },
          { name: 'c-third', to: phone('+15550002003') },
        ]),
        'lists/dnc.csv': 'number\n+15550009999\n',
      },
      ['suppress: [lists/dnc.csv]'],
      {
        targetExtra: ['concurrency: 1'],
        latencyMs: 1,
        wait: () => new Promise<void>((go) => (released ? go() : waiting.push(go))),
      },
    );
    const child = spawnCli(['apply', '--yes'], { cwd: gw.project.dir, env: gw.env });
    const { done } = watch(child, 20_000);
    await waitFor('the first call held at the gateway', () =>
      waiting.length === 1 ? true : undefined,
    );
    await gw.project.write(
      'lists/dnc.csv',
      'number,reason\n+15550009999,\n+15550002002,complaint\n+15550002003,complaint\n',
    );
    released = true;
    for (const go of waiting.splice(0)) go();
    const result = await done;
    expect(output(result)).toMatch(/1 placed, 0 failed, 0 unknown, 2 suppressed/);
    expect(output(result)).toMatch(/suppressed sim\/b-second .*complaint \(lists\/dnc\.csv:3\)/);
    expect(result.code).toBe(0);
    expect(dialled(gw)).toEqual(['+15550002001']);
    expect(Object.keys((await gw.project.lock())?.calls ?? {})).toEqual(['sim/a-first']);
  });

  it('a malformed list is an error at its file:line:column, and nothing is sent', async () => {
    const gw = await gateway(
      {
        'calls/five.yaml': FIVE,
        'lists/dnc.csv': 'number,reason\n+15550001003,ok\nnot-a-number,typo\n+1555,a,b\n',
      },
      ['suppress: [lists/dnc.csv]'],
    );
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code).not.toBe(0);
    expect(apply.stderr).toMatch(/lists\/dnc\.csv:3:1\b.*not a phone number/);
    expect(apply.stderr).toMatch(
      /lists\/dnc\.csv:4:\d+\b.*row has 3 cells, the header 2 \(number, reason\)/,
    );
    expect(gw.sim.received()).toHaveLength(0);
    expect(await gw.project.lock()).toBeUndefined();
    const plan = await gw.run(['plan']);
    expect(plan.code).not.toBe(0);
    expect(plan.stderr).toMatch(/lists\/dnc\.csv:3:1/);
    const validate = await gw.run(['validate']);
    expect(validate.code).not.toBe(0);
    expect(output(validate)).toMatch(
      /lists\/dnc\.csv:4:\d+\b.*row has 3 cells, the header 2 \(number, reason\)/,
    );
  });

  it('a number listed without a leading + (an export, a national form) is never called', async () => {
    const gw = await gateway(
      {
        'calls/three.yaml': callsYaml([
          { name: 'export-listed', to: phone('+15550002222') },
          { name: 'national-listed', to: phone('+15550002333') },
          { name: 'not-listed', to: phone('+15550002444') },
        ]),
        'lists/dnc.csv': 'number,reason\n15550002222,no plus\n(555) 000-2333,national\n',
      },
      ['suppress: [lists/dnc.csv]'],
    );
    const validate = await gw.run(['validate']);
    expect(validate.code, output(validate)).toBe(0);
    expect(output(validate)).toMatch(
      /lists\/dnc\.csv:2:1\b.*2 numbers have no leading \+ \(the first here\): each is matched by its last digits/,
    );
    const plan = await gw.run(['plan']);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stderr).toMatch(/lists\/dnc\.csv:2:1\b.*no leading \+/);
    expect(plan.stdout).toMatch(/Suppressed — on a do-not-call list, never sent \(2\):/);
    expect(plan.stdout).toMatch(/sim\/export-listed .*do-not-call: no plus \(lists\/dnc\.csv:2\)/);
    expect(plan.stdout).toMatch(
      /sim\/national-listed .*do-not-call: national \(lists\/dnc\.csv:3\)/,
    );

    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code, output(apply)).toBe(0);
    expect(output(apply)).toMatch(/1 placed, 0 failed, 0 unknown, 2 suppressed/);
    expect(dialled(gw)).toEqual(['+15550002444']);
    expect(Object.keys((await gw.project.lock())?.calls ?? {})).toEqual(['sim/not-listed']);
  });

  it('an entry that could never match (a spreadsheet `.0` or E+10, + then 0) is an error at its cell; nothing is sent', async () => {
    const gw = await gateway(
      {
        'calls/four.yaml': callsYaml([
          { name: 'pandas', to: phone('+15550100001') },
          { name: 'us-prefix', to: phone('+15550100003') },
          { name: 'float', to: phone('+15550100007') },
          // Called with an international prefix after the +: held back by the number's listing.
          { name: 'prefixed-call', to: phone('+0015550100001') },
          { name: 'not-listed', to: phone('+15550100008') },
        ]),
        'lists/dnc.csv':
          'number,reason\n15550100001.0,asked\n+15550100007.0,asked\n+0015550100001,asked\n+01115550100003,asked\n1.55501E+10,asked\n',
      },
      ['suppress: [lists/dnc.csv]'],
    );
    const cells = [
      'lists/dnc.csv:2:1: error: `15550100001.0` looks like a spreadsheet number: read as digits, its `.0` would be part of the number; format the column as text and write the digits alone (`15550100001`)',
      'lists/dnc.csv:3:1: error: `+15550100007.0` looks like a spreadsheet number',
      'lists/dnc.csv:4:1: error: `+0015550100001`: no country code starts with 0 (00 is an international prefix, dialled before the country code the + stands for); write `+15550100001`',
      'lists/dnc.csv:5:1: error: `+01115550100003`: no country code starts with 0 (011 is an international prefix',
      'lists/dnc.csv:6:1: error: `1.55501E+10` is a spreadsheet number in scientific notation: its last digits are lost; format the column as text and export it again',
    ];
    for (const args of [['validate'], ['plan'], ['apply', '--yes']]) {
      const result = await gw.run(args);
      expect(result.code, output(result)).toBe(1);
      for (const cell of cells) expect(result.stderr).toContain(cell);
    }
    expect(gw.sim.received()).toHaveLength(0);
    expect(await gw.project.lock()).toBeUndefined();

    // Written as the errors say, each listing holds back its number, also one called after 00.
    await gw.project.write(
      'lists/dnc.csv',
      'number,reason\n+15550100001,asked\n+15550100007,asked\n+15550100003,asked\n',
    );
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code, output(apply)).toBe(0);
    expect(output(apply)).toMatch(/1 placed, 0 failed, 0 unknown, 4 suppressed/);
    expect(output(apply)).toMatch(/suppressed sim\/prefixed-call .*asked \(lists\/dnc\.csv:2\)/);
    expect(dialled(gw)).toEqual(['+15550100008']);
  });

  it('a decimal of any fraction, a trunk (0), + and 16 digits, a dash of another script: each an error at its cell; nothing is sent', async () => {
    const gw = await gateway(
      {
        'calls/five.yaml': callsYaml([
          { name: 'three-zeros', to: phone('+15550100003') },
          { name: 'four-zeros', to: phone('+15550100004') },
          { name: 'trunk', to: phone('+15550100005') },
          { name: 'extension', to: phone('+15550100006') },
          { name: 'dash', to: phone('+15550100007') },
          { name: 'not-listed', to: phone('+15550100008') },
        ]),
        'lists/dnc.csv':
          'number,reason\n15550100003.000,asked\n+15550100004.0000,asked\n+1 (0)555 010 0005,asked\n+1555010000600000,asked\n+1 555\u2011010\u20110007,asked\n',
      },
      ['suppress: [lists/dnc.csv]'],
    );
    const cells = [
      'lists/dnc.csv:2:1: error: `15550100003.000` looks like a spreadsheet number: read as digits, its `.000` would be part of the number; format the column as text and write the digits alone (`15550100003`)',
      'lists/dnc.csv:3:1: error: `+15550100004.0000` looks like a spreadsheet number: read as digits, its `.0000` would be part of the number; format the column as text and write the digits alone (`+15550100004`)',
      'lists/dnc.csv:4:1: error: `+1 (0)555 010 0005`: a 0 in parentheses after the country code is a trunk prefix, dialled only from inside the country: read as digits, it would be part of the number; write `+15550100005`',
      'lists/dnc.csv:5:1: error: `+1555010000600000` has 16 digits after the +: no number has more than 15 (E.164), so no call could match it',
      'lists/dnc.csv:6:1: error: not a phone number: write digits, optionally with a leading +: U+2011 here is not a digit, a space or one of ( ) . -',
    ];
    for (const args of [['validate'], ['plan'], ['apply', '--yes']]) {
      const result = await gw.run(args);
      expect(result.code, output(result)).toBe(1);
      for (const cell of cells) expect(result.stderr).toContain(cell);
    }
    expect(gw.sim.received()).toHaveLength(0);
    expect(await gw.project.lock()).toBeUndefined();

    // Written as the errors say, each listing holds back its number.
    await gw.project.write(
      'lists/dnc.csv',
      'number,reason\n15550100003,asked\n+15550100004,asked\n+15550100005,asked\n+15550100006,asked\n+1 555-010-0007,asked\n',
    );
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code, output(apply)).toBe(0);
    expect(output(apply)).toMatch(/1 placed, 0 failed, 0 unknown, 5 suppressed/);
    expect(dialled(gw)).toEqual(['+15550100008']);
  });

  it('two numbers without + in one cell are an error at the cell, not one number that holds back only the second; nothing is sent', async () => {
    const gw = await gateway(
      {
        'calls/two.yaml': callsYaml([
          { name: 'first', to: phone('+15550100001') },
          { name: 'second', to: phone('+15550100002') },
        ]),
        'lists/dnc.csv': 'number,reason\n5550100001 5550100002,asked\n',
      },
      ['suppress: [lists/dnc.csv]'],
    );
    const cell =
      'lists/dnc.csv:2:1: error: `5550100001 5550100002` has 20 digits: more than any number has, even after an international prefix (00 or 011 and at most 15 digits: 18), so it cannot be one number';
    for (const args of [['validate'], ['plan'], ['apply', '--yes']]) {
      const result = await gw.run(args);
      expect(result.code, output(result)).toBe(1);
      expect(result.stderr, args[0]).toContain(cell);
    }
    expect(gw.sim.received()).toHaveLength(0);
    // A row each: both held back.
    await gw.project.write('lists/dnc.csv', 'number,reason\n5550100001,asked\n5550100002,asked\n');
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code, output(apply)).toBe(0);
    expect(apply.stdout).toContain('Held back: 2 suppressed.');
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('a list named twice is a warning at its second mention, read once: its own warnings said once', async () => {
    const gw = await gateway(
      {
        'calls/three.yaml': callsYaml([{ name: 'listed', to: phone('+15550002222') }]),
        'lists/dnc.csv': 'number,reason\n15550002222,no plus\n',
      },
      ['suppress:', '  - lists/dnc.csv', '  - ./lists/dnc.csv'],
    );
    for (const command of [['validate'], ['plan'], ['apply', '--yes']]) {
      const r = await gw.run(command);
      expect(r.code, output(r)).toBe(0);
      expect(r.stderr, command[0]).toContain(
        'callops.yaml:9:5: warning: `suppress` names ./lists/dnc.csv again (its entry 1 is the same list): it is read once',
      );
      expect(r.stderr.match(/no leading \+/g) ?? [], command[0]).toHaveLength(1);
    }
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('a list that does not exist is an error at its line in callops.yaml', async () => {
    const gw = await gateway({ 'calls/five.yaml': FIVE }, ['suppress: [lists/missing.csv]']);
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code).not.toBe(0);
    expect(apply.stderr).toMatch(/callops\.yaml:\d+:\d+\b.*lists\/missing\.csv: no such file/);
    expect(gw.sim.received()).toHaveLength(0);
  });
});

describe('per-number limits (limits.per_number)', () => {
  const THREE_TO_ONE = callsYaml([
    { name: 'remind-1', to: phone('+15550003001') },
    { name: 'remind-2', to: phone('+15550003001') },
    { name: 'remind-3', to: phone('+15550003001') },
    { name: 'other', to: phone('+15550003002') },
  ]);

  it('places at most N calls to one number within the window; the rest wait, across applies', async () => {
    const gw = await gateway({ 'calls/remind.yaml': THREE_TO_ONE }, [
      'limits: { per_number: 2/24h }',
    ]);
    const plan = await gw.run(['plan']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/Waiting — held back by a limit, due later \(1\):/);
    expect(plan.stdout).toMatch(/sim\/remind-3 .*per-number limit 2\/24h reached/);

    const first = await gw.run(['apply', '--yes']);
    expect(output(first)).toMatch(/3 placed, 0 failed, 0 unknown, 1 waiting/);
    expect(first.code).toBe(0);
    expect(dialled(gw).sort()).toEqual(['+15550003001', '+15550003001', '+15550003002']);
    const lock = await gw.project.lock();
    expect(Object.keys(lock?.calls ?? {}).sort()).toEqual([
      'sim/other',
      'sim/remind-1',
      'sim/remind-2',
    ]);
    const digest = numberDigest('+15550003001');
    const entries = lock?.calls as Record<string, { number?: string }> | undefined;
    expect(entries?.['sim/remind-1']?.number).toBe(digest);
    expect(entries?.['sim/remind-2']?.number).toBe(digest);

    const second = await gw.run(['apply', '--yes']);
    expect(second.code).toBe(0);
    expect(output(second)).toMatch(/1 waiting/);
    expect(dialled(gw)).toHaveLength(3);
    const replan = await gw.run(['plan', '--format', 'json']);
    const json = JSON.parse(replan.stdout) as { waiting: { key: string; reason: string }[] };
    expect(json.waiting.map((w) => w.key)).toEqual(['sim/remind-3']);
  });

  it('a call --replace placed again to another number still counts for the number it rang', async () => {
    const gw = await gateway(
      { 'calls/a.yaml': callsYaml([{ name: 'a', to: phone('+15550003141') }]) },
      ['limits: { per_number: 1/24h }'],
    );
    expect((await gw.run(['apply', '--yes'])).code).toBe(0);
    await gw.project.write('calls/a.yaml', callsYaml([{ name: 'a', to: phone('+15550003149') }]));
    const replaced = await gw.run(['apply', '--yes', '--replace', 'a']);
    expect(replaced.code, output(replaced)).toBe(0);
    await gw.project.write(
      'calls/a.yaml',
      callsYaml([
        { name: 'a', to: phone('+15550003149') },
        { name: 'b', to: phone('+15550003141') },
      ]),
    );
    const next = await gw.run(['apply', '--yes']);
    expect(next.code, output(next)).toBe(0);
    expect(output(next)).toMatch(/waiting sim\/b {2}per-number limit 1\/24h reached/);
    expect(dialled(gw)).toEqual(['+15550003141', '+15550003149']);
  });

  it('a number from a secret ${VAR} never appears in the lockfile, the state files or the output', async () => {
    const canary = '+15557770123';
    const gw = await gateway(
      {
        'calls/secret.yaml': callsYaml([
          { name: 'secret-1', to: phone('${PATIENT_PHONE}') },
          { name: 'secret-2', to: phone('${PATIENT_PHONE}') },
        ]),
      },
      ['limits: { per_number: 1/24h }'],
    );
    const env = { PATIENT_PHONE: canary };
    const plan = await gw.run(['plan'], env);
    expect(plan.stdout).toMatch(/sim\/secret-2 .*per-number limit 1\/24h reached/);
    // The claim's journal line is held before its fdatasync: read it while it is there.
    const gate = join(gw.project.dir, 'gate');
    const child = spawnCli(['apply', '--yes'], {
      cwd: gw.project.dir,
      env: { ...gw.env, ...env, [HOLD_SYNC_ENV]: gate },
    });
    const { done } = watch(child, 20_000);
    await waitFor('the claim held before its fdatasync', () =>
      existsSync(`${gate}.reached`) ? true : undefined,
    );
    const journal = await gw.project.read('.callops/journal.jsonl');
    expect(journal).toContain(`"number":"${numberDigest(canary)}"`);
    await writeFile(gate, '');
    const apply = await done;
    expect(output(apply)).toMatch(/1 placed, 0 failed, 0 unknown, 1 waiting/);
    expect(dialled(gw)).toEqual([canary]);
    const lockText = await gw.project.read('callops.lock');
    expect(lockText).toContain(numberDigest(canary));
    const digits = canary.slice(1);
    for (const text of [plan.stdout, plan.stderr, apply.stdout, apply.stderr, journal])
      expect(text).not.toContain(digits);
    const files = (await filesUnder(gw.project.dir)).filter((f) => !f.path.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(file.text).not.toContain(digits);
  });
  it('plan --now judges the limit on the real clock, as apply --now does, and shows what it would do', async () => {
    const gw = await gateway(
      {
        'calls/a.yaml': callsYaml([
          { name: 'first', to: phone('+15550003201') },
          { name: 'second', to: phone('+15550003201') },
        ]),
      },
      ['limits: { per_number: 1/1h }'],
    );
    expect((await gw.run(['apply', '--yes'])).code).toBe(0);
    expect(dialled(gw)).toEqual(['+15550003201']);
    // Three hours on: the window has passed as at --now, not on the clock the limit counts.
    const later = new Date(Date.now() + 3 * 3_600_000).toISOString();
    const plan = await gw.run(['plan', '--now', later, '--format', 'json']);
    expect(plan.code, plan.stderr).toBe(0);
    const json = JSON.parse(plan.stdout) as {
      due: { key: string }[];
      waiting: { key: string; reason: string }[];
    };
    expect(json.due).toEqual([]);
    expect(json.waiting.map((w) => w.key)).toEqual(['sim/second']);
    const apply = await gw.run(['apply', '--yes', '--now', later]);
    expect(apply.code, output(apply)).toBe(0);
    // Not counted as due: held back, as apply without --now says it.
    expect(apply.stdout).not.toMatch(/calls? due/);
    expect(apply.stdout).toMatch(/^waiting sim\/second {2}per-number limit 1\/1h reached/m);
    expect(apply.stdout).toMatch(/^Held back: 1 waiting\.$/m);
    expect(dialled(gw)).toEqual(['+15550003201']);
  });
});
