import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCallStore } from './calls.js';
import { handleRequest } from './handler.js';
import { createCallLog, type ReceivedCall } from './log.js';
import { DEFAULT_API_KEY, type SimulatorOptions, settingsFrom } from './options.js';
import { createRateLimiter } from './rate-limit.js';

export type { AcceptedCall } from './calls.js';
export {
  formatBanner,
  parseSimulatorFlags,
  SIMULATOR_FLAGS,
  SIMULATOR_USAGE,
  type SimulatorFlagResult,
  simulatorOptionsFromValues,
} from './flags.js';
export type { ReceivedCall } from './log.js';
export {
  DEFAULT_ACCOUNT_SID,
  DEFAULT_API_KEY,
  type RateLimit,
  type SimulatorOptions,
} from './options.js';

export interface RunningSimulator {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:34567. */
  readonly url: string;
  readonly accountSid: string;
  /** The key the simulator accepts as Bearer token. */
  readonly apiKey: string;
  /** True when the api key is the public built-in default. */
  readonly defaultApiKey: boolean;
  /** Every create-call request so far, in answer order (the log file's lines). */
  received(): readonly ReceivedCall[];
  /** Stops listening, drops open connections (idle keep-alive ones too) and the log file. */
  close(): Promise<void>;
}

const urlHost = (address: AddressInfo): string =>
  address.family === 'IPv6' ? `[${address.address}]` : address.address;

/** Starts the Voice Gateway simulator; resolves once it listens. */
export const startSimulator = async (options: SimulatorOptions = {}): Promise<RunningSimulator> => {
  const settings = settingsFrom(options);
  const log = createCallLog(settings.logFile);
  const closing = new AbortController();
  const state = {
    settings,
    limiter: settings.rateLimit && createRateLimiter(settings.rateLimit),
    log,
    store: createCallStore(),
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
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing.abort();
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
