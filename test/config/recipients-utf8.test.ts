import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecipientsNotUtf8, recipientsChunks } from '../../src/config/recipients.js';

const FILE = 'lists/people.csv';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'callops-utf8-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const bytes = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

/** What reading `content` from a file in pieces of `chunkBytes` throws (undefined: nothing). */
const readAll = async (content: Buffer, chunkBytes?: number): Promise<unknown> => {
  const path = join(dir, `f${Math.random().toString(36).slice(2)}.csv`);
  await writeFile(path, content);
  const info = await stat(path);
  const found = { absolute: path, size: info.size, mtimeMs: info.mtimeMs };
  try {
    let read = 0;
    for (const piece of recipientsChunks(FILE, found, chunkBytes)) read += piece.length;
    expect(read).toBe(content.length);
    return undefined;
  } catch (error) {
    return error;
  }
};

const where = (error: unknown) => {
  expect(error).toBeInstanceOf(RecipientsNotUtf8);
  const e = error as RecipientsNotUtf8;
  return { file: e.file, line: e.line, column: e.column, offset: e.offset, message: e.message };
};

describe('a recipients CSV that is not UTF-8 is located at its first bad byte', () => {
  it('a bad byte on line 1', async () => {
    expect(where(await readAll(bytes('id,na', [0xff], 'me,phone\nr1,Ann,+15550000001\n')))).toEqual(
      {
        file: FILE,
        line: 1,
        column: 6,
        offset: 5,
        message: 'byte 0xFF (byte offset 5) is not UTF-8: save the file as UTF-8',
      },
    );
  });

  it('on a later line, after multi-byte characters, CRLF and lone CR line ends and a BOM', async () => {
    const content = bytes(
      '\ufeffid,name,phone\r\nr1,Zoë,+15550000001\rr2,"Jo\r\nsé",+15550000002\nr3,Ünal 😀 ',
      [0xc3, 0x28],
      ',+15550000003\n',
    );
    expect(where(await readAll(content))).toEqual({
      file: FILE,
      line: 5,
      column: 12,
      offset: 79,
      message: 'byte 0xC3 (byte offset 79) is not UTF-8: save the file as UTF-8',
    });
  });

  it('a bad sequence split across two pieces', async () => {
    // 0xE2 0x82 end the first piece of 16 bytes; the next starts with a comma.
    const content = bytes('id,name\nr1,Ann', [0xe2], [0x82], ',x\n');
    expect(content.indexOf(0xe2)).toBe(14);
    for (const chunk of [15, 16, 4, 1]) {
      expect(where(await readAll(content, chunk)), `pieces of ${chunk}`).toEqual({
        file: FILE,
        line: 2,
        column: 7,
        offset: 14,
        message:
          'bytes 0xE2 0x82 (byte offset 14) begin a character that the next byte 0x2C does not complete: save the file as UTF-8',
      });
    }
    // A valid character split the same way is read.
    expect(await readAll(bytes('id,name\nr1,Ann', [0xe2, 0x82, 0xac], ',x\n'), 15)).toBeUndefined();
  });

  it('a file that ends inside a character', async () => {
    const content = bytes('id,name\nr1,€\nr2,', [0xf0, 0x9f, 0x98]);
    for (const chunk of [undefined, 2]) {
      expect(where(await readAll(content, chunk))).toEqual({
        file: FILE,
        line: 3,
        column: 4,
        offset: 18,
        message:
          'the file ends inside a character: bytes 0xF0 0x9F 0x98 (byte offset 18) begin one and nothing completes it — save the file as UTF-8',
      });
    }
  });

  it('a file larger than a piece, the bad byte after a CR that ends the piece read again', async () => {
    const head = 'id,name\n'.padEnd(64 * 1024 - 1, 'x');
    const content = bytes(head, '\r', [0x80], '\n');
    expect(where(await readAll(content))).toMatchObject({ line: 3, column: 1, offset: 65536 });
    const crlf = bytes(head, '\r\n', [0x80], '\n');
    expect(where(await readAll(crlf))).toMatchObject({ line: 3, column: 1, offset: 65537 });
  });
});

