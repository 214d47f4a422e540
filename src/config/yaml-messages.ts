import type { YAMLError } from 'yaml';

const lowerFirst = (text: string): string => text.charAt(0).toLowerCase() + text.slice(1);

/** Messages for the yaml library's error codes, written for people editing call files. */
const BY_CODE: Readonly<Partial<Record<YAMLError['code'], (original: string) => string>>> = {
  TAB_AS_INDENT: () => 'tabs are not allowed for indentation; use spaces',
  BAD_INDENT: (original) =>
    original.startsWith('Flow sequence') || original.startsWith('Flow mapping')
      ? `${lowerFirst(original)} (an unclosed [ or { ?)`
      : `bad indentation: ${lowerFirst(original)}`,
  BAD_DQ_ESCAPE: (original) =>
    `${lowerFirst(original)} in a double-quoted string (use single quotes, or double the backslash)`,
  BAD_SCALAR_START: (original) => `${lowerFirst(original)}; put the value in quotes`,
  BLOCK_AS_IMPLICIT_KEY: (original) =>
    original.startsWith('Nested mappings')
      ? 'unexpected nested map: a `key: value: …` on one line (quote the value), or a line indented too far?'
      : 'a `- ` list item is out of line here; indent it like the items above it',
  MISSING_CHAR: (original) =>
    original.startsWith('Implicit map keys')
      ? 'expected `key: value` here (is a `:` missing?)'
      : lowerFirst(original),
  MULTILINE_IMPLICIT_KEY: () => 'a key must fit on one line (is a `:` or a closing quote missing?)',
  KEY_OVER_1024_CHARS: () => 'a key is longer than 1024 characters',
  RESOURCE_EXHAUSTION: () => 'the YAML nests too deeply to read',
  MULTIPLE_ANCHORS: () => 'a node can have only one &anchor',
  MULTIPLE_TAGS: () => 'a node can have only one !tag',
  // A tag yaml cannot apply (TAG_RESOLVE_FAILED) is an error of tags.ts, at the tag.
};

/** The message shown for a YAML error or warning (without yaml's own position suffix). */
export const yamlMessage = (error: Pick<YAMLError, 'code' | 'message'>): string => {
  const original = error.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '');
  const translate = BY_CODE[error.code];
  return translate ? translate(original) : lowerFirst(original);
};
