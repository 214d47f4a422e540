import { describe, expect, it } from 'vitest';
import { batchedWriter } from '../../src/cli/run-report.js';

/** A stream that records each write as it is made, and says when the next one comes. */
const capture = () => {
  const writes: string[] = [];
  let wake: (() => void) | undefined;
  const stream = {
    write: (text: string) => {
      writes.push(text);
      wake?.();
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  const nextWrite = () => new Promise<void>((resolve) => (wake = resolve));
  return { stream, writes, nextWrite };
};

describe('batchedWriter', () => {
  it('holds the lines of a short while and writes them in one write, in order', async () => {
    const { stream, writes, nextWrite } = capture();
    const out = batchedWriter(stream);
    const lines = Array.from({ length: 100 }, (_, i) => `placed p/c${i}\n`);
    const written = nextWrite();
    for (const line of lines) out.write(line);
    expect(writes).toEqual([]);
    await written;
    expect(writes).toEqual([lines.join('')]);
  });

  it('writes at once past 32 KiB, the rest on flush, and never a line twice', () => {
    const { stream, writes } = capture();
    const out = batchedWriter(stream);
    const lines = Array.from(
      { length: 1000 },
      (_, i) => `placed p/${String(i).padStart(40, '0')}\n`,
    );
    for (const line of lines) out.write(line);
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.every((w) => w.length >= 32 * 1024)).toBe(true);
    out.flush();
    out.flush();
    expect(writes.join('')).toBe(lines.join(''));
  });
});
