/**
 * The look-up `status` offers first for an unknown entry (report/unsettled.ts): the gateway's
 * records may show whether its call was placed, and `resolve --check` then settles it. Each
 * plan line that an unknown entry holds back offers it first too, so that plan and status
 * name the same first step for the same entry.
 */
export const checkWords = (key: string): string =>
  `\`callops resolve --check ${key}\` looks it up on the gateway`;

/** The look-up, then the two settlements by hand: what settles unknown `key`. */
export const settleWords = (key: string): string =>
  `${checkWords(key)}; or \`callops resolve ${key} --placed SID\` or \`--not-placed\``;
