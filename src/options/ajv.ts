import { createRequire } from 'node:module';
import type { Ajv2020, Options } from 'ajv/dist/2020.js';

/**
 * The one Ajv setup for our schemas, used to generate the standalone validators and, should
 * those be missing, to compile at run time. Ajv is loaded on demand: compiling costs
 * hundreds of milliseconds, which `callops validate` must not pay at start.
 */

const require = createRequire(import.meta.url);

/**
 * Keywords our schemas carry for editors and the gateway's own bookkeeping: annotations to
 * Ajv. `errorMessage` and `patternErrorMessage` are yaml-language-server's messages; callops
 * words its own from the failing keyword (src/validate/schema-errors.ts).
 */
export const ANNOTATION_KEYWORDS = [
  'minVersion',
  'discriminator',
  'markdownDescription',
  'patternErrorMessage',
  'errorMessage',
] as const;

export const AJV_OPTIONS: Options = {
  allErrors: true,
  verbose: true,
  allowUnionTypes: true,
  strictTypes: false,
};

/**
 * Hooks may be relative ("/hook") as the gateway accepts them, so `uri` behaves as
 * `uri-reference`; a string holding `${` is accepted (its value is only known once resolved).
 * A RegExp, not a function, so standalone code can inline it.
 */
const hookFormat = (): RegExp => {
  const formats =
    require('ajv-formats/dist/formats.js') as typeof import('ajv-formats/dist/formats.js');
  const uriReference = formats.fullFormats['uri-reference'] as RegExp;
  return new RegExp(`\\$\\{|${uriReference.source}`, uriReference.flags);
};

export const newAjv = (extra: Options = {}): Ajv2020 => {
  const { Ajv2020: AjvClass } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  const ajv = new AjvClass({ ...AJV_OPTIONS, ...extra });
  ajv.addVocabulary([...ANNOTATION_KEYWORDS]);
  const format = hookFormat();
  ajv.addFormat('uri', format);
  ajv.addFormat('uri-reference', format);
  return ajv;
};
