/**
 * The JSON Schema keywords whose values are subschemas, by shape: a map of schemas, a list
 * of schemas, or one schema. Every walk over a schema (bundling jambonz's, adding editor
 * messages) descends through these and leaves every other keyword as it is.
 */
export const SCHEMA_MAPS: ReadonlySet<string> = new Set([
  'properties',
  'patternProperties',
  '$defs',
  'definitions',
  'dependentSchemas',
]);
export const SCHEMA_LISTS: ReadonlySet<string> = new Set([
  'allOf',
  'anyOf',
  'oneOf',
  'prefixItems',
]);
export const SCHEMA_SINGLES: ReadonlySet<string> = new Set([
  'items',
  'additionalProperties',
  'unevaluatedProperties',
  'unevaluatedItems',
  'contains',
  'propertyNames',
  'not',
  'if',
  'then',
  'else',
]);
