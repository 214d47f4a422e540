// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${VAR} references
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { KNOWN_KEYS } from '../../src/options/keys.js';
import { optionByName, optionsInGroup } from '../../src/options/table.js';
import { REPO, runCli } from '../e2e/helpers.js';
import { type Diagnostic, LanguageClient } from './lsp-client.js';

/**
 * The generated schemas in the editor's own language server (yaml-language-server over
 * stdio, as VS Code's YAML extension runs it): no diagnostics on the examples, each broken
 * file flagged where `callops validate` flags it with a message a user can act on, hover
 * in callops's words, completion of every documented option. No network: the schema store
 * is off and the schemas are files.
 */

const SETTINGS = {
  validate: true,
  hover: true,
  completion: true,
  schemaStore: { enable: false },
  kubernetesCRDStore: { enable: false },
  schemas: {},
};

const schemaUrl = (name: string) =>
  pathToFileURL(join(REPO, 'schemas', `callops-${name}.schema.json`)).href;

const modeline = (name: 'calls' | 'config') => `# yaml-language-server: $schema=${schemaUrl(name)}`;

/** LSP CompletionItemKind.Property: a key; whole-object items have other kinds. */
const PROPERTY = 10;

/** Messages of yaml-language-server's own that name no callops rule. */
const GENERIC =
  /does not match the pattern|Incorrect type|Matches multiple schemas|Matches a schema that is not allowed|Missing property|object\(/;

interface Broken {
  /** The file's lines after the modeline; the one broken line holds `«` … `»`-free YAML. */
  readonly body: string;
  /** Words both messages hold. */
  readonly words: RegExp;
  /** Words the editor's message holds besides (callops quotes the value written instead). */
  readonly editorWords?: RegExp;
  /**
   * Where the editor marks a missing key: `value`, as callops (the default), or `key`: the
   * language server marks the key of the object that lacks it, on the same line.
   */
  readonly at?: 'key';
  /**
   * The editor leaves it alone, rightly: only the merge with the project's defaults (which
   * may live in callops.yaml, seen by no schema of a call file) shows what is missing.
   */
  readonly editor?: 'silent';
}

const call = (name: string, ...lines: string[]) =>
  [
    'defaults:',
    '  application_sid: app-sid',
    '  from: "+15550001111"',
    'calls:',
    `  - name: ${name}`,
    ...(lines.some((l) => l.startsWith('to:'))
      ? []
      : ['    to: { type: phone, number: "+15550002222" }']),
    ...lines.map((l) => `    ${l}`),
  ].join('\n');

const BROKEN: Readonly<Record<string, Broken>> = {
  'integer-word.yaml': {
    body: call('integer-word', 'timeLimit: ten'),
    words: /must be (a positive integer|an integer)/,
  },
  'integer-bool.yaml': {
    body: call('integer-bool', 'timeout: true'),
    words: /must be (a positive integer|an integer)/,
  },
  'webhook-number.yaml': {
    body: call('webhook-number', 'actionHook: 42'),
    words: /must be a string or an object/,
  },
  'webhook-list.yaml': {
    body: call('webhook-list', 'confirmHook: [/confirm]'),
    words: /must be a string or an object/,
  },
  'cron-and-at.yaml': {
    body: call('cron-and-at', 'schedule: { cron: "0 9 * * *", at: "2026-12-01T09:00:00Z" }'),
    words: /must have only one of `cron` and `at`/,
  },
  'defaults-cron-and-at.yaml': {
    body: `defaults:\n  schedule: { cron: "0 9 * * *", at: "2026-12-01T09:00:00Z" }\n${call('defaults-cron-and-at').split('\n').slice(1).join('\n')}`,
    words: /must not have both `cron` and `at`/,
  },
  'no-cron-no-at.yaml': {
    body: call('no-cron-no-at', 'schedule: { timezone: Europe/Berlin }'),
    words:
      /schedule needs `cron` \(recurring\) or `at` \(once\): neither this call nor its defaults give one/,
    editor: 'silent',
  },
  'unquoted-from.yaml': {
    body: call('unquoted-from', 'from: +15550003333'),
    words: /must be a string — quote it/,
    editorWords: /quote it, e\.g\. "\+15550001111"/,
  },
  'unquoted-number.yaml': {
    body: call('unquoted-number', 'to: { type: phone, number: +15550003333 }'),
    words: /must be a string — quote it/,
    editorWords: /quote it, e\.g\. "\+15550001111"/,
  },
  'header-number.yaml': {
    body: call('header-number', 'headers: { X-Count: 5 }'),
    words: /must be a string — quote it/,
    // Not a phone number: no phone number is offered as the example.
    editorWords: /^must be a string — quote it: unquoted/,
  },
  'header-name.yaml': {
    body: call('header-name', 'headers: { "X-Bad Name:": v }'),
    words: /must be a SIP header name: letters, digits and -\.!%\*_\+`'~ \(no space or colon\)/,
  },
  'to-header-name.yaml': {
    body: call(
      'to-header-name',
      'to: { type: sip, sipUri: "sip:bob@example.com", headers: { "X-A\\r\\nP-Asserted-Identity": v } }',
    ),
    words: /must be a SIP header name: letters, digits and -\.!%\*_\+`'~ \(no space or colon\)/,
  },
  'phone-pattern.yaml': {
    body: call('phone-pattern', 'to: { type: phone, number: "call me" }'),
    words: /must be a phone number/,
  },
  'missing-number.yaml': {
    body: call('missing-number', 'to: { type: phone }'),
    words: /must have `number` \(needed when `type` is `phone` or `teams`\)/,
    at: 'key',
  },
  'bad-name.yaml': {
    body: call('Bad-Name'),
    words: /must be lowercase letters/,
  },
  'amd-misspelt.yaml': {
    body: call('amd-misspelt', 'amd: { actionHook: /amd, thresholdWordCont: 6 }'),
    words: /thresholdWordCont/,
  },
  'jambonz-number-word.yaml': {
    body: call('jambonz-number-word', 'amd: { actionHook: /amd, thresholdWordCount: six }'),
    words: /must be (a number|an integer|a positive)/,
  },
};

interface CliDiagnostic {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** callops.yaml, broken too: an integer-or-`${VAR}` of a target. */
const CONFIG: Broken = {
  body: [
    'targets:',
    '  production:',
    '    base_url: https://vg.example.com',
    '    account_sid: ${VG_ACCOUNT_SID}',
    '    api_key: ${VG_API_KEY}',
    '    concurrency: four',
    'default_target: production',
  ].join('\n'),
  words: /must be (a positive integer|an integer)/,
};

/** Project-relative path → broken file. */
const FILES: ReadonlyMap<string, Broken> = new Map([
  ...Object.entries(BROKEN).map(([name, b]) => [`calls/${name}`, b] as const),
  ['callops.yaml', CONFIG],
]);

let client: LanguageClient;
let project: string;
let cli: CliDiagnostic[];
const editor = new Map<string, Diagnostic[]>();
const texts = new Map<string, string>();

const fileUri = (path: string) => pathToFileURL(path).href;

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'callops-editor-'));
  await mkdir(join(project, 'calls'));
  for (const [path, broken] of FILES) {
    const text = `${modeline(path === 'callops.yaml' ? 'config' : 'calls')}\n${broken.body}\n`;
    texts.set(path, text);
    await writeFile(join(project, path), text);
  }
  const [result] = await Promise.all([
    runCli(['validate', '--format', 'json'], { cwd: project }),
    (async () => {
      client = new LanguageClient(SETTINGS);
      await client.start(fileUri(project));
    })(),
  ]);
  expect(result.code, result.stderr).toBe(1);
  cli = (JSON.parse(result.stdout) as { errors: CliDiagnostic[] }).errors;
  const opened = await Promise.all(
    [...FILES.keys()].map(
      async (path) =>
        [path, await client.open(fileUri(join(project, path)), texts.get(path) ?? '')] as const,
    ),
  );
  for (const [path, diagnostics] of opened) editor.set(path, diagnostics);
});

