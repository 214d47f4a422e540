import { setMaxListeners } from 'node:events';
import { RecipientsChanged } from '../config/recipients.js';
import { DefinitionsChanged, type DefinitionsWatch } from '../config/watched.js';
import type { GatewayClient } from '../execute/client.js';
import type { ExecuteEvent } from '../execute/context.js';
import {
  NOT_SENT_INTERRUPTED,
  NoLongerDue,
  noOutcomes,
  type Outcome,
  type OutcomeCounts,
  StoppedBeforeSend,
} from '../execute/outcome.js';
import type { RateLimiter } from '../execute/rate.js';
import type { RequestSource } from '../execute/run.js';
import type { CallRequest, ResolvedTarget } from '../execute/target.js';
import { numberOfCall } from '../plan/item.js';
import { laterScope, laterWords } from '../plan/later-claim.js';
import { earlierAttempts, reachedWords } from '../plan/redial-claim.js';
import { type SlotOwners, slotClaimHeld, slotScope } from '../plan/renamed-claim.js';
import { callClaimHeld, callScope, repeatedOnceSid } from '../plan/rescheduled-claim.js';
import { claimRefused, claimScope, type RowNumber } from '../plan/shifted.js';
import { keyClaimHeld, keyScope, type PlannedKeys, repeatedSid } from '../plan/twin-claim.js';
import { recordedGateway, targetTwins } from '../plan/twins.js';
import type { PlanItem } from '../plan/types.js';
import { limitedReason, type PerNumberLimit } from '../screen/limit.js';
import { type Listed, suppressedReason } from '../screen/list.js';
import type { Suppression } from '../screen/load.js';
import { destinationNumber, numberDigest } from '../screen/number.js';
import type { DefinitionMeta } from '../state/record.js';
import { RunLockLost } from '../state/runlock.js';
import {
  type CallScope,
  type CampaignScope,
  type ClaimResult,
  type KeyScope,
  MayBeWritten,
  NotClaimed,
  type SlotScope,
  type StateStore,
} from '../state/store.js';
import type { Lockfile } from '../state/types.js';
import { awaitRecord, recordSettled } from './answered.js';
import { EngineError } from './errors.js';
import type { EngineEvent } from './events.js';
import { follow } from './follow.js';
import { sidLedger } from './sids.js';
import { slotOrder } from './slot-order.js';
import {
  RECORD_AGAIN_MS,
  type UnrecordedOutcomes,
  unrecordedOutcomes,
  within,
  worthRecordingAgain,
} from './unrecorded.js';
import {
  exitingLine,
  keptClaimReason,
  keptOutcome,
  recordedLateWords,
  unrecordedOutcome,
} from './unsettled-words.js';

export interface PlaceInput {
  /** The due items, in the order their requests go. */
  readonly items: readonly PlanItem[];
  /**
   * The request of an item, built when its turn comes (not held for the whole run). One that
   * cannot be built (a campaign's CSV changed since it was read) stops the run.
   */
  readonly request: (item: PlanItem) => CallRequest;
  readonly targets: ReadonlyMap<string, ResolvedTarget>;
  readonly store: StateStore;
  readonly onEvent: (event: EngineEvent) => void;
  readonly redact: (text: string) => string;
  readonly signal: AbortSignal;
  /** `apply --retry-unknown` (or a plan file made with it): unknown keys may be claimed. */
  readonly retryUnknown?: boolean;
  /** Rate limiters kept across batches (`run`). */
  readonly limiters?: Map<string, RateLimiter>;
  /** Do-not-call lists and the per-number limit, checked again just before each request. */
  readonly screen?: SendScreen;
  /**
   * The files the definitions were read from, looked at again before each request (at most
   * every DEFINITIONS_LOOK_MS): one edited since stops the run, as a campaign's CSV that
   * changed does, before another request leaves.
   */
  readonly definitions?: DefinitionsWatch;
  /**
   * The number a campaign row dials, as the plan reads it (`${VAR}` resolved): asked of the
   * row a refused claim names, whether it shares the number (an id column, one phone).
   */
  readonly numberOf?: RowNumber;
  /**
   * The project's calls and campaigns by name: a scheduled call's claim (or a scheduled
   * campaign row's) is then checked against the other keys of its slot that dialled its number
   * since the plan, and held as the plan holds a slot renamed (renamed-claim.ts).
   */
  readonly slotOwners?: SlotOwners;
  /**
   * Which gateway each target places calls on (PlanInput.gateways): every entry records the
   * digest of its target's (recordedGateway), so that a plan where that target does not
   * resolve still knows which gateway placed it. Without it, entries record none.
   */
  readonly gateways?: ReadonlyMap<string, string>;
  /**
   * The state the plan was made from: a claim that `--replace` places again names the
   * entries of its key under other targets it read there (twin-claim.ts), the only ones it
   * may stand beside, and the sid it repeats. Without it, none.
   */
  readonly planned?: Lockfile;
  /**
   * `run` on a database store: the outcomes the state could not record are kept here, and
   * that run records them once the database answers again (before it places anything more,
   * and as it ends). Without it, the batch tries again as it ends, for RECORD_AGAIN_MS.
   */
  readonly unrecorded?: UnrecordedOutcomes;
  /**
   * Whether `outcomes` lists the placed calls too (default true). Without, only the others
   * are listed (failed, unknown, missed: those a report names one by one) and `counts` says
   * how many were placed: no object a call is kept for the whole run.
   */
  readonly listPlaced?: boolean;
  /**
   * A rehearsal's (`apply --now`): its instant minus the real time. A slot's claim is then
   * refused for a later slot of its call up to that instant alone (LaterScope); without it,
   * on the real clock, as the plan reads the state.
   */
  readonly rehearsalShiftMs?: number;
}

