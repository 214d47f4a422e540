import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cliEnv } from '../e2e/helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'callops-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The modules the CLI's bundle, dist/bundle/cli.cjs, holds (esbuild's metafile). */
const bundled = (): string[] => {
  const meta = JSON.parse(readFileSync(join(ROOT, 'dist/bundle/meta.json'), 'utf8')) as {
    outputs: Record<string, { inputs: Record<string, unknown> }>;
  };
  expect(Object.keys(meta.outputs)).toEqual(['dist/bundle/cli.cjs']);
  return Object.values(meta.outputs).flatMap(({ inputs }) =>
    Object.keys(inputs).map((input) => pathToFileURL(join(ROOT, input)).href),
  );
};

/**
 * Runs the built CLI and returns the module URLs it resolved. The bundle runs through the
 * compile cache (a vm.Script the module hooks do not see); what it requires, they see.
 */
const modulesLoadedBy = (
  args: string[],
  name: string,
  env: Record<string, string> = {},
): string[] => {
  const out = join(dir, `${name}.txt`);
  const run = spawnSync(
    process.execPath,
    [
      '--import',
      join(ROOT, 'test/fixtures/trace-imports.mjs'),
      '--',
      join(ROOT, 'bin/callops.js'),
      ...args,
    ],
    {
      cwd: ROOT,
      env: cliEnv({ CALLOPS_TRACE_IMPORTS: out, NO_COLOR: '1', ...env }),
      encoding: 'utf8',
    },
  );
  expect(run.status, run.stderr).toBe(0);
  const urls = readFileSync(out, 'utf8').split('\n').filter(Boolean);
  // The CLI runs from the bundle: no module of dist/ outside it loads on its own, and no ES
  // module at all (bin/callops.js is CommonJS).
  const dist = `${pathToFileURL(join(ROOT, 'dist')).href}/`;
  const loose = urls.filter((u) => u.startsWith(dist) && !u.startsWith(`${dist}bundle/`));
  expect(loose.map((u) => u.slice(dist.length))).toEqual([]);
  expect(
    urls.filter((u) => u.endsWith('.mjs') || (u.startsWith(dist) && u.endsWith('.js'))),
  ).toEqual([]);
  return urls;
};

