/** How a simulated call ends, and the seeded draw that picks it. */

export const OUTCOMES = ['answered', 'busy', 'no-answer', 'failed'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** The share of calls (0..1, summing to 1) that end each way. */
export type OutcomeMix = Readonly<Record<Outcome, number>>;

/** Without --outcomes every call is answered and completes. */
export const DEFAULT_MIX: OutcomeMix = { answered: 1, busy: 0, 'no-answer': 0, failed: 0 };

const isOutcome = (name: string): name is Outcome => (OUTCOMES as readonly string[]).includes(name);

/** Why this mix is impossible, or undefined. */
export const mixProblem = (mix: OutcomeMix): string | undefined => {
  const shares = OUTCOMES.map((o) => mix[o]);
  if (shares.some((s) => typeof s !== 'number' || !(s >= 0 && s <= 1))) {
    return 'each share must be a number between 0 and 1';
  }
  const sum = shares.reduce((a, b) => a + b, 0);
  return Math.abs(sum - 1) < 1e-9 ? undefined : `the shares must sum to 1 (they sum to ${sum})`;
};

/** `answered=0.7,busy=0.1,no-answer=0.15,failed=0.05`; names left out get 0. */
export const parseOutcomeMix = (
  text: string,
): { readonly mix: OutcomeMix } | { readonly error: string } => {
  const mix: Record<Outcome, number> = { answered: 0, busy: 0, 'no-answer': 0, failed: 0 };
  const seen = new Set<string>();
  for (const item of text.split(',')) {
    const [name = '', share, ...rest] = item.split('=').map((p) => p.trim());
    if (!isOutcome(name)) {
      return { error: `unknown outcome "${name}" (known: ${OUTCOMES.join(', ')})` };
    }
    if (seen.has(name)) return { error: `${name} is given twice` };
    seen.add(name);
    const value = share === undefined || share === '' || rest.length > 0 ? Number.NaN : +share;
    if (!(value >= 0 && value <= 1)) return { error: `${name} must be a share between 0 and 1` };
    mix[name] = value;
  }
  const problem = mixProblem(mix);
  return problem === undefined ? { mix } : { error: problem };
};

// murmur3's 32-bit finaliser: every input bit moves every output bit.
const fmix32 = (input: number): number => {
  let x = input >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
};

/** The draw in [0, 1) of the k-th accepted call (k from 1) under `seed`: a pure function. */
export const drawFor = (seed: number, k: number): number =>
  fmix32(fmix32(seed) ^ fmix32(k + 0x9e3779b9)) / 2 ** 32;

/** The outcome of the k-th accepted call (k from 1) under `seed` and `mix`. */
export const outcomeFor = (seed: number, k: number, mix: OutcomeMix): Outcome => {
  const draw = drawFor(seed, k);
  let upTo = 0;
  for (const outcome of OUTCOMES) {
    upTo += mix[outcome];
    if (mix[outcome] > 0 && draw < upTo) return outcome;
  }
  // Rounding can leave the sum a hair under 1: the last outcome with a share takes the rest.
  return OUTCOMES.filter((o) => mix[o] > 0).at(-1) ?? 'answered';
};
