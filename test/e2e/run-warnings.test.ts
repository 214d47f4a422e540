// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${VAR} references
import { afterEach, describe, expect, it } from 'vitest';
import { callsYaml, type Gateway, startGateway, startRun } from './helpers.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

/** Every two seconds; a deadline far longer than a loaded machine could stall. */
const EVERY_2S = 'schedule: { cron: "*/2 * * * * *", deadline: 30s }';
const RESOLVED = 'to.number: ${TO} resolves to a number with no leading +';
const LITERAL = 'number has no leading +';

const count = (text: string, words: string): number => text.split(words).length - 1;

describe('callops run and a number without +', () => {
  it('says the warning of a ${VAR} number once, as it says a literal one, not at every batch', {
    timeout: 120_000,
  }, async () => {
    gw = await startGateway({
      'calls/a.yaml': callsYaml([
        { name: 'var', to: '{ type: phone, number: "${TO}" }', extra: [EVERY_2S] },
        { name: 'lit', to: '{ type: phone, number: "15550150003" }', extra: [EVERY_2S] },
      ]),
      // Read beside callops.yaml: the number run resolves at each batch.
      '.env': 'TO=15550150002\n',
    });
    const g = gw;
    const placedOf = async (name: string) =>
      Object.keys((await g.project.lock())?.calls ?? {}).filter((k) => k.startsWith(`sim/${name}@`))
        .length;
    const run = startRun(g);
    await run.until('three slots of var placed', async () =>
      (await placedOf('var')) >= 3 ? true : undefined,
    );
    run.child.kill('SIGTERM');
    const r = await run.done;
    const text = `${r.stdout}\n${r.stderr}`;
    expect(r.code, text).toBe(0);
    // Each batch resolved var again (three of them at least), and each dialled the number.
    expect(await placedOf('var')).toBeGreaterThanOrEqual(3);
    expect(count(text, LITERAL), text).toBe(1);
    expect(count(text, RESOLVED), text).toBe(1);
    expect(text).not.toContain('15550150002');
  });
});

describe('callops apply --format json and the warnings of its input', () => {
  it('carries them in its object, as plan does, whether it places calls or finds none due', {
    timeout: 60_000,
  }, async () => {
    gw = await startGateway({
      'calls/a.yaml': callsYaml([
        { name: 'var', to: '{ type: phone, number: "${TO}" }' },
        { name: 'lit', to: '{ type: phone, number: "15550150003" }' },
      ]),
      '.env': 'TO=15550150002\n',
    });
    const messages = (stdout: string): string[] =>
      (JSON.parse(stdout) as { warnings: { message: string }[] }).warnings.map((w) => w.message);
    const placing = await gw.run(['apply', '--yes', '--format', 'json']);
    expect(placing.code, placing.stderr).toBe(0);
    expect(messages(placing.stdout)).toEqual([
      expect.stringContaining(LITERAL),
      expect.stringContaining(RESOLVED),
    ]);
    expect(placing.stdout).not.toContain('15550150002');
    // Nothing due: the object says the warnings of the input all the same.
    const none = await gw.run(['apply', '--yes', '--format', 'json']);
    expect(none.code, none.stderr).toBe(0);
    expect(messages(none.stdout)).toEqual([expect.stringContaining(LITERAL)]);
  });
});
