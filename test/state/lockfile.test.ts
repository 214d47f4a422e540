import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanJson } from '../../src/state/json-scan.js';
import {
  lockDigest,
  lockfileChanged,
  parseLockfile,
  readLockfile,
  serializeLockfile,
  writeLockfileAtomic,
} from '../../src/state/lockfile.js';
import { packedEntry } from '../../src/state/packed-entry.js';
import type { LockEntry, Lockfile } from '../../src/state/types.js';
import { makeFifo, releaseFifo, within } from '../support/fifo.js';
import { entry, lockOf, tempDir } from './helpers.js';

const entryArb: fc.Arbitrary<LockEntry> = fc.record(
  {
    status: fc.constantFrom('placed', 'failed', 'unknown'),
    sid: fc.uuid(),
    callId: fc.string(),
    at: fc
      .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString()),
    definition: fc.string().map((s) => `sha256:${s}`),
    file: fc.string({ unit: 'binary' }),
    httpStatus: fc.integer({ min: 100, max: 599 }),
    message: fc.string({ unit: 'binary' }),
    resolvedBy: fc.constantFrom('hand' as const, 'gateway' as const),
  },
  { requiredKeys: ['status', 'at', 'definition', 'file'] },
);
const lockArb: fc.Arbitrary<Lockfile> = fc
  .dictionary(fc.string({ unit: 'binary' }), entryArb)
  .map((calls) => ({ lockfileVersion: 1 as const, calls }));

/** The member keys of every object, in the order they appear in the text. */
const keyOrders = (text: string): string[][] => {
  const scan = scanJson(text);
  if (!scan.ok) throw new Error(scan.message);
  const byParent = new Map<string, string[]>();
  for (const pointer of scan.keys.keys()) {
    const cut = pointer.lastIndexOf('/');
    const parent = pointer.slice(0, cut);
    const key = pointer
      .slice(cut + 1)
      .replace(/~1/g, '/')
      .replace(/~0/g, '~');
    byParent.set(parent, [...(byParent.get(parent) ?? []), key]);
  }
  return [...byParent.values()];
};

describe('serializeLockfile', () => {
  it('writes sorted keys, 2-space indent, a trailing newline and only defined fields', () => {
    const lock = lockOf({
      'production/zeta': entry({ status: 'placed', sid: 'S1', callId: undefined }),
      'production/alpha': entry({ httpStatus: 400, message: 'bad number' }),
    });
    expect(serializeLockfile(lock)).toBe(
      [
        '{',
        '  "calls": {',
        '    "production/alpha": {',
        '      "at": "2026-11-24T10:00:00.000Z",',
        '      "definition": "sha256:abc",',
        '      "file": "calls/welcome.yaml",',
        '      "httpStatus": 400,',
        '      "message": "bad number",',
        '      "status": "failed"',
        '    },',
        '    "production/zeta": {',
        '      "at": "2026-11-24T10:00:00.000Z",',
        '      "definition": "sha256:abc",',
        '      "file": "calls/welcome.yaml",',
        '      "sid": "S1",',
        '      "status": "placed"',
        '    }',
        '  },',
        '  "lockfileVersion": 1',
        '}',
        '',
      ].join('\n'),
    );
    expect(serializeLockfile(lockOf({}))).toBe('{\n  "calls": {},\n  "lockfileVersion": 1\n}\n');
  });

  it('round-trips any lockfile to identical text with every level sorted', () => {
    fc.assert(
      fc.property(lockArb, (lock) => {
        const text = serializeLockfile(lock);
        const parsed = parseLockfile(text, 'callops.lock');
        if (!('lock' in parsed)) throw new Error(parsed.error.message);
        expect(serializeLockfile(parsed.lock)).toBe(text);
        expect(parsed.lock).toEqual(JSON.parse(JSON.stringify(lock)));
        expect(text.endsWith('}\n')).toBe(true);
        for (const keys of keyOrders(text)) expect(keys).toEqual([...keys].sort());
      }),
      { numRuns: 300 },
    );
  });

  it('does not depend on the order entries were inserted in', () => {
    fc.assert(
      fc.property(lockArb, (lock) => {
        const reversed = lockOf(Object.fromEntries(Object.entries(lock.calls).reverse()));
        expect(serializeLockfile(reversed)).toBe(serializeLockfile(lock));
        expect(lockDigest(reversed)).toBe(lockDigest(lock));
      }),
    );
  });
});

