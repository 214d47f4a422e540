import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { requireWithCodeCache } from '../config/compile-cache.js';

/**
 * luxon and cron, loaded on first use: a project without schedules never loads them. The
 * build bundles cron's parser and luxon into one CommonJS file (dist/bundle/schedule-libs.cjs,
 * by scripts/bundle.mjs), loaded through the compile cache: one file read and V8's cached
 * code instead of resolving, reading and compiling 270 KB of JavaScript in five files. Where
 * that file is missing (the sources run unbuilt), both load from node_modules through
 * require, so luxon loads once: cron requires luxon's CommonJS build, and an `import` of
 * luxon would load its ES module build beside it. Either way it is the same code.
 */

const require = createRequire(import.meta.url);

const BUNDLED = fileURLToPath(new URL('../bundle/schedule-libs.cjs', import.meta.url));

interface Libs {
  readonly CronTime: typeof import('cron/dist/time.js').CronTime;
  readonly luxon: typeof import('luxon');
}

let libs: Libs | undefined;

const load = (): Libs => {
  if (libs === undefined) {
    let bundled: Libs | undefined;
    try {
      bundled = requireWithCodeCache(BUNDLED).exports as Libs;
    } catch {
      // Not built: the same libraries from node_modules.
    }
    libs = bundled ?? {
      CronTime: (require('cron/dist/time.js') as typeof import('cron/dist/time.js')).CronTime,
      luxon: require('luxon') as typeof import('luxon'),
    };
  }
  return libs;
};

export const luxon = (): typeof import('luxon') => load().luxon;

/** The fields in which cron's parser keeps the values a field admits (as object keys). */
export const CRON_UNITS = ['second', 'minute', 'hour', 'dayOfMonth', 'month', 'dayOfWeek'] as const;

/** What cron's parser made of an expression: per field, the admitted values as keys. */
export type ParsedCron = Readonly<Record<(typeof CRON_UNITS)[number], unknown>>;

interface Parser {
  _parse(source: string): void;
}

/**
 * An expression read by cron's own parser (CronTime's `_parse`: 5 fields, 6 with seconds
 * first, names, presets), throwing cron's own error when it is invalid — without the rest of
 * CronTime's constructor. That part only checks a time zone through luxon, and its first use
 * of Intl.DateTimeFormat loads ICU's locale data (tens of milliseconds), which reading an
 * expression never needs. A property test holds this equal to `new CronTime(expression)`.
 */
export const parseCronExpression = (expression: string): ParsedCron => {
  // cron's parser alone (cron/dist/time.js): its index also loads its job runner, and with it
  // child_process.
  const parsed = Object.create(load().CronTime.prototype) as Record<string, unknown> & Parser;
  for (const unit of CRON_UNITS) parsed[unit] = {};
  parsed.realDate = false;
  parsed.source = expression;
  parsed._parse(expression);
  return parsed as unknown as ParsedCron;
};
