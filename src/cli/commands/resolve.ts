import { settleKeys } from '../../engine/settle.js';
import { isCallSid } from '../../execute/policy.js';
import type { CommandModule } from '../context.js';
import { EXIT, UsageError } from '../exit.js';
import { projectState } from '../load.js';
import { resolveCheck } from '../resolve-check.js';
import { stateNotes } from '../run-report.js';
import { openProjectState } from '../state.js';

/** The gateway's call sids are UUIDs; anything else is a typo that would stay in the lockfile. */

export const command: CommandModule = {
  summary: 'settle an unknown entry by hand',
  usage: `Usage: callops resolve KEY --placed SID [--call-id ID]
       callops resolve KEY… --not-placed
       callops resolve --check [KEY…]

Settles lockfile entries whose outcome is unknown, after checking on the gateway (its call
records, or the application's call_status_hook): --placed records the call as placed with
the gateway's sid, never to be placed again; --not-placed marks it failed so that the next
apply places it.

--check looks each unknown entry (all of them when no KEY is given) up on the gateway: its
calls list and call detail records, matching to, from and the time of the attempt (the
entry's time ± the request timeout and a minute). Exactly one such call settles the entry
as placed with that sid and records its outcome; several, or one whose time is not known
yet, are shown for you to decide; none settles nothing. Exits 0 when every entry checked
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
    if (typeof placed === 'string' && !isCallSid(placed)) {
      throw new UsageError(
        `--placed ${placed}: a call sid is a UUID such as 98e4dd21-b178-4af1-83b6-3c1582893890`,
      );
    }
    const callId = ctx.values['call-id'];
    const settlement =
      typeof placed === 'string'
        ? { placed, ...(typeof callId === 'string' ? { callId } : {}) }
        : ({ notPlaced: true } as const);
    const { config, env } = await projectState(ctx);
    const { store } = await openProjectState(ctx, config, env, 'callops resolve');
    try {
      await settleKeys(store, config.lockfile, keys, settlement, stateNotes(ctx));
    } finally {
      await store.close();
    }
    for (const key of keys) {
      ctx.stdout.write(
        `${key}: ${typeof placed === 'string' ? `placed (sid ${placed})` : 'not placed — the next apply places it'}\n`,
      );
    }
    return EXIT.ok;
  },
};
