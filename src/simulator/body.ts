import type { IncomingMessage } from 'node:http';

/** body-parser's default limit for JSON bodies. */
export const BODY_LIMIT = 100 * 1024;

export interface ReceivedBody {
  readonly text: string;
  /** More than BODY_LIMIT bytes arrived (the text is cut there). */
  readonly tooLarge: boolean;
}

/** Reads the whole request (always, so the connection can be reused), keeping BODY_LIMIT. */
export const readBody = (req: IncomingMessage): Promise<ReceivedBody> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= BODY_LIMIT) chunks.push(chunk);
    });
    req.on('end', () =>
      resolve({ text: Buffer.concat(chunks).toString('utf8'), tooLarge: size > BODY_LIMIT }),
    );
    req.on('error', reject);
  });

export type ParsedBody =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly status: 400 | 413; readonly message: string };

const FIRST_CHAR = /^[ \t\n\r]*([^ \t\n\r])/;

// body-parser's strict mode: the message JSON.parse gives for the text with the offending
// part masked, then unmasked — e.g. `Unexpected token '1', "12" is not valid JSON`.
const strictViolation = (text: string, char: string): string => {
  const index = text.indexOf(char);
  const masked = index === -1 ? '' : text.slice(0, index) + '#'.repeat(text.length - index);
  try {
    JSON.parse(masked);
    return 'strict violation';
  } catch (error) {
    return (error as Error).message.replace(/#+/g, (run) => text.slice(index, index + run.length));
  }
};

/**
 * The body as the gateway's express.json() sees it: only `application/json` is parsed,
 * an empty or non-JSON-typed body is `{}`, only objects and arrays are accepted, and more
 * than BODY_LIMIT bytes is a 413.
 */
export const parseJsonBody = (body: ReceivedBody, contentType: string | undefined): ParsedBody => {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') return { ok: true, value: {} };
  if (body.tooLarge) return { ok: false, status: 413, message: 'request entity too large' };
  const { text } = body;
  if (text.length === 0) return { ok: true, value: {} };
  const first = FIRST_CHAR.exec(text)?.[1];
  if (first !== undefined && first !== '{' && first !== '[') {
    return { ok: false, status: 400, message: strictViolation(text, first) };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, status: 400, message: (error as Error).message };
  }
};

/** The body for the log: parsed JSON when it parses, else the text as received. */
export const bodyForLog = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};
