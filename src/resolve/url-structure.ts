import { type Env, interpolateString } from './interpolate.js';

/*
 * Where a URL resolved from `${VAR}` values could be read in more than one way. A value
 * holding a character that ends the part of the URL it stands in (an `@`, `#`, `/` or `?` in a
 * password) moves the parts after it: the URL parser would then take a piece of the password
 * for the host — look it up, connect to it, print it in its error — and libpq, which reads a
 * URL otherwise, another piece. Such a URL is refused, never parsed further: the message
 * names the character to percent-encode, never the value. Pure.
 */

/** How each character a message names is written percent-encoded. */
const ENCODED: Readonly<Record<string, string>> = {
  '@': '%40',
  '#': '%23',
  '/': '%2F',
  '?': '%3F',
  '\\': '%5C',
  '&': '%26',
};

/** `scheme://` at the start: only such a URL has an authority to misread. */
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** The parts a value may stand in, as a message names them. */
type Part = 'user' | 'password' | 'host' | 'path' | 'query' | 'fragment';

const PART_WORDS: Readonly<Record<Part, string>> = {
  user: 'the user',
  password: 'the password',
  host: 'the host',
  path: 'the path',
  query: 'a parameter',
  fragment: 'the fragment',
};

/**
 * The characters that end each part, so that a value holding one moves what follows it into
 * the next part. `special`: an http(s) URL, where `\` ends the authority and a path segment too.
 * A host's own `@` is said apart (see referenceProblem).
 */
const ending = (part: Part, special: boolean): string => {
  const slash = special ? '\\' : '';
  switch (part) {
    case 'user':
    case 'password':
      return `@/?#${slash}`;
    case 'host':
      return `/?#${slash}`;
    case 'path':
      return '?#';
    case 'query':
      return '#&';
    case 'fragment':
      return '';
  }
};

/** `` `@` as %40 and `#` as %23 ``: how to write each character. */
const encodeWords = (chars: readonly string[]): string => {
  const each = chars.map((c) => `\`${c}\` as ${ENCODED[c] ?? ''}`);
  return each.length < 2 ? (each[0] ?? '') : `${each.slice(0, -1).join(', ')} and ${each.at(-1)}`;
};

/** `` `@` and `#` ``. */
const charWords = (chars: readonly string[]): string => {
  const each = chars.map((c) => `\`${c}\``);
  return each.length < 2 ? (each[0] ?? '') : `${each.slice(0, -1).join(', ')} and ${each.at(-1)}`;
};

/** Where the authority after `scheme://` ends (at `start`), as the URL parser reads it. */
const authorityEnd = (text: string, start: number, special: boolean): number => {
  const stops = special ? '/?#\\' : '/?#';
  for (let i = start; i < text.length; i++) if (stops.includes(text[i] ?? '')) return i;
  return text.length;
};

/** Private-use characters around an index: what stands for a value while the URL is read as written. */
const OPEN = '\uE000';
const CLOSE = '\uE001';
const MARK = /\uE000([0-9]+)\uE001/g;

/**
 * The first `${VAR}` of `written` (a URL with references) whose value, in `env`, holds a
 * character that ends the part of the URL the reference stands in: a message saying which
 * characters to percent-encode, naming the variable and `subject` (`` `state.url` ``), or
 * undefined. The URL is read with each value replaced by an opaque stand-in, so the parts
 * are those the file writes; a reference that is the whole URL, or its scheme, is left to
 * structureProblem.
 */
