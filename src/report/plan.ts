import { JsonItems, mapped } from '../plan/file.js';
import type { TargetNotes } from '../plan/target-notes.js';
import type { TargetEntries, UnresolvedEntries } from '../plan/twins.js';
import type { Plan, PlanItem } from '../plan/types.js';
import { linePieces } from './pieces.js';
import { printable } from './printable.js';
import type { Style } from './style.js';
import { renderUnsettledHuman, type Unsettled, unsettledJson } from './unsettled.js';

/** The key, and the slot's local time beside it when the call has a time zone. */
export const keyText = (item: Pick<PlanItem, 'key' | 'local'>): string =>
  item.local === undefined ? item.key : `${item.key} (${item.local})`;

/** `in 10m`, and why a slot to come will be missed when the plan can tell already. */
const upcomingTail = (now: string, item: PlanItem): string | undefined => {
  const when = until(now, item.slot);
  if (item.reason === undefined) return when;
  return when === undefined ? item.reason : `${when}; ${item.reason}`;
};

const line = (item: PlanItem, mark: string, extra?: string): string => {
  const where = `${item.file}:${item.line}`;
  const tail = extra ?? item.reason;
  return `  ${mark} ${printable(`${keyText(item)}  → ${item.to}  (${where})${tail ? ` — ${tail}` : ''}`)}`;
};

