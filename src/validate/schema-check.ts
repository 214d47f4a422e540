import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import type { PathSegments, SourceDocument } from '../config/types.js';
import { newAjv } from '../options/ajv.js';
import { buildCallsSchema, buildConfigSchema } from '../options/schema.js';
import { VALIDATOR_FILES } from '../options/standalone.js';
import type { Diagnostic } from './diagnostic.js';
import { explainErrors, type SchemaProblem, unescapePointer } from './schema-errors.js';

/**
 * Structural checks of call files and callops.yaml against the JSON Schemas generated from
 * the option table. The validators are the standalone modules generated beside the schema
 * files (loaded once, on first use); compiling the schema instead costs about half a second.
 */

interface Validator {
  readonly validate: ValidateFunction;
  readonly schema: Record<string, unknown>;
}

const require = createRequire(import.meta.url);

/** The generated module (repo root is two levels above src/validate/ and dist/validate/). */
const load = (file: string, build: () => Record<string, unknown>): Validator => {
  try {
    const mod = require(`../../${file}`) as ValidateFunction & { schema: Record<string, unknown> };
    return { validate: mod, schema: mod.schema };
  } catch {
    const schema = build();
    return { validate: newAjv().compile(schema), schema };
  }
};

let calls: Validator | undefined;
let config: Validator | undefined;

const callsValidator = (): Validator => {
  calls ??= load(VALIDATOR_FILES.calls, buildCallsSchema);
  return calls;
};

const configValidator = (): Validator => {
  config ??= load(VALIDATOR_FILES.config, buildConfigSchema);
  return config;
};

/** JSON pointer to path segments, with array indexes as numbers. */
export const pointerSegments = (data: unknown, pointer: string): PathSegments => {
  const segments: (string | number)[] = [];
  let node = data;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = unescapePointer(raw);
    if (Array.isArray(node)) {
      segments.push(Number(seg));
      node = node[Number(seg)];
    } else {
      segments.push(seg);
      node =
        typeof node === 'object' && node !== null
          ? (node as Record<string, unknown>)[seg]
          : undefined;
    }
  }
  return segments;
};

/** The plain token written at a position (e.g. `+15551234567`), to quote it back. */
const tokenAt = (text: string, line: number, column: number): string | undefined => {
  const source = text.split(/\r?\n/)[line - 1];
  return source?.slice(column - 1).match(/^[^\s,\]}#]+/)?.[0];
};

/** The api_key of a target and the state url: secrets even when written in the file. */
const isSecretKey = (pointer: string): boolean =>
  /^\/targets\/[^/]+\/api_key$/.test(pointer) || pointer === '/state/url';

const check = (
  compiled: Validator,
  doc: SourceDocument,
  text?: string,
  isSecret?: (pointer: string) => boolean,
): Diagnostic[] => {
  try {
    if (compiled.validate(doc.data)) return [];
    const rawAt = text
      ? (pointer: string) => {
          const pos = doc.locate(pointerSegments(doc.data, pointer));
          return tokenAt(text, pos.line, pos.column);
        }
      : undefined;
    const problems = explainErrors(compiled.validate.errors ?? [], {
      schema: compiled.schema,
      ...(rawAt ? { rawAt } : {}),
      ...(isSecret ? { isSecret } : {}),
    });
    return problems.map((p) => toDiagnostic(doc, p));
  } catch (err) {
    return [
      {
        file: doc.file,
        line: 0,
        column: 0,
        path: '',
        message: `could not check this document against the schema: ${String(err)}`,
        severity: 'error',
      },
    ];
  }
};

const toDiagnostic = (doc: SourceDocument, p: SchemaProblem): Diagnostic => {
  const segments = pointerSegments(doc.data, p.pointer);
  const pos = p.key !== undefined ? doc.locateKey(segments) : doc.locate(segments);
  return {
    file: doc.file,
    line: pos.line,
    column: pos.column,
    path: p.pointer,
    message: p.message,
    severity: 'error',
  };
};

/**
 * Structural errors of one call-file document. `text`, the file's source, is optional: with
 * it, a number written where a string belongs is quoted back exactly as written.
 */
export const checkCallsDocument = (doc: SourceDocument, text?: string): Diagnostic[] =>
  check(callsValidator(), doc, text);

/** Structural errors of the callops.yaml document. */
export const checkConfigDocument = (doc: SourceDocument, text?: string): Diagnostic[] =>
  check(configValidator(), doc, text, isSecretKey);
