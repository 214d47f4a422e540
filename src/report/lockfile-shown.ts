import { lazyList, Run } from '../campaign/lazy-list.js';
import { amendItem } from '../plan/item.js';
import type { TargetNotes } from '../plan/target-notes.js';
import type { Plan, PlanItem } from '../plan/types.js';
import type { Secret } from '../resolve/interpolate.js';
import { sameKeysAs, summaryOf } from '../state/calls-summary.js';
import type { LockEntry, Lockfile, PreviousPlacement } from '../state/types.js';
import { makeRedactor, WITHHELD } from './redact.js';
import type { Unsettled } from './unsettled.js';

/**
 * Text of the lockfile as `status`, `plan`, `report`, `apply` and `run` show it. callops
 * never records a secret there (a sid or Call-ID that holds one is refused, a message is
 * redacted before it is stored), but a hand edit, or a merge of another writer's lockfile,
 * can put one in any field: each string read from it is shown with every secret the command
 * knows replaced.
 */
export interface LockfileText {
  /**
   * A key, sid, Call-ID, time, digest or file name, or a line quoting one: as it is, unless it
   * holds a secret as written (in any case; one of 8 characters or more anywhere in it, a
   * shorter one as the whole text) — the redactor's quick answer, as for a sid the gateway
   * answers. Such a text carries a value as a hand puts it there; searched for every encoding
   * of every value, a short value that a sid or digest holds by chance (`8080`, in one of
   * 2,000) would turn into a marker, and the plan compares digests.
   */
  (text: string): string;
  /** Whether the text holds a secret as the call above finds one (and would change it). */
  readonly holds: (text: string) => boolean;
  /** A message (the gateway's words, or another writer's): redacted as every message is. */
  readonly message: (text: string) => string;
}

/** Distinct messages remembered (a lockfile's failed entries mostly share a few). */
const MESSAGES_KEPT = 10_000;

/**
 * The lockfile's text as shown with `secrets` hidden; `undefined` when there are none. Made
 * once per command: `apply` and `run`, which read and write the lockfile itself, show what
 * they print of it through this (shownItems, shownUnsettled).
 */
export const lockfileText = (secrets: readonly Secret[]): LockfileText | undefined => {
  if (secrets.length === 0) return undefined;
  const redact = makeRedactor(secrets);
  const holds = redact.holds ?? ((text: string) => redact(text) !== text);
  /** The text redacted, or withheld whole when a value (in another case) stays in it. */
  const safe = (redacted: string): string => (holds(redacted) ? WITHHELD : redacted);
  const messages = new Map<string, string>();
  const message = (text: string): string => {
    let shown = messages.get(text);
    if (shown === undefined) {
      shown = safe(redact(text));
      if (messages.size >= MESSAGES_KEPT) messages.clear();
      messages.set(text, shown);
    }
    return shown;
  };
  return Object.assign((text: string) => (holds(text) ? safe(redact(text)) : text), {
    holds,
    message,
  });
};

/** Of each lockfile view: how its text is shown. */
const texts = new WeakMap<object, LockfileText>();

const same = Object.assign((text: string) => text, {
  holds: () => false,
  message: (text: string) => text,
});

/** How the text of `lock` is shown: as it is, unless `lock` is a view made by shownLockfile. */
export const textOf = (lock: Lockfile): LockfileText => texts.get(lock.calls) ?? same;

const shownPlacement = (p: PreviousPlacement, text: LockfileText): PreviousPlacement => ({
  ...p,
  sid: text(p.sid),
  at: text(p.at),
  ...(p.callId !== undefined && { callId: text(p.callId) }),
  ...(p.number !== undefined && { number: text(p.number) }),
});

/** Whether an entry (or its key, when given) holds a secret: whether shownEntry changes it. */
type EntryTest = (entry: LockEntry, key?: string) => boolean;

/**
 * The test of entries for `text`: asked of every entry a status reads, so each string is
 * asked on its own (no list or joined text made), and the definition and file, which the
 * entries of a call share, only when they are not those of the entry asked about before.
 */
