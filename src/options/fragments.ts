/**
 * JSON Schema fragments shared by the option table and the callops key tables.
 *
 * The `${VAR}` rule: a string containing `${` is accepted wherever a number, an integer,
 * a pattern or a URL format is expected, because the value is only known once the
 * reference is resolved from the environment. Enums, booleans and call names stay literal.
 */

export type SchemaFragment = Readonly<Record<string, unknown>>;

/** Matches any string holding a `${NAME}` reference. */
export const VAR_PATTERN = '\\$\\{';

export const VAR_RULE =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${VAR} reference
  'Any string may hold `${VAR}` references; where a number, a phone number or a URL is expected, a string containing `${` is accepted in its place.';

/** A phone or teams number: an optional + and 3–15 digits, or a `${VAR}` reference. */
export const PHONE_PATTERN = `^\\+?[0-9]{3,15}$|${VAR_PATTERN}`;
export const PHONE_MESSAGE = 'must be a phone number: an optional + and 3–15 digits';

/** A SIP URI (`sip:` or `sips:`, any case, no spaces), or a `${VAR}` reference. */
export const SIP_URI_PATTERN = `^[Ss][Ii][Pp][Ss]?:[^\\s]+$|${VAR_PATTERN}`;
export const SIP_URI_MESSAGE = 'must be a sip: or sips: URI, e.g. sip:alice@example.com';

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

export const stringMap = (): SchemaFragment => ({
  type: 'object',
  additionalProperties: { type: 'string' },
});

export const freeObject = (): SchemaFragment => ({ type: 'object' });

/** A webhook: a URL (absolute or a path relative to the application) or `{url, method?, …}`. */
export const webhook = (): SchemaFragment => ({ allOf: [{ $ref: defRef('webhook') }] });

/**
 * A nested gateway object described by @jambonz/schema (looked up by `$id` path, e.g.
 * `components/amd`), with optional extra constraints. Keys the gateway schema does not
 * know are errors.
 */
export const jambonz = (idPath: string, ...extra: SchemaFragment[]): SchemaFragment => ({
  type: 'object',
  allOf: [{ $ref: defRef(jambonzDefName(idPath)) }, ...extra],
  unevaluatedProperties: false,
});

/** `$defs.webhook`, shared by every webhook option. */
export const webhookDef = (): SchemaFragment => ({
  description:
    'A webhook: a URL (https://…) or a path relative to the application (/hook), or an object {url, method, username, password}.',
  oneOf: [
    { type: 'string', minLength: 1, format: 'uri-reference' },
    {
      type: 'object',
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
      required: ['url'],
      additionalProperties: false,
    },
  ],
});
