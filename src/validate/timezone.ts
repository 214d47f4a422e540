import { suggestKey } from '../options/suggest.js';

const checked = new Map<string, boolean>();

/** Whether the runtime knows `zone` as an IANA time zone name (offsets like "+01:00" are not names). */
export const isTimeZone = (zone: string): boolean => {
  const known = checked.get(zone);
  if (known !== undefined) return known;
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
