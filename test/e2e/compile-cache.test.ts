import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_SID, type CliResult, makeProject, type Project, REPO, runCli } from './helpers.js';

// Schema errors (the validator's error path and the schema file read to explain them) beside
// a valid call with a schedule.
const FILES = {
  'calls/bad.yaml': [
    'calls:',
    '  - name: Bad_Name',
    `    application_sid: ${APP_SID}`,
    '    from: "+15550001111"',
    '    to: { type: phone, number: "12" }',
    '    timeLimt: 5',
    '    amd: { actionHook: 5 }',
    '',
  ].join('\n'),
  'calls/good.yaml': [
    'calls:',
    '  - name: fine',
    `    application_sid: ${APP_SID}`,
    '    from: "+15550001111"',
    '    to: { type: phone, number: "+15550002222" }',
    '    schedule: { cron: "0 9 * * 1-5", timezone: Europe/Berlin }',
    '',
  ].join('\n'),
  'callops.yaml': 'targets:\n  prod:\n    base_url: https://vg.example.com\n    concurency: 3\n',
};

const brief = (r: CliResult) => ({ code: r.code, stdout: r.stdout, stderr: r.stderr });

describe('the compile cache never changes what validate answers', () => {
  let project: Project;
  let cache: string;
  const validate = async (dir: string, cacheDir: string) => [
    brief(await runCli(['validate'], { cwd: dir, env: { CALLOPS_CACHE_DIR: cacheDir } })),
    brief(
      await runCli(['validate', '--format', 'json'], {
        cwd: dir,
        env: { CALLOPS_CACHE_DIR: cacheDir },
      }),
    ),
  ];
  const entries = () => readdirSync(cache).filter((f) => f.endsWith('.v8'));

  beforeAll(async () => {
    project = await makeProject(FILES);
    cache = join(project.dir, 'cache');
  });
  afterAll(() => project.cleanup());

  it('off, on a miss, on a hit, with damaged entries, and with an unwritable directory', async () => {
    for (const dir of [project.dir, REPO]) {
      const off = await validate(dir, 'off');
      expect(off[0]?.code).toBe(dir === REPO ? 0 : 1);
      if (dir !== REPO) expect(off[0]?.stderr).toMatch(/bad\.yaml:2:11: error: .*lowercase/);
      if (dir !== REPO) expect(off[0]?.stderr).toMatch(/callops\.yaml:4:5: error: .*concurrency/);
      expect(await validate(dir, cache)).toEqual(off);
      // The two validators, cron with luxon (dist/bundle/schedule-libs.cjs), and the CLI's
      // bundle (dist/bundle/cli.cjs) with the functions of validate; with the examples, the
      // recognizer's validator module too (a call of theirs holds a `recognizer`).
      expect(entries()).toHaveLength(dir === REPO ? 5 : 4);
      expect(entries().some((f) => f.startsWith('callops-recognizer.validate.cjs-'))).toBe(
        dir === REPO,
      );
      expect(entries().filter((f) => f.startsWith('cli.cjs.validate-'))).toHaveLength(1);
      expect(await validate(dir, cache)).toEqual(off);
      for (const entry of entries()) {
        const path = join(cache, entry);
        const bytes = readFileSync(path);
        writeFileSync(path, bytes.subarray(0, bytes.length >> 1));
      }
      expect(await validate(dir, cache)).toEqual(off);
      const unwritable = join(project.dir, 'callops.yaml', 'cache');
      expect(await validate(dir, unwritable)).toEqual(off);
    }
    // Twenty runs of the CLI: well above the default timeout on a busy machine.
  }, 60_000);
});
