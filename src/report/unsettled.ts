import { campaignEndWords, rowCutOffAt, scheduleEndedWords } from '../campaign/end.js';
import { numberOfCall } from '../plan/item.js';
import { isDoneWords } from '../plan/row-next.js';
import { heldWhy } from '../plan/shifted.js';
import type { Plan } from '../plan/types.js';
import { localTime, slotEndsAt } from '../schedule/index.js';
import type { Listed } from '../screen/list.js';
import { isOtherNumber } from '../screen/number.js';
import { summaryOrLayered } from '../state/calls-summary.js';
import { recurringKey } from '../state/retention.js';
import { isInFlight } from '../state/store.js';
import type { LockEntry, Lockfile } from '../state/types.js';
import type { Diagnostic } from '../validate/diagnostic.js';
import type { CallDefinition } from '../validate/model.js';
import { type ListLine, linesWithin, spending, TextBudget } from './budget.js';
import { textOf } from './lockfile-shown.js';
import { code, oneLine } from './markdown-text.js';
import { printable } from './printable.js';
import type { Style } from './style.js';

/** An `unknown` entry: the call may have been placed; only a person can tell. */
export interface Unsettled {
  readonly key: string;
  readonly at: string;
  readonly httpStatus?: number;
  readonly message?: string;
  /** The call file (and line, when the call is still defined) the entry came from. */
  readonly file: string;
  readonly line: number;
  readonly hint: string;
}

