import { firstUnprintable } from '../report/printable.js';

/** Where each target value goes as written: what a flaw in it would break. */
const GOES_INTO = {
  base_url: 'the request URL',
  account_sid: 'the request URL',
  api_key: 'the Authorization header',
} as const;

/** A character an HTTP header value cannot hold (the HTTP client refuses it at the send). */
const beyondLatin1 = (value: string): boolean => {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 0xff) return true;
  return false;
};

export type SentKey = keyof typeof GOES_INTO;
export const SENT_KEYS = Object.keys(GOES_INTO) as readonly SentKey[];

/**
 * Why a target value that goes into the request URL or a request header cannot be used as it
 * resolved, or undefined when it can: a control character (a line break, a tab) anywhere, or
 * white space at either end. A value read whole from a file (a Kubernetes Secret made with
 * `--from-file`, a `.env` value with `\n`) ends in a line break; sent, it is refused by the
 * HTTP client or changes the request. The message names `key` and the reference as written
 * (`written`, when it holds one), never the value: the character found is shown escaped.
 */
export const sentTextProblem = (
  key: SentKey,
  value: string,
  written: string | undefined,
): string | undefined => {
  const last = firstUnprintable(value.slice(-1));
  const first = firstUnprintable(value.slice(0, 1));
  const inside = firstUnprintable(value);
  const flaw =
    last !== undefined
      ? `ends with ${last}`
      : first !== undefined
        ? `begins with ${first}`
        : inside !== undefined
          ? `holds ${inside}`
          : /^\s/.test(value)
            ? 'begins with white space'
            : /\s$/.test(value)
              ? 'ends with white space'
              : key === 'api_key' && beyondLatin1(value)
                ? // Not shown: a character of the key would be a piece of the secret.
                  'holds a character beyond Latin-1 (an HTTP header carries bytes, not such characters)'
                : undefined;
  if (flaw === undefined) return undefined;
  const what = written === undefined ? key : `${key} \`${written}\` resolves to a value that`;
  const why = /^ends with \\[nr]$/.test(flaw)
    ? ' (a value read whole from a file, as `kubectl create secret --from-file` reads one, ends in a line break)'
    : '';
  return `${what} ${flaw}, which does not belong in ${GOES_INTO[key]}: remove it${why}`;
};
