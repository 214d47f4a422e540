import { createGatewayReader, type GatewayReader } from '../execute/reader.js';
import type { ResolvedTarget } from '../execute/target.js';
import { makeRedactor, type Redactor } from '../report/redact.js';
import { resolveTarget, type Secret } from '../resolve/index.js';
import type { Prepared } from './prepare.js';
import { SIMULATOR_TARGET } from './targets.js';

/** Readers for targets, with what may not leave them (their secrets) in one redactor. */
export interface Readers {
  readonly readers: ReadonlyMap<
    string,
    { readonly target: ResolvedTarget; readonly reader: GatewayReader }
  >;
  /**
   * Targets that cannot be asked, with why; `undefinedHere` for one this checkout's
   * callops.yaml does not define (renamed here, or a name another checkout gave it).
   */
  readonly skipped: readonly {
    readonly target: string;
    readonly why: string;
    readonly undefinedHere?: true;
  }[];
  readonly redact: Redactor;
  /** What `redact` hides: the targets' secrets (a caller may add its own to them). */
  readonly secrets: readonly Secret[];
  close(): Promise<void>;
}

/** Why a target the state names cannot be asked here. */
export const NOT_DEFINED_HERE = "this checkout's callops.yaml does not define it";

/** The target name of a placement key (`<target>/<name>…`). */
export const targetOfKey = (key: string): string => key.slice(0, key.indexOf('/'));

/** A reader per named target that can be asked: configured, with every value resolved. */
export const openReaders = (prepared: Prepared, names: Iterable<string>): Readers => {
  const secrets: Secret[] = [];
  const resolved = new Map<string, ResolvedTarget>();
  const skipped: { target: string; why: string; undefinedHere?: true }[] = [];
  for (const name of new Set(names)) {
    if (name === SIMULATOR_TARGET) {
      skipped.push({
        target: name,
        why: 'the built-in simulator lives only as long as the command that started it; nothing to ask',
      });
      continue;
    }
    const spec = prepared.choice.specs.get(name);
    if (spec === undefined) {
      // Not "any more": a checkout behind another may never have had the name.
      skipped.push({ target: name, why: NOT_DEFINED_HERE, undefinedHere: true });
      continue;
    }
    const result = resolveTarget(spec, prepared.env, prepared.envFile);
    if (!result.ok) {
      const why = result.diagnostics.map((d) => d.message).join('; ');
      skipped.push({ target: name, why: `cannot resolve it: ${why}` });
      continue;
    }
    for (const item of result.secrets) secrets.push(item);
    resolved.set(name, result.target);
  }
  const redact = makeRedactor(secrets);
  const readers = new Map(
    [...resolved].map(([name, target]) => [
      name,
      { target, reader: createGatewayReader(target, { redact }) },
    ]),
  );
  return {
    readers,
    skipped: skipped.map((s) => ({ ...s, why: redact(s.why) })),
    redact,
    secrets,
    close: async () => {
      await Promise.all([...readers.values()].map((r) => r.reader.close()));
    },
  };
};
