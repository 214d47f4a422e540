import { describe, expect, it } from 'vitest';
import { unitHint } from '../../src/validate/unit-hints.js';

describe('unitHint', () => {
  it('writes the number in the forms its field accepts, else the field’s examples', () => {
    // redial.after takes 0 (redial at once), up to 366d.
    expect(unitHint('/calls/0/redial/after', '0')).toBe(
      'must be a duration with its unit — write e.g. 0s, 0m or 0h (a number alone has none)',
    );
    expect(unitHint('/calls/0/redial/after', '9000')).toBe(
      'must be a duration with its unit — write e.g. 9000s or 9000m (a number alone has none)',
    );
    // A rate of 0 calls, or a count that is not whole, is no rate.
    for (const token of ['0', '2.5', '-1'])
      expect(unitHint('/targets/prod/rate', token)).toBe(
        'must be calls per time — write e.g. 5/s, 600/5m or 100/1h (a number alone has no time)',
      );
    expect(unitHint('/limits/per_number', '0')).toBe(
      'must be N/DURATION — write e.g. 3/24h or 1/7d (a number alone has no duration)',
    );
    expect(unitHint('/defaults/schedule/deadline', '0')).toBe(
      'must be a duration with its unit — write e.g. 30s, 10m or 1h (a number alone has none)',
    );
  });

  it('says nothing of a field that takes no unit', () => {
    expect(unitHint('/calls/0/timeout', '5')).toBeUndefined();
    expect(unitHint('/targets/prod/account_sid', '5')).toBeUndefined();
  });
});
