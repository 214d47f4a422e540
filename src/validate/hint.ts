import { suggestKey } from '../options/suggest.js';

/** " — did you mean `x`?" for the closest candidate, or "". */
export const didYouMean = (input: string, candidates: Iterable<string>): string => {
  const match = suggestKey(input, candidates);
  return match ? ` — did you mean \`${match}\`?` : '';
};
