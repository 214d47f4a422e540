import type { TargetEntries, UnresolvedEntries } from '../plan/twins.js';
import type { Plan, PlanItem } from '../plan/types.js';
import { luxon } from '../schedule/libs.js';
import type { Lockfile } from '../state/types.js';
import type { CallDefinition } from '../validate/model.js';
import { type ListLine, linesWithin, spending, TextBudget } from './budget.js';
import { textOf } from './lockfile-shown.js';
import { code, oneLine } from './markdown-text.js';
import { linePieces } from './pieces.js';
import { campaignCounts, collapseRows, countsText, missedCountText, ROWS_SHOWN } from './plan.js';
import { type Unsettled, unknownDetail } from './unsettled.js';

/**
 * `plan --format markdown`: the plan as a pull-request comment. It says whom merging will
 * call (due now and upcoming, destinations as written: `${VAR}` references, never values),
 * when (UTC and the call's own time zone), and what changed against the lockfile. Pure.
 */

/** A defined call, as far as the comment needs it. */
export interface MarkdownCall {
  readonly name: string;
  readonly file: string;
  readonly line: number;
  /** `sha256:…` of the call's definition now. */
  readonly definition: string;
  /** IANA zone of its schedule; absent for an unscheduled call. */
  readonly timezone?: string;
  readonly enabled: boolean;
  /** The campaign a recipient row belongs to: its rows are listed ROWS_SHOWN at a time. */
  readonly campaign?: string;
}

/**
 * A call's definition as the comment reads it: each field read from the definition when
 * asked for (a campaign row's from its CSV row), none copied; its hash made only for a call
 * the lockfile has placed.
 */
class DefinedCall implements MarkdownCall {
  readonly #call: CallDefinition;
  constructor(call: CallDefinition) {
    this.#call = call;
  }
  get name(): string {
    return this.#call.name;
  }
  get file(): string {
    return this.#call.file;
  }
  get line(): number {
    return this.#call.line;
  }
  get definition(): string {
    return this.#call.definition;
  }
  get timezone(): string | undefined {
    return this.#call.schedule?.timezone;
  }
  get enabled(): boolean {
    return this.#call.enabled;
  }
  get campaign(): string | undefined {
    return this.#call.campaign?.name;
  }
}

/** The project's calls for `renderPlanMarkdown`, each made when read. */
export function* markdownCalls(calls: Iterable<CallDefinition>): Generator<MarkdownCall> {
  for (const call of calls) yield new DefinedCall(call);
}

export interface PlanMarkdownInput {
  readonly plan: Plan;
  readonly lock: Lockfile;
  /** Every call defined now (read once, one at a time: a campaign's rows need not be held). */
  readonly calls: Iterable<MarkdownCall>;
  /** Where calls go, one line per target (describeTargets). */
  readonly targetNote: string;
  /** The lockfile's name as shown (e.g. `callops.lock`). */
  readonly lockName: string;
  /**
   * The schema of the PostgreSQL store the plan was read from (`state: {backend: postgres}`):
   * then no lockfile was read, and the changes are said against the database, as `status`
   * names it (`postgres (schema NAME)`), never its url.
   */
  readonly postgresSchema?: string;
  /**
   * The lockfile's unknown entries this plan does not place again (unsettledEntries), with
   * how to settle each: every one, whatever --only or --target select.
   */
  readonly unsettled?: readonly Unsettled[];
}

/** The first line of the comment: lets a workflow find and update its earlier comment. */
export const PLAN_COMMENT_MARKER = '<!-- callops-plan -->';

/** Plain text in a table cell. */
const cell = (text: string): string => oneLine(text);

const utc = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

/** The instant in the call's zone, e.g. `2026-11-24 10:00 CET (Europe/Berlin)`. */
const local = (iso: string, zone: string | undefined): string => {
  if (zone === undefined || zone === 'UTC') return '';
  const at = luxon().DateTime.fromISO(iso, { zone: 'utc' }).setZone(zone);
  if (!at.isValid) return '';
  return `${at.toFormat('yyyy-MM-dd HH:mm ZZZZ')} (${zone})`;
};

/**
 * `3 slots`, or `2 slots; 1 call with no slot ahead`: a cron listed without a slot (none in
 * the eight years looked through) is no slot, and is counted apart.
 */