/** What is checked just before each request, on the number it is about to dial. */
export interface SendScreen {
  /** The do-not-call lists, read again when their file changed since. */
  readonly suppression?: Suppression;
  /** `limits.per_number`: enforced by the store, inside the claim. */
  readonly perNumber?: PerNumberLimit;
}

/** A placement the screen held back just before its request: never sent, no entry. */
export interface HeldBack {
  readonly key: string;
  readonly reason: string;
}

export interface PlaceResult {
  /** The state's view once the outcomes are recorded (empty when `unread`). */
  readonly lock: Lockfile;
  /**
   * The state could not be read once the outcomes were recorded (a database gone): why. `lock`
   * is empty for that, not because the state holds no entry.
   */
  readonly unread?: string;
  /** The outcomes reported, in request order (placed ones only with `listPlaced`). */
  readonly outcomes: readonly Outcome[];
  /** How many outcomes of each status were reported, listed or not. */
  readonly counts: OutcomeCounts;
  /** The calls not sent, still due; without the rows of `changedRows.file`. */
  readonly notStarted: readonly PlanItem[];
  /**
   * The rows not sent of the campaign CSV that changed during the run: counted, not listed
   * (their ids are in the file that changed).
   */
  readonly changedRows?: { readonly file: string; readonly notStarted: number };
  readonly interrupted: boolean;
  readonly elapsedMs: number;
  /**
   * Keys another runner claimed first (Postgres store), found at their claim: that runner
   * places and records them; not sent by this one, no entry. Counted as the keys the plan
   * found another runner placing.
   */
  readonly inFlight: readonly HeldBack[];
  /**
   * Keys whose claim found an outcome recorded since this run read the state (another runner
   * placed them, or left them unknown, after this one planned): settled, not in flight; not
   * sent by this one, no entry. Counted apart from `inFlight`.
   */
  readonly recordedElsewhere: readonly RecordedElsewhere[];
  /**
   * Other keys skipped at their claim: a replacement another runner made first, a campaign
   * row whose number was dialled under another key since the plan, or a slot placed to their
   * number under a name the project has no call of (a claim another runner
   * made meanwhile), a call that runs once whose call placed its number under another key of
   * its own meanwhile (its schedule changed in another checkout), or a redial whose row an
   * earlier attempt's answer (recorded meanwhile) ended: not sent by this one, no entry; each
   * reason says which.
   */
  readonly claimedElsewhere: readonly HeldBack[];
  /** On a do-not-call list when their request was about to leave: not sent, no entry. */
  readonly suppressed: readonly HeldBack[];
  /**
   * Held back by the per-number limit at their claim, or campaign rows whose calling hours
   * closed before their request left: not sent, no entry, still due.
   */
  readonly waiting: readonly HeldBack[];
  /**
   * Never sent, but their claim could not be given up (a database gone): the state holds it
   * without an outcome, `unknown` there until `callops resolve KEY --not-placed`. Each reason
   * says why it was not sent and gives that command. Not in the lists above.
   */
  readonly stillClaimed: readonly HeldBack[];
  /**
   * How many outcomes went to `unrecorded` (kept to be recorded later): listed and counted
   * `unknown` for now, each saying that its run records it; no failure by themselves.
   */
  readonly kept: number;
  /**
   * The state could not be written (a full disk under the journal or the lockfile, a database gone): one
   * line for the user, given after the summary. What was recorded stays recorded; nothing
   * more was sent.
   */
  readonly stateError?: EngineError;
  /**
   * A request could not be built (its campaign's CSV changed), or a file of the definitions
   * changed: the run stopped there, as on a first SIGINT, and says why after the summary.
   * What was placed is recorded. Its cause is the RecipientsChanged or DefinitionsChanged.
   */
  readonly stopped?: EngineError;
}

/**
 * The first stop (SIGINT/SIGTERM) ends new calls but lets the requests already on the wire
 * finish (each bounded by the target's request timeout), so that their answers are recorded
 * rather than turned into `unknown`: the client is given no abort signal for a request.
 */
const unabortable = (client: GatewayClient): GatewayClient => ({
  target: client.target,
  post: (request) => client.post(request),
  close: () => client.close(),
});

/** What the executor says of a call a stop caught after its claim, before its request left. */
const UNSENT = NOT_SENT_INTERRUPTED;

/**
 * A call the stop caught before anything left for it: nothing happened at the gateway, so
 * it is "not sent — still due", like a call never started, and gets no entry.
 */
const isUnsent = (o: Outcome): boolean => o.status === 'failed' && o.message === UNSENT;

/** Why a call `--replace` places again was not: another runner replaced `sid` first. */
const replacedWords = (sid: string): string => `not replaced: another runner replaced ${sid} first`;

/** A call between its turn and its outcome. */
interface Live {
  readonly item: PlanItem;
  /** Its place in the run's items. */
  readonly index: number;
  /**
   * Its definition hash, read with its request: a campaign row's is read from its CSV, which
   * may have changed by the time its outcome is recorded.
   */
  readonly definition: string;
  /**
   * Attempts whose claim the state holds (0: none). One the per-number limit refused is not
   * counted: the claim held is then the earlier attempt's, given up as the call is held back.
   */
  attempts: number;
  /** The digest of the number it dials, once known. */
  number: string | undefined;
  /** The digest of the gateway it goes to (recordedGateway), if known. */
  readonly gateway: string | undefined;
}

/** A due key whose claim found an outcome recorded since the run planned: which, and why not sent. */
export interface RecordedElsewhere extends HeldBack {
  readonly status: 'placed' | 'unknown';
}