const until = (from: string, to: string | undefined): string | undefined => {
  if (to === undefined) return undefined;
  const ms = Date.parse(to) - Date.parse(from);
  if (!(ms > 0)) return undefined;
  // Under a minute in seconds: `in 0m` said nothing.
  if (ms < 59_500) return `in ${Math.max(1, Math.round(ms / 1000))}s`;
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `in ${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `in ${hours}h ${minutes % 60}m`;
  return `in ${Math.floor(hours / 24)}d ${hours % 24}h`;
};

/** Rows of each campaign listed per section; the rest are counted. */
export const ROWS_SHOWN = 5;

/** Of a section's items, each campaign's first ROWS_SHOWN rows; and how many rows of each are left out. */
export const collapseRows = <T extends { readonly campaign?: string | undefined }>(
  items: readonly T[],
): { readonly shown: T[]; readonly hidden: [string, number][] } => {
  const seen = new Map<string, number>();
  const shown: T[] = [];
  for (const item of items) {
    if (item.campaign === undefined) {
      shown.push(item);
      continue;
    }
    const n = seen.get(item.campaign) ?? 0;
    seen.set(item.campaign, n + 1);
    if (n < ROWS_SHOWN) shown.push(item);
  }
  const hidden = [...seen]
    .filter(([, n]) => n > ROWS_SHOWN)
    .map(([name, n]): [string, number] => [name, n - ROWS_SHOWN]);
  return { shown, hidden };
};

function* firstRows(
  items: readonly PlanItem[],
  render: (i: PlanItem) => string,
): Generator<string> {
  const { shown, hidden } = collapseRows(items);
  for (const item of shown) yield render(item);
  for (const [name, n] of hidden) yield `  … and ${n} more rows of campaign ${printable(name)}`;
}

export interface CampaignCounts {
  readonly name: string;
  readonly rows: number;
  readonly due: number;
  readonly waiting: number;
  readonly expired: number;
  readonly upcoming: number;
  readonly missed: number;
  readonly skipped: number;
  /** On a do-not-call list: never sent. */
  readonly suppressed: number;
  /**
   * A campaign with cron/at: its rows the plan lists no slot of (none due, to come, or
   * missed or placed lately): their slots are over.
   */
  readonly done?: number;
  /** A campaign with cron/at: the slots this plan lists (of every row), by section. */
  readonly slots?: SlotCounts;
}

type Bucket = Exclude<keyof CampaignCounts, 'name' | 'rows' | 'slots' | 'done'>;
export type SlotCounts = Readonly<Record<Bucket, number>>;

const BUCKETS: readonly Bucket[] = [
  'due',
  'waiting',
  'expired',
  'upcoming',
  'missed',
  'skipped',
  'suppressed',
];

/**
 * Which of a row's slots says where the row stands: what happens to it next — a due slot
 * (or one the do-not-call lists or the per-number limit hold back), else its next slot —
 * else its latest slot (placed or missed).
 */
const NEXT: readonly Bucket[] = ['due', 'suppressed', 'waiting', 'upcoming'];
const rank = (bucket: Bucket): number => {
  const i = NEXT.indexOf(bucket);
  return i === -1 ? NEXT.length : i;
};
const standsAt = (
  a: { bucket: Bucket; slot: string },
  b: { bucket: Bucket; slot: string },
): boolean =>
  rank(a.bucket) < rank(b.bucket) || (rank(a.bucket) === rank(b.bucket) && a.slot > b.slot);

const zero = (): Record<Bucket, number> =>
  Object.fromEntries(BUCKETS.map((b) => [b, 0])) as Record<Bucket, number>;

/**
 * Per campaign, how many of its rows are in each state of the plan: every row once.
 * `waiting` counts the rows outside their hours or waiting for a redial, and those the
 * per-number limit holds back (the plan's `waiting` list). A row of a campaign with cron/at
 * is listed at each of its slots: it counts once, where its due slot, else its next slot,
 * else its latest one stands (NEXT), and `slots` counts the slots listed; `done` counts its
 * rows with no slot listed (from `plan.campaigns`, which also gives a campaign with nothing
 * listed its line).
 */
export const campaignCounts = (plan: Plan): CampaignCounts[] => {
  const by = new Map<string, Record<Bucket | 'rows', number>>();
  const slotted = new Map<
    string,
    { slots: Record<Bucket, number>; rows: Map<string, { bucket: Bucket; slot: string }> }
  >();
  const bump = (campaign: string, kind: Bucket) => {
    const c = by.get(campaign) ?? { rows: 0, ...zero() };
    c.rows += 1;
    c[kind] += 1;
    by.set(campaign, c);
  };
  const add = (item: PlanItem, kind: Bucket) => {
    if (item.campaign === undefined) return;
    if (item.slot === undefined || item.row === undefined) {
      bump(item.campaign, kind);
      return;
    }
    // Listed first so that the campaign keeps its place among the others.
    if (!by.has(item.campaign)) by.set(item.campaign, { rows: 0, ...zero() });
    const s = slotted.get(item.campaign) ?? { slots: zero(), rows: new Map() };
    s.slots[kind] += 1;
    const here = { bucket: kind, slot: item.slot };
    const known = s.rows.get(item.row);
    if (known === undefined || standsAt(here, known)) s.rows.set(item.row, here);
    slotted.set(item.campaign, s);
  };
  for (const i of plan.due) add(i, 'due');
  for (const i of plan.upcoming) add(i, i.waiting ? 'waiting' : 'upcoming');
  for (const i of plan.missed) add(i, i.expired ? 'expired' : 'missed');
  for (const i of plan.skipped) add(i, 'skipped');
  for (const i of plan.suppressed ?? []) add(i, 'suppressed');
  for (const i of plan.waiting ?? []) add(i, 'waiting');
  for (const [campaign, s] of slotted)
    for (const row of s.rows.values()) bump(campaign, row.bucket);
  // Every campaign the plan covers has its line, also when it lists none of its slots.
  const covered = new Map((plan.campaigns ?? []).map((c) => [c.name, c]));
  for (const c of covered.values()) {
    if (!by.has(c.name)) by.set(c.name, { rows: 0, ...zero() });
    if (c.slotted && !slotted.has(c.name)) slotted.set(c.name, { slots: zero(), rows: new Map() });
  }
  return [...by].map(([name, c]) => {
    const slots = slotted.get(name)?.slots;
    if (slots === undefined) return { name, ...c };
    const rows = Math.max(c.rows, covered.get(name)?.rows ?? 0);
    return { name, ...c, rows, done: rows - c.rows, slots };
  });
};

/** A campaign's counts in words, `nothing` when none: `3 due, 2 waiting`. */
export const countsText = (c: SlotCounts & { readonly done?: number }): string =>
  (
    [
      [c.due, 'due'],
      [c.waiting, 'waiting'],
      [c.upcoming, 'upcoming'],
      [c.expired, 'expired'],
      [c.missed, 'missed'],
      [c.suppressed, 'suppressed'],
      [c.skipped, 'skipped (placed, unknown, held or disabled)'],
      [c.done ?? 0, 'done (no slot left)'],
    ] as const
  )
    .filter(([n]) => n > 0)
    .map(([n, what]) => `${n} ${what}`)
    .join(', ') || 'nothing';

/**
 * How many slots the plan found missed, listed or not: `4`, or `at least 10000` when
 * counting stopped at its bound.
 */
export const missedCountText = (plan: Plan): string => {
  const counted = plan.missedCount ?? { count: plan.missed.length };
  return `${counted.atLeast ? 'at least ' : ''}${counted.count}`;
};

/**
 * A target the lockfile holds entries of that this checkout does not define, in one line:
 * what its entries placed is held (twins.ts), whichever target would place it now.
 */
export const goneTargetText = (g: TargetEntries): string =>
  `target ${printable(g.target)} is not defined in this checkout's callops.yaml: its ${g.entries} ${g.entries === 1 ? 'entry stays' : 'entries stay'} in the lockfile, and no call, slot or row placed under it is placed again under another target's name`;

/** A target defined beside the run's on its gateway, in one line (twins.ts). */
export const sameGatewayText = (g: TargetEntries, target: string): string =>
  `target ${printable(g.target)} is the same gateway as ${printable(target)} (its base_url and account_sid): a call, slot or row placed under either name (${g.entries} ${g.entries === 1 ? 'entry' : 'entries'} under ${printable(g.target)}) is placed once`;

/**
 * A target defined beside the run's whose gateway does not resolve now (a variable unset or
 * empty, a base_url that is no URL),
 * holding entries, in one line: what it placed is not held (twins.ts, unresolvedTargets), but
 * for its entries that record this gateway as the one that placed them.
 */
export const unresolvedTargetText = (g: UnresolvedEntries, target: string): string => {
  const why = `target ${printable(g.target)} does not resolve here (a variable in its base_url or account_sid is unset or empty, or its base_url is not a URL)`;
  const held = g.held ?? 0;
  const other = g.otherGateway ?? 0;
  const unrecorded = g.entries - held - other;
  const fix = `were ${printable(g.target)} this gateway renamed, set its variables (or remove it from callops.yaml) before applying`;
  const run = printable(target);
  // The run's target does not resolve here either: its gateway is known by its own entries,
  // or not at all (twins.ts, runGateway).
  if (g.runTarget === 'unknown') {
    const recorded = held;
    const unrecorded = g.entries - recorded;
    return [
      `${why}, nor does ${run}, the run's target: no entry of ${run} records its gateway, so callops cannot tell whether ${printable(g.target)} is ${run} renamed`,
      ...(recorded > 0
        ? [
            `${recorded} ${recorded === 1 ? 'entry' : 'entries'} recording the gateway that placed ${recorded === 1 ? 'it is' : 'them are'} read as ${run}'s, as the lockfile says ${recorded === 1 ? 'it was' : 'they were'} placed (not placed again)`,
          ]
        : []),
      ...(unrecorded > 0
        ? [
            `${unrecorded} ${unrecorded === 1 ? 'entry' : 'entries'} written by an earlier release record${unrecorded === 1 ? 's' : ''} no gateway: read as another gateway's`,
          ]
        : []),
      `set the variables of ${run} to read them by its gateway`,
    ].join('; ');
  }
  const whose =
    g.runTarget === 'recorded'
      ? `the gateway ${run}'s own latest entry records (${run} does not resolve here either)`
      : `the gateway of ${run}`;
  if (held === 0 && other === 0)
    return `${why}: its ${g.entries} ${g.entries === 1 ? 'entry is' : 'entries are'} read as another gateway's, and what ${g.entries === 1 ? 'it' : 'they'} placed is placed again under ${printable(target)}; ${fix}`;
  // Entries that record the gateway that placed them are read by it.
  const n = (count: number) => `${count} ${count === 1 ? 'entry' : 'entries'}`;
  const are = (count: number) => (count === 1 ? 'is' : 'are');
  const parts = [
    ...(held > 0 ? [`${n(held)} placed on ${whose} ${are(held)} held, not placed again`] : []),
    ...(other > 0
      ? [
          `${n(other)} placed on another gateway ${are(other)} placed again under ${printable(target)}`,
        ]
      : []),
    ...(unrecorded > 0
      ? [
          `${n(unrecorded)} written by an earlier release record${unrecorded === 1 ? 's' : ''} no gateway: read as another gateway's, what ${unrecorded === 1 ? 'it' : 'they'} placed is placed again under ${printable(target)}; ${fix}`,
        ]
      : []),
  ];
  return `${why}, but its entries record which gateway placed them: ${parts.join('; ')}`;
};

