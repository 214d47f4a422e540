import { localNumberRowsMessage } from '../resolve/index.js';
import type { Diagnostic } from '../validate/diagnostic.js';
import type { CallDefinition } from '../validate/model.js';

/**
 * The warnings resolving a campaign's rows draws (a number that resolved with no leading +),
 * kept once per campaign and place with how many rows drew each: 100,000 rows give one
 * line, not 100,000. Each names the reference as the campaign writes it, never a cell.
 */
export const rowWarnings = (named: readonly CallDefinition[]) => {
  const found = new Map<
    string,
    { readonly first: Diagnostic; readonly id: string; readonly campaign: string; rows: number }
  >();
  return {
    /** Counts a row's warning. */
    add(row: NonNullable<CallDefinition['campaign']>, warning: Diagnostic): void {
      const place = `${row.name}\0${warning.file}:${warning.line}:${warning.column}`;
      const known = found.get(place);
      if (known !== undefined) known.rows += 1;
      else found.set(place, { first: warning, id: row.id, campaign: row.name, rows: 1 });
    },
    /** One warning per campaign and place. */
    list(): Diagnostic[] {
      if (found.size === 0) return [];
      const templates = new Map(named.map((call) => [call.name, call]));
      return [...found.values()].map(({ first, id, campaign, rows }) => {
        const to = templates.get(campaign)?.options.to as { number?: unknown } | undefined;
        const written = typeof to?.number === 'string' ? to.number : undefined;
        return { ...first, message: localNumberRowsMessage(campaign, rows, id, written) };
      });
    },
  };
};
