import type { Lockfile } from '../state/types.js';
import { type TargetTwins, targetTwins, unresolvedTargets } from './twins.js';
import type { Plan } from './types.js';

/**
 * What a plan names under its target line of the other targets the lockfile holds entries
 * of (twins.ts): those no longer defined, those on the run target's gateway, and those whose
 * gateway does not resolve here. Each list is absent when empty, as in a Plan.
 */
export type TargetNotes = Pick<Plan, 'goneTargets' | 'sameGateway' | 'unresolvedTargets'>;

/** The notes of `target` from the twins a plan found (PlanInput.gateways: see twins.ts). */
export const targetNotesOf = (
  twins: TargetTwins,
  lock: Lockfile,
  gateways: ReadonlyMap<string, string> | undefined,
  target: string,
): TargetNotes => {
  const beside = twins.sameGateway(target);
  const unresolved = unresolvedTargets(lock, gateways, target);
  return {
    ...(twins.gone.length > 0 && { goneTargets: twins.gone }),
    ...(beside.length > 0 && { sameGateway: beside }),
    ...(unresolved.length > 0 && { unresolvedTargets: unresolved }),
  };
};

/** The notes of `target` without a plan: `run` says them as it starts, with its target line. */
export const targetNotes = (
  lock: Lockfile,
  gateways: ReadonlyMap<string, string> | undefined,
  target: string,
): TargetNotes => targetNotesOf(targetTwins(lock, gateways), lock, gateways, target);