const entryTest = (text: LockfileText): EntryTest => {
  const { holds } = text;
  let definition: string | undefined;
  let file: string | undefined;
  return (entry, key) => {
    const { sid, callId, number, message, history, outcome } = entry;
    if (
      (key !== undefined && holds(key)) ||
      holds(entry.at) ||
      (entry.definition !== definition && holds(entry.definition)) ||
      (entry.file !== file && holds(entry.file)) ||
      (sid !== undefined && holds(sid)) ||
      (callId !== undefined && holds(callId)) ||
      (number !== undefined && holds(number)) ||
      (outcome?.ended_at !== undefined && holds(outcome.ended_at))
    )
      return true;
    definition = entry.definition;
    file = entry.file;
    for (const p of history ?? []) {
      if (holds(p.sid) || holds(p.at)) return true;
      if (p.callId !== undefined && holds(p.callId)) return true;
      if (p.number !== undefined && holds(p.number)) return true;
    }
    return message !== undefined && text.message(message) !== message;
  };
};

/** The entry with each string in it shown (the same object when none holds a secret). */
const shownEntry = (entry: LockEntry, text: LockfileText, test: EntryTest): LockEntry => {
  if (!test(entry)) return entry;
  const { sid, callId, number, message, history, outcome } = entry;
  return {
    ...entry,
    at: text(entry.at),
    definition: text(entry.definition),
    file: text(entry.file),
    ...(sid !== undefined && { sid: text(sid) }),
    ...(callId !== undefined && { callId: text(callId) }),
    ...(number !== undefined && { number: text(number) }),
    ...(message !== undefined && { message: text.message(message) }),
    ...(history !== undefined && { history: history.map((p) => shownPlacement(p, text)) }),
    ...(outcome?.ended_at !== undefined && {
      outcome: { ...outcome, ended_at: text(outcome.ended_at) },
    }),
  };
};

/**
 * The lockfile as `status`, `plan` and `report` read it, to show it: each entry with every
 * string in it shown by lockfileText of the command's known secrets (knownSecrets). The
 * keys are those of the lockfile — looked up, listed and searched as the lockfile's are
 * (through its index when it has one), since plans are made of them — and are shown through
 * `textOf(view)` where they are printed. A lockfile held in memory is looked through once:
 * when no key or entry holds a secret (as nearly always), it is returned itself, and costs
 * nothing more. Without a known secret, the lockfile itself. Never written: a command that
 * records reads the lockfile itself.
 */
export const shownLockfile = (lock: Lockfile, secrets: readonly Secret[]): Lockfile => {
  const text = lockfileText(secrets);
  if (text === undefined) return lock;
  const { calls } = lock;
  let view: Lockfile['calls'];
  if (summaryOf(calls) === undefined) {
    const shown = eagerView(calls, text);
    if (shown === undefined) return lock;
    view = shown;
  } else view = lazyView(calls, text);
  sameKeysAs(view, calls);
  texts.set(view, text);
  return { ...lock, calls: view };
};

/**
 * Entries held in memory (a lockfile read whole), each looked at once: undefined when no key
 * or entry holds a secret, else every entry as shown, in an object of their own (the keys in
 * the same order) that every later read and listing reads as it reads the lock.
 */
