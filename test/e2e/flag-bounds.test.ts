// biome-ignore-all lint/suspicious/noTemplateCurlyInString: callops.yaml holds literal ${VAR} references
import { link, lstat, mkdir, readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  callsYaml,
  campaignYaml,
  type Gateway,
  output,
  recipientNumber,
  startGateway,
} from './helpers.js';

const open: Gateway[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()));
});
const gateway = async (...args: Parameters<typeof startGateway>): Promise<Gateway> => {
  const gw = await startGateway(...args);
  open.push(gw);
  return gw;
};

/** `text` as a regular expression matching it literally. */
const literal = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

const CALLS = { 'calls/a.yaml': callsYaml([{ name: 'alpha' }, { name: 'beta' }]) };

describe('durations callops waits out in a timer', () => {
  it('a request_timeout from ${VAR} longer than a timer takes is refused at its place, nothing sent', async () => {
    const gw = await gateway(CALLS, { targetExtra: ['request_timeout: ${RT}'] });
    const r = await gw.run(['apply', '--yes'], { RT: '25d' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'callops.yaml:6:22: error: request_timeout `${RT}` is too long: at most 2147483647 ms',
    );
    expect(r.stderr).not.toContain('TimeoutOverflowWarning');
    expect(gw.sim.received()).toEqual([]);
  });

  it('a request_timeout written in callops.yaml is refused by validate', async () => {
    const gw = await gateway(CALLS, { targetExtra: ['request_timeout: 99999999h'] });
    const r = await gw.run(['validate']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'callops.yaml:6:22: error: request_timeout `99999999h` is too long: at most 2147483647 ms',
    );
  });

  it('--rate with a window longer than a timer takes is a usage error', async () => {
    const gw = await gateway(CALLS);
    const r = await gw.run(['apply', '--yes', '--rate', '1/25d']);
    expect(r.code).toBe(64);
    expect(r.stderr.trim()).toBe(
      'callops apply: --rate window must be at most 2147483647 ms (about 24.8 days, e.g. 24d) (got "1/25d")',
    );
    expect(gw.sim.received()).toEqual([]);
  });
});

describe('apply --wait', () => {
  it.each(['500ms', '1ms', '999ms'])('refuses %s: under 1s', async (value) => {
    const gw = await gateway(CALLS);
    const r = await gw.run(['apply', '--yes', '--wait', value]);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain(
      `--wait must be a duration from 1s to 1h such as 30s or 5m (got "${value}")`,
    );
    expect(gw.sim.received()).toEqual([]);
  });
});

describe('a single-value flag given twice', () => {
  it.each([
    [['apply', '--yes', '--target', 'sim', '--target', 'simulator'], '--target'],
    [['apply', '--yes', '--rate', '5/s', '--rate=6/s'], '--rate'],
    [['plan', '--format', 'json', '--format', 'human'], '--format'],
    [['plan', '-C', '.', '-C', 'calls'], '--dir (-C)'],
  ])('is a usage error naming it: %j', async (args, flag) => {
    const gw = await gateway(CALLS);
    const r = await gw.run(args);
    expect(r.code).toBe(64);
    expect(r.stderr.trim()).toBe(
      `callops ${args[0]}: ${flag} was given more than once; give it once (it takes one value)`,
    );
    expect(r.stdout).toBe('');
    expect(gw.sim.received()).toEqual([]);
  });

  it('--only stays repeatable', async () => {
    const gw = await gateway(CALLS);
    const r = await gw.run(['apply', '--yes', '--only', 'alpha', '--only', 'beta']);
    expect(r.code).toBe(0);
    expect(gw.placed()).toHaveLength(2);
  });
});

/** A campaign of two rows, a do-not-call list, a lockfile and an env file. */
const campaign = async (): Promise<Gateway> => {
  const gw = await gateway({
    'calls/reminders.yaml': campaignYaml(),
    'lists/reminders.csv': `id,phone,name\nr1,${recipientNumber(1)},Ann\nr2,${recipientNumber(2)},Bo\n`,
    'lists/dnc.csv': 'number\n+15550009999\n',
  });
  const config = await gw.project.read('callops.yaml');
  await gw.project.write('callops.yaml', `${config}suppress: [lists/dnc.csv]\n`);
  await gw.project.write('.env', 'X=1\n');
  expect((await gw.run(['apply', '--yes'])).code).toBe(0);
  return gw;
};

describe('plan --out', () => {
  it('refuses the file that defines a campaign, whose rows name its CSV', async () => {
    const gw = await campaign();
    const before = await gw.project.read('calls/reminders.yaml');
    const r = await gw.run(['plan', '--out', 'calls/reminders.yaml']);
    expect(r.code, output(r)).toBe(64);
    expect(r.stderr.trim()).toMatch(
      /^callops plan: --out calls\/reminders\.yaml: is a file callops reads; write the plan file elsewhere/,
    );
    expect(await gw.project.read('calls/reminders.yaml')).toBe(before);
  });

  it.each([
    ['callops.lock', 'is the lockfile'],
    ['callops.yaml', 'is the project config'],
    ['calls/a.yaml', 'is a file callops reads'],
    ['./calls/../.env', 'is an env file'],
    ['.callops/plan.json', 'is in the state directory .callops/'],
  ])('refuses %s, which callops reads, and leaves it as it was', async (out, why) => {
    const gw = await gateway(CALLS);
    expect((await gw.run(['apply', '--yes', '--only', 'alpha'])).code).toBe(0);
    await gw.project.write('.env', 'X=1\n');
    const path = join(gw.project.dir, out);
    const before = gw.project.exists(out) ? await readFile(path, 'utf8') : undefined;
    const r = await gw.run(['plan', '--out', out]);
    expect(r.code).toBe(64);
    expect(r.stderr.trim()).toMatch(new RegExp(`^callops plan: --out ${literal(out)}: ${why}`));
    expect(r.stdout).toBe('');
    const after = gw.project.exists(out) ? await readFile(path, 'utf8') : undefined;
    expect(after).toBe(before);
    expect((await gw.run(['apply', '--yes'])).code).toBe(0);
  });

  it.each([
    ['/nonexistent/x.json', 'no such directory /nonexistent'],
    ['calls', 'is a directory, not a file'],
    ['', ''],
  ])('a place it cannot write (%j) is one line naming the flag, exit 64', async (out, why) => {
    const gw = await gateway(CALLS);
    await mkdir(join(gw.project.dir, 'plans'));
    const r = await gw.run(['plan', `--out=${out}`]);
    expect(r.code).toBe(64);
    expect(r.stderr.trim()).toBe(
      out === '' ? 'callops plan: --out needs a file name' : `callops plan: --out ${out}: ${why}`,
    );
  });

  it.each([
    ['calls/new.yaml', 'calls/**/*.yaml, calls/**/*.yml'],
    ['calls/sub/new.yml', 'calls/**/*.yaml, calls/**/*.yml'],
    ['flows/plan.json', 'calls/**/*.yaml, flows/*.json'],
    // Through a linked folder: the patterns name the link, --out the folder it leads to.
    ['shared/plan.json', 'calls/**/*.yaml, flows/*.json'],
  ])('refuses a new %s, which the calls patterns would read as a call file', async (out, globs) => {
    const gw = await gateway(CALLS);
    await mkdir(join(gw.project.dir, 'calls/sub'));
    await mkdir(join(gw.project.dir, 'shared'));
    await symlink('shared', join(gw.project.dir, 'flows'));
    if (globs.includes('flows')) {
      const config = await gw.project.read('callops.yaml');
      await gw.project.write(
        'callops.yaml',
        `${config}calls: ["calls/**/*.yaml", "flows/*.json"]\n`,
      );
    }
    const r = await gw.run(['plan', '--out', out]);
    expect(r.code, output(r)).toBe(64);
    expect(r.stderr.trim()).toBe(
      `callops plan: --out ${out}: is named like a call file (${globs}): the next command would read it as one; write the plan file elsewhere, e.g. plan.json`,
    );
    expect(r.stdout).toBe('');
    expect(gw.project.exists(out)).toBe(false);
    expect((await gw.run(['validate'])).code).toBe(0);
  });

  it('writes a plan file beside the call files when the patterns do not match it', async () => {
    const gw = await gateway(CALLS);
    const r = await gw.run(['plan', '--out', 'calls/plan.json']);
    expect(r.code, output(r)).toBe(0);
    expect(gw.project.exists('calls/plan.json')).toBe(true);
    expect((await gw.run(['validate'])).code).toBe(0);
  });

  it('writes a plan file elsewhere, and again over its own', async () => {
    const gw = await gateway(CALLS);
    await mkdir(join(gw.project.dir, 'plans'));
    for (let i = 0; i < 2; i++) {
      const r = await gw.run(['plan', '--out', 'plans/p.json']);
      expect(r.code).toBe(0);
    }
    const r = await gw.run(['apply', '--yes', '--plan', 'plans/p.json']);
    expect(r.code).toBe(0);
    expect(gw.placed()).toHaveLength(2);
  });
});

describe('report --output', () => {
  it.each([
    ['callops.lock', 'is the lockfile'],
    ['callops.yaml', 'is the project config'],
    ['calls/reminders.yaml', 'is a file callops reads'],
    ['lists/reminders.csv', 'is a recipients file'],
    ['lists/dnc.csv', 'is a do-not-call list'],
    ['.env', 'is an env file'],
    ['.callops/report.csv', 'is in the state directory .callops/'],
  ])('refuses %s, which callops reads, and leaves it as it was', async (out, why) => {
    const gw = await campaign();
    const path = join(gw.project.dir, out);
    const before = gw.project.exists(out) ? await readFile(path, 'utf8') : undefined;
    const r = await gw.run(['report', 'reminders', '--output', out]);
    expect(r.code, output(r)).toBe(64);
    expect(r.stderr.trim()).toMatch(
      new RegExp(`^callops report: --output ${literal(out)}: ${why}; write the report elsewhere`),
    );
    expect(r.stdout).toBe('');
    const after = gw.project.exists(out) ? await readFile(path, 'utf8') : undefined;
    expect(after).toBe(before);
    const again = await gw.run(['report', 'reminders']);
    expect(again.code, output(again)).toBe(0);
    expect(again.stdout.split('\n').filter((l) => l !== '')).toHaveLength(3);
  });

  it('refuses a new file the calls patterns would read as a call file', async () => {
    const gw = await campaign();
    const r = await gw.run(['report', 'reminders', '--output', 'calls/report.yaml']);
    expect(r.code, output(r)).toBe(64);
    expect(r.stderr.trim()).toBe(
      'callops report: --output calls/report.yaml: is named like a call file (calls/**/*.yaml, calls/**/*.yml): the next command would read it as one; write the report elsewhere, e.g. report.csv',
    );
    expect(gw.project.exists('calls/report.yaml')).toBe(false);
    expect((await gw.run(['validate'])).code).toBe(0);
  });

  it('a place it cannot write is one line naming the flag, exit 64', async () => {
    const gw = await campaign();
    const r = await gw.run(['report', 'reminders', '--output', 'out/report.csv']);
    expect(r.code, output(r)).toBe(64);
    expect(r.stderr.trim()).toBe('callops report: --output out/report.csv: no such directory out');
  });
});

describe('a FILE that is another name of a file callops reads (a hard link)', () => {
  it.each([
    ['plan', '--out', 'callops.lock', 'is the lockfile'],
    ['plan', '--out', 'lists/dnc.csv', 'is a do-not-call list'],
    ['report', '--output', 'callops.lock', 'is the lockfile'],
    ['report', '--output', 'lists/dnc.csv', 'is a do-not-call list'],
  ])(
    '%s %s linked to %s is refused, and that file left as it was',
    async (command, flag, target, why) => {
      const gw = await campaign();
      await link(join(gw.project.dir, target), join(gw.project.dir, 'hl.json'));
      const before = await gw.project.read(target);
      const args = command === 'report' ? ['report', 'reminders'] : ['plan'];
      const r = await gw.run([...args, flag, 'hl.json']);
      expect(r.code, output(r)).toBe(64);
      expect(r.stderr.trim()).toMatch(
        new RegExp(`^callops ${command}: ${flag} hl\\.json: ${why}; `),
      );
      expect(await gw.project.read(target)).toBe(before);
      expect(await gw.project.read('hl.json')).toBe(before);
      expect((await gw.run(['status'])).code, 'the lockfile is read as before').toBe(0);
    },
  );

  it.each([
    ['plan', '--out'],
    ['report', '--output'],
  ])(
    '%s %s replaces the name it is given: a file linked to it keeps what it held',
    async (command, flag) => {
      const gw = await campaign();
      await gw.project.write('notes.txt', 'kept\n');
      await link(join(gw.project.dir, 'notes.txt'), join(gw.project.dir, 'out.json'));
      const args = command === 'report' ? ['report', 'reminders'] : ['plan'];
      const r = await gw.run([...args, flag, 'out.json']);
      expect(r.code, output(r)).toBe(0);
      expect(await gw.project.read('notes.txt')).toBe('kept\n');
      expect(await gw.project.read('out.json')).not.toBe('kept\n');
      // A symbolic link is followed: the file it leads to is written, the link stays.
      await symlink('out.json', join(gw.project.dir, 'via.json'));
      const via = await gw.run([...args, flag, 'via.json']);
      expect(via.code, output(via)).toBe(0);
      expect((await lstat(join(gw.project.dir, 'via.json'))).isSymbolicLink()).toBe(true);
      expect(await gw.project.read('via.json')).toBe(await gw.project.read('out.json'));
    },
  );
});
