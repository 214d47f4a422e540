/** Printable ASCII without `"` and `\\`: the same text inside quotes in JSON. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** JSON.stringify of one string, without the call for the common plain one. */
export const jsonString = (value: string): string =>
  PLAIN.test(value) ? `"${value}"` : JSON.stringify(value);
