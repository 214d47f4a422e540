// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files and callops.yaml hold literal ${VAR} references
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_SID, makeProject, output, type Project, REPO, runCli } from './helpers.js';

// Three broken files: a YAML syntax error, schema and semantic errors, and a bad callops.yaml.
const BROKEN = {
  'callops.yaml': [
    'targets:',
    '  prod:',
    '    base_url: https://vg.example.com',
    '    account_sid: ${VG_ACCOUNT_SID}',
    '    api_key: ${VG_API_KEY}',
    '    concurency: 3',
    '',
  ].join('\n'),
  'calls/schema.yaml': [
    'calls:',
    '  - name: Bad_Name',
    `    application_sid: ${APP_SID}`,
    '    from: "+15550001111"',
    '    to: { type: phone, number: "12" }',
    '    timeLimt: 5',
    '',
  ].join('\n'),
  'calls/syntax.yaml': [
    'calls:',
    '  - name: half-open',
    '    to: { type: phone, number: "+15550001111"',
    '    from: x',
    '',
  ].join('\n'),
  'calls/sub/pager.yml': [
    'calls:',
    '  - name: paged',
    '    from: "+15550001111"',
    '    to: { type: pager, number: "+15550001111" }',
    '',
  ].join('\n'),
};

interface JsonError {
  file: string;
  line: number;
  column: number;
  path: string;
  message: string;
  severity?: string;
}

// Where each expected error is (file, line, column) and a word its message must contain.
const EXPECTED: readonly [string, number, number, RegExp][] = [
  ['callops.yaml', 6, 5, /concurrency/],
  ['calls/schema.yaml', 2, 11, /lowercase/],
  ['calls/schema.yaml', 5, 32, /phone number/],
  ['calls/schema.yaml', 6, 5, /timeLimit/],
  ['calls/syntax.yaml', 4, 5, /indent/],
  ['calls/sub/pager.yml', 2, 11, /application_sid/],
  ['calls/sub/pager.yml', 4, 17, /phone/],
];