/**
 * The run's target does not resolve here, and other targets' entries were read without its
 * gateway (runTargetUnset): which variables to set to read them by it. Said by plan, status
 * and report, whose rows and counts then show what the lockfile says was placed.
 */
export const runTargetUnsetText = (target: string, variables: readonly string[]): string =>
  `target ${printable(target)} does not resolve here${variables.length === 0 ? '' : ` (${variables.map(printable).join(', ')} unset or empty)`}: the entries of targets that do not resolve here either are shown as the lockfile records them, not read by ${printable(target)}'s gateway`;

/**
 * What status and report say when the run's target does not resolve here (runTargetUnset:
 * `variables`): the line naming its variables, then each target whose entries were read
 * without its gateway, as plan names it.
 */
export const readWithoutGatewayLines = (
  notes: Pick<TargetNotes, 'unresolvedTargets'> & { readonly target: string },
  variables: readonly string[],
): string[] => [
  runTargetUnsetText(notes.target, variables),
  ...(notes.unresolvedTargets ?? [])
    .filter((g) => g.runTarget !== undefined)
    .map((g) => unresolvedTargetText(g, notes.target)),
];

/**
 * The lines a plan, apply and run say under their target line of the other targets the
 * lockfile holds entries of (TargetNotes), one a target, `target` the run's.
 */
