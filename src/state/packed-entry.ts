import type { LockEntry } from './types.js';

/**
 * Bytes of one entry in the pool: sid, callId (16 each), time (8), number digest (8),
 * definition digest (32).
 */
const SLOT = 80;
/** Entries a pool chunk holds (160 KiB a chunk). */
const CHUNK_SLOTS = 2048;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NUMBER = /^sha256:[0-9a-f]{16}$/;
const DEFINITION = /^sha256:[0-9a-f]{64}$/;

let packing = false;

/**
 * Whether entryOf packs placed entries from now on: a run of many calls does (its entries
 * are held until the lockfile is written), a small one does not (packing an entry, and
 * reading it back as the lockfile is written, costs more time than its bytes are worth).
 */
export const packPlacedEntries = (on: boolean): void => {
  packing = on;
};
export const packingPlacedEntries = (): boolean => packing;

let chunk: Buffer = Buffer.alloc(0);
let used = CHUNK_SLOTS;

const uuidAt = (bytes: Buffer, at: number): string => {
  const hex = bytes.toString('hex', at, at + 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

const writeUuid = (bytes: Buffer, at: number, uuid: string): void => {
  bytes.write(uuid.replaceAll('-', ''), at, 16, 'hex');
};

const own = (value: unknown): PropertyDescriptor => ({
  value,
  enumerable: true,
  writable: true,
  configurable: true,
});

/**
 * A placed entry whose sid, callId, time, number digest and definition digest are 80 bytes of
 * a shared pool instead of five strings (about 280 bytes more when its definition digest is
 * its own, as a campaign row's is): a run holds an entry for each call it places until the
 * lockfile is written. Its fields are own properties in the order of the plain entry (`sid`,
 * `callId`, `at`, `definition` and `number` accessors sharing one getter each), so it
 * spreads, serialises and compares as the plain entry it stands for.
 */
class PackedEntry {
  readonly #bytes: Buffer;
  readonly #at: number;

  static readonly #sid: PropertyDescriptor = {
    get(this: PackedEntry) {
      return uuidAt(this.#bytes, this.#at);
    },
    enumerable: true,
    configurable: true,
  };
  static readonly #callId: PropertyDescriptor = {
    get(this: PackedEntry) {
      return uuidAt(this.#bytes, this.#at + 16);
    },
    enumerable: true,
    configurable: true,
  };
  static readonly #time: PropertyDescriptor = {
    get(this: PackedEntry) {
      return new Date(this.#bytes.readDoubleLE(this.#at + 32)).toISOString();
    },
    enumerable: true,
    configurable: true,
  };
  static readonly #definition: PropertyDescriptor = {
    get(this: PackedEntry) {
      return `sha256:${this.#bytes.toString('hex', this.#at + 48, this.#at + 80)}`;
    },
    enumerable: true,
    configurable: true,
  };
  static readonly #number: PropertyDescriptor = {
    get(this: PackedEntry) {
      return `sha256:${this.#bytes.toString('hex', this.#at + 40, this.#at + 48)}`;
    },
    enumerable: true,
    configurable: true,
  };

  constructor(
    bytes: Buffer,
    at: number,
    file: string,
    number: string | undefined,
    gateway: string | undefined,
  ) {
    this.#bytes = bytes;
    this.#at = at;
    Object.defineProperty(this, 'status', own('placed'));
    Object.defineProperty(this, 'sid', PackedEntry.#sid);
    Object.defineProperty(this, 'callId', PackedEntry.#callId);
    Object.defineProperty(this, 'at', PackedEntry.#time);
    Object.defineProperty(this, 'definition', PackedEntry.#definition);
    Object.defineProperty(this, 'file', own(file));
    if (number !== undefined) Object.defineProperty(this, 'number', PackedEntry.#number);
    // One string for every call of a run to its gateway: kept as it is, as `file` is.
    if (gateway !== undefined) Object.defineProperty(this, 'gateway', own(gateway));
  }
}

/**
 * The placed entry `{ status: 'placed', sid, callId, at, definition, file, number, gateway }` packed,
 * or undefined when a value would not come back the same (a sid that is not a lower-case
 * UUID, a time that is not what toISOString writes, a digest not of sha256's form): the
 * caller keeps the plain entry then.
 */
export const packedEntry = (
  sid: string,
  callId: string,
  at: string,
  definition: string,
  file: string,
  number: string | undefined,
  gateway?: string,
): LockEntry | undefined => {
  if (!UUID.test(sid) || !UUID.test(callId)) return undefined;
  if (number !== undefined && !NUMBER.test(number)) return undefined;
  if (!DEFINITION.test(definition)) return undefined;
  const ms = Date.parse(at);
  if (!Number.isFinite(ms) || new Date(ms).toISOString() !== at) return undefined;
  if (used === CHUNK_SLOTS) {
    chunk = Buffer.alloc(CHUNK_SLOTS * SLOT);
    used = 0;
  }
  const offset = used * SLOT;
  used += 1;
  writeUuid(chunk, offset, sid);
  writeUuid(chunk, offset + 16, callId);
  chunk.writeDoubleLE(ms, offset + 32);
  if (number !== undefined) chunk.write(number.slice('sha256:'.length), offset + 40, 8, 'hex');
  chunk.write(definition.slice('sha256:'.length), offset + 48, 32, 'hex');
  return new PackedEntry(chunk, offset, file, number, gateway) as unknown as LockEntry;
};
