import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { parseHexBytes } from '../../src/config/parse-hex-bytes.js';
import { parseValueData } from '../../src/config/parse-value-data.js';
import { INVENTORY_SCHEMA, SCHEMA_PATH, getSchemaValidator, inlineLocalRefs, loadSchema } from '../../src/config/schema-file.js';
import type { ValueKind } from '../../src/model/registry-value.js';

function strictAjv(): Ajv2020 {
  const fail = (...args: unknown[]) => {
    throw new Error(`ajv strict-mode complaint: ${args.map(String).join(' ')}`);
  };
  return new Ajv2020({ strict: true, allErrors: true, logger: { log: () => {}, warn: fail, error: fail } });
}

const withData = (type: string, data: unknown) => ({ version: 1, keys: [{ path: 'HKLM\\X', values: [{ name: 'v', type, data }] }] });

describe('the desired-state JSON Schema', () => {
  test('lives at configs/regstate.schema.json and compiles under ajv strict mode without a warning', () => {
    expect(SCHEMA_PATH.replaceAll('\\', '/')).toMatch(/\/configs\/regstate\.schema\.json$/);
    expect(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'))).toEqual(loadSchema());
    expect(() => strictAjv().compile(loadSchema())).not.toThrow();
  });

  test('the validator compiles the schema with its references inlined', () => {
    const inlined = inlineLocalRefs(loadSchema());
    expect(JSON.stringify(inlined)).not.toContain('$ref');
    expect(() => strictAjv().compile(inlined)).not.toThrow();
  });

  test('the example of the format and the shipped AGPM file validate', () => {
    const validate = strictAjv().compile(loadSchema());
    expect(validate(parse(readFileSync('test/config/fixtures/format-example.yaml', 'utf8')))).toBe(true);
    expect(validate(parse(readFileSync('configs/agpm-email-security.yaml', 'utf8')))).toBe(true);
  });

  test('wrong data for a type is an error at the data node', () => {
    const validate = getSchemaValidator();
    expect(validate(withData('REG_DWORD', 'abc'))).toBe(false);
    expect(validate.errors?.filter((e) => e.keyword !== 'if').every((e) => e.instancePath === '/keys/0/values/0/data')).toBe(true);
  });

  test('the inventory schema compiles under ajv strict mode, and the example inventory of the README validates', async () => {
    expect(() => strictAjv().compile(loadSchema(INVENTORY_SCHEMA))).not.toThrow();
    expect(() => strictAjv().compile(inlineLocalRefs(loadSchema(INVENTORY_SCHEMA)))).not.toThrow();
    const validate = strictAjv().compile(loadSchema(INVENTORY_SCHEMA));
    expect(validate(parse(readFileSync('configs/examples/agpm-inventory.yaml', 'utf8')))).toBe(true);
  });

  test('the config vars: and the inventory vars are the same rule', () => {
    const inventoryDefs = loadSchema(INVENTORY_SCHEMA).$defs as Record<string, { patternProperties?: unknown }>;
    expect(Object.keys((loadSchema().properties as Record<string, { patternProperties: object }>).vars?.patternProperties ?? {})).toEqual(Object.keys(inventoryDefs.vars?.patternProperties ?? {}));
    expect((loadSchema().$defs as Record<string, unknown>).varValue).toEqual(inventoryDefs.varValue);
  });

  test.each([['desired-state', undefined], ['inventory', INVENTORY_SCHEMA]] as const)('every property of the %s schema has a description for editors', (_name, schemaFile) => {
    const missing: string[] = [];
    const walk = (node: unknown, where: string): void => {
      if (typeof node !== 'object' || node === null) return;
      const properties = (node as { properties?: Record<string, unknown> }).properties;
      for (const [name, schema] of Object.entries(properties ?? {})) {
        const described = typeof schema !== 'object' || schema === null || 'description' in schema || '$ref' in schema;
        if (!described && !where.includes('/if')) missing.push(`${where}/${name}`);
      }
      const defs = (node as { $defs?: Record<string, object> }).$defs;
      for (const [name, schema] of Object.entries(defs ?? {})) if (!('description' in schema)) missing.push(`${where}/$defs/${name}`);
      for (const [k, v] of Object.entries(node)) walk(v, `${where}/${k}`);
    };
    walk(loadSchema(schemaFile), '#');
    expect(missing).toEqual([]);
  });

  // The schema (what editors check) and parseValueData (what the loader checks) must accept the same
  // data, except ranges the schema cannot express exactly: QWORD above 2^53 is checked by the loader.
  test.each<[ValueKind, unknown, boolean]>([
    ['REG_SZ', 'x', true],
    ['REG_SZ', 1, false],
    ['REG_EXPAND_SZ', '%X%', true],
    ['REG_EXPAND_SZ', ['x'], false],
    ['REG_MULTI_SZ', [], true],
    ['REG_MULTI_SZ', ['a', 'b'], true],
    ['REG_MULTI_SZ', ['a', ''], false],
    ['REG_MULTI_SZ', 'a', false],
    ['REG_DWORD', 0, true],
    ['REG_DWORD', 4294967295, true],
    ['REG_DWORD', 4294967296, false],
    ['REG_DWORD', -1, false],
    ['REG_DWORD', 1.5, false],
    ['REG_DWORD', '0xFFFFFFFF', true],
    ['REG_DWORD', '0x00000000FFFFFFFF', true],
    ['REG_DWORD', '0x100000000', false],
    ['REG_DWORD', '0x', false],
    ['REG_DWORD', '12', false],
    ['REG_QWORD', 0, true],
    ['REG_QWORD', '18446744073709551615', true],
    ['REG_QWORD', '0xFFFFFFFFFFFFFFFF', true],
    ['REG_QWORD', '0x10000000000000000', false],
    ['REG_QWORD', -1, false],
    ['REG_QWORD', '-1', false],
    ['REG_QWORD', '1e3', false],
    ['REG_BINARY', '', true],
    ['REG_BINARY', '01 02,03:04 , 05', true],
    ['REG_BINARY', '01,,02', false],
    ['REG_BINARY', '012', false],
    ['REG_BINARY', 12, false],
    ['REG_NONE', 'ab', true],
    ['REG_NONE', '01:', false],
  ])('%s %j: schema and loader agree (%p)', (type, data, valid) => {
    expect(getSchemaValidator()(withData(type, data))).toBe(valid);
    const exact = typeof data === 'number' && Number.isInteger(data) ? BigInt(data) : data;
    expect(parseValueData(type, exact).ok).toBe(valid);
  });

  test('binary hex: the schema pattern and the parser accept the same strings', () => {
    // the hex branch; the other branch is text with a variable reference, checked once substituted
    const branches = ((loadSchema().$defs as Record<string, { anyOf: { then?: { pattern?: string }; $ref?: string }[] }>).binaryData?.anyOf ?? []);
    expect(branches.map((b) => b.$ref ?? 'hex')).toEqual(['hex', '#/$defs/variableReference']);
    const pattern = new RegExp(branches[0]?.then?.pattern as string, 'u');
    const samples = ['', ' ', '00', '0', 'f', 'fg', '00 11', '00  11', '00,11', '00 ,11', '00, 11', '00 , 11', '00,,11', '00:,11', '00 :', ':00', '00\n11', ' 00 ', '0011', '001', 'x'];
    for (const s of samples) expect([s, parseHexBytes(s).ok]).toEqual([s, pattern.test(s)]);
  });
});
