import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { lockedError } from '../../src/engine/state.js';
import { openPostgresStore } from '../../src/state/postgres/store.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';

/*
 * The run lock of a PostgreSQL state is the database's: when it was taken, and how long ago,
 * are told by the database's clock, which every runner shares, not by the clocks of the
 * runner that took it or of the one refused, either of which may be wrong.
 */

let server: TestPostgres;
let database: string;

beforeAll(async () => {
  server = await startPostgres();
  database = await server.freshDatabase();
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

/** A clock `shiftMs` off the real one (the database's, on this host). */
const shifted = (shiftMs: number) => () => new Date(Date.now() + shiftMs);

describe('the run lock of a PostgreSQL state', () => {
  test('is held since the database took it, and its age is told by the database clock', {
    timeout: 30_000,
  }, async () => {
    const slow = shifted(-50_000);
    const fast = shifted(50_000);
    const schema = 'lock_since';
    const holder = await openPostgresStore({
      url: database,
      schema,
      command: 'callops run',
      clock: slow,
    });
    const other = await openPostgresStore({
      url: database,
      schema,
      command: 'callops run',
      clock: fast,
    });
    try {
      const before = Date.now();
      const held = await holder.lock({ command: 'callops run', now: slow() });
      const after = Date.now();
      expect(held.ok).toBe(true);
      const refused = await other.lock({ command: 'callops run', now: fast() });
      expect(refused.ok).toBe(false);
      const since = Date.parse(refused.holder.since);
      expect(since).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
      expect(since).toBeLessThanOrEqual(after + 1000);
      const message = lockedError('the state database', refused.holder, fast(), 'postgres').message;
      expect(message).toMatch(
        /^the state database is in use: held by pid \d+ on host \S+ since \S+Z \(less than a minute ago\), running `callops run`/,
      );
      if (held.ok) await held.release();
    } finally {
      await holder.close();
      await other.close();
    }
  });
});
