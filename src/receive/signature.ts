import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * jambonz signs webhook requests `Jambonz-Signature: t=<unix seconds>,v1=<hex
 * HMAC-SHA256(secret, "<t>.<raw body>")>`. A request is genuine when one of the secrets (more
 * than one while a secret is rotated) gives one of its v1 values, compared timing-safe, and
 * its time is within the tolerance of ours either way (a replay ages out).
 */

export const SIGNATURE_HEADER = 'jambonz-signature';
export const DEFAULT_TOLERANCE_S = 300;

export type Verdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'unsigned' | 'malformed' | 'expired' | 'mismatch' };

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

/** The timestamp and the v1 signatures of a header, or undefined when it is not one. */
const parseHeader = (header: string): { t: number; v1: string[] } | undefined => {
  let t: number | undefined;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const index = part.indexOf('=');
    if (index <= 0) return undefined;
    const name = part.slice(0, index).trim();
    const value = part.slice(index + 1).trim();
    if (name === 't') {
      if (!/^\d{1,12}$/.test(value)) return undefined;
      t = Number(value);
    } else if (name === 'v1') {
      if (HEX_SHA256.test(value)) v1.push(value.toLowerCase());
    }
  }
  return t === undefined || v1.length === 0 ? undefined : { t, v1 };
};

export const verifySignature = (
  header: string | undefined,
  rawBody: Buffer,
  secrets: readonly string[],
  nowS: number,
  toleranceS = DEFAULT_TOLERANCE_S,
): Verdict => {
  if (header === undefined || header.trim() === '') return { ok: false, reason: 'unsigned' };
  const parsed = parseHeader(header);
  if (parsed === undefined) return { ok: false, reason: 'malformed' };
  if (Math.abs(nowS - parsed.t) > toleranceS) return { ok: false, reason: 'expired' };
  const given = parsed.v1.map((hex) => Buffer.from(hex, 'hex'));
  let match = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(`${parsed.t}.`).update(rawBody).digest();
    // Every pair is compared, so the time taken says nothing about which one matched.
    for (const candidate of given) {
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected))
        match = true;
    }
  }
  return match ? { ok: true } : { ok: false, reason: 'mismatch' };
};
