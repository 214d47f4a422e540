import { dirname, relative } from 'node:path';
import { readState, stateDirOf } from '../../engine/state.js';
import { maxQueuedFailpoint } from '../../receive/failpoint.js';
import { receiveLine, receiveSecrets } from '../../receive/log.js';
import { webhookSecrets } from '../../receive/secrets.js';
import { STOP_WAIT_MS, startReceiver } from '../../receive/server.js';
import { makeRedactor, type Redactor } from '../../report/redact.js';
import { openReceivedSpool, readReceived, removeReceived } from '../../state/received.js';
import { keysOfSids } from '../../state/sids.js';
import type { StateStore } from '../../state/store.js';
import type { CommandContext, CommandModule } from '../context.js';
import { CliError, EXIT, UsageError } from '../exit.js';
import { prepareProject } from '../load.js';
import { storeRecorder } from '../outcomes.js';
import { openProjectState } from '../state.js';
import { stateAway } from '../state-away.js';

export const DEFAULT_RECEIVE_PORT = 8077;

export const command: CommandModule = {
  summary: 'record outcomes from signed call_status_hook requests',
  usage: `Usage: callops receive [--port N] [--host 127.0.0.1]

Listens for the application's call_status_hook and records each call's outcome beside its
placed entry in the lockfile (as \`status --refresh\` does). Only requests signed with
Jambonz-Signature by one of the secrets in CALLOPS_WEBHOOK_SECRET or CALLOPS_WEBHOOK_SECRETS
(comma-separated: the new and the old while rotating) are looked at; others get 401 and
change nothing. A status is answered 204 once it is on disk, in
.callops/received.<pid>.<hex>.jsonl until it is recorded. Prints its URL on its first line.
Stops on Ctrl-C or SIGTERM (exit 0), after trying for up to ${STOP_WAIT_MS / 1000} s to record what
waits: what it still cannot record (another run holds the lock) stays on disk, and the
next apply, run or receive here records it. Once the state moves elsewhere (\`state push\`,
or callops.yaml's \`state:\` edited) it records nothing more and keeps what it accepts:
restart it, and it records that where the state now lives.

  --port N      port to listen on (default ${DEFAULT_RECEIVE_PORT}; 0: any free port)
  --host HOST   address to listen on (default 127.0.0.1; put a TLS proxy in front to
                expose it)`,
  options: { port: { type: 'string' }, host: { type: 'string' } },
  refuses: {
    now: 'receive records statuses as they come: it takes no --now',
  },
  handlesSignals: true,
  onStop: 'stopping: recording what was received',
  run: async (ctx) => {
    const portText =
      ctx.values.port === undefined ? String(DEFAULT_RECEIVE_PORT) : String(ctx.values.port);
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65_535) {
      throw new UsageError(`--port must be a port number from 0 to 65535 (got "${portText}")`);
    }
    const host = typeof ctx.values.host === 'string' ? ctx.values.host : '127.0.0.1';
    const prepared = await prepareProject(ctx, 'record');
    const secrets = webhookSecrets(prepared.env);
    if (secrets.length === 0) {
      throw new CliError(
        'set CALLOPS_WEBHOOK_SECRET (or CALLOPS_WEBHOOK_SECRETS, comma-separated) to the webhook secret of the gateway account: unsigned requests are refused',
        EXIT.usage,
      );
    }
    const { config } = prepared.project;
    const { store } = await openProjectState(ctx, config, prepared.env, 'callops receive', {
      use: 'record',
      // Records outcomes of what the database holds: it neither plans nor drops an entry.
      skipLockfileCheck: true,
      secrets: prepared.secrets,
    });
    try {
      const movedAway = await stateAway(ctx, {
        config,
        env: prepared.env,
        stateDir: stateDirOf(config.root),
      });
      return await receive(ctx, {
        movedAway,
        host,
        port: Number(portText),
        secrets,
        redact: makeRedactor(receiveSecrets(prepared.secrets, prepared.env, secrets)),
        store,
        lockName: config.lockfile,
        stateDir: stateDirOf(config.root),
      });
    } finally {
      await store.close();
    }
  },
};

