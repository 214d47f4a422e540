import { normalize } from 'node:path/posix';
import { pathTextProblem } from '../config/path-text.js';
import type { SourceDocument } from '../config/types.js';
import { LITERAL_WHY, noReferenceMessage } from '../options/literal.js';
import type { PerNumberLimit } from '../screen/limit.js';
import type { SuppressSpec } from '../screen/load.js';
import type { Diagnostic } from './diagnostic.js';
import { parseLimit } from './parse.js';
import { errorAt, hasReference, isRecord, siteOf, warningAt } from './site.js';

/**
 * `suppress:` of callops.yaml: a list of CSV paths (read later, in engine/prepare). A path
 * named again (as written, or spelt another way: `./lists/dnc.csv`) is a warning at its
 * second mention and is read once: read twice, the list would say each of its own warnings
 * twice and hold back nothing more.
 */
export const readSuppress = (
  doc: SourceDocument,
  raw: unknown,
): { readonly specs: readonly SuppressSpec[]; readonly diagnostics: readonly Diagnostic[] } => {
  if (raw === undefined || raw === null) return { specs: [], diagnostics: [] };
  const message = '`suppress` must be a list of CSV files, e.g. [lists/dnc.csv]';
  if (!Array.isArray(raw))
    return { specs: [], diagnostics: [errorAt(siteOf(doc, ['suppress']), message)] };
  const specs: SuppressSpec[] = [];
  const diagnostics: Diagnostic[] = [];
  /** Each path named so far (normalised), with the number of its first entry (1-based). */
  const named = new Map<string, number>();
  raw.forEach((path: unknown, index) => {
    const site = siteOf(doc, ['suppress', index]);
    const first = typeof path === 'string' ? named.get(normalize(path)) : undefined;
    if (typeof path !== 'string' || path.trim() === '') diagnostics.push(errorAt(site, message));
    else if (pathTextProblem(path) !== undefined)
      diagnostics.push(
        errorAt(
          site,
          `\`suppress\` must list file paths of visible characters: ${pathTextProblem(path)}`,
        ),
      );
    else if (hasReference(path))
      diagnostics.push(errorAt(site, noReferenceMessage('suppress', LITERAL_WHY.suppress)));
    else if (first !== undefined)
      diagnostics.push(
        warningAt(
          site,
          `\`suppress\` names ${path} again (its entry ${first} is the same list): it is read once`,
        ),
      );
    else {
      named.set(normalize(path), index + 1);
      // Its position is wanted only if the list cannot be read.
      const where = {
        file: site.file,
        get line() {
          return site.line;
        },
        get column() {
          return site.column;
        },
      };
      specs.push({ path, site: where });
    }
  });
  return { specs, diagnostics };
};

/** `limits:` of callops.yaml: `{per_number: N/DURATION}`. */
export const readLimits = (
  doc: SourceDocument,
  raw: unknown,
): { readonly perNumber?: PerNumberLimit; readonly diagnostics: readonly Diagnostic[] } => {
  if (raw === undefined || raw === null) return { diagnostics: [] };
  if (!isRecord(raw)) {
    return {
      diagnostics: [
        errorAt(siteOf(doc, ['limits']), '`limits` must be a map, e.g. {per_number: 3/24h}'),
      ],
    };
  }
  const text = raw.per_number;
  if (text === undefined) return { diagnostics: [] };
  const site = siteOf(doc, ['limits', 'per_number']);
  const bad = `limits.per_number must be N/DURATION, e.g. 3/24h (at most 3 calls to one number in any 24 hours)`;
  // Not a string: the schema says so (a number, with the form to write).
  if (typeof text !== 'string') return { diagnostics: [] };
  if (hasReference(text)) {
    const why = LITERAL_WHY['limits.per_number'];
    return { diagnostics: [errorAt(site, noReferenceMessage('limits.per_number', why))] };
  }
  const limit = parseLimit(text);
  if (limit === undefined) return { diagnostics: [errorAt(site, `${bad}; got \`${text}\``)] };
  return {
    perNumber: { count: limit.count, windowMs: limit.perMs, text: text.trim() },
    diagnostics: [],
  };
};
