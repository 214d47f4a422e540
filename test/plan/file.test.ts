// biome-ignore-all lint/suspicious/noTemplateCurlyInString: refusals quote a literal ${VAR}
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonPieces } from '../../src/plan/file.js';
import {
  buildPlan,
  checkPlanFile,
  definitionsOf,
  jsonBytes,
  type Plan,
  type PlanFileDigests,
  type PlanInput,
  type PlanItem,
  planDigest,
  saltedDigest,
  toPlanFile,
} from '../../src/plan/index.js';
import { lockDigest as digestLock } from '../../src/state/lockfile.js';
import { call, entry, lock, schedule } from './make.js';

const calls = [
  call('welcome'),
  call('daily', { schedule: schedule({ cron: '0 9 * * *' }) }),
  call('quiet', { enabled: false }),
];
const input: PlanInput = {
  calls,
  lock: lock(),
  now: new Date('2026-12-01T09:05:00Z'),
  runTarget: 'prod',
  explicitTarget: false,
};
/**
 * What the project resolves to, as plain data: each target's gateway and each call's
 * values (the call's options with every reference resolved), by name.
 */
interface World {
  readonly gateways: Readonly<Record<string, unknown>>;
  readonly values: Readonly<Record<string, unknown>>;
}
const world: World = {
  gateways: { prod: { base_url: 'https://vg.example.com', account_sid: 'AC1' } },
  values: { welcome: { to: '+15550002222' }, daily: { to: '+15550003333' } },
};
const digestsOf =
  (w: World) =>
  (salt: string): PlanFileDigests => ({
    gateway: (target) =>
      target in w.gateways ? saltedDigest(salt, w.gateways[target]) : undefined,
    values: (item: PlanItem) =>
      item.name in w.values ? saltedDigest(salt, w.values[item.name]) : undefined,
  });
const SALT = 'c2FsdA';
const sealed = { salt: SALT, digests: digestsOf(world)(SALT) };

const made = () => {
  const plan = buildPlan(input);
  const file = toPlanFile(plan, {
    ...sealed,
    lockDigest: digestLock(input.lock),
    definitions: definitionsOf(calls),
  });
  return { plan, file: JSON.parse(JSON.stringify(file)) as unknown };
};
const current = (over: Partial<PlanInput> = {}, w: World = world) => {
  const i = { ...input, ...over };
  return {
    plan: buildPlan(i),
    lockDigest: digestLock(i.lock),
    definitions: definitionsOf(i.calls),
    digests: digestsOf(w),
  };
};

