import { UNRESOLVED_GATEWAY } from '../plan/twins.js';
import { sha256 } from '../validate/definition.js';
import { gatewayIdentity } from './plan-digests.js';
import type { Prepared } from './prepare.js';
import { SIMULATOR_TARGET } from './targets.js';

const made = new WeakMap<object, ReadonlyMap<string, string>>();

/**
 * Which gateway each target of the project places calls on (PlanInput.gateways): a digest of
 * its base_url and account_sid as they resolve now (gatewayIdentity: a rotated api key is the
 * same gateway), equal for two names of one gateway. A target whose values do not resolve
 * (a variable unset, empty or blank; a base_url that is no URL: nothing names its gateway,
 * whatever made it so, so the run cannot tell it from its own) is known by them as written (two targets written alike are one gateway in any environment),
 * its identity marked (UNRESOLVED_GATEWAY): a plan names such a target holding entries.
 * The built-in simulator is a gateway of its own. Made once per prepared project.
 */
export const gatewaysOf = (
  prepared: Pick<Prepared, 'choice' | 'env'>,
): ReadonlyMap<string, string> => {
  const known = made.get(prepared);
  if (known !== undefined) return known;
  const gateways = new Map<string, string>([[SIMULATOR_TARGET, SIMULATOR_TARGET]]);
  for (const [name, spec] of prepared.choice.specs) {
    const id = gatewayIdentity(spec, prepared.env);
    const resolved = id.base_url !== null && id.account_sid !== null;
    gateways.set(
      name,
      resolved
        ? sha256(JSON.stringify(id))
        : `${UNRESOLVED_GATEWAY}${sha256(JSON.stringify({ written: [spec.base_url, spec.account_sid] }))}`,
    );
  }
  made.set(prepared, gateways);
  return gateways;
};