export const referenceProblem = (
  written: string,
  env: Env,
  subject: string,
  special: boolean,
): string | undefined => {
  const names: string[] = [];
  const stand: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    // An empty value is as in the file: a fallback takes its place.
    stand[name] = value === '' ? '' : `${OPEN}${names.length}${CLOSE}`;
    names.push(name);
  }
  const marked = interpolateString(written, stand).text;
  const scheme = SCHEME.exec(marked);
  if (scheme === null) return undefined;
  const start = scheme[0].length;
  const authEnd = authorityEnd(marked, start, special);
  const lastAt = marked.lastIndexOf('@', authEnd - 1);
  const atInAuthority = lastAt >= start;
  const colon = atInAuthority ? marked.indexOf(':', start) : -1;
  const passwordFrom = colon >= 0 && colon < lastAt ? colon : lastAt;
  const afterAuth = marked.slice(authEnd);
  const queryAt = afterAuth.search(/[?#]/);
  const hashAt = afterAuth.indexOf('#');
  for (const m of marked.matchAll(MARK)) {
    const name = names[Number(m[1])];
    const value = name === undefined ? undefined : env[name];
    if (name === undefined || value === undefined) continue;
    const at = m.index;
    const rel = at - authEnd;
    const part: Part =
      at < authEnd
        ? atInAuthority && at < lastAt
          ? at > passwordFrom
            ? 'password'
            : 'user'
          : 'host'
        : hashAt >= 0 && rel > hashAt
          ? 'fragment'
          : queryAt >= 0 && rel > queryAt && afterAuth[queryAt] === '?'
            ? 'query'
            : 'path';
    // A host after the authority's `@` must hold none: its `@` would be a second one. A value
    // that is the whole authority (`${DB_AUTHORITY}`) may hold the one.
    const ends = ending(part, special) + (part === 'host' && atInAuthority ? '@' : '');
    const chars = [...ends].filter((c) => value.includes(c));
    if (chars.length === 0) continue;
    const where = PART_WORDS[part];
    return `\`\${${name}}\` in ${where} of ${subject} holds ${charWords(chars)}, which would end ${where} there and move the rest of the value into another part of the URL (the host, the path…): percent-encode ${encodeWords(chars)} in the value`;
  }
  return undefined;
};

/**
 * Why `text`, a resolved URL, can be read in more than one way, as a message after
 * `said` (`` `state.url` (from CALLOPS_DATABASE_URL) ``), or undefined. Refused: a `#`
 * anywhere (the URL parser ends the URL there, libpq does not); more than one `@` before the
 * first `/` (the parser splits at the last, libpq at the first); a `?` before that `@` (the
 * parser ends the authority there); an `@` in the path (a `/` in the user or password ended
 * the authority early, and the host would be read from them). A value of any other shape,
 * or text that is no `scheme://` URL, is not looked at here.
 */
export const structureProblem = (
  text: string,
  said: string,
  special: boolean,
): string | undefined => {
  const scheme = SCHEME.exec(text);
  if (scheme === null) return undefined;
  const how = 'so a part of the user or password could be taken for the host';
  if (text.includes('#')) {
    return `${said} holds a \`#\`, which ends a URL there: what follows it (a part of the user or password, the host) would be dropped or read as another part of it; percent-encode \`#\` as %23`;
  }
  const start = scheme[0].length;
  // libpq's user and password run to the first `@` before the first `/`.
  const slashes = special ? /[/\\]/g : /\//g;
  slashes.lastIndex = start;
  const slash = slashes.exec(text)?.index ?? text.length;
  const head = text.slice(start, slash);
  const firstAt = head.indexOf('@');
  const lastAt = head.lastIndexOf('@');
  if (firstAt !== lastAt) {
    return `${said} has more than one \`@\` before its host, ${how}: percent-encode an \`@\` in the user or password as %40`;
  }
  const question = head.indexOf('?');
  if (lastAt >= 0 && question >= 0 && question < lastAt) {
    return `${said} has a \`?\` before the \`@\` that ends its user and password, ${how}: percent-encode \`?\` there as %3F (an \`@\` of a parameter as %40)`;
  }
  // The parser's authority ended at a `/` (or `\`): an `@` after it, in the path, was meant
  // to end the user and password.
  const end = authorityEnd(text, start, special);
  const c = text[end] ?? '';
  if (c === '/' || c === '\\') {
    const query = text.indexOf('?', end);
    const path = text.slice(end, query < 0 ? text.length : query);
    if (path.includes('@')) {
      return `${said} has a \`${c}\` before an \`@\`, ${how}: percent-encode \`${c}\` in the user or password as ${ENCODED[c] ?? ''} (an \`@\` of the path as %40)`;
    }
  }
  return undefined;
};

/** Schemes whose URL the parser reads with `\` as `/` (special schemes). */
const SPECIAL = /^(?:https?|wss?|ftp|file):/i;

/** A reference that is the whole text: `${HOOK_URL}`, `${HOOK_URL:-…}`. */
const WHOLE_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}$/;

/**
 * The URLs of a call's options (a webhook's `url`, a hook written as a string) whose parts a
 * `${VAR}` value moves, as for `state.url`: each problem with the path of its string. The
 * gateway would otherwise take a piece of a password for the host it calls back, and send it
 * the rest. Strings without a reference, or that resolve to no `scheme://` URL, are not
 * looked at.
 */
export const optionUrlProblems = (
  options: unknown,
  env: Env,
): { readonly path: (string | number)[]; readonly message: string }[] => {
  const found: { path: (string | number)[]; message: string }[] = [];
  const walk = (node: unknown, path: (string | number)[]): void => {
    if (typeof node === 'string') {
      // A URL is written out (`https://…${PW}…`), or comes whole from a reference.
      if (!node.includes('${') || !(node.includes('://') || node.startsWith('${'))) return;
      const resolved = interpolateString(node, env);
      if (resolved.missing.length > 0 || resolved.malformed) return;
      if (!SCHEME.test(resolved.text)) return;
      const special = SPECIAL.test(resolved.text);
      const subject = `\`${path.join('.')}\``;
      const from = WHOLE_REFERENCE.exec(node)?.[1];
      const message =
        referenceProblem(node, env, subject, special) ??
        structureProblem(
          resolved.text,
          from === undefined ? subject : `${subject} (from ${from})`,
          special,
        );
      if (message !== undefined) found.push({ path, message });
      return;
    }
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) walk(node[i], [...path, i]);
    } else if (node !== null && typeof node === 'object')
      for (const [key, item] of Object.entries(node)) walk(item, [...path, key]);
  };
  walk(options, []);
  return found;
};
