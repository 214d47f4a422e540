import type { Env } from '../resolve/index.js';
import { interpolateString } from '../resolve/interpolate.js';
import { EngineError } from './errors.js';
import { SIMULATOR_TARGET, type TargetChoice } from './targets.js';

/** True for a URL whose host is loopback: 127.0.0.0/8, ::1 or localhost. */
export const isLoopbackUrl = (text: string): boolean => {
  let host: string;
  try {
    host = new URL(text).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
};

/**
 * `apply --now` shifts the clock that schedules, windows and deadlines are judged by, so it
 * may only reach a gateway that dials nobody: the built-in simulator or a loopback base URL
 * (its value read from the environment when it is a reference; unreadable counts as remote).
 * Any other target among `names` is refused (exit 64) before anything is sent.
 */
export const checkRehearsal = (
  names: Iterable<string>,
  choice: TargetChoice,
  env: Env,
  now: Date,
): void => {
  for (const name of new Set(names)) {
    if (name === SIMULATOR_TARGET) continue;
    const spec = choice.specs.get(name);
    const url = spec === undefined ? undefined : interpolateString(spec.base_url, env);
    const ok = url !== undefined && url.missing.length === 0 && !url.malformed;
    if (ok && isLoopbackUrl(url.text)) continue;
    const where = spec === undefined ? '' : ` (${spec.base_url})`;
    throw new EngineError(
      'usage',
      `apply --now is a rehearsal, allowed only against the built-in simulator or a loopback target; target \`${name}\`${where} is neither. To see what would be due at that instant, use \`callops plan --now ${now.toISOString()}\`; nothing was sent`,
    );
  }
};

/** The line that says a run is a rehearsal, and at which instant. */
export const rehearsalNote = (now: Date): string =>
  `rehearsal at ${now.toISOString()} (--now): schedules, windows and deadlines are judged as at that instant`;
