import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSuppression } from '../../src/screen/load.js';
import { makeFifo, releaseFifo, within } from '../support/fifo.js';

let root = '';
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'callops-dnc-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const SITE = { file: 'callops.yaml', line: 4, column: 12 };

/** What loading a list of these bytes gives: its diagnostics as file:line:column: message. */
const load = async (content: Buffer): Promise<string[]> => {
  await writeFile(join(root, 'dnc.csv'), content);
  const loaded = await loadSuppression(root, [{ path: 'dnc.csv', site: SITE }]);
  if (!('diagnostics' in loaded)) return [];
  return loaded.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`);
};

describe('a do-not-call list that is not UTF-8', () => {
  // Lines end at CRLF, a lone CR and LF; the bad bytes are on the fourth line, column 8.
  const head = '\ufeffnumber,reason\r\n+15550100001,asked\r+15550100002,x\n+15550100003,M';

  it('is refused at its first bad byte, naming only the bytes that are wrong', async () => {
    const latin1 = Buffer.concat([Buffer.from(head), Buffer.from([0xfc]), Buffer.from('ller\n')]);
    const offset = Buffer.byteLength(head);
    expect(await load(latin1)).toEqual([
      `dnc.csv:4:15: byte 0xFC (byte offset ${offset}) is not UTF-8: save the file as UTF-8`,
    ]);
    const cut = Buffer.concat([Buffer.from(head), Buffer.from([0xf0, 0x9f, 0x98, 0x2c, 0x0a])]);
    expect(await load(cut)).toEqual([
      `dnc.csv:4:15: bytes 0xF0 0x9F 0x98 (byte offset ${offset}) begin a character that the next byte 0x2C does not complete: save the file as UTF-8`,
    ]);
  });

  it('is located on the line the CSV reader counts, lines ending at a lone CR', async () => {
    const bad = Buffer.concat([
      Buffer.from('number,reason\r+15550100001,asked\r+1555'),
      Buffer.from([0xe9]),
      Buffer.from('0100002,x\r'),
    ]);
    const notNumber = Buffer.from('number,reason\r+15550100001,asked\r+1555x0100002,x\r');
    const [byte] = await load(bad);
    const [cell] = await load(notNumber);
    expect(cell).toBe('dnc.csv:3:1: not a phone number: write digits, optionally with a leading +');
    expect(byte).toBe(
      'dnc.csv:3:6: byte 0xE9 (byte offset 38) is not UTF-8: save the file as UTF-8',
    );
  });
});

describe('a do-not-call list that is not a regular file', () => {
  const refused = async (): Promise<string[]> => {
    const loaded = await loadSuppression(root, [{ path: 'kind.csv', site: SITE }]);
    if (!('diagnostics' in loaded)) return [];
    return loaded.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`);
  };

  it('is refused at once when it is a FIFO, never waited on', async () => {
    makeFifo(join(root, 'kind.csv'));
    try {
      expect(await within(refused(), 2000, 'still waiting')).toEqual([
        'callops.yaml:4:12: do-not-call list kind.csv: is not a regular file',
      ]);
    } finally {
      releaseFifo(join(root, 'kind.csv'));
      await rm(join(root, 'kind.csv'));
    }
  });

  it('is refused when it is a directory', async () => {
    await mkdir(join(root, 'kind.csv'));
    try {
      expect(await refused()).toEqual([
        'callops.yaml:4:12: do-not-call list kind.csv: is not a regular file',
      ]);
    } finally {
      await rm(join(root, 'kind.csv'), { recursive: true });
    }
  });
});
