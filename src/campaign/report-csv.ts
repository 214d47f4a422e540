import { printable } from '../report/printable.js';
import type { RowState } from './row-state.js';

/** One line of `callops report NAME --format csv`: a recipient row and where it stands. */
export interface ReportLine {
  readonly id: string;
  /**
   * Whom the row dials, as the plan shows it; empty when the latest attempt dialled another
   * number (`toChanged`): the sid beside it is never paired with a number it did not call.
   */
  readonly to: string;
  /** The latest attempt dialled a number other than the row's now (the row was edited since). */
  readonly toChanged?: true;
  readonly state: RowState;
  /** Attempts the state knows of (placed, failed or unknown); a row placed at slots: its slots. */
  readonly attempts: number;
  /** The latest attempt's call sid. */
  readonly sid?: string;
  readonly sipStatus?: number;
  /** Seconds talked on the answered (or latest) attempt. */
  readonly duration?: number;
  /** ISO-8601 UTC: when the latest attempt was placed. */
  readonly lastAttemptAt?: string;
}

export const REPORT_COLUMNS = [
  'id',
  'to',
  'state',
  'attempts',
  'sid',
  'sip_status',
  'duration',
  'last_attempt_at',
  'to_changed',
] as const;

/** RFC 4180: a field with a comma, quote, CR or LF is quoted, quotes doubled. */
const field = (value: string | number | undefined): string => {
  const text = value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/**
 * Text from the user's files in a cell: every character a terminal acts on escaped as human
 * output shows it (`\u001b`, `\n`), so neither `cat` nor a pager runs it, whether the CSV
 * goes to a terminal or a file (JSON carries it exact); and, as a spreadsheet must not run a
 * cell as a formula (CSV injection), such text prefixed with '.
 */
const cell = (raw: string | undefined): string | undefined => {
  if (raw === undefined) return raw;
  const value = printable(raw);
  return /^[=+\-@]/.test(value) && !/^\+[0-9]/.test(value) ? `'${value}` : value;
};

export const reportHeader = (): string => `${REPORT_COLUMNS.join(',')}\r\n`;

export const reportLine = (line: ReportLine): string =>
  `${[
    field(cell(line.id)),
    field(cell(line.to)),
    field(line.state),
    field(line.attempts),
    field(line.sid),
    field(line.sipStatus),
    field(line.duration),
    field(line.lastAttemptAt),
    field(line.toChanged ? 'yes' : undefined),
  ].join(',')}\r\n`;
