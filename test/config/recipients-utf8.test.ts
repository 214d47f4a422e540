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
      message: 'bytes 0xC3 0x28 (byte offset 79) are not UTF-8: save the file as UTF-8',
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
        message: 'bytes 0xE2 0x82 0x2C (byte offset 14) are not UTF-8: save the file as UTF-8',
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
