// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${row.X} references
import { afterEach, describe, expect, it } from 'vitest';
import { APP_SID, FROM, type Gateway, output, startGateway } from './helpers.js';

const open: Gateway[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()));
});
const gateway = async (files: Readonly<Record<string, string>>): Promise<Gateway> => {
  const gw = await startGateway(files);
  open.push(gw);
  return gw;
};

const campaignYaml = (extra: readonly string[] = []): string =>
  [
    'calls:',
    '  - name: reminders',
    '    recipients: ../lists/reminders.csv',
    `    application_sid: ${APP_SID}`,
    `    from: "${FROM}"`,
    '    to: { type: phone, number: "${row.phone}" }',
    '    tag: { patient: "${row.name}", row: "${row.id}" }',
    ...extra.map((l) => `    ${l}`),
    '',
  ].join('\n');

const number = (i: number) => `+1555${String(7000000 + i)}`;

const rows = (n: number, extra: (i: number) => string = () => ''): string =>
  [
    `id,name,phone${extra(-1) === '' ? '' : ',timezone'}`,
    ...Array.from({ length: n }, (_, i) => {
      const z = extra(i);
      return `r${i + 1},Patient ${i + 1},${number(i + 1)}${z === '' ? '' : `,${z}`}`;
    }),
    '',
  ].join('\n');

describe('campaigns: a recipients CSV, one placement per row', () => {
  it('places each of 50 rows once with its own number and keys <target>/<call>/<row id>; a second apply places nothing', async () => {
    const gw = await gateway({
      'calls/reminders.yaml': campaignYaml(),
      'lists/reminders.csv': rows(50),
    });
    const plan = await gw.run(['plan']);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stdout).toMatch(/reminders: 50 rows/);
    expect(plan.stdout).toContain(`sim/reminders/r1  → ${number(1)}`);
    const first = await gw.run(['apply', '--yes']);
    expect(first.code, output(first)).toBe(0);
    const placed = gw.placed();
    expect(placed).toHaveLength(50);
    const byNumber = new Map(
      placed.map((r) => [(r.body as { to: { number: string } }).to.number, r]),
    );
    expect(byNumber.size).toBe(50);
    const lock = await gw.project.lock();
    const keys = Object.keys(lock?.calls ?? {}).sort();
    expect(keys).toHaveLength(50);
    for (let i = 1; i <= 50; i += 1) {
      const entry = lock?.calls[`sim/reminders/r${i}`];
      expect(entry?.status).toBe('placed');
      const request = byNumber.get(number(i));
      expect(request?.sid).toBe(entry?.sid);
      expect((request?.body as { tag?: Record<string, string> } | undefined)?.tag).toEqual({
        patient: `Patient ${i}`,
        row: `r${i}`,
      });
    }
    const second = await gw.run(['apply', '--yes']);
    expect(second.code, output(second)).toBe(0);
    expect(second.stdout).toMatch(/Nothing is due/);
    expect(gw.sim.received()).toHaveLength(50);
  });
});
