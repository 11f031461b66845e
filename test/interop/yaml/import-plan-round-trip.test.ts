import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadDesiredState } from '../../../src/config/load-desired-state.js';
import { importRegFile } from '../../../src/interop/reg/import-reg-file.js';
import { renderDesiredStateReg } from '../../../src/interop/reg/render-desired-state-reg.js';
import { renderDesiredStateYaml } from '../../../src/interop/yaml/render-desired-state-yaml.js';
import { LiveState } from '../../../src/model/live-state.js';
import type { RegistryValue } from '../../../src/model/registry-value.js';
import { planChanges, readRequestsFor } from '../../../src/plan/plan-changes.js';
import { encodeRegText } from '../../../src/registry/reg-file/decode-reg-bytes.js';
import { openRegFile } from '../../../src/registry/reg-file/reg-file-backend.js';
import { parseRegFile } from '../../../src/registry/reg-file/parse-reg-file.js';
import { desiredState, dword, expandSz, multiSz, present, presentKey, sz } from '../../builders.js';

const runs = (n: number) => n * Number(process.env.REGSTATE_PROPERTY_RUNS ?? 1);

// Every string a .reg file can hand regstate: any UTF-16 code units (lone surrogates too) and the
// characters YAML treats specially, and variable syntax (`${x}`, `$${`: registry text to be kept literal), in any order. NUL aside: a config may not declare it (Windows ends
// the text there), so such data cannot round-trip through a config at all.
const special = fc.constantFrom(' ', '\n', '\r', '\r\n', '\t', '#', ': ', '- ', '"', "'", '\\', '|', '>', '&', '*', '!', '%', '@', '`', '{', '}', '[', ']', ',', '?', '\u0085', '\u2028', '\ufeff', '\u00a0', '😀', '\ud800', '\udfff', 'yes', '~', '0x1', '$', '${', '$${', '${x}', '$$', '}');
const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }).map((s) => s.replace(/\0/g, '')),
  fc.array(fc.oneof(special, fc.string({ unit: 'grapheme', maxLength: 2 })), { maxLength: 10 }).map((parts) => parts.join('')),
  // Mostly whitespace and line breaks: where YAML block scalars go wrong (" \n" read back as "\n").
  { arbitrary: fc.array(fc.constantFrom(' ', '\n', '\t', 'x', '\r'), { maxLength: 5 }).map((parts) => parts.join('')), weight: 4 },
);
const data = fc.oneof(
  anyString.map((s): RegistryValue => sz(s)),
  anyString.map((s): RegistryValue => expandSz(s)),
  fc.array(anyString.filter((s) => s !== ''), { maxLength: 3 }).map((list): RegistryValue => multiSz(...list)),
);

async function importThenPlan(dir: string, value: RegistryValue, parser: 'fast' | 'reference'): Promise<number> {
  const regPath = join(dir, 'server.reg');
  const exported = desiredState(presentKey('HKLM\\SOFTWARE\\RoundTrip', [present('v', value), present('n', dword(1))]));
  await writeFile(regPath, encodeRegText(renderDesiredStateReg(exported), { encoding: 'utf16le', bom: true }));
  const { readFile } = await import('node:fs/promises');
  const imported = importRegFile(parseRegFile(await readFile(regPath), 'server.reg'), { file: 'server.reg' });
  const { yaml } = renderDesiredStateYaml(imported.keys);
  const configPath = join(dir, 'imported.yaml');
  await writeFile(configPath, yaml, 'utf8');
  const desired = await loadDesiredState([configPath], { parser });
  const backend = await openRegFile(regPath);
  try {
    const plan = planChanges(desired, new LiveState(await backend.read(readRequestsFor(desired))));
    return plan.changes.length;
  } finally {
    await backend.close();
  }
}

describe('import → plan round trip of string data', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'regstate-import-plan-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test.each([' \n', '\r\n', ' \r', '\t', '  lead and trail  ', '# not a comment', 'a: b', '\ud800', 'x\udc00', '\ufeffbom', '\u2028', '"\'', '|\n  x', '${e}', '$${y}', 'C:\\${dir}\\x'])(
    'EXPAND_SZ %j imports to a config that plans no changes',
    async (text) => {
      expect(await importThenPlan(dir, expandSz(text), 'fast')).toBe(0);
      expect(await importThenPlan(dir, expandSz(text), 'reference')).toBe(0);
    },
  );

  test('any string, in REG_SZ, REG_EXPAND_SZ or REG_MULTI_SZ, through both YAML load paths', async () => {
    await fc.assert(
      fc.asyncProperty(data, fc.constantFrom('fast' as const, 'reference' as const), async (value, parser) => {
        expect(await importThenPlan(dir, value, parser)).toBe(0);
      }),
      { numRuns: runs(150) },
    );
  });
});
