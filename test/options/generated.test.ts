import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, test } from 'vitest';
import { newAjv } from '../../src/options/ajv.js';
import {
  main,
  REPO_ROOT,
  renderOptionReference,
  renderSchemaFiles,
} from '../../src/options/generate.js';
import { replaceOptionReference, SCHEMA_FILES } from '../../src/options/render.js';
import { buildCallsSchema } from '../../src/options/schema.js';
import {
  asciiOnly,
  LAZY_DEFINITIONS,
  renderValidatorModules,
  VALIDATOR_FILES,
  withoutProse,
} from '../../src/options/standalone.js';
import { explainErrors } from '../../src/validate/schema-errors.js';

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');

const refsIn = (node: unknown, out: string[] = []): string[] => {
  if (Array.isArray(node)) for (const v of node) refsIn(v, out);
  else if (typeof node === 'object' && node !== null) {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else if (k !== 'examples' && k !== 'default' && k !== 'enum' && k !== 'const') refsIn(v, out);
    }
  }
  return out;
};

const keysIn = (node: unknown, key: string, out: unknown[] = []): unknown[] => {
  if (Array.isArray(node)) for (const v of node) keysIn(v, key, out);
  else if (typeof node === 'object' && node !== null) {
    for (const [k, v] of Object.entries(node)) {
      if (k === key) out.push(v);
      keysIn(v, key, out);
    }
  }
  return out;
};

describe('committed generated files', () => {
  test('the schema files are not stale (run `npm run schema`)', () => {
    const files = Object.entries(renderSchemaFiles());
    expect(files).toHaveLength(2);
    for (const [path, content] of files) {
      expect(read(path), path).toBe(content);
    }
  });

  test("the README's option reference is not stale (run `npm run schema`)", () => {
    const readme = read('README.md');
    expect(replaceOptionReference(readme, renderOptionReference())).toBe(readme);
    expect(readme).toContain('| `timeLimit` | positive integer |');
  });

  test('the standalone validators are not stale (run `npm run schema`)', () => {
    const modules = Object.entries(renderValidatorModules());
    expect(modules).toHaveLength(2 + Object.keys(LAZY_DEFINITIONS).length);
    for (const [path, content] of modules) {
      expect(read(path) === content, `${path} is stale`).toBe(true);
    }
  });

  test('the standalone validators are pure ASCII (Node decodes them on its fast path)', () => {
    const paths = [...Object.values(VALIDATOR_FILES), ...Object.values(LAZY_DEFINITIONS)];
    expect(paths).toHaveLength(3);
    for (const path of paths) {
      const bytes = readFileSync(join(REPO_ROOT, path));
      expect(
        bytes.findIndex((b) => b > 0x7f),
        path,
      ).toBe(-1);
    }
  });

  test('each validator names the schema file it was built from', () => {
    expect(Object.keys(SCHEMA_FILES).sort()).toEqual(Object.keys(VALIDATOR_FILES).sort());
  });

  test('`generate --check` finds nothing stale', () => {
    expect(main(['--check'])).toBe(0);
  });
});

describe.each(Object.values(SCHEMA_FILES))('%s', (path) => {
  const schema = JSON.parse(read(path)) as Record<string, unknown>;

  test('is valid against the draft 2020-12 meta-schema', () => {
    const ajv = new Ajv2020();
    expect(ajv.validateSchema(schema), JSON.stringify(ajv.errors)).toBe(true);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  test('is self-contained: every $ref is a local pointer to an existing definition', () => {
    const defs = schema.$defs as Record<string, unknown>;
    const refs = refsIn(schema);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/\$defs\/[^/]+$/);
      expect(defs[ref.slice('#/$defs/'.length)], ref).toBeDefined();
    }
    expect(keysIn(schema, '$id')).toEqual([]);
    expect(defs['jambonz.components.target'] ?? defs['jambonz.components.amd']).toBeDefined();
  });

  test('uses uri-reference, never uri, so relative hooks are valid in editors too', () => {
    const formats = keysIn(schema, 'format');
    expect(formats).toContain('uri-reference');
    expect(formats).not.toContain('uri');
  });

  test('compiles with a plain Ajv and no schema loader', () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    expect(() => ajv.compile(schema)).not.toThrow();
  });
});