afterAll(async () => {
  await client?.stop();
  if (project) await rm(project, { recursive: true, force: true });
});

describe('the examples', () => {
  test('of `callops init` have no diagnostics', async () => {
    const dir = join(project, 'init');
    const result = await runCli(['init', dir], { cwd: project });
    expect(result.code, result.stderr).toBe(0);
    const files = ['callops.yaml', 'calls/example.yaml'];
    for (const file of files) {
      const path = join(dir, file);
      const text = await readFile(path, 'utf8');
      expect(text.startsWith('# yaml-language-server: $schema=')).toBe(true);
      expect(await client.open(fileUri(path), text), file).toEqual([]);
    }
  });

  test('in calls/ have no diagnostics', async () => {
    const files = (await readdir(join(REPO, 'calls'))).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const file of files) {
      const path = join(REPO, 'calls', file);
      const text = await readFile(path, 'utf8');
      expect(
        text.startsWith('# yaml-language-server: $schema=../schemas/callops-calls.schema.json'),
      ).toBe(true);
      expect(await client.open(fileUri(path), text), file).toEqual([]);
    }
  });
});

describe('a partial schedule', () => {
  test("in a call, under its defaults' cron, has no diagnostics", async () => {
    const body = call('partial', 'schedule: { timezone: Europe/Berlin }').replace(
      'calls:',
      '  schedule: { cron: "0 9 * * 1-5" }\ncalls:',
    );
    const text = `${modeline('calls')}\n${body}\n`;
    expect(await client.open(fileUri(join(project, 'calls', 'partial.yaml')), text)).toEqual([]);
  });
});

