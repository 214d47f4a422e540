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
    expect(config.ssl).toBeUndefined();
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
});