describe('callops validate', () => {
  let project: Project;
  beforeAll(async () => {
    project = await makeProject(BROKEN);
  });
  afterAll(() => project.cleanup());

  it('accepts the examples shipped in calls/ of the repository', async () => {
    const r = await runCli(['validate', '-C', REPO], { cwd: REPO });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^ok: \d+ calls in 4 files/);
    expect(r.code).toBe(0);
  });

  it('counts a campaign as one call and its recipient rows apart', async () => {
    const p = await makeProject({
      'calls/a.yaml': [
        'defaults:',
        `  application_sid: ${APP_SID}`,
        '  from: "+15550001111"',
        'calls:',
        '  - name: one',
        '    to: { type: phone, number: "+15550000001" }',
        '  - name: remind',
        '    recipients: people.csv',
        '    to: { type: phone, number: "${row.phone}" }',
        '',
      ].join('\n'),
      'calls/people.csv': 'id,phone\nr1,+15550000011\nr2,+15550000012\nr3,+15550000013\n',
    });
    try {
      const r = await runCli(['validate'], { cwd: p.dir });
      expect(r.stdout).toBe('ok: 2 calls in 1 file (1 campaign, 3 recipient rows)\n');
      expect(r.code).toBe(0);
    } finally {
      await p.cleanup();
    }
  });

  it('counts a campaign whose CSV has a header and no rows, and warns of it', async () => {
    const p = await makeProject({
      'calls/a.yaml': [
        'defaults:',
        `  application_sid: ${APP_SID}`,
        '  from: "+15550001111"',
        'calls:',
        '  - name: remind',
        '    recipients: people.csv',
        '    to: { type: phone, number: "${row.phone}" }',
        '',
      ].join('\n'),
      'calls/people.csv': 'id,phone\n',
    });
    try {
      const r = await runCli(['validate'], { cwd: p.dir });
      expect(r.stdout).toBe('ok: 1 call in 1 file (1 campaign, 0 recipient rows)\n');
      expect(r.stderr).toContain('people.csv has a header and no rows: this campaign calls nobody');
      expect(r.code).toBe(0);
    } finally {
      await p.cleanup();
    }
  });

  it('reports every error of every file at file:line:column with the offending line', async () => {
    const r = await runCli(['validate'], { cwd: project.dir });
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n');
    const source = (rel: string, line: number) =>
      (BROKEN as Record<string, string>)[rel]?.split('\n')[line - 1] ?? '';
    for (const [file, line, column, message] of EXPECTED) {
      const at = lines.findIndex(
        (l) => l.startsWith(`${file}:${line}:${column}: error: `) && message.test(l),
      );
      expect(at, `${file}:${line}:${column} ${message}`).toBeGreaterThanOrEqual(0);
      // The offending line follows, numbered, then a caret under the column.
      expect(lines[at + 1]).toBe(`${String(line).padStart(5)} | ${source(file, line)}`);
      expect(lines[at + 2]?.indexOf('^')).toBe(8 + column - 1);
    }
    const errorLines = lines.filter((l) => /^\S+:\d+:\d+: error: /.test(l));
    expect(errorLines).toHaveLength(EXPECTED.length);
    expect(new Set(errorLines).size).toBe(errorLines.length);
    expect(r.stderr).toMatch(new RegExp(`\\b${EXPECTED.length} errors\\b`));
  });

  it('shows a window of a line of 400 kB, the position exact and the caret under it', async () => {
    const call = (name: string, timeout: string) =>
      `{name: ${name}, application_sid: ${APP_SID}, from: "+15550001111", to: {type: user, name: bob}, timeout: ${timeout}}`;
    const calls = Array.from({ length: 3000 }, (_, i) => call(`c${i}`, '45'));
    const text = `{calls: [${[...calls, call('last', '4x5')].join(', ')}]}\n`;
    const p = await makeProject({ 'calls/one.yaml': text });
    try {
      const r = await runCli(['validate'], { cwd: p.dir });
      expect(r.code).toBe(1);
      const column = text.indexOf('4x5') + 1;
      const lines = r.stderr.split('\n');
      expect(lines[0]).toMatch(new RegExp(`^calls/one\\.yaml:1:${column}: error: `));
      expect(lines[1]).toMatch(/^ {4}1 \| …\S.*timeout: 4x5\}\]\}$/);
      expect(lines[1]?.length).toBeLessThanOrEqual(130);
      expect(lines[1]?.slice(lines[2]?.indexOf('^'))).toBe('4x5}]}');
      expect(r.stderr.length).toBeLessThan(1000);
    } finally {
      await p.cleanup();
    }
  });

  it('--format json prints {ok:false, errors:[{file,line,column,path,message}]} and exits 1', async () => {
    const r = await runCli(['validate', '--format', 'json'], { cwd: project.dir });
    expect(r.code).toBe(1);
    const parsed = JSON.parse(r.stdout) as { ok: boolean; errors: JsonError[] };
    expect(parsed.ok).toBe(false);
    const errors = parsed.errors.filter((e) => (e.severity ?? 'error') === 'error');
    expect(errors).toHaveLength(EXPECTED.length);
    for (const e of parsed.errors) {
      expect(Object.keys(e)).toEqual(
        expect.arrayContaining(['file', 'line', 'column', 'path', 'message']),
      );
      expect(typeof e.path).toBe('string');
    }
    for (const [file, line, column, message] of EXPECTED) {
      expect(
        errors.some(
          (e) =>
            e.file === file && e.line === line && e.column === column && message.test(e.message),
        ),
        `${file}:${line}:${column}`,
      ).toBe(true);
    }
    expect(errors.find((e) => e.file === 'calls/schema.yaml' && e.line === 6)?.path).toBe(
      '/calls/0/timeLimt',
    );
  });

  it('--format github prints ::error annotations, and is the default under GITHUB_ACTIONS', async () => {
    const explicit = await runCli(['validate', '--format', 'github'], { cwd: project.dir });
    const implicit = await runCli(['validate'], {
      cwd: project.dir,
      env: { GITHUB_ACTIONS: 'true' },
    });
    for (const r of [explicit, implicit]) {
      expect(r.code).toBe(1);
      const text = output(r);
      for (const [file, line, column] of EXPECTED) {
        expect(text).toContain(`::error file=${file},line=${line},col=${column}`);
      }
      expect(text.match(/^::error /gm)).toHaveLength(EXPECTED.length);
      expect(text).not.toMatch(/^\s+\d+ \| /m);
    }
  });

  it('validates only the PATHs given', async () => {
    const r = await runCli(['validate', 'calls/syntax.yaml', '--format', 'json'], {
      cwd: project.dir,
    });
    const parsed = JSON.parse(r.stdout) as { ok: boolean; errors: JsonError[] };
    expect(r.code).toBe(1);
    expect(new Set(parsed.errors.map((e) => e.file))).not.toContain('calls/schema.yaml');
    expect(parsed.errors.some((e) => e.file === 'calls/syntax.yaml')).toBe(true);
  });

  it('a PATH holding a secret shows its reference, as any typed argument does', async () => {
    // A secret typed as the path (by mistake: a variable where a path was meant), naming
    // nothing on disk, or a directory that holds no call file.
    const KEY = 'Xq7bLm9pR2vT8w';
    await project.write(`empty-${KEY}/note.txt`, 'no call file here\n');
    const env = { VG_API_KEY: KEY };
    const paths = [KEY, `calls/${KEY}.yaml`, `empty-${KEY}`];
    for (const format of ['human', 'json', 'github']) {
      const r = await runCli(['validate', ...paths, '--format', format], { cwd: project.dir, env });
      expect(r.code, r.stderr).toBe(1);
      expect(output(r)).not.toContain('Xq7b');
      expect(output(r)).toContain('${VG_API_KEY}');
      expect(output(r)).toContain('calls/${VG_API_KEY}.yaml');
    }
    const r = await runCli(['validate', KEY], { cwd: project.dir, env });
    expect(r.stderr).toContain('${VG_API_KEY}: error: no such file or directory');
  });

  it('an unknown flag is a usage error (64) naming the flag', async () => {
    const r = await runCli(['validate', '--bogus-flag'], { cwd: project.dir });
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('--bogus-flag');
    expect(r.stdout).toBe('');
  });
  it('--target naming no target is a usage error (64), as for plan; `env` and the simulator are known', async () => {
    const p = await makeProject({
      'callops.yaml': [
        'targets:',
        '  prod:',
        '    base_url: https://vg.example.com',
        '    account_sid: ${VG_ACCOUNT_SID}',
        '    api_key: ${VG_API_KEY}',
        '',
      ].join('\n'),
      'calls/a.yaml': [
        'calls:',
        '  - name: one',
        `    application_sid: ${APP_SID}`,
        '    from: "+15550001111"',
        '    to: { type: phone, number: "+15550000001" }',
        '',
      ].join('\n'),
    });
    try {
      for (const format of ['human', 'json']) {
        const r = await runCli(['validate', '--target', 'nope', '--format', format], {
          cwd: p.dir,
        });
        expect(r.stderr, format).toContain(
          '--target nope: no such target (known: prod, env, simulator)',
        );
        expect(r.stdout, format).toBe('');
        expect(r.code, format).toBe(64);
      }
      for (const target of ['prod', 'env', 'simulator']) {
        const r = await runCli(['validate', '--target', target], { cwd: p.dir });
        expect(r.code, `${target}: ${output(r)}`).toBe(0);
      }
    } finally {
      await p.cleanup();
    }
  });
});