/** `<target>/<name>`, `<target>/<name>@<slot>` or a row's `<target>/<name>#<n>` → `<name>`. */
const callName = (key: string): string => key.slice(key.indexOf('/') + 1).replace(/@.*$|#\d+$/, '');

/** Whether `key` is one of campaign `name`'s (`<target>/<name>/<row id>…`). */
export const isCampaignKey = (key: string, name: string): boolean =>
  callName(key).startsWith(`${name}/`);

/**
 * How to settle unknown `key`: first the look-up on the gateway (`resolve --check`, which
 * settles it when the gateway's records show its one call), then by hand. `notAgain` (a
 * campaign row that can no longer be called: why) replaces the word that --retry-unknown
 * places it again.
 */
export const resolveHint = (key: string, notAgain?: string, opens?: string): string =>
  `settle: callops resolve --check ${key} looks it up on the gateway; or callops resolve ${key} --placed SID, or callops resolve ${key} --not-placed (${notAgain === undefined ? `or callops apply --retry-unknown places it again${opens === undefined ? '' : ` once its calling hours open, at ${opens}`}` : `not placed again: ${notAgain}`})`;

/** What a plan says of the unknown entries it met, by key. */
export interface PlannedUnknown {
  /**
   * When each unknown campaign row outside its calling hours opens: such a row is skipped
   * with the opening the plan found (upcoming with --retry-unknown), and --retry-unknown
   * places it again only then.
   */
  readonly opens?: ReadonlyMap<string, string>;
  /**
   * Of a plan made with --retry-unknown: why it does not place the unknown entries it lists
   * as skipped, suppressed or missed (the item's reason). Of any plan: the unknown attempts
   * of campaign rows it lists as done (an earlier attempt answered or declined), which no
   * plan places again, with its words.
   */
  readonly notRetried?: ReadonlyMap<string, string>;
}

/**
 * What `plan` says of the unknown entries of `lock` (see PlannedUnknown). The upcoming items
 * are read only for a plan that retries (`retried`), and so are its suppressed and missed
 * ones: a campaign's rows are many, each made when read. Of a plan that does not retry, the
 * skipped items of rows that are done are read, for the unknown entries only.
 */
export const unknownPlanned = (
  plan: Pick<Plan, 'skipped' | 'upcoming' | 'suppressed' | 'missed'>,
  lock: Lockfile,
  retried = false,
): PlannedUnknown => {
  const opens = new Map<string, string>();
  for (const list of retried ? [plan.skipped, plan.upcoming] : [plan.skipped])
    for (const item of list) if (item.opens !== undefined) opens.set(item.key, item.opens);
  const unknown = new Set(unknownOf(lock).map(([key]) => key));
  const notRetried = new Map<string, string>();
  if (unknown.size > 0)
    for (const list of retried
      ? [plan.skipped, plan.suppressed ?? [], plan.missed]
      : [plan.skipped])
      for (const item of list)
        if (
          unknown.has(item.key) &&
          !opens.has(item.key) &&
          item.reason !== undefined &&
          (retried || isDoneWords(item.reason))
        )
          notRetried.set(item.key, item.reason);
  return notRetried.size === 0 && !retried ? { opens } : { opens, notRetried };
};

/** Why unknown rows of `call` are not placed again at `now`, if they are not (pure). */
export const notPlacedAgain = (
  call: Pick<CallDefinition, 'campaign' | 'schedule'> | undefined,
  now: number | undefined,
): string | undefined => {
  if (call === undefined || now === undefined) return undefined;
  const end = rowCutOffAt(call, now);
  return end === undefined ? undefined : campaignEndWords(call, end, now);
};

/**
 * Why the unknown slot `key` is not placed again at `now`, if it is not (pure): its deadline
 * has passed, or the window it fell due in closed or its schedule's `end` came before that
 * (the plan's rule, slotEndsAt), and a slot is never placed late (--retry-unknown included).
 */
export const slotOverWords = (
  key: string,
  call: Pick<CallDefinition, 'campaign' | 'schedule'> | undefined,
  now: number | undefined,
): string | undefined => {
  const slot = recurringKey(key)?.slotMs;
  const spec = call?.schedule;
  if (call === undefined || slot === undefined || spec === undefined || now === undefined)
    return undefined;
  const end = slotEndsAt(spec, slot);
  if (now < end.at) return undefined;
  const when = new Date(end.at);
  if (end.by === 'end') return `${scheduleEndedWords(call, end.at)}; a slot is never placed late`;
  return end.by === 'window'
    ? `its window ${spec.window ?? ''} closed at ${when.toISOString()}${spec.timezone === 'UTC' ? '' : ` (${localTime(when, spec.timezone)})`}; a slot is never placed late`
    : `the deadline of its slot passed at ${when.toISOString()}; a slot is never placed late`;
};

/**
 * Why --retry-unknown does not retry unknown `entry` of `call`, if it does not (pure): the
 * call dials another number now than its unknown attempt did (plan/shifted.ts,
 * holdRedirectedRetries). `numberOf` gives the number the call dials now.
 */
const redirectedWords = (
  call: CallDefinition | undefined,
  entry: LockEntry,
  numberOf: (call: CallDefinition) => string | undefined,
): string | undefined => {
  if (call === undefined || entry.number === undefined) return undefined;
  return isOtherNumber(entry.number, numberOf(call))
    ? 'it dials another number now than its unknown attempt did, which may have rung: --retry-unknown does not retry it'
    : undefined;
};

/**
 * The project as it is now, besides the lockfile and the clock: what tells whether
 * `apply --retry-unknown` would place an unknown entry again (see notRetriedWords).
 */
export interface RetryScope {
  /** The number a call dials now (`${VAR}` resolved), when it dials one. */
  readonly numberOf: (call: CallDefinition) => string | undefined;
  /** The targets a call may be placed on (callops.yaml's, the environment's, the simulator). */
  readonly targets: ReadonlySet<string>;
  /** Where a call that names no target is placed; unset when --target chose the run's. */
  readonly defaultTarget?: string;
  /** The campaigns defined now, by name: their recipients CSV. */
  readonly campaigns: ReadonlyMap<string, string>;
  /**
   * Campaigns whose rows the calls given leave out (their CSV changed while a run read it):
   * nothing is said of their unknown rows, which cannot be looked up.
   */
  readonly unread?: ReadonlySet<string>;
  /** Where a number is on a do-not-call list, if it is. */
  readonly listed?: (number: string) => Listed | undefined;
}

/**
 * Why `apply --retry-unknown` would not place unknown `key` (of `call`, when one of its name
 * is defined) again, as its plan would not (pure): no call or row of that name (the call
 * removed from the call files, the row from its CSV), its target gone or no longer the
 * call's (the call is planned under another key), or the call disabled.
 */
const notRetriedWords = (
  key: string,
  call: CallDefinition | undefined,
  scope: RetryScope,
): string | undefined => {
  const name = callName(key);
  // A call's name holds no `/`: a name with one is `<campaign>/<row id>`.
  const slash = name.indexOf('/');
  const campaign = slash < 0 ? undefined : name.slice(0, slash);
  if (call === undefined) {
    if (campaign === undefined) return `no call \`${name}\` is defined in the call files now`;
    if (scope.unread?.has(campaign)) return undefined;
    const recipients = scope.campaigns.get(campaign);
    return recipients === undefined
      ? `no campaign \`${campaign}\` is defined in the call files now`
      : `its row ${name.slice(slash + 1)} is no longer in ${recipients}`;
  }
  const target = key.slice(0, key.indexOf('/'));
  const placedOn = call.target ?? scope.defaultTarget;
  if (!scope.targets.has(target)) {
    const gone = `its target \`${target}\` is not defined in this checkout's callops.yaml`;
    // A call (not a slot) it may have placed is held under its new target's key until this
    // is settled (plan/twin-held.ts): settled as not placed, it is due there.
    if (key.includes('@')) return gone;
    const on = placedOn === undefined ? 'its target now' : `target \`${placedOn}\``;
    return `${gone}, and \`${name}\` is held on ${on} until this is settled`;
  }
  if (placedOn !== undefined && placedOn !== target)
    return `it is placed on target \`${placedOn}\` now, under another key`;
  if (!call.enabled) return 'it is disabled (`enabled: false`)';
  return undefined;
};

/**
 * Why `apply --retry-unknown` would not place an unknown entry of `call` again, if so: the
 * number it dials now is on a do-not-call list (the plan lists it as suppressed).
 */
const listedWords = (
  call: CallDefinition | undefined,
  scope: RetryScope | undefined,
): string | undefined => {
  if (call === undefined || scope?.listed === undefined) return undefined;
  const number = scope.numberOf(call);
  const listed = number === undefined ? undefined : scope.listed(number);
  return listed === undefined
    ? undefined
    : `it dials a number on a do-not-call list (${listed.file}:${listed.line}${listed.reason === undefined ? '' : `: ${listed.reason}`})`;
};

/** The unknown entries of the lockfile, but claims a live runner is placing right now. */
const unknownOf = (lock: Lockfile): [string, LockEntry][] => {
  // One pass without copying: a large lockfile holds few unknown entries.
  const unknown: [string, LockEntry][] = [];
  // Read through the index (changed since or not), which lists them: only those are read.
  const keys = summaryOrLayered(lock.calls)?.unknown;
  for (const key of keys ?? Object.keys(lock.calls)) {
    const entry = lock.calls[key] as LockEntry;
    if (entry.status === 'unknown' && !isInFlight(entry)) unknown.push([key, entry]);
  }
  return unknown;
};

/**
 * Every unknown entry of the lockfile, sorted by key, except claims a live runner is placing
 * right now (its runner records their outcome) and those of the items `exclude`
 * (due items about to be retried, whose keys are read only when an entry is unknown). The
 * calls are looked through only for the few unknown entries' names. The hint offers
 * `apply --retry-unknown` only for an entry it would place again: at `now` (when given), not
 * a campaign row that can no longer be called, a slot past its deadline or a call that dials
 * another number now; with `scope` (the project as it is now), not an entry whose call or
 * row is gone, whose target is gone or is no longer the call's, whose call is disabled or
 * whose number is on a do-not-call list; nor one a plan made with --retry-unknown does not
 * place (`planned.notRetried`). Each such hint says why instead.
 */
export const unsettledEntries = (
  lock: Lockfile,
  calls: readonly CallDefinition[],
  exclude: readonly { readonly key: string }[] = [],
  now?: number,
  scope?: RetryScope,
  /** What the plan said of unknown entries (unknownPlanned). */
  planned: PlannedUnknown = {},
): Unsettled[] => {
  const unknown = unknownOf(lock);
  if (unknown.length === 0) return [];
  const unknownKeys = new Set(unknown.map(([key]) => key));
  const excluded = new Set(exclude.map((item) => item.key).filter((key) => unknownKeys.has(key)));
  const kept = unknown.filter(([key]) => !excluded.has(key));
  const names = new Set(kept.map(([key]) => callName(key)));
  const byName = new Map<string, CallDefinition>();
  for (const call of calls) {
    const name = call.name;
    if (names.has(name)) byName.set(name, call);
  }
  const numberOf = scope?.numberOf ?? numberOfCall;
  // The key, and the hint that names it, as the lockfile's text is shown (a hand edit may
  // have put a secret in a key).
  const text = textOf(lock);
  return kept
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, e]) => {
      const call = byName.get(callName(key));
      return {
        key: text(key),
        at: e.at,
        ...(e.httpStatus !== undefined && { httpStatus: e.httpStatus }),
        ...(e.message !== undefined && { message: e.message }),
        file: call?.file ?? e.file,
        line: call?.line ?? 1,
        hint: text(
          resolveHint(
            key,
            (scope === undefined ? undefined : notRetriedWords(key, call, scope)) ??
              notPlacedAgain(call, now) ??
              slotOverWords(key, call, now) ??
              // The row held (already dialled): the plan's reason, as its JSON gives it.
              heldWhy(planned.notRetried?.get(key)) ??
              redirectedWords(call, e, numberOf) ??
              listedWords(call, scope) ??
              planned.notRetried?.get(key),
            planned.opens?.get(key),
          ),
        ),
      };
    });
};

