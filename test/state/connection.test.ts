import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectionConfig } from '../../src/state/postgres/connection.js';
import { tempDir } from './helpers.js';

const BASE = 'postgres://ops:pw@db.example.com:5433/ops';

/** The TLS settings a url gives the client, a host check shown as whether it checks anything. */
const sslOf = (query: string) => {
  const { ssl } = connectionConfig(`${BASE}?${query}`);
  if (typeof ssl !== 'object') return ssl;
  const { checkServerIdentity, ...rest } = ssl;
  return checkServerIdentity === undefined
    ? rest
    : { ...rest, hostChecked: checkServerIdentity('other.example.com', {} as never) !== undefined };
};

describe('sslmode of the state url, read as libpq reads it', () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => {
    warnings.push(warning);
  };
  beforeEach(() => {
    warnings.length = 0;
    process.on('warning', onWarning);
  });
  afterEach(() => {
    process.off('warning', onWarning);
  });

  it('takes user, password, host, port and database from the url, TLS off by default', () => {
    const config = connectionConfig(BASE);
    expect(config).toMatchObject({
      user: 'ops',
      password: 'pw',
      host: 'db.example.com',
      port: 5433,
      database: 'ops',
    });
    // Said to the client, so that it reads no PGSSLMODE by its own rules.
    expect(config.ssl).toBe(false);
  });

  it('maps each mode to what libpq does, with no warning from the client', async () => {
    expect(sslOf('sslmode=disable')).toBe(false);
    expect(sslOf('sslmode=allow')).toBe(false);
    // Encrypted, the certificate not checked.
    expect(sslOf('sslmode=prefer')).toEqual({ rejectUnauthorized: false });
    expect(sslOf('sslmode=require')).toEqual({ rejectUnauthorized: false });
    expect(sslOf('sslmode=no-verify')).toEqual({ rejectUnauthorized: false });
    expect(sslOf('uselibpqcompat=true&sslmode=require')).toEqual({ rejectUnauthorized: false });
    // Checked against Node's built-in CAs, the host name too.
    expect(sslOf('sslmode=verify-full')).toEqual({});
    expect(sslOf('ssl=true')).toBe(true);

    const ca = join(await tempDir(), 'root.crt');
    await writeFile(ca, 'ROOT CA');
    const root = `sslrootcert=${encodeURIComponent(ca)}`;
    // The chain checked against sslrootcert, any host name.
    expect(sslOf(`sslmode=verify-ca&${root}`)).toEqual({ ca: 'ROOT CA', hostChecked: false });
    expect(sslOf(`sslmode=require&${root}`)).toEqual({ ca: 'ROOT CA', hostChecked: false });
    expect(sslOf(`sslmode=verify-full&${root}`)).toEqual({ ca: 'ROOT CA' });

    // The client given these settings parses nothing and says nothing either.
    for (const mode of ['prefer', 'require', 'verify-full']) {
      new pg.Client(connectionConfig(`${BASE}?sslmode=${mode}`));
      new pg.Pool(connectionConfig(`${BASE}?sslmode=${mode}`));
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.map((w) => w.message)).toEqual([]);
  });

  it('refuses what it cannot do as libpq does, never quoting the url', () => {
    const refused = (query: string) => {
      try {
        connectionConfig(`${BASE}?${query}`);
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(refused('sslmode=requir')).toBe(
      'the state url has an unknown sslmode: use one of disable, allow, prefer, require, verify-ca, verify-full',
    );
    expect(refused('sslmode=verify-ca')).toMatch(
      /^the state url has sslmode=verify-ca without sslrootcert=FILE/,
    );
    expect(refused('uselibpqcompat=false&sslmode=require')).toMatch(
      /^the state url has uselibpqcompat other than true/,
    );
  });

  describe('PGSSLMODE, for a url without its own sslmode', () => {
    /** The TLS settings for `query` with PGSSLMODE set to `mode`. */
    const withEnv = (mode: string, query = '') => {
      const { ssl } = connectionConfig(`${BASE}${query === '' ? '' : `?${query}`}`, mode);
      if (typeof ssl !== 'object') return ssl;
      const { checkServerIdentity, ...rest } = ssl;
      return checkServerIdentity === undefined ? rest : { ...rest, hostChecked: false };
    };

    it('means what the same sslmode in the url means', async () => {
      expect(withEnv('disable')).toBe(false);
      expect(withEnv('allow')).toBe(false);
      // Encrypted, the certificate not checked: not pg's verify-full.
      expect(withEnv('prefer')).toEqual({ rejectUnauthorized: false });
      expect(withEnv('require')).toEqual({ rejectUnauthorized: false });
      expect(withEnv('no-verify')).toEqual({ rejectUnauthorized: false });
      expect(withEnv('verify-full')).toEqual({});
      const ca = join(await tempDir(), 'root.crt');
      await writeFile(ca, 'ROOT CA');
      const root = `sslrootcert=${encodeURIComponent(ca)}`;
      expect(withEnv('verify-ca', root)).toEqual({ ca: 'ROOT CA', hostChecked: false });
      expect(withEnv('require', root)).toEqual({ ca: 'ROOT CA', hostChecked: false });
      // Unset or empty: no TLS, as without it.
      expect(withEnv('')).toBe(false);
    });

    it("loses to the url's sslmode, and to pg's ssl= in the url", () => {
      expect(withEnv('require', 'sslmode=disable')).toBe(false);
      expect(withEnv('disable', 'sslmode=require')).toEqual({ rejectUnauthorized: false });
      expect(withEnv('bogus', 'sslmode=disable')).toBe(false);
      expect(withEnv('require', 'ssl=true')).toBe(true);
      expect(withEnv('verify-full', 'ssl=0')).toBe(false);
    });

    it('refuses an unknown mode and verify-ca without sslrootcert, naming the variable', () => {
      const refused = (mode: string) => {
        try {
          connectionConfig(BASE, mode);
        } catch (error) {
          return (error as Error).message;
        }
        return 'accepted';
      };
      expect(refused('bogus')).toBe(
        'PGSSLMODE is not an sslmode: use one of disable, allow, prefer, require, verify-ca, verify-full, or unset it',
      );
      expect(refused('verify-ca')).toMatch(
        /^PGSSLMODE=verify-ca needs sslrootcert=FILE in the state url/,
      );
      expect(refused('verify-ca')).not.toContain('pw');
    });

    it('is never read by the client itself', async () => {
      const saved = process.env.PGSSLMODE;
      process.env.PGSSLMODE = 'require';
      try {
        // What the client would do with it: verify-full, where libpq (and callops) encrypt only.
        const client = new pg.Client(connectionConfig(BASE));
        expect(
          (client as unknown as { connectionParameters: { ssl: unknown } }).connectionParameters
            .ssl,
        ).toBe(false);
        const told = new pg.Client(connectionConfig(BASE, 'require'));
        expect(
          (told as unknown as { connectionParameters: { ssl: unknown } }).connectionParameters.ssl,
        ).toEqual({ rejectUnauthorized: false });
      } finally {
        if (saved === undefined) delete process.env.PGSSLMODE;
        else process.env.PGSSLMODE = saved;
      }
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((w) => w.message)).toEqual([]);
    });
  });
});