describe('callops validate: did you mean', () => {
  it('names the key a short key with two letters swapped meant (form, corn, tpye, nmae, tga)', async () => {
    const p = await makeProject({
      'calls/a.yaml': [
        'calls:',
        '  - nmae: one',
        `    application_sid: ${APP_SID}`,
        '    form: "+15550001111"',
        '    to: { tpye: phone, number: "+15550002222" }',
        '    tga: { a: b }',
        '    schedule: { corn: "0 9 * * *" }',
        '',
      ].join('\n'),
    });
    try {
      const r = await runCli(['validate'], { cwd: p.dir });
      expect(r.code, output(r)).toBe(1);
      for (const [line, meant] of [
        ['calls/a.yaml:2:5: error: unknown option `nmae` — did you mean `name`?', 'name'],
        ['calls/a.yaml:4:5: error: unknown option `form` — did you mean `from`?', 'from'],
        ['calls/a.yaml:5:11: error: unknown key `tpye` — did you mean `type`?', 'type'],
        ['calls/a.yaml:6:5: error: unknown option `tga` — did you mean `tag`?', 'tag'],
        ['calls/a.yaml:7:17: error: unknown key `corn` — did you mean `cron`?', 'cron'],
      ])
        expect(r.stderr, meant).toContain(line);
    } finally {
      await p.cleanup();
    }
  });
});

