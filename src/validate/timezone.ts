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

/**
 * IDs the runtime takes as zones though the IANA tz database has none of them (nor has its
 * `backward` file): ICU keeps the three-letter IDs of old Java versions, each an alias of a
 * place other than the one the abbreviation most often means (`BST` is Asia/Dhaka, not
 * London; `IST` Asia/Kolkata, not Dublin or Jerusalem; `CST` Chicago, not China). A call
 * would keep another country's hours without a word, so each is refused, with the places it
 * is likely written for. Keyed upper-case: the runtime reads `bst` as `BST`.
 */
const NOT_IANA: Readonly<Record<string, string>> = {
  ACT: 'for Australian Central Time write Australia/Darwin (Adelaide, which keeps daylight saving: Australia/Adelaide); for Canberra, Australia/Sydney',
  AET: 'for Australian Eastern Time write Australia/Sydney (Brisbane, which keeps no daylight saving: Australia/Brisbane)',
  AGT: 'for Argentina write America/Argentina/Buenos_Aires',
  ART: 'for Argentina Time write America/Argentina/Buenos_Aires; for Egypt, Africa/Cairo',
  AST: 'for Atlantic Time write America/Halifax (Puerto Rico: America/Puerto_Rico); for Arabia Standard Time, Asia/Riyadh; for Alaska, America/Anchorage',
  BET: 'for Brasília Time write America/Sao_Paulo',
  BST: 'for British Summer Time write Europe/London; for Bangladesh, Asia/Dhaka',
  CAT: "for Central Africa Time write the place's own zone, e.g. Africa/Maputo, Africa/Harare or Africa/Lusaka",
  CNT: 'for Newfoundland write America/St_Johns',
  CST: 'for US Central Time write America/Chicago; for China Standard Time, Asia/Shanghai; for Cuba, America/Havana',
  CTT: 'for China write Asia/Shanghai; for Taiwan, Asia/Taipei',
  EAT: "for East Africa Time write the place's own zone, e.g. Africa/Nairobi or Africa/Addis_Ababa",
  ECT: "for Central European Time write the place's own zone, e.g. Europe/Paris or Europe/Berlin; for Ecuador, America/Guayaquil",
  IET: 'for Indiana write America/Indiana/Indianapolis',
  IST: 'for India write Asia/Kolkata; for Irish Standard Time, Europe/Dublin; for Israel, Asia/Jerusalem',
  JST: 'for Japan write Asia/Tokyo',
  MIT: 'for Samoa write Pacific/Apia; for Midway, Pacific/Midway',
  NET: 'for Armenia write Asia/Yerevan',
  NST: 'for Newfoundland Standard Time write America/St_Johns; for New Zealand, Pacific/Auckland',
  PLT: 'for Pakistan write Asia/Karachi',
  PNT: 'for Arizona write America/Phoenix',
  PRT: 'for Puerto Rico write America/Puerto_Rico',
  PST: 'for US Pacific Time write America/Los_Angeles; for the Philippines, Asia/Manila',
  SST: 'for Singapore write Asia/Singapore; for American Samoa, Pacific/Pago_Pago; for the Solomon Islands, Pacific/Guadalcanal',
  VST: 'for Vietnam write Asia/Ho_Chi_Minh',
};

/**
 * The `SystemV/*` zones, which ICU keeps though the IANA tz database removed them (2020b):
 * `SystemV/PST8` is UTC−8 all year, with no daylight saving, so a call meant for Los Angeles
 * at 09:00 rings at 10:00 there all summer; `SystemV/PST8PDT` keeps US rules but names no
 * place. Each with the place it is likely written for; one of fixed offset with the zone of a
 * place that keeps none, if there is one, and the `Etc/GMT` name of the offset. Keyed by the
 * name after `SystemV/`, upper-case.
 */
const SYSTEM_V: Readonly<Record<string, string>> = {
  AST4: 'for Puerto Rico write America/Puerto_Rico; for Halifax, which keeps daylight saving, America/Halifax',
  AST4ADT: 'for Halifax write America/Halifax',
  EST5: 'for New York, which keeps daylight saving, write America/New_York; for Panama, America/Panama',
  EST5EDT: 'for New York write America/New_York',
  CST6: 'for Chicago, which keeps daylight saving, write America/Chicago; for Saskatchewan, America/Regina',
  CST6CDT: 'for Chicago write America/Chicago',
  MST7: 'for Arizona write America/Phoenix; for Denver, which keeps daylight saving, America/Denver',
  MST7MDT: 'for Denver write America/Denver',
  PST8: 'for Los Angeles, which keeps daylight saving, write America/Los_Angeles',
  PST8PDT: 'for Los Angeles write America/Los_Angeles',
  YST9: 'for Alaska, which keeps daylight saving, write America/Anchorage',
  YST9YDT: 'for Alaska write America/Anchorage',
  HST10: 'for Honolulu write Pacific/Honolulu',
};

