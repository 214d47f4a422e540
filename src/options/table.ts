import {
  boolean,
  freeObject,
  headerMap,
  headerNames,
  jambonz,
  nonEmptyString,
  PHONE_MESSAGE,
  PHONE_PATTERN,
  positiveInteger,
  type SchemaFragment,
  SIP_URI_MESSAGE,
  SIP_URI_PATTERN,
  string,
  stringArray,
  webhook,
} from './fragments.js';

/**
 * THE table of documented call options: the gateway's create-call body. The JSON Schema
 * in schemas/ and the README's option reference are generated from it.
 */

export type OptionGroup = 'basic' | 'advanced' | 'extension';

export interface OptionRow {
  readonly name: string;
  readonly group: OptionGroup;
  /** Required once defaults are merged (checked after merging, not by the schema). */
  readonly required: boolean;
  /** Markdown. Hover docs and the README reference. */
  readonly description: string;
  /** Short type shown in the README reference. */
  readonly type: string;
  readonly schema: SchemaFragment;
}

export const OPTION_GROUP_TITLES: Readonly<Record<OptionGroup, string>> = {
  basic: 'Basic options',
  advanced: 'Advanced options',
  extension: 'Gateway extensions',
};

/**
 * `key` is required for these target types; the `then` says so in its `errorMessage` (read
 * by editors and callops). `extra` sits in an `allOf` of its own: see `requiredKeys`.
 */