export const targetNoteLines = (notes: TargetNotes, target: string): string[] => [
  ...(notes.goneTargets ?? []).map(goneTargetText),
  ...(notes.sameGateway ?? []).map((g) => sameGatewayText(g, target)),
  ...(notes.unresolvedTargets ?? []).map((g) => unresolvedTargetText(g, target)),
];

/** Human plan: what apply would place now, and what comes next; whom each call dials. */
export const renderPlanHuman = (
  plan: Plan,
  targetNote: string,
  style: Style,
  unsettled: readonly Unsettled[] = [],
): string => [...planHumanPieces(plan, targetNote, style, unsettled)].join('');

/**
 * renderPlanHuman's text in pieces, each line made as it is written: a plan of many calls
 * is never held as one string (100,000 skipped calls: some 90 MB less at its peak).
 */
export const planHumanPieces = (
  plan: Plan,
  targetNote: string,
  style: Style,
  unsettled: readonly Unsettled[] = [],
): Generator<string> => linePieces(planLines(plan, targetNote, style, unsettled));

function* planLines(
  plan: Plan,
  targetNote: string,
  style: Style,
  unsettled: readonly Unsettled[],
): Generator<string> {
  yield targetNote;
  yield `evaluated at ${plan.now}`;
  for (const line of targetNoteLines(plan, plan.target)) yield style('yellow', line);
  yield '';
  const counts = campaignCounts(plan);
  if (counts.length > 0) {
    yield style('bold', `Campaigns (${counts.length}):`);
    for (const c of counts)
      yield `  ${printable(c.name)}: ${c.rows} row${c.rows === 1 ? '' : 's'} — ${countsText(c)}${
        c.slots === undefined ? '' : `; slots listed: ${countsText(c.slots)}`
      }`;
    yield '';
  }
  function* section(
    title: string,
    items: readonly PlanItem[],
    render: (i: PlanItem) => string,
    count = `${items.length}`,
  ): Generator<string> {
    if (items.length === 0) return;
    yield style('bold', `${title} (${count}):`);
    yield* firstRows(items, render);
    yield '';
  }
  yield* section('Due now — apply places these', plan.due, (i) => line(i, style('green', '+')));
  const missed = missedCountText(plan);
  yield* section(
    'Missed — deadline passed, never placed late',
    plan.missed,
    (i) => line(i, style('red', '!')),
    missed,
  );
  const suppressed = plan.suppressed ?? [];
  const waiting = plan.waiting ?? [];
  yield* section('Suppressed — on a do-not-call list, never sent', suppressed, (i) =>
    line(i, style('yellow', 'x')),
  );
  yield* section('Waiting — held back by a limit, due later', waiting, (i) =>
    line(i, style('yellow', '.')),
  );
  // Unknown entries get a section of their own, with how to settle them.
  const unknown = new Set(unsettled.map((u) => u.key));
  const changed = plan.skipped.filter((i) => i.changed === true);
  yield* section('Changed since placed — not placed again', changed, (i) =>
    line(i, style('yellow', '~')),
  );
  // Changed and unknown ones are listed and counted in their own sections.
  const skipped = plan.skipped.filter((i) => i.changed !== true && !unknown.has(i.key));
  yield* section('Skipped', skipped, (i) => line(i, style('dim', '=')));
  yield* section('Upcoming', plan.upcoming, (i) =>
    line(i, style('cyan', '~'), i.waiting ? i.reason : upcomingTail(plan.now, i)),
  );
  const lines = renderUnsettledHuman(unsettled, style);
  if (lines.length > 0) {
    yield* lines;
    yield '';
  }
  const extra = [
    changed.length > 0 ? `, ${changed.length} changed since placed` : '',
    unsettled.length > 0 ? `, ${unsettled.length} unknown to settle` : '',
    suppressed.length > 0 ? `, ${suppressed.length} suppressed` : '',
    waiting.length > 0 ? `, ${waiting.length} waiting` : '',
  ].join('');
  const summary = `Plan: ${plan.due.length} to place, ${missed} missed, ${skipped.length} skipped, ${plan.upcoming.length} upcoming${extra}.`;
  yield plan.due.length === 0 ? `${summary} Nothing to do now.` : summary;
}

