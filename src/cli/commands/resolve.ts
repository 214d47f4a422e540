import { settleKeys } from '../../engine/settle.js';
import { holdsSecret, isCallId, isCallSid } from '../../execute/policy.js';
import type { Redactor } from '../../report/redact.js';
import type { CommandModule } from '../context.js';
import { EXIT, UsageError } from '../exit.js';
import { projectState, secretsRedactor } from '../load.js';
import { resolveCheck } from '../resolve-check.js';
import { stateNotes } from '../run-report.js';
import { openProjectState } from '../state.js';

/**
 * Why `--call-id` cannot be recorded, never quoting it (it may be the api key pasted by
 * mistake, or hold control characters): the rule the gateway's `callId` is kept by.
 */
const callIdProblem = (callId: string, redact: Redactor): string | undefined => {
  if (!isCallId(callId))
    return '--call-id: a Call-ID is 1 to 256 visible ASCII characters, without spaces or control characters; the value given is not one';
  if (holdsSecret(callId, redact))
    return "--call-id: the value given holds a secret of this project (an api key, or a value of the environment); give the call's Call-ID as the gateway reports it";
  return undefined;
};

/** What `resolve KEY --not-placed` says of each KEY: whether it is placed again is the plan's. */
const NOT_PLACED_WORDS = 'not placed — `callops plan` says whether, and why, it is placed again';

export const command: CommandModule = {
  summary: 'settle an unknown entry by hand',
  usage: `Usage: callops resolve KEY --placed SID [--call-id ID]
       callops resolve KEY… --not-placed
       callops resolve --check [KEY…]

Settles lockfile entries whose outcome is unknown, after checking on the gateway (its call
records, or the application's call_status_hook): --placed records the call as placed with
the gateway's sid, never to be placed again; --not-placed marks it failed (it called no
one), so that a later apply may place it again, as \`callops plan\` says: whether, and why.

--check looks each unknown entry (all of them when no KEY is given) up on the gateway: its
calls list and call detail records, matching the number the attempt dialled (the digest its
entry recorded, whatever the call dials now), from and the time of the attempt (the entry's
time ± the request timeout and a minute). Exactly one such call settles the entry
as placed with that sid and records its outcome; several, one whose time is not known
yet, or one whose sid an entry that dialled another number holds, are shown for you to
decide; none settles nothing. Exits 0 when every entry checked
was settled, 3 when some stay unknown, 1 when the gateway could not be read.`,
  options: {
    placed: { type: 'string' },
    'call-id': { type: 'string' },
    'not-placed': { type: 'boolean' },
    check: { type: 'boolean' },
  },
  allowPositionals: true,
  handlesSignals: false,
  run: async (ctx) => {
    if (ctx.values.check === true) return resolveCheck(ctx);
    const keys = ctx.positionals;
    const placed = ctx.values.placed;
    const notPlaced = ctx.values['not-placed'] === true;
    if (keys.length === 0)
      throw new UsageError('name the KEY of the entry to settle (see `callops status`)');
    if ((typeof placed === 'string') === notPlaced)
      throw new UsageError('give exactly one of --placed SID or --not-placed');
    if (typeof placed === 'string' && keys.length > 1)
      throw new UsageError('--placed SID settles one KEY at a time');
    const callId = ctx.values['call-id'];
    if (typeof callId === 'string' && notPlaced)
      throw new UsageError('--call-id goes with --placed SID: a call not placed has no Call-ID');
    const { config, env } = await projectState(ctx);
    const redact = await secretsRedactor(ctx, config);
    if (typeof placed === 'string' && !isCallSid(placed)) {
      // Quoted unless it holds a secret (the api key pasted in the wrong place).
      const shown = holdsSecret(placed, redact) ? '' : ` ${placed}`;
      throw new UsageError(
        `--placed${shown}: a call sid is a UUID such as 98e4dd21-b178-4af1-83b6-3c1582893890`,
      );
    }
    if (typeof placed === 'string' && holdsSecret(placed, redact)) {
      // A sid is printed, written to the lockfile and the database: never a secret.
      throw new UsageError(
        "--placed: the value given holds a secret of this project (an api key, or a value of the environment); give the call's sid as the gateway reports it",
      );
    }
    if (typeof callId === 'string') {
      const problem = callIdProblem(callId, redact);
      if (problem !== undefined) throw new UsageError(problem);
    }
    const settlement =
      typeof placed === 'string'
        ? { placed, ...(typeof callId === 'string' ? { callId } : {}) }
        : ({ notPlaced: true } as const);
    const { store } = await openProjectState(ctx, config, env, 'callops resolve', {
      use: 'record',
      // Settles only what the database holds: it neither plans nor drops an entry.
      skipLockfileCheck: true,
    });
    try {
      await settleKeys(store, config.lockfile, keys, settlement, stateNotes(ctx));
    } finally {
      await store.close();
    }
    // Not "the next apply places it": the plan may not (its target renamed, the row's number
    // changed since, the campaign ended…), and only the plan, which resolve does not make, says.
    for (const key of keys) {
      ctx.stdout.write(
        `${key}: ${typeof placed === 'string' ? `placed (sid ${placed})` : NOT_PLACED_WORDS}\n`,
      );
    }
    return EXIT.ok;
  },
};
