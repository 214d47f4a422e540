import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeFifo, releaseFifo } from '../support/fifo.js';
import {
  type CliResult,
  callsYaml,
  type Gateway,
  output,
  runCli,
  startGateway,
} from './helpers.js';

const open: Gateway[] = [];
const fifos: string[] = [];
afterEach(async () => {
  for (const fifo of fifos.splice(0)) releaseFifo(fifo);
  await Promise.all(open.splice(0).map((g) => g.close()));
});

const phone = (number: string) => `{ type: phone, number: "${number}" }`;

const gateway = async (): Promise<Gateway> => {
  const gw = await startGateway({
    'calls/a.yaml': callsYaml([
      { name: 'allowed', to: phone('+15550001001') },
      { name: 'listed', to: phone('+15550001003') },
    ]),
    'lists/dnc.csv': 'number\n+15550001003\n',
  });
  open.push(gw);
  return gw;
};

/** Runs the CLI in the project, killed (SIGKILL) if it is still there after 10 s. */
const run = (gw: Gateway, args: readonly string[], env: Record<string, string> = {}) =>
  runCli(args, { cwd: gw.project.dir, env: { ...gw.env, ...env }, timeoutMs: 10_000 });

/** Makes `rel` a FIFO, or a directory, in place of what is there. */
const replaceWith = async (gw: Gateway, rel: string, kind: 'fifo' | 'dir') => {
  const path = join(gw.project.dir, rel);
  await rm(path, { recursive: true, force: true });
  if (kind === 'dir') await mkdir(path);
  else {
    makeFifo(path);
    fifos.push(path);
  }
};

const expectRefused = (r: CliResult, command: string, text: string, code = 1) => {
  expect(r.signal, `${command} was killed: it hung\n${output(r)}`).toBeNull();
  expect(r.stderr, command).toContain(text);
  expect(r.code, `${command}\n${output(r)}`).toBe(code);
};

describe.each(['fifo', 'dir'] as const)('a %s where callops reads a file', (kind) => {
  it('as the lockfile stops plan, status and apply: is not a regular file', async () => {
    const gw = await gateway();
    await replaceWith(gw, 'callops.lock', kind);
    for (const command of [['plan'], ['status'], ['apply', '--yes']]) {
      const r = await run(gw, command);
      expectRefused(r, command.join(' '), 'callops.lock: is not a regular file');
    }
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('as a do-not-call list stops plan, status, validate and apply, located', async () => {
    const gw = await gateway();
    await gw.project.write(
      'callops.yaml',
      `${await gw.project.read('callops.yaml')}suppress: [lists/dnc.csv]\n`,
    );
    await replaceWith(gw, 'lists/dnc.csv', kind);
    for (const command of [['plan'], ['status'], ['validate'], ['apply', '--yes']]) {
      const r = await run(gw, command);
      expectRefused(
        r,
        command.join(' '),
        'callops.yaml:7:12: error: do-not-call list lists/dnc.csv: is not a regular file',
      );
    }
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('as a call file the `calls` patterns match by its name stops every command, nothing sent', async () => {
    const gw = await gateway();
    const config = await gw.project.read('callops.yaml');
    await replaceWith(gw, 'calls/b.yaml', kind);
    // The default patterns, then callops.yaml naming the file exactly.
    for (const calls of ['', 'calls: [calls/a.yaml, calls/b.yaml]\n']) {
      await gw.project.write('callops.yaml', `${config}${calls}`);
      for (const command of [['validate'], ['plan'], ['status'], ['apply', '--yes']]) {
        const r = await run(gw, command);
        expectRefused(
          r,
          `${command.join(' ')} ${calls}`,
          'calls/b.yaml: error: is not a regular file',
        );
      }
    }
    expect(gw.sim.received()).toHaveLength(0);
    expect(gw.project.exists('callops.lock')).toBe(false);
  });

  it('as apply --plan FILE is a usage error naming the flag', async () => {
    const gw = await gateway();
    await replaceWith(gw, 'plan.json', kind);
    const r = await run(gw, ['apply', '--yes', '--plan', 'plan.json']);
    expectRefused(r, 'apply --plan', '--plan plan.json: is not a regular file', 64);
    expect(gw.sim.received()).toHaveLength(0);
  });
});

describe('a lockfile nested absurdly deep', () => {
  it('is refused where the nesting is too deep, not with a stack overflow', async () => {
    const gw = await gateway();
    const head = '{"lockfileVersion":1,"calls":{"x":';
    await writeFile(
      join(gw.project.dir, 'callops.lock'),
      `${head}${'['.repeat(100_000)}${']'.repeat(100_000)}}}\n`,
    );
    for (const command of [['plan'], ['apply', '--yes']]) {
      const r = await run(gw, command);
      expectRefused(
        r,
        command[0] as string,
        `callops.lock:1:${head.length + 63}: callops.lock: values nested too deeply (more than 64 levels)`,
      );
      expect(r.stderr).not.toMatch(/call stack/);
    }
    expect(gw.sim.received()).toHaveLength(0);
  });
});

describe('a callops.yaml that holds no settings', () => {
  it('is an error at 1:1, never the env target without the do-not-call list', async () => {
    // The project's callops.yaml, with its do-not-call list, truncated to nothing.
    const gw = await gateway();
    const env = {
      CALLOPS_BASE_URL: gw.sim.url,
      CALLOPS_ACCOUNT_SID: gw.sim.accountSid,
      CALLOPS_API_KEY: gw.sim.apiKey,
    };
    for (const text of ['# truncated\n', '', '---\n']) {
      await gw.project.write('callops.yaml', text);
      for (const command of [['apply', '--yes'], ['plan'], ['status'], ['validate']]) {
        const r = await run(gw, command, env);
        expectRefused(
          r,
          `${command.join(' ')} with ${JSON.stringify(text)}`,
          'callops.yaml:1:1: error: holds no settings (empty or only comments): write its settings, or remove the file to use the CALLOPS_* environment target',
        );
      }
    }
    expect(gw.sim.received()).toHaveLength(0);
    expect(gw.project.exists('callops.lock')).toBe(false);
  });
});
