import { type Answer, jsonAnswer, msgAnswer } from './answer.js';
import type { CallDetailRecord, CallRecord } from './calls.js';

/** GET /Calls filters: exact matches on direction, from, to and callStatus. */
export const filterRecords = (
  records: readonly CallRecord[],
  query: URLSearchParams,
): readonly CallRecord[] => {
  const wanted: ReadonlyArray<readonly [keyof CallRecord, string | null]> = [
    ['direction', query.get('direction')],
    ['from', query.get('from')],
    ['to', query.get('to')],
    ['call_status', query.get('callStatus')],
  ];
  return records.filter((r) => wanted.every(([key, value]) => !value || r[key] === value));
};

const MAX_COUNT = 500;
const positive = (text: string | null): number | undefined =>
  text !== null && /^\d+$/.test(text) && Number(text) >= 1 ? Number(text) : undefined;

/**
 * GET /RecentCalls?page&count[&filter][&answered][&direction]: one page of call detail
 * records, newest first, as `{total, page_size, page, data}` (page and page_size as given).
 * `filter` matches a call_sid exactly or a part of from or to.
 */
export const recentCalls = (cdrs: readonly CallDetailRecord[], query: URLSearchParams): Answer => {
  const page = positive(query.get('page'));
  if (page === undefined) return msgAnswer(400, 'missing or invalid "page" query arg');
  const count = positive(query.get('count'));
  if (count === undefined || count > MAX_COUNT) {
    return msgAnswer(400, 'missing or invalid "count" query arg');
  }
  const filter = query.get('filter');
  const answered = query.get('answered');
  const direction = query.get('direction');
  const matching = cdrs.filter(
    (c) =>
      (!filter || c.call_sid === filter || c.from.includes(filter) || c.to.includes(filter)) &&
      (answered !== 'true' && answered !== 'false' ? true : String(c.answered) === answered) &&
      (!direction || c.direction === direction),
  );
  return jsonAnswer(200, {
    total: matching.length,
    page_size: query.get('count'),
    page: query.get('page'),
    data: matching.slice((page - 1) * count, page * count),
  });
};
