import { closeSync, openSync, writeSync } from 'node:fs';

/** One create-call request as received and answered: a line of the `--log` file. */
export interface ReceivedCall {
  /** ISO-8601 UTC instant the answer was decided. */
  readonly at: string;
  /** The account in the request path, as given. */
  readonly account_sid: string;
  /** The HTTP status answered. */
  readonly status: number;
  /** Only on 201. */
  readonly sid?: string;
  /** Only on 201. */
  readonly callId?: string;
  /** The request body: parsed JSON when it parsed, else the text as received. */
  readonly body: unknown;
}

/** One status change of an accepted call: a line of the `--log` file (never in `records`). */
export interface StatusLine {
  readonly at: string;
  readonly event: 'status';
  readonly call_sid: string;
  readonly call_status: string;
  readonly sip_status: number;
  readonly duration: number;
}

export interface CallLog {
  append(record: ReceivedCall): void;
  /** Writes a status line to the file (when there is one and it is still open). */
  appendStatus(line: StatusLine): void;
  records(): readonly ReceivedCall[];
  /** How many records were appended (kept or not). */
  count(): number;
  close(): void;
}

/**
 * Keeps every record in memory (unless `keep` is false: then only their count) and, given a
 * file, appends it as one JSON line with a single O_APPEND write before the answer is sent:
 * whoever got the answer can read the line, and concurrent requests never interleave.
 * Headers are never recorded.
 */
export const createCallLog = (file: string | undefined, keep = true): CallLog => {
  const kept: ReceivedCall[] = [];
  let count = 0;
  let fd = file === undefined ? undefined : openSync(file, 'a');
  return {
    append(record) {
      count += 1;
      if (keep) kept.push(record);
      if (fd !== undefined) writeSync(fd, `${JSON.stringify(record)}\n`);
    },
    appendStatus(line) {
      if (fd !== undefined) writeSync(fd, `${JSON.stringify(line)}\n`);
    },
    records: () => [...kept],
    count: () => count,
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
};
