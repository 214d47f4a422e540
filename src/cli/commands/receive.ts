import { readState } from '../../engine/state.js';
import { receiveLine, receiveSecrets } from '../../receive/log.js';
import { startReceiver } from '../../receive/server.js';
import { webhookSecrets } from '../../receive/signature.js';
import { makeRedactor } from '../../report/redact.js';
import { keysOfSids } from '../../state/sids.js';
import type { StateStore } from '../../state/store.js';
import type { CommandContext, CommandModule } from '../context.js';
import { CliError, EXIT, UsageError } from '../exit.js';
import { prepareProject } from '../load.js';
import { storeRecorder } from '../outcomes.js';
import { openProjectState } from '../state.js';

export const DEFAULT_RECEIVE_PORT = 8077;

export const command: CommandModule = {
  summary: 'record outcomes from signed call_status_hook requests',
  usage: `Usage: callops receive [--port N] [--host 127.0.0.1]

Listens for the application's call_status_hook and records each call's outcome beside its
placed entry in the lockfile (as \`status --refresh\` does). Only requests signed with
Jambonz-Signature by one of the secrets in CALLOPS_WEBHOOK_SECRET or CALLOPS_WEBHOOK_SECRETS
(comma-separated: the new and the old while rotating) are looked at; others get 401 and
change nothing. Prints its URL on its first line; stops on Ctrl-C or SIGTERM (exit 0).

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
      return await receive(ctx, {
        host,
        port: Number(portText),
        secrets,
        redact: makeRedactor(receiveSecrets(prepared.secrets, prepared.env, secrets)),
        store,
        lockName: config.lockfile,
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
    readonly redact: (text: string) => string;
    readonly store: StateStore;
    readonly lockName: string;
  },
): Promise<number> => {
  const { host, secrets, store } = input;
  const shown = receiveLine(input.redact);
  const log = (line: string) => {
    ctx.stderr.write(shown(line));
  };
  // Sids said once to be held by several entries (a few at most).
  const noted = new Set<string>();
  const receiver = await startReceiver({
    host,
    port: input.port,
    secrets,
    keysOf: async (sids) => {
      const { keys, shared } = keysOfSids(await readState(store), sids);
      for (const sid of shared) {
        if (noted.has(sid)) continue;
        noted.add(sid);
        log(`the status of call ${sid} is not recorded: more than one entry has that sid`);
      }
      return keys;
    },
    record: storeRecorder(ctx, store, input.lockName, 'callops receive'),
    log,
  });
  ctx.stdout.write(
    `${receiver.url} — callops receive: point the application's call_status_hook here\n`,
  );
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  const left = await receiver.close();
  if (left > 0) {
    log(
      `${left} status${left === 1 ? '' : 'es'} could not be recorded; \`callops status --refresh\` asks the gateway for them`,
    );
  }
  return EXIT.ok;
};
