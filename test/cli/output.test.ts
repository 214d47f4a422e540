import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { writeChunks } from '../../src/cli/output.js';

describe('writeChunks', () => {
  it('makes the next chunk only once a slow reader has taken the last ones', async () => {
    let taken = 0;
    let made = 0;
    let ahead = 0;
    const slow = new Writable({
      highWaterMark: 8,
      write(_chunk, _encoding, callback) {
        setTimeout(() => {
          taken += 1;
          callback();
        }, 1);
      },
    });
    function* chunks() {
      for (let i = 0; i < 50; i++) {
        made += 1;
        ahead = Math.max(ahead, made - taken);
        yield `chunk ${i} of some length\n`;
      }
    }
    await writeChunks(slow as unknown as NodeJS.WriteStream, chunks());
    expect(made).toBe(50);
    expect(ahead).toBeLessThanOrEqual(2);
  });

  it('stops making chunks once the stream fails, though it is never marked destroyed', async () => {
    // As process.stdout into a pipe whose reader left: each write fails again, asynchronously.
    const stdout = Object.assign(new EventEmitter(), {
      destroyed: false,
      write(): boolean {
        setImmediate(() => {
          stdout.emit('error', Object.assign(new Error('EPIPE'), { code: 'EPIPE' }));
          stdout.emit('close');
        });
        return false;
      },
    });
    stdout.on('error', () => {});
    let made = 0;
    function* chunks() {
      for (let i = 0; i < 1000; i++) {
        made += 1;
        yield 'x';
      }
    }
    await writeChunks(stdout as unknown as NodeJS.WriteStream, chunks());
    expect(made).toBeLessThanOrEqual(2);
    expect(stdout.listenerCount('error')).toBe(1);
    expect(stdout.listenerCount('close')).toBe(0);
  });
});
