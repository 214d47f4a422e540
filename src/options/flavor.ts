import { REST_DIAL_PROPERTIES } from './rest-dial.js';
import { OPTION_NAMES } from './table.js';

/**
 * What kind of gateway a target is. `cognigy` (the default): Cognigy Voice Gateway, whose
 * create-call takes every documented option. `jambonz`: a stock jambonz feature server,
 * which validates the create-call body as its `rest:dial` verb and refuses the rest.
 */
export const FLAVORS = ['cognigy', 'jambonz'] as const;

export type Flavor = (typeof FLAVORS)[number];

export const DEFAULT_FLAVOR: Flavor = 'cognigy';

export const isFlavor = (value: unknown): value is Flavor =>
  typeof value === 'string' && (FLAVORS as readonly string[]).includes(value);

const REST_DIAL: ReadonlySet<string> = new Set(REST_DIAL_PROPERTIES);

/** Whether a stock jambonz feature server accepts this top-level create-call key. */
export const isRestDialProperty = (key: string): boolean => REST_DIAL.has(key);

/**
 * Documented options a stock jambonz feature server refuses on create-call (they are not
 * `rest:dial` properties): the API server then answers a bare 500 and nothing is placed.
 */
export const JAMBONZ_REJECTED_OPTIONS: readonly string[] = OPTION_NAMES.filter(
  (name) => !REST_DIAL.has(name),
);

/**
 * Create-call values the API server replaces with the application's when `application_sid`
 * is given: written beside it, they have no effect.
 */
export const APPLICATION_OVERRIDES: readonly string[] = [
  'call_hook',
  'call_status_hook',
  'app_json',
  'speech_synthesis_vendor',
  'speech_synthesis_voice',
  'speech_synthesis_language',
  'speech_recognizer_vendor',
  'speech_recognizer_language',
];
