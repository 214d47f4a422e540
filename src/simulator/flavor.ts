import { type Flavor, isRestDialProperty } from '../options/flavor.js';
import { type Answer, textAnswer } from './answer.js';

/**
 * The feature server behind the API server. A stock jambonz one (`jambonz`) turns the
 * create-call body into a `rest:dial` task and refuses any top-level key that verb lacks
 * ("rest:dial: unknown property X"); the API server then answers express' bare 500. A
 * Cognigy Voice Gateway (`cognigy`, the default) takes every documented option.
 */
export const featureServerRefusal = (flavor: Flavor, body: object): Answer | undefined =>
  flavor === 'jambonz' && Object.keys(body).some((key) => !isRestDialProperty(key))
    ? textAnswer(500, 'Internal Server Error')
    : undefined;
