// biome-ignore-all lint/suspicious/noTemplateCurlyInString: callops.yaml holds literal ${VAR} references
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../src/simulator/index.js';
import { SCHEMA_VERSION } from '../../src/state/postgres/schema.js';
import {
  ACCOUNT_SID,
  API_KEY,
  callsPerNumber,
  callsYaml,
  type Gateway,
  output,
  SIM_UNRESOLVED,
  simUnresolvedBeside,
} from './helpers.js';
import { postgresForFile, queryDatabase } from './postgres-project.js';

/**
 * With `backend: postgres`, each placement's row records the gateway that placed it (the
 * `gateway` column: a digest of its base_url and account_sid as they resolved, never the
 * URL). A target whose variable is unset or empty in a job (a missing CI secret) is then read
 * by its rows: those placed on the run target's gateway (the gateway renamed) are held, those
 * placed on another (staging, then production) are placed again, and rows an earlier release
 * wrote, without it, are read as another gateway's as before, and said. The real CLI, the
 * built-in simulator, a real PostgreSQL server.
 */

const db = postgresForFile();

let other: RunningSimulator | undefined;
afterEach(async () => {
  await other?.close();
  other = undefined;
});

const ONE = '+15550180001';
const TWO = '+15550180002';

const CALLS = {
  'calls/a.yaml': callsYaml([
    { name: 'c1', to: `{ type: phone, number: "${ONE}" }` },
    { name: 'c2', to: `{ type: phone, number: "${TWO}" }` },
  ]),
};

/** The project's two calls placed under its target `sim`, the state in `schema`. */
const placedUnderSim = async (schema: string): Promise<Gateway> => {
  const g = await db.gateway(CALLS, { schema });
  const first = await g.run(['apply', '--yes'], db.env);
  expect(first.code, output(first)).toBe(0);
  expect(callsPerNumber(g)).toEqual({ [ONE]: 1, [TWO]: 1 });
  return g;
};

const WHY = SIM_UNRESOLVED;

describe('rows recording the gateway that placed them, their target unresolved here', () => {
  it('the gateway renamed, GW_URL unset or empty: each number called once', {
    timeout: 90_000,
  }, async () => {
    const g = await placedUnderSim('recorded_here');
    const rows = await queryDatabase<{ key: string; gateway: string | null }>(
      db.url,
      'SELECT key, gateway FROM recorded_here.placements ORDER BY key',
    );
    expect(rows.rows.map((r) => r.key)).toEqual(['sim/c1', 'sim/c2']);
    for (const r of rows.rows) expect(r.gateway).toMatch(/^sha256:[0-9a-f]{16}$/);
    const version = await queryDatabase<{ v: number }>(
      db.url,
      'SELECT max(version) AS v FROM recorded_here.callops_schema_version',
    );
    // The schema this release writes: the one that records the gateway (12) or a later one.
    expect(version.rows[0]?.v).toBe(SCHEMA_VERSION);
    await simUnresolvedBeside(g, g.sim.url);
    for (const env of [{}, { GW_URL: '' }]) {
      const plan = await g.run(['plan', '--format', 'json'], { ...db.env, ...env });
      expect(plan.code, output(plan)).toBe(0);
      const json = JSON.parse(plan.stdout) as { due: unknown[]; unresolvedTargets?: unknown };
      expect(json.due).toEqual([]);
      expect(json.unresolvedTargets).toEqual([{ target: 'sim', entries: 2, held: 2 }]);
      const r = await g.run(['apply', '--yes'], { ...db.env, ...env });
      expect(r.code, output(r)).toBe(0);
      expect(r.stdout).toContain(
        `${WHY}, but its entries record which gateway placed them: 2 entries placed on the gateway of production are held, not placed again`,
      );
      expect(callsPerNumber(g)).toEqual({ [ONE]: 1, [TWO]: 1 });
    }
  });

  it('staging, then production whose job lacks staging variables: placed on production', {
    timeout: 90_000,
  }, async () => {
    const g = await placedUnderSim('recorded_elsewhere');
    other = await startSimulator({ accountSid: ACCOUNT_SID, apiKey: API_KEY });
    await simUnresolvedBeside(g, other.url);
    const r = await g.run(['apply', '--yes'], db.env);
    expect(r.code, output(r)).toBe(0);
    expect(r.stdout).toContain(
      `${WHY}, but its entries record which gateway placed them: 2 entries placed on another gateway are placed again under production`,
    );
    expect(callsPerNumber(other)).toEqual({ [ONE]: 1, [TWO]: 1 });
    expect(callsPerNumber(g)).toEqual({ [ONE]: 1, [TWO]: 1 });
  });

  it('rows an earlier release wrote, without it: read as another gateway’s, and said', {
    timeout: 90_000,
  }, async () => {
    const g = await placedUnderSim('recorded_before');
    await queryDatabase(db.url, 'UPDATE recorded_before.placements SET gateway = NULL');
    await simUnresolvedBeside(g, g.sim.url);
    const r = await g.run(['apply', '--yes'], db.env);
    expect(r.code, output(r)).toBe(0);
    expect(r.stdout).toContain(
      `${WHY}: its 2 entries are read as another gateway's, and what they placed is placed again under production`,
    );
    expect(callsPerNumber(g)).toEqual({ [ONE]: 2, [TWO]: 2 });
  });
});
