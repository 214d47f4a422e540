import { readFileSync } from 'node:fs';

/**
 * When a process started, where the OS tells it (Linux /proc): a pid reused by a later
 * process (after a crash or a reboot) has another start.
 */
export interface ProcessStart {
  /** Field 22 of /proc/PID/stat: clock ticks from boot to the start of the process. */
  readonly startTime: number;
  /** /proc/sys/kernel/random/boot_id: the boot those ticks count from. */
  readonly bootId: string;
}

/**
 * Field 22 (starttime) of a /proc/PID/stat line. The command name (field 2) is in
 * parentheses and may itself hold spaces and ')': the fields after it follow the LAST ')'.
 */
export const startTimeOfStat = (stat: string): number | undefined => {
  const end = stat.lastIndexOf(')');
  if (end < 0) return undefined;
  // After the name come field 3 (state) onwards: field 22 is the 20th of them.
  const field = stat
    .slice(end + 1)
    .trim()
    .split(/\s+/)[19];
  if (field === undefined || !/^\d+$/.test(field)) return undefined;
  const ticks = Number(field);
  return Number.isSafeInteger(ticks) ? ticks : undefined;
};

const readProc = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

let bootId: string | null | undefined;

/** This boot's id, undefined where /proc does not offer it. Read once: it cannot change. */
export const currentBootId = (): string | undefined => {
  if (bootId === undefined) bootId = readProc('/proc/sys/kernel/random/boot_id')?.trim() || null;
  return bootId ?? undefined;
};

/** When process `pid` started, undefined where /proc does not say (another OS, no such pid). */
export const startTimeOf = (pid: number): number | undefined => {
  const stat = readProc(`/proc/${pid}/stat`);
  return stat === undefined ? undefined : startTimeOfStat(stat);
};

/** When this process started, undefined where the OS does not say. */
export const ownStart = (): ProcessStart | undefined => {
  const id = currentBootId();
  const startTime = startTimeOf(process.pid);
  return id === undefined || startTime === undefined ? undefined : { startTime, bootId: id };
};
