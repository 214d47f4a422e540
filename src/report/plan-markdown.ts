import type { Plan, PlanItem } from '../plan/types.js';
import { luxon } from '../schedule/libs.js';
import type { Lockfile } from '../state/types.js';
import { collapseRows } from './plan.js';

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

export interface PlanMarkdownInput {
  readonly plan: Plan;
  readonly lock: Lockfile;
  /** Every call defined now. */
  readonly calls: readonly MarkdownCall[];
  /** Where calls go, one line (e.g. from describeTarget). */
  readonly targetNote: string;
  /** The lockfile's name as shown (e.g. `callops.lock`). */
  readonly lockName: string;
}

/** The first line of the comment: lets a workflow find and update its earlier comment. */
export const PLAN_COMMENT_MARKER = '<!-- callops-plan -->';

/** Text as an inline code span that survives a table cell (pipes, backticks, newlines). */
export const code = (text: string): string => {
  const flat = text.replace(/\s*[\r\n]+\s*/g, ' ').replaceAll('|', '\\|');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
};

/** Plain text in a table cell. */
const cell = (text: string): string => text.replace(/\s*[\r\n]+\s*/g, ' ').replaceAll('|', '\\|');

const utc = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

/** The instant in the call's zone, e.g. `2026-11-24 10:00 CET (Europe/Berlin)`. */
const local = (iso: string, zone: string | undefined): string => {
  if (zone === undefined || zone === 'UTC') return '';
  const at = luxon().DateTime.fromISO(iso, { zone: 'utc' }).setZone(zone);
  if (!at.isValid) return '';
  return `${at.toFormat('yyyy-MM-dd HH:mm ZZZZ')} (${zone})`;
};

interface Ctx {
  /** The run's target: items going elsewhere (pinned calls) name theirs. */
  readonly target: string;
  readonly zones: ReadonlyMap<string, string | undefined>;
}

const when = (item: PlanItem, ctx: Ctx, dueNow: boolean): [string, string] => {
  const zone = ctx.zones.get(item.name);
  if (item.slot === undefined) return [dueNow ? 'on merge (unscheduled)' : '', ''];
  return [utc(item.slot), local(item.slot, zone) || (zone === 'UTC' ? '(UTC)' : '')];
};

/** A line per campaign whose rows were left out of a list (only its first rows are shown). */
const moreRows = (hidden: readonly [string, number][], table: boolean): string[] =>
  hidden.map(([name, n]) =>
    table
      ? `| … and ${n} more rows of campaign ${code(name)} | | | | |`
      : `- … and ${n} more rows of campaign ${code(name)}`,
  );

const itemTable = (items: readonly PlanItem[], ctx: Ctx, dueNow: boolean): string[] => {
  const { shown, hidden } = collapseRows(items);
  return [
    '| Call | To | When (UTC) | Local time | Defined at |',
    '| --- | --- | --- | --- | --- |',
    ...shown.map((i) => {
      const [at, zoned] = when(i, ctx, dueNow);
      const target = i.target === ctx.target ? '' : ` on ${code(i.target)}`;
      return `| ${code(i.name)}${target} | ${code(i.to)} | ${cell(at)} | ${cell(zoned)} | ${code(`${i.file}:${i.line}`)} |`;
    }),
    ...moreRows(hidden, true),
  ];
};

const reasonList = (items: readonly PlanItem[]): string[] => {
  const { shown, hidden } = collapseRows(items);
  return [
    ...shown.map(
      (i) =>
        `- ${code(i.key)} → ${code(i.to)}${i.reason === undefined ? '' : ` — ${cell(i.reason)}`}`,
    ),
    ...moreRows(hidden, false),
  ];
};

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
const rowsList = <T extends { readonly campaign?: string | undefined }>(
  items: readonly T[],
  render: (item: T) => string,
): string[] => {
  const { shown, hidden } = collapseRows(items);
  return [...shown.map(render), ...moreRows(hidden, false)];
};

export interface LockChanges {
  /** Defined calls whose latest placed entry was placed under another definition. */
  readonly changed: readonly { readonly call: MarkdownCall; readonly placed: string }[];
  /** Defined calls the lockfile has no entry for. */
  readonly added: readonly MarkdownCall[];
  /** Names in the lockfile no call is defined under now, with their entry count. */
  readonly removed: readonly { readonly name: string; readonly entries: number }[];
}