const heavy = (urls: string[]) =>
  urls
    .filter((u) => /node_modules\/(undici|listr2|tinyglobby)\//.test(u))
    .map((u) => u.replace(/.*node_modules\//, ''));

describe('start-up path', () => {
  it('the bundle is pure ASCII (V8 reads it as one-byte strings)', () => {
    const files = readdirSync(join(ROOT, 'dist/bundle'))
      .filter((f) => f.endsWith('.cjs'))
      .map((f) => join(ROOT, 'dist/bundle', f));
    expect(files.map((f) => f.replace(/.*\//, '')).sort()).toEqual([
      'cli.cjs',
      'commands.cjs',
      'loader.cjs',
      'schedule-libs.cjs',
      'undici.cjs',
      'version.cjs',
    ]);
    for (const file of [...files, join(ROOT, 'bin/callops.js')]) {
      expect(
        readFileSync(file).findIndex((b) => b > 0x7f),
        file,
      ).toBe(-1);
    }
    // js-yaml and csv-parse are inside it; every other dependency stays in node_modules.
    const inputs = bundled();
    expect(inputs.some((u) => u.endsWith('/dist/cli/main.js'))).toBe(true);
    expect(inputs.some((u) => u.includes('/node_modules/js-yaml/'))).toBe(true);
    expect(inputs.some((u) => u.includes('/node_modules/csv-parse/'))).toBe(true);
    expect(
      inputs.filter((u) => u.includes('/node_modules/') && !/\/(js-yaml|csv-parse)\//.test(u)),
    ).toEqual([]);
  });

  it('validate of the examples loads neither undici, listr2 nor a glob library', () => {
    const urls = modulesLoadedBy(['validate'], 'validate');
    expect(heavy(urls)).toEqual([]);
    // Nor node:crypto: validate computes no digest.
    expect(urls.filter((u) => /^(node:)?crypto$/.test(u))).toEqual([]);
  });

  it('--version loads no library at all', () => {
    const urls = modulesLoadedBy(['--version'], 'version');
    expect(urls.filter((u) => u.includes('node_modules'))).toEqual([]);
  });

  it('--version (also after -C DIR) loads no command and no part of the CLI but the version', () => {
    for (const args of [['--version'], ['-C', ROOT, '-V']]) {
      const urls = modulesLoadedBy(args, `version-${args.length}`);
      const ours = urls.filter((u) => u.includes('/dist/'));
      expect(ours.map((u) => u.replace(/.*\/dist\//, ''))).toEqual(['bundle/version.cjs']);
    }
  });

  it('validate loads the generated validators, not Ajv nor the schema builders', () => {
    const urls = modulesLoadedBy(['validate'], 'validate-schema');
    // The generated code runs (through the compile cache, which `require` does not see): it
    // requires Ajv's small runtime helpers, and nothing else of Ajv.
    expect(urls.some((u) => /node_modules\/ajv\/dist\/runtime\/ucs2length\.js$/.test(u))).toBe(
      true,
    );
    const builders = urls.filter((u) =>
      /\/dist\/(options\/(schema|standalone|jambonz|ajv|editor-messages|subschemas)|validate\/schema-compile)\.js$/.test(
        u,
      ),
    );
    expect(builders.map((u) => u.replace(/.*\/dist\//, ''))).toEqual([]);
    expect(urls.filter((u) => /node_modules\/ajv\/dist\/(2020|core|ajv)\.js$/.test(u))).toEqual([]);
  });

  it('validate of a project without schedules loads neither cron nor luxon', () => {
    const project = join(dir, 'unscheduled');
    mkdirSync(join(project, 'calls'), { recursive: true });
    writeFileSync(
      join(project, 'calls/a.yaml'),
      'calls:\n  - name: a\n    application_sid: 5b0a8c62-6a43-4a0e-9d4b-1c2f3e4d5a6b\n    from: "+15550001111"\n    to: { type: phone, number: "+15550002222" }\n',
    );
    const cache = join(dir, 'unscheduled-cache');
    const urls = modulesLoadedBy(['-C', project, 'validate'], 'unscheduled', {
      CALLOPS_CACHE_DIR: cache,
    });
    expect(urls.filter((u) => /node_modules\/(cron|luxon)\//.test(u))).toEqual([]);
    // Nor their bundle (loaded through the compile cache, so it would have an entry there).
    const entries = readdirSync(cache);
    expect(entries.some((f) => f.startsWith('callops-calls.validate.cjs-'))).toBe(true);
    // The CLI's bundle, with the entry of the command that ran.
    expect(entries.some((f) => f.startsWith('cli.cjs.validate-'))).toBe(true);
    expect(entries.filter((f) => f.startsWith('schedule-libs'))).toEqual([]);
    // Nor undici's (dist/bundle/undici.cjs): validate sends nothing.
    expect(entries.filter((f) => f.startsWith('undici'))).toEqual([]);
  });

  it('validate of the examples (which have schedules) takes cron and luxon from the bundle', () => {
    const urls = modulesLoadedBy(['validate'], 'validate-luxon');
    // dist/bundle/schedule-libs.cjs, through the compile cache (which `require` does not
    // see): neither library from node_modules, so no second build of luxon either.
    expect(urls.filter((u) => /node_modules\/(cron|luxon)\//.test(u))).toEqual([]);
    const libs = readFileSync(join(ROOT, 'dist/bundle/schedule-libs.cjs'));
    expect(libs.findIndex((b) => b > 0x7f)).toBe(-1);
    // cron's parser alone: its job runner would bring child_process, and net with it.
    expect(urls.filter((u) => /^(node:)?(child_process|net|readline)$/.test(u))).toEqual([]);
  });

  it('validate of the examples (a cron, a zone, an `at`) makes no Intl.DateTimeFormat', () => {
    const out = join(dir, 'intl.txt');
    const run = spawnSync(
      process.execPath,
      [
        '--require',
        join(ROOT, 'test/fixtures/trace-intl.cjs'),
        '--',
        join(ROOT, 'bin/callops.js'),
        'validate',
      ],
      { cwd: ROOT, env: cliEnv({ CALLOPS_TRACE_INTL: out, NO_COLOR: '1' }), encoding: 'utf8' },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('0');
    // The counter works: a zone that is not a canonical name takes Intl's own check.
    const alias = join(dir, 'alias');
    mkdirSync(join(alias, 'calls'), { recursive: true });
    writeFileSync(
      join(alias, 'calls/a.yaml'),
      'calls:\n  - name: a\n    application_sid: 5b0a8c62-6a43-4a0e-9d4b-1c2f3e4d5a6b\n    from: "+15550001111"\n    to: { type: phone, number: "+15550002222" }\n    schedule: { cron: "0 9 * * *", timezone: US/Eastern }\n',
    );
    const other = spawnSync(
      process.execPath,
      [
        '--require',
        join(ROOT, 'test/fixtures/trace-intl.cjs'),
        '--',
        join(ROOT, 'bin/callops.js'),
        '-C',
        alias,
        'validate',
      ],
      { cwd: ROOT, env: cliEnv({ CALLOPS_TRACE_INTL: out, NO_COLOR: '1' }), encoding: 'utf8' },
    );
    expect(other.status, other.stderr).toBe(0);
    expect(Number(readFileSync(out, 'utf8'))).toBeGreaterThan(0);
  });

  it('plan loads neither undici nor listr2 (it sends nothing)', () => {
    const urls = modulesLoadedBy(['plan', '--now', '2026-11-24T10:00:00Z'], 'plan');
    expect(heavy(urls)).toEqual([]);
  });
});
