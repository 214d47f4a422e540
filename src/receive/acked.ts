import type { ReceivedAck } from '../state/received-ack.js';

/**
 * Drops from `queue` (the receiver's statuses waiting to be recorded, by call sid) each call
 * whose latest status another command recorded and acknowledged (state/received-ack.ts): its
 * number is within the acknowledgement and its sid is not among those left unrecorded. A
 * status that came after the spool was read has a higher number, and stays. Gives the sids
 * dropped.
 */
export const dropAcknowledged = (
  queue: Map<string, { readonly n: number }>,
  ack: ReceivedAck,
): string[] => {
  const except = new Set(ack.except);
  const dropped: string[] = [];
  for (const [sid, queued] of queue) {
    if (queued.n > ack.upTo || except.has(sid)) continue;
    queue.delete(sid);
    dropped.push(sid);
  }
  return dropped;
};
