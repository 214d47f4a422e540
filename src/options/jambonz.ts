import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { JAMBONZ_DEF_PREFIX, jambonzDefName, requiredKeys, VAR_PATTERN } from './fragments.js';

/**
 * The gateway's published schemas (@jambonz/schema), looked up by `$id` and bundled into
 * our generated files under `$defs`, so the files resolve every `$ref` locally (no network,
 * and no reliance on editors resolving embedded `$id`s). While copying:
 * - `$ref`s become local pointers (`#/$defs/jambonz.components.actionHook`);
 * - format `uri` becomes `uri-reference`: the gateway accepts relative hooks ("/hook");
 * - numbers also accept a `${VAR}` string (see fragments.ts);
 * - objects listing their properties reject unknown keys (`unevaluatedProperties: false`),
 *   except the vendor-specific recognizer option bags, which the gateway passes through;
 * - `required` beside `properties` moves into an `allOf` (see `requiredKeys` in fragments.ts).
 */

import { SCHEMA_LISTS, SCHEMA_MAPS, SCHEMA_SINGLES } from './subschemas.js';

const ID_BASE = 'https://jambonz.org/schema/';
const OPEN_OBJECTS = /^components\/recognizer-\w+Options$/;

type Json = unknown;
type JsonObject = Record<string, Json>;

const isObject = (v: Json): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

interface Package {
  readonly version: string;
  readonly byId: ReadonlyMap<string, JsonObject>;
}

let loaded: Package | undefined;

const loadPackage = (): Package => {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('@jambonz/schema/package.json'));
  const version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as JsonObject)
    .version as string;
  const byId = new Map<string, JsonObject>();
  for (const sub of ['components', 'verbs']) {
    for (const f of readdirSync(join(dir, sub)).sort()) {
      if (!f.endsWith('.schema.json')) continue;
      const schema = JSON.parse(readFileSync(join(dir, sub, f), 'utf8')) as JsonObject;
      if (typeof schema.$id === 'string') byId.set(schema.$id, schema);
    }
  }
  loaded = { version, byId };
  return loaded;
};

/** `$id` path after the base, e.g. `components/amd`. */
const idPathOf = (ref: string, base: string): string => {
  const url = new URL(ref, base);
  if (url.hash) throw new Error(`unsupported $ref with a fragment: ${ref} in ${base}`);
  const href = url.href;
  if (!href.startsWith(ID_BASE)) throw new Error(`$ref outside @jambonz/schema: ${href}`);
  return href.slice(ID_BASE.length);
};

const isNumeric = (type: Json): boolean =>
  type === 'number' ||
  type === 'integer' ||
  (Array.isArray(type) && type.some((t) => t === 'number' || t === 'integer'));

/** Copy one schema node, rewriting as described above; `refs` collects referenced id paths. */
const rewrite = (node: Json, base: string, open: boolean, refs: Set<string>): Json => {
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string') {
      const target = idPathOf(v, base);
      refs.add(target);
      out.$ref = `#/$defs/${jambonzDefName(target)}`;
    } else if (SCHEMA_MAPS.has(k) && isObject(v)) {
      out[k] = Object.fromEntries(
        Object.entries(v).map(([name, s]) => [name, rewrite(s, base, open, refs)]),
      );
    } else if (SCHEMA_LISTS.has(k) && Array.isArray(v)) {
      out[k] = v.map((s) => rewrite(s, base, open, refs));
    } else if (SCHEMA_SINGLES.has(k)) {
      out[k] = rewrite(v, base, open, refs);
    } else if (k === 'format' && v === 'uri') {
      out[k] = 'uri-reference';
    } else {
      out[k] = v;
    }
  }
  if (isNumeric(out.type) && out.enum === undefined && out.const === undefined && !out.pattern) {
    const types = Array.isArray(out.type) ? out.type : [out.type];
    out.type = [...types, 'string'];
    out.pattern = VAR_PATTERN;
  }
  const closed = ['additionalProperties', 'unevaluatedProperties', 'patternProperties'].some(
    (k) => k in out,
  );
  if (!open && isObject(out.properties) && !closed) out.unevaluatedProperties = false;
  if (isObject(out.properties) && Array.isArray(out.required)) {
    const { required, ...rest } = out;
    const split = requiredKeys(required.map(String)).allOf as Json[];
    return { ...rest, allOf: [...(Array.isArray(rest.allOf) ? rest.allOf : []), ...split] };
  }
  return out;
};

/**
 * Words of a schema an editor would show instead of the referring option's own: a schema
 * referenced by a callops option describes itself as a verb of jambonz's (title, text and
 * `verb: listen` examples), which an editor shows on hover and as a completion item.
 */
const SHOWN_BY_EDITORS = ['title', 'description', 'examples'];

const bundleOne = (idPath: string, refs: Set<string>, entry: boolean): JsonObject => {
  const { version, byId } = loadPackage();
  const id = ID_BASE + idPath;
  const schema = byId.get(id);
  if (!schema) throw new Error(`@jambonz/schema has no schema with $id ${id}`);
  const { $schema: _s, $id: _i, ...rest } = schema;
  const copy = rewrite(rest, id, OPEN_OBJECTS.test(idPath), refs) as JsonObject;
  const shown = entry ? SHOWN_BY_EDITORS : [];
  return {
    $comment: `From @jambonz/schema ${version}: ${id}`,
    ...Object.fromEntries(Object.entries(copy).filter(([k]) => !shown.includes(k))),
  };
};

/**
 * `$defs` entries for the given jambonz `$id` paths (referenced by callops options, which
 * describe them: see SHOWN_BY_EDITORS) and everything they reference.
 */
export const bundleJambonz = (idPaths: Iterable<string>): Record<string, JsonObject> => {
  const defs: Record<string, JsonObject> = {};
  const entries = new Set(idPaths);
  const pending = [...entries];
  for (let next = pending.shift(); next !== undefined; next = pending.shift()) {
    const name = jambonzDefName(next);
    if (defs[name]) continue;
    const refs = new Set<string>();
    defs[name] = bundleOne(next, refs, entries.has(next));
    for (const item of refs) pending.push(item);
  }
  return Object.fromEntries(Object.entries(defs).sort(([a], [b]) => a.localeCompare(b)));
};

/** The jambonz `$id` paths referenced (as local `$defs` pointers) anywhere in `node`. */
export const jambonzRefsIn = (node: Json, found = new Set<string>()): Set<string> => {
  if (Array.isArray(node)) for (const v of node) jambonzRefsIn(v, found);
  else if (isObject(node)) {
    for (const [k, v] of Object.entries(node)) {
      const prefix = `#/$defs/${JAMBONZ_DEF_PREFIX}`;
      if (k === '$ref' && typeof v === 'string' && v.startsWith(prefix)) {
        found.add(v.slice(prefix.length).replaceAll('.', '/'));
      } else jambonzRefsIn(v, found);
    }
  }
  return found;
};
