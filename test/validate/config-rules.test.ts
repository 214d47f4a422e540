// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${VAR} references
import { describe, expect, it } from 'vitest';
import { validateProject } from '../../src/validate/index.js';
import { error, loadedFrom, oneCall, validate, warning, yaml } from './fixtures.js';

const C = 'callops.yaml';
const CALLS = { 'calls/a.yaml': oneCall('a') };

/** callops.yaml with one target `prod`; its keys from line 3, values of `base_url` at column 15. */
const withTarget = (...keys: string[]) =>
  validate({ [C]: yaml('targets:', '  prod:', ...keys.map((k) => `    ${k}`)), ...CALLS });
const TARGET = ['account_sid: ${SID}', 'api_key: ${KEY}'];

describe('callops.yaml', () => {
  it('normalises to ProjectConfig with defaults', () => {
    const result = validate({
      [C]: yaml(
        'targets:',
        '  prod:',
        '    base_url: https://vg.example.com',
        ...TARGET.map((k) => `    ${k}`),
        '    concurrency: 8',
        '    rate: 5/s',
        '    request_timeout: 15s',
        'default_target: prod',
      ),
      ...CALLS,
    });
    expect(result.diagnostics).toEqual([]);
    const { targets, ...rest } = result.config;
    expect(rest).toEqual({
      root: '/project',
      file: C,
      defaultTarget: 'prod',
      calls: ['calls/**/*.yaml', 'calls/**/*.yml'],
      lockfile: 'callops.lock',
      defaults: {},
      state: expect.objectContaining({ backend: 'file', keepMs: 30 * 86_400_000, file: C }),
    });
    expect(targets.map(({ locate: _, ...t }) => t)).toEqual([
      {
        name: 'prod',
        base_url: 'https://vg.example.com',
        account_sid: '${SID}',
        api_key: '${KEY}',
        concurrency: 8,
        rate: '5/s',
        request_timeout: '15s',
        file: C,
      },
    ]);
    expect(targets[0]?.locate(['rate'])).toEqual({ line: 7, column: 11 });
  });

  it('is optional', () => {
    const result = validate(CALLS);
    expect(result.diagnostics).toEqual([]);
    expect(result.config).toEqual({
      root: '/project',
      targets: [],
      calls: ['calls/**/*.yaml', 'calls/**/*.yml'],
      lockfile: 'callops.lock',
      defaults: {},
      state: expect.objectContaining({ backend: 'file', keepMs: 30 * 86_400_000 }),
    });
  });

  it('holds one document', () => {
    const result = validate({ [C]: yaml('lockfile: a.lock', '---', 'lockfile: b.lock'), ...CALLS });
    expect(result.diagnostics).toEqual([
      error(C, 3, 1, '', 'callops.yaml holds one YAML document; remove this one (document 2)'),
    ]);
    expect(result.config.lockfile).toBe('a.lock');
  });

  it('the lockfile stays inside the project, where its run lock and journal are', () => {
    for (const outside of [
      '../shared/callops.lock',
      '/var/lib/callops.lock',
      'a/../../x.lock',
      '.',
      'state/',
    ]) {
      const [d] = validate({ [C]: yaml(`lockfile: "${outside}"`), ...CALLS }).diagnostics;
      expect(d, outside).toMatchObject({
        file: C,
        line: 1,
        column: 11,
        path: '/lockfile',
        severity: 'error',
      });
      expect(d?.message).toMatch(/^`lockfile` must be a file inside the project directory: /);
    }
    for (const inside of ['callops.lock', 'state/prod.lock', './x.lock', 'a/../x.lock'])
      expect(
        validate({ [C]: yaml(`lockfile: "${inside}"`), ...CALLS }).diagnostics,
        inside,
      ).toEqual([]);
  });

  it('the lockfile is a file git commits: not in a .git folder, nor in .callops/', () => {
    for (const [path, where] of [
      ['.git/callops.lock', 'inside .git/, whose files git never commits'],
      ['./.git/state/x.lock', 'inside .git/, whose files git never commits'],
      ['vendor/.GIT/x.lock', 'inside .git/, whose files git never commits'],
      ['.callops/callops.lock', "inside .callops/, callops' working state, which git ignores"],
      ['state/.callops/x.lock', "inside .callops/, callops' working state, which git ignores"],
    ]) {
      expect(validate({ [C]: yaml(`lockfile: "${path}"`), ...CALLS }).diagnostics, path).toEqual([
        error(
          C,
          1,
          11,
          '/lockfile',
          `\`lockfile\` must be a file git commits: ${path} is ${where}, so the lockfile would be neither reviewed nor shared, and a fresh clone or CI runner would place its calls again; keep it beside callops.yaml (callops.lock)`,
        ),
      ]);
    }
    // Named .env anywhere: init's .gitignore line `.env` ignores it in every folder.
    for (const path of ['state/.env', 'a/.ENV'])
      expect(validate({ [C]: yaml(`lockfile: "${path}"`), ...CALLS }).diagnostics, path).toEqual([
        error(
          C,
          1,
          11,
          '/lockfile',
          `\`lockfile\` must be a file git commits: ${path} is named .env, which init's .gitignore ignores (an env file holds secrets), so the lockfile would be neither reviewed nor shared, and a fresh clone or CI runner would place its calls again; keep it beside callops.yaml (callops.lock)`,
        ),
      ]);
    // Other names that start with a dot are committed as any file.
    for (const path of ['.github/x.lock', 'a/.gitkeep.lock', '.git/../callops.lock', '.envrc'])
      expect(validate({ [C]: yaml(`lockfile: "${path}"`), ...CALLS }).diagnostics, path).toEqual(
        [],
      );
  });

  it('the lockfile is no file callops reads, nor named like a call file: the next command would read it as one', () => {
    const loaded = loadedFrom({
      [C]: yaml('calls: ["calls/*.yaml"]', 'lockfile: x.env'),
      ...CALLS,
    });
    expect(validateProject({ ...loaded, lockfileRead: { is: 'an env file' } }).diagnostics).toEqual(
      [
        error(
          C,
          2,
          11,
          '/lockfile',
          '`lockfile` must be a file of its own, not one callops reads: x.env is an env file; apply would write the lockfile over it, and every command after would read the lockfile as that file and fail; keep it beside callops.yaml (callops.lock)',
        ),
      ],
    );
    expect(validateProject({ ...loaded, lockfileRead: { callPattern: true } }).diagnostics).toEqual(
      [
        error(
          C,
          2,
          11,
          '/lockfile',
          '`lockfile` must not be named like a call file (calls/*.yaml): once apply wrote x.env, every command after would read it as a call file and fail; keep it beside callops.yaml (callops.lock)',
        ),
      ],
    );
    expect(validateProject(loaded).diagnostics).toEqual([]);
  });

  it('the lockfile is not inside another project, which has its own run lock', () => {
    const loaded = loadedFrom({
      [C]: yaml('calls: ["calls/*.yaml"]', 'lockfile: sub/x.lock'),
      ...CALLS,
    });
    expect(
      validateProject({ ...loaded, lockfileInProject: 'sub/callops.yaml' }).diagnostics,
    ).toEqual([
      error(
        C,
        2,
        11,
        '/lockfile',
        "`lockfile` must not be inside another project (sub/callops.yaml): the two projects would share one lockfile without sharing a run lock (each has its own .callops/), so both could write it at once and one run's records could be lost; keep each project's lockfile in its own folder, outside the other project (to share state, use `state: { backend: postgres }`)",
      ),
    ]);
    expect(validateProject(loaded).diagnostics).toEqual([]);
  });

  it('the lockfile is not led out of the project, or into a hidden folder of it, by a link', () => {
    const loaded = loadedFrom({ [C]: yaml('lockfile: st/calls.lock'), ...CALLS });
    const leads = 'leads to /srv/shared/calls.lock (st is a symbolic link to /srv/shared)';
    expect(
      validateProject({ ...loaded, lockfileLeaves: { leads, outside: true } }).diagnostics,
    ).toEqual([
      error(
        C,
        1,
        11,
        '/lockfile',
        '`lockfile` must be a file inside the project directory: st/calls.lock leads to /srv/shared/calls.lock (st is a symbolic link to /srv/shared), outside the project: its run lock and journal are in .callops/ here, so a lockfile elsewhere could be shared by another project that never sees them, and both would place the same calls (to share state, use `state: { backend: postgres }`)',
      ),
    ]);
    const git = 'leads to /p/.git/calls.lock (st is a symbolic link to .git)';
    expect(
      validateProject({ ...loaded, lockfileLeaves: { leads: git, outside: false } }).diagnostics,
    ).toEqual([
      error(
        C,
        1,
        11,
        '/lockfile',
        '`lockfile` must be a file inside the project directory: st/calls.lock leads to /p/.git/calls.lock (st is a symbolic link to .git), a hidden file or folder of the project: callops follows no link to a file or folder whose name starts with a dot (.git, .callops)',
      ),
    ]);
  });

  it('calls cannot be an empty list', () => {
    expect(validate({ [C]: yaml('calls: []'), ...CALLS }).diagnostics).toEqual([
      error(C, 1, 8, '/calls', '`calls` is empty; list at least one glob pattern'),
    ]);
  });

  it('default_target must name a defined or reserved target', () => {
    const base = [
      'targets:',
      '  prod:',
      '    base_url: https://vg.example.com',
      ...TARGET.map((k) => `    ${k}`),
    ];
    expect(validate({ [C]: yaml(...base, 'default_target: prd'), ...CALLS }).diagnostics).toEqual([
      error(
        C,
        6,
        17,
        '/default_target',
        'default_target `prd` is not defined in callops.yaml — did you mean `prod`?',
      ),
    ]);
    expect(
      validate({ [C]: yaml(...base, 'default_target: simulator'), ...CALLS }).diagnostics,
    ).toEqual([]);
    expect(validate({ [C]: yaml(...base, 'default_target: ${T}'), ...CALLS }).diagnostics).toEqual([
      error(
        C,
        6,
        17,
        '/default_target',
        '`default_target` cannot use a reference (`${…}`): write the target name',
      ),
    ]);
  });
});

