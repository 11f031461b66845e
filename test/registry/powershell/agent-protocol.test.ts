import { unsendableText } from '../../../src/registry/powershell/agent-protocol.js';
import { key, sz } from '../../builders.js';

const app = key('HKLM\\SOFTWARE\\App');

describe('unsendableText', () => {
  test('a lone surrogate in the path, the name, a string or one entry of 300,000 is found', () => {
    const entries = Array.from({ length: 300_000 }, (_, i) => `e${i}`);
    expect(unsendableText({ op: 'set-value', key: app, name: 'v', value: { type: 'REG_MULTI_SZ', data: entries } })).toBeUndefined();
    entries[299_999] = 'bad\uD800';
    expect(unsendableText({ op: 'set-value', key: app, name: 'v', value: { type: 'REG_MULTI_SZ', data: entries } })).toBe('bad\uD800');
    expect(unsendableText({ op: 'set-value', key: app, name: 'n\uDC00', value: sz('ok') })).toBe('n\uDC00');
    expect(unsendableText({ op: 'set-value', key: app, name: 'v', value: sz('\uD800x') })).toBe('\uD800x');
    expect(unsendableText({ op: 'delete-key', key: key('HKLM\\SOFTWARE\\\uDFFF') })).toBe('SOFTWARE\\\uDFFF');
  });
});