describe('the message names exactly the bytes a decoder replaces with one U+FFFD', () => {
  // Each case: the bytes from the first bad one to the end of the file, and the bytes named.
  it.each([
    ['Latin-1 é before e', [0xe9, 0x65, 0x0a], [0xe9]],
    [
      'a 4-byte character cut before a comma',
      [0xf0, 0x9f, 0x98, 0x2c, 0x78, 0x0a],
      [0xf0, 0x9f, 0x98],
    ],
    [
      'a 3-byte character cut before a lead byte',
      [0xe2, 0x82, 0xe2, 0x82, 0xac, 0x0a],
      [0xe2, 0x82],
    ],
    ['an overlong NUL', [0xc0, 0x80, 0x0a], [0xc0]],
    ['a surrogate', [0xed, 0xa0, 0x80, 0x0a], [0xed]],
    ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80, 0x0a], [0xf4]],
    ['a lone continuation byte', [0x80, 0x80, 0x0a], [0x80]],
  ])('%s', async (_, tail, named) => {
    const content = bytes('id,name\nr1,', tail);
    // What TextDecoder makes of the tail: one U+FFFD for the bytes named, then the rest.
    const decode = (b: Uint8Array) => new TextDecoder().decode(b);
    const rest = Buffer.from(tail).subarray(named.length);
    expect(decode(Buffer.from(tail))).toBe(`\uFFFD${decode(rest)}`);
    const shown = named.map((b) => `0x${b.toString(16).toUpperCase()}`).join(' ');
    const next = `0x${(tail[named.length] ?? 0).toString(16).toUpperCase().padStart(2, '0')}`;
    expect(where(await readAll(content))).toEqual({
      file: FILE,
      line: 2,
      column: 4,
      offset: 11,
      message:
        named.length === 1
          ? `byte ${shown} (byte offset 11) is not UTF-8: save the file as UTF-8`
          : `bytes ${shown} (byte offset 11) begin a character that the next byte ${next} does not complete: save the file as UTF-8`,
    });
  });

  it('a 4-byte character cut before a comma, in words', async () => {
    const content = bytes('id,name\nr1,', [0xf0, 0x9f, 0x98], ',x\n');
    expect(where(await readAll(content)).message).toBe(
      'bytes 0xF0 0x9F 0x98 (byte offset 11) begin a character that the next byte 0x2C does not complete: save the file as UTF-8',
    );
  });

  it('Latin-1 é before e, in words', async () => {
    const content = bytes('id,name\nr1,Jos', [0xe9], 'e\n');
    expect(where(await readAll(content)).message).toBe(
      'byte 0xE9 (byte offset 14) is not UTF-8: save the file as UTF-8',
    );
  });

  it('a file that ends after the lead byte of a character, or after a byte that starts none', async () => {
    expect(where(await readAll(bytes('id,name\nr1,', [0xe2]))).message).toBe(
      'the file ends inside a character: byte 0xE2 (byte offset 11) begins one and nothing completes it — save the file as UTF-8',
    );
    expect(where(await readAll(bytes('id,name\nr1,', [0xe2, 0x82]))).message).toBe(
      'the file ends inside a character: bytes 0xE2 0x82 (byte offset 11) begin one and nothing completes it — save the file as UTF-8',
    );
    expect(where(await readAll(bytes('id,name\nr1,', [0xed, 0xa0]))).message).toBe(
      'byte 0xED (byte offset 11) is not UTF-8: save the file as UTF-8',
    );
    expect(where(await readAll(bytes('id,name\nr1,', [0xc0]))).message).toBe(
      'byte 0xC0 (byte offset 11) is not UTF-8: save the file as UTF-8',
    );
  });
});
