import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { EVALUATION_KEYWORDS, PREBUILT_GATE, compileSchema, getSchemaValidator, inlineLocalRefs, loadSchema, schemaSha256, usesEvaluationKeywords } from '../../src/config/schema-file.js';

// The fast load path asks the gate only whether a document is valid; the validator names the problems.
// Both must give the same yes or no for every document, or a file would load on one path and fail on the other.

const file = new URL(`../../dist/config/${PREBUILT_GATE}`, import.meta.url);
const prebuilt = createRequire(import.meta.url)(file.pathname) as { default: ValidateFunction; schemaSha256: string };

const TYPES = ['REG_SZ', 'REG_EXPAND_SZ', 'REG_MULTI_SZ', 'REG_DWORD', 'REG_QWORD', 'REG_BINARY', 'REG_NONE', 'REG_DWROD', 'reg_sz'];

/** Data of every form the schema tells apart: numbers at the edges, hex, variable references, lists. */
const data = fc.oneof(
  fc.constantFrom(0, 1, -1, 4294967295, 4294967296, 2 ** 53, 1.5, '0x1', '0xFFFFFFFF', '0x100000000', '12', '', 'text', '${v}', 'a${v}b', '${1v}', '00 11', '0,1', 'zz', '18446744073709551615', null, true),
  fc.array(fc.constantFrom('a', '', '${v}', 1), { maxLength: 3 }),
  fc.string({ maxLength: 6 }),
  fc.integer(),
);

/** A value the schema takes: a type with data of its own form. */
const goodValue = fc.oneof(
  fc.record({ name: fc.constantFrom('a', '', 'SmtpPort'), type: fc.constantFrom('REG_SZ', 'REG_EXPAND_SZ'), data: fc.constantFrom('', 'x', '${v}') }),
  fc.record({ name: fc.constant('m'), type: fc.constant('REG_MULTI_SZ'), data: fc.constantFrom(['a'], [], ['a', 'b']) }),
  fc.record({ name: fc.constant('d'), type: fc.constant('REG_DWORD'), data: fc.constantFrom(0, 587, 4294967295, '0xFFFFFFFF', '${v}') }),
  fc.record({ name: fc.constant('q'), type: fc.constant('REG_QWORD'), data: fc.constantFrom(0, 2 ** 53, '18446744073709551615', '0x1') }),
  fc.record({ name: fc.constant('b'), type: fc.constantFrom('REG_BINARY', 'REG_NONE'), data: fc.constantFrom('', '00 11', '0a,0b') }),
  fc.record({ name: fc.constant('gone'), ensure: fc.constant('absent') }),
);

const anyValue = fc.record(
  {
    name: fc.oneof(fc.constantFrom('a', '', 'SmtpPort'), fc.integer()),
    type: fc.constantFrom(...TYPES),
    data,
    ensure: fc.constantFrom('present', 'absent', 'gone'),
    extra: fc.constant(1),
  },
  { requiredKeys: [] },
);

const key = fc.record(
  {
    path: fc.constantFrom('HKLM\\SOFTWARE\\X', 'HKCU\\A', 'HKU\\S-1-5-18\\A', 'NOPE\\A', '', 'HKLM\\a\\\\b'),
    view: fc.constantFrom(32, 64, 48, '64'),
    ensure: fc.constantFrom('present', 'absent', 'x'),
    exclusive: fc.constantFrom(true, false, 'values', 'subkeys', 'all'),
    users: fc.constantFrom('all', 'loaded', ['S-1-5-21-1-2-3-1001'], { include: ['*'] }, 3),
    values: fc.oneof(fc.array(anyValue, { maxLength: 4 }), fc.constant({})),
    extra: fc.constant(true),
  },
  { requiredKeys: [] },
);

/** A key the schema mostly takes, now and then with one value of any form. */
const goodKey = fc.record({
  path: fc.constantFrom('HKLM\\SOFTWARE\\X', 'HKCU\\A'),
  values: fc.array(fc.oneof({ weight: 9, arbitrary: goodValue }, { weight: 1, arbitrary: anyValue }), { maxLength: 4 }),
});

const document = fc.oneof(
  fc.record({ version: fc.constant(1), vars: fc.constant({ v: 'x' }), keys: fc.array(fc.oneof({ weight: 4, arbitrary: goodKey }, { weight: 1, arbitrary: key }), { maxLength: 3 }) }),
  fc.record(
    {
      version: fc.constantFrom(1, 2, '1'),
      description: fc.constantFrom('d', 1),
      vars: fc.constantFrom({ v: 'x' }, { v: 1 }, { '1v': 'x' }, { v: null }, []),
      keys: fc.oneof(fc.array(key, { maxLength: 3 }), fc.constant(null)),
      extra: fc.constant(1),
    },
    { requiredKeys: [] },
  ),
  fc.anything({ maxDepth: 3 }),
);

describe('the schema gate', () => {
  test('exists after the build and was built from the schema as it is', () => {
    expect(existsSync(file)).toBe(true);
    expect(prebuilt.schemaSha256).toBe(schemaSha256());
  });

  test('random documents: the gate and the validator say the same, valid or not', () => {
    const validator = getSchemaValidator();
    let valid = 0;
    fc.assert(
      fc.property(document, (doc) => {
        const answer = validator(doc);
        if (answer) valid++;
        expect(prebuilt.default(doc)).toBe(answer);
      }),
      { numRuns: 3000 },
    );
    // the generator reaches both answers: a property over invalid documents alone would prove little
    expect(valid).toBeGreaterThan(300);
  });

  test('the gate builds no error objects: it answers yes or no', () => {
    expect(prebuilt.default({ version: 2, keys: [{ path: 'X', values: [{ name: 1 }] }] })).toBe(false);
    expect(prebuilt.default.errors?.length ?? 0).toBeLessThanOrEqual(1);
  });

  test('the schema uses no keyword that needs the evaluation tracking the gate leaves out', () => {
    expect(usesEvaluationKeywords(inlineLocalRefs(loadSchema()))).toBe(false);
    for (const keyword of EVALUATION_KEYWORDS) expect(usesEvaluationKeywords({ anyOf: [{ properties: { a: { [keyword]: false } } }] })).toBe(true);
  });

  test('compiled now, the gate answers as the prebuilt one', () => {
    const { validate } = compileSchema(false, undefined, 'gate');
    for (const doc of [{ version: 1, keys: [] }, { version: 1, keys: [{ path: 'HKLM\\X', values: [{ name: 'a', type: 'REG_DWORD', data: '0x1' }] }] }, { version: 1 }]) {
      expect(validate(doc)).toBe(prebuilt.default(doc));
    }
  });
});
