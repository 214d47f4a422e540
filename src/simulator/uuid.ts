import { randomUUID } from 'node:crypto';

// The shape the gateway's own check accepts (the `uuid` package's validate): versions 1-8,
// RFC variant, plus the nil and max UUIDs.
const UUID =
  /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|0{8}-0{4}-0{4}-0{4}-0{12}|f{8}-f{4}-f{4}-f{4}-f{12})$/i;

export const isUuid = (value: unknown): value is string =>
  typeof value === 'string' && UUID.test(value);

export const newUuid = (): string => randomUUID();
