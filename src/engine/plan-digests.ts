import { RowDefinition } from '../campaign/expand.js';
import { callOf } from '../plan/item.js';
import { type PlanFileDigests, saltedDigest, withoutSecrets } from '../plan/resolved.js';
import { isLiteral } from '../resolve/call.js';
import { interpolate, interpolateString } from '../resolve/interpolate.js';
import type { CallDefinition, TargetSpec } from '../validate/model.js';
import type { Prepared } from './prepare.js';
import { SIMULATOR_TARGET } from './targets.js';

type Env = Prepared['env'];

/** A target's text as it resolves now; null when a reference in it does not resolve. */
const resolved = (text: string, env: Env): string | null => {
  const r = interpolateString(text, env);
  return r.missing.length > 0 || r.malformed ? null : r.text;
};

/**
 * A base URL as callops uses it: origin and path without trailing slashes; null when it is
 * no http(s) URL (an empty or blank variable, a value that is no URL): no gateway at all.
 */
const usedUrl = (text: string): string | null => {
  try {
    const url = new URL(text);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
  } catch {
    return null;
  }
};

/** An account sid as it names an account: null when blank, else without white space at either end. */
const usedAccount = (text: string): string | null => text.trim() || null;

/** Whether a string below `value` references the environment: a `${` other than `${row.`. */
const mentionsEnvironment = (value: unknown): boolean => {
  if (typeof value === 'string') return /\$\{(?!row\.)/.test(value.replaceAll('$${', ''));
  if (Array.isArray(value)) return value.some(mentionsEnvironment);
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(([k, v]) => mentionsEnvironment(k) || mentionsEnvironment(v));
};

/**
 * Where a target places calls: its base_url and account_sid as they resolve now (a staging
 * URL edited to production, or another value of a `${VAR}` in them, is another gateway).
 * Its api_key is not part of it: a rotated key is the same gateway. Either is null when it
 * names no gateway here: a variable in it unset, or set to an empty or blank value (what a
 * CI job gives for a missing secret), or a base_url that is no http(s) URL. Such a target
 * cannot be told from any other (UNRESOLVED_GATEWAY), whatever made it so.
 */
export const gatewayIdentity = (
  spec: TargetSpec,
  env: Env,
): { readonly base_url: string | null; readonly account_sid: string | null } => {
  const url = resolved(spec.base_url, env);
  const account = resolved(spec.account_sid, env);
  return {
    base_url: url === null ? null : usedUrl(url),
    account_sid: account === null ? null : usedAccount(account),
  };
};

/**
 * The variables that keep a target's gateway from resolving here (gatewayIdentity null): those
 * its base_url and account_sid reference that are unset, or set empty or blank. Each once, in
 * the order written; none when it resolves, or when what it lacks is no variable (a base_url
 * that is no URL).
 */
export const unsetVariables = (spec: TargetSpec, env: Env): readonly string[] => {
  const names = new Set<string>();
  for (const text of [spec.base_url, spec.account_sid]) {
    for (const name of interpolateString(text, env).missing) names.add(name);
    // Every name it references (none is set in `{}`): those set blank count as unset.
    for (const name of interpolateString(text, {}).missing)
      if (env[name]?.trim() === '') names.add(name);
  }
  return [...names];
};

/**
 * The digests a plan file records (see PlanFileDigests), made from the project's targets
 * and environment with the file's `salt`. A call whose options hold no `${` has none: its
 * definition hash says all it sends. The others' digest is of their options resolved from
 * the environment (a campaign row's, of its campaign's call: the row's cells are in its
 * definition hash), the values of secret keys and the targets' api keys left out.
 */
export const planFileDigests = (prepared: Prepared, salt: string): PlanFileDigests => {
  const { specs } = prepared.choice;
  const apiKeys = new Set<string>();
  for (const spec of specs.values()) {
    const key = resolved(spec.api_key, prepared.env);
    if (key) apiKeys.add(key);
  }
  // An item read back from a plan file is looked up by name, in a map made only when met.
  let byName: Map<string, CallDefinition> | undefined;
  const definitionOf = (item: Parameters<PlanFileDigests['values']>[0]) => {
    const call = callOf(item);
    if (call !== undefined) return call;
    byName ??= new Map(prepared.project.calls.map((c) => [c.name, c]));
    return byName.get(item.name);
  };
  const digestOf = (options: Readonly<Record<string, unknown>>): string | undefined => {
    if (isLiteral(options)) return undefined;
    const r = interpolate(options, prepared.env);
    return saltedDigest(salt, {
      options: withoutSecrets(r.value, apiKeys),
      missing: r.missing.map((m) => m.name),
    });
  };
  // A row's cells are in its definition hash, and a `${` in a cell is sent as text: what
  // the environment gives a row is what it gives its campaign's call, digested once (none
  // when the call references only its row: the environment gives it nothing).
  const byCampaign = new Map<RowDefinition['template'], string | undefined>();
  return {
    gateway: (target) => {
      if (target === SIMULATOR_TARGET) return undefined;
      const spec = specs.get(target);
      return saltedDigest(salt, spec === undefined ? null : gatewayIdentity(spec, prepared.env));
    },
    values: (item) => {
      const def = definitionOf(item);
      if (def === undefined) return undefined;
      if (!(def instanceof RowDefinition)) return digestOf(def.options);
      const { template } = def;
      if (!byCampaign.has(template)) {
        const { options } = template.call;
        byCampaign.set(template, mentionsEnvironment(options) ? digestOf(options) : undefined);
      }
      return byCampaign.get(template);
    },
  };
};