describe('the bytes of a written lockfile', () => {
  const keyArb = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.nat({ max: 20 }).map(String),
    fc.constantFrom('__proto__', 'a/b', 'é'),
  );
  const withSchedules: fc.Arbitrary<Lockfile> = fc
    .record({
      calls: fc.dictionary(keyArb, entryArb),
      schedules: fc.option(
        fc.dictionary(
          keyArb,
          fc.record(
            { since: fc.constant('2026-01-01T00:00:00.000Z'), reportedThrough: fc.string() },
            { requiredKeys: ['since'] },
          ),
        ),
        { nil: undefined },
      ),
    })
    .map(({ calls, schedules }) => ({
      lockfileVersion: 1 as const,
      calls,
      ...(schedules === undefined ? {} : { schedules }),
    }));

  const iso = fc
    .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString());
  /** Entries with every field: a number digest, a history, an outcome; some packed. */
  const richEntryArb: fc.Arbitrary<LockEntry> = fc.oneof(
    fc
      .tuple(
        entryArb,
        fc.record(
          {
            number: fc.string({ unit: 'binary' }).map((s) => `sha256:${s}`),
            history: fc.array(
              fc.record(
                {
                  sid: fc.uuid(),
                  callId: fc.string(),
                  at: iso,
                  joinedFrom: fc.constantFrom('lockfile' as const, 'database' as const),
                },
                { requiredKeys: ['sid', 'at'] },
              ),
              { minLength: 1, maxLength: 2 },
            ),
            outcome: fc.record(
              {
                status: fc.constantFrom('completed', 'busy', 'in-progress'),
                sip_status: fc.integer({ min: 100, max: 699 }),
                duration: fc.nat(),
                answered: fc.boolean(),
                ended_at: iso,
              },
              { requiredKeys: ['status'] },
            ),
          },
          { requiredKeys: [] },
        ),
      )
      .map(([base, more]) => ({ ...base, ...more }) as LockEntry),
    fc
      .tuple(
        fc.uuid(),
        fc.uuid(),
        iso,
        fc.string(),
        fc.option(fc.constant('sha256:0123456789abcdef'), { nil: undefined }),
      )
      .map(
        ([sid, callId, at, file, number]) =>
          packedEntry(sid, callId, at, `sha256:${'ab'.repeat(32)}`, file, number) ??
          ({ status: 'placed', sid, callId, at, definition: 'sha256:x', file } as LockEntry),
      ),
  );
  const richLockArb: fc.Arbitrary<Lockfile> = fc
    .dictionary(fc.string({ unit: 'binary' }), richEntryArb)
    .map((calls) => ({ lockfileVersion: 1 as const, calls }));

  it('are the UTF-8 of serializeLockfile, byte for byte, whatever the lockfile holds', async () => {
    const path = join(await tempDir(), 'callops.lock');
    const written = async (lock: Lockfile): Promise<Buffer> => {
      await writeLockfileAtomic(path, lock);
      return readFile(path);
    };
    await fc.assert(
      fc.asyncProperty(fc.oneof(lockArb, withSchedules, richLockArb), async (lock) => {
        expect((await written(lock)).equals(Buffer.from(serializeLockfile(lock), 'utf8'))).toBe(
          true,
        );
      }),
      { numRuns: 500 },
    );
    expect((await written(lockOf({}))).toString()).toBe(serializeLockfile(lockOf({})));
  });

  it('are what writeLockfileAtomic writes in pieces, with where each entry is', async () => {
    const dir = await tempDir();
    const path = join(dir, 'callops.lock');
    // Many entries with multi-byte text: the pieces and the offsets (bytes, not characters)
    // cross many piece boundaries.
    const big = lockOf(
      Object.fromEntries(
        Array.from({ length: 3000 }, (_, i) => [
          `p/é-${i}`,
          entry({ status: 'failed', message: `ü${'x'.repeat(i % 200)}`, file: 'calls/ß.yaml' }),
        ]),
      ),
    );
    const check = async (lock: Lockfile) => {
      const written = await writeLockfileAtomic(path, lock);
      const bytes = await readFile(path);
      expect(bytes.equals(Buffer.from(serializeLockfile(lock), 'utf8'))).toBe(true);
      expect(Number(written.identity.size)).toBe(bytes.length);
      const keys = Object.keys(lock.calls).sort();
      if (written.layout === undefined) {
        expect(written.bytes?.equals(bytes)).toBe(true);
        return;
      }
      const { heads, starts, lengths } = written.layout;
      expect(heads.length).toBe(keys.length);
      const calls = JSON.parse(serializeLockfile(lock)).calls;
      keys.forEach((key, i) => {
        const line = Buffer.from(`\n    ${JSON.stringify(key)}: `);
        const head = heads[i] as number;
        expect(bytes.subarray(head, head + line.length).equals(line)).toBe(true);
        expect(starts[i]).toBe(head + line.length);
        const text = bytes.toString(
          'utf8',
          starts[i],
          (starts[i] as number) + (lengths[i] as number),
        );
        expect(JSON.parse(text)).toEqual(calls[key]);
      });
    };
    await check(big);
    // An entry larger than a piece (its bytes, not its characters), between smaller ones.
    const huge = entry({ status: 'failed', message: 'ü'.repeat(200_000) });
    await check(lockOf({ 'p/a': entry(), 'p/b': huge, 'p/c': entry() }));
    await fc.assert(fc.asyncProperty(fc.oneof(lockArb, withSchedules, richLockArb), check), {
      numRuns: 60,
    });
  });
});

