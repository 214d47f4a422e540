import { setMaxListeners } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CallRecord, createCallStore, type SimulatedCall } from './calls.js';
import { handleRequest } from './handler.js';
import { createHookSender } from './hook.js';
import { createCallLog, type ReceivedCall } from './log.js';
import {
  DEFAULT_API_KEY,
  type SimulatorOptions,
  type SimulatorSettings,
  settingsFrom,
} from './options.js';
import { createCallProgress } from './progress.js';
import { createRateLimiter } from './rate-limit.js';

export type { CallDetailRecord, CallRecord, SimulatedCall } from './calls.js';
export type { SimulatorClock } from './clock.js';
export {
  formatBanner,
  parseSimulatorFlags,
  SIMULATOR_FLAGS,
  SIMULATOR_USAGE,
  type SimulatorFlagResult,
  simulatorOptionsFromValues,
} from './flags.js';
export { jambonzSignature } from './hook.js';
export type { CallStatus } from './lifecycle.js';
export type { ReceivedCall } from './log.js';
export {
  DEFAULT_ACCOUNT_SID,
  DEFAULT_API_KEY,
  type RateLimit,
  type SimulatorOptions,
  type StatusChange,
} from './options.js';
export {
  DEFAULT_MIX,
  drawFor,
  OUTCOMES,
  type Outcome,
  type OutcomeMix,
  outcomeFor,
  parseOutcomeMix,
} from './outcomes.js';

export interface RunningSimulator {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:34567. */
  readonly url: string;
  readonly accountSid: string;
  /** The key the simulator accepts as Bearer token. */
  readonly apiKey: string;
  /** True when the api key is the public built-in default. */
  readonly defaultApiKey: boolean;
  /**
   * Every create-call request so far, in answer order (the log file's lines); none when
   * started with `keepHistory: false`.
   */
  received(): readonly ReceivedCall[];
  /** How many create-call requests were answered so far (kept or not). */
  receivedCount(): number;
  /**
   * Every accepted call: its index k, drawn outcome, statuses so far, record and CDR (with
   * `keepHistory: false`, those whose record has not expired yet).
   */
  calls(): readonly SimulatedCall[];
  /** The seed of the outcome draws (drawn at random when none was given). */
  readonly seed: number;
  /** Stops listening, drops open connections (idle keep-alive ones too) and the log file. */
  close(): Promise<void>;
}

const urlHost = (address: AddressInfo): string =>
  address.family === 'IPv6' ? `[${address.address}]` : address.address;

/** What happens at each status change: the log line, the status hook, the test hook. */
const statusReporter = (settings: SimulatorSettings, log: ReturnType<typeof createCallLog>) => {
  const hook =
    settings.statusHook &&
    createHookSender(settings.statusHook, settings.webhookSecret, settings.clock.now);
  return {
    report(call: SimulatedCall, record: CallRecord, final: boolean): void {
      const { call_sid, call_status, sip_status, duration } = record;
      const at = new Date(settings.clock.now()).toISOString();
      log.appendStatus({ at, event: 'status', call_sid, call_status, sip_status, duration });
      hook?.post(call_sid, call.tag === undefined ? record : { ...record, customerData: call.tag });
      settings.onStatus?.({ call_sid, k: call.k, call_status, sip_status, duration, final });
    },
    close: () => hook?.close(),
  };
};

/** Starts the Voice Gateway simulator; resolves once it listens. */
export const startSimulator = async (options: SimulatorOptions = {}): Promise<RunningSimulator> => {
  const settings = settingsFrom(options);
  const log = createCallLog(settings.logFile, settings.keepHistory);
  const closing = new AbortController();
  // Every request waiting out its latency listens for the close: more than Node's default of
  // 10 at once is the usual case (a client with 32 connections), not a leak to warn about.
  setMaxListeners(0, closing.signal);
  const store = createCallStore(settings.recordTtlMs, settings.keepHistory);
  const reporter = statusReporter(settings, log);
  const progress = createCallProgress({
    clock: settings.clock,
    durations: { ringMs: settings.ringMs, talkMs: settings.talkMs },
    store,
    onChange: reporter.report,
  });
  const state = {
    settings,
    limiter: settings.rateLimit && createRateLimiter(settings.rateLimit),
    log,
    store,
    progress,
    closing: closing.signal,
  };
  const server = createServer((req, res) => {
    handleRequest(state, req, res).catch(() => res.destroy());
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(settings.port, settings.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    reporter.close();
    log.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${urlHost(address)}:${address.port}`,
    accountSid: settings.accountSid,
    apiKey: settings.apiKey,
    defaultApiKey: settings.apiKey === DEFAULT_API_KEY,
    received: () => log.records(),
    receivedCount: () => log.count(),
    calls: () => store.calls(),
    seed: settings.seed,
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing.abort();
        progress.close();
        reporter.close();
        server.close(() => {
          log.close();
          resolve();
        });
        server.closeAllConnections();
      });
      return closed;
    },
  };
};
