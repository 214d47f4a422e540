import { afterEach, describe, expect, it } from 'vitest';
import { intentLine } from '../../src/state/journal.js';
import { callsYaml, type Gateway, startGateway } from './helpers.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

/** An intent line of one run, as the journal writes it (without its newline). */
const intent = (key: string, at: string) =>
  intentLine(JSON.stringify('run-1'), at, {
    key,
    target: 'sim',
    attempt: 1,
    definition: `sha256:${'0'.repeat(64)}`,
    file: 'calls/a.yaml',
  }).trimEnd();

describe('a journal damaged between two records of its run', () => {
  it('is refused at its line by every command that reads it, and nothing is sent', async () => {
    gw = await startGateway({
      'calls/a.yaml': callsYaml([{ name: 'a' }, { name: 'b' }, { name: 'c' }]),
    });
    // A run that died with three requests in flight; the second line was damaged since.
    const damaged = `X${intent('sim/b', '2026-03-10T09:00:01.000Z').slice(1)}`;
    await gw.project.write(
      '.callops/journal.jsonl',
      `${[intent('sim/a', '2026-03-10T09:00:00.000Z'), damaged, intent('sim/c', '2026-03-10T09:00:02.000Z')].join('\n')}\n`,
    );
    for (const args of [
      ['apply', '--yes'],
      ['plan'],
      ['status'],
      ['resolve', 'sim/a', '--not-placed'],
    ]) {
      const r = await gw.run(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toContain(
        '.callops/journal.jsonl:2:1: error: not a journal record, and no crash leaves a line like it here',
      );
      expect(r.stderr).toContain(
        'written at 2026-03-10T09:00:00.000Z and 2026-03-10T09:00:02.000Z',
      );
      // Only apply and run send: plan and status say what does not, rather than that they did not.
      expect(r.stderr).toContain(
        args[0] === 'apply'
          ? 'cannot be known, so nothing was sent. Compare'
          : args[0] === 'resolve'
            ? 'cannot be known, so nothing was recorded. Compare'
            : 'cannot be known: apply and run send nothing until then. Compare',
      );
    }
    expect(gw.sim.received()).toHaveLength(0);
    // Once a person has dealt with it (here: the line deleted), the run's intents are unknown.
    const text = await gw.project.read('.callops/journal.jsonl');
    await gw.project.write('.callops/journal.jsonl', text.replace(`${damaged}\n`, ''));
    const after = await gw.run(['apply', '--yes']);
    expect(after.code, after.stderr).toBe(0);
    expect(gw.placed()).toHaveLength(1);
    const lock = await gw.project.lock();
    expect(lock?.calls['sim/a']?.status).toBe('unknown');
    expect(lock?.calls['sim/c']?.status).toBe('unknown');
    expect(lock?.calls['sim/b']?.status).toBe('placed');
  });
});
