import { printable } from '../report/printable.js';
import type { Secret } from '../resolve/interpolate.js';
import { secretsOf } from '../resolve/secrets.js';

/**
 * The secrets a receiver's lines must never show: the project's (its api keys, the env file)
 * and each webhook secret on its own, as CALLOPS_WEBHOOK_SECRETS holds several in one value.
 */
export const receiveSecrets = (
  known: readonly Secret[],
  env: Readonly<Record<string, string | undefined>>,
  webhook: readonly string[],
): Secret[] => {
  const single = env.CALLOPS_WEBHOOK_SECRET?.trim();
  return secretsOf(
    known,
    webhook.map((value) => ({
      name: value === single ? 'CALLOPS_WEBHOOK_SECRET' : 'CALLOPS_WEBHOOK_SECRETS',
      value,
      always: true,
    })),
  );
};

/**
 * One line of the receiver's log as stderr shows it. A line quotes what signed requests and
 * the lockfile hold (a sid, a key, a store's message), so it passes through the redactor and
 * has its control characters escaped, as any text from the gateway: it can neither show a
 * secret, nor clear the screen, nor start a line that looks like one of ours.
 */
export const receiveLine =
  (redact: (text: string) => string) =>
  (line: string): string =>
    `receive: ${printable(redact(line))}\n`;
