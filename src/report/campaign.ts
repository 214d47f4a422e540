import type { CampaignCounts } from '../campaign/progress.js';
import { ROW_STATES } from '../campaign/row-state.js';

/** What `waiting` counts: a row whose redial is to come is there, not under its latest outcome. */
const WAITING_NOTE =
  'waiting: a first call, a retry or a redial is still to come (a row whose latest attempt ended no-answer, busy or failed and will be redialled counts here)';

/** What `held` counts, said when there are any. */
const HELD_NOTE =
  'held: not placed: this campaign already dialled its number under another row or key (see `callops plan`)';

/** `status --campaign NAME`, readable: rows per state (every state, zeros included). */
export const renderCampaignCounts = (counts: CampaignCounts): string => {
  const width = Math.max(...ROW_STATES.map((s) => s.length));
  const lines = ROW_STATES.map((s) => `  ${s.padEnd(width)}  ${counts.states[s]}`);
  const rows = `${counts.rows} ${counts.rows === 1 ? 'row' : 'rows'}`;
  const attempts = `${counts.attempts} ${counts.attempts === 1 ? 'attempt' : 'attempts'}`;
  return `campaign ${counts.campaign}: ${rows}, ${attempts} recorded (each row counted once, where it stands now)\n${lines.join('\n')}\n${WAITING_NOTE}\n${counts.states.held > 0 ? `${HELD_NOTE}\n` : ''}`;
};

/** The campaign names of a project, for a message naming the known ones. */
export const knownCampaigns = (names: readonly string[]): string =>
  names.length === 0
    ? 'this project has no campaign (a call with `recipients`)'
    : `campaigns: ${names.join(', ')}`;
