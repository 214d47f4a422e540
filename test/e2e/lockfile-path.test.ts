import { readdir } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { callsYaml, type Gateway, output, startGateway } from './helpers.js';

const CALLS = {
  'calls/welcome.yaml': callsYaml([{ name: 'welcome-alice' }, { name: 'welcome-bob' }]),
};

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

/** The project with `lockfile: VALUE` added to its callops.yaml, and where the error about it is. */
const withLockfile = async (value: string, files: Readonly<Record<string, string>> = {}) => {
  gw = await startGateway({ ...CALLS, ...files });
  const config = await gw.project.read('callops.yaml');
  await gw.project.write('callops.yaml', `${config}lockfile: ${value}\n`);
  return { gw, at: `callops.yaml:${config.split('\n').length}:11: error: \`lockfile\` must` };
};

/** validate, plan and apply each refuse with `message` at the `lockfile:` value; nothing is sent. */
const refusedEverywhere = async (
  g: Gateway,
  at: string,
  message: string,
  env: Readonly<Record<string, string | undefined>> = {},
  flags: readonly string[] = [],
) => {
  for (const command of [['validate'], ['plan'], ['apply', '--yes']]) {
    const r = await g.run([...command, ...flags], env);
    expect(r.code, `${command.join(' ')}\n${output(r)}`).toBe(1);
    expect(r.stderr, command.join(' ')).toContain(`${at} ${message}`);
  }
  expect(g.sim.received()).toHaveLength(0);
  expect(g.project.exists('.callops/journal.jsonl')).toBe(false);
};

describe('a `lockfile:` callops reads as another file', () => {
  it('`.env` is an error at the value, with no .env there or one holding the key; nothing is written', async () => {
    const { gw: g, at } = await withLockfile('.env');
    const message =
      'be a file of its own, not one callops reads: .env is an env file; apply would write the lockfile over it';
    await refusedEverywhere(g, at, message);
    expect(g.project.exists('.env')).toBe(false);

    const vars = `VG_API_KEY=${g.env.VG_API_KEY}\n`;
    await g.project.write('.env', vars);
    await refusedEverywhere(g, at, message, { VG_API_KEY: undefined });
    expect(await g.project.read('.env')).toBe(vars);
  });

  it('a `.env` an earlier apply wrote the lockfile into is named as that, not as lines that are no variables', async () => {
    const { gw: g, at } = await withLockfile('.env', {
      '.env': '{\n  "calls": {},\n  "lockfileVersion": 1\n}\n',
    });
    const plan = await g.run(['plan']);
    expect(plan.code, output(plan)).toBe(1);
    expect(plan.stderr).toContain(
      `${at} be a file of its own, not one callops reads: .env is an env file`,
    );
    expect(plan.stderr).not.toContain('not a variable');
    const apply = await g.run(['apply', '--yes']);
    expect(apply.code, output(apply)).toBe(1);
    expect(apply.stderr).toContain(`${at} be a file of its own`);
    expect(apply.stderr).not.toMatch(/not valid JSON|not a variable/);
    expect(g.sim.received()).toHaveLength(0);
  });

  it('the file --env-file names is an error at the value under that flag', async () => {
    const { gw: g, at } = await withLockfile('ci.env', { 'ci.env': 'TO=+15550002000\n' });
    await refusedEverywhere(
      g,
      at,
      'be a file of its own, not one callops reads: ci.env is an env file',
      {},
      ['--env-file', 'ci.env'],
    );
    expect(await g.project.read('ci.env')).toBe('TO=+15550002000\n');
  });

  it('a name the `calls` patterns match is an error at the value; one written there is not read as a call file', async () => {
    const { gw: g, at } = await withLockfile('calls/state.yaml');
    const message =
      'not be named like a call file (calls/**/*.yaml, calls/**/*.yml): once apply wrote calls/state.yaml, every command after would read it as a call file and fail';
    await refusedEverywhere(g, at, message);
    expect(g.project.exists('calls/state.yaml')).toBe(false);

    // As an earlier apply left it: the one error is the value's, not the file's shape.
    await g.project.write('calls/state.yaml', '{\n  "calls": {},\n  "lockfileVersion": 1\n}\n');
    const validate = await g.run(['validate']);
    expect(validate.code).toBe(1);
    expect(validate.stderr).toContain(`${at} ${message}`);
    expect(validate.stderr).not.toContain('calls/state.yaml:');
    expect(validate.stderr).toContain('1 error, 0 warnings');
  });

  it('a do-not-call list is an error at the value; the list keeps what it held', async () => {
    const list = 'number\n+15550002000\n';
    const { gw: g, at } = await withLockfile('lists/dnc.csv', { 'lists/dnc.csv': list });
    await g.project.write(
      'callops.yaml',
      `${await g.project.read('callops.yaml')}suppress: [lists/dnc.csv]\n`,
    );
    await refusedEverywhere(
      g,
      at,
      'be a file of its own, not one callops reads: lists/dnc.csv is a do-not-call list',
    );
    expect(await g.project.read('lists/dnc.csv')).toBe(list);
  });

  it('a NUL, a line break, a format character or white space at an end is an error at the value in every command; no file is made', async () => {
    const { gw: g, at } = await withLockfile('callops.lock');
    const config = await g.project.read('callops.yaml');
    const before = (await readdir(g.project.dir)).sort();
    const cases: readonly (readonly [string, string])[] = [
      ['"calls/welcome.yaml\\u0000"', 'it holds \\u0000, which no file name can hold'],
      [
        '"callops.lock\\n"',
        "it holds \\n, a control character: the file's name would not show as written",
      ],
      [
        '"ca\\u200bllops.lock"',
        'it holds \\u200b, which shows as nothing: it looks like callops.lock and is another name',
      ],
      [
        '"callops.lock "',
        "it ends with white space, which would be part of the file's name though it shows as nothing",
      ],
    ];
    for (const [value, why] of cases) {
      await g.project.write(
        'callops.yaml',
        config.replace('lockfile: callops.lock', `lockfile: ${value}`),
      );
      const message = `be a file path of visible characters: ${why}; keep it beside callops.yaml (callops.lock)`;
      await refusedEverywhere(g, at, message);
      const status = await g.run(['status']);
      expect(status.code, output(status)).toBe(1);
      expect(status.stderr).toContain(`${at} ${message}`);
      expect(status.stderr).not.toMatch(/null bytes|ERR_INVALID_ARG/);
      expect((await readdir(g.project.dir)).sort(), value).toEqual(before);
    }
  });
});
