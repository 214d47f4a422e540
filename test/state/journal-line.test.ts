import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/execute/outcome.js';
import { intentLine, outcomeLine } from '../../src/state/journal.js';

// Any text a key, file, message or sid may hold: quotes, backslashes, control characters,
// lone surrogates, non-ASCII.
const text = fc.string({ unit: 'binary', maxLength: 24 });
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const number = fc.oneof(fc.integer(), fc.double());

describe('journal lines built field by field', () => {
  it('are the text JSON.stringify gives for the same intent record', () => {
    fc.assert(
      fc.property(
        text,
        text,
        text,
        text,
        fc.integer(),
        text,
        text,
        maybe(text),
        fc.boolean(),
        (...v) => {
          const [run, at, key, target, attempt, definition, file, number, replace] = v;
          const expected = `${JSON.stringify({
            type: 'intent',
            run,
            at,
            key,
            target,
            attempt,
            definition,
            file,
            ...(number !== undefined && { number }),
            ...(replace && { replace: true }),
          })}\n`;
          const line = intentLine(JSON.stringify(run), at, {
            key,
            target,
            attempt,
            definition,
            file,
            ...(number !== undefined && { number }),
            ...(replace && { replace: true }),
          });
          expect(line).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('are the text JSON.stringify gives for the same outcome, absent fields left out', () => {
    const status = fc.constantFrom('placed', 'failed', 'unknown', 'missed') as fc.Arbitrary<
      Outcome['status']
    >;
    fc.assert(
      fc.property(
        fc.record({
          key: text,
          status,
          at: text,
          sid: maybe(text),
          callId: maybe(text),
          httpStatus: maybe(number),
          message: maybe(text),
          attempts: maybe(number),
          definition: text,
          file: text,
          number: maybe(text),
          replace: maybe(fc.boolean()),
        }),
        (o) => {
          const expected = `${JSON.stringify({
            type: 'outcome',
            run: 'r1',
            at: o.at,
            key: o.key,
            status: o.status,
            sid: o.sid,
            callId: o.callId,
            httpStatus: o.httpStatus,
            message: o.message,
            attempts: o.attempts,
            definition: o.definition,
            file: o.file,
            number: o.number,
            ...(o.replace === true && { replace: true }),
          })}\n`;
          expect(outcomeLine('"r1"', o)).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});
