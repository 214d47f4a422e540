import { type Watched, watchedEntries } from '../execute/observe.js';
import { recordedGateway, UNRESOLVED_GATEWAY } from '../plan/twins.js';
import { sharedSids } from '../state/sids.js';
import type { Lockfile } from '../state/types.js';
import { gatewaysOf } from './gateways.js';
import type { Prepared } from './prepare.js';
import { targetOfKey } from './readers.js';
import { SIMULATOR_TARGET } from './targets.js';

/**
 * Which target is asked about an entry (status --refresh, run's refresher, resolve --check):
 * its own, or, when its own is defined but its gateway does not resolve here (a variable
 * unset in this job), the target that resolves on the gateway the entry records
 * (LockEntry.gateway, recordedGateway): that gateway placed it, whatever its target's name
 * now (a renamed target whose old name's variables are gone), and it is asked through the
 * target that names it here. An entry recording no gateway, or one no target resolves to,
 * stays its own target's (not asked, and said so).
 */
export const entryReaders = (
  prepared: Pick<Prepared, 'choice' | 'env'>,
  lock: Lockfile,
): ((key: string) => string) => {
  const gateways = gatewaysOf(prepared);
  const byRecorded = new Map<string, string>();
  for (const [name, gateway] of [...gateways].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const recorded = recordedGateway(gateway);
    if (recorded !== undefined && name !== SIMULATOR_TARGET && !byRecorded.has(recorded))
      byRecorded.set(recorded, name);
  }
  return (key) => {
    const target = targetOfKey(key);
    if (!gateways.get(target)?.startsWith(UNRESOLVED_GATEWAY)) return target;
    const at = lock.calls[key]?.gateway;
    return (at === undefined ? undefined : byRecorded.get(at)) ?? target;
  };
};

/**
 * Placed entries waiting for a final outcome (watchedEntries), grouped by the target asked
 * about them (entryReaders). A sid that entries of two targets in one group hold is asked
 * about for neither: one record is never recorded on several calls.
 */
export const watchedByReader = (
  prepared: Pick<Prepared, 'choice' | 'env'>,
  lock: Lockfile,
  now: Date,
): Map<string, Watched[]> => {
  const readerOf = entryReaders(prepared, lock);
  const targets = new Set(Object.keys(lock.calls).map(targetOfKey));
  const byReader = new Map<string, Watched[]>();
  for (const target of targets) {
    for (const watched of watchedEntries(lock, target, now)) {
      const reader = readerOf(watched.key);
      const group = byReader.get(reader);
      if (group === undefined) byReader.set(reader, [watched]);
      else group.push(watched);
    }
  }
  for (const [reader, watched] of byReader) {
    const shared = sharedSids(watched.map((w) => [w.key, { sid: w.sid }] as const));
    if (shared.size > 0)
      byReader.set(
        reader,
        watched.filter((w) => !shared.has(w.sid.toLowerCase())),
      );
  }
  return new Map([...byReader].filter(([, watched]) => watched.length > 0));
};
