import { jsonString } from './json-text.js';
import { SORTED_ENTRY_FIELDS } from './lockfile-shape.js';
import type { LockEntry } from './types.js';

/*
 * The text of values as the lockfile holds them (keys sorted at every level, 2-space indent):
 * of an entry, written field by field, for the lockfile's writer and for a run's spool alike.
 */

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A key JSON.stringify would put first whatever its order (an array index). */
export const INDEX_LIKE = /^(?:0|[1-9]\d*)$/;

/**
 * A copy with the keys of every object inserted in sorted order, so that JSON.stringify
 * (native, fast) writes what emit writes; undefined when a key looks like an array index,
 * which JavaScript objects always list first (emit then writes it).
 */
export const sortedCopy = (value: unknown): unknown => {
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const item of value) {
      const copy = sortedCopy(item);
      if (copy === undefined) return undefined;
      items.push(copy);
    }
    return items;
  }
  if (!isPlainObject(value)) return value;
  // No prototype: a key "__proto__" is a member like any other.
  const out: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(value).sort()) {
    const field = value[key];
    if (field === undefined) continue;
    if (INDEX_LIKE.test(key)) return undefined;
    const copy = sortedCopy(field);
    if (copy === undefined) return undefined;
    out[key] = copy;
  }
  return out;
};

/** An entry's history as the lockfile holds it: each item's keys sorted. */
const sortedHistory = (entry: LockEntry): unknown =>
  entry.history?.map((h) => ({
    at: h.at,
    ...(h.callId === undefined ? {} : { callId: h.callId }),
    ...(h.joinedFrom === undefined ? {} : { joinedFrom: h.joinedFrom }),
    ...(h.number === undefined ? {} : { number: h.number }),
    sid: h.sid,
  }));

/** An entry as the lockfile holds it: its known, defined fields, in sorted order. */
export const sortedEntry = (entry: LockEntry): unknown => {
  const out: Record<string, unknown> = {};
  const from = entry as unknown as Record<string, unknown>;
  for (const field of SORTED_ENTRY_FIELDS) {
    const value = from[field];
    if (value === undefined) continue;
    out[field] =
      field === 'history' ? sortedHistory(entry) : field === 'outcome' ? sortedCopy(value) : value;
  }
  return out;
};

/** JSON.stringify with 2-space indent, as written `depth` levels deep (its lines indented). */
export const nested = (value: unknown, indent: string): string =>
  JSON.stringify(value, null, 2).replaceAll('\n', `\n${indent}`);

/**
 * `nested(sortedEntry(entry), '    ')`, the text of an entry in the calls map, written field
 * by field for an entry of text and number fields (every entry but one with a history or an
 * outcome): no sorted copy and no JSON.stringify of it, then a pass to indent its lines.
 */
export const entryText = (entry: LockEntry): string => {
  const from = entry as unknown as Record<string, unknown>;
  let out = '{';
  for (const field of SORTED_ENTRY_FIELDS) {
    const value = from[field];
    if (value === undefined) continue;
    let text: string;
    if (typeof value === 'string') text = jsonString(value);
    else if (typeof value === 'number') text = JSON.stringify(value);
    else return nested(sortedEntry(entry), '    ');
    out += `${out.length === 1 ? '' : ','}\n      "${field}": ${text}`;
  }
  return out.length === 1 ? '{}' : `${out}\n    }`;
};