/** What changed between the definitions and the lockfile (pure). */
export const lockChanges = (calls: readonly MarkdownCall[], lock: Lockfile): LockChanges => {
  const byName = new Map<string, { entries: number; placedAt: string; placed?: string }>();
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
  const defined = new Set(calls.map((c) => c.name));
  const sorted = [...calls].sort((a, b) => a.name.localeCompare(b.name));
  return {
    changed: sorted.flatMap((call) => {
      const placed = byName.get(call.name)?.placed;
      return placed !== undefined && placed !== call.definition ? [{ call, placed }] : [];
    }),
    added: sorted.filter((c) => !byName.has(c.name)),
    removed: [...byName.entries()]
      .filter(([name]) => !defined.has(name))
      .map(([name, seen]) => ({ name, entries: seen.entries }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
};

const short = (hash: string): string => hash.replace(/^sha256:/, '').slice(0, 12);

const changesSection = (changes: LockChanges, lockName: string): string[] => {
  const out = [`### Changes against ${code(lockName)}`, ''];
  if (changes.changed.length + changes.added.length + changes.removed.length === 0) {
    return [...out, 'No call was added, changed or removed since it was last placed.', ''];
  }
  const where = (c: MarkdownCall) => code(`${c.file}:${c.line}`);
  const disabled = (c: MarkdownCall) => (c.enabled ? '' : ' (disabled)');
  if (changes.changed.length > 0) {
    out.push(
      `**Changed since placed (${changes.changed.length})** — later slots use the new definition:`,
      ...rowsList(
        changes.changed.map((c) => ({ ...c, campaign: c.call.campaign })),
        ({ call, placed }) =>
          `- ${code(call.name)}${disabled(call)} at ${where(call)}: placed as ${code(short(placed))}, now ${code(short(call.definition))}`,
      ),
      '',
    );
  }
  if (changes.added.length > 0) {
    out.push(
      `**New (${changes.added.length})** — never placed:`,
      ...rowsList(changes.added, (c) => `- ${code(c.name)}${disabled(c)} at ${where(c)}`),
      '',
    );
  }
  if (changes.removed.length > 0) {
    out.push(
      `**No longer defined (${changes.removed.length})** — their entries stay in the lockfile:`,
      ...rowsList(
        changes.removed.map((r) => ({ ...r, campaign: campaignOfName(r.name) })),
        (r) => `- ${code(r.name)} (${r.entries} ${r.entries === 1 ? 'entry' : 'entries'})`,
      ),
      '',
    );
  }
  return out;
};

export const renderPlanMarkdown = (input: PlanMarkdownInput): string => {
  const { plan } = input;
  const ctx: Ctx = {
    target: plan.target,
    zones: new Map(input.calls.map((c) => [c.name, c.timezone])),
  };
  const out: string[] = [
    PLAN_COMMENT_MARKER,
    '## callops plan',
    '',
    `${cell(input.targetNote)} · evaluated at ${utc(plan.now)}`,
    '',
  ];
  const count = (n: number) => `${n} ${n === 1 ? 'call' : 'calls'}`;
  out.push(`### Due on merge: ${count(plan.due.length)}`, '');
  if (plan.due.length === 0) out.push('Nothing is due: merging places no call now.', '');
  else
    out.push(
      '`callops apply` places these once this is merged:',
      '',
      ...itemTable(plan.due, ctx, true),
      '',
    );
  if (plan.upcoming.length > 0) {
    out.push(
      `### Upcoming: ${plan.upcoming.length} slots`,
      '',
      ...itemTable(plan.upcoming, ctx, false),
      '',
    );
  }
  if (plan.missed.length > 0) {
    out.push(
      `### Missed: ${plan.missed.length}`,
      '',
      'Their deadline passed; they are never placed late.',
      '',
      ...reasonList(plan.missed),
      '',
    );
  }
  const suppressed = plan.suppressed ?? [];
  if (suppressed.length > 0) {
    out.push(
      `### Suppressed: ${suppressed.length}`,
      '',
      'On a do-not-call list: never sent.',
      '',
      ...reasonList(suppressed),
      '',
    );
  }
  const waiting = plan.waiting ?? [];
  if (waiting.length > 0) {
    out.push(`### Waiting: ${waiting.length}`, '', ...reasonList(waiting), '');
  }
  if (plan.skipped.length > 0) {
    out.push(`### Skipped: ${plan.skipped.length}`, '', ...reasonList(plan.skipped), '');
  }
  out.push(...changesSection(lockChanges(input.calls, input.lock), input.lockName));
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${…} reference
  out.push('<sub>Destinations are shown as written: `${…}` references, never their values.</sub>');
  return `${out.join('\n')}\n`;
};
