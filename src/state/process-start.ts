import { readFileSync, readlinkSync } from 'node:fs';

/**
 * Who a process is, where the OS tells it (Linux /proc): a pid reused by a later process
 * (after a crash or a reboot) has another start, and a pid of another PID namespace (another
 * container on the same host) names another process here.
 */
export interface ProcessIdentity {
  /** Field 22 of /proc/PID/stat: clock ticks from boot to the start of the process. */
  readonly startTime?: number;
  /** /proc/sys/kernel/random/boot_id: the boot those ticks count from. */
  readonly bootId?: string;
  /** `readlink /proc/self/ns/pid`, e.g. `pid:[4026531836]`: the PID namespace its pid is of. */
  readonly pidNs?: string;
}

/**
 * The fields of a /proc/PID/stat line from field 3 (state) on. The command name (field 2)
 * is in parentheses and may itself hold spaces and ')': the fields after it follow the LAST
 * ')'. Undefined for a line without one.
 */
const fieldsAfterName = (stat: string): string[] | undefined => {
  const end = stat.lastIndexOf(')');
  return end < 0
    ? undefined
    : stat
        .slice(end + 1)
        .trim()
        .split(/\s+/);
};

/** Field 22 (starttime) of a /proc/PID/stat line. */
export const startTimeOfStat = (stat: string): number | undefined => {
  // Field 22 is the 20th from field 3.
  const field = fieldsAfterName(stat)?.[19];
  if (field === undefined || !/^\d+$/.test(field)) return undefined;
  const ticks = Number(field);
  return Number.isSafeInteger(ticks) ? ticks : undefined;
};

/** Field 3 (state) of a /proc/PID/stat line: `R`, `S`, `D`, `Z` (zombie), `X` (dead)… */
export const stateOfStat = (stat: string): string | undefined => {
  const field = fieldsAfterName(stat)?.[0];
  return field === undefined || !/^[A-Za-z]$/.test(field) ? undefined : field;
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

let pidNs: string | null | undefined;

/**
 * This process's PID namespace (`pid:[4026531836]`), undefined where /proc does not say.
 * Read once: a process never changes its own.
 */
export const ownPidNamespace = (): string | undefined => {
  if (pidNs === undefined) {
    try {
      pidNs = readlinkSync('/proc/self/ns/pid') || null;
    } catch {
      pidNs = null;
    }
  }
  return pidNs ?? undefined;
};

/** When process `pid` started, undefined where /proc does not say (another OS, no such pid). */
export const startTimeOf = (pid: number): number | undefined => {
  const stat = readProc(`/proc/${pid}/stat`);
  return stat === undefined ? undefined : startTimeOfStat(stat);
};

/**
 * The state of process `pid` (field 3 of /proc/PID/stat), undefined where /proc does not
 * say (another OS, no such pid).
 */
export const processStateOf = (pid: number): string | undefined => {
  const stat = readProc(`/proc/${pid}/stat`);
  return stat === undefined ? undefined : stateOfStat(stat);
};

/** When (and in which PID namespace) this process started, as far as the OS says. */
export const ownStart = (): ProcessIdentity => {
  const id = currentBootId();
  // /proc/self, not /proc/<pid>: under a PID namespace without its own /proc mounted,
  // process.pid names another process of the /proc that is mounted.
  const own = readProc('/proc/self/stat');
  const startTime = own === undefined ? undefined : startTimeOfStat(own);
  const ns = ownPidNamespace();
  return {
    ...(id !== undefined && startTime !== undefined && { startTime, bootId: id }),
    ...(ns !== undefined && { pidNs: ns }),
  };
};
