/**
 * Source text with every non-ASCII UTF-16 unit written as `\uXXXX` (the same meaning in
 * JavaScript strings, regular expressions and comments): Node then decodes the file on its
 * fast path and V8 keeps its strings one byte wide. Used for the generated validators and,
 * by scripts/bundle.mjs, for the bundle.
 */
export const asciiOnly = (code: string): string =>
  code.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
