import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readRegularFile, readRegularFileSync } from '../../src/config/regular-file.js';
import { makeFifo, releaseFifo, within } from '../support/fifo.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'callops-regular-'));
});
afterEach(async () => {
  releaseFifo(join(dir, 'fifo'));
  await rm(dir, { recursive: true, force: true });
});

describe('readRegularFile', () => {
  it('reads a regular file, and lets `refuse` turn it down by its size before reading', async () => {
    await writeFile(join(dir, 'a.txt'), 'hello');
    const read = await readRegularFile(join(dir, 'a.txt'));
    expect('bytes' in read && read.bytes.toString()).toBe('hello');
    const refused = await readRegularFile(join(dir, 'a.txt'), (info) =>
      info.size > 3 ? `too big: ${info.size}` : undefined,
    );
    expect(refused).toEqual({ refused: 'too big: 5' });
  });

  it('refuses a FIFO at once instead of waiting for a writer', async () => {
    makeFifo(join(dir, 'fifo'));
    const read = await within(readRegularFile(join(dir, 'fifo')), 2000, 'still waiting');
    expect(read).toEqual({ problem: 'is not a regular file' });
  });

  it('refuses a directory, as it is', async () => {
    await mkdir(join(dir, 'sub'));
    expect(await readRegularFile(join(dir, 'sub'))).toEqual({ problem: 'is not a regular file' });
    expect(readRegularFileSync(join(dir, 'sub'))).toEqual({ problem: 'is not a regular file' });
  });

  it('throws what opening throws for a missing file', async () => {
    await expect(readRegularFile(join(dir, 'none'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(() => readRegularFileSync(join(dir, 'none'))).toThrow(/ENOENT/);
  });
});
