/**
 * Git's merge conflict markers left in a file: a `<<<<<<<` line, then (after `=======`) a
 * `>>>>>>>` line, each at the start of a line. Read as YAML they give a dozen errors about
 * keys and block scalars that say nothing of a merge; found first, they are one located
 * error. Both ends are required: a lone `=======` may be text of a block scalar.
 */

const OPENING = /^<{7}(?: |\r?$)/m;
const CLOSING = /^>{7}(?: |\r?$)/m;

/** The lines of the first conflict (1-based), or undefined when the text holds none. */
export const conflictLines = (
  text: string,
): { readonly from: number; readonly to: number } | undefined => {
  // Most files hold no `<<<<<<<` at all: one search, and no regex, for them.
  if (!text.includes('<<<<<<<')) return undefined;
  const opening = OPENING.exec(text);
  if (opening === null) return undefined;
  const rest = text.slice(opening.index);
  const closing = CLOSING.exec(rest);
  if (closing === null) return undefined;
  const lineAt = (offset: number) => text.slice(0, offset).split('\n').length;
  return { from: lineAt(opening.index), to: lineAt(opening.index + closing.index) };
};

/** "calls/a.yaml has unresolved git merge conflict markers (lines 5 to 11) — …" */
export const conflictMessage = (
  file: string,
  lines: { readonly from: number; readonly to: number },
): string =>
  `${file} has unresolved git merge conflict markers (lines ${lines.from} to ${lines.to}) — keep the lines wanted from each side and remove the marker lines, or restore it from git`;