describe('plan file', () => {
  it('holds keys, names and hashes, never destinations or values', () => {
    const { file } = made();
    const text = JSON.stringify(file);
    expect(text).not.toContain('+15550002222');
    expect(text).not.toContain('APP_SID');
    expect(file).toMatchObject({
      planFileVersion: 2,
      target: 'prod',
      now: '2026-12-01T09:05:00.000Z',
      definitions: {
        welcome: 'sha256:welcome-v1',
        daily: 'sha256:daily-v1',
        quiet: 'sha256:quiet-v1',
      },
      due: [
        { key: 'prod/welcome', name: 'welcome', definition: 'sha256:welcome-v1' },
        { key: 'prod/daily@2026-12-01T09:00:00Z', slot: '2026-12-01T09:00:00Z' },
      ],
    });
  });

  it('is accepted while nothing moved, a little later too', () => {
    const { file } = made();
    const check = checkPlanFile(file, current({ now: new Date('2026-12-01T09:08:00Z') }));
    expect(check.ok && check.due.map((i) => i.key)).toEqual([
      'prod/welcome',
      'prod/daily@2026-12-01T09:00:00Z',
    ]);
  });

  it('leaves slots that fell due after the plan to the next apply', () => {
    const every = [call('often', { schedule: schedule({ cron: '0,5 9 * * *', catchup: 'all' }) })];
    const plan = buildPlan({ ...input, calls: every, now: new Date('2026-12-01T09:03:00Z') });
    const file = toPlanFile(plan, {
      ...sealed,
      lockDigest: digestLock(lock()),
      definitions: definitionsOf(every),
    });
    const later = current({ calls: every, now: new Date('2026-12-01T09:06:00Z') });
    expect(later.plan.due.map((i) => i.key)).toEqual([
      'prod/often@2026-12-01T09:00:00Z',
      'prod/often@2026-12-01T09:05:00Z',
    ]);
    const check = checkPlanFile(file, later);
    expect(check.ok && check.due.map((i) => i.key)).toEqual(['prod/often@2026-12-01T09:00:00Z']);
  });

  it('is refused when a newer slot superseded a planned one (catch-up places only the latest)', () => {
    const every = [call('often', { schedule: schedule({ cron: '0,5 9 * * *' }) })];
    const plan = buildPlan({ ...input, calls: every, now: new Date('2026-12-01T09:03:00Z') });
    const file = toPlanFile(plan, {
      ...sealed,
      lockDigest: digestLock(lock()),
      definitions: definitionsOf(every),
    });
    const later = current({ calls: every, now: new Date('2026-12-01T09:06:00Z') });
    const check = checkPlanFile(file, later);
    expect(check.ok).toBe(false);
    expect(!check.ok && check.reason).toMatch(
      /^`prod\/often@2026-12-01T09:00:00Z` is no longer due at .*: superseded by 2026-12-01T09:05:00Z/,
    );
  });

  it('keeps the flags apply needs to rebuild the same plan', () => {
    const plan = buildPlan({ ...input, only: ['welcome'], retryUnknown: true });
    const file = toPlanFile(plan, {
      ...sealed,
      lockDigest: digestLock(input.lock),
      definitions: definitionsOf(calls),
      only: ['welcome'],
      retryUnknown: true,
    });
    expect(file).toMatchObject({ only: ['welcome'], retryUnknown: true });
    const check = checkPlanFile(JSON.parse(JSON.stringify(file)), {
      ...current(),
      plan: buildPlan({ ...input, only: ['welcome'], retryUnknown: true }),
    });
    expect(check.ok && check.due.map((i) => i.key)).toEqual(['prod/welcome']);
    expect(checkPlanFile({ ...file, only: 'welcome' }, current()).ok).toBe(false);
  });

  it('is refused when the lockfile moved on', () => {
    const { file } = made();
    const moved = lock({ 'prod/welcome': entry({ sid: 'sid-1' }) });
    expect(checkPlanFile(file, current({ lock: moved }))).toEqual({
      ok: false,
      reason: 'the lockfile changed since the plan was made; make a new plan',
    });
  });

  it('is refused when a definition changed, was added or removed', () => {
    const { file } = made();
    const changed = [call('welcome', { definition: 'sha256:welcome-v2' }), ...calls.slice(1)];
    expect(checkPlanFile(file, current({ calls: changed }))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('the definition of `welcome` changed'),
    });
    // Even a call that was not due counts.
    const quiet = [
      ...calls.slice(0, 2),
      call('quiet', { enabled: false, definition: 'sha256:q2' }),
    ];
    expect(checkPlanFile(file, current({ calls: quiet })).ok).toBe(false);
    expect(checkPlanFile(file, current({ calls: [...calls, call('new')] }))).toMatchObject({
      reason: expect.stringContaining('call `new` was added'),
    });
    expect(checkPlanFile(file, current({ calls: calls.slice(1) }))).toMatchObject({
      reason: expect.stringContaining('call `welcome` was removed'),
    });
  });

  it('is refused once a planned slot has passed its deadline', () => {
    const { file } = made();
    expect(checkPlanFile(file, current({ now: new Date('2026-12-01T09:30:00Z') }))).toEqual({
      ok: false,
      reason:
        '`prod/daily@2026-12-01T09:00:00Z` is no longer due at 2026-12-01T09:30:00.000Z: its deadline passed; make a new plan',
    });
  });

  it('says when a planned slot is still to come, not that its deadline passed', () => {
    const { file } = made();
    expect(checkPlanFile(file, current({ now: new Date('2026-12-01T08:59:00Z') }))).toEqual({
      ok: false,
      reason:
        '`prod/daily@2026-12-01T09:00:00Z` is no longer due at 2026-12-01T08:59:00.000Z: its slot 2026-12-01T09:00:00Z is still to come; make a new plan',
    });
  });

  it('says a slot far ahead, beyond the upcoming ones the plan lists, is still to come', () => {
    const ahead = { ...input, now: new Date('2026-12-08T09:05:00Z') };
    const file = toPlanFile(buildPlan(ahead), {
      ...sealed,
      lockDigest: digestLock(input.lock),
      definitions: definitionsOf(calls),
    });
    expect(checkPlanFile(JSON.parse(JSON.stringify(file)), current())).toEqual({
      ok: false,
      reason:
        '`prod/daily@2026-12-08T09:00:00Z` is no longer due at 2026-12-01T09:05:00.000Z: its slot 2026-12-08T09:00:00Z is still to come; make a new plan',
    });
  });

  it('is refused when edited, for another target, or not a plan file at all', () => {
    const { file } = made();
    const edited = JSON.parse(JSON.stringify(file)) as { due: { key: string }[] };
    edited.due.pop();
    expect(checkPlanFile(edited, current())).toMatchObject({
      reason: expect.stringContaining('edited'),
    });
    expect(checkPlanFile(file, current({ runTarget: 'staging' }))).toEqual({
      ok: false,
      reason: 'the plan is for target `prod`, not `staging`: apply it with --target prod',
    });
    expect(checkPlanFile({ hello: 1 }, current())).toEqual({
      ok: false,
      reason: 'not a callops plan file (it has no planFileVersion)',
      notAPlan: true,
    });
  });

  it('says what a file that is not a plan file lacks, not a version it may have', () => {
    const reasons = [{}, [], null, 'plan', { planFileVersion: 2 }].map(
      (v) => checkPlanFile(v, current()) as { reason: string; notAPlan?: true },
    );
    expect(reasons.map((r) => r.notAPlan)).toEqual([true, true, true, true, true]);
    expect(reasons.map((r) => r.reason)).toEqual([
      'not a callops plan file (it has no planFileVersion)',
      'not a callops plan file (it is an array, not a JSON object)',
      'not a callops plan file (it is null, not a JSON object)',
      'not a callops plan file (it is a string, not a JSON object)',
      'not a callops plan file (it has no target, now, lockDigest, salt, definitions, due, gateways, planDigest)',
    ]);
    const { salt: _salt, ...noSalt } = made().file as Record<string, unknown>;
    expect(checkPlanFile({ ...noSalt, due: [{ key: 1 }] }, current())).toMatchObject({
      reason: 'not a callops plan file (it has no salt; its due is malformed)',
    });
  });
});

