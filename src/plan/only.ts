import type { CallDefinition } from '../validate/model.js';

/**
 * Whether `--only NAME…` selects a call: by its name, or a campaign's row by its campaign's
 * name too. Without `--only` (undefined) every call is selected.
 */
export const selectedBy = (
  only: ReadonlySet<string> | undefined,
  call: Pick<CallDefinition, 'name' | 'campaign'>,
): boolean =>
  only === undefined ||
  only.has(call.name) ||
  (call.campaign !== undefined && only.has(call.campaign.name));
