import { suggestKey } from '../options/suggest.js';

const checked = new Map<string, boolean>();

let canonical: ReadonlySet<string> | undefined;
/**
 * The runtime's canonical zone names (and UTC): each is a zone Intl.DateTimeFormat takes, and
 * listing them costs about a millisecond, where the first Intl.DateTimeFormat loads ICU's
 * locale data (tens of milliseconds). Other spellings (aliases, case) take the slow check.
 */
const canonicalZones = (): ReadonlySet<string> => {
  canonical ??= new Set(['UTC', ...Intl.supportedValuesOf('timeZone')]);
  return canonical;
};

/** Whether the runtime knows `zone` as an IANA time zone name (offsets like "+01:00" are not names). */
export const isTimeZone = (zone: string): boolean => {
  const known = checked.get(zone);
  if (known !== undefined) return known;
  if (canonicalZones().has(zone)) {
    checked.set(zone, true);
    return true;
  }
  let valid = zone.trim() !== '' && !/^[+-]/.test(zone);
  try {
    if (valid) new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    valid = false;
  }
  checked.set(zone, valid);
  return valid;
};

let zones: readonly string[] | undefined;
const knownZones = (): readonly string[] => {
  zones ??= ['UTC', ...Intl.supportedValuesOf('timeZone')];
  return zones;
};

/** The known zone most like `zone`, by full name or by its city part ("Berln" → Europe/Berlin). */
export const suggestTimeZone = (zone: string): string | undefined => {
  const full = suggestKey(zone, knownZones());
  if (full || zone.includes('/')) return full;
  const byCity = new Map(
    knownZones().map((z) => [z.slice(z.lastIndexOf('/') + 1).toLowerCase(), z]),
  );
  const city = zone.replaceAll(' ', '_').toLowerCase();
  const near = byCity.has(city) ? city : suggestKey(city, byCity.keys());
  return near === undefined ? undefined : byCity.get(near);
};

/**
 * Legacy zone names that a zone database keeps for compatibility, each with the place it is
 * most likely written for. `EST`, `MST` and `HST` are fixed offsets with no daylight saving:
 * a call meant for New York at 20:30 is placed at 21:30 there all summer. The POSIX-style
 * names (`EST5EDT`…) keep the US rules but name no place.
 */
const FIXED: Readonly<Record<string, { readonly offset: string; readonly advice: string }>> = {
  EST: { offset: 'UTC−5', advice: 'for New York write America/New_York' },
  MST: {
    offset: 'UTC−7',
    advice: 'for Denver write America/Denver (for Arizona, which keeps none, America/Phoenix)',
  },
  HST: {
    offset: 'UTC−10',
    advice:
      'for Honolulu write Pacific/Honolulu, for the Aleutian Islands (which keep daylight saving) America/Adak',
  },
};

const POSIX: Readonly<Record<string, string>> = {
  EST5EDT: 'for New York write America/New_York',
  CST6CDT: 'for Chicago write America/Chicago',
  MST7MDT: 'for Denver write America/Denver',
  PST8PDT: 'for Los Angeles write America/Los_Angeles',
};

/** A place whose standard time is each UTC offset (hours), for the advice on `Etc/GMT±N`. */
const PLACE_AT: ReadonlyMap<number, string> = new Map([
  [-8, 'for Los Angeles write America/Los_Angeles'],
  [-7, 'for Denver write America/Denver'],
  [-6, 'for Chicago write America/Chicago'],
  [-5, 'for New York write America/New_York'],
  [-4, 'for Halifax write America/Halifax'],
  [1, 'for Berlin write Europe/Berlin'],
  [2, 'for Helsinki write Europe/Helsinki'],
]);

const ETC_GMT = /^Etc\/GMT([+-])(\d{1,2})$/i;

const utcOffset = (hours: number): string => `UTC${hours < 0 ? '−' : '+'}${Math.abs(hours)}`;

/**
 * Why a zone the runtime knows is likely not the one meant, or undefined: a legacy fixed
 * offset (`EST`, `Etc/GMT+5` — whose sign is inverted) has no daylight saving, a POSIX-style
 * name (`EST5EDT`) no place. Said with the place's IANA name to write instead.
 */
export const legacyZoneNote = (zone: string): string | undefined => {
  const name = zone.toUpperCase();
  const fixed = FIXED[name];
  if (fixed !== undefined)
    return `\`${zone}\` is a fixed ${fixed.offset} offset with no daylight saving; ${fixed.advice}`;
  const posix = POSIX[name];
  if (posix !== undefined)
    return `\`${zone}\` is a legacy POSIX-style name: it follows the current US daylight-saving rules but names no place, and the zone database keeps it only for compatibility; ${posix}`;
  const etc = ETC_GMT.exec(zone);
  if (etc === null) return undefined;
  // POSIX signs: Etc/GMT+5 is five hours behind UTC.
  const hours = (etc[1] === '+' ? -1 : 1) * Number(etc[2]);
  if (hours === 0) return undefined;
  const ahead = hours > 0 ? 'ahead of' : 'behind';
  const place = PLACE_AT.get(hours) ?? 'for a place, write its own zone, e.g. Europe/Berlin';
  return `\`${zone}\` is a fixed ${utcOffset(hours)} offset with no daylight saving (the sign of an Etc/GMT name is inverted: it is ${Math.abs(hours)} ${Math.abs(hours) === 1 ? 'hour' : 'hours'} ${ahead} UTC); ${place}`;
};
