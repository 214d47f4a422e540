import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLOCK_SHIFT_ENV } from '../../src/cli/failpoint-clock.js';
import {
  callsYaml,
  type Gateway,
  makeProject,
  output,
  type Project,
  runCli,
  startGateway,
} from './helpers.js';

let gw: Gateway | undefined;
let teammate: Project | undefined;
afterEach(async () => {
  await gw?.close();
  await teammate?.cleanup();
  gw = undefined;
  teammate = undefined;
});

/** The CLI's clock moved to `at` (the test failpoint: its wall clock alone is shifted). */
const clockAt = (at: string) => ({ [CLOCK_SHIFT_ENV]: String(Date.parse(at) - Date.now()) });

const HOURLY = callsYaml([
  {
    name: 'hourly',
    to: '{ type: phone, number: "+15552300501" }',
    extra: ['schedule: { cron: "0 * * * *", deadline: 10m }'],
  },
]);
const SLOT = 'sim/hourly@2026-12-07T09:00:00Z';

/**
 * Two people share a project through git. A places the 09:00 slot; B pulls and applies, so
 * B's `.callops/` copy holds its entry. At 10:30 A's apply lets that entry go (`keep: 1h`,
 * its memory says so), then A widens `per_number` (or raises `keep`): the entry is no longer
 * one `state.keep` lets go, and B pulls a lockfile that holds its memory instead.
 */
describe('a lockfile whose memory holds an entry let go, after keep grew (file store)', () => {
  for (const [edit, from, to] of [
    ['per_number widened', 'per_number: 1/1h', 'per_number: 1/3h'],
    ['keep raised', 'keep: 1h', 'keep: 7d'],
  ] as const) {
    it(`is newer, not moved backwards: plan and apply go on, placing nothing (${edit})`, {
      timeout: 90_000,
    }, async () => {
      gw = await startGateway({ 'calls/team.yaml': HOURLY });
      const b = gw.project;
      const config = `${await b.read('callops.yaml')}limits: { per_number: 1/1h }\nstate: { keep: 1h }\n`;
      await b.write('callops.yaml', config);
      teammate = await makeProject({ 'callops.yaml': config, 'calls/team.yaml': HOURLY });
      const a = teammate;
      const runA = (args: readonly string[], at: string) =>
        runCli(args, { cwd: a.dir, env: { ...gw?.env, ...clockAt(at) } });
      const pull = async (...files: string[]) => {
        for (const file of files) await copyFile(join(a.dir, file), join(b.dir, file));
      };

      const first = await runA(['apply', '--yes'], '2026-12-07T09:00:30Z');
      expect(first.code, output(first)).toBe(0);
      expect(gw.placed()).toHaveLength(1);
      await pull('callops.lock');
      const synced = await gw.run(['apply', '--yes'], clockAt('2026-12-07T09:01:00Z'));
      expect(synced.code, output(synced)).toBe(0);
      expect(Object.keys(JSON.parse(await b.read('.callops/written.lock')).calls)).toEqual([SLOT]);

      // A's apply at 10:30 lets the 09:00 entry go: its memory holds the slot and its call.
      const later = await runA(['apply', '--yes'], '2026-12-07T10:30:30Z');
      expect(later.code, output(later)).toBe(0);
      const lock = JSON.parse(await a.read('callops.lock'));
      expect(lock.calls).toEqual({});
      expect(lock.schedules['sim/hourly'].prunedThrough).toBe('2026-12-07T09:00:00.000Z');
      await a.write('callops.yaml', config.replace(from, to));
      await pull('callops.lock', 'callops.yaml');

      const plan = await gw.run(['plan'], clockAt('2026-12-07T10:31:00Z'));
      expect(plan.code, output(plan)).toBe(0);
      expect(plan.stderr).not.toContain('moved backwards');
      const apply = await gw.run(
        ['apply', '--yes', '--format', 'json'],
        clockAt('2026-12-07T10:31:00Z'),
      );
      expect(apply.code, output(apply)).toBe(0);
      expect(JSON.parse(apply.stdout)).toMatchObject({ placed: 0 });
      expect(gw.placed()).toHaveLength(1);
    });
  }
});
