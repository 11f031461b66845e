import { loadTextWidth } from '../../src/model/text-width.js';
import stringWidth from 'string-width';
import { describeStatus } from '../../src/status/describe-status.js';
import { renderStatusJson, renderStatusText } from '../../src/status/render-status.js';
import { absentKey, at, desiredState, dword, liveKey, liveState, missingKey, present, presentKey, sz } from '../builders.js';

const K = 'HKLM\\SOFTWARE\\Microsoft\\AGPM';
const status = describeStatus(
  desiredState(presentKey(K, [present('EncryptSmtp', dword(1), at(13)), present('SmtpPort', dword(587), at(18)), present('名前😀', sz('日本'), at(20))]), absentKey('HKCU\\Software\\Old', at(22))),
  liveState(liveKey(K, { EncryptSmtp: dword(1), '名前😀': sz('x\u001b[31m') }), missingKey('HKCU\\Software\\Old')),
);

describe('renderStatusText', () => {
  // exact widths, as the library and the CLI (measuredText) render them
  beforeAll(loadTextWidth);

  test('a table aligned by display width, the state of each item, a summary', () => {
    expect(renderStatusText(status, { color: false })).toMatchInlineSnapshot(`
"  KEY                           VALUE        CURRENT                   DESIRED                     STATE
  HKLM\\SOFTWARE\\Microsoft\\AGPM  EncryptSmtp  REG_DWORD 1 (0x00000001)  REG_DWORD 1 (0x00000001)    ok
  HKLM\\SOFTWARE\\Microsoft\\AGPM  SmtpPort     absent                    REG_DWORD 587 (0x0000024b)  drift
  HKLM\\SOFTWARE\\Microsoft\\AGPM  名前😀       REG_SZ "x\\u001b[31m"      REG_SZ "日本"               drift
  HKCU\\Software\\Old             (key)        absent                    absent                      ok

Not in the desired state: 2 of 4 items differ.
"
`);
  });

  test('every row has the STATE column at the same display column; no raw escape reaches the terminal', () => {
    const lines = renderStatusText(status, { color: false }).split('\n').slice(0, 5);
    const stateAt = lines.map((l) => stringWidth(l.replace(/(ok|drift|STATE)$/, '')));
    expect(new Set(stateAt).size).toBe(1);
    expect(renderStatusText(status, { color: true })).not.toContain('\u001b[31m"');
  });
});

describe('renderStatusJson', () => {
  test('items with current and desired as value JSON, key items as present/absent', () => {
    const json = JSON.parse(renderStatusJson(status, { target: { backend: 'memory', name: 't' } }));
    expect(json).toMatchObject({ formatVersion: 1, inDesiredState: false, summary: { items: 4, inDesiredState: 2, notInDesiredState: 2 }, target: { backend: 'memory' } });
    expect(json.items[0]).toEqual({
      key: K, view: 64, name: 'EncryptSmtp', ensure: 'present', inDesiredState: true,
      current: { type: 'REG_DWORD', data: 1 }, desired: { type: 'REG_DWORD', data: 1 }, source: at(13),
    });
    expect(json.items[1]).toMatchObject({ name: 'SmtpPort', current: null, inDesiredState: false });
    expect(json.items[3]).toMatchObject({ key: 'HKCU\\Software\\Old', name: null, ensure: 'absent', current: 'absent', desired: 'absent', inDesiredState: true });
  });
});
