import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  currentBootId,
  ownPidNamespace,
  ownStart,
  processStateOf,
  startTimeOfStat,
  stateOfStat,
} from '../../src/state/process-start.js';
import { startUnreaped } from '../support/zombie.js';

/**
 * A /proc/PID/stat line with command name `comm`, starttime (field 22) `start` and state
 * (field 3) `state`.
 */
const statLine = (comm: string, start: string, state = 'S'): string => {
  // Fields 3 to 21, then 22 (starttime), then the rest up to field 52.
  const before = [state, ...Array.from({ length: 18 }, (_, i) => String(i + 1))];
  const after = Array.from({ length: 30 }, (_, i) => String(1000 + i));
  return `4242 (${comm}) ${[...before, start, ...after].join(' ')}\n`;
};

describe('startTimeOfStat', () => {
  it('reads field 22 of a plain line', () => {
    expect(startTimeOfStat(statLine('node', '987654'))).toBe(987654);
  });

  it('reads field 22 after a command name holding spaces and parentheses', () => {
    expect(startTimeOfStat(statLine('a) b (c) 7 8 9', '123456'))).toBe(123456);
    expect(startTimeOfStat(statLine(') ) )', '55'))).toBe(55);
    expect(startTimeOfStat(statLine('', '3'))).toBe(3);
  });

  it('says nothing of a line it cannot read', () => {
    expect(startTimeOfStat('')).toBeUndefined();
    expect(startTimeOfStat('4242 node S 1 2 3')).toBeUndefined();
    expect(startTimeOfStat('4242 (node) S 1 2 3')).toBeUndefined();
    expect(startTimeOfStat(statLine('node', '12x'))).toBeUndefined();
  });
});

describe('stateOfStat', () => {
  it('reads field 3 after the LAST ): a command name holding ") Z (" is not a zombie', () => {
    expect(stateOfStat(statLine('node', '1', 'Z'))).toBe('Z');
    expect(stateOfStat(statLine('node', '1', 'X'))).toBe('X');
    expect(stateOfStat(statLine('a) Z (b', '1', 'S'))).toBe('S');
    expect(stateOfStat(statLine('sh) R (x) Z', '1', 'S'))).toBe('S');
    expect(stateOfStat(statLine('a b) S (c', '1', 'Z'))).toBe('Z');
  });

  it('says nothing of a line it cannot read', () => {
    expect(stateOfStat('')).toBeUndefined();
    expect(stateOfStat('4242 node Z 1')).toBeUndefined();
    expect(stateOfStat('4242 (node)')).toBeUndefined();
    expect(stateOfStat('4242 (node) ZZ 1')).toBeUndefined();
  });
});

describe('processStateOf', () => {
  it('is R or S for this process, Z for a child killed and not reaped yet', async () => {
    expect(['R', 'S']).toContain(processStateOf(process.pid));
    const child = await startUnreaped(['sleep', '30']);
    try {
      expect(['R', 'S']).toContain(processStateOf(child.pid));
      await child.kill();
      expect(processStateOf(child.pid)).toBe('Z');
    } finally {
      await child.release();
    }
  });
});

describe('ownStart', () => {
  it('is this process’s starttime in /proc/self/stat, this boot’s id and its PID namespace', () => {
    const start = ownStart();
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
    expect(start).toEqual({
      startTime: Number(fields[19]),
      bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(),
      pidNs: readlinkSync('/proc/self/ns/pid'),
    });
    expect(start.pidNs).toMatch(/^pid:\[\d+\]$/);
    expect(currentBootId()).toBe(start.bootId);
    expect(ownPidNamespace()).toBe(start.pidNs);
  });

  it('is its own start under a PID namespace whose /proc is not mounted (its pid names another process there)', () => {
    // The built module, in a child that is pid 1 of a namespace of its own while /proc stays
    // the outer one's: /proc/1 is another process there.
    const built = fileURLToPath(new URL('../../dist/state/process-start.js', import.meta.url));
    const script = `import(${JSON.stringify(built)}).then((m) => {
      const s = require('fs').readFileSync('/proc/self/stat', 'utf8');
      console.log(JSON.stringify([process.pid, m.ownStart().startTime, Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[19])]));
    })`;
    const out = execFileSync('unshare', ['--pid', '--fork', process.execPath, '-e', script], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    const [pid, own, self] = JSON.parse(out) as [number, number, number];
    expect(pid).toBe(1);
    expect(own).toBe(self);
  });
});