describe('broken files', () => {
  test.each([...FILES])('%s: flagged where callops flags it, in its words', (path, broken) => {
    const fromCli = cli.filter((d) => d.file === path);
    expect(fromCli, JSON.stringify(cli)).toHaveLength(1);
    const fromEditor = editor.get(path) ?? [];
    if (broken.editor === 'silent') {
      expect(fromEditor, JSON.stringify(fromEditor)).toEqual([]);
      expect(fromCli[0]?.message).toMatch(broken.words);
      return;
    }
    expect(fromEditor, JSON.stringify(fromEditor)).toHaveLength(1);
    const [c] = fromCli;
    const [e] = fromEditor;
    if (!c || !e) throw new Error('unreachable');
    expect(c.message).toMatch(broken.words);
    expect(e.message).toMatch(broken.words);
    expect(e.message).not.toMatch(GENERIC);
    if (broken.editorWords) expect(e.message).toMatch(broken.editorWords);
    // The editor counts lines and columns from 0; the modeline is line 1 for both.
    expect(e.range.start.line + 1).toBe(c.line);
    const lineText = (texts.get(path) ?? '').split('\n')[c.line - 1] ?? '';
    const column = broken.at === 'key' ? lineText.search(/[A-Za-z_]+:\s*\{/) + 1 : c.column;
    expect(column).toBeGreaterThan(0);
    expect(e.range.start.character + 1).toBe(column);
  });
});

/**
 * The keys callops reads before the environment (schedules, names, `enabled`, `target`,
 * redial's `after`; in callops.yaml `default_target`, `suppress`, `limits`, `state.keep`):
 * a `${…}` in one is each of validate's errors in the editor too, at its place, in its words,
 * and validate says each once. A campaign's `timezone: ${row.COLUMN}` is no error in either.
 */
describe('references where callops reads no environment', () => {
  const CALLS = [
    'defaults:',
    '  application_sid: app-sid',
    '  from: "+15550001111"',
    '  schedule: { deadline: "${DL}" }',
    'calls:',
    '  - name: a',
    '    to: { type: phone, number: "+15550002222" }',
    '    schedule: { cron: "${CRON}", timezone: "${TZ_X}", window: "${WIN}" }',
    '  - name: b',
    '    to: { type: phone, number: "+15550002223" }',
    '    enabled: "${EN}"',
    '    target: "${T}"',
    '  - name: "${NAME}"',
    '    to: { type: phone, number: "+15550002224" }',
    '  - name: c',
    '    to: { type: phone, number: "+15550002225" }',
    '    schedule: { at: "${AT}", start: "${START}", end: "${END}" }',
    '  - name: rows',
    '    to: { type: phone, number: "${row.phone}" }',
    '    recipients: rows.csv',
    '    schedule: { timezone: "${row.tz}" }',
    '    redial: { on: [busy], after: "${AFTER}", max_attempts: 2 }',
    '  - name: campaign',
    '    to: { type: phone, number: "${row.phone}" }',
    '    recipients: "${ROWS}"',
  ];
  const CONFIG_REFS = [
    'targets:',
    '  production:',
    '    base_url: https://vg.example.com',
    '    account_sid: ${VG_ACCOUNT_SID}',
    '    api_key: ${VG_API_KEY}',
    'default_target: "${DT}"',
    'suppress: ["${SUP}"]',
    'limits: { per_number: "${PN}" }',
    'state: { backend: file, keep: "${KEEP}" }',
    'lockfile: "${LOCKFILE}"',
    'defaults:',
    '  enabled: "${ON}"',
    '  schedule: { timezone: "${TZ}" }',
  ];

  /** `line:column message` of every error validate gives in `file`, and of the editor's. */
  const both = async (dir: string, file: string, lines: readonly string[]) => {
    const root = join(project, dir);
    await mkdir(join(root, 'calls'), { recursive: true });
    await writeFile(join(root, 'calls', 'rows.csv'), 'phone,tz\n+15550003333,UTC\n');
    const schema = file === 'callops.yaml' ? 'config' : 'calls';
    const text = `${modeline(schema)}\n${lines.join('\n')}\n`;
    await writeFile(join(root, file), text);
    const result = await runCli(['validate', '--format', 'json'], { cwd: root });
    expect(result.code, result.stderr).toBe(1);
    const errors = (JSON.parse(result.stdout) as { errors: CliDiagnostic[] }).errors;
    const fromCli = errors
      .filter((d) => d.file === file)
      .map((d) => `${d.line}:${d.column} ${d.message}`);
    const fromEditor = (await client.open(fileUri(join(root, file)), text)).map(
      (d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`,
    );
    return { fromCli: fromCli.sort(), fromEditor: fromEditor.sort() };
  };

  const refused = (count: number, found: readonly string[]) => {
    expect(found, found.join('\n')).toHaveLength(count);
    for (const d of found)
      expect(d).toMatch(/^\d+:\d+ `[a-z_.]+` cannot use a reference \(`\$\{…\}`\): /);
    // One error at each place: the schema's and validate's own rule say it once.
    expect(new Set(found.map((d) => d.split(' ')[0])).size).toBe(count);
  };

  test('in a call file', async () => {
    const { fromCli, fromEditor } = await both('references', 'calls/refs.yaml', CALLS);
    refused(12, fromCli);
    expect(fromEditor).toEqual(fromCli);
  });

  test('in callops.yaml', async () => {
    const { fromCli, fromEditor } = await both('references-config', 'callops.yaml', CONFIG_REFS);
    refused(7, fromCli);
    expect(fromEditor).toEqual(fromCli);
  });

  test("a row's zone needs the call's recipients", async () => {
    const lines = [
      'calls:',
      '  - name: rows',
      '    application_sid: app-sid',
      '    from: "+15550001111"',
      '    to: { type: phone, number: "${row.phone}" }',
      '    recipients: rows.csv',
      '    schedule: { timezone: "${row.tz}" }',
      '  - name: plain',
      '    application_sid: app-sid',
      '    from: "+15550001111"',
      '    to: { type: phone, number: "+15550002226" }',
      '    schedule: { cron: "0 9 * * *", timezone: "${row.tz}" }',
    ];
    const text = `${modeline('calls')}\n${lines.join('\n')}\n`;
    const found = await client.open(fileUri(join(project, 'calls', 'row-zone.yaml')), text);
    // The modeline is line 1: the plain call's schedule is line 13.
    expect(
      found.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`),
    ).toEqual([
      '13:46 `${row.…}` only works in a call with `recipients` (a campaign), and this call has none',
    ]);
  });
});