const upcomingCountText = (upcoming: readonly PlanItem[]): string => {
  const none = upcoming.filter((i) => i.slot === undefined && i.waiting !== true).length;
  const slots = `${upcoming.length - none} slots`;
  return none === 0
    ? slots
    : `${slots}; ${none} ${none === 1 ? 'call' : 'calls'} with no slot ahead`;
};

interface Ctx {
  /** The run's target: items going elsewhere (pinned calls) name theirs. */
  readonly target: string;
  readonly zones: ReadonlyMap<string, string | undefined>;
  /** What the comment's lists may still take. */
  readonly budget: TextBudget;
}

const when = (item: PlanItem, ctx: Ctx, dueNow: boolean): [string, string] => {
  const zone = ctx.zones.get(item.name);
  // Due now, its reason beside it as `plan` gives it: what it re-does (a retry, a
  // replacement), or that its number was dialled under another name and is rung again.
  if (item.slot === undefined && dueNow) return ['on merge (unscheduled)', item.reason ?? ''];
  // Not due and without a slot: a row waiting for its hours or a redial, when they open (as
  // `plan` says it); else a cron whose next slot lies beyond the search (its reason says so).
  const at = item.slot ?? (item.waiting ? item.opens : undefined);
  if (at === undefined) return [item.reason ?? '', ''];
  const zoned = local(at, zone) || (zone === 'UTC' ? '(UTC)' : '');
  // A slot to come that the plan knows will be missed (the clocks jump over its window) says
  // so beside its time, as `plan` does: never shown as an ordinary call.
  const why = item.waiting || item.reason === undefined ? undefined : item.reason;
  return [utc(at), why === undefined ? zoned : zoned ? `${zoned} — ${why}` : why];
};

/** A line per campaign whose rows were left out of a list (only its first rows are shown). */
const moreRows = (hidden: readonly [string, number][], table: boolean): ListLine[] =>
  hidden.map(([name, n]) => [
    table
      ? `| … and ${n} more rows of campaign ${code(name)} | | | | |`
      : `- … and ${n} more rows of campaign ${code(name)}`,
    n,
  ]);

const NOT_LISTED = 'not listed here (`callops plan` lists every one)';
const notListed = (n: number, listed: boolean): string =>
  listed ? `… and ${n} more, ${NOT_LISTED}` : `${n}, ${NOT_LISTED}`;
const moreInTable = (n: number, listed: boolean): string => `| ${notListed(n, listed)} | | | | |`;
const moreInList = (n: number, listed: boolean): string => `- ${notListed(n, listed)}`;

function* itemTable(
  { shown, hidden }: ReturnType<typeof collapseRows<PlanItem>>,
  ctx: Ctx,
  dueNow: boolean,
): Generator<string> {
  yield '| Call | To | When (UTC) | Local time | Defined at |';
  yield '| --- | --- | --- | --- | --- |';
  yield* linesWithin(itemRows(shown, hidden, ctx, dueNow), ctx.budget, moreInTable);
}

function* itemRows(
  shown: readonly PlanItem[],
  hidden: readonly [string, number][],
  ctx: Ctx,
  dueNow: boolean,
): Generator<ListLine> {
  for (const i of shown) {
    const [at, zoned] = when(i, ctx, dueNow);
    const target = i.target === ctx.target ? '' : ` on ${code(i.target)}`;
    yield [
      `| ${code(i.name)}${target} | ${code(i.to)} | ${cell(at)} | ${cell(zoned)} | ${code(`${i.file}:${i.line}`)} |`,
      1,
    ];
  }
  yield* moreRows(hidden, true);
}

/** The items' lines, each made as it is read (a plan may skip 100,000 calls). */
const reasonList = (items: readonly PlanItem[], budget: TextBudget): Generator<string> =>
  linesWithin(reasonLines(items), budget, moreInList);

function* reasonLines(items: readonly PlanItem[]): Generator<ListLine> {
  const { shown, hidden } = collapseRows(items);
  for (const i of shown)
    yield [
      `- ${code(i.key)} → ${code(i.to)}${i.reason === undefined ? '' : ` — ${cell(i.reason)}`}`,
      1,
    ];
  yield* moreRows(hidden, false);
}

