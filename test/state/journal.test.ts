import { appendFile, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/execute/outcome.js';
import { NOT_SENT_INTERRUPTED, NOT_SENT_LOCK_LOST } from '../../src/execute/outcome.js';
import {
  clearJournal,
  INTERRUPTED,
  type IntentRecord,
  intentLine,
  type JournalWriteError,
  openJournal,
  recoverJournal,
  replayJournal,
} from '../../src/state/journal.js';
import { JOURNAL_ROOM_ENV, journalIo } from '../../src/state/journal-io.js';
import { readLockfile, serializeLockfile, writeLockfileAtomic } from '../../src/state/lockfile.js';
import { foldJournal } from '../../src/state/replay.js';
import { entry, lockOf, tempDir } from './helpers.js';

const meta = { definition: 'sha256:d1', file: 'calls/a.yaml' };
const intent = (key: string, attempt = 1): IntentRecord => ({
  key,
  target: 'production',
  attempt,
  at: '2026-11-24T10:00:00.000Z',
  ...meta,
});
const placed = (key: string, sid = `sid-${key}`): Outcome & typeof meta => ({
  key,
  status: 'placed',
  at: '2026-11-24T10:00:01.000Z',
  sid,
  callId: `call-${key}`,
  attempts: 1,
  ...meta,
});

const journalLines = async (stateDir: string): Promise<Record<string, unknown>[]> =>
  (await readFile(join(stateDir, 'journal.jsonl'), 'utf8'))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** A promise with its resolver, to hold a sync open while more lines arrive. */
const gate = (): { wait: Promise<void>; open: () => void } => {
  let open = (): void => undefined;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
};

describe('journal lines', () => {
  it('writes typed lines with the run id and only the record fields', async () => {
    const dir = join(await tempDir(), '.callops');
    const journal = await openJournal(dir, { runId: 'run-1' });
    await journal.intent(intent('production/a'));
    const withBody = { ...placed('production/a'), body: { api_key: 'SECRET-VALUE' } };
    await journal.outcome(withBody);
    await journal.close();
    const text = await readFile(join(dir, 'journal.jsonl'), 'utf8');
    expect(text).not.toContain('SECRET-VALUE');
    const [first, second] = await journalLines(dir);
    expect(first).toEqual({
      type: 'intent',
      run: 'run-1',
      at: '2026-11-24T10:00:00.000Z',
      key: 'production/a',
      target: 'production',
      attempt: 1,
      ...meta,
    });
    expect(Object.keys(second ?? {}).sort()).toEqual(
      [
        'at',
        'attempts',
        'callId',
        'definition',
        'file',
        'key',
        'run',
        'sid',
        'status',
        'type',
      ].sort(),
    );
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toBe('*\n');
  });

  it('refuses lines after close', async () => {
    const journal = await openJournal(join(await tempDir(), '.callops'));
    await journal.close();
    await expect(journal.intent(intent('p/a'))).rejects.toThrow(/closed/);
  });
});

describe('group commit', () => {
  it('commits intents queued in the same turn with one fdatasync', async () => {
    let syncs = 0;
    const journal = await openJournal(join(await tempDir(), '.callops'), {
      datasync: async (handle) => {
        syncs++;
        await handle.datasync();
      },
    });
    await Promise.all(Array.from({ length: 50 }, (_, i) => journal.intent(intent(`p/${i}`))));
    await journal.close();
    expect(syncs).toBe(1);
  });

  it('batches intents that arrive during a sync into the next single sync', async () => {
    const events: string[] = [];
    const first = gate();
    const entered = gate();
    let syncs = 0;
    const dir = join(await tempDir(), '.callops');
    const journal = await openJournal(dir, {
      datasync: async (handle) => {
        const n = ++syncs;
        events.push(`sync ${n} start`);
        if (n === 1) {
          entered.open();
          await first.wait;
        }
        await handle.datasync();
        events.push(`sync ${n} end`);
      },
    });
    const a = journal.intent(intent('p/a')).then(() => events.push('a durable'));
    await entered.wait;
    const rest = ['p/b', 'p/c', 'p/d'].map((key) =>
      journal.intent(intent(key)).then(() => events.push(`${key} durable`)),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(['sync 1 start']);
    first.open();
    await Promise.all([a, ...rest]);
    await journal.close();
    // The next batch may start before a's callback runs: a is durable either way.
    expect(events.filter((e) => e !== 'a durable')).toEqual([
      'sync 1 start',
      'sync 1 end',
      'sync 2 start',
      'sync 2 end',
      'p/b durable',
      'p/c durable',
      'p/d durable',
    ]);
    expect(events.indexOf('a durable')).toBeGreaterThan(events.indexOf('sync 1 end'));
    expect((await journalLines(dir)).map((l) => l.key)).toEqual(['p/a', 'p/b', 'p/c', 'p/d']);
  });

  it('fails every waiting and later line once a sync has failed', async () => {
    let fail = true;
    const journal = await openJournal(join(await tempDir(), '.callops'), {
      datasync: async () => {
        if (fail) throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
      },
    });
    const results = await Promise.allSettled([
      journal.intent(intent('p/a')),
      journal.intent(intent('p/b')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(journal.intent(intent('p/c'))).rejects.toThrow(/could not be written \(EIO/);
    await journal.close();
  });

  it('a batch a full disk stops part way is cut off the file: it holds what the promises say', async () => {
    const dir = join(await tempDir(), '.callops');
    // The first batch fits; the second stops after its first whole line, in the middle of the next.
    const first = Buffer.byteLength(
      intentLine(JSON.stringify('run-1'), intent('p/a').at ?? '', intent('p/a')),
    );
    const io = journalIo({ [JOURNAL_ROOM_ENV]: String(first * 2 + 20) });
    const journal = await openJournal(dir, { runId: 'run-1', io });
    await journal.intent(intent('p/a'));
    const results = await Promise.allSettled([
      journal.intent(intent('p/b')),
      journal.intent(intent('p/c')),
      journal.outcome(placed('p/a')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    const error = (results[0] as PromiseRejectedResult).reason as JournalWriteError;
    expect([error.code, error.uncut]).toEqual(['ENOSPC', undefined]);
    await expect(journal.intent(intent('p/d'))).rejects.toThrow(/no space left on device/);
    await journal.close();
    const folded = await replayJournal(dir, lockOf({}));
    expect(Object.keys(folded.lock.calls)).toEqual(['p/a']);
    expect(folded.lock.calls['p/a']?.status).toBe('unknown');
    expect((await journalLines(dir)).map((l) => [l.type, l.key])).toEqual([['intent', 'p/a']]);
  });

  it('a batch that cannot be cut off is said so to its own promises only', async () => {
    const dir = join(await tempDir(), '.callops');
    const io = journalIo({ [JOURNAL_ROOM_ENV]: '300,cut-fails' });
    const journal = await openJournal(dir, { runId: 'run-1', io });
    const results = await Promise.allSettled([
      journal.intent(intent('p/a')),
      journal.intent(intent('p/b')),
    ]);
    const uncut = results.map(
      (r) => ((r as PromiseRejectedResult).reason as JournalWriteError).uncut,
    );
    expect(uncut.map((e) => (e as { code?: string }).code)).toEqual(['EIO', 'EIO']);
    const later = await journal.intent(intent('p/c')).catch((e: unknown) => e as JournalWriteError);
    expect([later?.code, later?.uncut]).toEqual(['ENOSPC', undefined]);
    await journal.close();
  });

  it('beforeRelease is asked after each commit of intents: its error rejects them, durable all the same', async () => {
    const dir = join(await tempDir(), '.callops');
    const order: string[] = [];
    let refusal: Error | undefined;
    const journal = await openJournal(dir, {
      datasync: async (handle) => {
        await handle.datasync();
        order.push('sync');
      },
      beforeRelease: () => {
        order.push('asked');
        return refusal;
      },
    });
    await journal.intent(intent('p/a'));
    // A batch of outcomes alone is never asked about: nothing in it is sent.
    await journal.outcome(placed('p/a'));
    expect(order).toEqual(['sync', 'asked', 'sync']);
    refusal = new Error('the run lock is gone');
    const [b, outcome] = await Promise.allSettled([
      journal.intent(intent('p/b')),
      journal.outcome(placed('p/c')),
    ]);
    expect(b).toMatchObject({ status: 'rejected', reason: refusal });
    // Lines of the same batch that send nothing resolve; the journal goes on.
    expect(outcome.status).toBe('fulfilled');
    await journal.outcome({ ...placed('p/d'), status: 'failed' });
    await journal.close();
    expect((await journalLines(dir)).map((l) => `${l.type} ${l.key}`)).toEqual([
      'intent p/a',
      'outcome p/a',
      'intent p/b',
      'outcome p/c',
      'outcome p/d',
    ]);
  });
});

describe('replay', () => {
  it('records outcomes and turns an intent without outcome into unknown', async () => {
    const dir = join(await tempDir(), '.callops');
    const journal = await openJournal(dir);
    await journal.intent(intent('p/a'));
    await journal.intent(intent('p/b'));
    await journal.intent(intent('p/c'));
    await journal.outcome(placed('p/a'));
    await journal.outcome({
      key: 'p/c',
      status: 'failed',
      at: 'x',
      httpStatus: 400,
      message: 'bad to',
      ...meta,
    });
    await journal.close();
    const { lock, folded, tornTail, ignoredLines } = await replayJournal(dir, lockOf({}));
    expect(folded).toEqual({ placed: 1, failed: 1, unknown: 1 });
    expect([tornTail, ignoredLines]).toEqual([false, 0]);
    expect(lock.calls['p/a']).toMatchObject({
      status: 'placed',
      sid: 'sid-p/a',
      callId: 'call-p/a',
    });
    expect(lock.calls['p/b']).toEqual({
      status: 'unknown',
      at: '2026-11-24T10:00:00.000Z',
      message: INTERRUPTED,
      ...meta,
    });
    expect(lock.calls['p/c']).toMatchObject({
      status: 'failed',
      httpStatus: 400,
      message: 'bad to',
    });
  });

  it('gives an attempt that never left no entry, as the run itself did: still due', () => {
    const line = (o: object) => `${JSON.stringify({ run: 'r', ...meta, ...o })}\n`;
    for (const message of [NOT_SENT_INTERRUPTED, NOT_SENT_LOCK_LOST]) {
      const text = [
        line({ type: 'intent', key: 'p/new', at: 't1', target: 'x', attempt: 1 }),
        line({ type: 'outcome', key: 'p/new', at: 't2', status: 'failed', message }),
        // A retry the stop caught in its wait: the entry the first attempt had stays.
        line({ type: 'intent', key: 'p/old', at: 't3', target: 'x', attempt: 1 }),
        line({ type: 'outcome', key: 'p/old', at: 't4', status: 'failed', message }),
      ].join('');
      const before = lockOf({ 'p/old': entry({ status: 'failed', httpStatus: 503 }) });
      const { lock, folded } = foldJournal(text, before);
      expect(lock.calls['p/new'], message).toBeUndefined();
      expect(lock.calls['p/old'], message).toEqual(before.calls['p/old']);
      expect(folded.failed, message).toBe(0);
    }
    // Any other failure of a request that left is recorded as before.
    const sent = [
      line({ type: 'intent', key: 'p/new', at: 't1', target: 'x', attempt: 1 }),
      line({ type: 'outcome', key: 'p/new', at: 't2', status: 'failed', httpStatus: 400 }),
    ].join('');
    expect(foldJournal(sent, lockOf({})).lock.calls['p/new']?.status).toBe('failed');
  });

  it('lets the last record of a key win, except that placed stays placed', () => {
    const line = (o: object) => `${JSON.stringify({ run: 'r', ...meta, ...o })}\n`;
    const text = [
      line({ type: 'intent', key: 'p/a', at: 't1', target: 'x', attempt: 1 }),
      line({ type: 'outcome', key: 'p/a', at: 't2', status: 'failed', httpStatus: 503 }),
      line({ type: 'intent', key: 'p/a', at: 't3', target: 'x', attempt: 2 }),
      line({ type: 'outcome', key: 'p/a', at: 't4', status: 'placed', sid: 'S' }),
      line({ type: 'intent', key: 'p/old', at: 't5', target: 'x', attempt: 1 }),
    ].join('');
    const before = lockOf({ 'p/old': entry({ status: 'placed', sid: 'KEEP' }) });
    const { lock, folded } = foldJournal(text, before);
    expect(lock.calls['p/a']).toMatchObject({ status: 'placed', sid: 'S', at: 't4' });
    expect(lock.calls['p/old']).toEqual(before.calls['p/old']);
    expect(folded).toEqual({ placed: 1, failed: 1, unknown: 0 });
  });

  it('a replacement moves the placed entry to history; folding it again changes nothing', () => {
    const line = (o: object) => `${JSON.stringify({ run: 'r', ...meta, replace: true, ...o })}\n`;
    const old = entry({ status: 'placed', sid: 'OLD', callId: 'C-OLD', at: 't0' });
    const history = [{ sid: 'OLD', callId: 'C-OLD', at: 't0' }];
    const cases = [
      // Sent, answered: the new sid.
      [
        line({ type: 'intent', key: 'p/a', at: 't1', target: 'x', attempt: 1 }),
        line({ type: 'outcome', key: 'p/a', at: 't2', status: 'placed', sid: 'NEW' }),
      ],
      // A crash while it was at the gateway: unknown.
      [line({ type: 'intent', key: 'p/a', at: 't1', target: 'x', attempt: 1 })],
    ];
    expect(cases).toHaveLength(2);
    const expected = [
      { status: 'placed', sid: 'NEW', history },
      { status: 'unknown', history },
    ];
    cases.forEach((lines, i) => {
      const once = foldJournal(lines.join(''), lockOf({ 'p/a': old })).lock;
      expect(once.calls['p/a']).toMatchObject(expected[i] as object);
      expect(foldJournal(lines.join(''), once).lock).toEqual(once);
    });
    // Without the replace mark, a placed entry stays as it is.
    const plain = `${JSON.stringify({ run: 'r', ...meta, type: 'intent', key: 'p/a', at: 't1', target: 'x', attempt: 1 })}\n`;
    expect(foldJournal(plain, lockOf({ 'p/a': old })).lock.calls['p/a']).toEqual(old);
  });

  it('skips a torn last line: a torn intent was never sent, a torn outcome leaves unknown', async () => {
    const dir = join(await tempDir(), '.callops');
    const journal = await openJournal(dir);
    await journal.intent(intent('p/sent'));
    await journal.close();
    const path = join(dir, 'journal.jsonl');
    const full = await readFile(path, 'utf8');
    await appendFile(path, full.slice(0, 40).replace('p/sent', 'p/torn'));
    const result = await replayJournal(dir, lockOf({}));
    expect(result.tornTail).toBe(true);
    expect(Object.keys(result.lock.calls)).toEqual(['p/sent']);
    expect(result.lock.calls['p/sent']?.status).toBe('unknown');
  });

  it('starts new lines after a torn tail, so no complete intent is lost', async () => {
    const dir = join(await tempDir(), '.callops');
    await (await openJournal(dir)).close();
    await writeFile(join(dir, 'journal.jsonl'), '{"type":"intent","key":"p/to');
    const journal = await openJournal(dir);
    await journal.intent(intent('p/next'));
    await journal.close();
    const result = await replayJournal(dir, lockOf({}));
    expect(result.lock.calls['p/next']?.status).toBe('unknown');
    expect([result.tornTail, result.ignoredLines]).toEqual([false, 1]);
  });

  it('says where a line that is not a record sits among records: the journal is damaged', () => {
    const line = (key: string, run = 'r', type = 'intent') =>
      JSON.stringify({ type, run, key, at: `at-${key}`, target: 'x', attempt: 1, ...meta });
    const fold = (...lines: string[]) => foldJournal(`${lines.join('\n')}\n`, lockOf({}));
    // Garbage, zeros, a whole record of no known type, a line cut short its run wrote past.
    for (const bad of [
      'X"type":"intent"}',
      '\0\0\0\0',
      line('p/b', 'r', 'intenT'),
      '{"type":"intent","ke',
    ]) {
      const result = fold(line('p/a'), bad, line('p/c'));
      expect(result.damaged, bad).toEqual({ line: 2, between: ['at-p/a', 'at-p/c'] });
      expect(result.ignoredLines).toBe(1);
    }
    // Garbage as the last line: damaged too; the first line: nothing before it.
    expect(fold(line('p/a'), 'garbage').damaged).toEqual({
      line: 2,
      between: ['at-p/a', undefined],
    });
    expect(fold('garbage', line('p/a')).damaged).toEqual({
      line: 1,
      between: [undefined, 'at-p/a'],
    });
    // A line cut short that a later run (or no one) wrote past: its run ended there.
    expect(
      fold(line('p/a', 'r1'), '{"type":"intent","ke', line('p/c', 'r2')).damaged,
    ).toBeUndefined();
    expect(fold(line('p/a'), '{"type":"outc').damaged).toBeUndefined();
    expect(fold('{"ty', line('p/a')).damaged).toBeUndefined();
  });

  it('refuses a journal that is a link to a missing file: what it held is not known', async () => {
    const dir = join(await tempDir(), '.callops');
    await mkdir(dir);
    await symlink(join(dir, 'gone.jsonl'), join(dir, 'journal.jsonl'));
    await expect(replayJournal(dir, lockOf({}))).rejects.toThrow(
      /^\.callops\/journal\.jsonl: error: is a symbolic link to a missing file .*nothing was sent/,
    );
  });

  it('refuses a damaged journal, naming its line, before anything reads the lock', async () => {
    const dir = join(await tempDir(), '.callops');
    const journal = await openJournal(dir);
    for (const key of ['p/a', 'p/b', 'p/c']) await journal.intent(intent(key));
    await journal.close();
    const path = join(dir, 'journal.jsonl');
    const lines = (await readFile(path, 'utf8')).split('\n');
    lines[1] = `X${(lines[1] as string).slice(1)}`;
    await writeFile(path, lines.join('\n'));
    await expect(replayJournal(dir, lockOf({}))).rejects.toThrow(
      /^\.callops\/journal\.jsonl:2:1: error: not a journal record, .* nothing was sent/,
    );
  });

  it('folds the same journal to the same lock however often it is folded', () => {
    const record = fc.oneof(
      fc.record({ type: fc.constant('intent'), key: fc.constantFrom('a', 'b', 'c') }),
      fc.record({
        type: fc.constant('outcome'),
        key: fc.constantFrom('a', 'b', 'c'),
        status: fc.constantFrom('placed', 'failed', 'unknown'),
        sid: fc.constantFrom('S1', 'S2'),
      }),
    );
    fc.assert(
      fc.property(fc.array(record, { maxLength: 20 }), fc.boolean(), (records, torn) => {
        const lines = records.map((r, i) =>
          JSON.stringify({ run: 'r', at: `t${i}`, ...meta, ...r }),
        );
        const text = `${lines.join('\n')}\n${torn ? '{"type":"out' : ''}`;
        const start = lockOf({ c: entry({ status: 'placed', sid: 'C' }), b: entry() });
        const once = foldJournal(text, start).lock;
        const twice = foldJournal(text, once).lock;
        expect(serializeLockfile(twice)).toBe(serializeLockfile(once));
        expect(once.calls.c).toEqual(start.calls.c);
      }),
    );
  });
});

/** A journal a crashed run left: p/a placed, p/b sent with no answer recorded. */
const leftJournal = async () => {
  const root = await tempDir();
  const dir = join(root, '.callops');
  const journal = await openJournal(dir);
  await journal.intent(intent('p/a'));
  await journal.intent(intent('p/b'));
  await journal.outcome(placed('p/a'));
  await journal.close();
  return { dir, lockPath: join(root, 'callops.lock') };
};

describe('recoverJournal', () => {
  it('writes the lockfile, then clears the journal; a second recovery changes nothing', async () => {
    const { dir, lockPath } = await leftJournal();

    const first = await recoverJournal(dir, lockPath, lockOf({}));
    expect(first.folded).toEqual({ placed: 1, failed: 0, unknown: 1 });
    const written = await readLockfile(lockPath);
    expect(written).toEqual({ lock: first.lock });
    // The journal is gone; the copy of what was written stays, to catch a lockfile that
    // later moves backwards.
    expect((await readdir(dir)).sort()).toEqual(['.gitignore', 'written.lock']);
    expect(await readLockfile(join(dir, 'written.lock'))).toEqual({ lock: first.lock });

    const text = await readFile(lockPath, 'utf8');
    const second = await recoverJournal(dir, lockPath, first.lock);
    expect(second.folded).toEqual({ placed: 0, failed: 0, unknown: 0 });
    expect(await readFile(lockPath, 'utf8')).toBe(text);
  });

  it('refolds a journal that survived a crash after the lockfile was written', async () => {
    const { dir, lockPath } = await leftJournal();
    // The crash: the folded lock was written, the journal was not yet cleared.
    const replayed = await replayJournal(dir, lockOf({}));
    await writeLockfileAtomic(lockPath, replayed.lock);
    const afterCrash = await readLockfile(lockPath);
    if (!('lock' in afterCrash)) throw new Error('unreadable lockfile');
    const recovered = await recoverJournal(dir, lockPath, afterCrash.lock);
    expect(serializeLockfile(recovered.lock)).toBe(serializeLockfile(replayed.lock));
    await clearJournal(dir, 'callops.lock');
    expect(await replayJournal(dir, recovered.lock)).toMatchObject({
      folded: { placed: 0, failed: 0, unknown: 0 },
    });
  });
});

describe('a journal that cannot be removed', () => {
  it('is said with the lockfile holding every placement, not as a bare system error', async () => {
    const dir = join(await tempDir(), '.callops');
    // A directory where the journal is: unlink fails (EISDIR) even for root.
    await mkdir(join(dir, 'journal.jsonl'), { recursive: true });
    await writeFile(join(dir, 'journal.jsonl', 'x'), '');
    await expect(clearJournal(dir, 'callops.lock')).rejects.toThrow(
      /^cannot remove the journal \.callops\/journal\.jsonl: a directory is in its place \(EISDIR\); callops\.lock holds every placement \(it is written first\), and the journal holds nothing it lacks\. Once \.callops\/ can be written again \(its permissions, an immutable flag, room on the disk\), the next apply, run, resolve or state pull folds it in, changing nothing, and removes it$/,
    );
  });

  it('is nothing to do when there is none', async () => {
    const dir = join(await tempDir(), '.callops');
    await mkdir(dir, { recursive: true });
    await expect(clearJournal(dir, 'callops.lock')).resolves.toBeUndefined();
  });
});

describe('room claimed ahead', () => {
  it('writes most batches over zeros the file already holds, so they change no size', async () => {
    const dir = join(await tempDir(), '.callops');
    const sizes: number[] = [];
    const journal = await openJournal(dir, {
      datasync: async (handle) => {
        sizes.push((await handle.stat()).size);
        await handle.datasync();
      },
    });
    for (let i = 0; i < 300; i++) {
      await journal.intent(intent(`p/${i}`));
      await journal.outcome(placed(`p/${i}`));
    }
    const path = join(dir, 'journal.jsonl');
    const held = await readFile(path);
    await journal.close();
    const text = await readFile(path, 'utf8');
    // 600 commits over about 150 KiB of lines: the size changed with three of them.
    expect(sizes).toHaveLength(600);
    expect(new Set(sizes).size).toBeLessThanOrEqual(3);
    expect(held.length).toBeGreaterThan(text.length);
    expect(held.subarray(text.length).every((byte) => byte === 0)).toBe(true);
    expect(held.subarray(0, text.length).toString('utf8')).toBe(text);
    // Closed, the file is its lines and nothing else.
    expect(text.endsWith('}\n')).toBe(true);
    expect(await journalLines(dir)).toHaveLength(600);
  });

  it('a crashed run leaves zeros after its lines: replay skips them, the next run writes over them', async () => {
    const dir = join(await tempDir(), '.callops');
    const path = join(dir, 'journal.jsonl');
    const first = await openJournal(dir);
    await first.intent(intent('p/a'));
    await first.outcome(placed('p/a'));
    await first.intent(intent('p/b'));
    // The crash: what is on disk while the run is still open, room and all.
    const left = await readFile(path);
    await first.close();
    expect(left.at(-1)).toBe(0);
    await writeFile(path, left);

    const crashed = await replayJournal(dir, lockOf({}));
    expect([crashed.tornTail, crashed.ignoredLines]).toEqual([false, 0]);
    expect(crashed.lock.calls['p/a']?.status).toBe('placed');
    expect(crashed.lock.calls['p/b']?.status).toBe('unknown');

    const next = await openJournal(dir);
    await next.intent(intent('p/c'));
    await next.close();
    const lines = await journalLines(dir);
    expect(lines.map((l) => `${l.type} ${l.key}`)).toEqual([
      'intent p/a',
      'outcome p/a',
      'intent p/b',
      'intent p/c',
    ]);
  });

  it('a torn line before the zeros: the next run starts on a fresh line', async () => {
    const dir = join(await tempDir(), '.callops');
    const path = join(dir, 'journal.jsonl');
    const done = `${JSON.stringify({ type: 'intent', run: 'r', key: 'p/a', at: 't', target: 'x', attempt: 1, ...meta })}\n`;
    await (await openJournal(dir)).close();
    await writeFile(
      path,
      Buffer.concat([Buffer.from(`${done}{"type":"intent","key":"p/to`), Buffer.alloc(5000)]),
    );
    const torn = await replayJournal(dir, lockOf({}));
    expect([torn.tornTail, Object.keys(torn.lock.calls)]).toEqual([true, ['p/a']]);

    const journal = await openJournal(dir);
    await journal.intent(intent('p/next'));
    await journal.close();
    const result = await replayJournal(dir, lockOf({}));
    expect(Object.keys(result.lock.calls).sort()).toEqual(['p/a', 'p/next']);
    expect([result.tornTail, result.ignoredLines]).toEqual([false, 1]);
    expect((await readFile(path, 'utf8')).includes('\0')).toBe(false);
  });
});
