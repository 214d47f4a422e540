import { fileProblem } from '../config/diagnostics.js';
import { detachedData } from '../config/file-text.js';
import type { PathSegments, SourceDocument, SourceFile } from '../config/types.js';
import { checkDefaultsName } from './config.js';
import type { Diagnostic } from './diagnostic.js';
import { type Layer, layerOfValue, mergeLayers, siteInLayers, textSiteInLayers } from './merge.js';
import { saysWhen } from './schedule-spec.js';
import { checkCallsDocument } from './schema-check.js';
import { errorAt, isRecord, type Site, siteOf, toPointer } from './site.js';

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

/** Where the `nth` `text` is written inside the merged string at `path`, e.g. a `${row.X}`. */
export const textSiteIn = (entry: CallEntry, path: PathSegments, text: string, nth: number): Site =>
  textSiteInLayers(entry.layers, path, text, nth);

/** Where the call is named (its `name` value), or the call item when it has no name. */
export const nameSite = (entry: CallEntry): Site =>
  siteOf(entry.doc, entry.item.name === undefined ? entry.itemPath : [...entry.itemPath, 'name']);

/**
 * Where a merged value came from when the call does not write it: `this file's defaults
 * (calls/a.yaml:4:3)` or `the defaults of callops.yaml (callops.yaml:3:3)`, with where it is
 * written there (at its key with `key`, as siteInLayers). Undefined for a value the call
 * writes itself.
 */
export const fromDefaults = (
  entry: CallEntry,
  path: PathSegments,
  key = false,
): string | undefined => {
  const layer = layerOfValue(entry.layers, path);
  if (layer === undefined || layer.base[0] !== 'defaults') return undefined;
  const at = siteInLayers(entry.layers, path, key);
  const whose =
    layer.doc === entry.doc ? "this file's defaults" : `the defaults of ${layer.doc.file}`;
  return `${whose} (${at.file}:${at.line}:${at.column})`;
};

/**
 * Which defaults a merged value came from, as a message names them: `the defaults of this
 * file` (the file of the call, where the value is written) or `the defaults of callops.yaml`.
 * Undefined for a value the call writes itself.
 */
export const defaultsNamed = (entry: CallEntry, path: PathSegments): string | undefined => {
  const layer = layerOfValue(entry.layers, path);
  if (layer === undefined || layer.base[0] !== 'defaults') return undefined;
  return layer.doc === entry.doc
    ? 'the defaults of this file'
    : `the defaults of ${layer.doc.file}`;
};

const withoutName = (
  data: Readonly<Record<string, unknown>>,
): Readonly<Record<string, unknown>> => {
  const { name: _name, ...rest } = data;
  return rest;
};

/**
 * What the schema says of a document that holds aliases naming no anchor, read with each as
 * null: a problem at, below or above one may stem from what it was meant to stand for, and
 * is left out; the others (an unknown option, an unquoted number) are reported with the
 * alias. Its calls are not made, nor checked merged: what they lack may be in the alias.
 */
const aroundAliases = (
  doc: SourceDocument,
  { data, aliases }: NonNullable<SourceDocument['withoutAliases']>,
  text: string,
): Diagnostic[] => {
  const pointers = aliases.map(toPointer);
  const related = (pointer: string): boolean =>
    pointers.some(
      (alias) =>
        pointer === alias ||
        pointer.startsWith(`${alias}/`) ||
        alias.startsWith(`${pointer}/`) ||
        pointer === '',
    );
  const read: SourceDocument = { ...doc, data };
  return checkCallsDocument(read, text).filter((d) => !related(d.path));
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
    if (doc.data === undefined && doc.withoutAliases !== undefined)
      for (const item of aroundAliases(doc, doc.withoutAliases, file.text)) schema.push(item);
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
    // Kept by every call of the document to the end: holding no part of the file's text.
    if (isRecord(defaults))
      layers.push({
        data: detachedData(withoutName(defaults)) as Readonly<Record<string, unknown>>,
        doc,
        base: ['defaults'],
      });
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
      // A schedule from defaults merges as if written in the call when it says when calls
      // are placed (its window and dates hold a campaign's rows; a call without recipients
      // then needs cron or at). One of a zone, deadline or catchup alone is for the calls
      // that have cron or at: it changes nothing for the others, nor their digests.
      if (item.schedule === undefined && !saysWhen(merged.schedule)) delete merged.schedule;
      entries.push({ doc, itemPath, item, layers: all, merged, below: layers, index: i });
    });
  }
  const hasErrors = [...schema, ...structural, ...semantic].some((d) => d.severity === 'error');
  if (entries.length === 0 && !unreadable && !hasErrors) {
    semantic.push(fileProblem(file.file, 'file has no calls', 'warning'));
  }
  return { entries, schema, structural, semantic };
};
