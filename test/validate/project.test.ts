// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${VAR} references
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject, parseSource } from '../../src/config/index.js';
import { collectCalls } from '../../src/validate/calls.js';
import { hasErrors, validateProject } from '../../src/validate/index.js';
import { CALL_RULES } from '../../src/validate/rules.js';
import { SCHEDULE_RULES } from '../../src/validate/schedule.js';
import { error, oneCall, validate, warning, yaml } from './fixtures.js';

const A = 'calls/a.yaml';

/** The findings of the structural rules alone (the safety net under the JSON Schema). */
const structuralOf = (text: string) => {
  const found = collectCalls(parseSource(A, text).source);
  const rules = [...CALL_RULES, ...SCHEDULE_RULES].filter((r) => r.kind === 'structural');
  return [
    ...found.structural,
    ...found.entries.flatMap((entry) =>
      rules.flatMap((r) => r.check(entry, { targetNames: new Set() })),
    ),
  ];
};

describe('structural rules', () => {
  it('report shapes the pipeline cannot use, without throwing', () => {
    expect(structuralOf(yaml('- a'))).toEqual([
      error(A, 1, 1, '', 'a call file holds a map with `calls:` (and optional `defaults:`)'),
    ]);
    expect(structuralOf(yaml('defaults: 5', 'calls: x'))).toEqual([
      error(A, 1, 11, '/defaults', '`defaults` must be a map of call options'),
      error(A, 2, 8, '/calls', '`calls` must be a list of calls'),
    ]);
    expect(
      structuralOf(
        yaml(
          'calls:',
          '  - 5',
          '  - { name: Bad Name, enabled: "yes", target: 7, schedule: "daily" }',
        ),
      ),
    ).toEqual([
      error(A, 2, 5, '/calls/0', 'each call must be a map with a `name` and its options'),
      error(
        A,
        3,
        13,
        '/calls/1/name',
        'call name `Bad Name` must be lowercase letters, digits, `.`, `_` or `-`, starting with a letter or digit',
      ),
      error(
        A,
        3,
        32,
        '/calls/1/enabled',
        '`enabled` must be true or false (YAML 1.2 reads `yes` as text)',
      ),
      error(A, 3, 47, '/calls/1/target', '`target` must be the name of a target'),
      error(
        A,
        3,
        60,
        '/calls/1/schedule',
        '`schedule` must be a map, e.g. { cron: "0 9 * * 1-5" } or { at: "2026-12-01T09:00:00Z" }',
      ),
    ]);
    expect(
      structuralOf(yaml('calls:', '  - to: x', '  - name: 5', '    schedule: { deadline: 10 }')),
    ).toEqual([
      error(A, 2, 5, '/calls/0/name', 'call has no `name`'),
      error(A, 3, 11, '/calls/1/name', '`name` must be a string'),
      error(A, 4, 27, '/calls/1/schedule/deadline', '`deadline` needs a unit, e.g. 10m'),
      error(
        A,
        4,
        15,
        '/calls/1/schedule',
        'schedule needs `cron` (recurring) or `at` (once): neither this call nor its defaults give one',
      ),
    ]);
  });

  it('give way to the schema where it reports the same place', () => {
    const diagnostics = validate({ [A]: yaml('calls:', '  - to: x') }).diagnostics;
    expect(diagnostics.some((d) => d.message === 'call has no `name`')).toBe(false);
    expect(
      diagnostics.filter((d) => d.line === 2 && d.column === 5 && d.path === '/calls/0'),
    ).not.toEqual([]);
  });

  it('survive every wrong type in one file', () => {
    const text = yaml(
      'defaults: [1]',
      'calls:',
      '  - name: [a]',
      '    to: 5',
      '    schedule: { cron: [1], at: {}, timezone: 3 }',
      '    enabled: 0',
      '  - null',
    );
    const result = validate({ [A]: text });
    expect(hasErrors(result.diagnostics)).toBe(true);
    expect(result.calls).toEqual([]);
  });
});

