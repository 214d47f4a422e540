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