describe('callops validate: a row template (`${row.X}`) in a call without `recipients`', () => {
  const ONLY = 'only works in a call with `recipients` (a campaign)';
  const IN_DEFAULTS = 'which calls without `recipients` take too (write it in the campaign itself)';

  it('says once, at each template, that only a campaign fills it, and whose defaults hold it', async () => {
    const p = await makeProject({
      'callops.yaml': ['defaults:', '  tag: { who: "${row.name}" }', ''].join('\n'),
      'calls/a.yaml': [
        'defaults:',
        `  application_sid: ${APP_SID}`,
        '  from: "+15550001111"',
        '  schedule: { timezone: "${row.tz}" }',
        'calls:',
        '  - name: daily',
        '    to: { type: phone, number: "+15550002222" }',
        '    schedule: { cron: "0 9 * * *" }',
        '  - name: weekly',
        '    to: { type: phone, number: "+15550002223" }',
        '    schedule: { cron: "0 9 * * 1" }',
        '  - name: once',
        '    to: { type: phone, number: "${row.phone}" }',
        '    headers: { X-Who: "for ${row.who} (${row.who})" }',
        '  - name: zoned',
        '    to: { type: phone, number: "+15550002224" }',
        '    schedule: { cron: "0 9 * * *", timezone: "${row.tz}" }',
        '',
      ].join('\n'),
    });
    try {
      const r = await runCli(['validate', '--format', 'json'], { cwd: p.dir });
      expect(r.code, output(r)).toBe(1);
      const errors = (JSON.parse(r.stdout) as { errors: JsonError[] }).errors;
      expect(errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`)).toEqual([
        `callops.yaml:2:16: \`\${row.name}\` ${ONLY}: it is written in the defaults of callops.yaml, ${IN_DEFAULTS}`,
        // Taken by two calls, said once; no word of the environment.
        `calls/a.yaml:4:26: \`\${row.tz}\` ${ONLY}: it is written in the defaults of this file, ${IN_DEFAULTS}`,
        `calls/a.yaml:13:33: \`\${row.phone}\` ${ONLY}, and this call has none`,
        // At each template, the same one twice in a string included.
        `calls/a.yaml:14:28: \`\${row.who}\` ${ONLY}, and this call has none`,
        `calls/a.yaml:14:40: \`\${row.who}\` ${ONLY}, and this call has none`,
        // The call's own zone: at its value, in the words of the schema an editor shows, once.
        `calls/a.yaml:17:46: \`\${row.…}\` ${ONLY}, and this call has none`,
      ]);
    } finally {
      await p.cleanup();
    }
  });

  it('where no call takes one (a schedule key but `timezone`, `target`), says only that it takes no reference', async () => {
    const p = await makeProject({
      'calls/a.yaml': [
        'calls:',
        '  - name: daily',
        `    application_sid: ${APP_SID}`,
        '    from: "+15550001111"',
        '    to: { type: phone, number: "+15550002222" }',
        '    target: "${row.t}"',
        '    schedule: { cron: "${row.cron}" }',
        '',
      ].join('\n'),
    });
    try {
      const r = await runCli(['validate', '--format', 'json'], { cwd: p.dir });
      expect(r.code, output(r)).toBe(1);
      const errors = (JSON.parse(r.stdout) as { errors: JsonError[] }).errors;
      expect(errors.map((e) => `${e.line}:${e.column}: ${e.message}`)).toEqual([
        '6:13: `target` cannot use a reference (`${…}`): write the target name',
        '7:23: `cron` cannot use a reference (`${…}`): schedules are checked before the environment is read',
      ]);
    } finally {
      await p.cleanup();
    }
  });
});
