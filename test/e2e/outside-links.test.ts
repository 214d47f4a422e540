import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  callsYaml,
  campaignYaml,
  configYaml,
  everyOutput,
  type Gateway,
  output,
  startGateway,
} from './helpers.js';

const open: Gateway[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()));
  await Promise.all(closers.splice(0).map((c) => c()));
});

// What a file outside the project holds: a CI secret and a line of /etc/shadow.
const CANARY = 'sk-live-CANARY-0123456789';
const SHADOW = 'root:CANARY-shadow-hash:19000:0:99999:7:::';

const gateway = async (files: Readonly<Record<string, string>>): Promise<Gateway> => {
  const gw = await startGateway({ 'calls/a.yaml': callsYaml([{ name: 'one' }]), ...files });
  open.push(gw);
  return gw;
};

describe('a file that leads out of the project', () => {
  it('as a call file, a recipients CSV or a do-not-call list is refused, naming the link and where it points, never what it holds', async () => {
    const away = await mkdtemp(join(tmpdir(), 'callops-e2e-away-'));
    closers.push(() => rm(away, { recursive: true, force: true }));
    const secret = join(away, 'ci.env');
    await writeFile(secret, `VG_API_KEY=${CANARY}\n${SHADOW}\n`);
    const cases: {
      name: string;
      files: Readonly<Record<string, string>>;
      config?: string;
      link: string;
      said: string;
    }[] = [
      {
        name: 'call file',
        files: {},
        link: 'calls/out.yaml',
        said: `calls/out.yaml: error: is a symbolic link to ${secret}, outside the project`,
      },
      {
        name: 'recipients CSV',
        files: { 'calls/c.yaml': campaignYaml().replace('../lists/reminders.csv', 'list.csv') },
        link: 'calls/list.csv',
        said: `recipients \`list.csv\` (calls/list.csv): is a symbolic link to ${secret}, outside the project`,
      },
      {
        name: 'do-not-call list',
        files: {},
        config: 'suppress: [dnc.csv]\n',
        link: 'dnc.csv',
        said: `do-not-call list dnc.csv: is a symbolic link to ${secret}, outside the project`,
      },
    ];
    for (const c of cases) {
      const gw = await gateway(c.files);
      if (c.config !== undefined)
        await gw.project.write('callops.yaml', `${configYaml(gw.sim.url)}${c.config}`);
      await symlink(secret, join(gw.project.dir, c.link));
      for (const { what, r } of await everyOutput(gw)) {
        const all = output(r);
        expect(r.code, `${c.name}: ${what}`).toBe(1);
        expect(all, `${c.name}: ${what}`).not.toContain('CANARY');
        if (what.endsWith('human')) expect(r.stderr, `${c.name}: ${what}`).toContain(c.said);
        else expect(all, `${c.name}: ${what}`).toContain('outside the project');
      }
      expect(gw.sim.received(), c.name).toHaveLength(0);
      expect(gw.project.exists('callops.lock'), c.name).toBe(false);
    }
  }, 120_000);

  it('a link inside the project is followed as before', async () => {
    const gw = await gateway({
      'shared/b.yaml': callsYaml([
        { name: 'linked', to: '{ type: phone, number: "+15550003333" }' },
      ]),
    });
    await symlink('../shared/b.yaml', join(gw.project.dir, 'calls/b.yaml'));
    const validate = await gw.run(['validate']);
    expect(validate.code).toBe(0);
    const plan = await gw.run(['plan']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('linked');
  }, 40_000);
});