const itemJson = (i: PlanItem) => ({
  key: i.key,
  name: i.name,
  target: i.target,
  file: i.file,
  line: i.line,
  ...(i.slot !== undefined && { slot: i.slot }),
  ...(i.local !== undefined && { local: i.local }),
  to: i.to,
  ...(i.reason !== undefined && { reason: i.reason }),
  ...(i.changed === true && { changed: true }),
  ...(i.replaces !== undefined && { replaces: i.replaces }),
  ...(i.campaign !== undefined && { campaign: i.campaign, row: i.row }),
  ...(i.waiting === true && { waiting: true }),
  ...(i.opens !== undefined && { opens: i.opens }),
  ...(i.expired === true && { expired: true }),
});

/** Apply's note on placed calls whose definition changed: they are not placed again. */
export const renderChangedHuman = (items: readonly PlanItem[], style: Style): string[] =>
  items.length === 0
    ? []
    : [
        style('yellow', `Changed since placed — not placed again (${items.length}):`),
        ...items.map((i) => line(i, style('yellow', '~'))),
      ];

function* changedKeys(skipped: readonly PlanItem[]): Generator<string> {
  for (const i of skipped) if (i.changed === true) yield i.key;
}

const streamed = (items: readonly PlanItem[]): JsonItems =>
  new JsonItems(() => mapped(items, itemJson));

/**
 * The plan as JSON (`plan --format json`, `status`): JSON.stringify writes it whole, and
 * jsonPieces writes it with each item's fields read and its object made only while it is
 * written, so a campaign's plan is never held as objects.
 */
export const planJson = (
  plan: Plan,
  unsettled: readonly Unsettled[] = [],
  /** Every target its calls go to, the run's first (planTargets). */
  targets: readonly string[] = [plan.target],
) => ({
  target: plan.target,
  targets,
  now: plan.now,
  due: streamed(plan.due),
  upcoming: streamed(plan.upcoming),
  missed: streamed(plan.missed),
  // Only when it says more than `missed` lists: older plans' consumers see what they knew.
  ...(plan.missedCount !== undefined && plan.missedCount.count > plan.missed.length
    ? {
        missedCount: plan.missedCount.count,
        ...(plan.missedCount.atLeast && { missedCountAtLeast: true }),
      }
    : {}),
  skipped: streamed(plan.skipped),
  // Only when there are any: older plans' consumers see what they knew.
  ...(plan.goneTargets !== undefined && { goneTargets: plan.goneTargets }),
  ...(plan.sameGateway !== undefined && { sameGateway: plan.sameGateway }),
  ...(plan.unresolvedTargets !== undefined && { unresolvedTargets: plan.unresolvedTargets }),
  suppressed: streamed(plan.suppressed ?? []),
  waiting: streamed(plan.waiting ?? []),
  changed: new JsonItems(() => changedKeys(plan.skipped)),
  unsettled: unsettledJson(unsettled),
  campaigns: campaignCounts(plan),
});
