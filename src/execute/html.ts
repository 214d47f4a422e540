// HTML character references, as gateway and proxy error pages write them: the XML five,
// the Latin-1 names, and the HTML 5 names of ASCII punctuation (used by escapers that
// escape every symbol). Enough to read an echoed request back; not the whole HTML 5 table.

/** The names of U+00A0 to U+00FF, in order. */
const LATIN1 = [
  'nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr ',
  'deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 ',
  'frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc ',
  'Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times ',
  'Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml ',
  'aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ',
  'ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn ',
  'yuml',
]
  .join('')
  .split(' ');

const ASCII: Readonly<Record<string, string>> = {
  quot: '"',
  amp: '&',
  lt: '<',
  gt: '>',
  apos: "'",
  Tab: '\t',
  NewLine: '\n',
  excl: '!',
  num: '#',
  dollar: '$',
  percnt: '%',
  lpar: '(',
  rpar: ')',
  ast: '*',
  plus: '+',
  comma: ',',
  period: '.',
  sol: '/',
  colon: ':',
  semi: ';',
  equals: '=',
  quest: '?',
  commat: '@',
  lsqb: '[',
  lbrack: '[',
  bsol: '\\',
  rsqb: ']',
  rbrack: ']',
  Hat: '^',
  lowbar: '_',
  grave: '`',
  lcub: '{',
  lbrace: '{',
  verbar: '|',
  vert: '|',
  rcub: '}',
  rbrace: '}',
};

/** Named references and the character each stands for. */
export const NAMED_ENTITIES: ReadonlyMap<string, string> = new Map([
  ...Object.entries(ASCII),
  ...LATIN1.map((name, i) => [name, String.fromCodePoint(160 + i)] as const),
]);

const REFERENCE = /&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,7})|([A-Za-z][A-Za-z0-9]{1,31}));/g;

const fromCode = (code: number, whole: string): string =>
  code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)
    ? String.fromCodePoint(code)
    : whole;

const decodeOne = (whole: string, dec?: string, hex?: string, name?: string): string => {
  if (dec !== undefined) return fromCode(Number.parseInt(dec, 10), whole);
  if (hex !== undefined) return fromCode(Number.parseInt(hex, 16), whole);
  return NAMED_ENTITIES.get(name ?? '') ?? whole;
};

/** The text with every named (known), decimal and hex character reference decoded. */
export function decodeHtmlEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(REFERENCE, decodeOne);
}

/**
 * `decodeHtmlEntities`, and for each code unit of the result (and its end) the index in
 * `text` where it came from: a match in the decoded text maps back to the original.
 */
export function decodeHtmlEntitiesMapped(text: string): {
  readonly text: string;
  readonly offsets: readonly number[];
} {
  let decoded = '';
  const offsets: number[] = [];
  let cursor = 0;
  const copy = (from: number, to: number) => {
    decoded += text.slice(from, to);
    for (let i = from; i < to; i++) offsets.push(i);
  };
  for (const m of text.matchAll(REFERENCE)) {
    copy(cursor, m.index);
    const char = decodeOne(m[0], m[1], m[2], m[3]);
    decoded += char;
    for (let i = 0; i < char.length; i++) offsets.push(m.index);
    cursor = m.index + m[0].length;
  }
  copy(cursor, text.length);
  offsets.push(text.length);
  return { text: decoded, offsets };
}

/**
 * What an HTML page's markup is: a tag whose name is ASCII (`<p>`, `</a>`, `<br/>`, `<a
 * href="…">`), or a declaration or comment (`<!DOCTYPE html>`). Text merely between `<` and
 * `>` is kept: an echoed value holding `<ü>`, which a server normalised to `<u` and a
 * combining diaeresis, once lost that piece here, and the rest of the value showed.
 */
const MARKUP = /<(?:\/?[a-z][a-z0-9:-]*(?:\s[^>]*)?\/?|![^>]*)>/gi;

/**
 * The text with its markup (see MARKUP) taken out, a space for each piece; a text holding
 * nothing that looks like a tag is left as it is. The gateway client reads an answer that is
 * no JSON this way, and the redactor searches for each value as this makes it too.
 */
export function stripMarkup(text: string): string {
  return /<[a-z!/][^>]*>/i.test(text) ? text.replace(MARKUP, ' ') : text;
}
