import { randomUUID } from 'node:crypto';

// The shape the gateway's own check accepts (the `uuid` package's validate): versions 1-8,
// RFC variant, plus the nil and max UUIDs.
const UUID =
  /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|0{8}-0{4}-0{4}-0{4}-0{12}|f{8}-f{4}-f{4}-f{4}-f{12})$/i;

export const isUuid = (value: unknown): value is string =>
  typeof value === 'string' && UUID.test(value);

/**
 * A new random UUID as one flat string. Node 20's randomUUID builds it by joining 20 pieces,
 * which V8 keeps as a tree of joins (about 490 bytes) until something reads its characters;
 * reading one makes it one flat string of 36 bytes (about 67 in all). The simulator keeps
 * three for every call it accepts.
 */
export const newUuid = (): string => {
  const uuid = randomUUID();
  uuid.charCodeAt(0);
  return uuid;
};
