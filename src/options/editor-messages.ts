import {
  BOOLEAN_MESSAGE,
  numberMessage,
  PHONE_STRING_MESSAGE,
  REFERENCE_PATTERN,
  STRING_MESSAGE,
  URL_MESSAGE,
  VAR_PATTERN,
} from './fragments.js';

/**
 * Adds the messages an editor shows to a generated schema, in the words callops uses:
 * yaml-language-server shows `errorMessage` for a wrong type and `patternErrorMessage` for a
 * pattern or format mismatch, and otherwise says e.g. `String does not match the pattern of
 * "\$\{"`. Every node is visited, the bundled gateway schemas too (an unquoted `number:
 * +1555…` in `to` needs the "quote it" as much as `from` does). Existing messages are kept.
 *
 * callops's own validator ignores these: it words its messages from the failing keyword.
 * `errorMessage` is only given where it cannot replace a better message: editors also use
 * it for `enum`, `const`, `required` and unknown keys of the same node.
 */

type Node = Record<string, unknown>;

import { SCHEMA_LISTS, SCHEMA_MAPS, SCHEMA_SINGLES } from './subschemas.js';

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

const URL_FORMATS = new Set(['uri', 'uri-reference']);

const typesOf = (node: Node): string[] =>
  Array.isArray(node.type)
    ? node.type.map(String)
    : node.type === undefined
      ? []
      : [String(node.type)];

/** Nodes with keywords an `errorMessage` would take the message of. */
const hasOtherChecks = (node: Node): boolean =>
  ['enum', 'const', 'required', 'properties', 'additionalProperties', 'unevaluatedProperties'].some(
    (k) => k in node,
  );

const numberKind = (node: Node, types: readonly string[]): string => {
  const kind = types.includes('integer') ? 'integer' : 'number';
  if (node.minimum === 1 || node.exclusiveMinimum === 0) return `a positive ${kind}`;
  return kind === 'integer' ? 'an integer' : 'a number';
};

/** Properties that hold a phone number: their message quotes one (others, a cron or a URL, do not). */
const PHONE_PROPERTIES = new Set(['from', 'number']);

const messagesFor = (node: Node, name: string | undefined): Node => {
  const types = typesOf(node);
  const extra: Node = {};
  const numeric = types.includes('integer') || types.includes('number');
  if (numeric && node.pattern === VAR_PATTERN) {
    // A number, or a string holding a ${VAR} reference.
    extra.patternErrorMessage = numberMessage(numberKind(node, types));
    extra.errorMessage = extra.patternErrorMessage;
  } else if (types.includes('boolean') && node.pattern === REFERENCE_PATTERN) {
    // A boolean, or a string holding a reference (refused by its `then`, in its own words).
    extra.patternErrorMessage = BOOLEAN_MESSAGE;
    extra.errorMessage = BOOLEAN_MESSAGE;
  } else if (types.length === 1 && types[0] === 'string') {
    extra.errorMessage =
      name !== undefined && PHONE_PROPERTIES.has(name) ? PHONE_STRING_MESSAGE : STRING_MESSAGE;
    if (typeof node.pattern === 'string') extra.patternErrorMessage = `must match ${node.pattern}`;
  }
  if (URL_FORMATS.has(String(node.format)) && node.pattern === undefined) {
    extra.patternErrorMessage = URL_MESSAGE;
  }
  if (hasOtherChecks(node)) delete extra.errorMessage;
  return Object.fromEntries(Object.entries(extra).filter(([k]) => node[k] === undefined));
};

/** `name`: the property the node is the schema of, when it is one (an item's is its list's). */
const visit = (value: unknown, name?: string): unknown => {
  if (!isNode(value)) return value;
  const out: Node = {};
  for (const [k, v] of Object.entries(value)) {
    if (SCHEMA_MAPS.has(k) && isNode(v)) {
      const named = k === 'properties';
      out[k] = Object.fromEntries(
        Object.entries(v).map(([key, s]) => [key, visit(s, named ? key : undefined)]),
      );
    } else if (SCHEMA_LISTS.has(k) && Array.isArray(v)) out[k] = v.map((s) => visit(s, name));
    // An `if` only chooses a branch: its failures are never shown.
    else if (k === 'if') out[k] = v;
    else if (SCHEMA_SINGLES.has(k)) out[k] = visit(v, name);
    else out[k] = v;
  }
  return { ...out, ...messagesFor(value, name) };
};

/** `schema` with editor messages added to every node that lacks them. */
export const withEditorMessages = <T>(schema: T): T => visit(schema) as T;