const eagerView = (
  calls: Lockfile['calls'],
  text: LockfileText,
): Record<string, LockEntry> | undefined => {
  const keys = Object.keys(calls);
  const test = entryTest(text);
  if (!keys.some((key) => test(calls[key] as LockEntry, key))) return undefined;
  const view: Record<string, LockEntry> = {};
  for (const key of keys) {
    const value = shownEntry(calls[key] as LockEntry, text, test);
    // An own `__proto__` (a key JSON may hold) is defined, not assigned: that sets the prototype.
    if (key === '__proto__')
      Object.defineProperty(view, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else view[key] = value;
  }
  return view;
};

/**
 * Entries read through the index, each when it is read (and read again when read again, as
 * the index does: none is held): each shown as it is read. The file does not change while it
 * is read (the index checks that it is the one it describes): the keys whose entry holds no
 * secret are noted, and their entry is not looked through again (status reads each twice).
 */
const lazyView = (calls: Lockfile['calls'], text: LockfileText): Lockfile['calls'] => {
  const clean = new Set<string>();
  const test = entryTest(text);
  const shownAt = (key: string): LockEntry | undefined => {
    const entry = calls[key];
    if (entry === undefined || clean.has(key)) return entry;
    const shown = shownEntry(entry, text, test);
    if (shown === entry) clean.add(key);
    return shown;
  };
  // It stands on an empty object, as the index's own view does: the checks a proxy makes of
  // its target after each answer then cost nothing (a search of the index's keys, else).
  const target: Lockfile['calls'] = Object.create(null);
  // The keys, listed once (the index lists them from the file) and then known by heart: a
  // listing asks of each key whether it is there, and status lists them several times.
  let keys: (string | symbol)[] | undefined;
  let known: Set<string | symbol> | undefined;
  return new Proxy(target, {
    get: (_, key) => (typeof key === 'string' ? shownAt(key) : undefined),
    has: (_, key) => Reflect.has(calls, key),
    ownKeys: () => {
      keys ??= Reflect.ownKeys(calls);
      return keys;
    },
    getOwnPropertyDescriptor: (_, key) => {
      if (typeof key !== 'string') return undefined;
      if (keys !== undefined) {
        known ??= new Set(keys);
        return known.has(key)
          ? { get: () => shownAt(key), enumerable: true, configurable: true }
          : undefined;
      }
      const found = Reflect.getOwnPropertyDescriptor(calls, key);
      if (found === undefined) return found;
      return found.get !== undefined
        ? { ...found, get: () => shownAt(key) }
        : { ...found, value: shownAt(key) };
    },
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
  });
};

/**
 * The item with its reason shown by `text` (the same item when that leaves it as it is): a
 * reason may quote the lockfile (`already placed <sid> at …`, a key of a call's old name).
 */
export const shownItem = (i: PlanItem, text: LockfileText): PlanItem => {
  if (i.reason === undefined) return i;
  const reason = text(i.reason);
  return reason === i.reason ? i : amendItem(i, { reason });
};

/**
 * The items, each shown by `text` as it is read (shownItem); the list itself without `text`.
 * What is planned and placed is the list given: only what is printed is read through this.
 */
export const shownItems = (
  items: readonly PlanItem[],
  text: LockfileText | undefined,
): readonly PlanItem[] =>
  text === undefined || items.length === 0
    ? items
    : lazyList([new Run(items.length, (n) => shownItem(items[n] as PlanItem, text))]);

/**
 * The unknown entries as the lockfile's text is shown (unsettledEntries of the lockfile
 * itself, as `apply` and `run` list them): the key, time, file and hint as keys are, the
 * message as messages are. The list itself without `text`; each entry itself when nothing in
 * it holds a secret.
 */
export const shownUnsettled = (
  list: readonly Unsettled[],
  text: LockfileText | undefined,
): readonly Unsettled[] =>
  text === undefined || list.length === 0
    ? list
    : list.map((u) => {
        const { key, at, file, hint, message } = u;
        const shown = message === undefined ? undefined : text.message(message);
        const { holds } = text;
        if (shown === message && !holds(key) && !holds(at) && !holds(file) && !holds(hint))
          return u;
        return {
          ...u,
          key: text(key),
          at: text(at),
          file: text(file),
          hint: text(hint),
          ...(shown !== undefined && { message: shown }),
        };
      });

/**
 * The plan with each item's reason shown as the lockfile's text is (`textOf(lock)`): a reason
 * may quote a key of the lockfile (a slot already dialled under a call's old name). Its
 * lists are read as they are, each item when it is read.
 */
export const shownPlan = (plan: Plan, lock: Lockfile): Plan => {
  const text = texts.get(lock.calls);
  if (text === undefined) return plan;
  const list = (items: readonly PlanItem[]) => shownItems(items, text);
  return {
    ...plan,
    due: list(plan.due),
    upcoming: list(plan.upcoming),
    missed: list(plan.missed),
    skipped: list(plan.skipped),
    ...(plan.suppressed !== undefined && { suppressed: list(plan.suppressed) }),
    ...(plan.waiting !== undefined && { waiting: list(plan.waiting) }),
    ...shownTargetNotes(plan, text),
  };
};

/**
 * The notes on other targets' entries (TargetNotes) with each target shown as the lockfile's
 * text is: a target no longer defined is named by the lockfile's keys alone.
 */
export const shownTargetNotes = (notes: TargetNotes, text: LockfileText): TargetNotes => ({
  ...(notes.goneTargets !== undefined && {
    goneTargets: notes.goneTargets.map((g) => ({ ...g, target: text(g.target) })),
  }),
  ...(notes.sameGateway !== undefined && {
    sameGateway: notes.sameGateway.map((g) => ({ ...g, target: text(g.target) })),
  }),
  ...(notes.unresolvedTargets !== undefined && {
    unresolvedTargets: notes.unresolvedTargets.map((g) => ({ ...g, target: text(g.target) })),
  }),
});