/** What is known of an unknown entry's attempt: the gateway's status and message, if any. */
export const unknownDetail = (u: Pick<Unsettled, 'httpStatus' | 'message'>): string =>
  [u.httpStatus, u.message].filter((p) => p !== undefined && p !== '').join(' ');

/** Human lines: a heading and, per entry, what is known and how to settle it. */
export const renderUnsettledHuman = (list: readonly Unsettled[], style: Style): string[] => {
  if (list.length === 0) return [];
  return [
    style(
      'yellow',
      `Unknown — may have been placed; a person must settle ${list.length === 1 ? 'it' : 'them'} (${list.length}):`,
    ),
    ...list.flatMap((u) => [
      printable(`  ? ${u.key}  at ${u.at}${unknownDetail(u) ? `: ${unknownDetail(u)}` : ''}`),
      `      ${printable(u.hint)}`,
    ]),
  ];
};

export const unsettledJson = (list: readonly Unsettled[]) =>
  list.map((u) => ({
    key: u.key,
    at: u.at,
    ...(u.httpStatus !== undefined && { httpStatus: u.httpStatus }),
    ...(u.message !== undefined && { message: u.message }),
    hint: u.hint,
  }));

/** One warning annotation per entry, at the call's definition. */
export const unsettledAnnotations = (list: readonly Unsettled[]): Diagnostic[] =>
  list.map((u) => ({
    file: u.file,
    line: u.line,
    column: 1,
    path: u.key,
    message: `${u.key} is unknown (it may have been placed)${unknownDetail(u) ? `: ${unknownDetail(u)}` : ''}; ${u.hint}`,
    severity: 'warning',
  }));

/**
 * Markdown for $GITHUB_STEP_SUMMARY ('' when nothing is unsettled): the entries that fit in
 * `budget` (what the summary may still take), and a row counting the rest.
 */
export const unsettledMarkdown = (
  list: readonly Unsettled[],
  budget = new TextBudget(),
): string => {
  if (list.length === 0) return '';
  const lines = [
    ...spending(
      [
        `#### Unknown — may have been placed; settle by hand (${list.length})`,
        '',
        '| call | since | how to settle |',
        '| --- | --- | --- |',
      ],
      budget,
    ),
    ...spending(
      linesWithin(
        list.map((u): ListLine => [`| ${code(u.key)} | ${oneLine(u.at)} | ${code(u.hint)} |`, 1]),
        budget,
        (n, listed) =>
          `| ${listed ? `… and ${n} more` : `${n} entries`}, not listed here | | see \`callops status\` |`,
      ),
      budget,
    ),
  ];
  return `${lines.join('\n')}\n`;
};