const receive = async (
  ctx: CommandContext,
  input: {
    readonly host: string;
    readonly port: number;
    readonly secrets: readonly string[];
    readonly redact: Redactor;
    readonly store: StateStore;
    readonly lockName: string;
    readonly stateDir: string;
    readonly movedAway: () => Promise<string | undefined>;
  },
): Promise<number> => {
  const { host, secrets, store, stateDir } = input;
  const maxQueued = maxQueuedFailpoint(ctx.env);
  const shown = receiveLine(input.redact);
  const log = (line: string) => {
    ctx.stderr.write(shown(line));
  };
  // Sids said once to be held by several entries (a few at most).
  const noted = new Set<string>();
  // A status is answered 204 only once it is on disk there: without it, none could be.
  const spool = await openReceivedSpool(stateDir).catch((error: unknown) => {
    throw new CliError(
      `cannot keep received statuses in ${relative(dirname(stateDir), stateDir)}/ until they are recorded (${error instanceof Error ? error.message : String(error)}); nothing was listened for`,
      EXIT.failed,
    );
  });
  const spoolName = relative(dirname(stateDir), spool.path);
  const where = store.backend === 'file' ? input.lockName : 'the state database';
  // What receivers that are gone kept and did not record: this one records it.
  const orphans = (await readReceived(stateDir).catch(() => [])).filter((s) => s.gone);
  const adopted = orphans.flatMap((s) => s.statuses);
  const receiver = await startReceiver({
    host,
    port: input.port,
    secrets,
    spool,
    adopted,
    ...(maxQueued === undefined ? {} : { maxQueued }),
    ...(input.redact.holds && { holdsSecret: input.redact.holds }),
    keysOf: async (sids, numbers) => {
      const { keys, shared, otherNumber } = keysOfSids(await readState(store), sids, numbers);
      for (const sid of shared) {
        if (noted.has(sid)) continue;
        noted.add(sid);
        log(`the status of call ${sid} is not recorded: more than one entry has that sid`);
      }
      for (const [sid, key] of otherNumber) {
        if (noted.has(sid)) continue;
        noted.add(sid);
        log(
          `the status of call ${sid} is not recorded on ${key}: it names another number than the one that entry dialled (its sid may be another call's, given it with an answer out of step; check the gateway)`,
        );
      }
      return keys;
    },
    record: storeRecorder(ctx, store, input.lockName, 'callops receive'),
    // Said as found, with what it means here: nothing more recorded, nothing lost.
    movedAway: async () => {
      const why = await input.movedAway();
      return why === undefined
        ? undefined
        : `${why}: this receiver records nothing more into ${where}, which is no longer the state. What it accepts is kept in ${spoolName}; restart \`callops receive\`: started where the state now lives, it records them there`;
    },
    log,
  }).catch(async (error: unknown) => {
    await spool.remove().catch(() => undefined);
    throw error;
  });
  // Kept in this receiver's spool now: theirs may go (left as they are if they cannot).
  await removeReceived(stateDir, orphans).catch(() => undefined);
  if (adopted.length > 0) {
    const n = adopted.length;
    log(
      `took over ${n === 1 ? '1 status' : `${n} statuses`} a stopped receiver kept and did not record; recording ${n === 1 ? 'it' : 'them'}`,
    );
  }
  // The bare URL on the first line, as the simulator prints its own: `$(… | head -1)` takes it.
  ctx.stdout.write(
    `${receiver.url}\ncallops receive: point the application's call_status_hook here\n`,
  );
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  const { unrecorded: left, unmatched, kept, movedAway } = await receiver.close();
  if (left === 0) {
    await spool.remove().catch(() => undefined);
    return EXIT.ok;
  }
  await spool.close();
  if (!kept) {
    // Only a disk that failed under it: what was answered 204 and is unrecorded may be lost.
    throw new CliError(
      `${left === 1 ? '1 status' : `${left} statuses`} answered 204 could not be recorded, nor surely kept on disk (said above); \`callops status --refresh\` asks the gateway for ${left === 1 ? 'it' : 'them'}`,
      EXIT.failed,
    );
  }
  // Nothing answered 204 is lost: the spool keeps it, and the next command that takes the
  // run lock (or the next receive here) records it. Stopping is how a service ends: exit 0.
  const some = left === 1 ? '1 status is' : `${left} statuses are`;
  const orphaned =
    unmatched === 0
      ? ''
      : unmatched === 1
        ? ` (${left === 1 ? 'it has' : '1 of them has'} no placed entry to go to yet: dropped then if it still has none)`
        : ` (${unmatched === left ? 'they have' : `${unmatched} of them have`} no placed entry to go to yet: dropped then if they still have none)`;
  const them = left === 1 ? 'it' : 'them';
  log(
    movedAway === undefined
      ? `${some} not recorded yet; kept in ${spoolName}: the next apply, run or receive here records ${them}${orphaned}`
      : `${some} not recorded yet; kept in ${spoolName}, as the state moved (said above): restart \`callops receive\` (or run apply or run where the state now lives) and it records ${them} there${orphaned}`,
  );
  return EXIT.ok;
};
