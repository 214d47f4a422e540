// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${VAR} references
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../src/config/index.js';
import { loadAndValidate } from '../../src/engine/load.js';
import type { CallDefinition } from '../../src/validate/model.js';
import { validateProject } from '../../src/validate/project.js';
import { projectDirs } from '../support/project-dir.js';
import { yaml } from '../validate/fixtures.js';

const project = projectDirs('callops-keep-');

const call = (name: string, ...extra: string[]): string[] => [
  `  - name: ${name}`,
  '    to: { type: phone, number: "+15550002222" }',
  ...extra.map((line) => `    ${line}`),
];

/** Calls of every kind a file holds: defaults, references, schedules, a campaign, problems. */
const FILES: Readonly<Record<string, string>> = {
  'callops.yaml': yaml(
    'targets:',
    '  main:',
    '    base_url: http://127.0.0.1:9',
    '    account_sid: acct',
    '    api_key: ${API_KEY}',
    'defaults:',
    '  from: "+15550001111"',
  ),
  'calls/a.yaml': yaml(
    'defaults:',
    '  application_sid: app-1',
    '  tag: { team: a }',
    'calls:',
    ...call('a-1'),
    ...call('a-2', 'tag: { ref: "${ORDER_ID}" }'),
    ...call('a-3', 'schedule: { cron: "0 9 * * 1-5", timezone: Europe/Berlin }'),
  ),
  'calls/b.yaml': yaml(
    'defaults:',
    '  application_sid: app-2',
    'calls:',
    ...call('b-1', 'timeout: 30'),
    ...call('b-2', 'timeout: "thirty"'),
    '  - name: b-3',
    '    recipients: people.csv',
    '    to: { type: phone, number: "${row.phone}" }',
  ),
  'calls/people.csv': 'phone\n+15550003333\n+15550004444\n',
  'calls/c.yaml': yaml(
    'calls:',
    '  - name: c-1',
    '    application_sid: app-3',
    '    to: { type: phone, number: "+15550005555" }',
    '---',
    'calls:',
    ...call('c-2', 'application_sid: app-3', 'amd: { thresholdWordCount: 3 }'),
  ),
};

/** What later stages read of a call: each field compared as a value. */
const seen = (c: CallDefinition) => ({
  name: c.name,
  file: c.file,
  line: c.line,
  column: c.column,
  target: c.target,
  enabled: c.enabled,
  schedule: c.schedule,
  options: c.options,
  definition: c.definition,
  locate: c.locate(['to', 'number']),
});

/** Every call, a campaign's rows one by one (flatMap reads a campaign's run as a list). */
const definitions = (calls: readonly unknown[]): unknown[] =>
  calls.flatMap((c) => c as CallDefinition | CallDefinition[]).map(seen);

describe('a project held as its text past keepParsed', () => {
  it('lets go of the parsed data of the files past the budget, and of no file within it', async () => {
    const root = await project(FILES);
    const all = await loadProject({ root });
    expect(all.callFiles.flatMap((f) => f.documents.map((d) => d.released))).toEqual([
      false,
      false,
      false,
      false,
    ]);
    const aLength = all.callFiles[0]?.text.length ?? 0;
    const some = await loadProject({ root, keepParsed: aLength });
    expect(some.callFiles.map((f) => f.file)).toEqual([
      'calls/a.yaml',
      'calls/b.yaml',
      'calls/c.yaml',
    ]);
    expect(some.callFiles.flatMap((f) => f.documents.map((d) => d.released))).toEqual([
      false,
      true,
      true,
      true,
    ]);
    // Read again from the text when asked for: the same data.
    expect(some.callFiles.map((f) => f.documents.map((d) => d.data))).toEqual(
      all.callFiles.map((f) => f.documents.map((d) => d.data)),
    );
    // The recipients CSV a released file names is found as before.
    expect([...(some.recipients?.keys() ?? [])]).toEqual(['calls/people.csv']);
    expect([...(some.recipients?.keys() ?? [])]).toEqual([...(all.recipients?.keys() ?? [])]);
  });

  it('validates to the same calls, digests, positions and problems as a project held parsed', async () => {
    const root = await project(FILES);
    const held = validateProject(await loadProject({ root }));
    const text = validateProject(await loadProject({ root, keepParsed: 0 }));
    expect(held.diagnostics.length).toBeGreaterThan(0);
    expect(text.diagnostics).toEqual(held.diagnostics);
    expect(definitions(text.calls)).toEqual(definitions(held.calls));
    expect(definitions(text.calls).map((d) => (d as { name: string }).name)).toEqual([
      'a-1',
      'a-2',
      'a-3',
      'b-1',
      'b-2',
      'b-3/1',
      'b-3/2',
      'c-1',
      'c-2',
    ]);
    expect(text.campaigns).toEqual(held.campaigns);
  });

  it('is what a command loads by default past its budget, with the same result', async () => {
    const root = await project(FILES);
    const byDefault = await loadAndValidate(root);
    const asText = await loadAndValidate(root, undefined, { keepParsed: 0 });
    expect(asText.diagnostics).toEqual(byDefault.diagnostics);
    expect(definitions(asText.project.calls)).toEqual(definitions(byDefault.project.calls));
  });
});

describe("a call's literal mark", () => {
  it('is a bit of the definition, set once by markLiteral, and no field a spread or JSON sees', async () => {
    const root = await project(FILES);
    const [first, second] = validateProject(await loadProject({ root })).calls as CallDefinition[];
    const def = first as CallDefinition;
    const keys = Object.keys({ ...def });
    const json = JSON.stringify(def);
    expect(def.literal).toBe(false);
    def.markLiteral?.();
    expect(def.literal).toBe(true);
    expect(second?.literal).toBe(false);
    expect(Object.keys(def)).not.toContain('literal');
    expect(Object.keys({ ...def })).toEqual(keys);
    expect(JSON.stringify(def)).toBe(json);
    // Its request made, the call lets go of its parsed data: the mark stays.
    def.release?.();
    expect(def.literal).toBe(true);
  });
});