const targetNeeds = (types: readonly string[], key: string, extra?: SchemaFragment) => ({
  if: { properties: { type: { enum: types } }, required: ['type'] },
  // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword
  then: {
    errorMessage: `must have \`${key}\` (needed when \`type\` is ${types.map((t) => `\`${t}\``).join(' or ')})`,
    required: [key],
    ...(extra ? { allOf: [extra] } : {}),
  },
});

/**
 * The gateway's schema takes any key in `to.headers`: its names are held to the rule of the
 * call's own `headers` here, as both go into the INVITE as written.
 */
const toSchema = jambonz(
  'components/target',
  { properties: { headers: headerNames() } },
  targetNeeds(['phone', 'teams'], 'number', {
    properties: { number: { pattern: PHONE_PATTERN, patternErrorMessage: PHONE_MESSAGE } },
  }),
  targetNeeds(['sip'], 'sipUri', {
    properties: { sipUri: { pattern: SIP_URI_PATTERN, patternErrorMessage: SIP_URI_MESSAGE } },
  }),
  targetNeeds(['user'], 'name'),
);

// biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${VAR} reference
const INT_VAR = 'A `${VAR}` reference is accepted.';

const row = (
  group: OptionGroup,
  name: string,
  type: string,
  schema: SchemaFragment,
  description: string,
  required = false,
): OptionRow => ({ name, group, required, description, type, schema });

// biome-ignore format: one row per line reads as a table
export const OPTIONS: readonly OptionRow[] = [
  row('basic', 'application_sid', 'string', nonEmptyString(), 'SID of the gateway application that takes over the call when it is answered. Required, unless the call carries the extension `call_hook` instead.', true),
  row('basic', 'from', 'string', nonEmptyString({ maxLength: 256 }), 'Calling party number (caller ID) shown to the callee, e.g. `"+15550001111"`; at most 256 characters. Quote it: YAML reads an unquoted `+1555…` as a number.', true),
  row('basic', 'to', 'target', toSchema, 'Destination: `{type: phone, number, trunk?}`, `{type: sip, sipUri, auth?}`, `{type: user, name}` or `{type: teams, number, tenant?, vmail?}`. A `number` is an optional `+` and 3–15 digits, quoted; a `sipUri` a `sip:` or `sips:` URI. Its `headers`, for any type, follow the rules of the call\'s `headers`: a name is an RFC 3261 token, a value holds no line break or other control character.', true),
  row('basic', 'timeLimit', 'positive integer', positiveInteger(), `Maximum length of the call in seconds, counted from answer. ${INT_VAR}`),
  row('basic', 'timeout', 'positive integer', positiveInteger(), `Seconds to ring before an unanswered call is given up (gateway default 60). ${INT_VAR}`),
  row('basic', 'tag', 'object', freeObject(), 'Metadata key-value pairs attached to the call; the gateway passes them on to the application with the call.'),
  row('advanced', 'actionHook', 'webhook', webhook(), 'Webhook invoked when the call ends, with the outcome.'),
  row('advanced', 'amd', 'object', jambonz('components/amd'), 'Answering machine detection: `{actionHook, thresholdWordCount?, digitCount?, timers?, recognizer?}`; AMD events are sent to its `actionHook`.'),
  row('advanced', 'confirmHook', 'webhook', webhook(), "Webhook run on the callee's side after answer and before the call is connected, e.g. to play a prompt or ask for a key press."),
  row('advanced', 'dtmfCapture', 'array of strings', stringArray(), 'DTMF strings (e.g. `"*2"`, `"#9"`) that trigger `dtmfHook` when entered during the call.'),
  row('advanced', 'dtmfHook', 'webhook', webhook(), 'Webhook notified when a `dtmfCapture` entry matches. Notification only: its response is ignored.'),
  row('advanced', 'headers', 'object of strings', headerMap(), 'SIP headers added to the outbound INVITE: header name to value, e.g. `X-Campaign: spring`. A name is an RFC 3261 token: letters, digits, `-.!%*_+\'~` and the backtick; a value holds no line break or other control character (a tab is allowed); text such as an emoji or a right-to-left mark is sent as written.'),
  row('advanced', 'listen', 'object', jambonz('verbs/listen'), "Stream the call's audio to a websocket server: a nested listen action `{url, mixType?, sampleRate?, actionHook?, …}`."),
  row('advanced', 'referHook', 'webhook', webhook(), 'Webhook invoked when the far end sends a SIP REFER (a transfer request).'),
  row('advanced', 'transcribe', 'object', jambonz('verbs/transcribe'), 'Real-time transcription of the call: a nested transcribe action `{transcriptionHook, recognizer?, …}`.'),
  row('extension', 'answerOnBridge', 'boolean', boolean(), 'If true, the originating leg is answered only once the outbound leg is answered.'),
  row('extension', 'call_hook', 'webhook', webhook(), 'Webhook that returns the application to run when the call is answered; the alternative to `application_sid`.'),
  row('extension', 'call_status_hook', 'webhook', webhook(), 'Webhook notified of call status changes (trying, ringing, in-progress, completed, …).'),
  row('extension', 'fromHost', 'string', nonEmptyString(), 'SIP host used in the From header of the outbound INVITE: a host name, with no white space and no character that does not print.'),
  row('extension', 'callerName', 'string', string(), 'Display name of the caller in the From header of the outbound INVITE: text that holds no line break or other control character (a tab is allowed).'),
  row('extension', 'sipRequestWithinDialogHook', 'webhook URL', nonEmptyString({ format: 'uri-reference' }), 'Webhook for SIP requests received within the dialog (e.g. INFO, NOTIFY).'),
  row('extension', 'dual_streams', 'boolean', boolean(), 'If true, send separate audio streams for each call leg.'),
  row('extension', 'speech_synthesis_vendor', 'string', nonEmptyString(), 'Default text-to-speech vendor for the call, e.g. `google`, `microsoft`.'),
  row('extension', 'speech_synthesis_voice', 'string', nonEmptyString(), 'Default text-to-speech voice for the call.'),
  row('extension', 'speech_synthesis_language', 'string', nonEmptyString(), 'Default text-to-speech language for the call, e.g. `en-US`.'),
  row('extension', 'speech_recognizer_vendor', 'string', nonEmptyString(), 'Default speech-to-text vendor for the call.'),
  row('extension', 'speech_recognizer_language', 'string', nonEmptyString(), 'Default speech-to-text language for the call, e.g. `en-US`.'),
];

export const OPTION_NAMES: readonly string[] = OPTIONS.map((o) => o.name);

export const REQUIRED_OPTIONS: readonly string[] = OPTIONS.filter((o) => o.required).map(
  (o) => o.name,
);

const BY_NAME: ReadonlyMap<string, OptionRow> = new Map(OPTIONS.map((o) => [o.name, o]));

export const optionByName = (name: string): OptionRow | undefined => BY_NAME.get(name);

export const optionsInGroup = (group: OptionGroup): readonly OptionRow[] =>
  OPTIONS.filter((o) => o.group === group);
