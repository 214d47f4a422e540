import { rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { callsYaml, type Gateway, startGateway } from './helpers.js';

const open: Gateway[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()));
});

const phone = (number: string) => `{ type: phone, number: "${number}" }`;

const gateway = async (files: Readonly<Record<string, string>> = {}): Promise<Gateway> => {
  const gw = await startGateway({
    'calls/a.yaml': callsYaml([
      { name: 'allowed', to: phone('+15550001001') },
      { name: 'listed', to: phone('+15550001003') },
    ]),
    ...files,
  });
  open.push(gw);
  return gw;
};

/** Makes `rel` in the project a symbolic link to `target`, in place of what is there. */
const link = async (gw: Gateway, rel: string, target: string): Promise<void> => {
  await rm(join(gw.project.dir, rel), { force: true });
  await symlink(target, join(gw.project.dir, rel));
};

describe('a symbolic link that cannot be followed', () => {
  it('as callops.yaml stops apply with the env target set: nothing is sent, no do-not-call number dialled', async () => {
    const gw = await gateway({ 'dnc.csv': 'number\n+15550001003\n' });
    await link(gw, 'callops.yaml', '/nonexistent-mount/config/callops.yaml');
    const env = {
      CALLOPS_BASE_URL: gw.sim.url,
      CALLOPS_ACCOUNT_SID: gw.sim.accountSid,
      CALLOPS_API_KEY: gw.sim.apiKey,
    };
    const r = await gw.run(['apply', '--yes'], env);
    expect(r.stderr).toContain(
      'callops.yaml: error: is a symbolic link to a missing file (/nonexistent-mount/config/callops.yaml)',
    );
    expect(r.code).toBe(1);
    expect(gw.sim.received()).toHaveLength(0);
    expect(gw.project.exists('callops.lock')).toBe(false);
  });

  it('as callops.yaml in a loop is an error, not the built-in simulator', async () => {
    const gw = await gateway();
    await link(gw, 'callops.yaml', 'callops.yaml');
    for (const command of [['plan'], ['apply', '--yes'], ['validate']]) {
      const r = await gw.run(command);
      expect(r.stderr, command[0]).toContain(
        'callops.yaml: error: is a symbolic link in a loop of links (callops.yaml)',
      );
      expect(r.stdout, command[0]).not.toMatch(/built-in simulator/);
      expect(r.code, command[0]).toBe(1);
    }
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('as a call file makes validate and apply fail, naming each one', async () => {
    const gw = await gateway();
    await symlink('/nonexistent.yaml', join(gw.project.dir, 'calls/dangling.yaml'));
    await symlink('loop2.yaml', join(gw.project.dir, 'calls/loop1.yaml'));
    await symlink('loop1.yaml', join(gw.project.dir, 'calls/loop2.yaml'));
    const validate = await gw.run(['validate']);
    expect(validate.code).toBe(1);
    expect(validate.stderr).toContain(
      'calls/dangling.yaml: error: is a symbolic link to a missing file (/nonexistent.yaml)',
    );
    expect(validate.stderr).toContain(
      'calls/loop1.yaml: error: is a symbolic link in a loop of links (loop2.yaml)',
    );
    const named = await gw.run(['validate', 'calls/loop1.yaml']);
    expect(named.code).toBe(1);
    expect(named.stderr).toContain(
      'calls/loop1.yaml: error: is a symbolic link in a loop of links',
    );
    expect(named.stderr).not.toMatch(/no such file/);
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code).toBe(1);
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('as .env is an error naming .env, nothing sent', async () => {
    const gw = await gateway();
    await symlink('.env', join(gw.project.dir, '.env'));
    const r = await gw.run(['apply', '--yes']);
    expect(r.stderr).toContain('.env: is a symbolic link in a loop of links (.env)');
    expect(r.code).toBe(1);
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('as the lockfile is an error, never an empty lockfile: nothing is placed again', async () => {
    const gw = await gateway();
    await link(gw, 'callops.lock', '/nonexistent/callops.lock');
    for (const command of [['plan'], ['apply', '--yes'], ['status']]) {
      const r = await gw.run(command);
      expect(r.stderr, command[0]).toContain(
        'callops.lock: is a symbolic link to a missing file (/nonexistent/callops.lock)',
      );
      expect(r.code, command[0]).toBe(1);
    }
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('as a do-not-call list, or a plan file, says what is wrong', async () => {
    const gw = await gateway();
    await gw.project.write(
      'callops.yaml',
      `${await gw.project.read('callops.yaml')}suppress: [dnc.csv]\n`,
    );
    await symlink('/nonexistent/dnc.csv', join(gw.project.dir, 'dnc.csv'));
    const plan = await gw.run(['plan']);
    expect(plan.stderr).toContain(
      'do-not-call list dnc.csv: is a symbolic link to a missing file (/nonexistent/dnc.csv)',
    );
    expect(plan.code).toBe(1);
    await rm(join(gw.project.dir, 'dnc.csv'));
    await gw.project.write(
      'callops.yaml',
      (await gw.project.read('callops.yaml')).replace('suppress: [dnc.csv]\n', ''),
    );
    await symlink('plan.json', join(gw.project.dir, 'plan.json'));
    const apply = await gw.run(['apply', '--plan', join(gw.project.dir, 'plan.json'), '--yes']);
    expect(apply.stderr).toMatch(/--plan .*plan\.json: is a symbolic link in a loop of links/);
    expect(apply.code).toBe(64);
    expect(gw.sim.received()).toHaveLength(0);
  });
});
