/** The create-call checks of the gateway, in its order; each returns the 400 message. */

type Body = Readonly<Record<string, unknown>>;

const SPEECH_SETTINGS = [
  'speech_synthesis_vendor',
  'speech_synthesis_language',
  'speech_synthesis_voice',
  'speech_recognizer_vendor',
  'speech_recognizer_language',
] as const;

const field = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null ? (value as Body)[key] : undefined;

const validTo = (to: unknown): boolean => {
  switch (field(to, 'type')) {
    case 'phone':
    case 'teams':
      return typeof field(to, 'number') === 'string';
    case 'user':
      return typeof field(to, 'name') === 'string';
    case 'sip':
      return typeof field(to, 'sipUri') === 'string';
    default:
      return false;
  }
};

const ABSOLUTE = /^(?:https?|wss?):/;

/** A hook (string or {url}) checked the gateway's way: `undefined` when it is fine. */
const hookProblem = (name: string, hook: unknown): string | undefined => {
  if (!hook) return undefined;
  const url = typeof hook === 'string' ? hook : field(hook, 'url');
  if (typeof hook === 'object' && typeof url !== 'string') {
    return `${name} must be string or an object containing a url property`;
  }
  return ABSOLUTE.test(String(url)) ? undefined : `${name} url be an absolute url`;
};

/**
 * The first problem the gateway would report for this (parsed) body, or `undefined` when
 * it would forward the call. `applicationExists` stands for its application lookup.
 */
export const createCallProblem = (
  parsed: unknown,
  applicationExists: (sid: unknown) => boolean,
): string | undefined => {
  const body: Body = typeof parsed === 'object' && parsed !== null ? (parsed as Body) : {};
  if (!body.from) return 'missing from parameter';
  if (!validTo(body.to)) return `missing or invalid to property: ${JSON.stringify(body.to)}`;
  if (body.application_sid) {
    // The application's own hooks replace the body's: nothing more to check.
    return applicationExists(body.application_sid)
      ? undefined
      : `application_sid not found ${String(body.application_sid)}`;
  }
  if (SPEECH_SETTINGS.some((key) => !body[key])) {
    return `either application_sid or set of ${SPEECH_SETTINGS.join(', ')} required`;
  }
  if (!body.call_hook) return 'either call_hook or application_sid required';
  return (
    hookProblem('call_hook', body.call_hook) ??
    hookProblem('call_status_hook', body.call_status_hook)
  );
};
