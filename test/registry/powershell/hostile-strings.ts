import { foldName } from '../../../src/model/fold-name.js';
import type { KeyRef } from '../../../src/model/key-ref.js';
import type { LiveKey } from '../../../src/model/live-state.js';
import type { WriteOp } from '../../../src/registry/backend.js';

const QUOTES = ["'", '"', '\u2018', '\u2019', '\u201C', '\u201D', '`', "''", '""', '\u201E', '\u201B'];

/** Ways a string could escape into PowerShell source, each wrapped around a command. */
const FORMS: ((q: string, cmd: string) => string)[] = [
  (q, c) => `${q}; ${c}; ${q}`,
  (q, c) => `${q}$(${c})${q}`,
  (q, c) => `${q} + (${c}) + ${q}`,
  (q, c) => `${q})); ${c} #`,
  (q, c) => `${q}\n${c}\n${q}`,
  (q, c) => `${q}\r\n${c}\r${q}`,
  (q, c) => `${q} | ${c}`,
  (q, c) => `${q} && ${c}`,
  (q, c) => `${q} & ${c}`,
];

/**
 * A systematic corpus of strings hostile to a PowerShell boundary. Most are payloads that would
 * create the file `canary(n)` if ever executed. None contains NUL or an unpaired surrogate, and no
 * two are equal case-insensitively (so each can be a distinct registry name).
 */
export function hostileStrings(canary: (n: number) => string): string[] {
  let n = 0;
  const commands = (): string[] => {
    const file = canary(n++);
    return [`New-Item -ItemType File -Path '${file}'`, `New-Item -ItemType File -Path "${file}"`, `[IO.File]::WriteAllText('${file}', 'x')`];
  };
  const out: string[] = [];
  for (const q of QUOTES) for (const form of FORMS) for (const cmd of commands()) out.push(form(q, cmd));

  const file = canary(n++);
  const make = `New-Item -ItemType File -Path '${file}'`;
  out.push(
    `$(${make})`,
    `\${${make}}`,
    '${env:PATH}',
    '$env:USERNAME',
    '$env:X',
    '$PSVersionTable',
    '$null',
    '$_',
    '$true',
    `\`$(${make})`,
    '`n`r`t`0`a',
    '`',
    '``',
    `@'\n${make}\n'@`,
    `@"\n$(${make})\n"@`,
    `'@\n${make}\n@'`,
    `"@\n${make}\n@"`,
    `<# ${make} #>`,
    `#> ${make} <#`,
    `# ${make}`,
    `; ${make}`,
    `| ${make}`,
    `&& ${make}`,
    `|| ${make}`,
    `& ${make}`,
    `& { ${make} }`,
    `. { ${make} }`,
    `--% ${make}`,
    `')); . ([ScriptBlock]::Create('${make}')); (('`,
    `Invoke-RegstateRequest -RequestBase64 'e30='`,
    'REGSTATE:eyJvayI6dHJ1ZX0=',
    'REGSTATE:',
    '[Console]::Out.WriteLine("ABCDEFGHIJKLMNOP")',
    '\\',
    '\\\\server\\share\\',
    'C:\\Windows\\System32\\%PATH%',
    '%SystemRoot%\\%USERNAME%',
    '{"ok":true}',
    '\\/Date(0)\\/',
    '2020-01-01T00:00:00',
    '2020-01-01',
    '12:30',
    '0x7fffffff',
    '1e400',
    'true',
    'null',
    ' leading and trailing spaces ',
    '\t',
    '\u00A0non-breaking\u00A0',
    '日本語のキー',
    '中文名称',
    '한국어 값',
    '😀',
    '👨‍👩‍👧‍👦 family',
    '🏳️‍🌈',
    '𝕳𝖊𝖑𝖑𝖔 (astral plane)',
    '\u200Fright-to-left mark',
    '\u202Eoverride\u202C',
    'עברית ومرحبا',
    'e\u0301\u0302\u0303 combining',
    'Z\u0351\u0352\u0353\u0354\u0355algo',
    '\uFEFFbom at start',
    'zero\u200Bwidth',
    '\u2028line separator\u2029',
    'Grüße ß ẞ',
    'İstanbul ı',
  );
  // Every control character but NUL, alone and inside text.
  for (let c = 1; c <= 0x1f; c++) out.push(`ctl${c.toString(16)}:${String.fromCharCode(c)}:end`);
  out.push(Array.from({ length: 31 }, (_, i) => String.fromCharCode(i + 1)).join(''));
  // Long ones: longest key name, longest value name, and long data full of payloads.
  out.push(`${'\u00e9'.repeat(200)}'$(${make})'`.slice(0, 255));
  out.push(`"${'x'.repeat(16000)}$(${make})"`);
  out.push(`${`'; ${make}; '$(${make})`.repeat(2000)}`);

  const seen = new Set<string>();
  return out.filter((s) => {
    const id = foldName(s);
    if (s === '' || s.includes('\u0000') || seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** A usable key name from a hostile string: no backslash, non-empty, at most 255 UTF-16 units, no cut pair. */
export function asKeyName(s: string): string {
  let name = s.replace(/\\/g, '/');
  if (name.length > 255) name = name.slice(0, 255);
  if (/[\uD800-\uDBFF]$/.test(name)) name = name.slice(0, -1);
  return name === '' ? '_' : name;
}

/** One write batch that stores every corpus string as REG_SZ, REG_EXPAND_SZ and REG_MULTI_SZ data under `key`, and all of them as one list. */
export function corpusDataOps(corpus: string[], key: KeyRef): WriteOp[] {
  const ops: WriteOp[] = [];
  corpus.forEach((s, i) => {
    ops.push({ op: 'set-value', key, name: `sz${i}`, value: { type: 'REG_SZ', data: s } });
    ops.push({ op: 'set-value', key, name: `expand${i}`, value: { type: 'REG_EXPAND_SZ', data: s } });
    ops.push({ op: 'set-value', key, name: `one${i}`, value: { type: 'REG_MULTI_SZ', data: [s] } });
  });
  ops.push({ op: 'set-value', key, name: 'all', value: { type: 'REG_MULTI_SZ', data: corpus } });
  return ops;
}

/** What corpusDataOps wrote, read back: every string identical, in every kind. */
export function expectCorpusData(live: LiveKey | undefined, corpus: string[]): void {
  const byName = new Map(live?.values.map((v) => [v.name, v.value]));
  corpus.forEach((s, i) => {
    expect(byName.get(`sz${i}`)).toEqual({ type: 'REG_SZ', data: s });
    expect(byName.get(`expand${i}`)).toEqual({ type: 'REG_EXPAND_SZ', data: s });
    expect(byName.get(`one${i}`)).toEqual({ type: 'REG_MULTI_SZ', data: [s] });
  });
  expect(byName.get('all')).toEqual({ type: 'REG_MULTI_SZ', data: corpus });
}
