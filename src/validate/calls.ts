import { fileProblem } from '../config/diagnostics.js';
import type { PathSegments, SourceDocument, SourceFile } from '../config/types.js';
import { checkDefaultsName } from './config.js';
import type { Diagnostic } from './diagnostic.js';
import { type Layer, mergeLayers, siteInLayers } from './merge.js';
import { checkCallsDocument } from './schema-check.js';
import { errorAt, isRecord, type Site, siteOf } from './site.js';

/** One call as written, with the layers it is merged from. */
export interface CallEntry {
  readonly doc: SourceDocument;
  /** ['calls', i] inside `doc`. */
  readonly itemPath: PathSegments;
  readonly item: Readonly<Record<string, unknown>>;
  /** Lowest precedence first: project defaults, file defaults, the call. */
  readonly layers: readonly Layer[];
  /** The merged call: `name` only from the call itself. */
  readonly merged: Readonly<Record<string, unknown>>;
  /** The layers below the call (one array shared by every call of its document). */
  readonly below: readonly Layer[];
  /** Its index in the document's `calls`. */
  readonly index: number;
}

export interface CallFindings {
  readonly entries: readonly CallEntry[];
  readonly schema: readonly Diagnostic[];
  readonly structural: readonly Diagnostic[];
  readonly semantic: readonly Diagnostic[];
}

/** Where a merged value was written (project defaults, file defaults or the call). */
export const siteIn = (entry: CallEntry, path: PathSegments): Site =>
  siteInLayers(entry.layers, path);

/** Where the call is named (its `name` value), or the call item when it has no name. */
export const nameSite = (entry: CallEntry): Site =>
  siteOf(entry.doc, entry.item.name === undefined ? entry.itemPath : [...entry.itemPath, 'name']);

/**
 * A partial schedule in defaults (say, only a timezone) applies to calls that have a
 * schedule; it does not make an unscheduled call scheduled. Only `cron` or `at` do.
 */
const isSchedule = (value: unknown): boolean =>
  isRecord(value) && (value.cron !== undefined || value.at !== undefined);

const withoutName = (
  data: Readonly<Record<string, unknown>>,
): Readonly<Record<string, unknown>> => {
  const { name: _name, ...rest } = data;
  return rest;
};

/** The calls of one file (every document), ready for the rules. */
export const collectCalls = (file: SourceFile, projectDefaults?: Layer): CallFindings => {
  const entries: CallEntry[] = [];
  const schema: Diagnostic[] = [];
  const structural: Diagnostic[] = [];
  const semantic: Diagnostic[] = [];
  let unreadable = false;
  for (const doc of file.documents) {
    if (doc.data === undefined) unreadable = true;
    if (doc.data === undefined || doc.data === null) continue;
    for (const item of checkCallsDocument(doc, file.text)) schema.push(item);
    if (!isRecord(doc.data)) {
      structural.push(
        errorAt(
          siteOf(doc, []),
          'a call file holds a map with `calls:` (and optional `defaults:`)',
        ),
      );
      continue;
    }
    const { defaults, calls } = doc.data;
    if (defaults !== undefined && defaults !== null && !isRecord(defaults)) {
      structural.push(
        errorAt(siteOf(doc, ['defaults']), '`defaults` must be a map of call options'),
      );
    }
    for (const item of checkDefaultsName(doc, defaults)) structural.push(item);
    if (calls !== undefined && calls !== null && !Array.isArray(calls)) {
      structural.push(errorAt(siteOf(doc, ['calls']), '`calls` must be a list of calls'));
    }
    const layers: Layer[] = [];
    if (projectDefaults)
      layers.push({ ...projectDefaults, data: withoutName(projectDefaults.data) });
    if (isRecord(defaults)) layers.push({ data: withoutName(defaults), doc, base: ['defaults'] });
    (Array.isArray(calls) ? calls : []).forEach((item: unknown, i) => {
      const itemPath = ['calls', i];
      if (!isRecord(item)) {
        structural.push(
          errorAt(siteOf(doc, itemPath), 'each call must be a map with a `name` and its options'),
        );
        return;
      }
      const all = [...layers, { data: item, doc, base: itemPath }];
      // `name` comes from the call alone: the other layers were taken without it.
      const merged = mergeLayers(all);
      if (item.schedule === undefined && !isSchedule(merged.schedule)) delete merged.schedule;
      entries.push({ doc, itemPath, item, layers: all, merged, below: layers, index: i });
    });
  }
  const hasErrors = [...schema, ...structural, ...semantic].some((d) => d.severity === 'error');
  if (entries.length === 0 && !unreadable && !hasErrors) {
    semantic.push(fileProblem(file.file, 'file has no calls', 'warning'));
  }
  return { entries, schema, structural, semantic };
};
