import { describe, expect, it } from 'vitest';
import { placementRows } from '../support/postgres.js';
import { callsYaml, plainText, spawnOnTerminal, waitFor, watch } from './helpers.js';
import { postgresForFile } from './postgres-project.js';

/**
 * Two runners on one schema both asked to `apply --replace` one placed call: the call is
 * replaced once. The second runner's plan named the sid the first one replaced; its claim
 * finds another call there, so it sends nothing and says that another runner replaced that
 * call first (exit 0, as for a key another runner claimed first).
 */

const db = postgresForFile();

describe('--replace by two runners at once on the Postgres state', () => {
  it('the runner that comes second replaces nothing: not the first one’s new call', {
    timeout: 90_000,
  }, async () => {
    const gw = await db.gateway(
      { 'calls/a.yaml': callsYaml([{ name: 'x1' }]) },
      { schema: 'race' },
    );
    const first = await gw.run(['apply', '--yes'], db.env);
    expect(first.code, first.stderr).toBe(0);
    const original = gw.placed()[0]?.sid;
    expect(original).toBeDefined();

    // The second runner has planned, and waits at its question, naming the call it replaces.
    const second = spawnOnTerminal(['apply', '--replace', 'x1'], {
      cwd: gw.project.dir,
      env: { ...gw.env, ...db.env },
    });
    const { done, soFar } = watch(second, 40_000);
    await waitFor('the question', () =>
      /Type yes to go on: $/.test(plainText(soFar())) ? true : undefined,
    );
    expect(plainText(soFar())).toContain(`replaces ${original}`);

    // Meanwhile the other runner replaces it.
    const other = await gw.run(['apply', '--yes', '--replace', 'x1'], db.env);
    expect(other.code, other.stderr).toBe(0);
    expect(gw.placed()).toHaveLength(2);
    const replacement = gw.placed()[1]?.sid;

    second.stdin?.write('yes\r');
    const r = await done;
    const text = plainText(r.stdout);
    expect(r.code, text).toBe(0);
    // Nothing more reached the gateway: the other runner's call stands.
    expect(gw.placed()).toHaveLength(2);
    expect(text).toContain(
      `skipped  sim/x1  not replaced: another runner replaced ${original} first`,
    );
    expect(await placementRows(db.url, 'race')).toEqual([
      { key: 'sim/x1', status: 'placed', sid: replacement },
    ]);
  });
});
