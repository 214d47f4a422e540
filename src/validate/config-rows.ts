import { isColumnName, rowReferences } from '../campaign/template.js';
import type { PathSegments, SourceDocument } from '../config/types.js';
import { rowOutsideCallMessage } from '../options/literal.js';
import { TARGET_TEXT_KEYS } from '../resolve/target.js';
import type { Diagnostic } from './diagnostic.js';
import { isSecretKey } from './references.js';
import { errorAt, isRecord, textSiteOf } from './site.js';

/**
 * `${row.COLUMN}` in callops.yaml outside `defaults`. A campaign's rows fill a row template
 * only in the call that carries `recipients`; the interpolation of the environment leaves one
 * as written, so a target's `base_url: …/${row.region}` would be sent as that text (a 404),
 * `api_key: ${row.key}` as the credential. Each is an error at the template itself.
 *
 * Only the values that take an environment reference are looked at here: the others
 * (`default_target`, `lockfile`, `state.keep`, `suppress`, `limits`, a target's `flavor` and
 * `allow_insecure`, `state.schema`) already refuse any `${…}` in their own words, which a
 * campaign would not change. `defaults` are the calls', and validate/campaign.ts reads them.
 */

// biome-ignore lint/suspicious/noTemplateCurlyInString: an environment reference, as a message shows it
const USE_ENV = 'write the value, or an environment reference such as ${NAME}';

interface Place {
  readonly path: PathSegments;
  readonly text: string;
  /** Where it is written, and why no row fills it there (with what to write instead). */
  readonly place: string;
  readonly why: string;
}

const targetPlaces = (targets: unknown): Place[] =>
  !isRecord(targets)
    ? []
    : Object.entries(targets).flatMap(([name, spec]) =>
        !isRecord(spec)
          ? []
          : TARGET_TEXT_KEYS.flatMap((key) => {
              const text = spec[key];
              return typeof text !== 'string'
                ? []
                : [
                    {
                      path: ['targets', name, key],
                      text,
                      place: 'a target',
                      why: `\`${key}\` of target \`${name}\` is one value for every call it places, not one per row; ${USE_ENV}`,
                    },
                  ];
            }),
      );

const statePlaces = (state: unknown): Place[] =>
  isRecord(state) && state.backend === 'postgres' && typeof state.url === 'string'
    ? [
        {
          path: ['state', 'url'],
          text: state.url,
          place: '`state`',
          why:
            // biome-ignore lint/suspicious/noTemplateCurlyInString: an environment reference, as a message shows it
            '`state.url` is the one store of the whole project, not one per row; write it as an environment reference such as ${CALLOPS_DATABASE_URL}',
        },
      ]
    : [];

const callsPlaces = (calls: unknown): Place[] =>
  !Array.isArray(calls)
    ? []
    : calls.flatMap((text, index) =>
        typeof text !== 'string'
          ? []
          : [
              {
                path: ['calls', index],
                text,
                place: 'a `calls` pattern',
                why: "call files are found before any campaign's rows are read; write the pattern out, e.g. calls/**/*.yaml",
              },
            ],
      );

/** The errors of row templates in callops.yaml's targets, `state.url` and `calls` patterns. */
export const configRowProblems = (
  doc: SourceDocument,
  data: Readonly<Record<string, unknown>>,
): Diagnostic[] =>
  [...targetPlaces(data.targets), ...statePlaces(data.state), ...callsPlaces(data.calls)].flatMap(
    ({ path, text, place, why }) => {
      // The same template twice in one value: each at its own place.
      const seen = new Map<string, number>();
      return (
        rowReferences(text)
          // A template that is no column name is a malformed reference, said as such.
          .filter((ref) => isColumnName(ref.name))
          .map((ref) => {
            const template = `\${row.${ref.name}}`;
            // An api key is a secret: the message quotes no part of what is written there.
            const shown = isSecretKey(String(path.at(-1))) ? 'a row template' : `\`${template}\``;
            const nth = seen.get(template) ?? 0;
            seen.set(template, nth + 1);
            return errorAt(
              textSiteOf(doc, path, template, nth),
              rowOutsideCallMessage(shown, place, why),
            );
          })
      );
    },
  );
