import { entryReaders } from '../engine/entry-readers.js';
import { EngineError } from '../engine/errors.js';
import type { Prepared } from '../engine/prepare.js';
import { holdState, readState } from '../engine/state.js';
import { describeTarget } from '../engine/targets.js';
import { addressOf, outcomeFromEvidence } from '../execute/evidence.js';
import {
  type Candidate,
  type CheckVerdict,
  candidatesFor,
  decide,
  dialsAsIntended,
  type Handler,
  type Intent,
  type SidHolder,
} from '../execute/match.js';
import { gatherEvidence } from '../execute/observe.js';
import { printable } from '../report/printable.js';
import { makeRedactor, type Redactor, redactDeep } from '../report/redact.js';
import { resolveCall } from '../resolve/index.js';
import type { Secret } from '../resolve/interpolate.js';
import { destinationNumber, isOtherNumber } from '../screen/number.js';
import { isInFlight, type Observation, type StateStore } from '../state/store.js';
import type { CommandContext } from './context.js';
import { EXIT, UsageError } from './exit.js';
import { prepareProject } from './load.js';
import { openReaders } from './outcomes.js';
import { stateNotes } from './run-report.js';
import { openProjectState } from './state.js';

/** Clocks and queues differ: an attempt is looked for this far beyond the request timeout. */
export const CHECK_MARGIN_MS = 60_000;
export const SETTLED_FROM_GATEWAY = "settled from the gateway's records (resolve --check)";

