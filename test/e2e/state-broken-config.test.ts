// biome-ignore-all lint/suspicious/noTemplateCurlyInString: callops.yaml holds a literal ${DB} reference
import { spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { callsYaml, type Gateway, startGateway } from './helpers.js';

const open: Gateway[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()));
});

const gateway = async (): Promise<Gateway> => {
  const gw = await startGateway({
    'calls/a.yaml': callsYaml([{ name: 'one' }, { name: 'two' }]),
  });
  open.push(gw);
  return gw;
};

/** `.callops/run.lock` of a run that is gone, as src/state/runlock.ts writes it. */
const goneHolder = (): string => {
  const pid = spawnSync(process.execPath, ['-e', '']).pid as number;
  return `${JSON.stringify({ pid, host: hostname(), since: new Date(Date.now() - 60_000).toISOString(), command: 'callops apply' })}\n`;
};

const SYNTAX = {
  text: 'defaults: { timeout: [45 }\n',
  said: /callops\.yaml:\d+:26: error: flow sequence/,
};

describe('state pull, state push, unlock and resolve with a broken callops.yaml', () => {
  it('show its errors and change nothing, never taking the file store defaults', async () => {
    const gw = await gateway();
    const config = `${await gw.project.read('callops.yaml')}lockfile: records/calls.lock\n`;
    await gw.project.write('callops.yaml', config);
    const applied = await gw.run(['apply', '--yes']);
    expect(applied.code, applied.stderr).toBe(0);
    // The lockfile lost (a stale CI cache): .callops/ still holds the placements.
    await rm(join(gw.project.dir, 'records/calls.lock'));
    const held = goneHolder();
    await gw.project.write('.callops/run.lock', held);

    const broken = [
      { name: 'a YAML syntax error', text: `${config}${SYNTAX.text}`, said: SYNTAX.said },
      {
        name: 'no settings',
        text: '# settings to come\n',
        said: /callops\.yaml:1:1: error: holds no settings/,
      },
    ];
    for (const b of broken) {
      await gw.project.write('callops.yaml', b.text);
      for (const command of [
        ['state', 'pull'],
        ['unlock'],
        ['resolve', 'sim/one', '--not-placed'],
      ]) {
        const what = `${b.name}: ${command.join(' ')}`;
        const r = await gw.run(command);
        expect(r.code, what).toBe(1);
        expect(r.stderr, what).toMatch(b.said);
        expect(r.stderr, what).toContain('nothing was changed');
        expect(r.stdout, what).not.toContain('commit');
        expect(r.stdout, what).not.toContain('no run lock was held');
      }
      expect(gw.project.exists('callops.lock'), b.name).toBe(false);
      expect(gw.project.exists('records/calls.lock'), b.name).toBe(false);
      expect(await gw.project.read('.callops/run.lock'), b.name).toBe(held);
    }

    // Mended, state pull writes the placements back into the lockfile callops.yaml names.
    await gw.project.write('callops.yaml', config);
    const pulled = await gw.run(['state', 'pull']);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.stdout).toContain('records/calls.lock');
    expect(gw.project.exists('records/calls.lock')).toBe(true);
    expect(gw.project.exists('callops.lock')).toBe(false);
    expect(gw.sim.received()).toHaveLength(2);
  });

  it('with a postgres state and a syntax error, state push and unlock refuse at the error, not as the file store', async () => {
    const gw = await gateway();
    const config = await gw.project.read('callops.yaml');
    await gw.project.write(
      'callops.yaml',
      `${config}state: { backend: postgres, url: "\${DB}" }\n${SYNTAX.text}`,
    );
    const held = goneHolder();
    await gw.project.write('.callops/run.lock', held);
    for (const command of [['state', 'push'], ['state', 'pull'], ['unlock']]) {
      const r = await gw.run(command, { DB: 'postgres://callops@127.0.0.1:1/none' });
      expect(r.code, command.join(' ')).toBe(1);
      expect(r.stderr, command.join(' ')).toMatch(SYNTAX.said);
      expect(r.stderr, command.join(' ')).not.toContain('file store');
      expect(r.stdout, command.join(' ')).toBe('');
    }
    expect(gw.project.exists('callops.lock')).toBe(false);
    expect(await gw.project.read('.callops/run.lock')).toBe(held);
  });
});
