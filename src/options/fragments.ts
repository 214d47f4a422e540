/**
 * JSON Schema fragments shared by the option table and the callops key tables.
 *
 * The `${VAR}` rule: a string containing `${` is accepted wherever a number, an integer,
 * a pattern or a URL format is expected, because the value is only known once the
 * reference is resolved from the environment. Enums and booleans stay literal, and so do
 * the keys callops reads before the environment (literal.ts), which refuse a reference.
 */

export type SchemaFragment = Readonly<Record<string, unknown>>;

/** Matches any string holding a `${NAME}` reference. */
export const VAR_PATTERN = '\\$\\{';

/**
 * Matches a string holding a reference exactly as validate reads one (`hasReference`): a
 * `${` that is not the escape `$${`, once every `$${` is taken out. A `${` whose `$` follows
 * no other `$`, or one put together by taking escapes out (`$$${{` leaves `${`).
 */
export const REFERENCE_PATTERN = String.raw`(?:^|[^$])\$\{|\$(?:\$\$\{)+\{`;

export const VAR_RULE =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${VAR} reference
  "A string of an option may hold `${VAR}` references, and so may a number of one, written as a string containing `${`; booleans and words from a list take none. Neither do the keys callops reads before the environment: `name`, `enabled`, `target`, `schedule` and `redial` (a campaign's `timezone` may be `${row.COLUMN}`), and in callops.yaml `default_target`, `suppress`, `limits` and `state.keep`.";

/** A phone or teams number: an optional + and 3–15 digits, or a `${VAR}` reference. */
export const PHONE_PATTERN = `^\\+?[0-9]{3,15}$|${VAR_PATTERN}`;
export const PHONE_MESSAGE = 'must be a phone number: an optional + and 3–15 digits';

/** A SIP URI (`sip:` or `sips:`, any case, no spaces), or a `${VAR}` reference. */
export const SIP_URI_PATTERN = `^[Ss][Ii][Pp][Ss]?:[^\\s]+$|${VAR_PATTERN}`;
export const SIP_URI_MESSAGE = 'must be a sip: or sips: URI, e.g. sip:alice@example.com';

/**
 * Messages editors show (yaml-language-server reads `errorMessage` for a wrong type and
 * `patternErrorMessage` for a pattern or format mismatch). They are added to the generated
 * schema by editor-messages.ts; callops's own messages come from src/validate/.
 */
export const STRING_MESSAGE =
  'must be a string — quote it: unquoted, YAML reads a number (dropping a leading + or 0), true or false as another type';
/** The same, for a phone number (`from`, `to`'s `number`), with one quoted as an example. */
export const PHONE_STRING_MESSAGE =
  'must be a string — quote it, e.g. "+15550001111": unquoted, YAML reads a number (dropping a leading + or 0), true or false as another type';
export const BOOLEAN_MESSAGE = 'must be true or false';
export const URL_MESSAGE = 'must be a URL or a path such as "/hook"';
export const WEBHOOK_MESSAGE =
  'must be a string or an object: a URL or a path such as "/hook", or {url, method?, username?, password?}';
/** `kind` is e.g. "an integer", "a positive integer", "a number". */
export const numberMessage = (kind: string): string => `must be ${kind}, or a \${VAR} reference`;

export const NAME_PATTERN = '^[a-z0-9][a-z0-9._-]*$';
export const NAME_MESSAGE =
  'must be lowercase letters, digits, `.`, `_` or `-`, starting with a letter or digit';

/** Where the jambonz schemas are placed inside a generated schema file. */
export const JAMBONZ_DEF_PREFIX = 'jambonz.';

export const defRef = (name: string): string => `#/$defs/${name}`;

/** `$defs` key of a jambonz schema, from the part of its `$id` after `/schema/`. */
export const jambonzDefName = (idPath: string): string =>
  `${JAMBONZ_DEF_PREFIX}${idPath.replaceAll('/', '.')}`;

export const string = (extra: SchemaFragment = {}): SchemaFragment => ({
  type: 'string',
  ...extra,
});

export const nonEmptyString = (extra: SchemaFragment = {}): SchemaFragment => ({
  type: 'string',
  minLength: 1,
  ...extra,
});

export const boolean = (): SchemaFragment => ({ type: 'boolean' });

/**
 * Seconds that fit the gateway's 32-bit timers: larger values would be sent as `1e+23`
 * (JSON has no bigger exact integers) and mean nothing to a SIP stack.
 */