describe('hover', () => {
  test.each(['amd', 'listen', 'transcribe', 'to'])(
    'on %s shows callops’s description',
    async (key) => {
      const path = join(REPO, 'calls', 'advanced.yaml');
      const lines = (await readFile(path, 'utf8')).split('\n');
      const line = lines.findIndex((l) => l.trimStart().startsWith(`${key}:`));
      expect(line).toBeGreaterThan(0);
      const character = (lines[line] ?? '').indexOf(key) + 1;
      const hover = await client.hover(fileUri(path), { line, character });
      const contents = hover?.contents;
      const text = typeof contents === 'string' ? contents : (contents?.value ?? '');
      expect(text).toContain(optionByName(key)?.description);
      expect(text).not.toMatch(/verb|IMPORTANT|Example/);
    },
  );
});

describe('completion', () => {
  const complete = async (name: string, lines: readonly string[]) => {
    const text = `${modeline('calls')}\n${lines.join('\n')}\n`;
    const uri = fileUri(join(project, 'calls', name));
    await client.open(uri, text);
    const line = lines.length; // the last line, after the modeline
    return client.completion(uri, { line, character: (lines.at(-1) ?? '').length });
  };

  test('inside a call lists all 15 documented options, and keys only', async () => {
    const documented = [...optionsInGroup('basic'), ...optionsInGroup('advanced')].map(
      (o) => o.name,
    );
    expect(documented).toHaveLength(15);
    const items = await complete('complete-call.yaml', ['calls:', '  - name: new-call', '    ']);
    const labels = items.map((i) => i.label);
    for (const option of documented) expect(labels, option).toContain(option);
    for (const label of labels) expect(KNOWN_KEYS.call, label).toContain(label);
  });

  test('offers no whole-object items, at the top, in `to` or in `amd`', async () => {
    const top = await complete('complete-top.yaml', ['']);
    expect(top.map((i) => i.label).sort()).toEqual(['calls', 'defaults']);
    const to = await complete('complete-to.yaml', [
      'calls:',
      '  - name: new-call',
      '    to:',
      '      type: phone',
      '      ',
    ]);
    expect(to.map((i) => i.label)).toContain('number');
    const amd = await complete('complete-amd.yaml', [
      'calls:',
      '  - name: new-call',
      '    amd:',
      '      ',
    ]);
    expect(amd.map((i) => i.label)).toContain('actionHook');
    for (const item of [...top, ...to, ...amd]) {
      expect(item.label, JSON.stringify(item)).toMatch(/^[A-Za-z_]+$/);
      expect(item.kind, item.label).toBe(PROPERTY);
      expect(item.label).not.toMatch(/^(call|object|target|defaults.*file)$/i);
    }
  });
});

test('the language server asked for nothing but its settings', () => {
  expect(client.serverRequests.length).toBeGreaterThan(0);
  expect(new Set(client.serverRequests)).toEqual(new Set(['workspace/configuration']));
});