const recordedWords = (status: 'placed' | 'unknown'): string =>
  status === 'placed'
    ? 'placed by another runner since this one planned'
    : 'unknown since this one planned: another runner may have placed it (see `callops status`)';

/** A claim refused because another runner has the key: not an error, not sent. */
class ClaimedElsewhere extends Error {}

/** A request the screen held back (do-not-call, per-number limit): not an error, not sent. */
class Held extends Error {}

/**
 * execute → record: every attempt is claimed in the store (durably) before its request
 * leaves, every outcome is recorded when it arrives, and the store persists once at the end.
 * A crash anywhere leaves claims the next command folds in as `unknown`.
 */
export const placeCalls = async (input: PlaceInput): Promise<PlaceResult> => {
  // The batch's own stop, following the run's signal until the batch ends (follow.ts).
  const { controller, release } = follow(input.signal);
  try {
    return await placeBatch(input, controller);
  } finally {
    release();
  }
};

const placeBatch = async (input: PlaceInput, stop: AbortController): Promise<PlaceResult> => {
  const { createGatewayClient } = await import('../execute/client.js');
  const { executeCalls } = await import('../execute/run.js');
  const { store, items } = input;
  // What the run knows of a call from its turn to its outcome, and only then: nothing per
  // call is kept for the whole run but whether it was settled.
  const live = new Map<string, Live>();
  const settled = new Uint8Array(items.length);
  // No slot is sent after a later one of its call that this batch placed (the plan sees to
  // those the state held before).
  const order = slotOrder(items);
  // Built with every field in one order (absent ones undefined, which every store reads as
  // absent): objects of one shape, not one per combination of optional fields.
  const metaOf = (l: Live | undefined): DefinitionMeta => {
    if (l === undefined)
      return {
        definition: '',
        file: '',
        replace: undefined,
        number: undefined,
        gateway: undefined,
      };
    const { item, number, gateway } = l;
    return {
      definition: l.definition,
      file: item.file,
      replace: item.replaces === undefined ? undefined : true,
      number,
      gateway,
    };
  };
  /** An outcome with where its definition came from, in one shape. */
  const recordOf = (o: Outcome, l: Live | undefined): Outcome & DefinitionMeta => ({
    key: o.key,
    status: o.status,
    at: o.at,
    sid: o.sid,
    callId: o.callId,
    httpStatus: o.httpStatus,
    message: o.message,
    attempts: o.attempts,
    definition: l === undefined ? '' : l.definition,
    file: l === undefined ? '' : l.item.file,
    replace: l === undefined || l.item.replaces === undefined ? undefined : true,
    number: l?.number,
    gateway: l?.gateway,
  });
  // One digest per target, one string shared by all its entries.
  const gateways = new Map<string, string | undefined>();
  const gatewayOf = (target: string): string | undefined => {
    if (!gateways.has(target)) gateways.set(target, recordedGateway(input.gateways?.get(target)));
    return gateways.get(target);
  };
  const { screen } = input;
  const numberOf = input.numberOf ?? numberOfCall;
  const limit =
    screen?.perNumber === undefined
      ? undefined
      : { count: screen.perNumber.count, windowMs: screen.perNumber.windowMs };
  const retryUnknown = input.retryUnknown === true ? true : undefined;
  // What the plan read of a key under other targets: asked by a claim that places a call again.
  let plannedKeys: PlannedKeys | undefined;
  const planned = (): PlannedKeys => {
    const lock = input.planned ?? { lockfileVersion: 1, calls: {} };
    plannedKeys ??= { lock, twins: targetTwins(lock, input.slotOwners?.gateways) };
    return plannedKeys;
  };
  // A call pinned to a target that could not be set up (`env` without CALLOPS_*) has no
  // client: executeCalls fails it unsent, and the others still go.
  const clients = new Map(
    [...new Set(items.map((i) => i.target))].flatMap((name) => {
      const target = input.targets.get(name);
      return target ? [[name, unabortable(createGatewayClient(target))] as const] : [];
    }),
  );
  const source: RequestSource = {
    length: items.length,
    target: (index) => (items[index] as PlanItem).target,
    request: (index) => {
      const item = items[index] as PlanItem;
      let request: CallRequest;
      let definition: string;
      try {
        request = input.request(item);
        definition = item.definition;
      } catch (error) {
        stopFor(error);
        return undefined;
      }
      // Its hours closed before its turn: held back at once, without waiting for the rate.
      if (isClosed(request)) {
        waiting.set(request.key, heldWords(request));
        settled[index] = 1;
        return undefined;
      }
      live.set(request.key, {
        item,
        index,
        definition,
        attempts: 0,
        number: undefined,
        gateway: gatewayOf(item.target),
      });
      return request;
    },
  };
  // One call has one sid: a 201 with a sid the state has for another key is not trusted.
  const sids = sidLedger(async () => (await store.read()).lock);
  // Timed on a clock that only goes forward: a wall clock stepped back gives no negative time.
  const started = performance.now();
  // Writes still pending: each leaves the set once settled, so none is held for the run.
  const writes = new Set<Promise<void>>();
  // The first failure to write the state; from then on no request leaves (stateFailed).
  let claimError: unknown;
  // Calls whose outcome the store refused to record: their line waits for the end, when the
  // state says whether it holds them (the file store still writes them into the lockfile).
  const unrecorded = new Map<string, Unrecorded>();
  // Claims this run could not give up, though their request never left: tried again at the
  // end; those the state may still hold are listed with the command that settles them.
  const kept = new Map<string, KeptClaim>();
  /** Give up the claim of a call whose request never left; a failure is kept for the end. */
  const giveUp = (entry: Outcome & DefinitionMeta, l: Live | undefined): Promise<void> =>
    store.abandon(entry).catch((error: unknown) => {
      // Only a claim this run made is held in the state (attempts 0: none). One whose write
      // may or may not have made it is said so.
      if (l !== undefined && l.attempts > 0) {
        const why = mayStand.get(entry.key) ?? error;
        kept.set(entry.key, { entry, error: why, given: false });
      }
      throw error;
    });
  // Claims whose write failed yet may be in the state (MayBeWritten), with that failure.
  const mayStand = new Map<string, MayBeWritten>();
  // Calls whose first claim failed or went to another runner (to place it, or to replace it
  // first): never sent, not recorded here.
  const unsent = new Set<string>();
  const elsewhere = new Map<string, string>();
  const recordedElsewhere = new Map<string, 'placed' | 'unknown'>();
  const replacedElsewhere = new Map<string, string>();
  const isElsewhere = (key: string) =>
    elsewhere.has(key) || recordedElsewhere.has(key) || replacedElsewhere.has(key);
  const suppressed = new Map<string, string>();
  const waiting = new Map<string, string>();
  // Campaign rows whose claim found their number dialled under another key, and slots whose
  // claim found them placed to their number under a name renamed since: held, skipped.
  const dialled = new Map<string, string>();
  let outcomes: Outcome[] = [];
  // Folded as the outcomes are reported: the list need not hold them all.
  const counts = noOutcomes();
  let stoppedCall = false;
  const listPlaced = input.listPlaced !== false;
  // A request that cannot be built stops the run as a first SIGINT does: no new request
  // leaves, those on the wire finish and are recorded, a call caught before its request left
  // gets no entry; the store is written once every call is settled.
  const { signal } = stop;
  // Every retry's wait and every wait for a rate slot listens on it: as many as the
  // concurrency allows, which is no leak (each listener goes once its wait ends).
  setMaxListeners(0, signal);
  let stopError: unknown;
  /** Stops the run for `error` (a campaign's CSV, or a call file, changed), saying so at the first. */
  const stopFor = (error: unknown): void => {
    if (stopError === undefined) {
      stopError = error;
      input.onEvent({ type: 'run:stopping', reason: input.redact(stopReason(error)) });
    }
    stop.abort();
  };
  /**
   * A campaign's CSV changed under a call about to leave (its row read again for its claim,
   * or the row a refused claim names), or a file of the definitions did: the run stops as
   * when a request cannot be built, and the call is one a stop caught before its request
   * left: not sent, no entry, still due. A claim held for it (this attempt's, or an earlier
   * attempt's, which the gateway certainly did not place) is given up; without one, nothing
   * is recorded.
   */
  const caughtByChange = (
    request: CallRequest,
    l: Live,
    attempt: number,
    claimed: boolean,
    error: RecipientsChanged | DefinitionsChanged,
  ): never => {
    stopFor(error);
    l.attempts = claimed ? attempt : attempt - 1;
    if (l.attempts === 0) unsent.add(request.key);
    throw new StoppedBeforeSend(error.message);
  };
  /**
   * The state could not be written: nothing more is sent in this run, though a later claim
   * might succeed (a database back a moment later). The run stops as on a first SIGINT, but
   * silently (the state's error is said after the summary): no new call starts, those on
   * the wire finish and are recorded, a call claimed meanwhile gives its claim up unsent.
   */
  const stateFailed = (error: unknown): void => {
    claimError ??= error;
    stop.abort();
  };
  /** Holds back a campaign row whose calling hours have closed: not sent, still due. */
  const holdIfClosed = (request: CallRequest): void => {
    if (!isClosed(request)) return;
    waiting.set(request.key, heldWords(request));
    throw new Held('calling hours closed');
  };
  try {
    outcomes = await executeCalls(source, {
      ...(listPlaced ? {} : { keep: (o: Outcome) => o.status !== 'placed' }),
      clients,
      targets: input.targets,
      signal,
      redact: input.redact,
      ...(input.limiters ? { limiters: input.limiters } : {}),
      sidHolder: (key, sid) => {
        // A 201: from now on, callops exiting at once says the sid (the check below reads
        // the state, and a state database that hangs holds it up to its time limit).
        awaitRecord(key, () => exitingLine({ key, status: 'placed', sid }, input.redact));
        return sids.holder(key, sid);
      },
      beforeSend: async (request) => {
        const l = live.get(request.key);
        if (l === undefined) throw new Error(`${request.key} is not being placed by this run`);
        const attempt = l.attempts + 1;
        // Whether this attempt's claim is held (a stop that comes after it gives it up).
        let claimed = false;
        try {
          // Its definition as the files say now: an edit (hours narrowed, the call disabled)
          // stops the run before the request leaves. Looked at before its claim and again
          // once claimed, at most every DEFINITIONS_LOOK_MS.
          await input.definitions?.check();
          // A campaign row whose calling hours closed is held back, still due: checked before
          // its claim and again once claimed, just before the request leaves.
          holdIfClosed(request);
          // A write of the state failed already (another call's claim or outcome): not claimed.
          if (claimError !== undefined) {
            if (attempt === 1) unsent.add(request.key);
            throw claimError;
          }
          // Never after a later slot of its call (slotOrder): looked at before its claim, and
          // again once claimed, just before the request leaves. Missed: a claim is given up.
          const passed = order.passed(l.item, attempt > 1);
          if (passed !== undefined) throw new NoLongerDue(input.redact(passed));
          const number = destinationNumber(request.body.to);
          if (number !== undefined && screen?.suppression !== undefined) {
            let listed: Listed | undefined;
            try {
              listed = await screen.suppression.check(number);
            } catch (error) {
              stateFailed(error);
              if (attempt === 1) unsent.add(request.key);
              throw error;
            }
            if (listed !== undefined) {
              suppressed.set(request.key, suppressedReason(listed));
              throw new Held('on a do-not-call list');
            }
          }
          l.attempts = attempt;
          // Recorded whether or not a limit is set now: a limit set later counts these calls.
          if (number !== undefined) l.number = numberDigest(number);
          let won: ClaimResult;
          // A campaign row's claim is refused when its campaign dialled the number under
          // another key meanwhile, under any target; made again with that row when the row
          // shares the number, or with that key when its target is another gateway.
          let campaign: CampaignScope | undefined =
            l.number === undefined ? undefined : claimScope(l.item);
          // A slot's claim is refused when another key placed the slot to the number meanwhile;
          // made again with that key let through when the plan would place the slot beside it.
          let sameSlot: SlotScope | undefined =
            l.number === undefined || input.slotOwners === undefined
              ? undefined
              : slotScope(l.item);
          // A claim is refused when its key (but for its target) was claimed or placed under
          // another target meanwhile; made again with that key let through when the plan would
          // place it beside (a target the project defines on another gateway).
          let sameKey: KeyScope | undefined =
            input.slotOwners === undefined ? undefined : keyScope(l.item, planned);
          // A redial's claim is refused when an earlier attempt of its row was answered (or
          // declined) meanwhile: the row is done, as the plan says.
          const earlier =
            input.slotOwners === undefined ? undefined : earlierAttempts(l.item, planned);
          // A claim of a call that runs once is refused when its call placed its number under
          // another key of its own meanwhile (its schedule changed in another checkout); made
          // again with that key let through when the plan would place it beside.
          let sameCall: CallScope | undefined =
            input.slotOwners === undefined ? undefined : callScope(l.item, planned);
          // The sid a call `--replace` places again: refused under another target's name, or
          // under another key of its call, it was replaced there first.
          const repeated = repeatedSid(l.item, planned);
          const repeatedOnce =
            sameCall?.once === true ? repeatedOnceSid(l.item, planned, l.number) : undefined;
          // A slot's claim is refused when a later slot of its call was placed, may have been,
          // or is being placed by another runner meanwhile (or by one whose clock is ahead).
          const shift = input.rehearsalShiftMs;
          const later =
            input.slotOwners === undefined
              ? undefined
              : laterScope(l.item, Date.now() + (shift ?? 0), shift !== undefined);
          let heldWhy: string | undefined;
          let supersededWhy: string | undefined;
          try {
            const { item } = l;
            for (;;) {
              won = await store.claim({
                key: request.key,
                target: request.target,
                attempt,
                definition: l.definition,
                file: item.file,
                replace: item.replaces === undefined ? undefined : true,
                replaces: item.replaces?.sid,
                number: l.number,
                gateway: l.gateway,
                at: undefined,
                retryUnknown,
                limit,
                campaign,
                sameSlot,
                sameKey,
                earlier,
                sameCall,
                later,
              });
              if (typeof won === 'object' && 'later' in won) {
                if (later !== undefined) supersededWhy = laterWords(later, won.later);
                break;
              }
              if (typeof won === 'object' && 'reached' in won) {
                heldWhy = reachedWords(item, won.reached, planned);
                break;
              }
              if (typeof won === 'object' && 'keyDialled' in won) {
                const found = won.keyDialled;
                const owners = input.slotOwners;
                if (sameKey === undefined || owners === undefined) break;
                heldWhy = keyClaimHeld(item, found, owners, l.number);
                // A repeat that finds another runner's claim or call there since its plan was
                // replaced first, as one that finds its own key's entry changed.
                if (heldWhy !== undefined && repeated !== undefined)
                  heldWhy = replacedWords(repeated);
                if (heldWhy !== undefined) break;
                // Never asked twice of one key (a store that names it again holds the call).
                if (sameKey.beside?.includes(found.key) === true) {
                  heldWhy = `not placed: already placed as ${found.key}`;
                  break;
                }
                sameKey = { ...sameKey, beside: [...(sameKey.beside ?? []), found.key] };
                continue;
              }
              if (typeof won === 'object' && 'callDialled' in won) {
                const found = won.callDialled;
                const owners = input.slotOwners;
                if (sameCall === undefined || owners === undefined) break;
                heldWhy = callClaimHeld(item, found, owners, l.number);
                // A repeat that finds another runner's claim or call there since its plan was
                // placed again first.
                if (heldWhy !== undefined && repeatedOnce !== undefined)
                  heldWhy = replacedWords(repeatedOnce);
                if (heldWhy !== undefined) break;
                // Never asked twice of one key (a store that names it again holds the call).
                if (sameCall.beside?.includes(found.key) === true) {
                  heldWhy = `not placed: already placed as ${found.key}`;
                  break;
                }
                sameCall = { ...sameCall, beside: [...(sameCall.beside ?? []), found.key] };
                continue;
              }
              if (typeof won === 'object' && 'slotDialled' in won) {
                const found = won.slotDialled;
                const owners = input.slotOwners;
                if (sameSlot === undefined || l.number === undefined || owners === undefined) break;
                heldWhy = slotClaimHeld(item, l.number, found, owners);
                if (heldWhy !== undefined) break;
                // Never asked twice of one key (a store that names it again holds the slot).
                if (sameSlot.beside?.includes(found.key) === true) {
                  heldWhy = `not placed: this slot already dialled its number as ${found.key}`;
                  break;
                }
                sameSlot = { ...sameSlot, beside: [...(sameSlot.beside ?? []), found.key] };
                continue;
              }
              if (typeof won !== 'object' || !('dialled' in won)) break;
              if (number === undefined || campaign === undefined) break;
              const refused = claimRefused(
                item,
                number,
                won.dialled,
                numberOf,
                input.slotOwners?.gateways,
              );
              if ('beside' in refused) {
                // Never asked twice of one key (a store that names it again holds the row).
                if (campaign.beside?.includes(refused.beside) === true) {
                  heldWhy = `not placed: this campaign already dialled its number as ${refused.beside}`;
                  break;
                }
                campaign = { ...campaign, beside: [...(campaign.beside ?? []), refused.beside] };
                continue;
              }
              if (!('sharing' in refused)) {
                heldWhy = refused.reason;
                break;
              }
              // Never asked twice of one row (a store that names it again holds the row).
              if (campaign.sharing?.includes(refused.sharing) === true) {
                heldWhy = refused.reason;
                break;
              }
              campaign = { ...campaign, sharing: [...(campaign.sharing ?? []), refused.sharing] };
            }
          } catch (error) {
            // A row read again that is no longer as read stops the run instead (below).
            if (error instanceof RecipientsChanged) throw error;
            stateFailed(error);
            // Its intent may be in the state all the same: a claim made, given up as a stop
            // caught after its claim gives it up (its request never leaves), never still due.
            if (error instanceof MayBeWritten) {
              mayStand.set(request.key, error);
              throw new StoppedBeforeSend(error.message);
            }
            if (attempt === 1) unsent.add(request.key);
            throw error;
          }
          if (supersededWhy !== undefined) {
            // Missed, as the plan would have it: nothing recorded for this attempt, a retry's
            // earlier claim given up (the gateway certainly did not place it).
            l.attempts = attempt - 1;
            throw new NoLongerDue(input.redact(supersededWhy));
          }
          if (heldWhy !== undefined) {
            // Nothing recorded for this attempt; a retry's earlier claim is given up.
            l.attempts = attempt - 1;
            dialled.set(request.key, input.redact(heldWhy));
            throw new Held('already dialled under another key');
          }
          if (won === 'limited' && screen?.perNumber !== undefined) {
            // Nothing recorded for this attempt; a retry's earlier claim is still held.
            l.attempts = attempt - 1;
            waiting.set(request.key, limitedReason(screen.perNumber));
            throw new Held('per-number limit reached');
          }
          if (won !== true) {
            // A replacement loses once the entry no longer holds the sid its plan named: another
            // runner replaced that call first (or is replacing it now), and one replacement it is.
            const replaced = repeated;
            if (typeof won === 'object' && 'recorded' in won && replaced === undefined)
              // Settled since this run read the state: not in flight, whoever placed it.
              recordedElsewhere.set(request.key, won.recorded);
            else if (replaced === undefined)
              elsewhere.set(request.key, 'being placed by another runner');
            else replacedElsewhere.set(request.key, replacedWords(replaced));
            throw new ClaimedElsewhere('claimed by another runner');
          }
          claimed = true;
          await input.definitions?.check();
          holdIfClosed(request);
          const passedMeanwhile = order.passed(l.item, attempt > 1);
          if (passedMeanwhile !== undefined) throw new NoLongerDue(input.redact(passedMeanwhile));
          order.sending(l.item);
        } catch (error) {
          // The row (or another row of its CSV) is read again on the way to the claim.
          if (error instanceof RecipientsChanged || error instanceof DefinitionsChanged)
            caughtByChange(request, l, attempt, claimed, error);
          throw error;
        }
      },
      onEvent: (event: ExecuteEvent) => {
        if (event.type === 'call:retry') {
          const l = live.get(event.key);
          if (l !== undefined) order.waiting(l.item);
        }
        if (event.type === 'call:done') {
          const { outcome } = event;
          const l = live.get(outcome.key);
          live.delete(outcome.key);
          if (l !== undefined) order.settled(l.item, outcome.status);
          const held =
            suppressed.has(outcome.key) || waiting.has(outcome.key) || dialled.has(outcome.key);
          if (l !== undefined && (held || isElsewhere(outcome.key))) settled[l.index] = 1;
          if (unsent.has(outcome.key) || isElsewhere(outcome.key)) return;
          if (held) {
            // A retry the list or the limit now refuses: its earlier attempt's claim is given
            // up (the gateway certainly did not place that one), so the key gets no entry.
            if (l !== undefined && l.attempts > 0) {
              const given: Promise<void> = giveUp(recordOf(outcome, l), l)
                .catch((error: unknown) => {
                  stateFailed(error);
                })
                .finally(() => writes.delete(given));
              writes.add(given);
            }
            return;
          }
          // Stopped before its request left: the claim is given up; it stays due.
          if (l !== undefined && !isUnsent(outcome)) settled[l.index] = 1;
          // A missed slot sent nothing and recorded nothing; a claim made for it (its window
          // closed while the intent was being recorded) is given up.
          if (outcome.status === 'missed' && l !== undefined && l.attempts > 0) {
            const given: Promise<void> = giveUp(recordOf(outcome, l), l)
              .catch((error: unknown) => {
                stateFailed(error);
              })
              .finally(() => writes.delete(given));
            writes.add(given);
          }
          if (outcome.status !== 'missed') {
            const entry = recordOf(outcome, l);
            // What the gateway said, until the state holds it: said should callops exit now.
            const answered =
              !isUnsent(outcome) && (outcome.status === 'placed' || outcome.status === 'failed');
            if (answered) awaitRecord(outcome.key, () => exitingLine(outcome, input.redact));
            else recordSettled(outcome.key); // a 201 whose sid is another call's: unknown
            // A claim this run holds whose outcome could not be written: it stays claimed.
            const record = () =>
              store.record(entry).catch((error: unknown) => {
                unrecorded.set(outcome.key, { event, entry, error });
                // Not this run's to settle (another runner's claim now), or in the journal.
                if (!worthRecordingAgain(error)) recordSettled(outcome.key);
                throw error;
              });
            // Failed before any claim (a target that could not be set up): claimed now, to
            // record it.
            const write = isUnsent(outcome)
              ? giveUp(entry, l)
              : l !== undefined && l.attempts > 0
                ? record()
                : store
                    .claim({
                      key: outcome.key,
                      target: l?.item.target ?? '',
                      attempt: 1,
                      ...metaOf(l),
                      replaces: l?.item.replaces?.sid,
                    })
                    .then((won) => (won === true ? record() : undefined));
            // Caught at once: a rejection left for later would end the process.
            // One handler pair: settled, the write leaves the set either way. The call's
            // line is given once its outcome is recorded, never before.
            const { sid } = outcome;
            const pending: Promise<void> = write.then(
              () => {
                if (answered) recordSettled(outcome.key);
                writes.delete(pending);
                if (sid !== undefined) sids.recorded(sid);
                if (!isUnsent(outcome)) input.onEvent(event);
              },
              (error: unknown) => {
                stateFailed(error);
                // Its claim failed (a call failed before any): the state holds nothing of it.
                if (answered && !unrecorded.has(outcome.key)) recordSettled(outcome.key);
                writes.delete(pending);
                if (sid !== undefined) sids.recorded(sid);
                if (!isUnsent(outcome) && !unrecorded.has(outcome.key)) input.onEvent(event);
              },
            );
            writes.add(pending);
            if (isUnsent(outcome)) return;
            counts[outcome.status] += 1;
            if (outcome.message?.startsWith('interrupted')) stoppedCall = true;
            return;
          }
          counts[outcome.status] += 1;
        }
        input.onEvent(event);
      },
    });
  } finally {
    await Promise.allSettled([...writes]);
    await Promise.all([...clients.values()].map((c) => c.close()));
  }
  // Once more, now that the other writes are settled (a database back by then), briefly.
  const giveUpAgain = Promise.all(
    [...kept.values()].map(async (k) => {
      // A failure again keeps the first one's cause: why the claim could not be given up.
      k.given = await within(store.abandon(k.entry), GIVE_UP_AGAIN_MS).then(
        () => true,
        () => false,
      );
    }),
  );
  // Outcomes not recorded: a run that keeps them (`unrecorded`) records them later; else
  // they are tried again now, until the database answers or RECORD_AGAIN_MS passed. Those
  // refused for good (another runner's claim now) are not tried again.
  const again = unrecordedOutcomes();
  for (const u of unrecorded.values())
    if (worthRecordingAgain(u.error)) again.keep(u.entry, u.error);
  const recordedAgain = new Set<string>();
  if (input.unrecorded === undefined && again.size > 0) {
    for (const r of (await again.recordUntil(store, RECORD_AGAIN_MS)).recorded)
      recordedAgain.add(r.key);
  }
  await giveUpAgain;
  const heldBack = (key: string) => suppressed.has(key) || waiting.has(key) || dialled.has(key);
  outcomes = outcomes.filter(
    (o) => !unsent.has(o.key) && !isElsewhere(o.key) && !heldBack(o.key) && !isUnsent(o),
  );
  let persistError: unknown;
  try {
    await store.persist();
  } catch (error) {
    // Said after the summary, as a claim's error is: every call placed is reported.
    persistError = error;
  }
  let readError: unknown;
  const lock = (
    await store.read().catch((error: unknown) => {
      readError = error;
      return undefined;
    })
  )?.lock;
  // What the state holds decides: an outcome it lacks is lost, and the call is unknown,
  // unless its run keeps it to record it later (it says so).
  const lost = new Map<string, Outcome>();
  let keptForLater = 0;
  for (const [key, u] of unrecorded) {
    const { outcome } = u.event;
    const entry = lock?.calls[key];
    const held =
      recordedAgain.has(key) ||
      (persistError === undefined && entry?.status === outcome.status && entry.sid === outcome.sid);
    const keep = !held && input.unrecorded !== undefined && !(u.error instanceof NotClaimed);
    if (keep) {
      input.unrecorded?.keep(u.entry, u.error);
      keptForLater += 1;
    }

    const shown = held
      ? outcome
      : keep
        ? keptOutcome(outcome, u.error, input.redact)
        : unrecordedOutcome(outcome, u.error, store.backend, input.redact);
    if (!held) {
      lost.set(key, shown);
      counts[outcome.status] -= 1;
      counts.unknown += 1;
    }
    input.onEvent({ type: 'call:done', outcome: shown });
    // Held, or said now with what settles it; one kept is said by the run that keeps it.
    if (!keep) recordSettled(key);
  }
  if (lost.size > 0) outcomes = withLost(outcomes, lost, items);
  // A give-up the file store took in memory reaches its files only with persist(): when that
  // failed, its journal still holds the claim.
  const stillClaimed = [...kept.values()]
    .filter((k) => !k.given || persistError !== undefined)
    .map(({ entry, error }) => ({
      key: entry.key,
      reason: keptClaimReason(
        entry.key,
        suppressed.get(entry.key) ??
          waiting.get(entry.key) ??
          dialled.get(entry.key) ??
          entry.message ??
          UNSENT,
        error,
        store.backend,
        input.redact,
      ),
    }))
    .sort(byKey);
  const claimed = new Set(stillClaimed.map((c) => c.key));
  const listOf = (m: Map<string, string>): HeldBack[] =>
    [...m]
      .filter(([key]) => !claimed.has(key))
      .map(([key, reason]) => ({ key, reason }))
      .sort(byKey);
  const unsettled = items.filter((_, index) => settled[index] === 0);
  const notSent = unsettled.length;
  const changedFile = stopError instanceof RecipientsChanged ? stopError.file : undefined;
  // Its file first: a row of a CSV that changed is never read again (its key included).
  const notStarted =
    changedFile === undefined && claimed.size === 0
      ? unsettled
      : unsettled.filter(
          (i) =>
            (changedFile === undefined || i.file !== changedFile) &&
            (claimed.size === 0 || !claimed.has(i.key)),
        );
  const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
  // An outcome that could not be recorded at first stopped the sending; recorded since, with
  // every call sent, nothing is left undone.
  const undone =
    claimError !== undefined &&
    !(
      notSent === 0 &&
      unrecorded.size > 0 &&
      recordedAgain.size === unrecorded.size &&
      [...unrecorded.values()].some((u) => u.error === claimError)
    );
  // The outcome whose write failed first and stopped the sending, when the state holds it by
  // now: its failure no longer names what is left unrecorded. The failure of an outcome still
  // not recorded is said instead, if any; else that the run stopped for it.
  const recordedLate = [...unrecorded].find(
    ([key, u]) => u.error === claimError && !lost.has(key),
  )?.[0];
  const stillLost =
    recordedLate === undefined
      ? undefined
      : [...unrecorded].find(([key]) => lost.has(key))?.[1].error;
  const stateWords =
    recordedLate === undefined
      ? message(claimError)
      : stillLost !== undefined
        ? message(stillLost)
        : (recordedLateWords(recordedLate, claimError) ?? message(claimError));
  return {
    lock: lock ?? { lockfileVersion: 1, calls: {} },
    ...(lock === undefined && { unread: input.redact(message(readError)) }),
    outcomes,
    counts,
    notStarted,
    ...(changedFile !== undefined && {
      changedRows: { file: changedFile, notStarted: notSent - notStarted.length },
    }),
    inFlight: listOf(elsewhere),
    recordedElsewhere: [...recordedElsewhere]
      .filter(([key]) => !claimed.has(key))
      .map(([key, status]) => ({ key, status, reason: recordedWords(status) }))
      .sort(byKey),
    claimedElsewhere: [...listOf(replacedElsewhere), ...listOf(dialled)].sort(byKey),
    suppressed: listOf(suppressed),
    waiting: listOf(waiting),
    stillClaimed,
    kept: keptForLater,
    // A stop that came after every call was settled cut nothing short.
    interrupted: input.signal.aborted && (notSent > 0 || stoppedCall),
    elapsedMs: Math.round(performance.now() - started),
    ...(undone && {
      // A run lock lost on the way (file store): another run may hold it, as a refusal says.
      stateError: new EngineError(
        claimError instanceof RunLockLost ? 'locked' : 'state',
        `${stateWords}; ${notSent} call${notSent === 1 ? '' : 's'} not sent${persistError === undefined || message(persistError) === message(claimError) ? '' : `; ${message(persistError)}`}`,
        { cause: claimError },
      ),
    }),
    ...(!undone &&
      persistError !== undefined && {
        stateError: new EngineError('state', message(persistError), { cause: persistError }),
      }),
    ...(stopError !== undefined && {
      stopped: new EngineError(
        'failed',
        input.redact(
          `the run stopped: ${stopReason(stopError)}; ${notSent} call${notSent === 1 ? '' : 's'} not sent, still due`,
        ),
        { cause: stopError },
      ),
    }),
  };
};

