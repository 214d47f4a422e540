import type { PathSegments } from '../config/types.js';
import { escapeChar, UNPRINTABLE } from '../report/printable.js';

/**
 * Characters in text that is sent as written, refused where they change what is sent. Each
 * is refused before anything is sent — written in the call file, given by a `${VAR}` or by a
 * recipients CSV cell alike — by the rule of where the text goes:
 *
 * - a destination (`from`, the strings of `to`, `to.from.user`): any character that does not
 *   print (see report/printable.ts). A user named `bob<ESC>[2J<newline>…` is surely a slip, and
 *   `bob` with a zero-width space is another user that looks like `bob` in every output.
 * - a host (`fromHost`, `to.from.host`): the same, and white space: a host name holds neither.
 * - free text in a SIP header (a value of `headers` or `to.headers`, `callerName`,
 *   `to.auth.username`): a line break or another control character (C0 but the tab, DEL, C1,
 *   U+2028/9). A line break there ends the header and starts another (`X-Note:
 *   a<CR><LF>P-Asserted-Identity: …` adds an identity to the INVITE). A tab is white space
 *   within a value to RFC 3261, and the format characters (Unicode Cf: a zero-width joiner in
 *   an emoji, a right-to-left mark in Arabic text) are text SIP carries in UTF-8: sent as
 *   written (callops's own output still shows them escaped).
 *
 * Secrets (`to.auth.password`, hashed into the digest and never sent as text) are not looked at.
 */

/** What a text may not hold where it is sent, and why. */
export interface TextRule {
  /** Why such a character is refused there, after the character (`\n`, `\u001b`). */
  readonly reason: string;
  /** The characters refused (the first match is the one named). */
  readonly refused: RegExp;
}

/** Why such a character is refused in a destination, after the character. */
export const UNPRINTABLE_REASON =
  'a character that does not print: it would be sent and dialled as written';

/** A line break or control character a SIP header value cannot hold (a tab aside). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const HEADER_BREAKING = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/u;

/** Why a line break or control character is refused in free text sent in `header`. */
export const headerReason = (header: string): string =>
  `a line break or control character: it would be sent in ${header} as written (a line break there starts a header of its own)`;

/** Why such a character is refused in a host name, after the character. */
export const HOST_REASON =
  'which a host name does not hold (white space, or a character that does not print): it would be sent in the From header as written';

const DESTINATION: TextRule = { reason: UNPRINTABLE_REASON, refused: UNPRINTABLE };
const HOST: TextRule = {
  reason: HOST_REASON,
  refused: new RegExp(`${UNPRINTABLE.source}|\\s`, 'u'),
};
const header = (where: string): TextRule => ({
  reason: headerReason(where),
  refused: HEADER_BREAKING,
});
const HEADER_VALUE = header('the SIP header');
const FROM_HEADER = header('the From header');
const AUTHORIZATION = header('the Authorization header');

/** Each option whose text is looked at, by where it goes: an option, or a key of `to` below it. */
const TOP: Readonly<Record<string, TextRule>> = {
  from: DESTINATION,
  fromHost: HOST,
  callerName: FROM_HEADER,
};
const BELOW_TO: Readonly<Record<string, Readonly<Record<string, TextRule>>>> = {
  from: { user: DESTINATION, host: HOST },
  auth: { username: AUTHORIZATION },
};

/** The rule of the text at `path` (from the call's options), or undefined where none is looked for. */
export const textRuleAt = (path: PathSegments): TextRule | undefined => {
  const [key, sub, leaf] = path.map(String);
  if (key === undefined) return undefined;
  if (path.length === 1) return Object.hasOwn(TOP, key) ? TOP[key] : undefined;
  if (path.length === 2 && key === 'headers') return HEADER_VALUE;
  if (key !== 'to' || sub === undefined) return undefined;
  if (path.length === 2) return sub === 'auth' ? undefined : DESTINATION;
  if (path.length !== 3 || leaf === undefined) return undefined;
  if (sub === 'headers') return HEADER_VALUE;
  const below = Object.hasOwn(BELOW_TO, sub) ? BELOW_TO[sub] : undefined;
  return below !== undefined && Object.hasOwn(below, leaf) ? below[leaf] : undefined;
};

/** The first character of `text` that `rule` refuses, escaped as JSON writes it, or undefined. */
export const firstRefused = (rule: TextRule, text: string): string | undefined => {
  const c = rule.refused.exec(text)?.[0];
  return c === undefined ? undefined : escapeChar(c);
};

export interface RefusedField {
  readonly path: PathSegments;
  /** The first such character, escaped as JSON writes it. */
  readonly found: string;
  /** Why it is refused there. */
  readonly reason: string;
}

const isMap = (value: unknown): value is Readonly<Record<string, unknown>> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** The options whose texts are looked at (and `to`'s below it). */
const LOOKED_AT = ['from', 'fromHost', 'callerName', 'headers', 'to'] as const;

/** Every character any rule refuses is one of these: a text without any needs no rule. */
const ANY_REFUSED = new RegExp(`${UNPRINTABLE.source}|\\s`, 'u');

/**
 * Each text of `options` that `textRuleAt` looks at (two levels down at most, `to.from.host`)
 * and that holds a character refused there. Most texts hold none: they are passed over
 * without a path or a rule made for them (a project of 10,000 calls has some 50,000).
 */
export const refusedFields = (options: Readonly<Record<string, unknown>>): RefusedField[] => {
  const out: RefusedField[] = [];
  const visit = (value: unknown, path: PathSegments, depth: number): void => {
    if (typeof value === 'string') {
      if (!ANY_REFUSED.test(value)) return;
      const rule = textRuleAt(path);
      const found = rule === undefined ? undefined : firstRefused(rule, value);
      if (rule !== undefined && found !== undefined) out.push({ path, found, reason: rule.reason });
      return;
    }
    if (!isMap(value) || depth === 0) return;
    for (const key of Object.keys(value)) visit(value[key], [...path, key], depth - 1);
  };
  for (const key of LOOKED_AT) if (options[key] !== undefined) visit(options[key], [key], 2);
  return out;
};

/** Why a phone or teams number without `+` draws a warning (not an error), after what holds it. */
export const LOCAL_NUMBER_REASON = 'the gateway may dial it as a local number';

/**
 * Whether `to` is a phone or teams destination whose number is digits with no leading `+`:
 * the gateway may dial it as a local number. Written in the call file or given by a `${VAR}`
 * alike (a recipients CSV cell is counted per campaign, in campaign/expand.ts).
 */
export const dialsLocalNumber = (to: unknown): boolean => {
  if (to === null || typeof to !== 'object' || Array.isArray(to)) return false;
  const { type, number } = to as Record<string, unknown>;
  return (
    (type === 'phone' || type === 'teams') && typeof number === 'string' && /^\d+$/.test(number)
  );
};
