import type { CallRequest } from '../execute/target.js';
import type { PlanItem } from '../plan/types.js';
import type { Diagnostic } from '../validate/diagnostic.js';
import type { CallDefinition } from '../validate/model.js';
import { errorAt, malformedMessage, missingMessage, pointer } from './diagnostics.js';
import { type Env, hasReference, interpolate, type Secret } from './interpolate.js';
import { secretsOf } from './secrets.js';

/** Options that are whole numbers: a reference in them must resolve to digits. */
export const INTEGER_OPTIONS: readonly string[] = ['timeLimit', 'timeout'];

export type Body = Readonly<Record<string, unknown>>;

export type CallResolution =
  | { readonly ok: true; readonly body: Body; readonly secrets: readonly Secret[] }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/**
 * The request body of a call with every `${VAR}` resolved from `env`. Each missing variable
 * is a Diagnostic at the place it is referenced; messages name the reference, never a value.
 * An integer option written as a reference (`timeout: ${T}`) becomes a number when the value
 * is digits, else it is an error — no other value changes type.
 */
export const resolveCall = (def: CallDefinition, env: Env): CallResolution => {
  const r = interpolate(def.options, env);
  const at = (path: readonly (string | number)[], message: string): Diagnostic =>
    errorAt(def.file, def.locate(path), path, message);
  const diagnostics: Diagnostic[] = [
    ...r.missing.map((m) => at(m.path, missingMessage(m.name, pointer(m.path)))),
    ...r.malformed.map((m) => at(m.path, malformedMessage(m.text))),
  ];
  const body: Record<string, unknown> = { ...(r.value as Body) };
  for (const key of INTEGER_OPTIONS) {
    const raw = def.options[key];
    if (typeof raw !== 'string' || !hasReference(raw)) continue;
    if (r.missing.some((m) => m.path[0] === key) || r.malformed.some((m) => m.path[0] === key)) {
      continue;
    }
    const text = String(body[key]);
    const n = Number(text);
    if (/^\d+$/.test(text) && Number.isSafeInteger(n) && n > 0) body[key] = n;
    else diagnostics.push(at([key], `${key}: ${raw} must resolve to a positive integer`));
  }
  return diagnostics.length > 0
    ? { ok: false, diagnostics }
    : { ok: true, body, secrets: r.secrets };
};

export interface CallsResolution {
  /** Request body by call name, for every call that resolved. */
  readonly bodies: ReadonlyMap<string, Body>;
  readonly secrets: readonly Secret[];
  /** Every problem of every call at once. */
  readonly diagnostics: readonly Diagnostic[];
}

export const resolveCalls = (defs: readonly CallDefinition[], env: Env): CallsResolution => {
  const bodies = new Map<string, Body>();
  const secrets: Secret[][] = [];
  const diagnostics: Diagnostic[] = [];
  for (const def of defs) {
    const r = resolveCall(def, env);
    if (r.ok) {
      bodies.set(def.name, r.body);
      secrets.push([...r.secrets]);
    } else {
      diagnostics.push(...r.diagnostics);
    }
  }
  return { bodies, secrets: secretsOf(...secrets), diagnostics };
};

/** The requests for planned items (items whose call has no body are left out). */
export const requestsFor = (
  items: readonly PlanItem[],
  bodies: ReadonlyMap<string, Body>,
): CallRequest[] =>
  items.flatMap((item) => {
    const body = bodies.get(item.name);
    return body ? [{ key: item.key, target: item.target, body }] : [];
  });
