import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { INVENTORY_SCHEMA, PREBUILT_VALIDATOR, compileSchema, readSchemaText, schemaSha256 } from '../../src/config/schema-file.js';

// `npm run build` (which `npm test` runs first) writes the validator the CLI uses; it must be the schema's.
const file = new URL(`../../dist/config/${PREBUILT_VALIDATOR}`, import.meta.url);
const prebuilt = createRequire(import.meta.url)(file.pathname) as { default: ValidateFunction; schemaSha256: string };

const documents: unknown[] = [
  { version: 1, keys: [{ path: 'HKLM\\X', values: [{ name: 'a', type: 'REG_DWORD', data: 1 }] }] },
  { version: 2, keys: {}, extra: true },
  { version: 1, keys: [{ path: 'HKLM\\X', ensure: 'absent', values: [{ name: 'a' }] }] },
  { version: 1, keys: [{ path: 'HKLM\\X', values: [{ name: 'a', tpye: 'REG_SZ', data: 1 }, { name: 'b', type: 'REG_DWROD', data: 'x' }, { ensure: 'absent', data: 1 }] }] },
  { version: 1, keys: [{ path: 'HKLM\\X', view: 48, values: [{ name: 'm', type: 'REG_MULTI_SZ', data: ['a', ''] }, { name: 'b', type: 'REG_BINARY', data: 'zz' }] }] },
  [1, 2],
];

describe('the validator compiled at build time', () => {
  test('exists after the build and was built from the schema as it is', () => {
    expect(existsSync(file)).toBe(true);
    expect(prebuilt.schemaSha256).toBe(schemaSha256());
  });

  test.each(documents.map((d, i) => [i, d] as const))('document %i: same answer and same errors as the schema compiled now', (_i, document) => {
    const { validate } = compileSchema();
    expect(prebuilt.default(document)).toBe(validate(document));
    expect(prebuilt.default.errors ?? null).toStrictEqual(validate.errors ?? null);
  });
});

// The inventory's validator is built the same way, from its own schema.
const inventoryFile = new URL(`../../dist/config/${INVENTORY_SCHEMA.prebuilt}`, import.meta.url);
const inventoryPrebuilt = createRequire(import.meta.url)(inventoryFile.pathname) as { default: ValidateFunction; schemaSha256: string };

const inventories: unknown[] = [
  { version: 1, hosts: [{ name: 'a', transport: 'ssh', port: 22, keyFile: 'k', groups: ['g'], vars: { p: 1 } }], groups: { g: { vars: { q: 'x' } } } },
  { version: 1, hosts: [], extra: 1 },
  { version: 1, hosts: [{ name: 'a b', port: 70000, transport: 'rdp', credential: { password: 'x' }, vars: { '1x': null } }] },
];

describe('the inventory validator compiled at build time', () => {
  test('exists after the build and was built from the inventory schema as it is', () => {
    expect(existsSync(inventoryFile)).toBe(true);
    expect(inventoryPrebuilt.schemaSha256).toBe(schemaSha256(readSchemaText(INVENTORY_SCHEMA)));
    expect(inventoryPrebuilt.schemaSha256).not.toBe(prebuilt.schemaSha256);
  });

  test.each(inventories.map((d, i) => [i, d] as const))('inventory %i: same answer and same errors as the schema compiled now', (_i, document) => {
    const { validate } = compileSchema(false, INVENTORY_SCHEMA);
    expect(inventoryPrebuilt.default(document)).toBe(validate(document));
    expect(inventoryPrebuilt.default.errors ?? null).toStrictEqual(validate.errors ?? null);
  });
});
