/**
 * Whether a number is written as JSON writes it, so that a request body sends the text that
 * is written: `1234`, `-0.5`, `6.02e23` (JSON writes `6.02e+23`, the same number in the same
 * notation). Not `01234`, `0x1F`, `0o17`, `1.10`, `+1`, `1e3`, `.5`, `-0` or `.inf`: YAML reads
 * each as a number that JSON writes otherwise, and the text as written is not what is sent.
 */
export const writtenAsJson = (written: string, value: number): boolean => {
  const json = String(value);
  return written === json || (json.includes('e+') && written === json.replace('e+', 'e'));
};