describe('a plan file and what its calls resolve to', () => {
  it("records salted digests of the due targets' gateways and of each due call's values", () => {
    const { file } = made();
    const text = JSON.stringify(file);
    expect(text).not.toContain('vg.example.com');
    expect(file).toMatchObject({
      salt: SALT,
      gateways: { prod: saltedDigest(SALT, world.gateways.prod) },
      due: [
        { key: 'prod/welcome', values: saltedDigest(SALT, world.values.welcome) },
        { key: 'prod/daily@2026-12-01T09:00:00Z', values: saltedDigest(SALT, world.values.daily) },
      ],
    });
    // Another salt, other digests of the same values.
    expect(saltedDigest('other', world.values.welcome)).not.toBe(
      saltedDigest(SALT, world.values.welcome),
    );
  });

  it("is refused when a due target's gateway resolves to another value now", () => {
    const { file } = made();
    const moved: World = {
      ...world,
      gateways: { prod: { base_url: 'https://other.example.com', account_sid: 'AC1' } },
    };
    expect(checkPlanFile(file, current({}, moved))).toEqual({
      ok: false,
      reason:
        'the gateway of target `prod` changed since the plan was made (its base_url or account_sid resolves to another value now); make a new plan',
    });
  });

  it('is refused when the values of due calls resolve to others now, counting them and naming one', () => {
    const { file } = made();
    const one: World = { ...world, values: { ...world.values, daily: { to: '+15550009999' } } };
    expect(checkPlanFile(file, current({}, one))).toEqual({
      ok: false,
      reason:
        'the resolved values of 1 call changed since the plan was made (a ${VAR} it references has another value now), e.g. `prod/daily@2026-12-01T09:00:00Z`; make a new plan',
    });
    const both: World = { ...world, values: { welcome: { to: '+15550008888' } } };
    expect(checkPlanFile(file, current({}, both))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(
        /^the resolved values of 2 calls changed since the plan was made \(a \$\{VAR\} they reference has another value now\), e\.g\. `prod\/welcome`; make a new plan$/,
      ),
    });
    // A call that is not due may change: it is not placed.
    const quiet: World = { ...world, values: { ...world.values, quiet: { to: '+15550007777' } } };
    expect(checkPlanFile(file, current({}, quiet)).ok).toBe(true);
  });

  it('reports a variable missing now with its diagnostics before comparing any digest', () => {
    const { file } = made();
    const gone: World = { gateways: {}, values: {} };
    const missingTo = {
      file: 'calls/a.yaml',
      line: 6,
      column: 16,
      path: '/calls/1/to/number',
      message: 'missing environment variable TO',
      severity: 'error' as const,
    };
    const seen: string[][] = [];
    const check = checkPlanFile(file, {
      ...current({}, gone),
      unresolved: (due) => {
        seen.push(due.map((i) => i.key));
        return [missingTo];
      },
    });
    expect(check).toEqual({
      ok: false,
      reason: 'cannot resolve every value',
      diagnostics: [missingTo],
    });
    // Exactly the file's calls that are due now are resolved.
    expect(seen).toEqual([['prod/welcome', 'prod/daily@2026-12-01T09:00:00Z']]);
    // Warnings alone refuse nothing.
    const warned = checkPlanFile(file, {
      ...current(),
      unresolved: () => [{ ...missingTo, severity: 'warning' }],
    });
    expect(warned.ok).toBe(true);
  });

  it('is refused when its digests were edited, as any other edit', () => {
    const { file } = made();
    const copy = () =>
      JSON.parse(JSON.stringify(file)) as {
        salt: string;
        gateways: Record<string, string>;
        due: { values?: string }[];
      };
    const salted = copy();
    salted.salt = 'another';
    const gateway = copy();
    gateway.gateways = {};
    const values = copy();
    delete values.due[0]?.values;
    for (const edited of [salted, gateway, values]) {
      expect(checkPlanFile(edited, current())).toEqual({
        ok: false,
        reason: 'the plan file was edited; make a new plan',
      });
    }
  });

  it('is refused when made by a newer callops, saying so, never "not a plan file"', () => {
    const file = made().file as Record<string, unknown>;
    for (const version of [3, 10]) {
      const newer = { ...file, planFileVersion: version, more: 'a field of that version' };
      expect(checkPlanFile(newer, current())).toEqual({
        ok: false,
        reason: `the plan file was made by a newer callops (version ${version}); use that version or make a new plan`,
        notAPlan: true,
      });
    }
    for (const other of [{ a: 1 }, { ...file, planFileVersion: '3' }, { planFileVersion: 2.5 }]) {
      expect(checkPlanFile(other, current())).toMatchObject({
        reason: expect.stringMatching(/^not a callops plan file \((it has no|its) planFileVersion/),
        notAPlan: true,
      });
    }
  });

  it('is refused when made by an older callops, which recorded neither', () => {
    const { file } = made();
    const { salt: _s, gateways: _g, ...rest } = file as Record<string, unknown>;
    const older = {
      ...rest,
      planFileVersion: 1,
      due: (rest.due as { values?: string }[]).map(({ values: _v, ...item }) => item),
    };
    expect(checkPlanFile({ ...older, planDigest: planDigest(older as never) }, current())).toEqual({
      ok: false,
      reason:
        'the plan file was made by an older callops, which did not record the gateways and values it was reviewed with; make a new plan',
    });
  });
});