describe('lockDigest', () => {
  it('is a sha256 that changes when an entry changes', () => {
    const a = lockOf({ 'p/a': entry() });
    const b = lockOf({ 'p/a': entry({ status: 'placed', sid: 'S' }) });
    expect(lockDigest(a)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(lockDigest(a)).not.toBe(lockDigest(b));
  });
});

describe('readLockfile', () => {
  it('treats a missing file as an empty lockfile', async () => {
    const dir = await tempDir();
    expect(await readLockfile(join(dir, 'callops.lock'))).toEqual({
      lock: { lockfileVersion: 1, calls: {} },
    });
  });

  it('reads the calls a memory keeps of entries let go, and refuses one of another shape', async () => {
    const dir = await tempDir();
    const path = join(dir, 'callops.lock');
    const rang = { numbers: { 'sha256:00000000000000aa': ['2026-11-24T10:00:00.000Z'] } };
    const memory = { since: '2026-11-01T00:00:00.000Z', rang };
    await writeFile(
      path,
      JSON.stringify({ calls: {}, lockfileVersion: 1, schedules: { 'p/a': memory } }),
    );
    expect(await readLockfile(path)).toEqual({
      lock: { lockfileVersion: 1, calls: {}, schedules: { 'p/a': memory } },
    });
    const bad = { ...memory, rang: { numbers: { x: ['soon'] } } };
    await writeFile(
      path,
      JSON.stringify({ calls: {}, lockfileVersion: 1, schedules: { 'p/a': bad } }),
    );
    const result = await readLockfile(path);
    if (!('error' in result)) throw new Error('expected an error');
    expect(result.error.message).toMatch(/schedules entry "p\/a": rang must be/);
  });

  it('names file, line and column of a JSON syntax error', async () => {
    const dir = await tempDir();
    const path = join(dir, 'callops.lock');
    await writeFile(path, '{\n  "calls": {},\n  "lockfileVersion": 1,\n}\n');
    const result = await readLockfile(path);
    if (!('error' in result)) throw new Error('expected an error');
    expect(result.error).toMatchObject({ file: 'callops.lock', line: 4, column: 1 });
    expect(result.error.message).toMatch(
      /^callops\.lock is not valid JSON \(.+\) — fix it or restore it from git$/,
    );
  });

  it('points at the end of a truncated file', () => {
    const result = parseLockfile('{\n  "calls": {\n', 'state/callops.lock');
    if (!('error' in result)) throw new Error('expected an error');
    expect(result.error).toMatchObject({ file: 'state/callops.lock', line: 3, column: 1 });
  });

  it('recognises git merge conflict markers', () => {
    const text = '{\n  "calls": {\n<<<<<<< HEAD\n    "p/a": {}\n=======\n>>>>>>> main\n  }\n}\n';
    const result = parseLockfile(text, 'callops.lock');
    if (!('error' in result)) throw new Error('expected an error');
    expect(result.error).toMatchObject({ line: 3, column: 1 });
    expect(result.error.message).toContain('merge conflict');
  });

  it('locates a wrong field of an entry by its JSON pointer', () => {
    const text = serializeLockfile(lockOf({ 'prod/a': entry(), 'prod/b': entry() })).replace(
      /"failed"(?![\s\S]*"failed")/,
      '"dialled"',
    );
    const result = parseLockfile(text, 'callops.lock');
    if (!('error' in result)) throw new Error('expected an error');
    const line = text.split('\n').findIndex((l) => l.includes('"dialled"')) + 1;
    expect(result.error).toMatchObject({ path: '/calls/prod~1b/status', line, column: 7 });
    expect(result.error.message).toContain('status must be one of placed, failed, unknown');
  });

  it('refuses a duplicated entry instead of letting the last one win', () => {
    const text =
      '{"lockfileVersion": 1, "calls": {\n"p/a": {"status": "placed", "sid": "S", "at": "2026-01-01T00:00:00Z", "definition": "d", "file": "f"},\n"p/a": {"status": "failed", "at": "2026-01-01T00:00:00Z", "definition": "d", "file": "f"}}}\n';
    const result = parseLockfile(text, 'callops.lock');
    if (!('error' in result)) throw new Error('expected an error');
    expect(result.error).toMatchObject({ line: 3, column: 1, path: '/calls/p~1a' });
    expect(result.error.message).toContain('"p/a" appears twice (also at line 2)');
  });

  it('refuses an unknown lockfileVersion, missing fields and unknown fields', () => {
    const cases: [string, string][] = [
      ['{"lockfileVersion": 2, "calls": {}}', 'lockfileVersion 2 is not supported'],
      ['{"calls": {}}', 'lockfileVersion is missing'],
      ['[]', 'must be a JSON object, not an array'],
      ['{"lockfileVersion": 1, "calls": []}', 'calls must be an object'],
      ['{"lockfileVersion": 1, "calls": {"p/a": {"status": "placed"}}}', 'at must be'],
      [
        '{"lockfileVersion": 1, "calls": {"p/a": {"status": "failed", "at": "2026-01-01T00:00:00Z", "definition": "d", "file": "f", "stauts": 1}}}',
        'unknown field "stauts"',
      ],
      [
        '{"lockfileVersion": 1, "calls": {"p/a": {"status": "failed", "at": "2026-01-01T00:00:00Z", "definition": "d", "file": "f", "httpStatus": "400"}}}',
        'httpStatus must be an integer',
      ],
    ];
    for (const [text, message] of cases) {
      const result = parseLockfile(text, 'callops.lock');
      if (!('error' in result)) throw new Error(`expected an error for ${text}`);
      expect(result.error.message).toContain(message);
      expect(result.error.severity).toBe('error');
    }
  });

  it('reads a history placement state push joined (joinedFrom) and one of an earlier lockfile alike', () => {
    const history = (extra: string): string =>
      `{"lockfileVersion": 1, "calls": {"p/a": {"status": "placed", "sid": "B", "at": "2026-01-02T00:00:00Z", "definition": "d", "file": "f", "history": [{"at": "2026-01-01T00:00:00Z", "sid": "A"${extra}}]}}}`;
    const earlier = parseLockfile(history(''), 'callops.lock');
    if (!('lock' in earlier)) throw new Error(earlier.error.message);
    expect(earlier.lock.calls['p/a']?.history).toEqual([{ at: '2026-01-01T00:00:00Z', sid: 'A' }]);
    const joined = parseLockfile(history(', "joinedFrom": "lockfile"'), 'callops.lock');
    if (!('lock' in joined)) throw new Error(joined.error.message);
    expect(joined.lock.calls['p/a']?.history).toEqual([
      { at: '2026-01-01T00:00:00Z', sid: 'A', joinedFrom: 'lockfile' },
    ]);
    expect(serializeLockfile(joined.lock)).toContain(
      '"history": [\n        {\n          "at": "2026-01-01T00:00:00Z",\n          "joinedFrom": "lockfile",\n          "sid": "A"\n        }\n      ]',
    );
    const wrong = parseLockfile(history(', "joinedFrom": "git"'), 'callops.lock');
    if (!('error' in wrong)) throw new Error('expected an error');
    expect(wrong.error.message).toContain(
      'history must be a list of {sid, callId?, at, number?, joinedFrom?: "lockfile" | "database"}',
    );
  });

  it('keeps the optional schedules memory: sorted, read back, checked strictly', () => {
    const lock: Lockfile = {
      ...lockOf({ 'prod/a': entry() }),
      schedules: {
        'prod/z': { since: '2026-03-10T09:00:00.000Z' },
        'prod/b': { since: '2026-03-10T09:00:00.000Z', reportedThrough: '2026-03-10T09:08:00Z' },
      },
    };
    const text = serializeLockfile(lock);
    expect(text.indexOf('"prod/b"')).toBeLessThan(text.indexOf('"prod/z"'));
    expect(text.indexOf('"calls"')).toBeLessThan(text.indexOf('"schedules"'));
    const read = parseLockfile(text, 'callops.lock');
    expect('lock' in read && read.lock).toEqual(lock);
    // The memory changes what is reported, never what is placed: a plan file still holds.
    expect(lockDigest(lock)).toBe(lockDigest(lockOf({ 'prod/a': entry() })));
    // A lockfile without it (as older versions wrote) reads as before, and is written so.
    expect(serializeLockfile(lockOf({}))).not.toContain('schedules');
    const bad: [string, string][] = [
      ['{"lockfileVersion": 1, "calls": {}, "schedules": []}', 'schedules must be an object'],
      ['{"lockfileVersion": 1, "calls": {}, "schedules": {"p/a": {}}}', 'since must be'],
      [
        '{"lockfileVersion": 1, "calls": {}, "schedules": {"p/a": {"since": "2026-01-01T00:00:00Z", "x": 1}}}',
        'unknown field "x"',
      ],
      [
        '{"lockfileVersion": 1, "calls": {}, "schedules": {"p/a": {"since": "2026-01-01T00:00:00Z", "reportedThrough": "soon"}}}',
        'reportedThrough must be',
      ],
    ];
    for (const [json, message] of bad) {
      const result = parseLockfile(json, 'callops.lock');
      if (!('error' in result)) throw new Error(`expected an error for ${json}`);
      expect(result.error.message).toContain(message);
    }
  });

  it('accepts a byte order mark', () => {
    const text = `\uFEFF${serializeLockfile(lockOf({ 'p/a': entry() }))}`;
    expect(parseLockfile(text, 'callops.lock')).toEqual({ lock: lockOf({ 'p/a': entry() }) });
  });

  it('refuses an entry nested 100,000 deep where the nesting is too deep, without overflowing the stack', () => {
    const head = '{"lockfileVersion":1,"calls":{"x":';
    const text = `${head}${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
    const result = parseLockfile(text, 'callops.lock');
    if (!('error' in result)) throw new Error('expected an error');
    // At the bracket opening the 65th level: after the root object, calls and 62 arrays.
    expect(result.error).toMatchObject({ file: 'callops.lock', line: 1, column: head.length + 63 });
    expect(result.error.message).toBe(
      'callops.lock: values nested too deeply (more than 64 levels) — fix it or restore it from git',
    );
  });

  it('refuses a FIFO or a directory as not a regular file, without waiting for a writer', async () => {
    const dir = await tempDir();
    makeFifo(join(dir, 'callops.lock'));
    try {
      const read = await within(readLockfile(join(dir, 'callops.lock')), 2000, 'still waiting');
      expect(read).toEqual({
        error: expect.objectContaining({ message: 'is not a regular file' }),
      });
    } finally {
      releaseFifo(join(dir, 'callops.lock'));
    }
    await mkdir(join(dir, 'state.lock'));
    expect(await readLockfile(join(dir, 'state.lock'))).toEqual({
      error: expect.objectContaining({ file: 'state.lock', message: 'is not a regular file' }),
    });
  });
});

describe('writeLockfileAtomic', () => {
  it('replaces the file with the serialized lock and leaves no temporary file', async () => {
    const dir = await tempDir();
    const path = join(dir, 'callops.lock');
    await writeFile(path, 'old content');
    await chmod(path, 0o600);
    const lock = lockOf({ 'p/a': entry({ status: 'placed', sid: 'S' }) });
    await writeLockfileAtomic(path, lock);
    expect(await readFile(path, 'utf8')).toBe(serializeLockfile(lock));
    expect(await readdir(dir)).toEqual(['callops.lock']);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readLockfile(path)).toEqual({ lock });
  });

  it('cleans up its temporary file when the rename fails', async () => {
    const dir = await tempDir();
    const path = join(dir, 'callops.lock');
    await mkdir(path);
    await writeFile(join(path, 'keep'), 'x');
    await expect(writeLockfileAtomic(path, lockOf({}))).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['callops.lock']);
  });
});

describe('a large lockfile', () => {
  /** 100,000 entries, one a line, with `edit` applied to the lines (0-based entry index). */
  const bigText = (edit: (lines: string[]) => void = () => {}): string => {
    const lines = Array.from(
      { length: 100_000 },
      (_, i) =>
        `"p/c@${new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString()}": {"at": "2026-01-01T00:00:00Z", "definition": "sha256:d", "file": "f", "sid": "S${i}", "status": "placed"},`,
    );
    edit(lines);
    const last = lines.length - 1;
    lines[last] = (lines[last] as string).replace(/,$/, '');
    return `{"lockfileVersion": 1, "calls": {\n${lines.join('\n')}\n}}\n`;
  };

  it('reads 100,000 entries', () => {
    const result = parseLockfile(bigText(), 'callops.lock');
    if (!('lock' in result)) throw new Error(result.error.message);
    expect(Object.keys(result.lock.calls)).toHaveLength(100_000);
  });

  it('refuses a duplicate entry deep in it with file:line:column', { timeout: 60_000 }, () => {
    const text = bigText((lines) => {
      // Entry 97,001 gets the key of entry 3.
      const key = (lines[3] as string).slice(0, (lines[3] as string).indexOf('": ') + 1);
      lines[97_001] = (lines[97_001] as string).replace(/^"[^"]*"/, key);
    });
    const result = parseLockfile(text, 'callops.lock');
    if (!('error' in result)) throw new Error('expected an error');
    expect(result.error).toMatchObject({ file: 'callops.lock', line: 97_003, column: 1 });
    expect(result.error.message).toContain('appears twice (also at line 5)');
  });

  it('refuses a duplicate field deep in it with file:line:column', { timeout: 60_000 }, () => {
    const text = bigText((lines) => {
      lines[88_888] = (lines[88_888] as string).replace('"file": "f"', '"file": "f", "file": "g"');
    });
    const result = parseLockfile(text, 'callops.lock');
    if (!('error' in result)) throw new Error('expected an error');
    const line = 88_890;
    const column = (text.split('\n')[line - 1] as string).lastIndexOf('"file"') + 1;
    expect(result.error).toMatchObject({ line, column });
    expect(result.error.message).toContain('field "file" appears twice');
  });

  it('refuses a duplicate hidden behind an escaped colon', () => {
    // \u003a is a colon JSON.parse decodes: the count of colons alone would balance here.
    const text =
      '{"lockfileVersion": 1, "calls": {\n"p/a": {"status": "placed", "at": "2026-01-01T00:00:00Z", "definition": "x\\u003a", "file": "f", "file": "f"}}}\n';
    const result = parseLockfile(text, 'callops.lock');
    if (!('error' in result)) throw new Error('expected an error');
    expect(result.error).toMatchObject({ line: 2, path: '/calls/p~1a/file' });
  });

  it('reads a lockfile over the 4 MiB limit of call files', async () => {
    const dir = await tempDir();
    const path = join(dir, 'callops.lock');
    await writeFile(path, bigText());
    const result = await readLockfile(path);
    if (!('lock' in result)) throw new Error(result.error.message);
    expect(Object.keys(result.lock.calls)).toHaveLength(100_000);
    expect(serializeLockfile(result.lock)).toBe(
      serializeLockfile(JSON.parse(await readFile(path, 'utf8')) as Lockfile),
    );
  });
});

describe('lockfileChanged', () => {
  const lock: Lockfile = {
    lockfileVersion: 1,
    calls: { 'p/a': entry({ status: 'placed', sid: 'A' }), 'p/b': entry() },
    schedules: { 'p/s': { since: '2026-01-01T00:00:00Z' } },
  };

  it('is false for the same lock, a copy, and entries equal but not the same object', () => {
    expect(lockfileChanged(lock, lock)).toBe(false);
    expect(lockfileChanged(lock, structuredClone(lock))).toBe(false);
    expect(lockfileChanged(lock, { ...lock, schedules: { ...lock.schedules } })).toBe(false);
    expect(lockfileChanged(lockOf({}), { ...lockOf({}), schedules: {} })).toBe(false);
  });

  it('is true exactly when the serialized lockfile differs', () => {
    const variants: Lockfile[] = [
      { ...lock, calls: { ...lock.calls, 'p/c': entry() } },
      { ...lock, calls: { 'p/a': lock.calls['p/a'] as LockEntry } },
      { ...lock, calls: { ...lock.calls, 'p/b': entry({ message: 'm' }) } },
      { ...lock, schedules: { 'p/s': { since: '2026-01-02T00:00:00Z' } } },
      { lockfileVersion: 1, calls: lock.calls },
      // Same count, another key.
      { ...lock, calls: { 'p/a': lock.calls['p/a'] as LockEntry, 'p/z': entry() } },
    ];
    expect(variants).toHaveLength(6);
    for (const after of variants) {
      expect(lockfileChanged(lock, after)).toBe(
        serializeLockfile(after) !== serializeLockfile(lock),
      );
      expect(lockfileChanged(lock, after)).toBe(true);
    }
  });
});