describe('standalone validator modules', () => {
  const require = createRequire(import.meta.url);
  test.each([
    [VALIDATOR_FILES.calls, { calls: [] }, { calls: [{ name: 'a', timelimit: 1 }] }],
    [VALIDATOR_FILES.config, {}, { targetz: {} }],
  ] as const)('%s loads and validates', (path, good, bad) => {
    const validate = require(join(REPO_ROOT, path)) as ((d: unknown) => boolean) & {
      errors?: { keyword: string }[];
    };
    expect(validate(good)).toBe(true);
    expect(validate(bad)).toBe(false);
    expect(validate.errors?.map((e) => e.keyword)).toEqual(['additionalProperties']);
  });

  test('report the same errors as the schema compiled at run time', () => {
    const standalone = require(join(REPO_ROOT, VALIDATOR_FILES.calls)) as ((
      d: unknown,
    ) => boolean) & {
      errors?: unknown[];
    };
    const compiled = newAjv().compile(buildCallsSchema());
    const bad = {
      calls: [
        { name: 'A', to: { type: 'phone', number: 5 }, amd: { x: 1 }, timeout: 0 },
        { name: 'b', listen: { url: 5, transcribe: { recognizer: {} } }, actionHook: 5 },
      ],
    };
    const brief = (errors: unknown[] | null | undefined) =>
      (errors ?? []).map((e) => {
        const { instancePath, keyword, params, message } = e as Record<string, unknown>;
        return { instancePath, keyword, params, message };
      });
    expect(standalone(bad)).toBe(false);
    expect(compiled(bad)).toBe(false);
    expect(brief(standalone.errors)).toEqual(brief(compiled.errors));
    expect(brief(standalone.errors).length).toBeGreaterThan(5);
    // Compiled without prose, explained against the full schema file: the same words.
    const schema = JSON.parse(read(SCHEMA_FILES.calls)) as unknown;
    const explained = explainErrors((standalone.errors ?? []) as never, { schema });
    expect(explained.length).toBeGreaterThan(3);
    expect(explained).toEqual(explainErrors(compiled.errors ?? [], { schema }));
  });
});

describe('withoutProse', () => {
  test('drops annotations, keeps property names, definitions and data', () => {
    const schema = {
      description: 'd',
      $comment: 'c',
      title: 't',
      properties: {
        description: { type: 'string', description: 'x', markdownDescription: 'y' },
        examples: { enum: [{ description: 'kept' }], examples: ['e'], default: 'z' },
      },
      $defs: { $comment: { const: { $comment: 'kept' } } },
      required: ['description'],
      errorMessage: 'kept',
    };
    expect(withoutProse(schema)).toEqual({
      title: 't',
      properties: {
        description: { type: 'string' },
        examples: { enum: [{ description: 'kept' }], default: 'z' },
      },
      $defs: { $comment: { const: { $comment: 'kept' } } },
      required: ['description'],
      errorMessage: 'kept',
    });
  });
});

describe('asciiOnly', () => {
  test('writes every other character as an escape with the same meaning', () => {
    const code = 'const s = "a\\u2014b — é 😀"; const r = /—/;';
    const escaped = asciiOnly(code);
    expect(/[\u0080-\uffff]/.test(escaped)).toBe(false);
    const run = (text: string) => new Function(`${text} return [s, r.test('—')];`)() as unknown;
    expect(run(escaped)).toEqual(run(code));
    expect(run(escaped)).toEqual(['a—b — é 😀', true]);
  });
});

describe('replaceOptionReference', () => {
  test('replaces only the text between the markers', () => {
    const readme = '# t\n\nintro\n<!-- options:start -->\nold\n<!-- options:end -->\n\n## after\n';
    expect(replaceOptionReference(readme, 'NEW\n')).toBe(
      '# t\n\nintro\n<!-- options:start -->\nNEW\n<!-- options:end -->\n\n## after\n',
    );
  });

  test('refuses a README without the markers', () => {
    expect(() => replaceOptionReference('# t\n', 'NEW\n')).toThrow(/options:start/);
  });
});
