/** Largest YAML file callops reads (bytes). Bigger files are refused before parsing. */
export const MAX_FILE_BYTES = 4 * 1024 * 1024;

/**
 * How many times one anchor may be repeated by aliases, an anchor whose value holds aliases
 * counting all they stand for (yaml's `maxAliasCount`, which also counts the anchor itself:
 * it is given one more). Generous enough for hundreds of `*from`-style reuses in one file,
 * small enough that "billion laughs" style documents are refused in milliseconds.
 */
export const MAX_ALIAS_COUNT = 1000;

/**
 * What the aliases of one file may expand to, in characters of their scalars plus one per
 * node. The alias count alone lets a few hundred aliases of one large anchor stand for
 * gigabytes of text; this bound keeps that expansion as small as a file may be.
 */
export const MAX_ALIAS_EXPANSION = 4 * 1024 * 1024;

/** YAML syntax diagnostics kept per file; the rest are summarised in one line. */
export const MAX_SYNTAX_DIAGNOSTICS = 50;

const MIB = 1024 * 1024;

/** Size in MiB, rounded up to one decimal so a file just over the limit never reads as equal. */
export const formatMiB = (bytes: number): string =>
  `${(Math.ceil((bytes / MIB) * 10) / 10).toFixed(1)} MiB`;

/** Why a file over MAX_FILE_BYTES is refused; `files` says which (call files, env files). */
export const tooLargeMessage = (bytes: number, files = 'call files'): string =>
  `file is ${formatMiB(bytes)}; callops reads ${files} up to ${MAX_FILE_BYTES / MIB} MiB${files === 'call files' ? ' — split it' : ''}`;
