// biome-ignore-all lint/suspicious/noTemplateCurlyInString: callops.yaml holds literal ${VAR} references
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliResult, callsYaml, type Gateway, output } from './helpers.js';
import { postgresForFile } from './postgres-project.js';

/**
 * A project that started on PostgreSQL keeps no lockfile: `.callops/moved-to-postgres.json`
 * is the one thing in the folder that knows where its calls were placed. An edited
 * `state.schema` (or a `state.url` that reaches another database) would otherwise plan from
 * an empty schema and call everyone again: every command refuses until the state is moved
 * (`state pull` from where it is, `state push` into the new place) or the record is removed.
 */
const db = postgresForFile();

const MARKER = '.callops/moved-to-postgres.json';
const HELLO = { name: 'hello', to: '{ type: phone, number: "+15550980001" }' };

/** A project on the simulator with call `hello`, its state in the file's database at `schema`. */
const project = (schema?: string) =>
  db.gateway(
    { 'calls/a.yaml': callsYaml([HELLO]) },
    schema === undefined ? {} : { schema: schema },
  );

const setSchema = async (gw: Gateway, from: string | undefined, to: string) => {
  const config = await gw.project.read('callops.yaml');
  const next =
    from === undefined
      ? config.replace('  url: ${CALLOPS_DATABASE_URL}\n', `$&  schema: ${to}\n`)
      : config.replace(`  schema: ${from}\n`, `  schema: ${to}\n`);
  expect(next).not.toBe(config);
  await gw.project.write('callops.yaml', next);
};

const marker = async (gw: Gateway) =>
  JSON.parse(await readFile(join(gw.project.dir, MARKER), 'utf8')) as Record<string, unknown>;

const expectRefused = (result: CliResult, words: readonly string[]) => {
  expect(result.code, output(result)).toBe(1);
  for (const word of words) expect(result.stderr).toContain(word);
  expect(result.stderr).toContain(`remove ${MARKER}`);
};

describe('state.schema or state.url changed under a project whose state is in PostgreSQL', () => {
  it('a changed schema is refused by every command, until the state is moved', {
    timeout: 120_000,
  }, async () => {
    const gw = await project('g1');
    const first = await gw.run(['apply', '--yes'], db.env);
    expect(first.code, output(first)).toBe(0);
    expect(gw.placed()).toHaveLength(1);
    expect(await marker(gw)).toMatchObject({ schema: 'g1' });

    await setSchema(gw, 'g1', 'g2');
    const apply = await gw.run(['apply', '--yes'], db.env);
    // hello was placed once, under g1: never dialled a second time.
    expect(gw.placed(), output(apply)).toHaveLength(1);
    const schemaWords = [
      'kept in PostgreSQL under schema g1',
      'callops.yaml now names schema g2, which does not hold what was placed under g1',
      'set `state.schema` back to g1 and run `callops state pull`',
      'then set `state.schema` to g2 and run `callops state push`',
    ];
    expectRefused(apply, [
      ...schemaWords,
      'going on would place those calls again, so nothing was sent',
    ]);
    // The schema is in this database: only the schema is to be set back.
    expect(apply.stderr).not.toContain('state.url');
    for (const args of [
      ['plan'],
      ['status'],
      ['run', '--yes'],
      ['state', 'pull'],
      ['state', 'push'],
    ])
      expectRefused(await gw.run(args, db.env), schemaWords);
    expect(gw.placed()).toHaveLength(1);
    // The record still names where the calls were placed; pull wrote no callops.lock.
    expect(await marker(gw)).toMatchObject({ schema: 'g1' });
    expect(gw.project.exists('callops.lock')).toBe(false);

    // The way on it names: pull from g1, then push into g2.
    await setSchema(gw, 'g2', 'g1');
    const pull = await gw.run(['state', 'pull'], db.env);
    expect(pull.code, output(pull)).toBe(0);
    await setSchema(gw, 'g1', 'g2');
    const push = await gw.run(['state', 'push'], db.env);
    expect(push.code, output(push)).toBe(0);
    expect(push.stdout).toContain('imported 1 entry');
    const again = await gw.run(['apply', '--yes'], db.env);
    expect(again.code, output(again)).toBe(0);
    expect(again.stdout).toContain('Nothing is due');
    expect(gw.placed()).toHaveLength(1);
    expect(await marker(gw)).toMatchObject({ schema: 'g2' });
  });

  it('a project on the default schema that adds `schema:` is refused; removing the record is the deliberate way', {
    timeout: 90_000,
  }, async () => {
    const gw = await project();
    expect((await gw.run(['apply', '--yes'], db.env)).code).toBe(0);
    expect(gw.placed()).toHaveLength(1);
    await setSchema(gw, undefined, 'outreach');
    const apply = await gw.run(['apply', '--yes'], db.env);
    expectRefused(apply, [
      'under schema callops',
      'callops.yaml now names schema outreach',
      'set `state.schema` back to callops',
    ]);
    expect(gw.placed()).toHaveLength(1);

    await rm(join(gw.project.dir, MARKER));
    const plan = await gw.run(['plan', '--detailed-exitcode'], db.env);
    expect(plan.code, output(plan)).toBe(2);
    expect(plan.stdout).toContain('sim/hello');
  });

  it('a url that reaches another database is refused; the url set back goes on', {
    timeout: 90_000,
  }, async () => {
    const gw = await project('g3');
    expect((await gw.run(['apply', '--yes'], db.env)).code).toBe(0);
    const other = { CALLOPS_DATABASE_URL: await db.server.freshDatabase() };
    const words = [
      'kept in PostgreSQL under schema g3 of another database',
      'set `state.url` back to the database it is in and run `callops state pull`',
    ];
    expectRefused(await gw.run(['apply', '--yes'], other), [...words, 'nothing was sent']);
    expectRefused(await gw.run(['status'], other), words);
    expect(gw.placed()).toHaveLength(1);
    // A record refused once is refused again: the schema the first refusal created is not it.
    expectRefused(await gw.run(['run', '--yes'], other), words);
    expect(gw.placed()).toHaveLength(1);

    // The same database reached by another url (host name) is the same state.
    const local = { CALLOPS_DATABASE_URL: db.url.replace('127.0.0.1', 'localhost') };
    expect(local.CALLOPS_DATABASE_URL).not.toBe(db.url);
    const back = await gw.run(['apply', '--yes'], local);
    expect(back.code, output(back)).toBe(0);
    expect(back.stdout).toContain('Nothing is due');
    expect(gw.placed()).toHaveLength(1);
  });

  it('a record of an earlier release (no state named) is refused where the schema holds nothing', {
    timeout: 90_000,
  }, async () => {
    const gw = await project('g4');
    expect((await gw.run(['apply', '--yes'], db.env)).code).toBe(0);
    const { stateId: _, ...earlier } = await marker(gw);
    await writeFile(join(gw.project.dir, MARKER), `${JSON.stringify(earlier, null, 2)}\n`);

    const other = { CALLOPS_DATABASE_URL: await db.server.freshDatabase() };
    const apply = await gw.run(['apply', '--yes'], other);
    expectRefused(apply, [
      'schema g4 holds no entries',
      'written by an earlier callops, it does not say which database',
    ]);
    expect(gw.placed()).toHaveLength(1);

    // In the database that holds the calls, the record is taken on, and names the state.
    const same = await gw.run(['apply', '--yes'], db.env);
    expect(same.code, output(same)).toBe(0);
    expect(same.stdout).toContain('Nothing is due');
    expect(await marker(gw)).toMatchObject({ schema: 'g4', stateId: expect.any(String) });
    expect(gw.placed()).toHaveLength(1);
  });
});
