// biome-ignore-all lint/suspicious/noTemplateCurlyInString: callops.yaml holds literal ${VAR} references
import { describe, expect, it } from 'vitest';
import { numberDigest } from '../../src/screen/number.js';
import { callsYaml, type Gateway, output, startGateway } from './helpers.js';
import { postgresForFile, queryDatabase } from './postgres-project.js';

const db = postgresForFile();

const NUMBER = '+15552300101';

interface Lock {
  calls: Record<string, unknown>;
  schedules?: Record<string, { prunedThrough?: string; rang?: unknown }>;
}

/**
 * A project on the file store whose one-off slot, placed two hours ago under `per_number:
 * 1/1h` and `keep: 1h`, the next apply lets go: its memory keeps the call (`rang`). Then the
 * state moves to PostgreSQL (`schema`), and the limit is widened to 1/24h beside a call to the
 * same number: the window reaches back over the call let go.
 */
const setUp = async (schema: string, lockfile: (slotKey: string, placedAt: string) => object) => {
  const slot = new Date(Math.floor((Date.now() - 2 * 3_600_000) / 60_000) * 60_000);
  const at = slot.toISOString().replace('.000Z', 'Z');
  const once = {
    name: 'once',
    to: `{ type: phone, number: "${NUMBER}" }`,
    extra: [`schedule: { at: "${at}" }`],
  };
  const gw = await startGateway({ 'calls/a.yaml': callsYaml([once]) });
  const config = await gw.project.read('callops.yaml');
  const placedAt = new Date(slot.getTime() + 30_000).toISOString();
  await gw.project.write(
    'callops.lock',
    `${JSON.stringify(lockfile(`sim/once@${at}`, placedAt), null, 2)}\n`,
  );
  const configure = async (backend: 'file' | 'postgres', window: string) => {
    const state =
      backend === 'file'
        ? ['state:', '  keep: 1h']
        : [
            'state:',
            '  backend: postgres',
            '  url: ${CALLOPS_DATABASE_URL}',
            `  schema: ${schema}`,
            '  keep: 1h',
          ];
    await gw.project.write(
      'callops.yaml',
      `${config}limits: { per_number: ${window} }\n${state.join('\n')}\n`,
    );
  };
  await configure('file', '1/1h');
  const widen = async (backend: 'file' | 'postgres') => {
    await configure(backend, '1/24h');
    await gw.project.write(
      'calls/a.yaml',
      callsYaml([once, { name: 'again', to: `{ type: phone, number: "${NUMBER}" }` }]),
    );
  };
  return { gw, widen, configure, placedAt };
};

const placedEntry = (placedAt: string) => ({
  at: placedAt,
  callId: '1459be02-424e-447d-82e9-5362ffe12301',
  definition: 'sha256:0',
  file: 'calls/a.yaml',
  number: numberDigest(NUMBER),
  sid: 'f5323c91-5cf1-4253-8928-9270e4fb4d31',
  status: 'placed',
});

const push = async (gw: Gateway) => {
  const r = await gw.run(['state', 'push'], db.env);
  expect(r.code, output(r)).toBe(0);
  return r;
};

describe('state push carries the calls state.keep let go, which per-number limits count', () => {
  it('a window widened after the push still counts them, pushed twice or pulled back to a file', {
    timeout: 60_000,
  }, async () => {
    const schema = 'push_rang';
    const { gw, widen, configure, placedAt } = await setUp(schema, (key, at) => ({
      calls: { [key]: placedEntry(at) },
      lockfileVersion: 1,
    }));
    try {
      // Under 1/1h and keep 1h the file store lets the entry go: its memory keeps the call.
      const first = await gw.run(['apply', '--yes']);
      expect(first.code, output(first)).toBe(0);
      const pruned = JSON.parse(await gw.project.read('callops.lock')) as Lock;
      expect(pruned.calls).toEqual({});
      const rang = { numbers: { [numberDigest(NUMBER)]: [placedAt] } };
      expect(pruned.schedules?.['sim/once']?.rang).toEqual(rang);

      await configure('postgres', '1/1h');
      await push(gw);
      await widen('postgres');
      const r = await gw.run(['apply', '--yes', '--format', 'json'], db.env);
      expect(r.code, output(r)).toBe(0);
      // The call waits, and the slot let go is not reported missed: the database knows both.
      expect(JSON.parse(r.stdout)).toMatchObject({ placed: 0, waiting: 1, missed: 0 });
      expect(gw.placed()).toHaveLength(0);
      const plan = await gw.run(['plan'], db.env);
      expect(plan.code, output(plan)).toBe(0);
      expect(plan.stdout).toMatch(/sim\/again.*per-number limit 1\/24h reached/s);

      // Pushed again, the memory is the same: not counted twice, nor lost.
      await push(gw);
      const stored = await queryDatabase<{ key: string; rang: unknown }>(
        db.url,
        `SELECT key, rang FROM ${schema}.schedules WHERE rang IS NOT NULL`,
      );
      expect(stored.rows).toEqual([{ key: 'sim/once', rang }]);

      // Pulled back to a file, callops.lock keeps it, and the file store goes on counting it.
      const pull = await gw.run(['state', 'pull'], db.env);
      expect(pull.code, output(pull)).toBe(0);
      const pulled = JSON.parse(await gw.project.read('callops.lock')) as Lock;
      expect(pulled.schedules?.['sim/once']?.rang).toEqual(rang);
      await widen('file');
      const back = await gw.run(['apply', '--yes', '--format', 'json']);
      expect(back.code, output(back)).toBe(0);
      expect(JSON.parse(back.stdout)).toMatchObject({ placed: 0, waiting: 1 });
      expect(gw.placed()).toHaveLength(0);
    } finally {
      await gw.close();
    }
  });

  it('what an earlier release let go without keeping its calls holds the call after the push, as before it', {
    timeout: 60_000,
  }, async () => {
    // As an earlier release left it: the entry let go, only `prunedThrough` remembered.
    const { gw, widen } = await setUp('push_pruned', (key) => {
      const slot = key.slice(key.indexOf('@') + 1).replace('Z', '.000Z');
      return {
        calls: {},
        lockfileVersion: 1,
        schedules: { 'sim/once': { since: slot, prunedThrough: slot } },
      };
    });
    try {
      await widen('postgres');
      await push(gw);
      const r = await gw.run(['apply', '--yes'], db.env);
      expect(r.code, output(r)).toBe(0);
      expect(r.stdout).toMatch(
        /waiting\s+sim\/again\s+per-number limit 1\/24h: its window reaches back before \S+, and calls made until then whose entries state.keep let go are no longer remembered/,
      );
      expect(gw.placed()).toHaveLength(0);
    } finally {
      await gw.close();
    }
  });
});