/** `<target>/<name>[@slot][#attempt]` → name (a campaign row's name is `<call>/<row id>`). */
const nameOfKey = (key: string): string => {
  const rest = key.slice(key.indexOf('/') + 1);
  const end = rest.search(/[@#]/);
  return end < 0 ? rest : rest.slice(0, end);
};

/** The campaign of a name, when it is a row's `<call>/<row id>` (call names have no `/`). */
const campaignOfName = (name: string): string | undefined => {
  const slash = name.indexOf('/');
  return slash < 0 ? undefined : name.slice(0, slash);
};

/** A list whose campaign rows are shown ROWS_SHOWN per campaign, the rest counted. */
function* rowsList<T extends { readonly campaign?: string | undefined }>(
  items: readonly T[],
  render: (item: T) => string,
): Generator<ListLine> {
  const { shown, hidden } = collapseRows(items);
  for (const item of shown) yield [render(item), 1];
  yield* moreRows(hidden, false);
}

/**
 * The lockfile's unknown entries, each with what is known of it and how to settle it (the
 * hint `plan` prints). Each may be a call that reached someone: the section comes before the
 * calls, so that no long list of them leaves it out of the comment.
 */
function* unknownSection(unsettled: readonly Unsettled[], budget: TextBudget): Generator<string> {
  if (unsettled.length === 0) return;
  yield `### Unknown — may have been placed: ${unsettled.length}`;
  yield '';
  yield 'Each may be a call that reached someone; a person must settle it:';
  yield '';
  yield* linesWithin(unknownLines(unsettled), budget, moreInList);
  yield '';
}

function* unknownLines(unsettled: readonly Unsettled[]): Generator<ListLine> {
  for (const u of unsettled) {
    const detail = unknownDetail(u);
    yield [
      `- ${code(u.key)} at ${cell(u.at)}${detail ? `: ${cell(detail)}` : ''} — ${code(u.hint)}`,
      1,
    ];
  }
}

/** Names in the order `localeCompare` gives (one collator, not one a comparison). */
let collator: Intl.Collator | undefined;
const compareNames = (a: string, b: string): number => {
  collator ??= new Intl.Collator();
  return collator.compare(a, b);
};

interface Ranked<T> {
  readonly value: T;
  readonly name: string;
  /** Its place among the calls: equal names keep it (a stable sort). */
  readonly index: number;
}

const ranksBefore = <T>(a: Ranked<T>, b: Ranked<T>): boolean => {
  const c = compareNames(a.name, b.name);
  return c === 0 ? a.index < b.index : c < 0;
};

/**
 * Calls met one at a time (in the order of their files, a campaign's rows in the order of its
 * CSV), listed in name order: every call not of a campaign by its name, each campaign by its
 * name with its first ROWS_SHOWN rows in CSV order (a call before a campaign of the same
 * name); and how many rows of each campaign are left out. Holds ROWS_SHOWN rows a campaign,
 * whatever its size.
 */
class FirstByName<T> {
  readonly #plain: Ranked<T>[] = [];
  readonly #rows = new Map<string, { readonly first: T[]; count: number }>();
  count = 0;

  add(value: T, name: string, campaign: string | undefined, index: number): void {
    this.count += 1;
    if (campaign === undefined) {
      this.#plain.push({ value, name, index });
      return;
    }
    let rows = this.#rows.get(campaign);
    if (rows === undefined) {
      rows = { first: [], count: 0 };
      this.#rows.set(campaign, rows);
    }
    rows.count += 1;
    if (rows.first.length < ROWS_SHOWN) rows.first.push(value);
  }

  listed(): Listed<T> {
    const units: Ranked<readonly T[]>[] = this.#plain.map((r) => ({ ...r, value: [r.value] }));
    for (const [campaign, rows] of this.#rows) {
      units.push({ value: rows.first, name: campaign, index: Number.POSITIVE_INFINITY });
    }
    units.sort((a, b) => (ranksBefore(a, b) ? -1 : ranksBefore(b, a) ? 1 : 0));
    const hidden = [...this.#rows]
      .filter(([, rows]) => rows.count > ROWS_SHOWN)
      .sort(([a], [b]) => compareNames(a, b))
      .map(([name, rows]): [string, number] => [name, rows.count - ROWS_SHOWN]);
    return { shown: units.flatMap((u) => u.value), hidden, count: this.count };
  }
}

/** A list as the comment shows it: its first rows of each campaign, and the rest counted. */
export interface Listed<T> {
  /** In name order: every call not of a campaign, and each campaign's first ROWS_SHOWN rows. */
  readonly shown: readonly T[];
  /** Per campaign with more rows, how many are left out (where its first row is listed). */
  readonly hidden: readonly [string, number][];
  /** How many the list has, shown or not. */
  readonly count: number;
}

export interface LockChanges {
  /** Defined calls whose latest placed entry was placed under another definition. */
  readonly changed: Listed<{ readonly call: MarkdownCall; readonly placed: string }>;
  /** Defined calls the lockfile has no entry for. */
  readonly added: Listed<MarkdownCall>;
  /** Names in the lockfile no call is defined under now, with their entry count. */
  readonly removed: readonly { readonly name: string; readonly entries: number }[];
}

/**
 * What changed between the definitions and the lockfile, and the time zones of the calls
 * named in `zonesOf`: one walk over the calls, each read once, none kept but those listed
 * (a campaign's rows are read one at a time).
 */
const scanCalls = (
  calls: Iterable<MarkdownCall>,
  lock: Lockfile,
  zonesOf: ReadonlySet<string>,
): { readonly changes: LockChanges; readonly zones: Map<string, string | undefined> } => {
  const byName = new Map<
    string,
    { entries: number; placedAt: string; placed?: string; defined?: true }
  >();
  for (const [key, entry] of Object.entries(lock.calls)) {
    const name = nameOfKey(key);
    const seen = byName.get(name) ?? { entries: 0, placedAt: '' };
    seen.entries++;
    if (entry.status === 'placed' && entry.at >= seen.placedAt) {
      seen.placedAt = entry.at;
      seen.placed = entry.definition;
    }
    byName.set(name, seen);
  }
  const changed = new FirstByName<{ readonly call: MarkdownCall; readonly placed: string }>();
  const added = new FirstByName<MarkdownCall>();
  const zones = new Map<string, string | undefined>();
  let index = 0;
  for (const call of calls) {
    const name = call.name;
    if (zonesOf.has(name)) zones.set(name, call.timezone);
    const seen = byName.get(name);
    if (seen === undefined) added.add(call, name, call.campaign, index);
    else {
      seen.defined = true;
      const placed = seen.placed;
      if (placed !== undefined && placed !== call.definition)
        changed.add({ call, placed }, name, call.campaign, index);
    }
    index += 1;
  }
  // A name no call has is the lockfile's own text: shown as that is (a hand edit may have
  // put a secret in a key).
  const text = textOf(lock);
  const removed = [...byName.entries()]
    .filter(([, seen]) => seen.defined !== true)
    .map(([name, seen]) => ({ name: text(name), entries: seen.entries }))
    .sort((a, b) => compareNames(a.name, b.name));
  return { changes: { changed: changed.listed(), added: added.listed(), removed }, zones };
};

/**
 * What changed between the definitions and the lockfile (pure). The calls are read one at a
 * time: a campaign's rows are never all held.
 */
export const lockChanges = (calls: Iterable<MarkdownCall>, lock: Lockfile): LockChanges =>
  scanCalls(calls, lock, new Set()).changes;

const short = (hash: string): string => hash.replace(/^sha256:/, '').slice(0, 12);

/** A list met one at a time by FirstByName: its lines, and its campaigns' left-out rows. */
function* listedLines<T>(listed: Listed<T>, render: (item: T) => string): Generator<ListLine> {
  for (const item of listed.shown) yield [render(item), 1];
  yield* moreRows(listed.hidden, false);
}

/** What the changes are against: the lockfile, or the PostgreSQL store (read instead of it). */
interface Against {
  /** As the heading names it. */
  readonly name: string;
  /** Where entries of calls and targets no longer defined stay. */
  readonly keeps: string;
}

const againstOf = (input: Pick<PlanMarkdownInput, 'lockName' | 'postgresSchema'>): Against =>
  input.postgresSchema === undefined
    ? { name: code(input.lockName), keeps: 'the lockfile' }
    : { name: `postgres (schema ${code(input.postgresSchema)})`, keeps: 'the database' };

function* changesSection(
  changes: LockChanges,
  against: Against,
  budget: TextBudget,
  plan: Pick<Plan, 'target' | 'goneTargets' | 'sameGateway' | 'unresolvedTargets'>,
): Generator<string> {
  yield `### Changes against ${against.name}`;
  yield '';
  const gone = plan.goneTargets ?? [];
  const beside = plan.sameGateway ?? [];
  const unresolved = plan.unresolvedTargets ?? [];
  const entries = (g: TargetEntries) => `${g.entries} ${g.entries === 1 ? 'entry' : 'entries'}`;
  // Entries that record the gateway that placed them are read by it (twins.ts).
  const recordedWords = (g: UnresolvedEntries) =>
    [
      ...(g.held === undefined
        ? []
        : [
            g.runTarget === 'unknown'
              ? `${g.held} recording a gateway, held: ${code(plan.target)} does not resolve here either, so which gateway cannot be compared`
              : `${g.held} placed on this gateway, held`,
          ]),
      ...(g.otherGateway === undefined
        ? []
        : [`${g.otherGateway} placed on another gateway, placed again`]),
    ]
      .map((w) => `; ${w}`)
      .join('');
  if (gone.length > 0) {
    yield `**Targets not defined in this checkout's callops.yaml (${gone.length})** — their entries stay in ${against.keeps}, and no call, slot or row placed under one is placed again under another target's name (see Skipped):`;
    yield* linesWithin(
      gone.map((g): ListLine => [`- ${code(g.target)} (${entries(g)})`, 1]),
      budget,
      moreInList,
    );
    yield '';
  }
  if (beside.length > 0) {
    yield `**Targets on the same gateway as ${code(plan.target)} (${beside.length})** — the same base_url and account_sid: a call, slot or row placed under either name is placed once (see Skipped):`;
    yield* linesWithin(
      beside.map((g): ListLine => [`- ${code(g.target)} (${entries(g)})`, 1]),
      budget,
      moreInList,
    );
    yield '';
  }
  if (unresolved.length > 0) {
    yield `**Targets that do not resolve here (${unresolved.length})** — a variable in their base_url or account_sid is unset or empty, or their base_url is not a URL: an entry that records the gateway that placed it is held when that is this gateway's, and otherwise their entries are read as another gateway's, and what they placed is placed again under ${code(plan.target)}. Were one of them this gateway renamed, set its variables (or remove it from callops.yaml) before applying:`;
    yield* linesWithin(
      unresolved.map(
        (g): ListLine => [`- ${code(g.target)} (${entries(g)}${recordedWords(g)})`, 1],
      ),
      budget,
      moreInList,
    );
    yield '';
  }
  if (changes.changed.count + changes.added.count + changes.removed.length === 0) {
    if (gone.length + beside.length + unresolved.length > 0) return;
    yield 'No call was added, changed or removed since it was last placed.';
    yield '';
    return;
  }
  const where = (c: MarkdownCall) => code(`${c.file}:${c.line}`);
  const disabled = (c: MarkdownCall) => (c.enabled ? '' : ' (disabled)');
  const { changed, added } = changes;
  if (changed.count > 0) {
    yield `**Changed since placed (${changed.count})** — placed under an earlier definition:`;
    yield* linesWithin(
      listedLines(
        changed,
        ({ call, placed }) =>
          `- ${code(call.name)}${disabled(call)} at ${where(call)}: placed as ${code(short(placed))}, now ${code(short(call.definition))}`,
      ),
      budget,
      moreInList,
    );
    yield '';
  }
  if (added.count > 0) {
    yield `**New (${added.count})** — never placed:`;
    yield* linesWithin(
      listedLines(added, (c) => `- ${code(c.name)}${disabled(c)} at ${where(c)}`),
      budget,
      moreInList,
    );
    yield '';
  }
  if (changes.removed.length > 0) {
    yield `**No longer defined (${changes.removed.length})** — their entries stay in ${against.keeps}:`;
    yield* linesWithin(
      rowsList(
        changes.removed.map((r) => ({ ...r, campaign: campaignOfName(r.name) })),
        (r) => `- ${code(r.name)} (${r.entries} ${r.entries === 1 ? 'entry' : 'entries'})`,
      ),
      budget,
      moreInList,
    );
    yield '';
  }
}

export const renderPlanMarkdown = (input: PlanMarkdownInput): string =>
  [...planMarkdownPieces(input)].join('');

/**
 * renderPlanMarkdown's text in pieces, its long lists made as they are written: a plan that
 * skips many calls is never held as one string.
 */
export const planMarkdownPieces = (input: PlanMarkdownInput): Generator<string> =>
  linePieces(planMarkdownLines(input));

function* planMarkdownLines(input: PlanMarkdownInput): Generator<string> {
  const budget = new TextBudget();
  yield* spending(commentLines(input, budget), budget);
}

/** Campaigns given a line in a plan comment: the rest are counted, leaving room for the calls. */
const CAMPAIGNS_SHOWN = 20;

/**
 * The campaigns the plan covers, each on one line with its rows by state (as `plan` prints
 * them): what the reviewer weighs before the rows themselves. The first CAMPAIGNS_SHOWN, as
 * the budget lets them fit; the rest are counted, never the heading.
 */
function* campaignLines(plan: Plan, budget: TextBudget): Generator<string> {
  const counts = campaignCounts(plan);
  if (counts.length === 0) return;
  yield `### Campaigns: ${counts.length}`;
  yield '';
  const rows = (n: number) => `${n} ${n === 1 ? 'row' : 'rows'}`;
  const more = (n: number) =>
    `- … and ${n} more ${n === 1 ? 'campaign' : 'campaigns'}, ${NOT_LISTED}`;
  const lines: ListLine[] = counts
    .slice(0, CAMPAIGNS_SHOWN)
    .map((c) => [
      `- ${code(c.name)}: ${rows(c.rows)} — ${countsText(c)}${
        c.slots === undefined ? '' : `; slots listed: ${countsText(c.slots)}`
      }`,
      1,
    ]);
  const left = counts.length - CAMPAIGNS_SHOWN;
  if (left > 0) lines.push([more(left), left]);
  yield* linesWithin(lines, budget, more);
  yield '';
}

/**
 * The comment's lines. Its lists take what the budget leaves, in the order they come: a
 * plan of many calls lists its first ones and counts the rest, with every heading and count
 * still there.
 */
function* commentLines(input: PlanMarkdownInput, budget: TextBudget): Generator<string> {
  const { plan } = input;
  // The rows listed (a campaign's first ones): the calls are read once, for their zones and
  // for what changed, and none is kept but those shown.
  const due = plan.due.length > 0 ? collapseRows(plan.due) : undefined;
  const upcoming = plan.upcoming.length > 0 ? collapseRows(plan.upcoming) : undefined;
  const named = new Set<string>();
  for (const i of [...(due?.shown ?? []), ...(upcoming?.shown ?? [])]) named.add(i.name);
  const { changes, zones } = scanCalls(input.calls, input.lock, named);
  const ctx: Ctx = { target: plan.target, zones, budget };
  yield PLAN_COMMENT_MARKER;
  yield '## callops plan';
  yield '';
  // One target: its line and the time. Several (calls pinned elsewhere): one item each.
  const targets = input.targetNote.split('\n');
  if (targets.length === 1) yield `${cell(input.targetNote)} · evaluated at ${utc(plan.now)}`;
  else {
    for (const line of targets) yield `- ${cell(line)}`;
    yield '';
    yield `evaluated at ${utc(plan.now)}`;
  }
  yield '';
  yield* campaignLines(plan, budget);
  const unsettled = input.unsettled ?? [];
  yield* unknownSection(unsettled, budget);
  const count = (n: number) => `${n} ${n === 1 ? 'call' : 'calls'}`;
  yield `### Due on merge: ${count(plan.due.length)}`;
  yield '';
  if (due === undefined) {
    yield 'Nothing is due: merging places no call now.';
    yield '';
  } else {
    yield '`callops apply` places these once this is merged:';
    yield '';
    yield* itemTable(due, ctx, true);
    yield '';
  }
  if (upcoming !== undefined) {
    yield `### Upcoming: ${upcomingCountText(plan.upcoming)}`;
    yield '';
    yield* itemTable(upcoming, ctx, false);
    yield '';
  }
  // Unknown entries are listed and counted in their own section (a copy only when any is).
  const unknown = new Set(unsettled.map((u) => u.key));
  const skipped =
    unknown.size === 0 ? plan.skipped : plan.skipped.filter((i) => !unknown.has(i.key));
  const held: [string, readonly PlanItem[], string | undefined][] = [
    [
      `Missed: ${missedCountText(plan)}`,
      plan.missed,
      'Their deadline passed; they are never placed late.',
    ],
    [
      `Suppressed: ${plan.suppressed?.length ?? 0}`,
      plan.suppressed ?? [],
      'On a do-not-call list: never sent.',
    ],
    [`Waiting: ${plan.waiting?.length ?? 0}`, plan.waiting ?? [], undefined],
    [`Skipped: ${skipped.length}`, skipped, undefined],
  ];
  for (const [heading, items, note] of held) {
    if (items.length === 0) continue;
    yield `### ${heading}`;
    yield '';
    if (note !== undefined) {
      yield note;
      yield '';
    }
    yield* reasonList(items, budget);
    yield '';
  }
  yield* changesSection(changes, againstOf(input), budget, plan);
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${…} reference
  yield '<sub>Destinations are shown as written: `${…}` references, never their values.</sub>';
}
