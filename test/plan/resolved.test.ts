// biome-ignore-all lint/suspicious/noTemplateCurlyInString: targets hold literal ${VAR} references
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { gatewayIdentity } from '../../src/engine/plan-digests.js';
import { canonicalJson, saltedDigest, withoutSecrets } from '../../src/plan/index.js';
import type { TargetSpec } from '../../src/validate/model.js';

const spec: TargetSpec = {
  name: 'lab',
  base_url: '${GW}',
  account_sid: 'AC-lab',
  api_key: '${KEY}',
  file: 'callops.yaml',
  locate: () => ({ line: 1, column: 1 }),
};

describe('what a plan file digests of the values a plan resolves to', () => {
  it('a gateway is its base_url and account_sid as resolved, never its api_key', () => {
    const a = { GW: 'https://a.example.com', KEY: 'key-1' };
    expect(gatewayIdentity(spec, a)).toEqual({
      base_url: 'https://a.example.com',
      account_sid: 'AC-lab',
    });
    // A rotated key is the same gateway; another URL is another one.
    expect(gatewayIdentity(spec, { ...a, KEY: 'key-2' })).toEqual(gatewayIdentity(spec, a));
    expect(gatewayIdentity(spec, { ...a, GW: 'https://b.example.com' })).not.toEqual(
      gatewayIdentity(spec, a),
    );
    // As callops uses it: a trailing slash is the same URL; an unresolved one is null.
    expect(gatewayIdentity(spec, { GW: 'https://a.example.com/' })).toEqual(
      gatewayIdentity(spec, a),
    );
    expect(gatewayIdentity(spec, {})).toEqual({ base_url: null, account_sid: 'AC-lab' });
    // Set but empty or blank (a CI job's missing secret), or no http(s) URL: as unset.
    for (const GW of ['', ' ', 'vg.example.com', 'ftp://a.example.com']) {
      expect(gatewayIdentity(spec, { GW }).base_url, JSON.stringify(GW)).toBeNull();
    }
    const account = { ...spec, account_sid: '${SID}' };
    expect(gatewayIdentity(account, { ...a, SID: ' ' }).account_sid).toBeNull();
    expect(gatewayIdentity(account, { ...a, SID: 'AC-lab ' })).toEqual(gatewayIdentity(spec, a));
  });

  it('leaves out the values of secret keys and of the api keys, wherever they are', () => {
    const body = {
      to: { type: 'phone', number: '+15550002222' },
      call_hook: { url: 'https://hooks.example.com', username: 'ops', password: 'hunter2' },
      tag: { api_key: 'tag-key', copy: 'key-1', list: ['key-1', 'x'] },
    };
    expect(withoutSecrets(body, new Set(['key-1']))).toEqual({
      to: { type: 'phone', number: '+15550002222' },
      call_hook: { url: 'https://hooks.example.com', username: 'ops', password: '(secret)' },
      tag: { api_key: '(secret)', copy: '(secret)', list: ['(secret)', 'x'] },
    });
    const other = { ...body, call_hook: { ...body.call_hook, password: 'rotated' } };
    expect(saltedDigest('s', withoutSecrets(other))).toBe(saltedDigest('s', withoutSecrets(body)));
  });

  it('a salted digest is not the plain sha256 of the value, and depends on the salt', () => {
    const value = { to: '+15550002222' };
    const plain = createHash('sha256').update(canonicalJson(value)).digest();
    const digest = saltedDigest('s', value);
    expect(digest).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(plain.toString('base64url')).not.toContain(digest);
    expect(plain.toString('hex')).not.toContain(Buffer.from(digest, 'base64url').toString('hex'));
    expect(saltedDigest('t', value)).not.toBe(digest);
    expect(saltedDigest('s', { to: '+15550002223' })).not.toBe(digest);
  });
});
