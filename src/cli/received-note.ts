/**
 * The note a command gives when it recorded outcomes `callops receive` had accepted (answered
 * 204) and could not record itself, from the spools it keeps them in (state/received.ts).
 */
export const receivedNote = (recorded: number): string =>
  `note: recorded ${recorded} outcome${recorded === 1 ? '' : 's'} that \`callops receive\` accepted and could not record (kept in .callops/received.*.jsonl)\n`;
