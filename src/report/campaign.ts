import type { CampaignCounts } from '../campaign/progress.js';
import { ROW_STATES } from '../campaign/row-state.js';

/** `status --campaign NAME`, readable: rows per state (every state, zeros included). */
export const renderCampaignCounts = (counts: CampaignCounts): string => {
  const width = Math.max(...ROW_STATES.map((s) => s.length));
  const lines = ROW_STATES.map((s) => `  ${s.padEnd(width)}  ${counts.states[s]}`);
  return `campaign ${counts.campaign}: ${counts.rows} rows, ${counts.attempts} attempts recorded (each row counted by its latest attempt)\n${lines.join('\n')}\n`;
};

/** The campaign names of a project, for a message naming the known ones. */
export const knownCampaigns = (names: readonly string[]): string =>
  names.length === 0
    ? 'this project has no campaign (a call with `recipients`)'
    : `campaigns: ${names.join(', ')}`;