/** The call name of a placement key: `<target>/<name>[@slot][#attempt]`. */
const nameOfKey = (key: string): string => key.slice(key.indexOf('/') + 1).split(/[@#]/)[0] ?? '';

/**
 * What the request asked to handle the call (its application, else its call_hook's url),
 * as the body was built: a call another application handled is not its call.
 */
const handlerOf = (body: Readonly<Record<string, unknown>>): { handler?: Handler } => {
  const { application_sid: sid, call_hook: hook } = body;
  if (typeof sid === 'string' && sid.trim() !== '') return { handler: { applicationSid: sid } };
  const url =
    typeof hook === 'string'
      ? hook
      : typeof hook === 'object' && hook !== null && 'url' in hook
        ? (hook as { url: unknown }).url
        : undefined;
  return hook === undefined
    ? {}
    : { handler: { callHookUrl: typeof url === 'string' ? url : undefined } };
};

/** Not checked: why, and for a target this checkout does not define, which one. */
interface Skipped {
  readonly kind: 'skipped';
  readonly why: string;
  readonly undefinedTarget?: string;
}

interface Checked {
  readonly key: string;
  readonly verdict: CheckVerdict | Skipped;
  readonly intent?: Intent;
  /**
   * How what was looked for differs from the call as defined now: it dials another number
   * (or a SIP or user address) now than its attempt did (`moved`: what it dials now), or its
   * definition is gone or does not resolve (`unknownCaller`: only the number it dialled is
   * known).
   */
  readonly moved?: string;
  readonly unknownCaller?: string;
}

const candidateLine = (c: Candidate): string =>
  `    ${c.sid}  to ${c.to}  from ${c.from}  ${c.at ?? 'time not known yet (no call detail record)'}  ${c.status}${c.heldBy === undefined ? '' : `  (its sid is recorded for ${c.heldBy}, which dialled another number)`}`;

/** What was looked for, where it is not the call as defined now (see Checked), or ''. */
const noteOf = (c: Checked): string =>
  c.moved !== undefined
    ? `it dials ${c.moved} now, not the number its attempt dialled: the call looked for is the one to the number the attempt dialled, which its entry recorded`
    : c.unknownCaller !== undefined
      ? `${c.unknownCaller}: the call looked for is the one to the number its attempt dialled, which its entry recorded; its caller and application are not known, so no call settles it alone`
      : '';

const plainWindow = (i: Intent): string =>
  `${new Date(i.atMs - i.windowMs).toISOString()} and ${new Date(i.atMs + i.windowMs).toISOString()}`;

/**
 * `callops resolve --check [KEY…]`: looks each unknown entry up on the gateway (the calls
 * list and call detail records, one cycle per target), settles it `placed` on exactly one
 * match, and otherwise shows what was found for a person to decide.
 */
export const resolveCheck = async (ctx: CommandContext): Promise<number> => {
  if (ctx.values.placed !== undefined || ctx.values['not-placed'] !== undefined) {
    throw new UsageError(
      '--check looks the entries up on the gateway: it takes neither --placed nor --not-placed',
    );
  }
  const prepared = await prepareProject(ctx, 'record');
  const lockName = prepared.project.config.lockfile;
  const { store } = await openProjectState(
    ctx,
    prepared.project.config,
    prepared.env,
    'callops resolve --check',
    { use: 'record', skipLockfileCheck: true },
  );
  try {
    return await checkWith(ctx, prepared, store, lockName);
  } finally {
    await store.close();
  }
};

const checkWith = async (
  ctx: CommandContext,
  prepared: Prepared,
  store: StateStore,
  lockName: string,
): Promise<number> => {
  const view = await readState(store);
  // A key a live run is placing is not unknown: that run records its outcome.
  const unknown = Object.keys(view.calls).filter(
    (k) => view.calls[k]?.status === 'unknown' && !isInFlight(view.calls[k]),
  );
  const keys = ctx.positionals.length > 0 ? [...ctx.positionals] : unknown.sort();
  for (const key of keys) {
    const entry = view.calls[key];
    if (entry === undefined)
      throw new EngineError('failed', `the lockfile has no entry ${JSON.stringify(key)}`);
    if (isInFlight(entry)) {
      throw new EngineError(
        'failed',
        `${key} is being placed by a run that is still going: that run records its outcome, nothing to check`,
      );
    }
    if (entry.status !== 'unknown') {
      throw new EngineError(
        'failed',
        `${key} is ${entry.status}, not unknown: only unknown entries are checked`,
      );
    }
  }
  if (keys.length === 0) {
    ctx.stdout.write(
      ctx.format === 'json'
        ? `${JSON.stringify({ results: [] })}\n`
        : 'No unknown entries to check.\n',
    );
    return EXIT.ok;
  }
  // An entry of a target that does not resolve here is looked up through the target on the
  // gateway it records (entryReaders).
  const readerOf = entryReaders(prepared, view);
  // Where the records are read, as every command that talks to a gateway says first.
  if (ctx.format !== 'json') {
    const { specs } = prepared.choice;
    for (const target of new Set(keys.map(readerOf)))
      ctx.stdout.write(
        `${printable(describeTarget(target, specs, prepared.env, prepared.secrets))}\n`,
      );
  }
  // The entry of each sid the lockfile holds, with the number it dialled: a call whose sid
  // an entry that dialled another number holds is still shown (candidatesFor). A sid held
  // twice, or superseded (no number of its own), is left out as any other held sid.
  const known = new Map<string, SidHolder>();
  const hold = (sid: string, holder: SidHolder): void => {
    const id = sid.toLowerCase();
    const was = known.get(id);
    known.set(id, was === undefined ? holder : { key: was.key });
  };
  for (const [key, e] of Object.entries(view.calls)) {
    if (e.sid) hold(e.sid, e.number === undefined ? { key } : { key, number: e.number });
    for (const h of e.history ?? []) hold(h.sid, { key });
  }
  const byName = new Map(prepared.project.calls.map((c) => [c.name, c]));
  const readers = openReaders(prepared, keys.map(readerOf));
  const checked: Checked[] = [];
  /** The secrets of the calls looked up (a destination from the environment): never shown. */
  const callSecrets: Secret[] = [];
  const evidenceOf = new Map<string, Awaited<ReturnType<typeof gatherEvidence>>>();
  let problems = 0;
  try {
    const intents: Intent[] = [];
    const moved = new Map<string, string>();
    const unknownCaller = new Map<string, string>();
    for (const key of keys) {
      const target = readerOf(key);
      const skipped = readers.skipped.find((s) => s.target === target);
      const open = readers.readers.get(target);
      const def = byName.get(nameOfKey(key));
      const resolved = def && resolveCall(def, prepared.env, prepared.envFile);
      const dialled = view.calls[key]?.number;
      const at = Date.parse(view.calls[key]?.at ?? '');
      const windowMs = (open?.target.requestTimeoutMs ?? 0) + CHECK_MARGIN_MS;
      if (skipped || open === undefined) {
        checked.push({
          key,
          verdict: {
            kind: 'skipped',
            why: skipped?.why ?? 'target not known',
            ...(skipped?.undefinedHere === true && { undefinedTarget: skipped.target }),
          },
        });
      } else if (resolved === undefined || !resolved.ok) {
        const gone =
          def === undefined
            ? 'its call definition is gone'
            : 'its call definition does not resolve';
        // The number its attempt dialled is in its entry: a call to it can still be found,
        // but not known for its own (its caller and application are not known).
        if (dialled === undefined) {
          checked.push({
            key,
            verdict: {
              kind: 'skipped',
              why: `${gone}, and its entry records no number it dialled: to and from are not known`,
            },
          });
        } else {
          intents.push({ key, number: dialled, atMs: at, windowMs });
          unknownCaller.set(key, gone);
        }
      } else {
        for (const item of resolved.secrets) callSecrets.push(item);
        const now = destinationNumber(resolved.body.to);
        // Looked for by the number the attempt dialled: the call's number may have been
        // corrected since, and the call that rang the old one is the one to find.
        if (dialled !== undefined && (now === undefined || isOtherNumber(dialled, now)))
          moved.set(key, addressOf(resolved.body.to));
        intents.push({
          key,
          to: addressOf(resolved.body.to),
          ...(dialled === undefined ? {} : { number: dialled }),
          from: String(resolved.body.from ?? ''),
          atMs: at,
          windowMs,
          ...handlerOf(resolved.body),
        });
      }
    }
    for (const target of new Set(intents.map((i) => readerOf(i.key)))) {
      const open = readers.readers.get(target);
      if (open === undefined) continue;
      const mine = intents.filter((i) => readerOf(i.key) === target);
      // Only a record of a call to an entry's destination from its caller can be its call.
      const evidence = await gatherEvidence(open.reader, {
        keep: (record) => mine.some((i) => dialsAsIntended(i, record)),
        needed: undefined,
        sinceMs: mine.reduce(
          (since, i) => Math.min(since, i.atMs - i.windowMs),
          Number.POSITIVE_INFINITY,
        ),
        now: new Date(),
        signal: ctx.signal,
      });
      evidenceOf.set(target, evidence);
      if (evidence.problem) {
        problems += 1;
        ctx.stderr.write(`resolve --check: target ${target}: ${evidence.problem.message}\n`);
      }
      for (const intent of mine) {
        const verdict: CheckVerdict | Skipped = evidence.problem
          ? { kind: 'skipped', why: 'the gateway could not be read whole' }
          : decide(candidatesFor(intent, evidence, known), intent);
        const was = moved.get(intent.key);
        const gone = unknownCaller.get(intent.key);
        checked.push({
          key: intent.key,
          verdict,
          intent,
          ...(was === undefined ? {} : { moved: was }),
          ...(gone === undefined ? {} : { unknownCaller: gone }),
        });
      }
    }
  } finally {
    await readers.close();
  }
  // One sid settles one entry: a call two entries could claim is for a person to decide.
  const claims = new Map<string, number>();
  for (const c of checked) {
    if (c.verdict.kind === 'settle')
      claims.set(c.verdict.candidate.sid, (claims.get(c.verdict.candidate.sid) ?? 0) + 1);
  }
  const final: Checked[] = checked.map((c) =>
    c.verdict.kind === 'settle' && (claims.get(c.verdict.candidate.sid) ?? 0) > 1
      ? { ...c, verdict: { kind: 'undecided', candidates: [c.verdict.candidate] } }
      : c,
  );
  const settle = final.filter((c) => c.verdict.kind === 'settle');
  if (settle.length > 0) {
    const held = store.concurrentRunners
      ? undefined
      : await holdState(store, lockName, 'callops resolve --check', stateNotes(ctx));
    try {
      const observed: Observation[] = [];
      for (const c of settle) {
        if (c.verdict.kind !== 'settle') continue;
        const sid = c.verdict.candidate.sid;
        await store
          .settle(c.key, { placed: sid, note: SETTLED_FROM_GATEWAY, resolvedBy: 'gateway' })
          .catch((error: unknown) => {
            throw new EngineError('failed', error instanceof Error ? error.message : String(error));
          });
        const evidence = evidenceOf.get(readerOf(c.key));
        const record = evidence?.records.find((r) => r.call_sid === sid);
        const cdr = evidence?.cdrs.find((r) => r.call_sid === sid);
        const outcome = outcomeFromEvidence(
          { ...(record ? { record } : {}), ...(cdr ? { cdr } : {}) },
          new Date(),
        );
        if (outcome) observed.push({ key: c.key, outcome });
      }
      await store.observe(observed);
      await store.persist();
    } finally {
      await held?.release();
    }
  }
  report(
    ctx,
    final,
    callSecrets.length === 0 ? readers.redact : makeRedactor([...readers.secrets, ...callSecrets]),
  );
  if (problems > 0) return EXIT.failed;
  return final.every((c) => c.verdict.kind === 'settle') ? EXIT.ok : EXIT.unsettled;
};

/**
 * What the check found, as the gateway's records say it: their fields (sids, numbers,
 * statuses) pass through the redactor and, in human output, are shown printable.
 */
const report = (ctx: CommandContext, checked: readonly Checked[], redact: Redactor): void => {
  if (ctx.format === 'json') {
    const results = checked.map((c) => ({
      key: c.key,
      result:
        c.verdict.kind === 'settle'
          ? 'placed'
          : c.verdict.kind === 'none'
            ? 'not-found'
            : c.verdict.kind,
      ...(c.verdict.kind === 'settle' ? { sid: c.verdict.candidate.sid } : {}),
      ...(c.verdict.kind === 'undecided' ? { candidates: c.verdict.candidates } : {}),
      ...(c.verdict.kind === 'skipped' ? { message: c.verdict.why } : {}),
      ...(noteOf(c) === '' ? {} : { note: noteOf(c) }),
    }));
    ctx.stdout.write(`${JSON.stringify(redactDeep({ results }, redact), null, 2)}\n`);
    return;
  }
  const lines: string[] = [];
  for (const c of checked) {
    const v = c.verdict;
    const settleByHand = `decide, then \`callops resolve ${c.key} --placed SID\` or \`--not-placed\``;
    const note = noteOf(c) === '' ? '' : ` (${noteOf(c)})`;
    if (v.kind === 'settle') {
      lines.push(
        `${c.key}: placed (sid ${v.candidate.sid}: to ${v.candidate.to} from ${v.candidate.from} at ${v.candidate.at}, ${v.candidate.status})${c.moved === undefined ? '' : `; it dials ${c.moved} now, not the number of this call: \`callops plan\` says whether it is placed again`}`,
      );
    } else if (v.kind === 'none') {
      const through =
        c.intent?.handler === undefined
          ? ''
          : 'applicationSid' in c.intent.handler
            ? ' through its application'
            : ' to its call_hook';
      const to =
        c.moved !== undefined || c.unknownCaller !== undefined
          ? ' to the number its attempt dialled'
          : ` to ${c.intent?.to ?? ''}`;
      const where = c.intent
        ? `${to}${c.intent.from === undefined ? '' : ` from ${c.intent.from}`}${through} between ${plainWindow(c.intent)}${note}`
        : '';
      lines.push(
        `${c.key}: still unknown — the gateway's records show no call${where}. That does not mean it was not placed (records expire, call detail records arrive late): check the gateway, then ${settleByHand}`,
      );
    } else if (v.kind === 'undecided') {
      lines.push(
        `${c.key}: still unknown — ${v.candidates.length === 1 ? 'one candidate, not certain' : `${v.candidates.length} candidates`}${note}; ${settleByHand}:`,
        ...v.candidates.map(candidateLine),
      );
    } else if (v.undefinedTarget !== undefined) {
      // Its target may be a name a newer checkout gave (or an older one had): another
      // checkout can look it up, or a person settles it.
      lines.push(
        `${c.key}: not checked — target ${v.undefinedTarget}: ${v.why}; run \`callops resolve --check ${c.key}\` from a checkout that defines it, or ${settleByHand}`,
      );
    } else {
      lines.push(`${c.key}: not checked — ${v.why}`);
    }
  }
  ctx.stdout.write(`${lines.map((line) => printable(redact(line))).join('\n')}\n`);
};
