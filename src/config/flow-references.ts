import type { Document } from 'yaml';

/**
 * An unquoted `${VAR}` inside a flow collection (`{ … }`, `[ … ]`): YAML reads its braces as
 * a map, and the parser then loses its place, reporting a cascade of token errors that say
 * nothing of the cause. The `${` is found where the first of those errors points (a `{` right
 * after a `$`); the text is parsed again with the value quoted, until no such error is left,
 * so that one located error with the fix replaces the cascade while every other problem of
 * the file is still reported (from the quoted text, at the places of the written one).
 */

/** One unquoted value holding `${`, at its offset in the written text. */
export interface UnquotedReference {
  readonly offset: number;
  readonly token: string;
}

export interface FlowRepair {
  readonly references: readonly UnquotedReference[];
  /** The documents of the text with every such value quoted. */
  readonly docs: readonly Document[];
  /** An offset in that quoted text, as an offset in the written one. */
  readonly toOriginal: (offset: number) => number;
}

/** The most values quoted (and parses made) for one file. */
const MAX_ROUNDS = 20;

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly replacement: string;
}

/** Characters that end a plain value inside a flow collection. */
const ENDS_PLAIN = /[\s,[\]{}]/;

/** The end of a `${…}` whose `{` is at `open` (past its closing brace, nested ones counted). */
const referenceEnd = (text: string, open: number): number => {
  let depth = 0;
  for (let i = open; i < text.length; i += 1) {
    const char = text[i];
    if (char === '\n') return i;
    if (char === '{') depth += 1;
    else if (char === '}') {
      depth -= 1;
      if (depth === 0) return i + 1;
    }
  }
  return text.length;
};

/** The plain value around the `${` whose `{` is at `brace`: the text to put in quotes. */
const plainValueAt = (text: string, brace: number): { start: number; end: number } => {
  let start = brace - 1;
  while (start > 0 && !ENDS_PLAIN.test(text[start - 1] ?? ' ')) start -= 1;
  let end = brace - 1;
  while (end < text.length) {
    if (text.startsWith('${', end)) end = referenceEnd(text, end + 1);
    else if (ENDS_PLAIN.test(text[end] ?? ' ')) break;
    else end += 1;
  }
  return { start, end };
};

const applyEdits = (text: string, edits: readonly Edit[]): string => {
  let out = '';
  let from = 0;
  for (const edit of edits) {
    out += text.slice(from, edit.start) + edit.replacement;
    from = edit.end;
  }
  return out + text.slice(from);
};

const mapper =
  (edits: readonly Edit[]) =>
  (offset: number): number => {
    let shift = 0;
    for (const edit of edits) {
      const start = edit.start + shift;
      if (offset < start) break;
      const end = start + edit.replacement.length;
      if (offset < end) return Math.min(edit.end, Math.max(edit.start, offset - shift - 1));
      shift += edit.replacement.length - (edit.end - edit.start);
    }
    return offset - shift;
  };

/** How far the edits before `offset` (in the written text) move it in the quoted text. */
const shiftBefore = (edits: readonly Edit[], offset: number): number =>
  edits
    .filter((edit) => edit.end <= offset)
    .reduce((shift, edit) => shift + edit.replacement.length - (edit.end - edit.start), 0);

/** The first error of the documents that points at the `{` of an unquoted `${`. */
const braceError = (text: string, docs: readonly Document[]): number | undefined => {
  for (const doc of docs) {
    for (const error of doc.errors) {
      const at = error.pos[0];
      if (text[at] === '{' && text[at - 1] === '$') return at;
    }
  }
  return undefined;
};

/**
 * Quotes, one by one, the unquoted values holding `${` that broke a flow collection of
 * `text`; undefined when there is none. `parse` parses a text as the caller does.
 */
export const repairFlowReferences = (
  text: string,
  docs: readonly Document[],
  parse: (text: string) => readonly Document[],
): FlowRepair | undefined => {
  const edits: Edit[] = [];
  let current = text;
  let currentDocs = docs;
  // Each round quotes one more `${` of the text and parses it again: bounded by their count,
  // and by MAX_ROUNDS (past that, a file's later ones get yaml's own errors).
  const rounds = Math.min(MAX_ROUNDS, text.split('${').length - 1);
  for (let round = 0; round < rounds; round += 1) {
    const brace = braceError(current, currentDocs);
    if (brace === undefined) break;
    const value = plainValueAt(current, brace);
    // A value that starts with a quote is no plain value: the quotes around it are what went
    // wrong (a stray one), and quoting it again would only add to that.
    if (/^["']/.test(current.slice(value.start, value.end))) break;
    const toOriginal = mapper(edits);
    const start = toOriginal(value.start);
    const end = toOriginal(value.end);
    if (edits.some((e) => start < e.end && e.start < end)) break;
    const edit = { start, end, replacement: JSON.stringify(text.slice(start, end)) };
    const next = [...edits, edit].sort((a, b) => a.start - b.start);
    const quoted = applyEdits(text, next);
    const quotedDocs = parse(quoted);
    // Taken only when the quoted value reads clean: else it was not what broke the text.
    const from = start + shiftBefore(edits, start);
    const to = from + edit.replacement.length;
    const clean = quotedDocs.every((doc) =>
      doc.errors.every((error) => error.pos[0] < from || error.pos[0] >= to),
    );
    if (!clean) break;
    edits.splice(0, edits.length, ...next);
    current = quoted;
    currentDocs = quotedDocs;
  }
  if (edits.length === 0) return undefined;
  return {
    references: edits.map((edit) => ({
      offset: edit.start,
      token: text.slice(edit.start, edit.end),
    })),
    docs: currentDocs,
    toOriginal: mapper(edits),
  };
};

/** The message for a value holding `${` that was left unquoted inside `{ … }` or `[ … ]`. */
export const unquotedReferenceMessage = (token: string): string =>
  `a \`\${…}\` inside { … } or [ … ] must be quoted (unquoted, YAML reads its braces as a map) — quote it: ${JSON.stringify(token)}`;
