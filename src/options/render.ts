import { CALL_KEYS, type KeyRow, SCHEDULE_KEYS } from './keys.js';
import { buildCallsSchema, buildConfigSchema } from './schema.js';
import { OPTION_GROUP_TITLES, type OptionGroup, optionsInGroup } from './table.js';
import { SCHEMA_FILES } from './validator-files.js';

/** The generated artefacts: schema files and the README's option reference. */

export { SCHEMA_FILES };

export const README_START = '<!-- options:start -->';
export const README_END = '<!-- options:end -->';

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** Repo-relative path to content of each generated JSON Schema file. */
export const renderSchemaFiles = (): Record<string, string> => ({
  [SCHEMA_FILES.calls]: json(buildCallsSchema()),
  [SCHEMA_FILES.config]: json(buildConfigSchema()),
});

const cell = (s: string) => s.replaceAll('|', '\\|');

const table = (rows: readonly Omit<KeyRow, 'schema'>[], first: string): string[] => [
  `| ${first} | Type | Required | Description |`,
  '| --- | --- | --- | --- |',
  ...rows.map(
    (r) =>
      `| \`${r.name}\` | ${cell(r.type)} | ${r.required ? 'yes' : ''} | ${cell(r.description)} |`,
  ),
];

const GROUP_INTRO: Readonly<Record<OptionGroup, string>> = {
  basic: 'What most calls need.',
  advanced: 'Hooks and in-call features of the create-call request.',
  extension:
    'Further create-call options a jambonz-compatible gateway accepts; listed so that a misspelt option is still an error.',
};

/** Markdown reference of every documented option, generated from the option table. */
export const renderOptionReference = (): string => {
  const groups = (Object.keys(OPTION_GROUP_TITLES) as OptionGroup[]).flatMap((g) => [
    `### ${OPTION_GROUP_TITLES[g]}`,
    '',
    GROUP_INTRO[g],
    '',
    ...table(optionsInGroup(g), 'Option'),
    '',
  ]);
  return [
    '_Generated from `src/options/` by `npm run schema`; edit the table there, not here._',
    '',
    'Options may be set on a call, in the `defaults` of its file, or in the `defaults` of',
    'callops.yaml (the call wins). Required options must be present once defaults are merged.',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${VAR} reference
    'Any string of an option may hold `${VAR}` references (resolved from the environment),',
    'and so may a number of one — `timeLimit`, `timeout`, a number inside `amd`, `listen` or',
    '`transcribe` — written as a string containing `${` that resolves to digits. A boolean',
    '(`answerOnBridge`, `dual_streams`) or a word from a list takes none. Neither do the keys',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${VAR} reference
    'of a call below, read before the environment: a `${…}` in `name`, `enabled`, `target`,',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${VAR} reference
    "any key of a `schedule` (a campaign's `timezone` may be `${row.COLUMN}`, its rows' zone),",
    'of `redial` or in `recipients` (a path, read before the environment too) is an error, of',
    '`callops validate` and of the schema in an editor alike.',
    '',
    ...groups,
    '### Keys of a call besides the options',
    '',
    ...table(CALL_KEYS, 'Key'),
    '',
    '### Keys of a schedule',
    '',
    ...table(SCHEDULE_KEYS, 'Key'),
    '',
  ].join('\n');
};

/** `readme` with the text between the option markers replaced by `reference`. */
export const replaceOptionReference = (readme: string, reference: string): string => {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) {
    throw new Error(`README.md lacks the markers ${README_START} … ${README_END}`);
  }
  return `${readme.slice(0, start + README_START.length)}\n${reference}${readme.slice(end)}`;
};
