import fc from 'fast-check';
import type { RegistryValue } from '../../../src/model/registry-value.js';
import { valueToJson } from '../../../src/model/value-json.js';
import { encodeRegText } from '../../../src/registry/reg-file/decode-reg-bytes.js';
import { parseRegFile } from '../../../src/registry/reg-file/parse-reg-file.js';
import { renderHeader, renderKeySection } from '../../../src/registry/reg-file/render-reg-file.js';

// Any text of whole code points (lone surrogates cannot be written to a UTF-16 file and read back as text).
const text = fc.string({ unit: 'grapheme', maxLength: 40 });
const noNul = text.filter((s) => !s.includes('\0'));
const bytes = fc.uint8Array({ maxLength: 300 });

const value: fc.Arbitrary<RegistryValue> = fc.oneof(
  text.map((data): RegistryValue => ({ type: 'REG_SZ', data })),
  text.map((data): RegistryValue => ({ type: 'REG_EXPAND_SZ', data })),
  fc.array(noNul.filter((s) => s !== ''), { maxLength: 5 }).map((data): RegistryValue => ({ type: 'REG_MULTI_SZ', data })),
  fc.integer({ min: 0, max: 0xffffffff }).map((data): RegistryValue => ({ type: 'REG_DWORD', data })),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((data): RegistryValue => ({ type: 'REG_QWORD', data })),
  bytes.map((data): RegistryValue => ({ type: 'REG_BINARY', data })),
  bytes.map((data): RegistryValue => ({ type: 'REG_NONE', data })),
  fc.tuple(fc.integer({ min: 12, max: 0xffff }), bytes).map(([kind, data]): RegistryValue => ({ type: 'REG_OTHER', kind, data })),
);

test('any value under any name is read back exactly from what the writer renders', () => {
  fc.assert(
    fc.property(noNul, value, (name, v) => {
      const file = encodeRegText(renderHeader() + renderKeySection('HKCU', 'Software\\P', [{ name, value: v }]), { encoding: 'utf16le', bom: true });
      const entry = parseRegFile(file, 'p.reg').sections[0]?.entries[0];
      expect(entry?.type === 'value' ? [entry.name, entry.value && valueToJson(entry.value)] : entry).toEqual([name, valueToJson(v)]);
      const lines = file.subarray(2).toString('utf16le').split('\r\n');
      // Continuation lines of wrapped hex stay within 80 columns.
      for (const line of lines) if (line.startsWith('  ')) expect(line.length).toBeLessThanOrEqual(80);
    }),
    { numRuns: 300 },
  );
});