describe('digests', () => {
  it('planDigest changes with what would be placed, not with the other lists', () => {
    const { plan } = made();
    expect(planDigest(plan)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(planDigest({ ...plan, due: plan.due.slice(1) })).not.toBe(planDigest(plan));
    const bare: Plan = { ...plan, upcoming: [], missed: [], skipped: [] };
    expect(planDigest(bare)).toBe(planDigest(plan));
  });
});

describe('a plan file written in pieces', () => {
  it('is byte for byte JSON.stringify(file, null, 2) and a newline', () => {
    const file = toPlanFile(buildPlan(input), {
      ...sealed,
      lockDigest: digestLock(input.lock),
      definitions: definitionsOf(calls),
    });
    expect(file.due.length).toBeGreaterThan(0);
    expect(Buffer.concat([...jsonBytes(file)]).toString()).toBe(
      `${JSON.stringify(file, null, 2)}\n`,
    );
    const big = {
      ...file,
      definitions: Object.fromEntries(
        Array.from({ length: 5000 }, (_, i) => [`c/${i}`, `sha256:${i}`]),
      ),
      retryUnknown: true,
      only: ['c'],
    };
    const chunks = [...jsonBytes(big)];
    expect(chunks.length).toBeGreaterThan(1);
    expect(Buffer.concat(chunks).toString()).toBe(`${JSON.stringify(big, null, 2)}\n`);
  });

  it('jsonPieces joins to what JSON.stringify(value, null, 2) gives, for any value (property)', () => {
    const value = fc.oneof(
      fc.jsonValue(),
      fc.dictionary(fc.string(), fc.oneof(fc.jsonValue(), fc.constant(undefined))),
      fc.array(fc.oneof(fc.jsonValue(), fc.constant(undefined))),
      fc.record({ a: fc.array(fc.dictionary(fc.string(), fc.jsonValue())), b: fc.date() }),
    );
    fc.assert(
      fc.property(value, fc.integer({ min: 0, max: 4 }), (v, depth) => {
        expect([...jsonPieces(v, depth)].join('')).toBe(JSON.stringify(v, null, 2));
      }),
      { numRuns: 500 },
    );
  });
});
