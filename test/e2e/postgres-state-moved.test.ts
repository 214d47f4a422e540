import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { callsYaml, type Gateway } from './helpers.js';
import { postgresForFile } from './postgres-project.js';

/**
 * A project moved from the file store to PostgreSQL (`state push`), which then placed calls
 * through the database, and whose `state:` is set back to the file store (a revert of the
 * commit that moved it): callops.lock lacks what the database placed, and `.callops/` never
 * saw it either. The file store refuses until `state pull` wrote callops.lock from the
 * database, or the marker in `.callops/` is removed on purpose.
 */
const db = postgresForFile();

const MARKER = '.callops/moved-to-postgres.json';

/** A project on the simulator with call `a` (and `b` once `addB`), on the file store at first. */
const project = async (schema: string) => {
  const gw = await db.gateway({ 'calls/a.yaml': callsYaml([{ name: 'a' }]) }, { schema });
  const withDatabase = await gw.project.read('callops.yaml');
  const withFiles = withDatabase.slice(0, withDatabase.indexOf('state:'));
  await gw.project.write('callops.yaml', withFiles);
  return {
    gw,
    toFiles: () => gw.project.write('callops.yaml', withFiles),
    toDatabase: () => gw.project.write('callops.yaml', withDatabase),
    addB: () => gw.project.write('calls/a.yaml', callsYaml([{ name: 'a' }, { name: 'b' }])),
  };
};

/** Steps 1–3: `a` placed on the file store, pushed, `b` placed through the database. */
const movedAndPlaced = async (schema: string) => {
  const p = await project(schema);
  const { gw } = p;
  const first = await gw.run(['apply', '--yes']);
  expect(first.code, first.stderr).toBe(0);
  await p.toDatabase();
  const push = await gw.run(['state', 'push'], db.env);
  expect(push.code, push.stderr).toBe(0);
  expect(push.stdout).toContain('imported 1 entry');
  await p.addB();
  const second = await gw.run(['apply', '--yes'], db.env);
  expect(second.code, second.stderr).toBe(0);
  expect(gw.placed()).toHaveLength(2);
  return p;
};

const expectMovedRefusal = (result: Awaited<ReturnType<Gateway['run']>>, schema: string) => {
  expect(result.code, result.stdout + result.stderr).toBe(1);
  expect(result.stderr).toMatch(
    new RegExp(
      `the state of this project moved to PostgreSQL \\(schema ${schema}\\) at \\S+Z \\(callops state push, and 1 command since, last at \\S+Z\\); callops\\.lock does not hold what was placed there`,
    ),
  );
  expect(result.stderr).toContain(
    `set \`state:\` back to postgres (schema: ${schema}) and run \`callops state pull\` (it writes callops.lock from the database), then set \`state:\` to the file store again`,
  );
  expect(result.stderr).toContain(`remove ${MARKER}`);
};

describe('the state moved to PostgreSQL, then set back to the file store', () => {
  it('plan and apply on the file store refuse, and nothing is placed twice', {
    timeout: 90_000,
  }, async () => {
    const { gw, toFiles, toDatabase } = await movedAndPlaced('s11');

    // The revert: `state:` gone, the file store back, callops.lock as the push left it.
    await toFiles();
    const apply = await gw.run(['apply', '--yes']);
    // b was placed once, through the database: never dialled a second time.
    expect(gw.placed()).toHaveLength(2);
    expectMovedRefusal(apply, 's11');
    expect(apply.stderr).toContain('nothing was sent');
    const plan = await gw.run(['plan']);
    expectMovedRefusal(plan, 's11');
    expect(plan.stdout).not.toContain('sim/b');
    const run = await gw.run(['run', '--yes']);
    expectMovedRefusal(run, 's11');
    expect(gw.placed()).toHaveLength(2);

    const marker = await readFile(join(gw.project.dir, MARKER), 'utf8');
    expect(JSON.parse(marker)).toMatchObject({ schema: 's11', commands: 1 });
    // Where the database is, and its password, are never written there.
    expect(marker).not.toContain(db.url);
    expect(marker).not.toMatch(/postgres(ql)?:/);

    // The way on it names: pull from the database, then back to the file store.
    await toDatabase();
    const pull = await gw.run(['state', 'pull'], db.env);
    expect(pull.code, pull.stderr).toBe(0);
    expect(pull.stdout).toContain('wrote callops.lock from the state database: 2 entries');
    await expect(readFile(join(gw.project.dir, MARKER))).rejects.toThrow(/ENOENT/);
    await toFiles();
    const again = await gw.run(['apply', '--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('Nothing is due');
    expect(gw.placed()).toHaveLength(2);
    const status = await gw.run(['status']);
    expect(status.code, status.stderr).toBe(0);
  });

  it('a team that abandons the database removes the marker, deliberately', {
    timeout: 90_000,
  }, async () => {
    const { gw, toFiles } = await movedAndPlaced('s12');
    await toFiles();
    const apply = await gw.run(['apply', '--yes']);
    expect(gw.placed()).toHaveLength(2);
    expectMovedRefusal(apply, 's12');

    await rm(join(gw.project.dir, MARKER));
    const plan = await gw.run(['plan', '--detailed-exitcode']);
    expect(plan.code, plan.stderr).toBe(2);
    expect(plan.stdout).toContain('sim/b');
  });

  it('a push refused as the lockfile moved backwards leaves the file store usable', {
    timeout: 60_000,
  }, async () => {
    const { gw, toFiles, toDatabase, addB } = await project('s13');
    await addB();
    expect((await gw.run(['apply', '--yes', '--only', 'a'])).code).toBe(0);
    const older = await gw.project.read('callops.lock');
    expect((await gw.run(['apply', '--yes'])).code).toBe(0);
    await gw.project.write('callops.lock', older);
    await toDatabase();
    const push = await gw.run(['state', 'push'], db.env);
    expect(push.code).toBe(1);
    expect(push.stderr).toContain('nothing was imported');
    // Nothing moved: the file store's own way on (state pull) is not refused.
    await toFiles();
    const pull = await gw.run(['state', 'pull']);
    expect(pull.code, pull.stderr).toBe(0);
    expect(pull.stderr).not.toContain('moved to PostgreSQL');
    expect(gw.placed()).toHaveLength(2);
  });
});
