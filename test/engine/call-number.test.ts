// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} is the reference syntax under test
import { describe, expect, it } from 'vitest';
import { callNumberOf, type Prepared } from '../../src/engine/prepare.js';
import { call } from '../plan/make.js';

/** The number `to` dials with `env`, and the variables it read. */
const numberWith = (to: unknown, env: Record<string, string>) => {
  const read: string[] = [];
  const watched = new Proxy(env, {
    get: (target, name: string) => {
      read.push(name);
      return target[name];
    },
  });
  const prepared = { env: watched } as unknown as Prepared;
  const number = callNumberOf(prepared)(
    call('c', { options: { application_sid: 'app', from: '+15550001111', to } }),
  );
  return { number, read };
};

describe('the number a call or row dials, as the plan and its screen compare it', () => {
  it('a `to` holding a ${VAR} beside the number is read with the variable resolved', () => {
    expect(numberWith({ type: 'phone', number: '${PFX}5550400001' }, { PFX: '+1' })).toEqual({
      number: '+15550400001',
      read: ['PFX'],
    });
    expect(numberWith('${TO}', { TO: '+1 555 040 0002' }).number).toBe('+15550400002');
  });

  it('a number as written (a literal, a row value) reads no environment', () => {
    expect(numberWith({ type: 'phone', number: '+15550400001' }, {})).toEqual({
      number: '+15550400001',
      read: [],
    });
    // Not a number, and no reference left: nothing to resolve.
    expect(numberWith({ type: 'sip', sipUri: 'sip:a@example.com' }, {})).toEqual({
      number: undefined,
      read: [],
    });
    // A `$${` is text, not a reference.
    expect(numberWith({ type: 'phone', number: '$${PFX}5550400001' }, {}).read).toEqual([]);
  });

  it('a variable not set, or a broken reference, tells no number: the call stays due', () => {
    expect(numberWith({ type: 'phone', number: '${PFX}5550400001' }, {}).number).toBeUndefined();
    expect(numberWith({ type: 'phone', number: '${PFX5550400001' }, { PFX: '+1' }).number).toBe(
      undefined,
    );
  });
});
