/** Characters of text gathered before they are handed on. */
const PIECE = 64 * 1024;

/**
 * Lines (each then ends with a newline) gathered into pieces of about PIECE characters: a
 * report of many lines is written as it is made, never held as one string.
 */
export function* linePieces(lines: Iterable<string>): Generator<string> {
  let text = '';
  for (const line of lines) {
    text += `${line}\n`;
    if (text.length >= PIECE) {
      yield text;
      text = '';
    }
  }
  if (text.length > 0) yield text;
}