export const MAX_SECONDS = 2_147_483_647;

/** A whole number from 1 to MAX_SECONDS, or a `${VAR}` string. */
export const positiveInteger = (): SchemaFragment => ({
  type: ['integer', 'string'],
  minimum: 1,
  maximum: MAX_SECONDS,
  pattern: VAR_PATTERN,
});

export const stringArray = (): SchemaFragment => ({
  type: 'array',
  items: { type: 'string', minLength: 1 },
});

/**
 * A SIP header name is an RFC 3261 `token`: letters, digits and `-.!%*_+\`'~`. A space or a
 * colon in one would write another header than the one meant (`Bad Name:` ends at the colon).
 */
export const SIP_HEADER_NAME_PATTERN = "^[A-Za-z0-9.!%*_+`'~-]+$";
export const SIP_HEADER_NAME_MESSAGE =
  "must be a SIP header name: letters, digits and -.!%*_+`'~ (no space or colon)";

/** The names of a map of SIP headers: RFC 3261 tokens. */
export const headerNames = (): SchemaFragment => ({
  propertyNames: { pattern: SIP_HEADER_NAME_PATTERN, patternErrorMessage: SIP_HEADER_NAME_MESSAGE },
});

/** SIP headers: a token name to a text value (what a value may hold is checked in validate/). */
export const headerMap = (): SchemaFragment => ({
  type: 'object',
  ...headerNames(),
  additionalProperties: { type: 'string' },
});

export const freeObject = (): SchemaFragment => ({ type: 'object' });

/**
 * A bare `$ref` beside the row's description: an editor then shows the option's own
 * description on hover, not that of the referenced schema.
 */
const ref = (name: string): SchemaFragment => ({ $ref: defRef(name) });

/** A webhook: a URL (absolute or a path relative to the application) or `{url, method?, …}`. */
export const webhook = (): SchemaFragment => ref('webhook');

/**
 * A nested gateway object described by @jambonz/schema (looked up by `$id` path, e.g.
 * `components/amd`), with optional extra constraints. Keys the gateway schema does not
 * know are errors.
 */
export const jambonz = (idPath: string, ...extra: SchemaFragment[]): SchemaFragment => ({
  ...ref(jambonzDefName(idPath)),
  ...(extra.length > 0 ? { allOf: extra } : {}),
  unevaluatedProperties: false,
});

/**
 * `required` kept apart from `properties`: an editor offers a schema listing both as one
 * more completion item (named after its title) that inserts the required keys. One key per
 * schema, so that its `errorMessage` (what editors show) names it as callops does.
 */
export const requiredKeys = (keys: readonly string[]): SchemaFragment => ({
  allOf: keys.map((k) => ({ required: [k], errorMessage: `must have \`${k}\`` })),
});

/**
 * Never both keys (`message` shown when they are). Both present fails a `then` that no
 * object satisfies, so that the message (`errorMessage`, read by editors and by callops) sits
 * on the object itself: editors have no message of their own for `oneOf` and `not`.
 */
export const notBoth = (
  a: string,
  b: string,
  message = `must not have both \`${a}\` and \`${b}\``,
): SchemaFragment => ({
  if: { type: 'object', required: [a, b] },
  // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword
  then: { type: 'null', errorMessage: message },
});

/**
 * `$defs.webhook`, shared by every webhook option. The type is checked once, on the whole
 * (a `oneOf` of a string and an object would give editors a type message per branch).
 */
export const webhookDef = (): SchemaFragment => ({
  description:
    'A webhook: a URL (https://…) or a path relative to the application (/hook), or an object {url, method, username, password}.',
  type: ['string', 'object'],
  errorMessage: WEBHOOK_MESSAGE,
  if: { type: 'string' },
  // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword
  then: { minLength: 1, format: 'uri-reference' },
  else: {
    properties: {
      url: {
        type: 'string',
        minLength: 1,
        format: 'uri-reference',
        description: 'The URL (or a path relative to the application) to invoke.',
      },
      method: {
        enum: ['GET', 'POST'],
        description: 'HTTP method used to invoke the webhook (default POST).',
      },
      username: { type: 'string', description: 'Username for HTTP basic authentication.' },
      password: { type: 'string', description: 'Password for HTTP basic authentication.' },
    },
    ...requiredKeys(['url']),
    additionalProperties: false,
  },
});
