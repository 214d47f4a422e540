import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { listTooLarge, readCallsList } from '../../src/execute/bodies.js';
import { createListScanner, readList, type ScanStop } from '../../src/execute/list.js';

/** Scans `chunks` in order; what was handed over and where the scan stopped, if it did. */
const scan = (chunks: readonly Buffer[], maxElementBytes = 1024) => {
  const values: unknown[] = [];
  const scanner = createListScanner((v) => values.push(v), maxElementBytes);
  let stop: ScanStop | undefined;
  for (const chunk of chunks) {
    stop = scanner.push(chunk);
    if (stop) break;
  }
  return { values, stop: stop ?? scanner.end() };
};

/** A list whose strings hold every byte the scan gives a meaning, and characters of 2–4 bytes. */
const TRICKY = Buffer.from(
  ' [ {"a":"x,]}\\"[{\\\\","b":[1,{"c":"é → 😀"}],"d":{}} , 2,"s]\\\\" , null ,{"e":[[],[]]},-1.5e3,true,[3,[4,"]"]] ] \n',
);

describe('the list scanner', () => {
  it('gives each element as JSON.parse reads it, however the bytes are cut', () => {
    const whole = JSON.parse(TRICKY.toString('utf8')) as unknown[];
    expect(scan([TRICKY])).toEqual({ values: whole, stop: undefined });
    for (let cut = 0; cut <= TRICKY.length; cut++) {
      const read = scan([TRICKY.subarray(0, cut), TRICKY.subarray(cut)]);
      expect(read, `cut at ${cut}`).toEqual({ values: whole, stop: undefined });
    }
    const bytes = [...TRICKY].map((b) => Buffer.from([b]));
    expect(scan(bytes)).toEqual({ values: whole, stop: undefined });
  });

  it('an empty list has no element', () => {
    expect(scan([Buffer.from('[]')])).toEqual({ values: [], stop: undefined });
    expect(scan([Buffer.from(' \r\n\t[ \n ]\n')])).toEqual({ values: [], stop: undefined });
  });

  it('JSON that is no list is not a list', () => {
    for (const text of ['{"a":[1]}', '"[1]"', '12', '-1', 'null', 'true']) {
      expect(scan([Buffer.from(text)]).stop, text).toEqual({ kind: 'not-a-list' });
    }
  });

  it('a text that starts as another value is not a list, and is not read on to see if it is JSON', () => {
    for (const text of ['{"a":', ' nope', '-', '"unclosed', '7]']) {
      expect(scan([Buffer.from(text)]).stop, text).toEqual({ kind: 'not-a-list' });
    }
  });

  it('what JSON.parse refuses is not JSON: a page, a list cut short, bytes after it', () => {
    const texts = [
      '',
      '   ',
      '<html>[1]</html>',
      '[1,]',
      '[,1]',
      '[1,,2]',
      '[1 2]',
      '[1]x',
      '[1][2]',
      '[1',
      '[{"a":1}',
      '[{"a":1}}]',
      '[{"a":"1]',
      '[{a:1}]',
      '\ufeff[1]',
    ];
    for (const text of texts)
      expect(scan([Buffer.from(text)]).stop, text).toEqual({ kind: 'not-json' });
  });

  it('an element longer than the bound is not held, whether it came in one chunk or many', () => {
    const big = `{"call_sid":"${'x'.repeat(2000)}"}`;
    expect(scan([Buffer.from(`[1,${big},2]`)]).stop).toEqual({ kind: 'element-too-large' });
    const pieces = [...Buffer.from(`[1,${big}`)].map((b) => Buffer.from([b]));
    const read = scan(pieces);
    expect(read.stop).toEqual({ kind: 'element-too-large' });
    expect(read.values).toEqual([1]);
    // Up to the bound it is held.
    const fits = `"${'y'.repeat(1022)}"`;
    expect(scan([Buffer.from(`[${fits}]`)])).toEqual({
      values: [JSON.parse(fits)],
      stop: undefined,
    });
    expect(scan([Buffer.from(`["${'y'.repeat(1023)}"]`)]).stop).toEqual({
      kind: 'element-too-large',
    });
  });
});

/** A stream of `chunks`, and whether it was destroyed before its end. */
const streamOf = (chunks: readonly Buffer[]) => {
  const stream = Readable.from(chunks, { objectMode: false });
  return { stream, destroyed: () => stream.destroyed && !stream.readableEnded };
};

describe('readList', () => {
  it('reads a list to its end, element by element', async () => {
    const values: unknown[] = [];
    const { stream } = streamOf([Buffer.from('[1,{"a"'), Buffer.from(':2}]')]);
    const read = await readList(stream, { maxBytes: 100, maxElementBytes: 100 }, (v) =>
      values.push(v),
    );
    expect(read).toEqual({ ok: true });
    expect(values).toEqual([1, { a: 2 }]);
  });

  it('past maxBytes the rest is not read: the stream is destroyed', async () => {
    const chunk = Buffer.from(`${'[1'}${',1'.repeat(99)}`);
    const { stream, destroyed } = streamOf([chunk, chunk, chunk, Buffer.from(']')]);
    const read = await readList(stream, { maxBytes: 300, maxElementBytes: 100 }, () => {});
    expect(read).toEqual({ ok: false, kind: 'too-large' });
    expect(destroyed()).toBe(true);
  });

  it('a text that cannot be a list is not read on', async () => {
    const { stream, destroyed } = streamOf([Buffer.from('<html>'), Buffer.from('</html>')]);
    const read = await readList(stream, { maxBytes: 300, maxElementBytes: 100 }, () => {});
    expect(read).toEqual({ ok: false, kind: 'not-json' });
    expect(destroyed()).toBe(true);
  });
});

describe('readCallsList', () => {
  const record = (sid: string) => ({
    call_sid: sid,
    direction: 'outbound',
    from: '+15550001111',
    to: '+15557000001',
    sip_status: 200,
    call_status: 'completed',
    duration: 3,
  });

  it('holds only the records kept, whatever the length of the list', async () => {
    const list = Buffer.from(JSON.stringify(['a', 'b', 'c', 'd'].map(record)));
    const { stream } = streamOf([list.subarray(0, 50), list.subarray(50)]);
    const read = await readCallsList(stream, list.length, {
      maxBytes: list.length,
      keep: (r) => r.call_sid === 'b' || r.call_sid === 'd',
    });
    expect(read.ok && read.value.map((r) => r.call_sid)).toEqual(['b', 'd']);
  });

  it('a length past the bound is refused before a byte is read', async () => {
    const list = Buffer.from(JSON.stringify([record('a')]));
    const { stream, destroyed } = streamOf([list]);
    const read = await readCallsList(stream, 70_000, { maxBytes: 65_536, keep: () => true });
    expect(read).toEqual({ ok: false, refused: listTooLarge(65_536) });
    expect(destroyed()).toBe(true);
  });

  it('says what happened and what to do past the bound', () => {
    expect(listTooLarge(128 * 1024 * 1024)).toBe(
      "the list of the account's live call records is larger than 128 MiB; nothing was read from it. " +
        'The gateway keeps a record for an hour after its call ended: ask again when fewer are alive, ' +
        'or record outcomes as they happen with `callops receive` (the call_status_hook needs no list)',
    );
  });
});