describe('validateProject', () => {
  it('warns about a call file without calls', () => {
    expect(validate({ [A]: '' }).diagnostics).toEqual([warning(A, 0, 0, '', 'file has no calls')]);
    expect(validate({ [A]: '# just a comment\n' }).diagnostics).toEqual([
      warning(A, 0, 0, '', 'file has no calls'),
    ]);
    expect(validate({ [A]: yaml('defaults: { timeout: 30 }', 'calls: []') }).diagnostics).toEqual([
      warning(A, 0, 0, '', 'file has no calls'),
    ]);
  });

  it('skips a broken document and still checks the others of the file', () => {
    const text = `${yaml('calls:', '\t- name: broken')}---\n${oneCall('ok', 'target: nowhere')}`;
    const result = validate({ [A]: text });
    expect(result.diagnostics).toEqual([
      error(A, 2, 1, '', 'tabs are not allowed for indentation; use spaces'),
      error(
        A,
        9,
        13,
        '/calls/0/target',
        'target `nowhere` is not defined: there is no callops.yaml (available: env, simulator)',
      ),
    ]);
    expect(result.calls.map((c) => c.name)).toEqual(['ok']);
  });

  it('builds a CallDefinition per named call', () => {
    const text = yaml(
      'defaults:',
      '  from: "+15550001111"',
      'calls:',
      '  - name: morning',
      '    application_sid: app',
      '    to: { type: sip, sipUri: "sip:a@example.com" }',
      '    target: simulator',
      '    schedule:',
      '      at: "2026-12-01T09:00:00Z"',
      '      deadline: 90s',
    );
    const [call, ...rest] = validate({ [A]: text }).calls;
    expect(rest).toEqual([]);
    const { locate, definition, ...plain } = call ?? ({} as never);
    expect(plain).toEqual({
      name: 'morning',
      file: A,
      line: 4,
      column: 5,
      target: 'simulator',
      enabled: true,
      schedule: { at: '2026-12-01T09:00:00Z', timezone: 'UTC', deadlineMs: 90_000 },
      options: {
        from: '+15550001111',
        application_sid: 'app',
        to: { type: 'sip', sipUri: 'sip:a@example.com' },
      },
    });
    expect(definition).toMatch(/^sha256:/);
    expect(locate(['from'])).toMatchObject({ line: 2, column: 9 });
    expect(locate(['to', 'sipUri'])).toMatchObject({ line: 6, column: 30 });
    expect(locate(['schedule', 'deadline'])).toMatchObject({ line: 10, column: 17 });
  });

  it('reports problems sorted by file, line and column, without repeats', () => {
    const result = validate({
      'calls/b.yaml': oneCall('b', 'target: x'),
      [A]: oneCall('a', 'target: x'),
    });
    expect(result.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}`)).toEqual([
      'calls/a.yaml:6:13',
      'calls/b.yaml:6:13',
    ]);
  });

  it('validates a project read from disk, end to end', async () => {
    const root = await mkdtemp(join(tmpdir(), 'callops-validate-'));
    try {
      await mkdir(join(root, 'calls'));
      await writeFile(
        join(root, 'callops.yaml'),
        yaml('defaults:', '  application_sid: ${APP}', '  from: "+15550001111"'),
      );
      await writeFile(
        join(root, 'calls', 'one.yaml'),
        yaml('calls:', '  - name: one', '    to: { type: user, name: bob }'),
      );
      await writeFile(
        join(root, 'calls', 'two.yml'),
        yaml('calls:', '  - name: one', '    to: { type: user, name: eve }'),
      );
      const result = validateProject(await loadProject({ root }));
      expect(result.config.root).toBe(root);
      expect(result.diagnostics).toEqual([
        error(
          'calls/two.yml',
          2,
          11,
          '/calls/0/name',
          'duplicate call name `one` (first defined at calls/one.yaml:2:11)',
        ),
      ]);
      expect(result.calls.map((c) => [c.name, c.file, c.options.application_sid])).toEqual([
        ['one', 'calls/one.yaml', '${APP}'],
        ['one', 'calls/two.yml', '${APP}'],
      ]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