const byKey = (a: { key: string }, b: { key: string }): number => (a.key < b.key ? -1 : 1);

/** Whether a campaign row's calling hours have closed (`heldFromMs`, on the real clock). */
const isClosed = (request: CallRequest): boolean =>
  request.heldFromMs !== undefined && Date.now() >= request.heldFromMs;

const heldWords = (request: CallRequest): string =>
  request.heldWhy ?? 'calling hours closed; still due, placed when they open';

/** A claim whose request never left, which the store refused to give up. */
interface KeptClaim {
  readonly entry: Outcome & DefinitionMeta;
  readonly error: unknown;
  /** Given up when tried again at the end of the run. */
  given: boolean;
}

/** How long the end of a run tries again to give up the claims it could not. */
const GIVE_UP_AGAIN_MS = 3_000;

/** A call whose outcome the store refused to record, its line held until the end. */
interface Unrecorded {
  readonly event: Extract<ExecuteEvent, { type: 'call:done' }>;
  /** What was to be recorded, as it was given to the store. */
  readonly entry: Outcome & DefinitionMeta;
  readonly error: unknown;
}

/** The run's outcomes with each lost one shown unknown, in request order. */
const withLost = (
  outcomes: readonly Outcome[],
  lost: ReadonlyMap<string, Outcome>,
  items: readonly PlanItem[],
): Outcome[] => {
  const listed = new Set<string>();
  const shown = outcomes.map((o) => {
    listed.add(o.key);
    return lost.get(o.key) ?? o;
  });
  // Placed calls are not listed without `listPlaced`: a lost one is, at its place.
  const missing = [...lost.values()].filter((o) => !listed.has(o.key));
  if (missing.length === 0) return shown;
  const indexOf = new Map(items.map((item, index) => [item.key, index]));
  const at = (o: Outcome) => indexOf.get(o.key) ?? -1;
  return [...shown, ...missing].sort((a, b) => at(a) - at(b));
};

/** Why a request could not be built. */
const stopReason = (error: unknown): string =>
  error instanceof RecipientsChanged || error instanceof DefinitionsChanged
    ? `${error.file} changed after callops read it (${error.what})`
    : error instanceof Error
      ? error.message
      : String(error);