describe('targets', () => {
  it('cannot take a reserved name', () => {
    const result = validate({
      [C]: yaml(
        'targets:',
        '  env:',
        '    base_url: https://x.example.com',
        ...TARGET.map((k) => `    ${k}`),
      ),
      ...CALLS,
    });
    expect(result.diagnostics).toEqual([
      error(C, 2, 3, '/targets/env', 'target name `env` is reserved: callops provides it'),
    ]);
  });

  it('base_url must be https, except loopback or allow_insecure', () => {
    expect(withTarget('base_url: http://vg.example.com', ...TARGET).diagnostics).toEqual([
      error(
        C,
        3,
        15,
        '/targets/prod/base_url',
        'base_url uses plain http:// to another machine; use https:// or set `allow_insecure: true`',
      ),
    ]);
    expect(withTarget('base_url: http://127.0.0.1:3000', ...TARGET).diagnostics).toEqual([]);
    expect(withTarget('base_url: http://localhost:3000', ...TARGET).diagnostics).toEqual([]);
    expect(
      withTarget('base_url: http://vg.lan', 'allow_insecure: true', ...TARGET).diagnostics,
    ).toEqual([]);
  });

  it('base_url must be a URL without /v1', () => {
    expect(withTarget('base_url: vg.example.com', ...TARGET).diagnostics).toEqual([
      error(
        C,
        3,
        15,
        '/targets/prod/base_url',
        'base_url `vg.example.com` is not a URL (e.g. https://vg.example.com)',
      ),
    ]);
    expect(withTarget('base_url: ftp://vg.example.com', ...TARGET).diagnostics).toEqual([
      error(C, 3, 15, '/targets/prod/base_url', 'base_url must start with https:// (found `ftp:`)'),
    ]);
    expect(withTarget('base_url: https://vg.example.com/v1/', ...TARGET).diagnostics).toEqual([
      error(
        C,
        3,
        15,
        '/targets/prod/base_url',
        'base_url must not end in /v1: callops adds /v1/Accounts/… itself',
      ),
    ]);
    expect(withTarget('base_url: ${BASE_URL}', ...TARGET).diagnostics).toEqual([]);
  });

  it('warns about an api_key written in the file', () => {
    expect(
      withTarget('base_url: https://vg.example.com', 'account_sid: a', 'api_key: abc123')
        .diagnostics,
    ).toEqual([
      warning(
        C,
        5,
        14,
        '/targets/prod/api_key',
        '`api_key` is written in the file; use a reference such as ${VG_API_KEY} so the secret stays out of git',
      ),
    ]);
  });

  it('refuses a literal base_url or account_sid that could not go into the request URL', () => {
    // The URL parser drops a tab and blanks at the ends: said once, not checked further.
    expect(
      withTarget('base_url: "https://vg.example.com\\t"', 'account_sid: " a"', 'api_key: ${KEY}')
        .diagnostics,
    ).toEqual([
      error(
        C,
        3,
        15,
        '/targets/prod/base_url',
        'base_url ends with \\t, which does not belong in the request URL: remove it',
      ),
      error(
        C,
        4,
        18,
        '/targets/prod/account_sid',
        'account_sid begins with white space, which does not belong in the request URL: remove it',
      ),
    ]);
  });

  it('rate and durations must parse', () => {
    const result = withTarget(
      'base_url: https://vg.example.com',
      ...TARGET,
      'rate: 5 per second',
      'request_timeout: soon',
      'max_pause: 0m',
    );
    expect(result.diagnostics).toEqual([
      error(
        C,
        6,
        11,
        '/targets/prod/rate',
        'rate `5 per second` must be calls per time, e.g. 5/s, 600/5m or 100/1h',
      ),
      error(
        C,
        7,
        22,
        '/targets/prod/request_timeout',
        'request_timeout `soon` is not a duration; write e.g. 15s, 2m or 1h',
      ),
      error(C, 8, 16, '/targets/prod/max_pause', 'max_pause must be longer than 0'),
    ]);
    expect(
      withTarget('base_url: https://vg.example.com', ...TARGET, 'rate: ${RATE}').diagnostics,
    ).toEqual([]);
  });

  it('a duration written as a bare number is told its unit, not to quote it', () => {
    const result = validate({
      [C]: yaml(
        'targets:',
        '  prod:',
        '    base_url: https://vg.example.com',
        ...TARGET.map((k) => `    ${k}`),
        '    request_timeout: 15',
        '    max_pause: 0.5',
        'state:',
        '  keep: 30',
      ),
      'calls/a.yaml': yaml(
        'calls:',
        '  - name: a',
        '    application_sid: app',
        '    from: "+15550001111"',
        '    to: { type: phone, number: "+15550002222" }',
        '    schedule: { cron: "0 9 * * *", deadline: 10 }',
      ),
    });
    expect(result.diagnostics.map((d) => `${d.file}:${d.line} ${d.path}: ${d.message}`)).toEqual([
      'callops.yaml:6 /targets/prod/request_timeout: must be a duration with its unit — write e.g. 15s, 15m or 15h (a number alone has none)',
      'callops.yaml:7 /targets/prod/max_pause: must be a duration with its unit — write e.g. 15s, 2m or 1h (a number alone has none)',
      'callops.yaml:9 /state/keep: must be a duration with its unit — write e.g. 30s, 30m or 30h (a number alone has none)',
      'calls/a.yaml:6 /calls/0/schedule/deadline: must be a duration with its unit — write e.g. 10s, 10m or 10h (a number alone has none)',
    ]);
  });

  it('a bare number is told only forms its field accepts: no 0s where 0 is refused, no 1000h past a timer', () => {
    const result = validate({
      [C]: yaml(
        'targets:',
        '  prod:',
        '    base_url: https://vg.example.com',
        ...TARGET.map((k) => `    ${k}`),
        '    request_timeout: 0',
        '    max_pause: 1000',
        '    rate: 5',
        'state:',
        '  keep: 0',
        'limits:',
        '  per_number: 3',
      ),
      'calls/a.yaml': yaml(
        'calls:',
        '  - name: a',
        '    application_sid: app',
        '    from: "+15550001111"',
        '    to: { type: phone, number: "+15550002222" }',
        '    schedule: { cron: "0 9 * * *", deadline: 0 }',
      ),
    });
    expect(result.diagnostics.map((d) => `${d.file}:${d.line} ${d.path}: ${d.message}`)).toEqual([
      'callops.yaml:6 /targets/prod/request_timeout: must be a duration with its unit — write e.g. 15s, 2m or 1h (a number alone has none)',
      'callops.yaml:7 /targets/prod/max_pause: must be a duration with its unit — write e.g. 1000s or 1000m (a number alone has none)',
      'callops.yaml:8 /targets/prod/rate: must be calls per time — write e.g. 5/s, 5/m or 5/h (a number alone has no time)',
      'callops.yaml:10 /state/keep: must be a duration with its unit — write e.g. 30d, 12h or 90m (a number alone has none)',
      'callops.yaml:12 /limits/per_number: must be N/DURATION — write e.g. 3/24h or 3/7d (a number alone has no duration)',
      'calls/a.yaml:6 /calls/0/schedule/deadline: must be a duration with its unit — write e.g. 30s, 10m or 1h (a number alone has none)',
    ]);
    // Each form suggested passes where it was suggested.
    const fixed = validate({
      [C]: yaml(
        'targets:',
        '  prod:',
        '    base_url: https://vg.example.com',
        ...TARGET.map((k) => `    ${k}`),
        '    request_timeout: 15s',
        '    max_pause: 1000m',
        '    rate: 5/h',
        'state:',
        '  keep: 30d',
        'limits:',
        '  per_number: 3/7d',
      ),
      'calls/a.yaml': yaml(
        'calls:',
        '  - name: a',
        '    application_sid: app',
        '    from: "+15550001111"',
        '    to: { type: phone, number: "+15550002222" }',
        '    schedule: { cron: "0 9 * * *", deadline: 30s }',
      ),
    });
    expect(fixed.diagnostics).toEqual([]);
  });

  it('durations and rate windows longer than a timer takes (2^31-1 ms) are refused', () => {
    const result = withTarget(
      'base_url: https://vg.example.com',
      ...TARGET,
      'rate: 1/25d',
      'request_timeout: 25d',
      'max_pause: 99999999h',
    );
    const most = '2147483647 ms (about 24.8 days, e.g. 24d)';
    expect(result.diagnostics).toEqual([
      error(
        C,
        6,
        11,
        '/targets/prod/rate',
        `rate \`1/25d\` has a window longer than ${most}; write e.g. 100/1d`,
      ),
      error(
        C,
        7,
        22,
        '/targets/prod/request_timeout',
        `request_timeout \`25d\` is too long: at most ${most}`,
      ),
      error(
        C,
        8,
        16,
        '/targets/prod/max_pause',
        `max_pause \`99999999h\` is too long: at most ${most}`,
      ),
    ]);
    expect(
      withTarget(
        'base_url: https://vg.example.com',
        ...TARGET,
        'rate: 1/24d',
        'request_timeout: 24d',
        'max_pause: 2147483647ms',
      ).diagnostics,
    ).toEqual([]);
  });
});

describe('defaults', () => {
  it('of the project sit under file defaults and the call', () => {
    const result = validate({
      [C]: yaml('defaults:', '  timeout: 45', '  tag: { team: ops, env: prod }'),
      'calls/a.yaml': yaml(
        'defaults:',
        '  tag: { env: test }',
        ...oneCall('a', 'tag: { call: a }').trimEnd().split('\n'),
      ),
    });
    expect(result.diagnostics).toEqual([]);
    expect(result.config.defaults).toEqual({ timeout: 45, tag: { team: 'ops', env: 'prod' } });
    expect(result.calls[0]?.options).toMatchObject({
      timeout: 45,
      tag: { team: 'ops', env: 'test', call: 'a' },
    });
  });
});
