// biome-ignore-all lint/suspicious/noTemplateCurlyInString: callops.yaml holds literal ${VAR} references
import { afterEach, describe, expect, it } from 'vitest';
import { campaignYaml, type Gateway, output, recipientNumber, startGateway } from './helpers.js';

const open: Gateway[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()));
});

const PASSWORD = 'pw-555-secret';
const NOT_A_URL = `postgres://x:${PASSWORD}@[::1:5/p`;
const LOCATED = 'callops.yaml:9:8: error: `state.url` (from DBURL) is not a URL;';

/** A campaign project whose state is a database named by ${DBURL}. */
const project = async (): Promise<Gateway> => {
  const gw = await startGateway({
    'calls/reminders.yaml': campaignYaml(),
    'lists/reminders.csv': `id,name,phone\nr1,Patient 1,${recipientNumber(1)}\n`,
  });
  open.push(gw);
  const config = await gw.project.read('callops.yaml');
  await gw.project.write(
    'callops.yaml',
    `${config}state:\n  backend: postgres\n  url: \${DBURL}\n  schema: s\n`,
  );
  return gw;
};

describe('a state url that cannot be resolved is shown at its place in every format', () => {
  it('report (human, csv, json), status json and apply json name the line and column, never the password', {
    timeout: 30_000,
  }, async () => {
    const gw = await project();
    const env = { DBURL: NOT_A_URL };
    for (const args of [
      ['report', 'reminders'],
      ['report', 'reminders', '--format', 'csv'],
      ['status'],
    ]) {
      const r = await gw.run(args, env);
      expect(r.code, output(r)).toBe(1);
      expect(r.stderr, args.join(' ')).toContain(LOCATED);
      // They send nothing in any case: they do not say so.
      expect(r.stderr).toContain(`callops ${args[0]}: the state store cannot be opened\n`);
      expect(r.stderr).not.toContain('nothing was sent');
      expect(r.stdout, args.join(' ')).toBe('');
      expect(output(r)).not.toContain(PASSWORD);
    }
    for (const args of [
      ['report', 'reminders', '--format', 'json'],
      ['status', '--format', 'json'],
      ['apply', '--yes', '--format', 'json'],
    ]) {
      const r = await gw.run(args, env);
      expect(r.code, output(r)).toBe(1);
      expect(JSON.parse(r.stdout), args.join(' ')).toEqual({
        ok: false,
        errors: [
          expect.objectContaining({
            file: 'callops.yaml',
            line: 9,
            column: 8,
            path: '/state/url',
            severity: 'error',
            message: expect.stringContaining('`state.url` (from DBURL) is not a URL'),
          }),
        ],
      });
      expect(output(r)).not.toContain(PASSWORD);
    }
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('report --format csv shows an invalid recipients row on stderr, not only that the project is invalid', async () => {
    const gw = await project();
    await gw.project.write('lists/reminders.csv', 'id,name,phone\nr1,Patient 1,not-a-number\n');
    const r = await gw.run(['report', 'reminders', '--format', 'csv'], { DBURL: NOT_A_URL });
    expect(r.code, output(r)).toBe(1);
    expect(r.stderr).toMatch(/lists\/reminders\.csv:2:\d+: error: /);
    expect(r.stdout).toBe('');
  });
});
