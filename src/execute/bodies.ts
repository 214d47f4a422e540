import { type CappedBody, readCapped } from './client.js';
import { type CallRecordEvidence, recordOf } from './evidence.js';
import { type ListRead, readList } from './list.js';

/**
 * How the gateway reader reads the body of a 200 answer: a page of call detail records
 * whole, as JSON (500 records at most, bounded by MAX_PAGE_BYTES); the calls list record by
 * record as it arrives, holding only the records the caller keeps.
 *
 * The calls list holds every outbound call of the account whose record is alive (an hour
 * after the call ended, 12 h at most while it goes on), some 400–700 bytes each, asked about
 * or not: 20 000 calls of a campaign are some 10 MiB, and a refresh that asks about the
 * last few of them is given all 20 000. What a read holds follows the calls asked about
 * (their records, and one record's bytes at a time), never the length of the list. Its
 * bytes are bounded all the same (MAX_LIST_BYTES), as a body that never ends is bounded in
 * time by the request timeout (undici's bodyTimeout bounds only the pause between chunks);
 * past the bound the rest is not read and nothing of the list is used.
 */

/**
 * The longest calls list read: some 200 000 records of 700 bytes, more calls than a gateway
 * places in the hour their records live (its default rate limit allows 7 200 an hour). It
 * bounds the bytes read, not memory: only the records asked about are held.
 */
export const MAX_LIST_BYTES = 128 * 1024 * 1024;
/** The longest record of the calls list held to be parsed (a real one is 400–700 bytes). */
export const MAX_RECORD_BYTES = 64 * 1024;
/** The longest other answer read: a page of 500 call detail records, or an error's body. */
export const MAX_PAGE_BYTES = 8 * 1024 * 1024;

/** How the body of a 200 answer was read: its value, or why none. */
export type BodyRead<T> =
  | { readonly ok: true; readonly value: T }
  /** Not read to its end: a transport error, or the request's abort (its timeout). */
  | { readonly ok: false; readonly broken: string }
  /** Read, or refused unread, and of no use: what to say of it. */
  | { readonly ok: false; readonly refused: string };

/** A byte count as people read it: `128 MiB`, `64 KiB`, else in bytes. */
export const byteSize = (bytes: number): string =>
  bytes % 1_048_576 === 0
    ? `${bytes / 1_048_576} MiB`
    : bytes % 1024 === 0
      ? `${bytes / 1024} KiB`
      : `${bytes} bytes`;

/** A calls list longer than `bound` bytes: what happened, and what to do instead. */
export const listTooLarge = (bound: number): string =>
  `the list of the account's live call records is larger than ${byteSize(bound)}; nothing was read from it. ` +
  'The gateway keeps a record for an hour after its call ended: ask again when fewer are alive, ' +
  'or record outcomes as they happen with `callops receive` (the call_status_hook needs no list)';

/** A body read whole (up to MAX_PAGE_BYTES) and parsed as JSON. */
export const readJson = async (body: CappedBody): Promise<BodyRead<unknown>> => {
  const read = await readCapped(body, MAX_PAGE_BYTES);
  if (read.error !== undefined) return { ok: false, broken: read.error };
  if (read.truncated) {
    return {
      ok: false,
      refused: `the answer is larger than ${byteSize(MAX_PAGE_BYTES)}; nothing was read from it`,
    };
  }
  try {
    return { ok: true, value: JSON.parse(read.text) as unknown };
  } catch {
    return { ok: false, refused: 'the answer is not JSON' };
  }
};

/**
 * The calls list, record by record: the records `keep` keeps are held, the others dropped
 * as they come. A list longer than `maxBytes` is refused: unread when its Content-Length
 * says so (`contentLength`, -1 when not given), else once its bytes pass the bound.
 */
export const readCallsList = async (
  body: CappedBody,
  contentLength: number,
  limits: {
    readonly maxBytes: number;
    readonly keep: (record: CallRecordEvidence) => boolean;
  },
): Promise<BodyRead<CallRecordEvidence[]>> => {
  const { maxBytes, keep } = limits;
  if (contentLength > maxBytes) {
    // Destroyed unread, undici's body says so by an error event: nobody else listens.
    body.on('error', () => {});
    body.destroy();
    return { ok: false, refused: listTooLarge(maxBytes) };
  }
  const kept: CallRecordEvidence[] = [];
  const read = await readList(body, { maxBytes, maxElementBytes: MAX_RECORD_BYTES }, (raw) => {
    const record = recordOf(raw);
    if (record !== undefined && keep(record)) kept.push(record);
  });
  if (read.ok) return { ok: true, value: kept };
  // What was kept goes with this call: a list not read to its end is not used.
  if (read.kind === 'broken') return { ok: false, broken: read.error };
  return { ok: false, refused: listRefused(read.kind, maxBytes) };
};

/** Why a calls list was of no use (not for a transport error). */
const listRefused = (kind: Exclude<ListRead, { ok: true }>['kind'], bound: number): string => {
  switch (kind) {
    case 'not-a-list':
      return 'the answer is not a list';
    case 'element-too-large':
      return `a record of the answer is larger than ${byteSize(MAX_RECORD_BYTES)}; nothing was read from it`;
    case 'too-large':
      return listTooLarge(bound);
    default:
      return 'the answer is not JSON';
  }
};