/** What a `SystemV/*` name (SYSTEM_V) is told, or undefined for any other name. */
const systemVAdvice = (zone: string): string | undefined => {
  const name = zone.toUpperCase().startsWith('SYSTEMV/') ? zone.slice(8).toUpperCase() : '';
  const advice = Object.hasOwn(SYSTEM_V, name) ? SYSTEM_V[name] : undefined;
  if (advice === undefined) return undefined;
  const removed = 'the IANA database removed the SystemV zones in 2020';
  // `PST8`: a fixed offset (`HST10` too, as Honolulu keeps none: its advice is its place).
  const fixed = /^[A-Z]{3}(\d+)$/.exec(name);
  if (fixed === null || name === 'HST10') return `${removed}; ${advice}`;
  const hours = Number(fixed[1]);
  return `${removed}, and this one keeps no daylight saving (UTC−${hours} all year); ${advice}; if a fixed UTC−${hours} offset is really meant, Etc/GMT+${hours}`;
};

/** The places a zone ID the runtime takes but IANA does not (`BST`) is likely written for. */
const notIanaAdvice = (zone: string): string | undefined =>
  Object.hasOwn(NOT_IANA, zone.toUpperCase()) ? NOT_IANA[zone.toUpperCase()] : systemVAdvice(zone);

/**
 * Whether the runtime knows `zone` as an IANA time zone name (offsets like "+01:00" are not
 * names, nor are the IDs the runtime takes that IANA has not, such as `BST`).
 */
export const isTimeZone = (zone: string): boolean => {
  const known = checked.get(zone);
  if (known !== undefined) return known;
  if (canonicalZones().has(zone)) {
    checked.set(zone, true);
    return true;
  }
  let valid = zone.trim() !== '' && !/^[+-]/.test(zone) && notIanaAdvice(zone) === undefined;
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

/**
 * Names the IANA database removed though the runtime still takes them as links to a place:
 * the hours are that place's, but another program reading the same file, or a later runtime,
 * may know no such zone.
 */
const REMOVED: Readonly<Record<string, string>> = {
  'US/PACIFIC-NEW':
    'it follows America/Los_Angeles (it was made for a daylight-saving law never enacted), but the IANA database removed it in 2020; write America/Los_Angeles',
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
  const removed = Object.hasOwn(REMOVED, name) ? REMOVED[name] : undefined;
  if (removed !== undefined) return `\`${zone}\` is no longer an IANA time zone: ${removed}`;
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

/** A reference January and July, for the offsets a zone keeps in winter and summer. */
const SEASONS = [Date.UTC(2026, 0, 15), Date.UTC(2026, 6, 15)] as const;

/** `UTC+6`, `UTC−6/−5` (standard, then daylight saving): the offsets `zone` keeps in a year. */
const offsetsOf = (zone: string): string => {
  const format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'shortOffset' });
  const offsets = SEASONS.map((t) => {
    const name = format.formatToParts(t).find((p) => p.type === 'timeZoneName')?.value ?? '';
    const [, sign = '+', hours = '0', minutes] =
      /^GMT(?:([+-])(\d+)(?::(\d+))?)?$/.exec(name) ?? [];
    const value = (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes ?? 0));
    return { value, text: `${sign === '-' ? '−' : '+'}${hours}${minutes ? `:${minutes}` : ''}` };
  }).sort((a, b) => a.value - b.value);
  const [low, high] = offsets;
  return low === undefined || high === undefined || low.value === high.value
    ? `UTC${low?.text ?? ''}`
    : `UTC${low.text}/${high.text}`;
};

/**
 * The error for a zone that is not one: for an ID the runtime takes but IANA has not (`BST`),
 * what the runtime would read it as and the places likely meant; else the nearest known name
 * or, when none is near, `otherwise` (e.g. " (use an IANA name such as Europe/Berlin, or UTC)").
 */
export const unknownZoneMessage = (zone: string, otherwise: string): string => {
  const advice = notIanaAdvice(zone);
  if (advice !== undefined) {
    let reads = '';
    try {
      const name = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
      // `SystemV/PST8` is read as itself: its offsets say what it is.
      const as = name.toLowerCase() === zone.toLowerCase() ? '' : `${name}, `;
      reads = ` (this runtime reads it as ${as}${offsetsOf(zone)})`;
    } catch {
      // A runtime that no longer takes it: the advice alone.
    }
    return `\`${zone}\` is not an IANA time zone${reads}: ${advice}`;
  }
  const suggestion = suggestTimeZone(zone);
  return `unknown time zone \`${zone}\`${suggestion ? ` — did you mean \`${suggestion}\`?` : otherwise}`;
};

/** Of unknownZoneMessage's words, those of callops's own (the zone it suggests): see Diagnostic. */
export const unknownZoneWords = (zone: string): string[] => {
  if (notIanaAdvice(zone) !== undefined) return [];
  const suggestion = suggestTimeZone(zone);
  return suggestion ? [suggestion] : [];
};
