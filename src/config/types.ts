/** A 1-based position in a source file. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/**
 * Where a merged value came from: its file (a call file, or callops.yaml for project
 * defaults), its position, and its JSON pointer inside that document.
 */
export interface Site extends Position {
  readonly file: string;
  readonly path: string;
}

/** Path segments as in a JSON pointer: keys and array indexes. */
export type PathSegments = readonly (string | number)[];

/**
 * One YAML document of a file, as plain data plus a way back to the source.
 * `locate` returns the position of the node at `path` (for a key that does not exist,
 * the closest existing ancestor); `locateKey` the position of the key itself.
 */
export interface SourceDocument {
  readonly file: string;
  /** 0-based index of the document inside a multi-document file. */
  readonly index: number;
  readonly data: unknown;
  locate(path: PathSegments): Position;
  locateKey(path: PathSegments): Position;
  /**
   * A document `data` is undefined for as it holds aliases that name no anchor (each an
   * error at it), read with each of them as null: what validate checks of the rest of it.
   * `aliases` are where they are; a problem at, below or above one may stem from what it
   * was meant to stand for.
   */
  readonly withoutAliases?: { readonly data: unknown; readonly aliases: readonly PathSegments[] };
  /**
   * Where the `nth` (0-based) `text` written inside the scalar at `path` is, such as one
   * `${row.X}` of a longer string; the scalar's own position when it is not written there as
   * such (an escape spells it), or the path ends at no scalar.
   */
  locateText?(path: PathSegments, text: string, nth: number): Position;
  /**
   * How the number at `path` is written (`01234`, `0x1F`, `1.10`), when that is not how JSON
   * writes the number it is read as: the text a request body would not carry. Undefined for
   * a number written as JSON writes it, for anything else, and through a path that does not
   * end at a number. Absent when the document holds no such number at all (the fast parser
   * reads no file that does).
   */
  writtenNumber?(path: PathSegments): string | undefined;
  /**
   * Lets go of `data` when it can be read again from the file's text (then read again each
   * time it is asked for): true when it was let go of. For a document whose calls are placed.
   */
  release?(): boolean;
  /** True once `release` let go of `data`. */
  readonly released?: boolean;
}

export interface SourceFile {
  readonly file: string;
  /** Raw text, used to show the offending line under an error. */
  readonly text: string;
  readonly documents: readonly SourceDocument[];
}
